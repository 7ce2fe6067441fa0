"""A clinic's published outcomes: preview, publish as a dated version, withdraw; public reads.

A clinic lead chooses a grouping (none, regimen, intensity, MS type or era) and the engine's
options; :func:`publication_preview` runs the same engine as the clinic's dashboard on the
clinic's records and passes everything through :mod:`hsct.outcomes.publication` (small
groups pooled, counts of 1-10 suppressed with complementary suppression, curves cut and
coarsened to months). :func:`publication_create` stores exactly what the lead previewed, as
the next version: the digest of the preview is checked, so records changed in between are
refused, never published unseen. A publication is never recomputed; a withdrawal keeps its
date, author and reason and hides the numbers.

The public selectors need no actor: a publication holds aggregates only, made to be shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any, Final

import orjson
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from hsct.common.errors import Conflict, FieldError, InvalidInput, NotFound
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.knowledge import Catalog, load_catalog
from hsct.outcomes.disclosure import DAYS_PER_MONTH, SOURCES, THRESHOLD
from hsct.outcomes.publication import publication_tables
from hsct.registry.access import Actor, Permission
from hsct.registry.clinics import clinic_for
from hsct.registry.dashboard import (
    ENDPOINTS,
    LOST_DAYS,
    SURVIVAL_TITLE,
    TRM_DAYS,
    YEAR_DAYS,
    DashboardOptions,
    _day,
    _first_deaths,
    _last_days,
    _read,
    benchmarks_for,
    engine_run,
    engine_tables,
)
from hsct.registry.migrate import DatabaseUnavailableError
from hsct.registry.tables import Clinic, Publication

#: The count tables of a publication: each a partition of the patients with a day 0.
OUTCOME_COLUMNS: Final = (
    "treatment_related_death",
    "other_death",
    "seen_12_months",
    "seen_24_months",
    "not_seen_24_months",
)
SAE_COLUMNS: Final = ("yes", "no")
REASON_MAX: Final = 500


def _options(clinic: Clinic, options: DashboardOptions) -> DashboardOptions:
    """The clinic's own setting for self-rated EDSS wins, as on its dashboard."""
    options.check()
    settings = clinic.settings or {}
    if "include_self_rated" in settings:
        return replace(options, include_self_rated=bool(settings["include_self_rated"]))
    return options


def digest_of(content: dict[str, Any]) -> str:
    """SHA-256 of the content's canonical JSON (sorted keys)."""
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _patient_rows(
    session: Session, clinic: Clinic, options: DashboardOptions, today: dt.date
) -> dict[str, Any]:
    """The clinic's patients with a day 0, one row each, for :func:`publication_tables`."""
    import numpy as np  # noqa: PLC0415 - the engine's stack, only when publishing

    from hsct.outcomes import ENDPOINTS as ENGINE_ENDPOINTS  # noqa: PLC0415

    cohort = _read(session, clinic.id)
    tables = engine_tables(cohort, include_self_rated=options.include_self_rated)
    day0, has0 = tables.day0, tables.has0
    followed = np.flatnonzero(has0)
    label_of = (
        np.full(cohort.n, "all", dtype=object)
        if options.by is None
        else tables.attributes[options.by]
    )
    endpoints: dict[str, tuple[list[str], list[float], list[bool]]] = {}
    if followed.size and len(tables.visits):
        _, frame = engine_run(tables, options)
        numbers = frame["patient_id"].to_numpy(dtype=np.int64)
        labels = [str(v) for v in label_of[numbers].tolist()]
        for endpoint in ENDPOINTS[:-1]:
            event, time, _ = ENGINE_ENDPOINTS[endpoint]
            endpoints[endpoint] = (
                labels,
                frame[time].to_numpy(dtype=float).tolist(),
                frame[event].to_numpy(dtype=bool).tolist(),
            )
    # Overall survival and the counts, over every patient with a day 0.
    last = _last_days(cohort)
    deaths = _first_deaths(cohort)
    died = np.zeros(cohort.n, dtype=bool)
    related = np.zeros(cohort.n, dtype=bool)
    end = np.maximum(last, day0)
    for number, (day, data) in deaths.items():
        died[number] = True
        end[number] = day
        related[number] = day - int(day0[number]) <= TRM_DAYS or bool(data.get("treatment_related"))
    serious = np.zeros(cohort.n, dtype=bool)
    for number, kind, day, _, data in cohort.other:
        if kind == "adverse_event" and day >= day0[number] and data.get("serious"):
            serious[number] = True
    # When the living were last seen: a clinician's EDSS (self-rated ones left out).
    now = _day(today)
    edss = (cohort.kind == "edss") & (cohort.rater != "self")
    none = np.iinfo(np.int64).min
    last_edss = np.full(cohort.n, none, dtype=np.int64)
    np.maximum.at(last_edss, cohort.p[edss], cohort.day[edss])
    since = now - np.where(last_edss != none, last_edss, day0)
    outcome = np.where(
        died,
        np.where(related, "treatment_related_death", "other_death"),
        np.where(
            since <= round(YEAR_DAYS),
            "seen_12_months",
            np.where(since <= LOST_DAYS, "seen_24_months", "not_seen_24_months"),
        ),
    )
    years = (end - day0) / YEAR_DAYS
    groups = [str(v) for v in label_of[followed].tolist()]
    endpoints["survival"] = (groups, years[followed].tolist(), died[followed].tolist())
    return {
        "groups": groups,
        "endpoints": endpoints,
        "tables": {
            "outcome": ([str(v) for v in outcome[followed].tolist()], OUTCOME_COLUMNS),
            "serious_adverse_events": (
                ["yes" if v else "no" for v in serious[followed].tolist()],
                SAE_COLUMNS,
            ),
        },
        "follow_up_years": years[followed].tolist(),
        "self_reported": _self_reported_percent(cohort),
    }


def _self_reported_percent(cohort: Any) -> int | None:
    """The share of entries a person wrote themselves, in whole percent."""
    entries = int(cohort.p.size) + len(cohort.other)
    if entries == 0:
        return None
    own = int(cohort.self_.sum()) + sum(1 for row in cohort.other if row[3] == "self")
    return round(100 * own / entries)


def endpoints_check(endpoints: Sequence[str] | None) -> tuple[str, ...]:
    """The endpoints to publish, in the dashboard's order: all when None; refuses, naming
    ``endpoints``, an unknown one or none at all."""
    if endpoints is None:
        return tuple(ENDPOINTS)
    unknown = [e for e in endpoints if e not in ENDPOINTS]
    if unknown or not endpoints:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "endpoints",
                    Message(N_("choose at least one of the curves")),
                    Message(N_("one or more of: {names}"), {"names": ", ".join(ENDPOINTS)}),
                )
            ]
        )
    return tuple(e for e in ENDPOINTS if e in endpoints)


def publication_preview(
    session: Session,
    *,
    actor: Actor | None,
    clinic_id: str,
    options: DashboardOptions,
    now: datetime,
    catalog: Catalog | None = None,
    endpoints: Sequence[str] | None = None,
) -> dict[str, Any]:
    """What would be published now with ``options``, with its ``digest`` (a clinic lead, or
    the system when ``actor`` is None): the curves of ``endpoints`` (all when None), the
    counts and the follow-up. Refuses, naming ``cohort``, a clinic with fewer than 11
    patients with a day 0, and, naming ``endpoints``, an endpoint the dashboard does not
    have or none at all."""
    clinic = clinic_for(
        session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_AGGREGATES_PUBLISH
    )
    chosen = endpoints_check(endpoints)
    options = _options(clinic, options)
    rows = _patient_rows(session, clinic, options, now.date())
    tables = publication_tables(
        groups=rows["groups"],
        endpoints={e: v for e, v in rows["endpoints"].items() if e in chosen},
        tables=rows["tables"],
        follow_up_years=rows["follow_up_years"],
        threshold=THRESHOLD,
    )
    studies = (catalog or load_catalog()).studies
    content: dict[str, Any] = {
        "clinic": {"name": clinic.name, "facility_id": clinic.facility_id},
        "made_on": now.date().isoformat(),
        "options": {**asdict(options), "endpoints": list(chosen)},
        "description": options.describe(),
        "endpoints": [
            {
                "endpoint": endpoint,
                "benchmarks": benchmarks_for(endpoint, studies),
            }
            for endpoint in chosen
        ],
        "self_reported_percent": rows["self_reported"],
        "month_days": DAYS_PER_MONTH,
        "survival_title": SURVIVAL_TITLE,
        "rules": list(SOURCES),
        **tables,
    }
    content = orjson.loads(orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY))
    return {"content": content, "digest": digest_of(content)}


def publication_create(
    session: Session,
    *,
    actor: Actor | None,
    clinic_id: str,
    options: DashboardOptions,
    digest: str,
    now: datetime,
    catalog: Catalog | None = None,
    endpoints: Sequence[str] | None = None,
) -> Publication:
    """Publish what the lead previewed as the clinic's next version (a clinic lead); audited.

    Raises :class:`Conflict` when the preview made now differs from the one with ``digest``
    (the records changed since): the lead previews again.
    """
    from hsct.registry.accounts import _audit  # noqa: PLC0415 - the audit helper

    preview = publication_preview(
        session,
        actor=actor,
        clinic_id=clinic_id,
        options=options,
        now=now,
        catalog=catalog,
        endpoints=endpoints,
    )
    if preview["digest"] != digest:
        raise Conflict(
            "The records changed since the preview, so the numbers did too: look at the "
            "preview again before publishing"
        )
    clinic = clinic_for(
        session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_AGGREGATES_PUBLISH
    )
    latest = session.scalar(
        select(func.max(Publication.version)).where(Publication.clinic_id == clinic_id)
    )
    who = actor.person_id if actor is not None else "cli"
    publication = Publication(
        clinic_id=clinic_id,
        version=(latest or 0) + 1,
        options=preview["content"]["options"],
        content=preview["content"],
        digest=digest,
        data_version=clinic.data_version,
        published_at=now,
        published_by=who,
    )
    try:
        with session.begin_nested():
            session.add(publication)
            session.flush()
    except IntegrityError:  # another lead took this version number at the same moment
        raise Conflict(
            "Another version was published at the same moment: look at the versions, then "
            "publish again"
        ) from None
    _audit(
        session,
        actor,
        "publication.create",
        entity_type="publication",
        entity_id=publication.id,
        clinic_id=clinic_id,
        details={
            "version": publication.version,
            "digest": digest,
            "options": publication.options,
        },
        now=now,
    )
    return publication


def publication_withdraw(
    session: Session,
    *,
    actor: Actor | None,
    clinic_id: str,
    publication_id: str,
    reason: str,
    now: datetime,
) -> Publication:
    """Withdraw a version (a clinic lead), with a reason the public page shows; audited.
    Another clinic's publication is not found; one withdrawn already is a conflict."""
    from hsct.registry.accounts import _audit  # noqa: PLC0415 - the audit helper

    clinic_for(
        session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_AGGREGATES_PUBLISH
    )
    text = " ".join(reason.split())
    if not text or len(text) > REASON_MAX:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "reason",
                    Message(N_("a reason is needed") if not text else N_("this is too long")),
                    Message(N_("1 to {n} characters, shown on the public page"), {"n": REASON_MAX}),
                )
            ]
        )
    publication = session.get(Publication, publication_id)
    if publication is None or publication.clinic_id != clinic_id:
        raise NotFound("publication", publication_id)
    if publication.withdrawn_at is not None:
        raise Conflict("This version was withdrawn already")
    publication.withdrawn_at = now
    publication.withdrawn_by = actor.person_id if actor is not None else "cli"
    publication.withdrawn_reason = text
    session.flush()
    _audit(
        session,
        actor,
        "publication.withdraw",
        entity_type="publication",
        entity_id=publication.id,
        clinic_id=clinic_id,
        details={"version": publication.version},
        reason=text,
        now=now,
    )
    return publication


def publication_list(
    session: Session, *, actor: Actor | None, clinic_id: str
) -> Sequence[Publication]:
    """A clinic's versions, newest first (its staff, monitors and leads)."""
    clinic_for(session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_RECORDS_READ)
    return session.scalars(
        select(Publication)
        .where(Publication.clinic_id == clinic_id)
        .order_by(Publication.version.desc())
    ).all()


def _public_read(session: Session, statement: Any) -> Sequence[Publication]:
    """Rows for a public page, or :class:`DatabaseUnavailableError` when the registry
    cannot be read (not migrated, or down), inside a savepoint so the request's transaction
    stays usable: pages that show publications beside other things carry on without them."""
    try:
        with session.begin_nested():
            return session.scalars(statement).all()
    except (OperationalError, ProgrammingError) as exc:
        raise DatabaseUnavailableError(
            f"published outcomes cannot be read: {type(exc.orig).__name__}"
        ) from None


def _current(publications: Sequence[Publication]) -> list[Publication]:
    """Per clinic, the newest version still public, else the newest (withdrawn) one; in
    the order given."""
    chosen: dict[str, Publication] = {}
    for publication in publications:
        held = chosen.get(publication.clinic_id)
        if held is None or (held.withdrawn_at is not None and publication.withdrawn_at is None):
            chosen[publication.clinic_id] = publication
    return list(chosen.values())


def publication_public_list(session: Session) -> list[Publication]:
    """Each publishing clinic's current version: the newest still public, else the newest
    (withdrawn) one (public). Raises :class:`DatabaseUnavailableError` when the registry
    cannot be read."""
    return _current(
        _public_read(
            session,
            select(Publication).order_by(Publication.clinic_id, Publication.version.desc()),
        )
    )


def publication_for_facility(session: Session, *, facility_id: str) -> Publication | None:
    """The current version of the clinics linked to a directory facility, the newest first
    (public). Raises :class:`DatabaseUnavailableError` when the registry cannot be read."""
    rows = _public_read(
        session,
        select(Publication)
        .join(Clinic, Clinic.id == Publication.clinic_id)
        .where(Clinic.facility_id == facility_id)
        .order_by(Publication.published_at.desc(), Publication.version.desc()),
    )
    current = _current(rows)
    live = [p for p in current if p.withdrawn_at is None]
    chosen = live or current
    return chosen[0] if chosen else None


def publication_public_get(session: Session, *, publication_id: str) -> Publication:
    """One version, withdrawn or not (public); an unknown id is not found. Raises
    :class:`DatabaseUnavailableError` when the registry cannot be read."""
    rows = _public_read(session, select(Publication).where(Publication.id == publication_id))
    if not rows:
        raise NotFound("publication", publication_id)
    return rows[0]


def publication_history(session: Session, *, clinic_id: str) -> Sequence[Publication]:
    """A clinic's versions, newest first (public: dates, versions and withdrawals)."""
    return _public_read(
        session,
        select(Publication)
        .where(Publication.clinic_id == clinic_id)
        .order_by(Publication.version.desc()),
    )
