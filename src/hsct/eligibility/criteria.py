"""Judging one criterion against derived facts: met, not met, unknown, or for the clinic.

Three-valued throughout: a criterion is met or not met only when the facts settle it; a
missing fact makes it unknown, and the result names the fact that would settle it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal, NamedTuple

from hsct.common.i18n import N_
from hsct.common.memo import ByIdentity
from hsct.common.text import Citation, Message
from hsct.eligibility.derive import Derived, Facts, Interval, Need, shown
from hsct.knowledge import Catalog
from hsct.knowledge.labels import MS_TYPE_LABELS, PARAMETER_LABELS, format_value, test_message
from hsct.knowledge.schema import Criterion, RuleSetKind, Strength

Status = Literal["met", "not_met", "unknown", "clinic", "not_applicable"]
Tri = Literal["met", "not_met", "unknown"]


class CriterionResult(NamedTuple):
    """One criterion judged: status, strength, the reason in words, source, what is missing.

    A named tuple rather than a frozen dataclass: an assessment makes about 190 of them and
    a tuple is made in a third of the time (immutable all the same).
    """

    criterion: Criterion
    status: Status
    strength: Strength
    reason: Message
    citation: Citation | None
    needs: tuple[Need, ...] = ()
    parts: tuple[CriterionResult, ...] = ()

    @property
    def id(self) -> str:
        """The criterion's id within its rule set."""
        return self.criterion.id


#: ``_new(CriterionResult, (all seven fields))``: the named tuple made without its generated
#: ``__new__`` (a Python call that handles the defaults), 94 ns instead of 170 for the
#: judgments made for every person; every field is given, in order.
_new: Final = tuple.__new__


_LIMIT: Final = {
    "facility": N_("{parameter}: {value}, above this clinic's limit of {threshold}."),
    "guideline": N_("{parameter}: {value}, above this guideline's limit of {threshold}."),
    "trial": N_("{parameter}: {value}, above this trial's limit of {threshold}."),
}
_WITHIN: Final = {
    "facility": N_("{parameter}: {value}, within this clinic's limit of {threshold}."),
    "guideline": N_("{parameter}: {value}, within this guideline's limit of {threshold}."),
    "trial": N_("{parameter}: {value}, within this trial's limit of {threshold}."),
}
_MINIMUM: Final = {
    "facility": N_("{parameter}: {value}, below this clinic's minimum of {threshold}."),
    "guideline": N_("{parameter}: {value}, below this guideline's minimum of {threshold}."),
    "trial": N_("{parameter}: {value}, below this trial's minimum of {threshold}."),
}
_REASONS: Final = {
    ("<", True): N_("{parameter}: {value}, under {threshold}."),
    ("<", False): N_("{parameter}: {value}, not under {threshold}."),
    (">", True): N_("{parameter}: {value}, over {threshold}."),
    (">", False): N_("{parameter}: {value}, not over {threshold}."),
    (">=", True): N_("{parameter}: {value}, at least the {threshold} asked for."),
    (">=", False): N_("{parameter}: {value}, fewer than the {threshold} asked for."),
    ("==", True): N_("{parameter}: {value}, as asked for."),
    ("==", False): N_("{parameter}: {value}; {threshold} is asked for."),
    ("between", True): N_("{parameter}: {value}, within {low} to {high}."),
    ("between", False): N_("{parameter}: {value}, outside {low} to {high}."),
    ("in", True): N_("{parameter}: {value}, which this rule accepts."),
    ("in", False): N_("{parameter}: {value}, which this rule does not accept."),
    ("is_true", True): N_("{parameter}: yes."),
    ("is_true", False): N_("{parameter}: no; this rule asks for yes."),
    ("is_false", True): N_("{parameter}: no."),
    ("is_false", False): N_("{parameter}: yes; this rule asks for no."),
}
UNKNOWN: Final = N_("{parameter}: not known from your answers.")
PARTLY: Final = N_("{parameter}: {value} so far, not enough to tell.")
NOT_APPLICABLE: Final = N_("Does not apply to you; it is only for {condition}.")
CLINIC: Final = N_("The clinic checks this itself.")
COMPOSITE: Final = {
    ("any", "met"): N_("At least one of these is met."),
    ("any", "not_met"): N_("None of these is met."),
    ("any", "unknown"): N_("None is met so far; some cannot be checked yet."),
    ("all", "met"): N_("All of these are met."),
    ("all", "not_met"): N_("At least one of these is not met."),
    ("all", "unknown"): N_("Some of these cannot be checked yet."),
}
#: The messages without values, made once (a message is immutable).
_CLINIC_MESSAGE: Final = Message(CLINIC)
_COMPOSITE_MESSAGES: Final = {key: Message(template) for key, template in COMPOSITE.items()}


def compare(derived: Derived, operator: str, threshold: Any) -> Tri:  # noqa: PLR0911
    """Three-valued test of a derived fact against a threshold.

    Examples
    --------
    >>> compare(Derived("edss", Interval(4.5, 5.0)), "<=", 6.5)
    'met'
    >>> compare(Derived("edss", Interval(6.0, 7.0)), "<=", 6.5)
    'unknown'
    >>> compare(Derived("relapses_last_12m", Interval(1, float("inf"))), ">=", 1)
    'met'
    """
    value = derived.value
    if value is None:
        return "unknown"
    if operator in ("is_true", "is_false"):
        if not isinstance(value, bool):
            return "unknown"
        return "met" if value is (operator == "is_true") else "not_met"
    if operator == "in":
        return "met" if value in threshold else "not_met"
    if not isinstance(value, Interval):
        return "unknown"
    low, high = value.low, value.high
    outcome: tuple[bool, bool]  # (surely met, surely not met)
    if operator == "<":
        outcome = (high < threshold, low >= threshold)
    elif operator == "<=":
        outcome = (high <= threshold, low > threshold)
    elif operator == ">":
        outcome = (low > threshold, high <= threshold)
    elif operator == ">=":
        outcome = (low >= threshold, high < threshold)
    elif operator == "==":
        outcome = (low == high == threshold, threshold < low or threshold > high)
    else:  # between
        a, b = threshold
        outcome = (low >= a and high <= b, high < a or low > b)
    if outcome[0]:
        return "met"
    return "not_met" if outcome[1] else "unknown"


def _value_text(derived: Derived) -> str:
    if isinstance(derived.value, str):
        return MS_TYPE_LABELS.get(derived.value, derived.value)
    return shown(derived) or ""


@dataclass(frozen=True, slots=True)
class _Wording:
    """What a leaf criterion's reason says that is the same for everyone: the parameter's
    label, the test and the threshold as people write it (both ends for ``between``)."""

    parameter: str
    operator: str
    limit: Any
    threshold: str = ""
    low: str = ""
    high: str = ""

    @classmethod
    def of(cls, parameter: str, operator: str, threshold: Any) -> _Wording:
        label = PARAMETER_LABELS[parameter]
        if operator == "between":
            return cls(
                label,
                operator,
                threshold,
                low=format_value(parameter, threshold[0]),
                high=format_value(parameter, threshold[1]),
            )
        if operator in ("in", "is_true", "is_false"):
            return cls(label, operator, threshold)
        return cls(label, operator, threshold, threshold=format_value(parameter, threshold))


def _reason(derived: Derived, tri: Tri, kind: RuleSetKind, wording: _Wording) -> Message:
    parameter, operator = wording.parameter, wording.operator
    if tri == "unknown":
        if derived.value is None or isinstance(derived.value, bool | str):
            return Message(UNKNOWN, {"parameter": parameter})
        return Message(PARTLY, {"parameter": parameter, "value": _value_text(derived)})
    met = tri == "met"
    params: dict[str, str | int | float] = {"parameter": parameter, "value": _value_text(derived)}
    if operator == "<=":
        params["threshold"] = wording.threshold
        return Message((_WITHIN if met else _LIMIT)[kind], params)
    if operator == "between" and not met and isinstance(derived.value, Interval):
        above = derived.value.low > wording.limit[1]
        params["threshold"] = wording.high if above else wording.low
        return Message((_LIMIT if above else _MINIMUM)[kind], params)
    if operator == "between":
        params["low"] = wording.low
        params["high"] = wording.high
    elif operator not in ("in", "is_true", "is_false"):
        params["threshold"] = wording.threshold
    return Message(_REASONS[(operator, met)], params)


#: What a leaf criterion's judgment depends on besides the facts: its parameter, operator
#: and threshold (by ``repr``, so 6 and 6.0 stay apart), once per criterion.
_leaf_key: ByIdentity[Criterion, tuple[str | None, str, str]] = ByIdentity(
    lambda c: (c.parameter, c.operator or "==", repr(c.threshold))
)


def _not_applicable(criterion: Criterion) -> Message:
    when = criterion.when
    assert when is not None  # noqa: S101 - only called for a criterion with a condition
    return Message(
        NOT_APPLICABLE, {"condition": test_message(when.parameter, when.operator, when.threshold)}
    )


#: "Does not apply to you", once per criterion (it names only the criterion's condition).
_not_applicable_message: ByIdentity[Criterion, Message] = ByIdentity(_not_applicable)

#: Results that read the same for everyone ("the clinic checks this", "does not apply"):
#: one object per criterion and status, made with the first catalogue's citation.
_fixed_results: ByIdentity[Criterion, dict[str, CriterionResult]] = ByIdentity(lambda _c: {})


def _fixed_result(
    criterion: Criterion, status: Status, reason: Message, citation: Citation | None
) -> CriterionResult:
    results = _fixed_results(criterion)
    found = results.get(status)
    if found is not None and found.citation is citation and found.reason is reason:
        return found
    made = CriterionResult(criterion, status, criterion.strength, reason, citation)
    results.setdefault(status, made)
    return made


def is_fixed(result: CriterionResult) -> bool:
    """True for a shared result that reads the same for everyone (see :func:`judge`)."""
    if result.status not in ("clinic", "not_applicable"):
        return False
    return _fixed_results(result.criterion).get(result.status) is result


#: Leaf judgments within one assessment: (parameter, operator, threshold, kind) -> the
#: three-valued outcome, its reason and (when unknown) what would settle it. Rule sets
#: repeat the same test ("EDSS at most 6.5"); each is judged once per person. The kind is
#: part of the key only for the operators whose reason names it ("within this clinic's
#: limit"), else it is "".
LeafMemo = dict[tuple[tuple[str | None, str, str], str], tuple[Tri, Message, tuple[Need, ...]]]


#: Operators whose reason names the kind of rule set (see :func:`_reason`).
_KIND_WORDED: Final = frozenset({"<=", "between"})

#: One criterion's judgment, made once per catalogue, criterion and kind of rule set: a
#: function of the person's facts and the assessment's leaf memo.
Judgment = Callable[[Facts, LeafMemo], CriterionResult]


def judge(
    criterion: Criterion,
    facts: Facts,
    catalog: Catalog,
    kind: RuleSetKind,
    *,
    leaves: LeafMemo | None = None,
) -> CriterionResult:
    """One criterion (with its parts) judged against the facts.

    ``leaves`` (optional, one per assessment) shares the judgment of identical tests.
    """
    return judgment(criterion, catalog, kind)(facts, {} if leaves is None else leaves)


#: The judgments made so far, per catalogue: (criterion id, kind) -> (criterion, judgment).
_judgments: ByIdentity[Catalog, dict[tuple[int, str], tuple[Criterion, Judgment]]] = ByIdentity(
    lambda _catalog: {}
)


def judgment(criterion: Criterion, catalog: Catalog, kind: RuleSetKind) -> Judgment:
    """The function that judges ``criterion`` in a rule set of this kind: what does not
    depend on the person (source, condition, operator, the parts' judgments, the results
    that read the same for everyone) is looked up once, not per person."""
    made = _judgments(catalog)
    key = (id(criterion), kind)
    found = made.get(key)
    if found is None or found[0] is not criterion:
        found = made[key] = (criterion, _make_judgment(criterion, catalog, kind))
    return found[1]


def _make_judgment(criterion: Criterion, catalog: Catalog, kind: RuleSetKind) -> Judgment:
    citation = catalog.citation(criterion.src) if criterion.src else None
    if criterion.assessed_by == "clinic":
        clinic = _fixed_result(criterion, "clinic", _CLINIC_MESSAGE, citation)
        return lambda _facts, _leaves: clinic
    body = _body_judgment(criterion, catalog, kind, citation)
    when = criterion.when
    if when is None:
        return body
    parameter, operator, threshold = when.parameter, when.operator, when.threshold
    strength = criterion.strength
    not_applicable = _fixed_result(
        criterion, "not_applicable", _not_applicable_message(criterion), citation
    )

    def conditional(facts: Facts, leaves: LeafMemo) -> CriterionResult:
        condition = facts.values[parameter]
        applies = compare(condition, operator, threshold)
        if applies == "not_met":
            return not_applicable
        result = body(facts, leaves)
        if applies == "unknown" and result.status != "met":
            return CriterionResult(
                criterion,
                "unknown",
                strength,
                result.reason,
                citation,
                merge_needs(condition.needs, result.needs),
                result.parts,
            )
        return result

    return conditional


def _body_judgment(
    criterion: Criterion, catalog: Catalog, kind: RuleSetKind, citation: Citation | None
) -> Judgment:
    if criterion.any_of is not None or criterion.all_of is not None:
        return _composite_judgment(criterion, catalog, kind, citation)
    assert criterion.parameter is not None  # noqa: S101 - guaranteed by the schema
    strength = criterion.strength
    parameter = criterion.parameter
    operator = criterion.operator or "=="
    threshold = criterion.threshold
    key = (_leaf_key(criterion), kind if operator in _KIND_WORDED else "")
    wording = _Wording.of(parameter, operator, threshold)

    def leaf(facts: Facts, leaves: LeafMemo) -> CriterionResult:
        found = leaves.get(key)
        if found is None:
            derived = facts.values[parameter]
            tri = compare(derived, operator, threshold)
            found = leaves[key] = (
                tri,
                _reason(derived, tri, kind, wording),
                derived.needs if tri == "unknown" else (),
            )
        tri, reason, needs = found
        return _new(CriterionResult, (criterion, tri, strength, reason, citation, needs, ()))

    return leaf


def _composite_judgment(
    criterion: Criterion, catalog: Catalog, kind: RuleSetKind, citation: Citation | None
) -> Judgment:
    mode = "any" if criterion.any_of is not None else "all"
    parts_judged = tuple(
        judgment(part, catalog, kind) for part in (criterion.any_of or criterion.all_of or ())
    )
    strength = criterion.strength
    # The outcome when no part is met / not met / unknown, in the order they decide it.
    decides: Tri = "met" if mode == "any" else "not_met"
    otherwise: Tri = "not_met" if mode == "any" else "met"

    def composite(facts: Facts, leaves: LeafMemo) -> CriterionResult:
        parts = tuple([part(facts, leaves) for part in parts_judged])
        statuses = [p.status for p in parts]
        tri: Tri = (
            decides if decides in statuses else "unknown" if "unknown" in statuses else otherwise
        )
        needs = (
            merge_needs(*(p.needs for p in parts if p.status == "unknown"))
            if tri == "unknown"
            else ()
        )
        reason = _COMPOSITE_MESSAGES[(mode, tri)]
        return _new(CriterionResult, (criterion, tri, strength, reason, citation, needs, parts))

    return composite


def merge_needs(*groups: tuple[Need, ...]) -> tuple[Need, ...]:
    """Needs in order, each once."""
    seen: dict[tuple[str, str], Need] = {}
    for group in groups:
        for need in group:
            seen.setdefault((need.field, str(need.message)), need)
    return tuple(seen.values())
