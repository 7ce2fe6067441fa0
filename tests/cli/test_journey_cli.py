"""``hsct journey``: readable plan, JSON, calendar file, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from icalendar import Calendar

from tests.cli.test_cli import run_hsct

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ARGS = (
    "journey",
    "--facility",
    "moscow-pirogov",
    "--admission",
    "2027-03-01",
    "--today",
    "2026-11-23",
)


def test_plan_prints_key_dates_and_sources(tmp_path: Path) -> None:
    """First line: admission, day 0, discharge; steps with their sources."""
    result = run_hsct(*ARGS, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].endswith(
        "admission 2027-03-01, day 0 2027-03-13, discharge 2027-03-30, home 2027-03-30."
    )
    assert "source: hsct-russia.com: stages of treatment" in result.stdout


def test_json_and_calendar_file(tmp_path: Path) -> None:
    """--json prints the timeline; --ics writes a calendar with the same events."""
    result = run_hsct(*ARGS, "--json", "--ics", "plan.ics", cwd=tmp_path)

    body = json.loads(result.stdout)
    events = list(Calendar.from_ical((tmp_path / "plan.ics").read_bytes()).walk("VEVENT"))
    assert len(events) == len(body["milestones"])


def test_profile_file_gives_washouts(tmp_path: Path) -> None:
    """The TOML example stopped alemtuzumab on 23 Sep 2026: too early for a 1 Mar admission."""
    result = run_hsct(*ARGS, "--profile", str(EXAMPLES / "profile.toml"), cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: --admission: admission on 2027-03-01 is before the alemtuzumab washout ends "
        "on 2027-03-23 (allowed: on or after 2027-03-23)"
    )


def test_bad_date(tmp_path: Path) -> None:
    """A typo in a date names the option."""
    result = run_hsct(
        "journey", "--facility", "moscow-pirogov", "--admission", "2027-02-30", cwd=tmp_path
    )

    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "Error: --admission: '2027-02-30' is not a date (allowed: YYYY-MM-DD)"
    )
