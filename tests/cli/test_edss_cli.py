"""``hsct edss``: scores, walking, JSON, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run_hsct


def test_full_scores_print_value_rule_steps_and_sources(tmp_path: Path) -> None:
    """Readable output: value, rule, contested readings, steps, sources."""
    result = run_hsct(
        "edss",
        "--visual",
        "2",
        "--brainstem",
        "1",
        "--pyramidal",
        "3",
        "--cerebellar",
        "2",
        "--sensory",
        "1",
        "--bowel-bladder",
        "1",
        "--cerebral",
        "0",
        "--ambulation-score",
        "1",
        cwd=tmp_path,
    )

    lines = result.stdout.splitlines()
    assert result.returncode == 0
    assert lines[:2] == [
        "EDSS 3.5 (neurostatus mode)",
        "One functional system is at grade 3 and one or two are at grade 2: step 3.5.",
    ]
    assert "  3. The EDSS is the higher of the two: 3.5." in lines
    assert any(line.startswith("  - Kurtzke JF.") for line in lines)


def test_walking_alone(tmp_path: Path) -> None:
    """`--walk-unaided 250` settles the EDSS at 5.0."""
    result = run_hsct("edss", "--walk-unaided", "250", cwd=tmp_path)

    assert result.stdout.splitlines()[0] == "EDSS 5.0 (neurostatus mode)"


def test_json_output(tmp_path: Path) -> None:
    """`--json` prints the full result, parseable."""
    result = run_hsct("edss", "--walk-unaided", "400", "--not-unrestricted", "--json", cwd=tmp_path)

    body = json.loads(result.stdout)
    assert (body["low"], body["high"], body["ambulation_score"]) == (4.5, 5.0, 2)


def test_kurtzke_mode(tmp_path: Path) -> None:
    """`--mode kurtzke` ignores cerebral grade 1."""
    result = run_hsct(
        "edss",
        "--cerebral",
        "1",
        "--visual",
        "0",
        "--brainstem",
        "0",
        "--pyramidal",
        "0",
        "--cerebellar",
        "0",
        "--sensory",
        "0",
        "--bowel-bladder",
        "0",
        "--ambulation-score",
        "0",
        "--mode",
        "kurtzke",
        cwd=tmp_path,
    )

    assert result.stdout.splitlines()[0] == "EDSS 0 (kurtzke mode)"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(
            ("--visual", "9"),
            2,
            "Error: Invalid value for '--visual': Input should be less than or equal to 6",
            id="range",
        ),
        pytest.param(
            ("--walk-unaided", "100", "--unrestricted"),
            1,
            "Error: --walk-unaided: 100 m contradicts unrestricted walking (allowed: 500 "
            "or more when walking is unrestricted)",
            id="contradiction",
        ),
        pytest.param(
            ("--ambulation-score", "5", "--bed-status", "helpless_in_bed"),
            1,
            "Error: --bed-status: needs ambulation score 12, not 5 (allowed: ambulation "
            "score 12 or empty)",
            id="bed-status",
        ),
    ],
)
def test_errors(tmp_path: Path, args: tuple[str, ...], code: int, message: str) -> None:
    """Bad input is one line naming the option, and a non-zero exit."""
    result = run_hsct("edss", *args, cwd=tmp_path)

    assert (result.returncode, result.stderr) == (code, message + "\n")


def test_the_command_lines_choices_are_the_calculators() -> None:
    """The choices are repeated in hsct.cli.edss so its help does not import the calculator."""
    from hsct.cli.edss import BedStatusChoice, WheelchairChoice  # noqa: PLC0415
    from hsct.edss import BedStatus, Wheelchair  # noqa: PLC0415

    assert [c.value for c in WheelchairChoice] == [c.value for c in Wheelchair]
    assert [c.value for c in BedStatusChoice] == [c.value for c in BedStatus]
