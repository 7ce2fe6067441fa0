"""The registry's JSON API, one promise at a time: pseudonyms only, audited writes, exact
errors, no caching of private answers, CSRF for cookies, HSTS and the docs switch.

Most tests share one world (``tests/support/world.py``) built once for the module; the
settings tests build their own app from the per-test ``settings`` fixture.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

import pytest
from fastapi.testclient import TestClient

from hsct.common.settings import Settings
from hsct.registry import audit_event_list
from hsct.web import create_app
from tests.support.world import ACTORS, SESSION_COOKIE, World, world_for

REGISTRY_ROUTES: Final = [
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/clinics"),
    ("GET", "/api/v1/clinics/{X}/patients"),
    ("POST", "/api/v1/clinics/{X}/patients"),
    ("GET", "/api/v1/patients/{record}"),
    ("POST", "/api/v1/me/record"),
]
SIGNED_IN: Final = [actor for actor in ACTORS if actor != "anonymous"]


@pytest.fixture(scope="module")
def world(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One world for the module."""
    with world_for(migrated_sqlite, tmp_path_factory.mktemp("registry-api")) as built:
        yield built


@pytest.fixture
def api(world: World) -> TestClient:
    """A client for the world's app; redirects are returned, not followed."""
    return TestClient(world.app, follow_redirects=False)


def url(world: World, path: str) -> str:
    """A route with the world's clinic X and its record filled in."""
    return path.replace("{X}", world.clinic_x).replace("{record}", world.record_x)


def new_code() -> str:
    """A study code no other test uses."""
    return f"T-{uuid.uuid4().hex[:10]}"


def audit_rows(world: World) -> list[dict[str, Any]]:
    """Every audit event, each as a plain dict of all its columns."""
    with world.db() as session:
        return [
            {column.name: getattr(event, column.name) for column in event.__table__.columns}
            for event in audit_event_list(session)
        ]


# ---------------------------------------------------------------- pseudonyms only


@pytest.mark.parametrize("actor", SIGNED_IN)
@pytest.mark.parametrize("via", ["token", "session"])
def test_me_never_contains_an_email(world: World, api: TestClient, actor: str, via: str) -> None:
    """The pseudonym and roles; no address, no name, whichever way one signs in."""
    headers = world.bearer(actor) if via == "token" else world.browser(actor)
    person = world.people[actor]

    response = api.get("/api/v1/me", headers=headers)

    assert response.status_code == 200
    assert "@" not in response.text
    assert person.email not in response.text
    body = response.json()
    assert set(body) == {"person_id", "patient_id", "roles", "token_scope"}
    assert body["person_id"] == person.person_id
    assert body["patient_id"] == person.own_record  # patients' own records; None for others
    assert body["token_scope"] == ("registry:write" if via == "token" else None)


def test_me_names_each_role_and_its_clinic(world: World, api: TestClient) -> None:
    """Clinic roles carry their clinic; site roles none."""
    staff = api.get("/api/v1/me", headers=world.bearer("staff_x")).json()
    admin = api.get("/api/v1/me", headers=world.bearer("site_admin")).json()
    patient = api.get("/api/v1/me", headers=world.bearer("patient_a")).json()

    assert staff["roles"] == [{"role": "clinic_staff", "clinic_id": world.clinic_x}]
    assert admin["roles"] == [{"role": "site_admin", "clinic_id": None}]
    assert patient["roles"] == [{"role": "patient", "clinic_id": None}]


# ---------------------------------------------------------------- 401


@pytest.mark.parametrize(("method", "path"), REGISTRY_ROUTES)
def test_without_credentials_every_registry_route_is_401_bearer(
    world: World, api: TestClient, method: str, path: str
) -> None:
    """401 with WWW-Authenticate: Bearer, and a JSON explanation (never a sign-in page)."""
    response = api.request(method, url(world, path), json={"code": new_code()})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/json"
    assert "Bearer" in response.json()["detail"]


def test_an_expired_token_is_401(world: World, api: TestClient) -> None:
    """A token past its lifetime (90 days) is no credential."""
    headers = world.bearer("staff_x")
    real = world.now()
    world.app.state.clock = lambda: real + timedelta(days=91)
    try:
        response = api.get("/api/v1/me", headers=headers)
    finally:
        world.app.state.clock = None

    assert response.status_code == 401
    assert api.get("/api/v1/me", headers=headers).status_code == 200


# ---------------------------------------------------------------- creating records


def test_staff_create_a_record_and_the_audit_trail_names_them_by_pseudonym(
    world: World, api: TestClient
) -> None:
    """201 with the new record; one "patient.create" event by staff_x's person_id."""
    code = new_code()
    before = {row["id"] for row in audit_rows(world)}

    response = api.post(
        f"/api/v1/clinics/{world.clinic_x}/patients",
        json={"code": code},
        headers=world.bearer("staff_x"),
    )

    assert response.status_code == 201
    record = response.json()
    assert record["clinic_id"] == world.clinic_x
    assert record["code"] == code
    assert record["own"] is False
    assert record["locked"] is False
    new = [row for row in audit_rows(world) if row["id"] not in before]
    creations = [row for row in new if row["action"] == "patient.create"]
    assert len(creations) == 1
    event = creations[0]
    assert event["actor"] == world.people["staff_x"].person_id
    assert event["actor_role"] == "clinic_staff"
    assert event["entity_type"] == "patient"
    assert event["entity_id"] == record["id"]
    assert event["clinic_id"] == world.clinic_x
    assert event["details"] == {"new": {"code": code}}


def test_no_email_anywhere_in_the_audit_table(world: World, api: TestClient) -> None:
    """After sign-ins, refusals, tokens and records: not one address in any column."""
    api.post(
        f"/api/v1/clinics/{world.clinic_x}/patients",
        json={"code": new_code()},
        headers=world.bearer("lead_x"),
    )
    api.get(f"/api/v1/patients/{world.record_x}", headers=world.bearer("staff_y"))  # 404
    api.post("/api/v1/me/record", headers=world.bearer("monitor_x"))  # 403
    TestClient(world.app).post(
        "/account/sign-in",
        data={"email": world.people["patient_b"].email, "password": "wrong wrong wrong"},
        headers={"Cookie": "hsct_pre=x", "X-CSRF-Token": world.csrf("x")},
    )
    rows = audit_rows(world)
    text = json.dumps(rows, default=str)

    assert len(rows) > 20
    assert "@" not in text
    for person in world.people.values():
        assert person.email not in text
        assert person.email.split("@")[0] not in text


def test_the_same_code_twice_is_a_409(world: World, api: TestClient) -> None:
    """Study codes are unique within a clinic; the first record stays the only one."""
    code = new_code()
    headers = world.bearer("staff_x")
    path = f"/api/v1/clinics/{world.clinic_x}/patients"

    first = api.post(path, json={"code": code}, headers=headers)
    second = api.post(path, json={"code": code}, headers=headers)
    listed = api.get(path, headers=headers).json()

    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json() == {"detail": "this clinic already has a record with this study code"}
    assert [p["code"] for p in listed].count(code) == 1


def test_the_same_code_in_another_clinic_is_fine(world: World, api: TestClient) -> None:
    """Unique per clinic, not site-wide."""
    code = new_code()

    in_x = api.post(
        f"/api/v1/clinics/{world.clinic_x}/patients",
        json={"code": code},
        headers=world.bearer("staff_x"),
    )
    in_y = api.post(
        f"/api/v1/clinics/{world.clinic_y}/patients",
        json={"code": code},
        headers=world.bearer("staff_y"),
    )

    assert (in_x.status_code, in_y.status_code) == (201, 201)


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"code": ""}, ["body", "code"], "string_too_short"),
        ({"code": "x" * 41}, ["body", "code"], "string_too_long"),
        ({"code": "-starts-with-a-dash"}, ["body", "code"], "string_pattern_mismatch"),
        ({"code": "has space"}, ["body", "code"], "string_pattern_mismatch"),
        ({"code": "<script>alert(1)</script>"}, ["body", "code"], "string_pattern_mismatch"),
        ({"code": "Müller"}, ["body", "code"], "string_pattern_mismatch"),
        ({"code": 42}, ["body", "code"], "string_type"),
        ({}, ["body", "code"], "missing"),
        ({"code": "P-1", "name": "Jane Doe"}, ["body", "name"], "extra_forbidden"),
    ],
)
def test_a_bad_code_is_a_422_naming_the_field(
    world: World, api: TestClient, body: dict[str, Any], loc: list[str], kind: str
) -> None:
    """Field-level details (location, message, type), without echoing what was sent."""
    response = api.post(
        f"/api/v1/clinics/{world.clinic_x}/patients", json=body, headers=world.bearer("staff_x")
    )

    assert response.status_code == 422
    details = response.json()["detail"]
    assert [(d["loc"], d["type"]) for d in details] == [(loc, kind)]
    assert details[0]["msg"]
    assert "<script>" not in response.text
    assert "Jane Doe" not in response.text


def test_a_body_that_is_not_json_is_a_422(world: World, api: TestClient) -> None:
    """Broken JSON is named as such, not a server error."""
    response = api.post(
        f"/api/v1/clinics/{world.clinic_x}/patients",
        content=b'{"code": ',
        headers={**world.bearer("staff_x"), "content-type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "invalid_json"  # hsct.web.limits


@pytest.mark.parametrize("actor", ["staff_y", "patient_a", "site_admin"])
def test_creating_in_someone_elses_clinic_is_a_404_and_creates_nothing(
    world: World, api: TestClient, actor: str
) -> None:
    """Clinic X does not exist for them; X's list is unchanged."""
    code = new_code()

    response = api.post(
        f"/api/v1/clinics/{world.clinic_x}/patients",
        json={"code": code},
        headers=world.bearer(actor),
    )
    listed = api.get(
        f"/api/v1/clinics/{world.clinic_x}/patients", headers=world.bearer("staff_x")
    ).json()

    assert response.status_code == 404
    assert response.json()["detail"].startswith("No clinic '")
    assert code not in {p["code"] for p in listed}


def test_a_clinic_that_does_not_exist_is_a_404_like_another_clinic(
    world: World, api: TestClient
) -> None:
    """The same answer for a clinic that exists elsewhere and one that never did."""
    headers = world.bearer("staff_x")
    body = {"code": new_code()}

    other = api.post(f"/api/v1/clinics/{world.clinic_y}/patients", json=body, headers=headers)
    nowhere = api.post(f"/api/v1/clinics/{'0' * 32}/patients", json=body, headers=headers)

    assert other.status_code == nowhere.status_code == 404
    assert other.headers["content-type"] == nowhere.headers["content-type"]
    assert other.json()["detail"].startswith("No clinic '")
    assert nowhere.json()["detail"].startswith("No clinic '")


def test_the_monitor_reads_but_may_not_write(world: World, api: TestClient) -> None:
    """The clinic exists for a monitor (403, not 404): a role refusal within the clinic."""
    headers = world.bearer("monitor_x")
    path = f"/api/v1/clinics/{world.clinic_x}/patients"

    listed = api.get(path, headers=headers)
    written = api.post(path, json={"code": new_code()}, headers=headers)

    assert listed.status_code == 200
    assert written.status_code == 403


# ---------------------------------------------------------------- what each one sees


def test_each_sees_their_own_clinics(world: World, api: TestClient) -> None:
    """Staff their clinic, the site admin every clinic, a patient none."""

    def clinics(actor: str) -> set[str]:
        response = api.get("/api/v1/clinics", headers=world.bearer(actor))
        return {clinic["id"] for clinic in response.json()}

    assert clinics("staff_x") == {world.clinic_x}
    assert clinics("staff_y") == {world.clinic_y}
    assert clinics("monitor_x") == {world.clinic_x}
    assert clinics("patient_a") == set()
    assert clinics("site_admin") >= {world.clinic_x, world.clinic_y}


def test_a_clinic_list_holds_that_clinics_records_only(world: World, api: TestClient) -> None:
    """X's list: X's records, never Y's, never a person's own record."""
    listed = api.get(
        f"/api/v1/clinics/{world.clinic_x}/patients", headers=world.bearer("lead_x")
    ).json()
    ids = {record["id"] for record in listed}

    assert world.record_x in ids
    assert world.record_y not in ids
    assert world.people["patient_a"].own_record not in ids
    assert {record["clinic_id"] for record in listed} == {world.clinic_x}


def test_my_record_is_made_once(world: World, api: TestClient) -> None:
    """POST /me/record answers the same record every time."""
    headers = world.bearer("patient_b")

    first = api.post("/api/v1/me/record", headers=headers)
    second = api.post("/api/v1/me/record", headers=headers)

    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"] == world.people["patient_b"].own_record
    assert first.json()["own"] is True


# ---------------------------------------------------------------- caching


@pytest.mark.parametrize(
    ("method", "path"),
    [*REGISTRY_ROUTES, ("GET", "/api/v1/drugs"), ("GET", "/api/v1/")],
)
@pytest.mark.parametrize("via", ["token", "session"])
def test_answers_to_a_token_or_session_are_never_stored(
    world: World, api: TestClient, method: str, path: str, via: str
) -> None:
    """Cache-Control: no-store whenever credentials were sent, whatever the status."""
    headers = world.bearer("staff_x") if via == "token" else world.browser("staff_x")

    response = api.request(method, url(world, path), json={"code": new_code()}, headers=headers)

    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/api/v1/drugs", "/api/v1/", "/healthz"])
def test_public_answers_without_credentials_may_be_cached(api: TestClient, path: str) -> None:
    """No credentials, nothing private: no no-store."""
    response = api.get(path)

    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")


def test_a_401_is_never_stored_either(api: TestClient) -> None:
    """A wrong token is still an Authorization header: no-store."""
    response = api.get("/api/v1/me", headers={"Authorization": "Bearer hsct_nope"})

    assert response.status_code == 401
    assert response.headers["cache-control"] == "no-store"


# ---------------------------------------------------------------- CSRF


def test_a_cookie_post_needs_the_csrf_header(world: World, api: TestClient) -> None:
    """The session cookie alone could be a forgery: 403; with X-CSRF-Token, 201."""
    headers = world.browser("staff_x")
    path = f"/api/v1/clinics/{world.clinic_x}/patients"
    code = new_code()

    without = api.post(
        path, json={"code": code}, headers={k: v for k, v in headers.items() if k == "Cookie"}
    )
    wrong = api.post(
        path, json={"code": code}, headers={**headers, "X-CSRF-Token": world.csrf("other")}
    )
    with_header = api.post(path, json={"code": code}, headers=headers)

    assert without.status_code == 403
    assert wrong.status_code == 403
    assert with_header.status_code == 201
    assert with_header.json()["code"] == code


def test_a_csrf_token_for_another_session_is_refused(world: World, api: TestClient) -> None:
    """Each session has its own token."""
    cookie = world.new_session("staff_x")
    other = world.new_session("staff_x")

    response = api.post(
        "/api/v1/me/record",
        headers={"Cookie": f"{SESSION_COOKIE}={cookie}", "X-CSRF-Token": world.csrf(other)},
    )

    assert response.status_code == 403


def test_a_token_post_needs_no_csrf_header(world: World, api: TestClient) -> None:
    """A bearer token is no ambient credential: nothing to forge."""
    response = api.post(
        f"/api/v1/clinics/{world.clinic_x}/patients",
        json={"code": new_code()},
        headers=world.bearer("staff_x"),
    )

    assert response.status_code == 201


@pytest.mark.parametrize("via", ["token", "session"])
def test_a_cross_site_post_is_refused(world: World, api: TestClient, via: str) -> None:
    """Sec-Fetch-Site: cross-site on an unsafe request: 403, token or not; same-origin: 201."""
    headers = world.bearer("staff_x") if via == "token" else world.browser("staff_x")
    path = f"/api/v1/clinics/{world.clinic_x}/patients"

    cross = api.post(
        path, json={"code": new_code()}, headers={**headers, "Sec-Fetch-Site": "cross-site"}
    )
    same = api.post(
        path, json={"code": new_code()}, headers={**headers, "Sec-Fetch-Site": "same-origin"}
    )

    assert cross.status_code == 403
    assert cross.json() == {"detail": "requests from other sites are refused"}
    assert same.status_code == 201


def test_a_cross_site_get_is_answered(world: World, api: TestClient) -> None:
    """Safe requests are not refused for where they came from."""
    response = api.get(
        "/api/v1/me", headers={**world.bearer("staff_x"), "Sec-Fetch-Site": "cross-site"}
    )

    assert response.status_code == 200


# ---------------------------------------------------------------- settings


def _app(settings: Settings, **changes: Any) -> TestClient:
    values = {
        "database_url": settings.database_url,
        "mail_dir": settings.mail_dir,
        "secret_key": settings.secret_key,
        **changes,
    }
    return TestClient(create_app(Settings(**values)))


@pytest.mark.parametrize("path", ["/", "/api/v1/", "/api/v1/me", "/healthz"])
def test_hsts_is_sent_when_the_site_is_served_over_https(settings: Settings, path: str) -> None:
    """HSCT_PUBLIC_URL=https://…: a year of HSTS, subdomains included, on every answer."""
    response = _app(settings, public_url="https://example.org").get(path)

    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("public_url", [None, "http://example.org"])
def test_no_hsts_without_https(settings: Settings, public_url: str | None) -> None:
    """Over plain HTTP (or with no public address) no HSTS: it would lock a site out."""
    response = _app(settings, public_url=public_url).get("/api/v1/")

    assert "strict-transport-security" not in response.headers


def test_api_docs_can_be_switched_off(settings: Settings) -> None:
    """HSCT_API_DOCS=false: /api/v1/docs is 404; the OpenAPI document stays."""
    client = _app(settings, api_docs=False)

    assert client.get("/api/v1/docs").status_code == 404
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_api_docs_are_on_by_default(settings: Settings) -> None:
    """The interactive page is there unless switched off."""
    assert _app(settings).get("/api/v1/docs").status_code == 200
