"""Plain-data forms of facilities and ratings, shared by the JSON API and ``--json`` output."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from hsct.knowledge.catalog import Catalog
from hsct.knowledge.directory import Entry
from hsct.knowledge.labels import describe
from hsct.knowledge.legitimacy import Rating, facility_cautions, rate_facility
from hsct.knowledge.schema import Facility, Fact


def _dated(value: Any, catalog: Catalog) -> Any:
    """``value`` with every fact's ``as_of`` filled in (from its source when not its own)."""
    if isinstance(value, Fact):
        return value.model_copy(update={"as_of": catalog.fact_date(value)})
    if isinstance(value, tuple):
        return tuple(_dated(v, catalog) for v in value)
    if isinstance(value, dict):
        return {k: _dated(v, catalog) for k, v in value.items()}
    return value


def facility_dict(facility: Facility, catalog: Catalog) -> dict[str, Any]:
    """A facility with its limits, criteria and rating, for JSON output.

    Every fact carries an ``as_of`` date: its own, or its source's when it has none.
    """
    limits = catalog.limits(facility.id)
    rating = rate_facility(facility, catalog)
    criteria = catalog.criteria(facility.id) if facility.id in catalog.rulesets else ()
    dated = facility.model_copy(
        update={name: _dated(getattr(facility, name), catalog) for name in Facility.model_fields}
    )
    return {
        **dated.model_dump(mode="json"),
        "limits": asdict(limits),
        "intensities": catalog.intensities(facility),
        "criteria": [
            {**c.model_dump(mode="json", exclude_none=True), "description": describe(c).text}
            for c in criteria
        ],
        "legitimacy": rating_dict(rating),
        "cautions": [c.to_dict() for c in facility_cautions(facility, catalog)],
    }


def rating_dict(rating: Rating) -> dict[str, Any]:
    """A legitimacy rating as plain data."""
    return {
        "verdict": rating.verdict,
        "summary": str(rating.summary),
        "red_flags": [
            {
                "id": r.flag.id,
                "hard": r.flag.hard,
                "reason": str(r.message),
                "sources": [s.to_dict() for s in r.sources],
                "evidence": r.evidence.to_dict() if r.evidence else None,
            }
            for r in rating.red
        ],
        "green_flags": [
            {
                "id": r.flag.id,
                "reason": str(r.message),
                "sources": [s.to_dict() for s in r.sources],
                "evidence": r.evidence.to_dict() if r.evidence else None,
            }
            for r in rating.green
        ],
        "questions_to_ask": [q.text for q in rating.unanswered],
    }


def entry_dict(entry: Entry, currency: str) -> dict[str, Any]:
    """One directory entry as plain data: limits, lowest price (as quoted and converted)."""
    facility, limits = entry.facility, entry.limits
    quote = entry.cheapest.value if entry.cheapest else None
    return {
        "id": facility.id,
        "name": facility.name,
        "country": facility.country,
        "city": facility.city,
        "status": facility.status.value,
        "ms_types": list(limits.ms_types) if limits.ms_types else None,
        "edss_max": limits.edss_max,
        "edss_soft_max": limits.edss_soft_max,
        "age_min": limits.age_min,
        "age_max": limits.age_max,
        "intensities": list(entry.intensities),
        "price": quote.model_dump(mode="json") if quote else None,
        "price_converted": None if entry.converted_price is None else round(entry.converted_price),
        "currency": currency,
        "matches": dict(entry.matches),
        "legitimacy": entry.rating.verdict,
    }
