"""The JSON API against its own OpenAPI document, with Schemathesis (property-based).

Every operation of ``/api/v1/openapi.json`` is called with generated parameters and bodies,
as a clinic_staff of clinic X who also keeps a record of their own as a patient, so every
registry route has something to show: X's records (read and write), their own record,
their clinics. Path ids are mostly the world's real ones (clinic X and Y; X's and Y's
records, the person's own and another patient's), otherwise generated, so 200, 201, 404,
409 and 422 are all met. Every answer must not be a server error and must match the
status codes, content types, headers and schemas the document declares (Schemathesis's
default checks).

The document is read at import from an app that is never asked anything else (its
database is an unused in-memory one); the calls go to the module's world app.
``schemathesis.pytest.from_fixture`` would load it from a fixture instead, but its lazy
runner sets ``request.node._nodeid``, which pytest 9.2 no longer has.

Kept small for CI: ``HSCT_SCHEMATHESIS_EXAMPLES`` examples per operation (default 15).

Marked ``serial``: under pytest-xdist Schemathesis reported one result for the whole
document instead of one per operation (21 results instead of 89, in 19 s instead of about
4 minutes), so ``make pytest`` runs this file in one process, and a run inside an xdist
worker fails here instead of passing silently.
"""

from __future__ import annotations

import dataclasses
import os
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import jsonschema_rs
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from hsct.registry import Role
from hsct.registry import accounts as account_services
from hsct.registry import clinics as clinic_services
from hsct.registry import patients as patient_services
from hsct.web import create_app
from hsct.web.api import OPENAPI_URL
from tests.support.world import SECRET_KEY, World, clean_settings, world_for

EXAMPLES: Final = int(os.environ.get("HSCT_SCHEMATHESIS_EXAMPLES", "15"))
ACTOR: Final = "staff_x"

#: Rules of the API that JSON Schema cannot state (one field against another, against the
#: catalogue or the calendar): a schema-valid request may still get the documented 422, so
#: Schemathesis's "valid data is accepted" check does not apply to these operations.
CROSS_FIELD_RULES: Final = [
    ("POST", "/api/v1/edss"),  # the ambulation score must agree with the walking facts
    ("POST", "/api/v1/journeys"),  # the admission date must leave time for each washout
    ("POST", "/api/v1/outcomes/progression"),  # rebaseline_months or the window, not both
    ("GET", "/api/v1/facilities/compare"),  # ids must name facilities of the directory
    ("POST", "/api/v1/assessments"),  # an age that fits the birth date, a stop after a start
    # Each table's columns must be its own, its needed ones present.
    ("PUT", "/api/v1/clinics/{clinic_id}/mappings/{name}"),
    # Time points in order, windows that do not overlap.
    ("PUT", "/api/v1/clinics/{clinic_id}/settings"),
]
#: Operations whose document allows what the server refuses: each gap is pinned by a
#: strict xfail in test_the_document_forbids_what_the_server_refuses_in_a_query or
#: _in_a_body.
DOCUMENT_GAPS: Final = [
    ("GET", "/api/v1/facilities"),  # a currency without a rate in the table (e.g. ZZZ)
]


#: The server takes what the document forbids: the profile reads numbers written as
#: strings ("3", as the wizard and TOML files send them); booleans for numbers are refused
#: (test_the_profile_refuses_booleans_for_numbers).
LAX_INPUT: Final = [("POST", "/api/v1/assessments")]


def _without(check: str, operations: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [
        {"include-method": method, "include-path": path, "checks": {check: {"enabled": False}}}
        for method, path in operations
    ]


pytestmark = pytest.mark.serial


@pytest.fixture(autouse=True)
def one_process() -> None:
    """Fail inside an xdist worker, where the operations are not reported one by one."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.fail(
            "tests/web/test_schemathesis.py runs in one process: "
            "pytest -p no:xdist -m serial (make pytest does)",
            pytrace=False,
        )


CONFIG: Final = schemathesis.Config.from_dict(
    {
        # The token is sent by the test (a real one); generated Authorization headers would
        # only ever be refused, so they are left out. Requests without it are still tried
        # (the ignored_auth check expects 401 then).
        "generation": {"with-security-parameters": False},
        "operations": [
            *_without("positive_data_acceptance", CROSS_FIELD_RULES + DOCUMENT_GAPS),
            *_without("negative_data_rejection", LAX_INPUT),
        ],
    }
)
DOCUMENT_APP: Final = create_app(clean_settings(database_url="sqlite://", secret_key=SECRET_KEY))
DOCUMENT: Final[dict[str, Any]] = DOCUMENT_APP.openapi()
schema = schemathesis.openapi.from_asgi(OPENAPI_URL, DOCUMENT_APP, config=CONFIG)


@pytest.fixture(scope="module")
def world(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The shared world, staff_x also a patient with a record of their own."""
    with world_for(migrated_sqlite, tmp_path_factory.mktemp("schemathesis")) as built:
        person = built.people[ACTOR]
        with built.db() as session:
            now = datetime.now(UTC)
            clinic_services.membership_grant(
                session, account_id=person.account_id, role=Role.PATIENT, now=now
            )
            account = account_services.account_get(session, account_id=person.account_id)
            actor = account_services.actor_for(session, account=account)
            own = patient_services.patient_own(session, actor=actor, now=now).id
        built.people[ACTOR] = dataclasses.replace(person, own_record=own)
        yield built


def known_ids(world: World) -> dict[str, list[str]]:
    """Real values for each path parameter of the registry routes (the actor's own first)."""
    return {
        "clinic_id": [world.clinic_x, world.clinic_x, world.clinic_y],
        "patient_id": [
            world.record_x,
            str(world.people[ACTOR].own_record),
            world.record_y,
            str(world.people["patient_a"].own_record),
        ],
    }


def use_real_ids(case: schemathesis.Case[Any], world: World) -> None:
    """Four generated ids in five become one of the world's (which one follows from the
    generated value, so a failing example replays and shrinks the same way)."""
    ids = known_ids(world)
    parameters = case.path_parameters or {}
    for name, value in parameters.items():
        if name not in ids:
            continue
        pick = zlib.crc32(str(value).encode("utf-8", "surrogatepass"))
        if pick % 5:
            parameters[name] = ids[name][pick % len(ids[name])]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case[Any], world: World) -> None:
    """No 5xx; status, content type, headers and body as documented."""
    use_real_ids(case, world)

    case.call_and_validate(app=world.app, headers={"Authorization": f"Bearer {world.token(ACTOR)}"})


# ---------------------------------------------------------------- what Schemathesis found
#
# Each case below is one request Schemathesis generated, made deterministic. They are
# strict xfails: the fix is in src/, and once it is made the test passes and the marker
# (and the operation's line in DOCUMENT_GAPS, LAX_INPUT or ALLOW_GAPS above) must go.


def document_allows(schema_: dict[str, Any], value: object) -> bool:
    """True when ``value`` is valid under ``schema_`` (a part of the OpenAPI document)."""
    root = {**schema_, "components": DOCUMENT.get("components", {})}
    return bool(jsonschema_rs.validator_for(root).is_valid(value))


def parameter_schema(method: str, path: str, name: str) -> dict[str, Any]:
    """The documented schema of a query parameter."""
    operation = DOCUMENT["paths"][path][method.lower()]
    return next(p["schema"] for p in operation["parameters"] if p["name"] == name)


def body_schema(method: str, path: str) -> dict[str, Any]:
    """The documented schema of a JSON request body."""
    operation = DOCUMENT["paths"][path][method.lower()]
    schema_: dict[str, Any] = operation["requestBody"]["content"]["application/json"]["schema"]
    return schema_


def gap(reason: str) -> pytest.MarkDecorator:
    """A strict xfail naming the fix in src/."""
    return pytest.mark.xfail(strict=True, reason=reason)


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/api/v1/risks", "age", 0),
        ("/api/v1/studies/matches", "age", 0),
        ("/api/v1/facilities", "ms_type", ""),
        ("/api/v1/facilities", "intensity", ""),
        ("/api/v1/facilities", "status", ""),
        ("/api/v1/facilities", "country", ""),
        ("/api/v1/facilities", "currency", ""),
        ("/api/v1/facilities", "max_price", 0),
    ],
)
def test_the_document_forbids_what_the_server_refuses_in_a_query(
    world: World, path: str, name: str, value: object
) -> None:
    """A query value the server answers with 422 must be invalid in the document too."""
    response = TestClient(world.app).get(path, params={name: str(value)})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", name]
    assert not document_allows(parameter_schema("GET", path, name), value)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/legitimacy", {"answers": {"chemotherapy": "no", "not-a-question": "yes"}}),
        (
            "/api/v1/assessments",
            {"as_of": "2026-11-23", "ms_type": "RRMS", "age": 35, "not_a_field": 1},
        ),
    ],
)
def test_the_document_forbids_what_the_server_refuses_in_a_body(
    world: World, path: str, body: dict[str, Any]
) -> None:
    """A body the server answers with 422 must be invalid in the document too."""
    response = TestClient(world.app).post(path, json=body)

    assert response.status_code == 422
    assert not document_allows(body_schema("POST", path), body)


@pytest.mark.parametrize(
    "body",
    [{"edss_inputs": {"ambulation_score": False}}, {"edss": True}, {"age": True}],
    ids=["ambulation_score", "edss", "age"],
)
def test_the_profile_refuses_booleans_for_numbers(world: World, body: dict[str, Any]) -> None:
    """A boolean where the document says number: 422, not an assessment computed from it."""
    assert not document_allows(body_schema("POST", "/api/v1/assessments"), body)

    response = TestClient(world.app).post("/api/v1/assessments", json=body)

    assert response.status_code == 422


@pytest.mark.parametrize("field", ["sensory", "ambulation_score", "other"])
def test_the_server_refuses_what_the_document_forbids(world: World, field: str) -> None:
    """A boolean where the document says integer: 422, not a score computed from it."""
    body = {field: True}
    assert not document_allows(body_schema("POST", "/api/v1/edss"), body)

    response = TestClient(world.app).post("/api/v1/edss", json=body)

    assert response.status_code == 422


@pytest.mark.parametrize("method", ["OPTIONS", "PUT", "DELETE", "PATCH"])
def test_a_405_lists_every_method_of_the_path(world: World, method: str) -> None:
    """Allow on a 405 names every method the resource supports."""
    response = TestClient(world.app).request(
        method, f"/api/v1/clinics/{world.clinic_x}/patients", headers=world.bearer(ACTOR)
    )

    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
