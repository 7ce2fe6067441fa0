"""Fuzzing every route: generated forms, query strings and JSON never give a 5xx.

The routes come from the app itself, so a new page or endpoint is fuzzed without a change
here. Field names mix the ones the pages use with random ones; values mix plausible answers
with hostile ones (dates far outside the calendar, huge numbers, markup, JSON fragments,
very long text, control characters).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsct.common.settings import Settings
from hsct.registry import upgrade_database
from hsct.web import create_app

FIELDS = [
    "profile",
    "step",
    "go",
    "facility",
    "admission_date",
    "transplant_date",
    "birth_date",
    "age",
    "as_of",
    "ms_type",
    "ms_activity",
    "ms_worsening",
    "diagnosis_date",
    "onset_date",
    "edss",
    "relapses_known",
    "mri_known",
    "treatments_known",
    "relapse_date_0",
    "relapse_date_49",
    "relapse_date_99999",
    "mri_date_0",
    "mri_gd_0",
    "mri_t2_0",
    "drug_0",
    "start_0",
    "stop_0",
    "last_dose_0",
    "reason_0",
    "comorbidities",
    "visual",
    "brainstem",
    "pyramidal",
    "cerebellar",
    "sensory",
    "bowel_bladder",
    "cerebral",
    "ambulation_score",
    "bed_status",
    "mode",
    "unaided_m",
    "country",
    "intensity",
    "status",
    "max_price",
    "currency",
    "sort",
    "ids",
    "lang",
    "population",
    "chemotherapy",
    "cells",
    "duration",
    "format",
]
HOSTILE = st.sampled_from(
    [
        "",
        "0001-01-01",
        "9999-12-31",
        "2026-02-30",
        "1" + "0" * 400,
        "-1",
        "NaN",
        "Infinity",
        "1e999",
        "6.5",
        "<script>alert(1)</script>",
        '{"relapses": "x"}',
        "[" * 200,
        "goto:mri",
        "results",
        "more",
        "RRMS",
        "moscow-pirogov",
        "x" * 5000,
        "\x00\x1f",
        "../../etc/passwd",
    ]
)
VALUE = st.one_of(HOSTILE, st.text(max_size=40))
FORM = st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=12)), VALUE, max_size=8)
JSON_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        VALUE,
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=20,
)


#: A valid body per JSON endpoint; the fuzzer replaces one field at a time (nested ones too).
EXAMPLES: dict[str, dict[str, Any]] = {
    "/api/v1/assessments": {
        "as_of": "2026-11-23",
        "ms_type": "RRMS",
        "age": 35,
        "edss": 3.0,
        "relapses": [{"date": "2026-03-01"}],
        "mri": [{"date": "2026-09-15", "gd_enhancing": 2, "new_t2": 3}],
        "treatments": [{"drug": "ocrelizumab", "start": "2022-01-01", "last_dose": "2026-08-01"}],
        "edss_history": [{"date": "2025-11-01", "edss": 2.5}],
    },
    "/api/v1/journeys": {
        "facility": "moscow-pirogov",
        "admission_date": "2027-09-01",
        "today": "2026-11-23",
        "profile": {"treatments": [{"drug": "natalizumab", "start": "2022-01-01"}]},
    },
    "/api/v1/edss": {"visual": 1, "pyramidal": 3, "walking": {"unaided_m": 300}},
    "/api/v1/legitimacy": {"answers": {"chemotherapy": "yes", "duration": "weeks"}},
    "/api/v1/outcomes/progression": {
        "transplant_date": "2020-01-01",
        "visits": [
            {"date": "2019-12-01", "edss": 3.0},
            {"date": "2020-07-01", "edss": 2.5},
            {"date": "2021-01-01", "edss": 3.5},
        ],
        "relapses": [{"date": "2020-03-01"}],
        "mri": [{"date": "2020-06-01", "new_t2": 0, "gd_enhancing": 0}],
    },
}


def _mutate(body: Any, draw: st.DrawFn) -> Any:
    """``body`` with one value somewhere inside replaced by a generated one."""
    if isinstance(body, dict) and body:
        key = draw(st.sampled_from(sorted(body)))
        if draw(st.booleans()):
            return {**body, key: draw(JSON_VALUE)}
        return {**body, key: _mutate(body[key], draw)}
    if isinstance(body, list) and body:
        index = draw(st.integers(0, len(body) - 1))
        return [*body[:index], _mutate(body[index], draw), *body[index + 1 :]]
    return draw(JSON_VALUE)


PATH_VALUES = {
    "{facility_id}": "moscow-pirogov",
    "{ruleset_id}": "nhs-london-2016",
    "{source_id}": "muraro-2025",
}


@pytest.fixture(scope="module")
def fuzz_client() -> Iterator[TestClient]:
    """One app for the module (Hypothesis runs many examples against it)."""
    with tempfile.TemporaryDirectory(prefix="hsct-fuzz-") as folder:
        url = f"sqlite:///{Path(folder) / 'hsct.sqlite3'}"
        upgrade_database(url)
        app = create_app(Settings(database_url=url, mail_dir=Path(folder) / "mail"))
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client


def _routes(app: FastAPI, method: str, api: bool) -> list[str]:
    """Concrete paths of the app's routes for ``method`` (path parameters filled in)."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or method not in route.methods:
            continue
        path = str(context.path)
        if path.startswith("/api/") != api or path.startswith("/__test__"):
            continue
        for name, value in PATH_VALUES.items():
            path = path.replace(name, value)
        found.append(path)
    return sorted(set(found))


def _app(client: TestClient) -> FastAPI:
    app = client.app
    assert isinstance(app, FastAPI)
    return app


FUZZ = settings(
    max_examples=int(os.environ.get("HSCT_FUZZ_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(form=FORM, data=st.data())
def test_html_forms_never_give_a_server_error(
    fuzz_client: TestClient, form: dict[str, str], data: st.DataObject
) -> None:
    """Every page that takes a POST, with a generated form."""
    path = data.draw(st.sampled_from(_routes(_app(fuzz_client), "POST", api=False)))
    response = fuzz_client.post(path, data=form)

    assert response.status_code < 500, (path, form)


@FUZZ
@given(query=FORM, data=st.data())
def test_query_strings_never_give_a_server_error(
    fuzz_client: TestClient, query: dict[str, str], data: st.DataObject
) -> None:
    """Every GET page and API endpoint, with generated query parameters."""
    app = _app(fuzz_client)
    path = data.draw(
        st.sampled_from(_routes(app, "GET", api=False) + _routes(app, "GET", api=True))
    )
    response = fuzz_client.get(path, params=query)

    assert response.status_code < 500, (path, query)


@FUZZ
@given(body=JSON_VALUE, data=st.data())
def test_json_api_never_gives_a_server_error(
    fuzz_client: TestClient, body: Any, data: st.DataObject
) -> None:
    """Every API endpoint that takes a POST, with generated JSON."""
    path = data.draw(st.sampled_from(_routes(_app(fuzz_client), "POST", api=True)))
    response = fuzz_client.post(
        path, content=json.dumps(body), headers={"content-type": "application/json"}
    )

    assert response.status_code < 500, (path, body)


@FUZZ
@given(data=st.data())
def test_mutated_examples_never_give_a_server_error(
    fuzz_client: TestClient, data: st.DataObject
) -> None:
    """Valid bodies with one field replaced: the closest a mistake or an attack comes."""
    path = data.draw(st.sampled_from(sorted(EXAMPLES)))
    body = _mutate(EXAMPLES[path], data.draw)
    response = fuzz_client.post(
        path, content=json.dumps(body), headers={"content-type": "application/json"}
    )

    assert response.status_code < 500, (path, body)


@FUZZ
@given(content=st.binary(max_size=2000), name=st.text(max_size=20))
def test_uploads_never_give_a_server_error(
    fuzz_client: TestClient, content: bytes, name: str
) -> None:
    """The saved-answers upload with any file content and name."""
    response = fuzz_client.post("/candidate/upload", files={"file": (name or "x", content)})

    assert response.status_code < 500
