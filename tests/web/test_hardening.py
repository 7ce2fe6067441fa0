"""No request can pin a worker, exhaust memory, crash the server or leak answers.

Each test names a class of fault from the hardening issue: bodies limited before they are
read, repeating rows bounded, hostile JSON refused, dates outside 1900-2100 named, the hidden
answers field checked, invalid input on pages a 422 page in the person's language, short
error excerpts, and no-store on answers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

MB = 1024 * 1024
PROFILE = {"as_of": "2026-11-23", "ms_type": "RRMS", "age": 35, "edss": 3.0}


def test_a_json_body_over_1_mb_is_refused_before_it_is_read(client: TestClient) -> None:
    """Content-Length above the limit: 413 naming the limit, nothing parsed."""
    body = b'{"comorbidities": ["' + b"x" * (MB + 10) + b'"]}'
    response = client.post(
        "/api/v1/assessments", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["detail"][0]["allowed"] == "at most 1 MB"


def test_a_streamed_body_without_length_is_cut_at_the_limit(client: TestClient) -> None:
    """Chunked upload with no Content-Length: counted as it arrives, 413 past 1 MB."""

    def chunks() -> Iterator[bytes]:
        yield b'{"comorbidities": ["'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"]}'

    response = client.post(
        "/api/v1/assessments", content=chunks(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413


def test_a_huge_form_is_a_413_page_in_the_persons_language(client: TestClient) -> None:
    """Pages answer with the site's error page, in Russian for a Russian reader."""
    response = client.post(
        "/candidate/results",
        data={"profile": "x" * (MB + 10)},
        headers={"accept-language": "ru"},
    )

    assert response.status_code == 413
    assert 'lang="ru"' in response.text
    assert "Error code: 413" not in response.text


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('{"age": ' + "[" * 5000 + "]" * 5000 + "}", "is nested too deeply"),
        ('{"age": 1' + "0" * 5000 + "}", "contains a number of 5001 digits"),
        ('{"edss": NaN}', "contains NaN, which is not a number"),
        ('{"edss": Infinity}', "contains Infinity, which is not a number"),
        ('{"edss": 1e999}', "contains a number too large to compute with"),
    ],
    ids=["nested", "huge-int", "nan", "infinity", "overflow"],
)
def test_hostile_json_is_a_named_422(client: TestClient, body: str, problem: str) -> None:
    """Each is refused before any handler runs: 422 on the body, never a 500."""
    for path in ("/api/v1/assessments", "/api/v1/journeys", "/api/v1/outcomes/progression"):
        response = client.post(path, content=body, headers={"content-type": "application/json"})

        assert response.status_code == 422, path
        assert response.json()["detail"][0]["msg"] == problem


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
def test_dates_outside_1900_to_2100_are_named(client: TestClient, date: str) -> None:
    """Assessments and journeys name the field; nothing crashes on calendar arithmetic."""
    assessment = client.post("/api/v1/assessments", json={**PROFILE, "birth_date": date})
    journey = client.post(
        "/api/v1/journeys", json={"facility": "moscow-pirogov", "admission_date": date}
    )
    day0 = client.post(
        "/api/v1/journeys", json={"facility": "moscow-pirogov", "transplant_date": date}
    )

    assert assessment.status_code == journey.status_code == day0.status_code == 422
    assert assessment.json()["detail"][0]["loc"] == ["body", "birth_date"]
    assert journey.json()["detail"][0]["loc"] == ["body", "admission_date"]
    assert "1900-01-01 to 2100-12-31" in journey.json()["detail"][0]["allowed"]


def test_a_wizard_post_naming_row_100000_is_refused_quickly(client: TestClient) -> None:
    """The 55-byte POST that once rendered 302 MB: now a small 422 naming the limit."""
    started = time.perf_counter()
    response = client.post(
        "/candidate/wizard", data={"step": "relapses", "relapse_date_100000": "2026-01-01"}
    )

    assert response.status_code == 422
    assert len(response.content) < 200_000
    assert "too many rows; at most 50" in response.text
    assert time.perf_counter() - started < 5  # generous: it takes milliseconds


def test_more_rows_stops_at_50(client: TestClient) -> None:
    """ "More rows" never offers more than 50 rows."""
    form = {"step": "relapses", "go": "more", "relapses_known": "listed"}
    form.update({f"relapse_date_{i}": "" for i in range(49)})
    page = client.post("/candidate/wizard", data=form).text

    assert 'name="relapse_date_49"' in page
    assert 'name="relapse_date_50"' not in page


@pytest.mark.parametrize(
    "hidden",
    [
        '{"relapses": "yesterday"}',
        "[1, 2, 3]",
        '{"age": NaN}',
        '{"treatments": [{"drug": "ocrelizumab", "start": "0001-01-01"}]}',
        "{" * 3000,
    ],
    ids=["wrong-shape", "list", "nan", "old-date", "broken"],
)
def test_a_tampered_hidden_answers_field_is_a_422_with_the_field_named(
    client: TestClient, hidden: str
) -> None:
    """Wizard, results, summary and download never trust the hidden field."""
    for path, extra in (
        ("/candidate/wizard", {"step": "about", "go": "goto:mri"}),
        ("/candidate/wizard", {"step": "about"}),
        ("/candidate/results", {}),
        ("/candidate/summary", {}),
        ("/candidate/download", {}),
    ):
        response = client.post(path, data={"profile": hidden, **extra})

        assert response.status_code == 422, path
        assert "Traceback" not in response.text


def test_invalid_input_on_a_page_is_a_422_page_in_the_persons_language(
    client: TestClient,
) -> None:
    """The calendar file with a bad date: a 422 page in Spanish that names the field."""
    response = client.post(
        "/journey/plan.ics",
        data={"facility": "moscow-pirogov", "admission_date": "9999-12-31"},
        headers={"accept-language": "es"},
    )

    assert response.status_code == 422
    assert 'lang="es"' in response.text
    assert "admission date" in response.text


def test_error_messages_quote_only_an_excerpt(client: TestClient) -> None:
    """A 100 kB drug name is quoted in at most a few dozen characters."""
    response = client.post(
        "/api/v1/assessments",
        json={**PROFILE, "treatments": [{"drug": "Q" * 100_000}]},
    )

    assert response.status_code == 422
    assert len(response.content) < 2_000
    assert "(100000 characters)" in response.text


def test_answers_are_never_cached(client: TestClient) -> None:
    """Results, API answers and query-string pages: no-store; static files: cacheable."""
    results = client.post("/candidate/results", data={"profile": json.dumps(PROFILE)})
    api = client.post("/api/v1/assessments", json=PROFILE)
    directory = client.get("/facilities", params={"edss": "6.5", "age": "52"})
    static = client.get("/static/css/site.css")

    assert results.headers["cache-control"] == "no-store"
    assert api.headers["cache-control"] == "no-store"
    assert directory.headers["cache-control"] == "no-store"
    assert "no-store" not in static.headers.get("cache-control", "")


def test_query_values_are_quoted_as_excerpts(client: TestClient) -> None:
    """A 5,000-character currency, sort or facility id is never echoed whole."""
    for response in (
        client.get("/api/v1/facilities", params={"currency": "X" * 5000}),
        client.get("/api/v1/facilities/" + "y" * 5000),
        client.get("/facilities", params={"country": "Z" * 5000}),
    ):
        assert response.status_code in (404, 422)
        assert "X" * 100 not in response.text
        assert "y" * 100 not in response.text
        assert "Z" * 100 not in response.text.split("</form>", 1)[-1]
