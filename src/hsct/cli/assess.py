"""``hsct assess profile.json``: a profile file checked against every rule set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer

from hsct.cli.console import stdout
from hsct.cli.files import read_object, short
from hsct.common.errors import FieldError, InvalidInput
from hsct.common.text import Message

if TYPE_CHECKING:
    from rich.console import Console

    from hsct.eligibility import Assessment, RuleSetResult

MARKS: Final = {"met": "✓", "not_met": "✗", "unknown": "?", "clinic": "·", "not_applicable": "-"}
VERDICT_WORDS: Final = {
    "meets": "meets the published criteria",
    "needs_review": "needs review (preferred criteria not met)",
    "insufficient_information": "more information needed",
    "does_not_meet": "does not meet the published criteria",
    "no_checkable_criteria": "publishes no criteria we can check: ask them",
    "unavailable": "not an option now",
}


def read_profile_file(path: Path, field: str = "PROFILE") -> dict[str, Any]:
    """JSON or TOML (by extension) as data; every fault of the file is one named error."""
    return read_object(path, field)


def profile_errors(field: str, exc: InvalidInput) -> InvalidInput:
    """Errors of the profile's fields, named under the argument or option that gave the file."""
    return InvalidInput(
        FieldError(field, f"{short(e.field)}: {e.message}", e.allowed) for e in exc.errors
    )


def _print_ruleset(console: Console, result: RuleSetResult, show_all: bool) -> None:
    from hsct.knowledge import describe  # noqa: PLC0415 - `hsct --help` stays fast
    from hsct.knowledge.labels import STATUS_LABELS  # noqa: PLC0415

    ruleset = result.ruleset
    status = ""
    if result.facility is not None:
        status = f" [{STATUS_LABELS[result.facility.status.value or 'programme_not_confirmed']}]"
    console.print(f"  {ruleset.short_title}{status}: {VERDICT_WORDS[result.verdict]}", markup=False)
    if result.verdict in ("unavailable", "no_checkable_criteria") or (
        result.verdict != result.criteria_verdict
    ):
        console.print(f"    {result.summary}", markup=False)
    for caution in result.cautions:
        if caution.id.startswith("status_"):
            continue  # the verdict already says it
        console.print(f"    caution: {caution.message}", markup=False)
    for criterion in result.criteria:
        if not show_all and criterion.status in ("met", "not_applicable", "clinic"):
            continue
        text = describe(criterion.criterion).text
        console.print(
            f"    {MARKS[criterion.status]} {text} ({criterion.strength}): {criterion.reason}",
            markup=False,
        )
        if criterion.citation is not None:
            cite = criterion.citation
            console.print(f"        source: {cite.label} ({cite.date})", markup=False)
    if result.needs:
        needed = "; ".join(str(n.message) for n in result.needs)
        console.print(f"    would help: {needed}", markup=False)
    _print_window(console, result)


def _print_window(console: Console, result: RuleSetResult) -> None:
    window = result.window
    if window is None or not window.reasons:
        return
    dates = []
    if window.unknown:
        dates.append("earliest date not known: ask the clinic")
    elif window.earliest and window.later:
        dates.append(f"earliest {window.earliest.isoformat()}")
    if window.until:
        dates.append(f"criteria met until {window.until.isoformat()}")
    if dates:
        console.print(f"    dates: {', '.join(dates)}", markup=False)
    for reason in window.reasons:
        console.print(f"      - {reason}", markup=False)


def assess_command(
    profile: Annotated[Path, typer.Argument(help="Profile file (.json or .toml).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the assessment as JSON.")] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="Show every criterion, not only unmet and unknown.")
    ] = False,
) -> None:
    """Check a profile against every guideline, trial and clinic, criterion by criterion.

    Information, not a decision: the treating team decides whom it treats.
    """
    from hsct.eligibility import evaluate, parse_profile  # noqa: PLC0415 - `hsct --help` stays fast
    from hsct.eligibility.derive import shown  # noqa: PLC0415
    from hsct.eligibility.export import assessment_dict  # noqa: PLC0415
    from hsct.knowledge import load_catalog  # noqa: PLC0415
    from hsct.knowledge.labels import PARAMETER_LABELS, STATUS_LABELS  # noqa: PLC0415

    data = read_profile_file(profile)  # a bad file is reported before the slow catalog load
    catalog = load_catalog()
    try:
        parsed = parse_profile(data, catalog)
    except InvalidInput as exc:  # name where in the file the problem is
        raise profile_errors("PROFILE", exc) from None
    assessment = evaluate(parsed, catalog)
    if as_json:
        stdout().print(
            json.dumps(assessment_dict(assessment, catalog), indent=2, ensure_ascii=False),
            markup=False,
        )
        return
    console = stdout()
    console.print(f"Assessment for {assessment.day.isoformat()}. {assessment.disclaimer}")
    _print_top(console, assessment)
    facts = [
        f"{PARAMETER_LABELS[d.parameter]} {shown(d)}"
        for d in assessment.facts.values.values()
        if shown(d) is not None
    ]
    console.print("What your answers show: " + "; ".join(facts) + ".", markup=False)
    fits = assessment.fits
    console.print(
        f"\nClinics whose published criteria your answers meet: {len(fits)}"
        + (f" ({', '.join(r.ruleset.short_title for r in fits)})" if fits else ""),
        markup=False,
    )
    for title, results in (
        ("Guidelines", assessment.guidelines),
        ("Clinical trials", assessment.trials),
        ("Clinics, best match first", assessment.checked_facilities),
    ):
        console.print(f"\n{title}:")
        for result in results:
            _print_ruleset(console, result, show_all)
    unchecked = [r.ruleset.short_title for r in assessment.unchecked_facilities]
    unchecked += [f.name for f in assessment.unassessed_open]
    if unchecked:
        console.print(
            "\nPublishes no criteria we can check, ask them: " + "; ".join(unchecked),
            markup=False,
        )
    if assessment.unavailable_facilities or assessment.unassessed_closed:
        console.print("\nNot an option now (closed, or MS programme not confirmed):")
        for result in assessment.unavailable_facilities:
            console.print(f"  {result.ruleset.short_title}: {result.summary}", markup=False)
        for facility in assessment.unassessed_closed:
            label = STATUS_LABELS[facility.status.value or "programme_not_confirmed"]
            console.print(f"  {facility.name}: {label}", markup=False)


def _print_top(console: Console, assessment: Assessment) -> None:
    """Risks, advice and drug timing: once, before any clinic."""
    from hsct.eligibility.advice import LAB  # noqa: PLC0415 - `hsct --help` stays fast

    risk = assessment.risk
    cite = risk.pooled.citation
    console.print(
        f"Risk: {risk.pooled.headline} {risk.pooled.per_1000_text} ({cite.label}, {cite.date})",
        markup=False,
    )
    yours = [str(f.label) for f in risk.factors if f.applies == "yes"]
    if yours:
        console.print(f"  In your answers, these raise the risk: {'; '.join(yours)}.", markup=False)
    shown: set[str] = set()
    for harm in risk.harms:
        if harm.harm.kind in shown:
            continue
        shown.add(harm.harm.kind)
        console.print(
            f"  {harm.kind}: {harm.message} ({harm.citation.label}, {harm.citation.date})",
            markup=False,
        )
    for statement in assessment.advice:
        cite = statement.citation
        console.print(f"! {statement.message} ({cite.label}, {cite.date})", markup=False)
    for timing in assessment.drug_timing:
        console.print(f"\nYour drug {timing.drug_name}:", markup=False)
        for line in timing.answer:
            console.print(f"  {line}", markup=False)
        if timing.general_citation is not None:
            cite = timing.general_citation
            console.print(f"    source: {cite.label} ({cite.date})", markup=False)
        for lab in timing.lab_conditions:
            params = {"test": lab.test, "minimum": lab.minimum_per_mm3}
            console.print(f"  {Message(LAB, params)}", markup=False)
        for warning in timing.warnings:
            cite = warning.citation
            console.print(f"  ! {warning.message} ({cite.label}, {cite.date})", markup=False)
