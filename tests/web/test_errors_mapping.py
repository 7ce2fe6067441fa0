"""NotFound, PermissionDenied and Conflict answer 404, 403 and 409: JSON for the API, a page
for people. The mapping lives in one place, hsct.web.errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hsct.common.errors import Conflict, HsctError, NotFound, PermissionDenied
from hsct.common.settings import Settings
from hsct.web import create_app

ERRORS: list[tuple[str, HsctError, int]] = [
    ("not-found", NotFound("cohort", "c-404"), 404),
    ("permission-denied", PermissionDenied("Only the record's owner may delete it"), 403),
    ("conflict", Conflict("A cohort named 'pilot' already exists"), 409),
]


def _app_raising(settings: Settings) -> FastAPI:
    """The real app plus, for each error, a page route and an API route that raise it."""
    app = create_app(settings)
    for slug, error, _status in ERRORS:
        app.add_api_route(f"/__test__/{slug}", _raiser(error), methods=["GET"])
        app.add_api_route(f"/api/v1/__test__/{slug}", _raiser(error), methods=["GET"])
    return app


def _raiser(error: HsctError) -> Callable[[], None]:
    """A route handler that raises ``error``."""

    def raise_it() -> None:
        raise error

    return raise_it


@pytest.fixture
def raising_client(settings: Settings) -> Iterator[TestClient]:
    """A client for the app with the raising routes."""
    with TestClient(_app_raising(settings)) as client:
        yield client


@pytest.mark.parametrize(("slug", "error", "status"), ERRORS, ids=[e[0] for e in ERRORS])
def test_api_answers_json_with_the_message(
    raising_client: TestClient, slug: str, error: HsctError, status: int
) -> None:
    """Under /api/ the status is mapped and the detail is the error's own sentence."""
    response = raising_client.get(f"/api/v1/__test__/{slug}")

    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": str(error)}


@pytest.mark.parametrize(
    ("slug", "status"), [(slug, status) for slug, _, status in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_pages_answer_with_the_error_page(
    raising_client: TestClient, slug: str, status: int
) -> None:
    """People get the site's error page with the status code, not JSON or a traceback."""
    response = raising_client.get(f"/__test__/{slug}")

    assert response.status_code == status
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert f"Error code: {status}" in response.text
    assert 'href="/"' in response.text
    assert "Traceback" not in response.text


def test_not_found_page_says_page_not_found(raising_client: TestClient) -> None:
    """A 404 from NotFound is the same friendly page as an unknown address."""
    response = raising_client.get("/__test__/not-found")

    assert "<h1>Page not found</h1>" in response.text


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/api/v1/facilities/nope", "No facility 'nope'"),
        ("/api/v1/facilities/nope/legitimacy", "No facility 'nope'"),
        ("/api/v1/rulesets/nope", "No rule set 'nope'"),
        ("/api/v1/sources/nope", "No source 'nope'"),
    ],
)
def test_knowledge_api_not_found_keeps_status_and_message(
    client: TestClient, path: str, detail: str
) -> None:
    """The knowledge API raises NotFound; clients see the same 404 and message as before."""
    response = client.get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": detail}


def test_not_found_message_quotes_only_an_excerpt_of_a_long_id(client: TestClient) -> None:
    """A long id is cut short in the message, with its length."""
    response = client.get(f"/api/v1/facilities/{'x' * 300}")

    assert response.status_code == 404
    detail = response.json()["detail"]
    assert detail.startswith("No facility 'xxxx")
    assert detail.endswith("…' (300 characters)")
    assert len(detail) < 80


def test_unknown_facility_page_is_the_404_page(client: TestClient) -> None:
    """The facility page raises NotFound; people get the friendly 404 page."""
    response = client.get("/facilities/no-such-clinic")

    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.text
