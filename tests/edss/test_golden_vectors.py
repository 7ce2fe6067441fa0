"""Every vector of the dossier's golden file, with its source, scores as published."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hsct.edss import BedStatus, score, score_many
from hsct.edss._alternatives import alternatives
from hsct.edss._rules import counts_of
from hsct.edss._score import counted_grade
from hsct.edss._tables import FS_KEYS

VECTORS = Path(__file__).parent / "data" / "edss_vectors.csv"
#: Non-standard ambulation codes 13-16 (adobrasinovic/atiweb) are Kurtzke's bed steps.
EXTENSION_CODES = {
    13: BedStatus.BED_MUCH_OF_DAY,
    14: BedStatus.HELPLESS_IN_BED,
    15: BedStatus.TOTALLY_HELPLESS,
    16: BedStatus.DEATH_DUE_TO_MS,
}


def _rows() -> list[dict[str, str]]:
    with VECTORS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


ROWS = _rows()


def _inputs(row: dict[str, str]) -> dict[str, Any]:
    values = [int(row[column]) for column in ("V", "BS", "P", "C", "S", "BB", "Cb")]
    inputs: dict[str, Any] = dict(zip(FS_KEYS, values, strict=True))
    code = int(row["AS"])
    if code in EXTENSION_CODES:
        inputs.update(ambulation_score=12, bed_status=EXTENSION_CODES[code])
    else:
        inputs["ambulation_score"] = code
    return inputs


def _listed(notes: str, name: str) -> float | str | None:
    """The value the notes give for implementation ``name``; "absent" when not listed."""
    match = re.search(rf"{name}=(NA|\d+(?:\.\d+)?)", notes)
    if match is None:
        return "absent"
    return None if match.group(1) == "NA" else float(match.group(1))


def test_the_golden_file_is_complete() -> None:
    """143 vectors: 95 from implementation test suites, 12 from Kurtzke, 36 derived."""
    prefixes = [row["id"][0] for row in ROWS]

    assert (prefixes.count("T"), prefixes.count("K"), prefixes.count("D")) == (95, 12, 36)
    assert all(row["source"] for row in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[row["id"] for row in ROWS])
def test_vector(row: dict[str, str]) -> None:
    """The default (Neurostatus) mode gives the expected EDSS, and so does bulk scoring."""
    inputs = _inputs(row)

    result = score(**inputs)

    assert result.value == float(row["EDSS"])
    if int(row["AS"]) <= 12:
        grades = [[inputs[key] for key in FS_KEYS]]
        assert score_many(grades, [inputs["ambulation_score"]]).tolist() == [float(row["EDSS"])]


KURTZKE_ROWS = [row for row in ROWS if "Kurtzke" in row["notes"]]


@pytest.mark.parametrize("row", KURTZKE_ROWS, ids=[row["id"] for row in KURTZKE_ROWS])
def test_kurtzke_mode_vector(row: dict[str, str]) -> None:
    """Kurtzke mode gives the value the notes state for Kurtzke's definitions."""
    match = re.search(
        r"Kurtzke (?:mode \(Cerebral 1 excluded\) = |cerebral-1 rule=)(\d+\.\d)", row["notes"]
    )
    assert match is not None

    assert score(**_inputs(row), mode="kurtzke").value == float(match.group(1))


OTHER_ROWS = [row for row in ROWS if row["id"][0] in "TD" and int(row["AS"]) <= 12]


@pytest.mark.parametrize("row", OTHER_ROWS, ids=[row["id"] for row in OTHER_ROWS])
def test_other_calculators_as_the_dossier_measured_them(row: dict[str, str]) -> None:
    """The modelled jirimotyl and MSpectrum readings give what the notes record (or agree)."""
    inputs = _inputs(row)
    counts = counts_of([counted_grade(k, inputs[k], "neurostatus") for k in FS_KEYS])
    readings = {
        alt.reading: alt.value
        for alt in alternatives(
            counts,
            cerebral=inputs["cerebral"],
            score=inputs["ambulation_score"],
            mode="neurostatus",
        )
    }
    expected = float(row["EDSS"])

    for reading, name in (("jirimotyl", "jirimotyl"), ("mspectrum", "MSpectrum")):
        listed = _listed(row["notes"], name)
        assert readings[reading] == (expected if listed == "absent" else listed), reading


@pytest.mark.parametrize("row", OTHER_ROWS, ids=[row["id"] for row in OTHER_ROWS])
def test_contested_flag_matches_the_notes(row: dict[str, str]) -> None:
    """Rows where the notes name a disagreeing calculator are contested; the rest are only
    contested by the Kurtzke reading (cerebral grade 1, or the AS 1 floor)."""
    result = score(**_inputs(row))
    named = any(_listed(row["notes"], n) != "absent" for n in ("jirimotyl", "MSpectrum"))

    if named:
        assert result.contested
        assert {alt.reading for alt in result.alternatives} & {"jirimotyl", "mspectrum"}
    else:
        assert {alt.reading for alt in result.alternatives} <= {"kurtzke"}


def test_extension_codes_are_bed_statuses() -> None:
    """AS 13-16 in other tools are Kurtzke's 8.5, 9.0, 9.5 and 10, entered as bed status."""
    values = [
        score(ambulation_score=12, bed_status=status).value for status in EXTENSION_CODES.values()
    ]

    assert values == [8.5, 9.0, 9.5, 10.0]


def test_bulk_scoring_matches_for_every_vector_at_once() -> None:
    """One call with all rows gives every expected value."""
    rows = [row for row in ROWS if int(row["AS"]) <= 12]
    grades = np.array(
        [[int(row[c]) for c in ("V", "BS", "P", "C", "S", "BB", "Cb")] for row in rows]
    )
    scores = np.array([int(row["AS"]) for row in rows])

    assert score_many(grades, scores).tolist() == [float(row["EDSS"]) for row in rows]
