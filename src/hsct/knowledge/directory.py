"""The facility directory: filter and sort, shared by the web page, the API and the CLI.

A filter removes a facility only when its known criteria exclude the person. A facility
whose limit is not stated stays in the list, marked as not stated, unless the person asks
to hide such facilities: an unknown is not a "no".

Whether a clinic's criteria fit the person (MS type, EDSS, age) is judged by the caller's
``person`` matcher: :func:`hsct.eligibility.directory.person_matcher`, the candidate
engine, so the directory and the candidate results never disagree (issue 19). This module
sits below the engine and only filters, sorts and prices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal

from hsct.common.errors import FieldError, InvalidInput, excerpt
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.knowledge.catalog import Catalog, Limits
from hsct.knowledge.labels import INTENSITY_LABELS, MS_TYPE_LABELS, STATUS_LABELS
from hsct.knowledge.legitimacy import Rating, rate_facility
from hsct.knowledge.money import convert
from hsct.knowledge.schema import CostQuote, Facility, Fact

SortKey = Literal["open", "country", "name", "price", "edss", "age"]
SORT_KEYS: Final = ("open", "country", "name", "price", "edss", "age")
#: The default order ("open", issue 19): clinics that accept patients before those that
#: take only their own country's patients or trial patients, and those before clinics that
#: take no one (closed, historical, programme not confirmed); within each, clinics that
#: publish criteria someone can check come first, then by country, city and name.
OPEN_ORDER: Final = ("accepting_patients", "national_patients_only", "trial_only")
Match = Literal["yes", "case_by_case", "not_stated"]


@dataclass(frozen=True, slots=True)
class DirectoryQuery:
    """What a person is looking for; every filter is optional."""

    country: str | None = None
    ms_type: str | None = None
    edss: float | None = None
    age: float | None = None
    intensity: str | None = None
    status: str | None = None
    max_price: float | None = None
    currency: str = "USD"
    hide_unknown: bool = False
    sort: SortKey = "open"


#: Judges a facility's criteria on the query's MS type, EDSS and age: for each of them that
#: is asked, "yes", "case_by_case" or "not_stated"; a name left out excludes the facility.
PersonMatcher = Callable[[Facility, "DirectoryQuery"], dict[str, Match]]


@dataclass(frozen=True, slots=True)
class Entry:
    """One facility as the directory shows it."""

    facility: Facility
    limits: Limits
    intensities: tuple[str, ...]
    cheapest: Fact[CostQuote] | None
    converted_price: float | None
    matches: dict[str, Match]
    rating: Rating


def validate_query(query: DirectoryQuery, catalog: Catalog) -> None:
    """Name every filter value that cannot be used."""
    errors = []
    if query.ms_type is not None and query.ms_type not in MS_TYPE_LABELS:
        errors.append(
            FieldError(
                "ms_type", f"unknown MS type {excerpt(query.ms_type)}", ", ".join(MS_TYPE_LABELS)
            )
        )
    if query.intensity is not None and query.intensity not in INTENSITY_LABELS:
        errors.append(
            FieldError(
                "intensity",
                f"unknown intensity {excerpt(query.intensity)}",
                ", ".join(INTENSITY_LABELS),
            )
        )
    if query.status is not None and query.status not in STATUS_LABELS:
        errors.append(
            FieldError(
                "status", f"unknown status {excerpt(query.status)}", ", ".join(STATUS_LABELS)
            )
        )
    if query.edss is not None and not 0 <= query.edss <= 10:
        errors.append(FieldError("edss", f"{query.edss:g} is out of range", "0 to 10"))
    if query.age is not None and not 0 <= query.age <= 120:
        errors.append(FieldError("age", f"{query.age:g} is out of range", "0 to 120"))
    if query.max_price is not None and query.max_price <= 0:
        errors.append(
            FieldError.translatable(
                "max_price", Message(N_("must be more than 0")), Message(N_("a positive amount"))
            )
        )
    if query.currency not in catalog.rates.table:
        errors.append(
            FieldError(
                "currency",
                f"no exchange rate for {excerpt(query.currency)}",
                ", ".join(sorted(catalog.rates.table)),
            )
        )
    if query.sort not in SORT_KEYS:
        errors.append(
            FieldError("sort", f"unknown sort {excerpt(query.sort)}", ", ".join(SORT_KEYS))
        )
    if query.country is not None and len(query.country) != 2:
        errors.append(
            FieldError(
                "country",
                f"{excerpt(query.country)} is not a country code",
                "two letters, such as MX",
            )
        )
    if errors:
        raise InvalidInput(errors)


def entry(
    facility: Facility, catalog: Catalog, query: DirectoryQuery, *, person: PersonMatcher
) -> Entry:
    """A facility's directory row for ``query``."""
    limits = catalog.limits(facility.id)
    priced = [
        (converted, quote)
        for quote in facility.costs
        if quote.value is not None
        and quote.value.kind == "treatment"
        and (
            converted := convert(
                quote.value.amount, quote.value.currency, query.currency, catalog.rates
            )
        )
        is not None
    ]
    cheapest = min(priced, key=lambda pair: pair[0]) if priced else None
    return Entry(
        facility=facility,
        limits=limits,
        intensities=catalog.intensities(facility),
        cheapest=cheapest[1] if cheapest else None,
        converted_price=cheapest[0] if cheapest else None,
        matches={**person(facility, query), **_intensity_match(facility, catalog, query)},
        rating=rate_facility(facility, catalog),
    )


def _intensity_match(
    facility: Facility, catalog: Catalog, query: DirectoryQuery
) -> dict[str, Match]:
    """The intensity filter, read from the regimens the facility uses (not a criterion)."""
    if query.intensity is None:
        return {}
    intensities = catalog.intensities(facility)
    if not intensities:
        return {"intensity": "not_stated"}
    return {"intensity": "yes"} if query.intensity in intensities else {}


def _price_ok(item: Entry, query: DirectoryQuery) -> bool | None:
    if query.max_price is None:
        return True
    if item.converted_price is None:
        return None
    return item.converted_price <= query.max_price


def search(catalog: Catalog, query: DirectoryQuery, *, person: PersonMatcher) -> tuple[Entry, ...]:
    """Facilities matching ``query``, sorted as asked; ``person`` judges the criteria."""
    validate_query(query, catalog)
    wanted = [
        name
        for name, value in (
            ("ms_type", query.ms_type),
            ("edss", query.edss),
            ("age", query.age),
            ("intensity", query.intensity),
        )
        if value is not None
    ]
    found = []
    for facility in catalog.facilities.values():
        if query.country is not None and facility.country != query.country.upper():
            continue
        if query.status is not None and facility.status.value != query.status:
            continue
        item = entry(facility, catalog, query, person=person)
        if any(name not in item.matches for name in wanted):
            continue
        price_ok = _price_ok(item, query)
        if price_ok is False:
            continue
        unknown = price_ok is None or any(item.matches[n] == "not_stated" for n in wanted)
        if unknown and query.hide_unknown:
            continue
        found.append(item)
    by_key = _sort_key(query.sort, catalog)
    return tuple(sorted(found, key=lambda e: (_not_stated(e), by_key(e))))


def _not_stated(item: Entry) -> int:
    """How many asked-for criteria are not stated: known matches come first."""
    return sum(match == "not_stated" for match in item.matches.values())


def _sort_key(sort: SortKey, catalog: Catalog) -> Callable[[Entry], Any]:
    if sort == "name":
        return lambda e: e.facility.name.lower()
    if sort == "price":
        return lambda e: (e.converted_price is None, e.converted_price or 0.0, e.facility.name)
    if sort == "edss":
        return lambda e: (e.limits.edss_max is None, -(e.limits.edss_max or 0.0), e.facility.name)
    if sort == "age":
        return lambda e: (e.limits.age_max is None, -(e.limits.age_max or 0.0), e.facility.name)
    if sort == "open":
        return lambda e: (
            _open_rank(e.facility),
            catalog.facility_ruleset(e.facility.id) is None,
            *_place(e),
        )
    return _place


def _place(e: Entry) -> tuple[str, str, str]:
    return (e.facility.country, e.facility.city, e.facility.name)


def _open_rank(facility: Facility) -> int:
    """0 for a clinic that accepts patients, up to 3 for one that takes no one (or unknown)."""
    status = facility.status.value
    return OPEN_ORDER.index(status) if status in OPEN_ORDER else len(OPEN_ORDER)


def compare(catalog: Catalog, facility_ids: Iterable[str]) -> tuple[Facility, ...]:
    """Two to four facilities to show side by side, in the order given."""
    ids = list(dict.fromkeys(facility_ids))
    errors = [
        FieldError.translatable(
            "ids",
            Message(N_("unknown facility {id}"), {"id": repr(fid)}),
            Message(N_("ids from the directory")),
        )
        for fid in ids
        if fid not in catalog.facilities
    ]
    if not errors and not 2 <= len(ids) <= 4:
        errors.append(
            FieldError.translatable(
                "ids",
                Message(N_("{count} given"), {"count": len(ids)}),
                Message(N_("2 to 4 facilities")),
            )
        )
    if errors:
        raise InvalidInput(errors)
    return tuple(catalog.facilities[fid] for fid in ids)
