"""``hsct assess profile.json``: readable output, JSON, TOML, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import run_hsct

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_readable_output_names_verdicts_reasons_and_sources(tmp_path: Path) -> None:
    """EDSS 7.0: Moscow's limit is named with its source; the disclaimer comes first."""
    result = run_hsct("assess", str(EXAMPLES / "profile.json"), cwd=tmp_path)

    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert lines[0].startswith("Assessment for 2026-11-23. This compares your answers")
    moscow = next(i for i, line in enumerate(lines) if line.startswith("  National Pirogov"))
    assert lines[moscow].endswith("does not meet the published criteria")
    assert "EDSS: 7.0, above this clinic's limit of 6.5." in "\n".join(lines[moscow : moscow + 6])


def test_json_output_matches_the_api_shape(tmp_path: Path) -> None:
    """--json: verdicts, criteria with source ids, and the sources table."""
    result = run_hsct("assess", str(EXAMPLES / "profile.json"), "--json", cwd=tmp_path)

    body = json.loads(result.stdout)
    moscow = next(f for f in body["facilities"] if f["id"] == "moscow-pirogov")
    assert moscow["verdict"] == "does_not_meet"
    assert moscow["source"] in body["sources"]
    assert body["as_of"] == "2026-11-23"


def test_toml_profiles_work_too(tmp_path: Path) -> None:
    """The TOML example reads the same fields (dates as TOML dates, brand names)."""
    result = run_hsct("assess", str(EXAMPLES / "profile.toml"), "--json", cwd=tmp_path)

    body = json.loads(result.stdout)
    assert [t["drug"] for t in body["profile"]["treatments"]] == [
        "dimethyl-fumarate",
        "alemtuzumab",
    ]


def test_bad_field_is_named_on_one_line(tmp_path: Path) -> None:
    """An impossible EDSS: exit 1, the field and the allowed values."""
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"edss": 4.3}), encoding="utf-8")

    result = run_hsct("assess", str(profile), cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith(
        "Error: PROFILE: edss: not a value of the EDSS (allowed: 0, 1.0"
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_malformed_json_gives_line_and_column(tmp_path: Path) -> None:
    """A missing comma is reported where it is."""
    profile = tmp_path / "p.json"
    profile.write_text('{"edss": 4.0\n "ms_type": "RRMS"}', encoding="utf-8")

    result = run_hsct("assess", str(profile), cwd=tmp_path)

    assert result.returncode == 1
    assert "is not valid JSON at line 2, column 2" in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    """A wrong path is one line, exit 1."""
    result = run_hsct("assess", "nope.json", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith("Error: PROFILE: cannot read 'nope.json'")


def test_closed_and_unchecked_clinics_are_listed_apart(tmp_path: Path) -> None:
    """Text output: fits counted, then clinics to ask, then clinics that are not an option."""
    profile = tmp_path / "p.json"
    profile.write_text(
        json.dumps(
            {
                "as_of": "2026-11-23",
                "age": 35,
                "ms_type": "RRMS",
                "edss": 3.0,
                "relapses": [{"date": "2026-03-01"}, {"date": "2026-09-01"}],
                "mri": [{"date": "2026-09-15", "gd_enhancing": 2, "new_t2": 3}],
                "treatments": [{"drug": "natalizumab", "start": "2024-01-01"}],
            }
        ),
        encoding="utf-8",
    )
    result = run_hsct("assess", str(profile), cwd=tmp_path)

    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "  ! Stopping natalizumab can bring MS activity back" in out
    assert "\nPublishes no criteria we can check, ask them: " in out
    assert "Jerusalem" not in out.split("Clinics, best match first:")[1].split("Publishes")[0]
    closed = out.split("Not an option now (closed, or MS programme not confirmed):")[1]
    assert (
        "Northwestern University, Division of Immunotherapy (Dr Richard Burt): Not an option"
        in closed
    )
    assert out.index("Stopping natalizumab") < out.index("Guidelines:")


def test_the_risk_of_death_comes_right_after_the_disclaimer(tmp_path: Path) -> None:
    """Line two states the pooled risk with its interval and source."""
    result = run_hsct("assess", str(EXAMPLES / "profile.json"), cwd=tmp_path)

    second = result.stdout.splitlines()[1]
    assert second.startswith("Risk: Risk of dying from the treatment: about 2 in 100 people")
    assert "Sormani" in second
