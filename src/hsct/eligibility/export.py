"""An assessment as plain data: the JSON of the API and of ``hsct assess --json``.

Texts are English; each message also carries its template and values so a client can
translate it (``{"text", "template", "params"}``).

What does not depend on the person (a clinic's details and cautions, a source's entry) is
built once per catalogue object and shared between answers: the data returned is read
(serialised), never changed.
"""

from __future__ import annotations

import math
from typing import Any

from hsct.common.memo import ByIdentity
from hsct.common.text import Citation, Message
from hsct.eligibility.advice import DrugTiming
from hsct.eligibility.criteria import CriterionResult, is_fixed
from hsct.eligibility.derive import Derived, Interval, Need, shown
from hsct.eligibility.engine import OPEN_STATUSES, Assessment, RuleSetResult, cautions_for
from hsct.eligibility.timing import WashoutItem, Window
from hsct.knowledge import Catalog, Facility
from hsct.knowledge.evidence import matches_dict
from hsct.knowledge.labels import PARAMETER_LABELS, RECORD_LABELS, describe
from hsct.knowledge.legitimacy import Caution
from hsct.knowledge.risk import risk_dict
from hsct.knowledge.schema import Criterion, RuleSet


class _Sources:
    """Source ids used in an export; the export lists each source once, at the end."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.used: dict[str, None] = {}
        # Texts of the messages of this one export, by identity: reasons and summaries
        # are shared between rule sets (the messages live as long as the export).
        self.texts: dict[int, str] = {}
        # Washout lists that cite no source, by the identity of their items: the clinics
        # without a washout rule share one tuple of items in an assessment.
        self.washouts: dict[int, list[dict[str, Any]]] = {}

    def text(self, message: Message) -> str:
        """``str(message)``, formatted once per message object in this export."""
        found = self.texts.get(id(message))
        if found is None:
            found = self.texts[id(message)] = str(message)
        return found

    def __call__(self, src: str | None) -> str | None:
        if src is not None:
            self.used[src] = None
        return src

    def table(self) -> dict[str, dict[str, str | None]]:
        citation = self.catalog.citation
        return {src: _citation_dict(citation(src)) for src in self.used}


#: A source's entry, built once per citation object (the catalogue keeps them).
_citation_dict: ByIdentity[Citation, dict[str, str | None]] = ByIdentity(Citation.to_dict)


def _needs(needs: tuple[Need, ...], cite: _Sources) -> list[dict[str, str]]:
    return [{"field": n.field, "text": cite.text(n.message)} for n in needs]


def _value(derived: Derived) -> Any:
    value = derived.value
    if isinstance(value, Interval):
        high = None if math.isinf(value.high) else value.high
        return value.low if value.exact else {"low": value.low, "high": high}
    return value


def _criterion_template(c: Criterion) -> dict[str, Any]:
    """A criterion's JSON without its judgment: status and reason are filled in per answer
    (a copy keeps the keys' order)."""
    found: dict[str, Any] = {
        "id": c.id,
        "status": None,
        "strength": c.strength,
        "description": describe(c).text,
        "reason": None,
        "source": c.src,
    }
    if c.text:
        found["quote"] = c.text
    if c.note:
        found["note"] = c.note
    return found


#: A criterion's id, English description, source, quote and note, once per criterion;
#: never handed out itself, only copied.
_template: ByIdentity[Criterion, dict[str, Any]] = ByIdentity(_criterion_template)


def _fixed_dict(result: CriterionResult) -> dict[str, Any]:
    found = _template(result.criterion).copy()
    found["status"] = result.status
    found["strength"] = result.strength
    found["reason"] = str(result.reason)
    return found


#: A criterion "the clinic checks" or "does not apply" reads the same for everyone: its
#: JSON is built once per result object (the engine keeps those per criterion).
_fixed: ByIdentity[CriterionResult, dict[str, Any]] = ByIdentity(_fixed_dict)


def criterion_dict(result: CriterionResult, cite: _Sources) -> dict[str, Any]:
    """One judged criterion."""
    # The export's hottest function (about 260 calls an answer): the source and text
    # registers are used directly rather than through their methods.
    criterion, status, strength, reason, _citation, needs, parts = result
    src = criterion.src
    if src is not None:
        cite.used[src] = None
    if status in {"clinic", "not_applicable"}:
        # _fixed(result) for a result already written, its lookup written out; any other
        # result is checked first (only a shared result's JSON is kept).
        made = _fixed.entries.get(id(result))
        if made is not None and made[0] is result:
            return made[1]
        if is_fixed(result):
            return _fixed(result)
    # _template(criterion), its lookup written out (a call costs as much as the copy).
    entry = _template.entries.get(id(criterion))
    found = (
        entry[1] if entry is not None and entry[0] is criterion else _template(criterion)
    ).copy()
    found["status"] = status
    found["strength"] = strength
    texts = cite.texts
    text = texts.get(id(reason))
    if text is None:
        text = texts[id(reason)] = str(reason)
    found["reason"] = text
    if needs:
        found["missing"] = _needs(needs, cite)
    if parts:
        found["parts"] = [criterion_dict(p, cite) for p in parts]
    return found


def _washouts(
    items: tuple[WashoutItem, ...], src: str | None, cite: _Sources
) -> list[dict[str, Any]]:
    return [
        {
            "drug": w.drug,
            "drug_name": w.drug_name,
            "stopped": w.stopped.isoformat() if w.stopped else None,
            "course_based": w.course_based,
            "counted_from": w.counted_from.isoformat() if w.counted_from else None,
            "months": w.months,
            "ends": w.ends.isoformat() if w.ends else None,
            "ask_the_clinic": w.blocks,
            "source": cite(src) if w.citation else None,
            "as_of": w.citation.date if w.citation else None,
            "lab_conditions": [
                {"test": lab.test, "minimum_per_mm3": lab.minimum_per_mm3}
                for lab in w.lab_conditions
            ],
        }
        for w in items
    ]


def _window(window: Window | None, src: str | None, cite: _Sources) -> dict[str, Any] | None:
    if window is None:
        return None
    items = window.washouts
    if any(w.citation for w in items):  # names this clinic's source
        washouts = _washouts(items, src, cite)
    else:
        found = cite.washouts.get(id(items))
        if found is None:
            found = cite.washouts[id(items)] = _washouts(items, src, cite)
        washouts = found
    return {
        "earliest": window.earliest.isoformat() if window.earliest else None,
        "earliest_known": not window.unknown,
        "until": window.until.isoformat() if window.until else None,
        "reasons": [cite.text(m) for m in window.reasons],
        "washouts": washouts,
    }


def _timing(timing: DrugTiming, cite: _Sources) -> dict[str, Any]:
    general = timing.general_wait
    return {
        "drug": timing.drug,
        "drug_name": timing.drug_name,
        "taken_now": timing.taken_now,
        "course_based": timing.course_based,
        "counted_from": timing.counted_from.isoformat() if timing.counted_from else None,
        "answer": [str(m) for m in timing.answer],
        "general_wait_months": None
        if general is None
        else {"min": general.min, "max": general.max},
        "general_wait_source": cite(timing.general_src),
        "clinic_wait_months": list(timing.clinic_months),
        "lab_conditions": [
            {"test": lab.test, "minimum_per_mm3": lab.minimum_per_mm3, "source": cite(lab.src)}
            for lab in timing.lab_conditions
        ],
        "warnings": [{"text": str(w.message), "source": cite(w.src)} for w in timing.warnings],
    }


def _make_cautions_list(cautions: tuple[Caution, ...]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "text": str(c.message),
            "sources": [cite.label for cite in c.citations],
        }
        for c in cautions
    ]


def _make_records_list(facility: Facility) -> list[dict[str, Any]]:
    return [
        {"item": r.item, "label": RECORD_LABELS[r.item], "max_age_months": r.max_age_months}
        for r in facility.records.value or ()
    ]


def _ruleset_template(ruleset: RuleSet) -> dict[str, Any]:
    """A rule set's JSON without the person's verdict (filled in per answer, in order)."""
    return {
        "id": ruleset.id,
        "kind": ruleset.kind,
        "title": ruleset.title,
        "short_title": ruleset.short_title,
        "status": ruleset.status.value,
        "open": None,
        "verdict": None,
        "criteria_verdict": None,
        "checked": None,
        "summary": None,
        "source": ruleset.src,
        "missing": None,
        "counts": None,
        "criteria": None,
    }


#: A rule set's fixed fields, once per rule set; never handed out itself, only copied.
_ruleset_template_of: ByIdentity[RuleSet, dict[str, Any]] = ByIdentity(_ruleset_template)


def _facility_dict(facility: Facility, cautions: tuple[Caution, ...]) -> dict[str, Any]:
    return {
        "id": facility.id,
        "name": facility.name,
        "city": facility.city,
        "country": facility.country,
        "status": facility.status.value,
        "cautions": _make_cautions_list(cautions),
        "records": _make_records_list(facility),
    }


#: A clinic's details, per facility and tuple of cautions (by identity): built once for the
#: catalogue's cautions and shared between answers (read only).
_facility_made: ByIdentity[Facility, dict[int, dict[str, Any]]] = ByIdentity(lambda _f: {})


def _facility_json(
    facility: Facility, cautions: tuple[Caution, ...], catalog: Catalog
) -> dict[str, Any]:
    if cautions is not cautions_for(facility, catalog):  # a made-up result: nothing kept
        return _facility_dict(facility, cautions)
    made = _facility_made(facility)
    found = made.get(id(cautions))
    if found is None:
        found = made[id(cautions)] = _facility_dict(facility, cautions)
    return found


def ruleset_dict(result: RuleSetResult, cite: _Sources) -> dict[str, Any]:
    """One rule set's verdict, criteria, missing facts and (facilities) dates."""
    ruleset, facility = result.ruleset, result.facility
    tally = result.tally
    found = _ruleset_template_of(ruleset).copy()
    found["open"] = result.is_open
    found["verdict"] = result.verdict
    found["criteria_verdict"] = result.criteria_verdict
    found["checked"] = result.checked
    found["summary"] = cite.text(result.summary)
    cite(ruleset.src)
    found["missing"] = _needs(result.needs, cite)
    found["counts"] = {
        "required_met": tally.get(("met", True), 0),
        "required_not_met": tally.get(("not_met", True), 0),
        "required_unknown": tally.get(("unknown", True), 0),
        "preferred_met": tally.get(("met", False), 0),
        "preferred_not_met": tally.get(("not_met", False), 0),
        "preferred_unknown": tally.get(("unknown", False), 0),
    }
    found["criteria"] = [criterion_dict(c, cite) for c in result.criteria]
    if facility is not None:
        found["facility"] = _facility_json(facility, result.cautions, cite.catalog)
        found["window"] = _window(result.window, facility.washout.src, cite)
    return found


def assessment_dict(assessment: Assessment, catalog: Catalog) -> dict[str, Any]:
    """The whole assessment as JSON-ready data; ``sources`` lists every source cited by id.

    Parts that read the same in several places (a clinic's details, the washouts of the
    clinics without a washout rule) are one object, shared: read it, do not change it.
    """
    cite = _Sources(catalog)
    facts = assessment.facts
    edss = facts.edss_result
    found: dict[str, Any] = {
        "as_of": assessment.day.isoformat(),
        "disclaimer": str(assessment.disclaimer),
        "profile": assessment.profile.model_dump(mode="json", exclude_none=True),
        "facts": [
            {
                "parameter": d.parameter,
                "label": PARAMETER_LABELS[d.parameter],
                "value": _value(d),
                "shown": shown(d),
                "known": d.known,
            }
            for d in facts.values.values()
        ],
        "treatments": [
            {
                "drug": c.drug,
                "drug_name": c.drug_name,
                "high_efficacy": c.high_efficacy,
                "course_based": c.course_based,
                "months_taken": None if c.course_based else c.months_taken,
                "months_since_stop": c.months_since_stop,
                "months_since_last_dose": c.months_since_last_dose,
                "failed": c.failed,
            }
            for c in facts.courses
        ],
        "drug_timing": [_timing(t, cite) for t in assessment.drug_timing],
        "advice": [{"text": str(s.message), "source": cite(s.src)} for s in assessment.advice],
        "benefit_figures_apply": assessment.benefit_applies,
        "counts": {
            "clinics_fit": len(assessment.fits),
            "clinics_checked": len(assessment.checked_facilities),
            "clinics_without_checkable_criteria": len(assessment.unchecked_facilities)
            + len(assessment.unassessed_open),
            "clinics_unavailable": len(assessment.unavailable_facilities)
            + len(assessment.unassessed_closed),
        },
        "edss": None
        if edss is None
        else {
            "value": edss.value,
            "low": edss.low,
            "high": edss.high,
            "rule": str(edss.rule),
        },
        "guidelines": [ruleset_dict(r, cite) for r in assessment.guidelines],
        "trials": [ruleset_dict(r, cite) for r in assessment.trials],
        "facilities": [ruleset_dict(r, cite) for r in assessment.facilities],
        "facilities_without_criteria": [
            {
                "id": f.id,
                "name": f.name,
                "status": f.status.value,
                "open": f.status.value in OPEN_STATUSES,
            }
            for f in assessment.unassessed
        ],
        "guidance": {
            "definitions": [
                {"text": str(s.message), "source": cite(s.src)}
                for s in assessment.guidance.definitions
            ],
            "for_ms_type": [
                {"text": str(s.message), "source": cite(s.src)}
                for s in assessment.guidance.for_ms_type
            ],
            "regimens": [
                {
                    "id": u.regimen.id,
                    "name": u.regimen.name,
                    "intensity": u.regimen.intensity.value,
                    "myeloablative": u.regimen.myeloablative.value,
                    "facilities": [f.id for f in u.facilities],
                }
                for u in assessment.guidance.regimens
            ],
        },
        "similar_studies": matches_dict(assessment.studies),
        "risk": risk_dict(assessment.risk),
    }
    found["sources"] = cite.table()
    return found
