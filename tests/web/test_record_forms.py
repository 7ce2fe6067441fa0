"""The record's forms: an entry shown for editing and saved unchanged keeps every field."""

from __future__ import annotations

from typing import Any

import pytest

from hsct.registry.entries import entry_parse
from hsct.web.routes.record import _values, merged_data

STORED: list[tuple[str, dict[str, Any]]] = [
    (
        "edss",
        {
            "date": "2022-02-01",
            "rater": "neurologist",
            "inputs": {
                "visual": 1,
                "brainstem": 1,
                "pyramidal": 2,
                "cerebellar": 1,
                "sensory": 1,
                "bowel_bladder": 1,
                "cerebral": 1,
                "ambulation_score": 2,  # given through the API: no form control for it
                "walking": {"unrestricted": False, "unaided_m": 300.0, "one_aid_m": 100.0},
            },
        },
    ),
    (
        "todo",
        {"date": "2027-09-01", "title": "MRI at 6 months", "category": "mri", "step": "mri-6"},
    ),
    (
        "relapse",
        {"date": "2021-05-01", "symptoms": "numb hand", "steroids": True, "confirmed": False},
    ),
    ("mri", {"date": "2021-06-01", "region": "brain", "new_t2": 0, "gd_enhancing": 1}),
    ("qol", {"date": "2021-06-01", "instrument": "rand36", "answers": {"1": 2, "3": 1}}),
]


@pytest.mark.parametrize(("kind", "stored"), STORED, ids=[k for k, _ in STORED])
def test_saving_the_edit_form_unchanged_keeps_the_entry(kind: str, stored: dict[str, Any]) -> None:
    before = entry_parse(kind=kind, data=stored).data
    form = _values(kind, before)
    after = entry_parse(kind=kind, data=merged_data(kind, before, form)).data
    assert after == before


def test_a_cleared_field_is_cleared() -> None:
    before = entry_parse(kind="relapse", data=STORED[2][1]).data
    form = {**_values("relapse", before), "symptoms": ""}
    assert "symptoms" not in merged_data("relapse", before, form)
