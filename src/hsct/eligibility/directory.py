"""The directory's "fits" judged by the candidate engine (issue 19: one engine, no disagreement).

The directory asks at most three things about a person (MS type, EDSS, age). Each clinic's
criteria on those parameters (its own, the guideline's it inherits, and the confirmed
diagnosis every clinic requires) are judged by :func:`hsct.eligibility.criteria.judge`, the
same function the candidate results use, on the facts those three answers give:

- a hard criterion not met removes the clinic (the candidate results say "does not meet");
- a soft or case-by-case criterion not met shows "case by case";
- no criterion on the parameter shows "not stated"; otherwise "yes".

A criterion that also depends on something the directory does not ask (a drug history,
oligoclonal bands) is judged "unknown" and never removes a clinic, as in the candidate
results.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from types import MappingProxyType
from typing import Final

from hsct.eligibility.criteria import judge
from hsct.eligibility.derive import Derived, Facts, Interval, derive
from hsct.eligibility.engine import DIAGNOSIS_CRITERION
from hsct.eligibility.profile import PatientProfile
from hsct.knowledge.catalog import Catalog
from hsct.knowledge.directory import DirectoryQuery, Entry, Match, PersonMatcher, search
from hsct.knowledge.schema import Criterion, Facility

#: The directory's questions about a person, named as the criteria's parameters.
PERSON_FILTERS: Final = ("ms_type", "edss", "age")


def person_matcher(catalog: Catalog) -> PersonMatcher:
    """The directory's judge of a clinic's criteria on MS type, EDSS and age."""

    def matches(facility: Facility, query: DirectoryQuery) -> dict[str, Match]:
        asked = _asked(query)
        if not asked:
            return {}
        ruleset = catalog.facility_ruleset(facility.id)
        if ruleset is None:
            return dict.fromkeys(asked, "not_stated")
        facts = _facts(query, catalog)
        found: dict[str, Match] = {}
        excluded: set[str] = set()
        for criterion in _criteria(catalog, facility.id, asked):
            result = judge(criterion, facts, catalog, ruleset.kind)
            if criterion.parameter == DIAGNOSIS_CRITERION.parameter and result.status != "not_met":
                continue  # every clinic requires it: met, it says nothing about the MS type
            for name in _parameters(criterion) & set(asked):
                if result.status != "not_met":
                    found.setdefault(name, "yes")
                elif criterion.strength == "hard":
                    excluded.add(name)
                else:
                    found[name] = "case_by_case"
        return {name: found.get(name, "not_stated") for name in asked if name not in excluded}

    return matches


def _asked(query: DirectoryQuery) -> tuple[str, ...]:
    values = {"ms_type": query.ms_type, "edss": query.edss, "age": query.age}
    return tuple(name for name in PERSON_FILTERS if values[name] is not None)


def _criteria(catalog: Catalog, facility_id: str, asked: tuple[str, ...]) -> Iterator[Criterion]:
    """The clinic's criteria on the asked parameters, the diagnosis first when MS type is."""
    criteria = catalog.criteria(facility_id)
    if "ms_type" in asked and not any(
        c.parameter == DIAGNOSIS_CRITERION.parameter for c in criteria
    ):
        yield DIAGNOSIS_CRITERION
    for criterion in criteria:
        if criterion.assessed_by == "clinic":
            continue
        if _parameters(criterion) & set(asked):
            yield criterion


def _parameters(criterion: Criterion) -> set[str]:
    """The parameters a criterion tests (its parts' for a composite), not its condition's.

    The diagnosis counts as the MS type: "CIS is not MS" is the answer to the MS type.
    """
    parts = (*(criterion.any_of or ()), *(criterion.all_of or ()))
    if parts:
        return set().union(*(_parameters(part) for part in parts))
    if criterion.parameter == DIAGNOSIS_CRITERION.parameter:
        return {"ms_type"}
    return {criterion.parameter} if criterion.parameter else set()


def _facts(query: DirectoryQuery, catalog: Catalog) -> Facts:
    """The facts of a person known only by the directory's answers, today.

    The MS type goes through the profile (the facts derived from it, such as a confirmed
    diagnosis, follow); the EDSS and age are set as given, since the directory accepts any
    EDSS between 0 and 10 and ages in years with decimals.
    """
    # search() has checked the MS type against the labels; the model checks it again.
    profile = PatientProfile.model_validate(
        {"ms_type": query.ms_type, "as_of": dt.date.today()}  # noqa: DTZ011 - a calendar day
    )
    facts = derive(profile, catalog)
    values = dict(facts.values)
    if query.edss is not None:
        values["edss"] = Derived("edss", Interval.of(query.edss))
    if query.age is not None:
        values["age"] = Derived("age", Interval.of(query.age))
    return dataclasses.replace(facts, values=MappingProxyType(values))


def directory_search(catalog: Catalog, query: DirectoryQuery) -> tuple[Entry, ...]:
    """The directory for ``query``, its "fits" judged by the candidate engine."""
    return search(catalog, query, person=person_matcher(catalog))
