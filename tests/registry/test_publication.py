"""A clinic lead previews, publishes and withdraws its outcomes; published numbers stay put.

On SQLite and PostgreSQL (see conftest).
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hsct.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hsct.outcomes.publication import publication_tables
from hsct.registry import audit_event_list, clinics, imports, patients, record
from hsct.registry import publication as publishing
from hsct.registry.access import Actor, Grant, Role
from hsct.registry.dashboard import DashboardOptions
from hsct.registry.imports import ImportOptions
from hsct.registry.tables import Publication
from tests.support.cohorts import synthetic_files

NOW = datetime(2026, 12, 3, 9, 0, 0, tzinfo=UTC)
Sessions = sessionmaker[Session]
N = 60


def lead(clinic_id: str) -> Actor:
    return Actor("acct-lead", "person-lead", (Grant(Role.CLINIC_LEAD, clinic_id),))


def staff(clinic_id: str) -> Actor:
    return Actor("acct-staff", "person-staff", (Grant(Role.CLINIC_STAFF, clinic_id),))


@pytest.fixture
def clinic(sessions: Sessions) -> str:
    with sessions.begin() as s:
        clinic_id = clinics.clinic_create(s, name="Publishing centre", now=NOW).id
        imports.import_commit(
            s,
            actor=None,
            clinic_id=clinic_id,
            files=synthetic_files(N),
            options=ImportOptions(),
            now=NOW,
        )
        return clinic_id


def preview(sessions: Sessions, clinic: str, **options: object) -> dict[str, object]:
    with sessions.begin() as s:
        return publishing.publication_preview(
            s,
            actor=lead(clinic),
            clinic_id=clinic,
            options=DashboardOptions(**options),  # type: ignore[arg-type]
            now=NOW,
        )


def _counts(content: dict[str, object]) -> list[int | None]:
    counts = content["counts"]
    assert isinstance(counts, dict)
    values: list[int | None] = []
    for table in counts.values():
        for row in [*table["rows"], table["total"]]:
            values += [*row["cells"].values(), row["total"]]
    return values


def test_the_preview_shows_only_groups_and_counts_of_eleven_or_more(
    sessions: Sessions, clinic: str
) -> None:
    made = preview(sessions, clinic, by="ms_type")
    content = made["content"]
    assert isinstance(content, dict)
    assert content["patients"] == N
    # 41 RRMS, 14 SPMS, 5 PPMS: PPMS is pooled, and the pool (5) takes SPMS (14) in
    assert [(g["group"], g["n"]) for g in content["groups"]] == [("RRMS", 41), ("other", 19)]
    assert content["groups"][1]["members"] == ["PPMS", "SPMS"]
    assert all(v is None or v == 0 or v >= 11 for v in _counts(content))
    for endpoint, curves in content["curves"].items():
        for curve in curves:
            for month, _, _, _, at_risk in curve["points"]:
                assert isinstance(month, int), endpoint
                assert at_risk >= 11
    # the survival curve covers every patient with a day 0
    survival = {c["group"]: c for c in content["curves"]["survival"]}
    assert survival["RRMS"]["points"][0][4] == 41
    assert content["description"].startswith("Time zero: day 0.")
    assert len(made["digest"]) == 64


def test_the_preview_is_what_the_pure_rules_make_of_the_records(
    sessions: Sessions, clinic: str
) -> None:
    content = preview(sessions, clinic)["content"]
    assert isinstance(content, dict)
    with sessions.begin() as s:
        clinic_row = clinics.clinic_get(s, clinic_id=clinic)
        rows = publishing._patient_rows(s, clinic_row, DashboardOptions(), NOW.date())
    again = publication_tables(
        groups=rows["groups"],
        endpoints=rows["endpoints"],
        tables=rows["tables"],
        follow_up_years=rows["follow_up_years"],
    )
    assert content["curves"]["neda3"] == [
        {**c, "points": [list(p) for p in c["points"]]} for c in again["curves"]["neda3"]
    ]
    assert content["groups"] == [{"group": "all", "members": ["all"], "n": N}]


def test_a_clinic_with_too_few_patients_is_refused_by_name(sessions: Sessions) -> None:
    with sessions.begin() as s:
        clinic_id = clinics.clinic_create(s, name="Small", now=NOW).id
        imports.import_commit(
            s,
            actor=None,
            clinic_id=clinic_id,
            files=synthetic_files(8),
            options=ImportOptions(),
            now=NOW,
        )
    with pytest.raises(InvalidInput) as refused:
        preview(sessions, clinic_id)
    assert refused.value.errors[0].field == "cohort"


def test_publish_what_was_previewed_as_numbered_versions(sessions: Sessions, clinic: str) -> None:
    made = preview(sessions, clinic, by="regimen")
    options = DashboardOptions(by="regimen")
    with sessions.begin() as s, pytest.raises(Conflict):
        publishing.publication_create(
            s, actor=lead(clinic), clinic_id=clinic, options=options, digest="0" * 64, now=NOW
        )
    with sessions.begin() as s:
        first = publishing.publication_create(
            s,
            actor=lead(clinic),
            clinic_id=clinic,
            options=options,
            digest=str(made["digest"]),
            now=NOW,
        )
        assert first.version == 1
        assert first.content == made["content"]
        second = publishing.publication_create(
            s,
            actor=lead(clinic),
            clinic_id=clinic,
            options=options,
            digest=str(made["digest"]),
            now=NOW + dt.timedelta(hours=1),
        )
        assert second.version == 2
        first_id = first.id
    with sessions.begin() as s:
        events = audit_event_list(s, entity_type="publication")
        assert next((e.action, e.actor, e.entity_id) for e in events) == (
            "publication.create",
            "person-lead",
            first_id,
        )
        assert len(events) == 2
        listed = publishing.publication_list(s, actor=staff(clinic), clinic_id=clinic)
        assert [p.version for p in listed] == [2, 1]


def test_published_numbers_do_not_change_when_the_records_do(
    sessions: Sessions, clinic: str
) -> None:
    made = preview(sessions, clinic)
    with sessions.begin() as s:
        published = publishing.publication_create(
            s,
            actor=lead(clinic),
            clinic_id=clinic,
            options=DashboardOptions(),
            digest=str(made["digest"]),
            now=NOW,
        )
        publication_id = published.id
    # three deaths are recorded afterwards
    with sessions.begin() as s:
        ids = [r.id for r in patients.patient_list(s, actor=staff(clinic), clinic_id=clinic)[:3]]
        for patient_id in ids:
            record.entry_add(
                s,
                actor=staff(clinic),
                patient_id=patient_id,
                kind="death",
                data={"date": "2024-10-01", "cause": "test", "treatment_related": False},
                now=NOW,
            )
    after = preview(sessions, clinic)
    assert after["digest"] != made["digest"]
    outcome = after["content"]["counts"]["outcome"]  # type: ignore[index]
    # 3 deaths of 60 are hidden, and so is what would give them back; the cohort's size,
    # published with the groups, is not
    assert outcome["total"]["cells"]["other_death"] is None
    assert outcome["total"]["total"] == N
    hidden = [c for c, v in outcome["total"]["cells"].items() if v is None]
    assert len(hidden) >= 2
    with sessions.begin() as s:
        kept = publishing.publication_public_get(s, publication_id=publication_id)
        assert kept.content == made["content"]
        assert publishing.digest_of(kept.content) == made["digest"]
        # publishing the old preview now is refused: the numbers changed
        with pytest.raises(Conflict):
            publishing.publication_create(
                s,
                actor=lead(clinic),
                clinic_id=clinic,
                options=DashboardOptions(),
                digest=str(made["digest"]),
                now=NOW,
            )


def test_withdraw_with_a_reason_shown_and_audited(sessions: Sessions, clinic: str) -> None:
    made = preview(sessions, clinic)
    with sessions.begin() as s:
        publication_id = publishing.publication_create(
            s,
            actor=lead(clinic),
            clinic_id=clinic,
            options=DashboardOptions(),
            digest=str(made["digest"]),
            now=NOW,
        ).id
    with sessions.begin() as s:
        with pytest.raises(InvalidInput) as refused:
            publishing.publication_withdraw(
                s,
                actor=lead(clinic),
                clinic_id=clinic,
                publication_id=publication_id,
                reason="   ",
                now=NOW,
            )
        assert refused.value.errors[0].field == "reason"
        with pytest.raises(PermissionDenied):
            publishing.publication_withdraw(
                s,
                actor=staff(clinic),
                clinic_id=clinic,
                publication_id=publication_id,
                reason="no",
                now=NOW,
            )
        withdrawn = publishing.publication_withdraw(
            s,
            actor=lead(clinic),
            clinic_id=clinic,
            publication_id=publication_id,
            reason="  An import error  was found ",
            now=NOW + dt.timedelta(days=1),
        )
        assert withdrawn.withdrawn_reason == "An import error was found"
        assert withdrawn.withdrawn_by == "person-lead"
    with sessions.begin() as s:
        with pytest.raises(Conflict):
            publishing.publication_withdraw(
                s,
                actor=lead(clinic),
                clinic_id=clinic,
                publication_id=publication_id,
                reason="again",
                now=NOW,
            )
        (event,) = [
            e for e in audit_event_list(s, entity_type="publication") if e.action.endswith("draw")
        ]
        assert event.reason == "An import error was found"
        row = s.get(Publication, publication_id)
        assert row is not None
        assert row.withdrawn_at == NOW + dt.timedelta(days=1)


def test_another_clinics_publication_is_not_found(sessions: Sessions, clinic: str) -> None:
    made = preview(sessions, clinic)
    with sessions.begin() as s:
        other = clinics.clinic_create(s, name="Other", now=NOW).id
        publication_id = publishing.publication_create(
            s,
            actor=lead(clinic),
            clinic_id=clinic,
            options=DashboardOptions(),
            digest=str(made["digest"]),
            now=NOW,
        ).id
    with sessions.begin() as s:
        with pytest.raises(NotFound):
            publishing.publication_withdraw(
                s,
                actor=lead(other),
                clinic_id=other,
                publication_id=publication_id,
                reason="not ours",
                now=NOW,
            )
        with pytest.raises(NotFound):
            publishing.publication_preview(
                s, actor=lead(other), clinic_id=clinic, options=DashboardOptions(), now=NOW
            )
        with pytest.raises(NotFound):
            publishing.publication_public_get(s, publication_id="nope")


def test_a_lead_publishes_the_curves_chosen(sessions: Sessions, clinic: str) -> None:
    made = preview(sessions, clinic, by="regimen")
    with sessions.begin() as s:
        chosen = publishing.publication_preview(
            s,
            actor=lead(clinic),
            clinic_id=clinic,
            options=DashboardOptions(by="regimen"),
            now=NOW,
            endpoints=["survival", "neda3"],
        )
        with pytest.raises(InvalidInput) as refused:
            publishing.publication_preview(
                s,
                actor=lead(clinic),
                clinic_id=clinic,
                options=DashboardOptions(),
                now=NOW,
                endpoints=[],
            )
    assert refused.value.errors[0].field == "endpoints"
    content = chosen["content"]
    assert list(content["curves"]) == ["neda3", "survival"]  # in the dashboard's order
    assert content["options"]["endpoints"] == ["neda3", "survival"]
    assert content["curves"]["neda3"] == made["content"]["curves"]["neda3"]  # type: ignore[index]
    assert chosen["digest"] != made["digest"]
