"""Situations people describe on patient forums, as profile files with expected results.

Each file in ``profiles/`` holds a profile, the verdicts expected for some rule sets, and
optionally exact reasons (``ruleset/criterion``) and washout end dates per facility.
The expectations were worked out by hand from the rule sets' published criteria.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hsct.eligibility import Assessment, evaluate, parse_profile
from hsct.knowledge import load_catalog

PROFILES = sorted((Path(__file__).parent / "profiles").glob("*.json"))


def load(path: Path) -> tuple[dict[str, Any], Assessment]:
    """The case file and the assessment of its profile."""
    case = json.loads(path.read_text(encoding="utf-8"))
    return case, evaluate(parse_profile(case["profile"]), load_catalog())


def test_there_are_forum_cases() -> None:
    """The six situations from the issue are all here."""
    assert len(PROFILES) >= 6


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_expected_verdicts(path: Path) -> None:
    """Each named rule set gets the verdict worked out by hand.

    ``criteria_expect`` holds what the criteria alone say where the verdict differs (a
    closed trial is "unavailable" whatever its criteria say).
    """
    case, assessment = load(path)
    found = {r.ruleset.id: r.verdict for r in assessment.results}
    criteria = {r.ruleset.id: r.criteria_verdict for r in assessment.results}

    assert {k: found[k] for k in case["expect"]} == case["expect"]
    expected = case.get("criteria_expect", {})
    assert {k: criteria[k] for k in expected} == expected


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_expected_reasons(path: Path) -> None:
    """Reasons read as written in the case file; every case names at least one."""
    case, assessment = load(path)
    results = {r.ruleset.id: r for r in assessment.results}

    assert case["reasons"], f"{path.name} names no reason to check"
    for key, expected in case["reasons"].items():
        ruleset, criterion = key.split("/")
        found = next(c for c in results[ruleset].criteria if c.id == criterion)
        assert str(found.reason) == expected


def test_alemtuzumab_washouts_differ_between_moscow_and_mexico() -> None:
    """Stopped 23 Sep 2026: Moscow asks 6 months (23 Mar 2027), Puebla 3 (23 Dec 2026)."""
    case, assessment = load(Path(__file__).parent / "profiles" / "alemtuzumab-two-months.json")
    results = {r.ruleset.id: r for r in assessment.facilities}

    for facility, ends in case["washout_ends"].items():
        window = results[facility].window
        assert window is not None
        found = {w.drug: w.ends.isoformat() for w in window.washouts if w.ends}
        assert {k: found[k] for k in ends} == ends
    moscow = results["moscow-pirogov"].window
    assert moscow is not None
    assert moscow.earliest.isoformat() == "2027-03-23"  # type: ignore[union-attr]


def test_edss_7_moscow_is_ranked_below_clinics_that_accept_it() -> None:
    """Clinics whose criteria EDSS 7.0 meets come before Moscow, which it does not."""
    _, assessment = load(Path(__file__).parent / "profiles" / "edss-7-moscow.json")
    order = [r.ruleset.id for r in assessment.facilities]

    assert order.index("puebla-clinica-ruiz") < order.index("moscow-pirogov")
    assert assessment.facilities[0].verdict == "meets"
