"""``hsct edss``: the EDSS calculator on the command line."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from hsct.cli.console import stdout

if TYPE_CHECKING:
    from rich.console import Console

    from hsct.edss import EdssResult


class ModeChoice(StrEnum):
    """Scoring rules."""

    NEUROSTATUS = "neurostatus"
    KURTZKE = "kurtzke"


# The calculator's own choices, repeated here so that `hsct --help` does not import the
# calculator (its rules and tables: about 35 ms); tests/cli/test_edss_cli.py keeps them equal.
class WheelchairChoice(StrEnum):
    """Wheelchair use (hsct.edss.Wheelchair)."""

    INDEPENDENT = "independent"
    WITH_HELP = "with_help"


class BedStatusChoice(StrEnum):
    """Kurtzke's steps 8.0 to 10 (hsct.edss.BedStatus)."""

    BED_OR_CHAIR = "bed_or_chair"
    BED_MUCH_OF_DAY = "bed_much_of_day"
    HELPLESS_IN_BED = "helpless_in_bed"
    TOTALLY_HELPLESS = "totally_helpless"
    DEATH_DUE_TO_MS = "death_due_to_ms"


def _grade(name: str, top: int) -> object:
    return typer.Option(min=0, max=top, help=f"{name} grade (0-{top}).", show_default=False)


def edss_command(
    *,
    visual: Annotated[int | None, _grade("Visual", 6)] = None,
    brainstem: Annotated[int | None, _grade("Brainstem", 5)] = None,
    pyramidal: Annotated[int | None, _grade("Pyramidal", 6)] = None,
    cerebellar: Annotated[int | None, _grade("Cerebellar", 5)] = None,
    sensory: Annotated[int | None, _grade("Sensory", 6)] = None,
    bowel_bladder: Annotated[int | None, _grade("Bowel and bladder", 6)] = None,
    cerebral: Annotated[int | None, _grade("Cerebral", 5)] = None,
    ambulation_score: Annotated[
        int | None, typer.Option(min=0, max=12, help="Neurostatus Ambulation Score (0-12).")
    ] = None,
    walk_unaided: Annotated[
        float | None,
        typer.Option(
            min=0, metavar="METRES", help="Furthest walk without aid or rest (AFO is no aid)."
        ),
    ] = None,
    walk_one_aid: Annotated[
        float | None,
        typer.Option(min=0, metavar="METRES", help="Furthest walk with help on one side."),
    ] = None,
    walk_two_aids: Annotated[
        float | None,
        typer.Option(min=0, metavar="METRES", help="Furthest walk with help on both sides."),
    ] = None,
    unrestricted: Annotated[
        bool | None,
        typer.Option(
            "--unrestricted/--not-unrestricted",
            help="Walks as far as healthy people of the same age.",
            show_default=False,
        ),
    ] = None,
    wheelchair: Annotated[
        WheelchairChoice | None,
        typer.Option(help="Wheelchair use, when 5 m cannot be walked even with aids."),
    ] = None,
    bed_status: Annotated[
        BedStatusChoice | None, typer.Option(help="Kurtzke steps 8.0-10.")
    ] = None,
    other: Annotated[
        int | None, typer.Option(min=0, max=1, help="Kurtzke 'Other' FS (0/1).")
    ] = None,
    mode: Annotated[ModeChoice, typer.Option(help="Scoring rules.")] = ModeChoice.NEUROSTATUS,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
) -> None:
    """Compute the EDSS from functional-system grades and walking, with every step explained.

    Leave out what is not known: the result is then the range still possible.
    """
    from hsct.edss import BedStatus, WalkingFacts, Wheelchair, score  # noqa: PLC0415 - fast start

    facts = WalkingFacts(
        unrestricted=unrestricted,
        unaided_m=walk_unaided,
        one_aid_m=walk_one_aid,
        two_aids_m=walk_two_aids,
        wheelchair=None if wheelchair is None else Wheelchair(wheelchair.value),
    )
    result = score(
        visual=visual,
        brainstem=brainstem,
        pyramidal=pyramidal,
        cerebellar=cerebellar,
        sensory=sensory,
        bowel_bladder=bowel_bladder,
        cerebral=cerebral,
        ambulation_score=ambulation_score,
        walking=None if facts.is_empty else facts,
        bed_status=None if bed_status is None else BedStatus(bed_status.value),
        other=other,
        mode=mode.value,
    )
    console = stdout()
    if as_json:
        console.print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False), markup=False)
        return
    print_result(console, result)


def print_result(console: Console, result: EdssResult) -> None:
    """The result as readable text: value, rule, contested readings, warnings, steps, sources."""
    from hsct.edss import format_step  # noqa: PLC0415 - fast start

    console.print(f"[bold]EDSS {result.display}[/bold] ({result.mode} mode)")
    console.print(str(result.rule), markup=False)
    if result.contested:
        console.print("\n[bold]Contested[/bold]: published calculators disagree here.")
        for alt in result.alternatives:
            value = "no result" if alt.value is None else format_step(alt.value)
            console.print(f"  - {alt.name}: {value}. {alt.reason}", markup=False)
    if result.warnings:
        console.print("\n[bold]Worth checking[/bold]")
        for finding in result.warnings:
            console.print(f"  - {finding.message}", markup=False)
    console.print("\n[bold]How it was worked out[/bold]")
    for number, step in enumerate(result.explanation, start=1):
        console.print(f"  {number}. {step}", markup=False)
    console.print("\n[bold]Sources[/bold]")
    for source in result.sources:
        link = f" {source.link}" if source.link else ""
        console.print(f"  - {source.label} ({source.date}){link}", markup=False)
