"""The user guide documents every rule and every contested reading the code uses."""

from __future__ import annotations

from pathlib import Path

from hsct.edss import RULES
from hsct.edss._alternatives import AMBIGUITY_TEXT

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "user-guide" / "edss.md"


def test_every_rule_is_in_the_guide_with_its_step() -> None:
    """Each rule id appears in the guide's table with the same step."""
    text = GUIDE.read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip().strip("`"): line
        for line in text.splitlines()
        if line.startswith("| `fs.")
    }

    assert sorted(rows) == sorted(rule.id for rule in RULES)
    for rule in RULES:
        step = "0" if rule.step == 0 else f"{rule.step:.1f}"
        assert f"| {step} |" in rows[rule.id], rule.id


def test_every_contested_reading_is_explained() -> None:
    """Each ambiguity the results can cite has a row in the guide."""
    text = GUIDE.read_text(encoding="utf-8")

    assert [key for key in AMBIGUITY_TEXT if f"| {key} |" not in text] == []
