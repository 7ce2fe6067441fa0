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
from sqlalchemy.exc import OperationalError, ProgrammingError
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

#: What each count in a publication counts (patients with a day 0, by group).
COUNTS: Final = (
    "deaths",
    "treatment_related_deaths",
    "serious_adverse_events",
    "edss_last_12_months",
    "lost_to_follow_up",
)
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
    now = _day(today)
    edss = cohort.kind == "edss"
    none = np.iinfo(np.int64).min
    last_edss = np.full(cohort.n, none, dtype=np.int64)
    np.maximum.at(last_edss, cohort.p[edss], cohort.day[edss])
    seen = last_edss != none
    recent = seen & (now - last_edss <= round(YEAR_DAYS))
    lost = now - np.where(seen, last_edss, day0) > LOST_DAYS
    years = (end - day0) / YEAR_DAYS
    groups = [str(v) for v in label_of[followed].tolist()]
    endpoints["survival"] = (groups, years[followed].tolist(), died[followed].tolist())
    return {
        "groups": groups,
        "endpoints": endpoints,
        "flags": {
            "deaths": died[followed].tolist(),
            "treatment_related_deaths": (died & related)[followed].tolist(),
            "serious_adverse_events": serious[followed].tolist(),
            "edss_last_12_months": recent[followed].tolist(),
            "lost_to_follow_up": lost[followed].tolist(),
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


def publication_preview(
    session: Session,
    *,
    actor: Actor | None,
    clinic_id: str,
    options: DashboardOptions,
    now: datetime,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """What would be published now with ``options``, with its ``digest`` (a clinic lead, or
    the system when ``actor`` is None). Refuses, naming ``cohort``, a clinic with fewer than
    11 patients with a day 0."""
    clinic = clinic_for(
        session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_AGGREGATES_PUBLISH
    )
    options = _options(clinic, options)
    rows = _patient_rows(session, clinic, options, now.date())
    tables = publication_tables(
        groups=rows["groups"],
        endpoints=rows["endpoints"],
        flags=rows["flags"],
        follow_up_years=rows["follow_up_years"],
        threshold=THRESHOLD,
    )
    studies = (catalog or load_catalog()).studies
    content: dict[str, Any] = {
        "clinic": {"name": clinic.name, "facility_id": clinic.facility_id},
        "made_on": now.date().isoformat(),
        "options": asdict(options),
        "description": options.describe(),
        "endpoints": [
            {
                "endpoint": endpoint,
                "benchmarks": benchmarks_for(endpoint, studies),
            }
            for endpoint in ENDPOINTS
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
) -> Publication:
    """Publish what the lead previewed as the clinic's next version (a clinic lead); audited.

    Raises :class:`Conflict` when the preview made now differs from the one with ``digest``
    (the records changed since): the lead previews again.
    """
    from hsct.registry.accounts import _audit  # noqa: PLC0415 - the audit helper

    preview = publication_preview(
        session, actor=actor, clinic_id=clinic_id, options=options, now=now, catalog=catalog
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
    session.add(publication)
    session.flush()
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


def publication_public_list(session: Session) -> Sequence[Publication]:
    """Every version of every clinic, newest version of each clinic first (public).

    Raises :class:`DatabaseUnavailableError` when the registry cannot be read (not
    migrated, or down), inside a savepoint so the request's transaction stays usable: the
    public pages that show publications beside other things carry on without them.
    """
    try:
        with session.begin_nested():
            return session.scalars(
                select(Publication).order_by(Publication.clinic_id, Publication.version.desc())
            ).all()
    except (OperationalError, ProgrammingError) as exc:
        raise DatabaseUnavailableError(
            f"published outcomes cannot be read: {type(exc.orig).__name__}"
        ) from None


def publication_public_get(session: Session, *, publication_id: str) -> Publication:
    """One version, withdrawn or not (public); an unknown id is not found."""
    publication = session.get(Publication, publication_id)
    if publication is None:
        raise NotFound("publication", publication_id)
    return publication


def publication_history(session: Session, *, clinic_id: str) -> Sequence[Publication]:
    """A clinic's versions, newest first (public: dates, versions and withdrawals)."""
    return session.scalars(
        select(Publication)
        .where(Publication.clinic_id == clinic_id)
        .order_by(Publication.version.desc())
    ).all()
