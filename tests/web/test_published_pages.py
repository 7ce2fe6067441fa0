"""Publishing a clinic's outcomes and the public pages, driven as a browser would.

Clinic X's lead previews, publishes exactly the preview, and withdraws with a reason; staff
and monitors see the versions only; another clinic's staff find nothing. The public pages
show the stored snapshot, the directory page links it, and nothing on them names a patient
or a date of the records.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hsct.registry.tables import Publication
from tests.support.cohorts import import_synthetic
from tests.support.world import World, world_for

N = 60


@pytest.fixture(scope="module")
def world(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world_for(migrated_sqlite, tmp_path_factory.mktemp("published")) as built:
        import_synthetic(built, N, facility_id="moscow-pirogov")
        yield built


def client_for(world: World, who: str) -> TestClient:
    return TestClient(world.app, headers=world.browser(who), follow_redirects=False)


def _digest(html: str) -> str:
    found = re.search(r'name="digest" value="([0-9a-f]{64})"', html)
    assert found is not None, html[:2000]
    return found[1]


def _publish(world: World, by: str = "") -> str:
    client = client_for(world, "lead_x")
    base = f"/clinic/{world.clinic_x}/publish"
    preview = client.get(base, params={"by": by, "show": "yes"})
    assert preview.status_code == 200, preview.text
    assert "Preview: exactly what will be public" in preview.text
    done = client.post(base, data={"by": by, "digest": _digest(preview.text)})
    assert done.status_code == 303, done.text
    version = int(done.headers["location"].rsplit("=", 1)[1])
    with world.db() as s:
        publication = (
            s.query(Publication).filter_by(clinic_id=world.clinic_x, version=version).one()
        )
        return publication.id


def test_a_lead_publishes_exactly_the_preview_and_anyone_can_read_it(world: World) -> None:
    publication_id = _publish(world, by="regimen")
    public = TestClient(world.app)
    page = public.get(f"/outcomes/{publication_id}")
    assert page.status_code == 200
    assert "Clinic X" in page.text
    assert "No evident disease activity (NEDA-3)" in page.text
    assert "Deaths and serious complications" in page.text
    # the groups, each with 11 or more patients
    sizes = [int(n) for n in re.findall(r"\(n=(\d+)\)", page.text)]
    assert sizes
    assert min(sizes) >= 11
    # no patient's code and no date of the records: only the publication's own date
    assert re.search(r"\bS-\d+\b", page.text) is None
    dates = set(re.findall(r"\b(?:19|20)\d\d-\d\d-\d\d\b", page.text))
    assert dates == {world.now().date().isoformat()}
    # the list and the directory page point to it
    listing = public.get("/outcomes")
    assert f'href="/outcomes/{publication_id}"' in listing.text
    facility = public.get("/facilities/moscow-pirogov")
    assert facility.status_code == 200
    assert f'href="/outcomes/{publication_id}"' in facility.text
    silent = public.get("/facilities/sheba-tel-hashomer")
    if silent.status_code == 200:
        assert "publishes no outcomes of its own patients here" in silent.text


def test_the_other_languages_read_the_same_snapshot(world: World) -> None:
    publication_id = _publish(world)
    for lang, heading in (("ru", "Опубликованные результаты"), ("es", "Resultados publicados")):
        page = TestClient(world.app).get(
            f"/outcomes/{publication_id}", headers={"Accept-Language": lang}
        )
        assert page.status_code == 200
        assert heading.lower() in page.text.lower(), lang


def test_a_stale_preview_is_refused_and_shown_again(world: World) -> None:
    client = client_for(world, "lead_x")
    base = f"/clinic/{world.clinic_x}/publish"
    answer = client.post(base, data={"by": "", "digest": "0" * 64})
    assert answer.status_code == 409
    assert "The records changed since your preview" in answer.text
    assert "Preview: exactly what will be public" in answer.text


def test_only_a_lead_publishes_and_another_clinic_finds_nothing(world: World) -> None:
    base = f"/clinic/{world.clinic_x}/publish"
    for who in ("staff_x", "monitor_x"):
        page = client_for(world, who).get(base, params={"show": "yes"})
        assert page.status_code == 200
        assert "Only a clinic lead can publish" in page.text
        assert 'name="digest"' not in page.text
    refused = client_for(world, "staff_x").post(base, data={"digest": "0" * 64})
    assert refused.status_code == 403
    assert client_for(world, "staff_y").get(base).status_code == 404
    assert client_for(world, "staff_y").post(base, data={"digest": "0" * 64}).status_code == 404
    assert TestClient(world.app).get("/outcomes/no-such-version").status_code == 404


def test_bad_options_are_named(world: World) -> None:
    page = client_for(world, "lead_x").get(
        f"/clinic/{world.clinic_x}/publish", params={"by": "postcode", "show": "yes"}
    )
    assert page.status_code == 422
    assert 'href="#f-by"' in page.text


def test_withdraw_needs_a_reason_and_the_public_page_says_so(world: World) -> None:
    publication_id = _publish(world)
    client = client_for(world, "lead_x")
    action = f"/clinic/{world.clinic_x}/publish/{publication_id}/withdraw"
    empty = client.post(action, data={"reason": "  "})
    assert empty.status_code == 422
    assert f'id="e-reason-{publication_id}"' in empty.text
    assert client_for(world, "staff_y").post(action, data={"reason": "x"}).status_code == 404
    assert client_for(world, "staff_x").post(action, data={"reason": "x"}).status_code == 403
    done = client.post(action, data={"reason": "A duplicated import was found"})
    assert done.status_code == 303
    page = TestClient(world.app).get(f"/outcomes/{publication_id}")
    assert "The clinic withdrew this version on" in page.text
    assert "A duplicated import was found" in page.text
    assert "No evident disease activity (NEDA-3)" not in page.text
    again = client.post(action, data={"reason": "twice"})
    assert again.status_code == 409


def test_a_clinic_with_too_few_patients_is_told_why(migrated_sqlite: Path, tmp_path: Path) -> None:
    with world_for(migrated_sqlite, tmp_path) as fresh:
        page = client_for(fresh, "lead_x").get(
            f"/clinic/{fresh.clinic_x}/publish", params={"show": "yes"}
        )
        assert page.status_code == 422
        assert 'href="#f-cohort"' in page.text
        assert "too few to publish" in page.text


def test_without_a_migrated_registry_the_directory_still_works(tmp_path: Path) -> None:
    from hsct.web.app import create_app  # noqa: PLC0415
    from tests.support.world import clean_settings  # noqa: PLC0415

    app = create_app(clean_settings(database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}"))
    client = TestClient(app)
    facility = client.get("/facilities/moscow-pirogov")
    assert facility.status_code == 200
    assert "Published outcomes cannot be read right now." in facility.text
    for path in ("/outcomes", "/outcomes/0123456789abcdef0123456789abcdef"):
        answer = client.get(path)
        assert answer.status_code == 503
        assert "Published outcomes cannot be read right now." in answer.text


def test_the_lead_chooses_the_curves(world: World) -> None:
    client = client_for(world, "lead_x")
    base = f"/clinic/{world.clinic_x}/publish"
    page = client.get(base, params={"show": "yes", "endpoint": "cdw", "endpoints_given": "yes"})
    assert page.status_code == 200
    assert page.text.count('class="km-chart"') == 1
    assert 'name="endpoint" value="cdw"' in page.text
    none = client.get(base, params={"show": "yes", "endpoints_given": "yes"})
    assert none.status_code == 422
    assert 'href="#f-endpoints"' in none.text
    done = client.post(
        base,
        data={"digest": _digest(page.text), "endpoint": "cdw", "endpoints_given": "yes"},
    )
    assert done.status_code == 303, done.text[:2000]
