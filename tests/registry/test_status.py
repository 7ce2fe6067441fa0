"""The status of a record, from its entries (pure: no database), with exact expected values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hsct.registry.status import engine_rows, record_status

D = dt.date.fromisoformat
TODAY = D("2026-12-02")


def edss(day: str, value: float, rater: str = "neurologist") -> tuple[str, dt.date, dict[str, Any]]:
    return ("edss", D(day), {"date": day, "value": value, "rater": rater})


def mri(day: str, **counts: int) -> tuple[str, dt.date, dict[str, Any]]:
    return ("mri", D(day), {"date": day, **counts})


def transplant(day: str) -> tuple[str, dt.date, dict[str, Any]]:
    return ("transplant", D(day), {"date": day})


def test_nothing_after_day_0_is_not_yet_known_never_kept() -> None:
    status = record_status([transplant("2026-03-01"), edss("2026-02-01", 3.0)], today=TODAY)
    assert status.neda_kept is None
    assert status.neda_years is None
    assert status.neda_known_until is None
    assert [c.last_assessed for c in status.components] == [None, None, None]
    assert status.five_year_state == "ahead"
    assert status.to_dict()["neda3"]["kept"] is None


def test_kept_past_five_years_is_reached() -> None:
    entries = [transplant("2019-01-10"), edss("2019-01-01", 4.0)]
    entries += [edss(f"{y}-02-01", 3.5) for y in range(2020, 2027)]
    entries += [mri(f"{y}-02-03", new_t2=0, gd_enhancing=0) for y in range(2020, 2027)]
    status = record_status(entries, today=TODAY)
    assert status.neda_kept is True
    assert status.neda_known_until == D("2026-02-01")  # the earlier of last visit and last scan
    assert status.five_year_date == D("2024-01-10")
    assert status.five_year_state == "reached"


def test_lost_after_seven_years_is_lost_after_the_mark() -> None:
    entries = [transplant("2019-01-10"), edss("2019-01-01", 4.0)]
    entries += [edss(f"{y}-02-01", 3.5) for y in range(2020, 2027)]
    entries += [mri(f"{y}-02-03", new_t2=0, gd_enhancing=0) for y in range(2020, 2026)]
    entries += [mri("2026-02-03", new_t2=1, gd_enhancing=0)]
    status = record_status(entries, today=TODAY)
    assert status.neda_kept is False
    assert status.neda_lost_on == D("2026-02-03")
    assert status.neda_lost_by == ("mri",)
    assert status.five_year_state == "lost_after"


def test_five_years_passed_without_assessments_is_to_confirm() -> None:
    entries = [transplant("2019-01-10"), edss("2019-01-01", 4.0), edss("2020-02-01", 3.5)]
    entries += [mri("2020-02-03", new_t2=0, gd_enhancing=0)]
    status = record_status(entries, today=TODAY)
    assert status.neda_kept is True
    assert status.neda_known_until == D("2020-02-01")
    assert status.five_year_state == "to_confirm"
    mri_part = status.components[1]
    assert mri_part.missing is not None
    assert str(mri_part.missing) == (
        "No MRI since 2020-02-03: NEDA cannot be confirmed after that date."
    )


def test_rows_keep_the_best_rater_and_only_scans_that_can_show_activity() -> None:
    rows = engine_rows(
        [
            edss("2021-01-01", 3.0, "self"),
            edss("2021-01-01", 3.5, "nurse"),
            edss("2021-01-01", 2.5, "unknown"),
            mri("2021-02-01", new_t2=0),  # one count, zero: cannot show NEDA
            mri("2021-03-01", gd_enhancing=2),  # one count above 0: activity
            mri("2021-04-01"),
            mri("2021-05-01", new_t2=0, gd_enhancing=0),
        ]
    )
    assert rows.visits == [{"date": "2021-01-01", "edss": 3.5}]
    assert rows.mri == [
        {"date": "2021-03-01", "gd_enhancing": 2, "new_t2": 0},
        {"date": "2021-05-01", "gd_enhancing": 0, "new_t2": 0},
    ]
    assert rows.unusable_scans == [D("2021-02-01"), D("2021-04-01")]
