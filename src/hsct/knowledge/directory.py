"""The facility directory: filter and sort, shared by the web page, the API and the CLI.

A filter removes a facility only when its known criteria exclude the person. A facility
whose limit is not stated stays in the list, marked as not stated, unless the person asks
to hide such facilities: an unknown is not a "no".
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

SortKey = Literal["country", "name", "price", "edss", "age"]
SORT_KEYS: Final = ("country", "name", "price", "edss", "age")
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
    sort: SortKey = "country"


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
    if query.currency not in catalog.rates.rates:
        errors.append(
            FieldError(
                "currency",
                f"no exchange rate for {excerpt(query.currency)}",
                ", ".join(sorted(catalog.rates.rates)),
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


def entry(facility: Facility, catalog: Catalog, query: DirectoryQuery) -> Entry:
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
        matches=_matches(facility, limits, catalog, query),
        rating=rate_facility(facility, catalog),
    )


def _matches(  # noqa: C901 - one block per filter
    facility: Facility, limits: Limits, catalog: Catalog, query: DirectoryQuery
) -> dict[str, Match]:
    """For each filter given: "yes", "case_by_case", "not_stated"; absent key = excluded."""
    result: dict[str, Match] = {}
    if query.ms_type is not None:
        if limits.ms_types is None:
            result["ms_type"] = "not_stated"
        elif query.ms_type in limits.ms_types:
            result["ms_type"] = "yes"
    if query.edss is not None:
        if limits.edss_max is None and limits.edss_soft_max is None:
            result["edss"] = "not_stated"
        elif limits.edss_max is None or query.edss <= limits.edss_max:
            soft = limits.edss_soft_max
            result["edss"] = "case_by_case" if soft is not None and query.edss > soft else "yes"
    if query.age is not None:
        if limits.age_min is None and limits.age_max is None:
            result["age"] = "not_stated"
        elif (limits.age_min is None or query.age >= limits.age_min) and (
            limits.age_max is None or query.age <= limits.age_max
        ):
            result["age"] = "yes"
    if query.intensity is not None:
        intensities = catalog.intensities(facility)
        if not intensities:
            result["intensity"] = "not_stated"
        elif query.intensity in intensities:
            result["intensity"] = "yes"
    return result


def _price_ok(item: Entry, query: DirectoryQuery) -> bool | None:
    if query.max_price is None:
        return True
    if item.converted_price is None:
        return None
    return item.converted_price <= query.max_price


def search(catalog: Catalog, query: DirectoryQuery) -> tuple[Entry, ...]:
    """Facilities matching ``query``, sorted as asked."""
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
        item = entry(facility, catalog, query)
        if any(name not in item.matches for name in wanted):
            continue
        price_ok = _price_ok(item, query)
        if price_ok is False:
            continue
        unknown = price_ok is None or any(item.matches[n] == "not_stated" for n in wanted)
        if unknown and query.hide_unknown:
            continue
        found.append(item)
    by_key = _sort_key(query.sort)
    return tuple(sorted(found, key=lambda e: (_not_stated(e), by_key(e))))


def _not_stated(item: Entry) -> int:
    """How many asked-for criteria are not stated: known matches come first."""
    return sum(match == "not_stated" for match in item.matches.values())


def _sort_key(sort: SortKey) -> Callable[[Entry], Any]:
    if sort == "name":
        return lambda e: e.facility.name.lower()
    if sort == "price":
        return lambda e: (e.converted_price is None, e.converted_price or 0.0, e.facility.name)
    if sort == "edss":
        return lambda e: (e.limits.edss_max is None, -(e.limits.edss_max or 0.0), e.facility.name)
    if sort == "age":
        return lambda e: (e.limits.age_max is None, -(e.limits.age_max or 0.0), e.facility.name)
    return lambda e: (e.facility.country, e.facility.city, e.facility.name)


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
