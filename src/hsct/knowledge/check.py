"""``hsct knowledge check``: validate the knowledge base and list facts that need attention.

Invalid data (schema or reference errors) raises :class:`CatalogError` when loading. A
valid catalog is then audited: facts older than three years, known facts without a source,
and facts that are not verified (tag U), partly verified (P) or gaps (GAP).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from hsct.knowledge.catalog import Catalog, iter_models
from hsct.knowledge.schema import Criterion, Fact, Said, Study

STALE_AFTER_YEARS = 3


@dataclass(frozen=True, slots=True)
class FactRecord:
    """One checkable fact: where it is, its source, date and verification tag."""

    path: str
    src: str | None
    date: str | None
    tag: str
    known: bool


@dataclass(frozen=True, slots=True)
class Report:
    """What the check found."""

    facts: int
    stale: tuple[FactRecord, ...]
    unsourced: tuple[FactRecord, ...]
    unverified: tuple[FactRecord, ...]
    partly_verified: tuple[FactRecord, ...]
    gaps: tuple[FactRecord, ...]
    today: dt.date

    @property
    def counts(self) -> dict[str, int]:
        """Numbers for a summary line."""
        return {
            "facts": self.facts,
            "stale": len(self.stale),
            "unsourced": len(self.unsourced),
            "unverified": len(self.unverified),
            "partly_verified": len(self.partly_verified),
            "gaps": len(self.gaps),
        }


def is_stale(date: str | None, today: dt.date, years: int = STALE_AFTER_YEARS) -> bool:
    """True when a partial date (YYYY, YYYY-MM or YYYY-MM-DD) is more than ``years`` old.

    A partial date counts from its latest possible day, so "2023" is not stale until
    2027-01-01 when ``years`` is 3.

    Examples
    --------
    >>> today = dt.date(2026, 11, 23)
    >>> is_stale("2023-11-24", today), is_stale("2023-11-22", today), is_stale("2023", today)
    (False, True, False)
    """
    if date is None:
        return False
    parts = [int(part) for part in date.split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else 12
    if len(parts) > 2:
        day = parts[2]
    else:
        following = dt.date(year + (month == 12), month % 12 + 1, 1)
        day = (following - dt.timedelta(days=1)).day
    latest = dt.date(year, month, day)
    try:
        cutoff = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - years, day=28)
    return latest < cutoff


def iter_fact_records(catalog: Catalog) -> Iterator[FactRecord]:
    """Every sourced statement: facts, criteria and studies."""
    for path, model in iter_models(catalog):
        if isinstance(model, Said):
            date = model.as_of or (catalog.sources[model.src].date if model.src else None)
            yield FactRecord(path, model.src, date, model.tag, model.tag != "GAP")
        elif isinstance(model, Fact):
            yield FactRecord(path, model.src, catalog.fact_date(model), model.tag, model.known)
        elif isinstance(model, Criterion | Study) or _is_sourced(model):
            src = getattr(model, "src", None)
            date = catalog.sources[src].date if src else None
            yield FactRecord(path, src, date, getattr(model, "tag", "V"), True)


def _is_sourced(model: BaseModel) -> bool:
    return "src" in type(model).model_fields and "tag" in type(model).model_fields


def check(
    catalog: Catalog, today: dt.date, *, records: Sequence[FactRecord] | None = None
) -> Report:
    """Audit a valid catalog as of ``today`` (``records``: its fact records, when the
    caller has them already)."""
    records = list(iter_fact_records(catalog)) if records is None else records
    known = [r for r in records if r.known]
    return Report(
        facts=len(records),
        stale=tuple(r for r in known if r.src and is_stale(r.date, today)),
        unsourced=tuple(r for r in known if not r.src),
        unverified=tuple(r for r in records if r.tag == "U"),
        partly_verified=tuple(r for r in records if r.tag == "P"),
        gaps=tuple(r for r in records if r.tag == "GAP"),
        today=today,
    )


def fact_counts(records: Sequence[FactRecord]) -> dict[str, int]:
    """How many facts have a value and a source, by verification tag, and how many are
    unknown ("About this information" shows them). Only a fact with a value and a source
    counts as verified, partly verified or not verified."""
    known = [r for r in records if r.known and r.src]
    return {
        "known": len(known),
        "verified": sum(1 for r in known if r.tag == "V"),
        "partly": sum(1 for r in known if r.tag == "P"),
        "unverified": sum(1 for r in known if r.tag not in {"V", "P"}),
        "unknown": len(records) - len(known),
        "gaps": sum(1 for r in records if r.tag == "GAP" and not r.known),
    }
