"""Clinic-supplied questionnaires: definitions checked, scored by their own rules.

The instrument here is invented for the tests (its words are ours): no licensed
instrument's text is in this repository, and a test below keeps it so.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hsct.common.errors import InvalidInput
from hsct.outcomes.instruments import (
    LICENSED_NAMES,
    instrument_parse,
    instrument_score,
    instruments_load,
)

ROOT = Path(__file__).resolve().parents[2]

#: Three made-up walking questions, 1 (no trouble) to 5 (cannot), summed and put on 0-100
#: like a summed walking scale: (sum - 3) / 12 * 100; and a mean "mood" pair.
DEFINITION: dict[str, Any] = {
    "id": "test-steps",
    "name": "Test steps scale",
    "version": "0.1",
    "language": "en",
    "source": "Invented for the test suite",
    "attestation": {
        "licence": "none needed (invented)",
        "holder": "Test clinic",
        "date": "2026-12-01",
    },
    "items": [
        *(
            {
                "id": f"w{n}",
                "text": f"Invented walking question {n}",
                "options": [{"code": c, "label": f"answer {c}", "value": c} for c in range(1, 6)],
            }
            for n in (1, 2, 3)
        ),
        *(
            {
                "id": f"m{n}",
                "text": f"Invented mood question {n}",
                "options": [{"code": c, "label": f"answer {c}", "value": c * 25} for c in range(5)],
            }
            for n in (1, 2)
        ),
    ],
    "scales": [
        {
            "key": "walking",
            "label": "Walking",
            "items": ["w1", "w2", "w3"],
            "method": "sum",
            "min_answered": 2,
            "transform": {"add": -3, "multiply": 100 / 12},
        },
        {"key": "mood", "label": "Mood", "items": ["m1", "m2"], "method": "mean"},
    ],
}


def scores(answers: dict[str, int]) -> dict[str, Any]:
    return instrument_score(instrument_parse(DEFINITION), answers=answers)["scales"]


def test_sum_scale_with_transform() -> None:
    # (1 + 1 + 1 - 3) * 100 / 12 = 0; (5 + 5 + 5 - 3) * 100 / 12 = 100; (2 + 3 + 4 - 3) = 6 -> 50
    assert scores({"w1": 1, "w2": 1, "w3": 1})["walking"]["score"] == 0
    assert scores({"w1": 5, "w2": 5, "w3": 5})["walking"]["score"] == 100
    assert scores({"w1": 2, "w2": 3, "w3": 4})["walking"]["score"] == 50


def test_missing_items_are_prorated_then_unknown_below_the_minimum() -> None:
    # 2 of 3 answered: (2 + 4) * 3 / 2 = 9; (9 - 3) * 100 / 12 = 50
    assert scores({"w1": 2, "w3": 4})["walking"] == {"score": 50.0, "answered": 2, "items": 3}
    assert scores({"w1": 2})["walking"] == {"score": None, "answered": 1, "items": 3}


def test_mean_scale_needs_every_item_by_default() -> None:
    assert scores({"m1": 0, "m2": 4})["mood"]["score"] == 50  # (0 + 100) / 2
    assert scores({"m1": 4})["mood"]["score"] is None


def test_bad_answers_are_named() -> None:
    with pytest.raises(InvalidInput) as exc:
        scores({"w1": 9, "zz": 1, "m1": True})  # type: ignore[dict-item]
    assert set(exc.value.fields) == {"answers.w1", "answers.zz", "answers.m1"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "rand36"}, "definition"),
        ({"id": "Bad Id"}, "definition.id"),
        ({"attestation": None}, "definition.attestation"),
        (
            {"scales": [{"key": "x", "label": "X", "items": ["nope"], "method": "sum"}]},
            "definition",
        ),
        ({"items": []}, "definition.items"),
    ],
)
def test_bad_definitions_are_refused(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        instrument_parse({**DEFINITION, **change})
    assert any(f == field or f.startswith(field + ".") for f in exc.value.fields)


@given(st.dictionaries(st.sampled_from(["w1", "w2", "w3"]), st.integers(1, 5)))
def test_walking_stays_on_its_scale(answers: dict[str, int]) -> None:
    score = scores(answers)["walking"]["score"]
    if len(answers) < 2:
        assert score is None
    else:
        assert 0 <= score <= 100


def test_a_folder_of_definitions_loads_and_names_bad_files(tmp_path: Path) -> None:
    (tmp_path / "steps.json").write_text(json.dumps(DEFINITION))
    assert list(instruments_load(tmp_path)) == ["test-steps"]
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.json").write_text("{")
    with pytest.raises(InvalidInput) as exc:
        instruments_load(bad)
    assert exc.value.fields == ("broken.json",)


def test_no_licensed_instrument_is_defined_in_the_repository() -> None:
    """Definitions of EQ-5D, MSIS-29, MSWS-12, PROMIS/Neuro-QoL or MSQOL-54 are supplied by a
    licensed clinic at run time, never committed: no tracked data file holds a definition
    (an attestation) naming one."""
    files = subprocess.run(
        ["git", "ls-files", "*.json", "*.yaml", "*.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    offending = []
    for name in files:
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace").casefold()
        if '"attestation"' in text and any(licensed in text for licensed in LICENSED_NAMES):
            offending.append(name)
    assert offending == []
