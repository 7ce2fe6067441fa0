"""MRI re-baseline for NEDA, worked by hand.

Every case: time zero (the transplant) on 2020-01-01 = day 0, EDSS visits on days -20, 180,
365, 730 and 1100 with no change (so no CDW, last visit day 1100), no relapse unless named,
and a few scans given as (day, enhancing lesions, new or enlarging T2 lesions).

A month is 365.25 / 12 = 30.4375 days, so the default window (3, 9) months runs from day
91.3125 to day 273.9375: scans on days 92 to 273 are inside it, day 91 is before it and
day 274 after it. Rules (src/hsct/outcomes/neda.py, ``_rebaseline``): the re-baseline scan
is the last scan inside the window, else the first scan after it; activity on it and on
earlier scans does not count, activity on every later scan does; censoring is at the
earlier of the last visit and the last scan after time zero, whatever the re-baseline.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hsct.common.errors import InvalidInput
from hsct.outcomes import (
    REBASELINE_WINDOW_MONTHS,
    NedaOptions,
    build_cohort,
    neda,
    neda_sources,
    parse_options,
)
from tests.cli.test_cli import run_hsct

T0 = dt.date(2020, 1, 1)
VISITS = ((-20, 3.0), (180, 3.0), (365, 3.0), (730, 3.0), (1100, 3.0))
Scan = tuple[int, int, int]

ON = NedaOptions(rebaseline=True)


def day(n: int) -> str:
    return (T0 + dt.timedelta(days=n)).isoformat()


def cohort_of(
    patients: dict[str, tuple[Scan, ...]],
    relapses: dict[str, tuple[int, ...]] | None = None,
    brain_volume: dict[str, tuple[float, ...]] | None = None,
) -> Any:
    """One cohort: the same visits for everyone, scans (and relapses) per patient."""
    ids = list(patients)
    v = pd.DataFrame([{"patient_id": p, "date": day(d), "edss": e} for p in ids for d, e in VISITS])
    r = pd.DataFrame(
        [{"patient_id": p, "date": day(d)} for p, days in (relapses or {}).items() for d in days],
        columns=["patient_id", "date"],
    )
    rows = []
    for p, scans in patients.items():
        volumes = (brain_volume or {}).get(p)
        for i, (d, gd, t2) in enumerate(scans):
            row: dict[str, Any] = {"patient_id": p, "date": day(d), "gd_enhancing": gd}
            row["new_t2"] = t2
            if brain_volume is not None:
                row["brain_volume_change"] = None if volumes is None else volumes[i]
            rows.append(row)
    columns = ["patient_id", "date", "gd_enhancing", "new_t2"]
    if brain_volume is not None:
        columns.append("brain_volume_change")
    m = pd.DataFrame(rows, columns=columns)
    t = pd.DataFrame({"patient_id": ids, "transplant_date": day(0)})
    return build_cohort(v, r, m, t)


def row(
    scans: tuple[Scan, ...],
    options: NedaOptions = ON,
    relapses: tuple[int, ...] = (),
) -> dict[str, Any]:
    out: dict[str, Any] = neda(cohort_of({"p": scans}, {"p": relapses}), options).iloc[0].to_dict()
    return out


def date(value: Any) -> str | None:
    """A timestamp column as YYYY-MM-DD (None for NaT)."""
    return None if pd.isna(value) else str(value)[:10]


def years(days: int) -> float:
    return days / 365.25


# --- which scan is the re-baseline, and which activity counts -------------------------


def test_activity_up_to_the_rebaseline_scan_is_discounted_later_activity_counts() -> None:
    # Scans: day 90 (before the window, active), 180 (inside: re-baseline, active),
    # 365 (clean), 730 (new T2). Event: day 730. Without re-baseline: day 90.
    scans = ((90, 1, 0), (180, 2, 1), (365, 0, 0), (730, 0, 1))
    r = row(scans)
    assert date(r["mri_rebaseline_date"]) == day(180)
    assert r["mri_rebaseline_scan"] == "in window"
    assert r["neda3_lost"]
    assert r["neda3_component"] == "mri"
    assert date(r["neda3_event_date"]) == day(730)
    assert r["neda3_years"] == years(730)
    assert r["mri_event"]
    assert r["mri_years"] == years(730)

    off = row(scans, NedaOptions())
    assert date(off["neda3_event_date"]) == day(90)
    assert "mri_rebaseline_date" not in off  # the columns only come with a re-baseline


def test_the_last_scan_inside_the_window_is_the_rebaseline() -> None:
    # Inside the window: days 95 (clean), 180 (enhancing), 270 (new T2); the last, day 270,
    # is the reference, so 180 and 270 do not count. Next activity: day 800.
    scans = ((95, 0, 0), (180, 1, 0), (270, 0, 2), (400, 0, 0), (800, 0, 1))
    r = row(scans)
    assert date(r["mri_rebaseline_date"]) == day(270)
    assert date(r["neda3_event_date"]) == day(800)
    assert r["neda3_years"] == years(800)


def test_window_edges_are_in_days_of_30_4375() -> None:
    # Day 92 is inside (92 >= 91.3125), day 273 inside (273 <= 273.9375): the re-baseline
    # is day 273 and the enhancing lesion on day 274 is the event.
    r = row(((92, 1, 0), (273, 0, 0), (274, 1, 0), (600, 0, 0)))
    assert date(r["mri_rebaseline_date"]) == day(273)
    assert date(r["neda3_event_date"]) == day(274)
    # Day 91 is before the window and day 274 after it: no scan inside, so day 274 (the
    # first after the window) is the reference, and day 500 is the event.
    r = row(((91, 1, 0), (274, 1, 0), (500, 0, 1)))
    assert date(r["mri_rebaseline_date"]) == day(274)
    assert r["mri_rebaseline_scan"] == "after window"
    assert date(r["neda3_event_date"]) == day(500)


def test_no_scan_in_the_window_takes_the_first_scan_after_it() -> None:
    # Scans: day 60 (before the window, active), 400 (first after it: re-baseline, active),
    # 700 (clean). No event; censored at the last scan, day 700 (visits go on to 1100).
    r = row(((60, 3, 2), (400, 1, 1), (700, 0, 0)))
    assert date(r["mri_rebaseline_date"]) == day(400)
    assert r["mri_rebaseline_scan"] == "after window"
    assert not r["neda3_lost"]
    assert date(r["neda3_censor_date"]) == day(700)
    assert r["neda3_years"] == years(700)
    assert not r["mri_event"]
    assert r["mri_years"] == years(700)
    assert r["durable_remission"] == "not yet known"


def test_scans_only_after_the_window_still_count() -> None:
    # Days 400 (re-baseline, active) and 800 (active): the event is day 800.
    r = row(((400, 1, 0), (800, 1, 0)))
    assert date(r["mri_rebaseline_date"]) == day(400)
    assert date(r["neda3_event_date"]) == day(800)


def test_scans_on_or_before_time_zero_are_neither_reference_nor_activity() -> None:
    # Days -30 and 0 (active) are not after time zero; day 180 is the re-baseline; the
    # event is the enhancing lesion on day 365.
    r = row(((-30, 2, 0), (0, 1, 0), (180, 0, 0), (365, 1, 0)))
    assert date(r["mri_rebaseline_date"]) == day(180)
    assert date(r["neda3_event_date"]) == day(365)


# --- censoring: never at time zero when there are scans after it ----------------------


def test_only_the_rebaseline_scan_censors_at_that_scan_not_time_zero() -> None:
    # One scan, day 180 (active), which is the re-baseline: no MRI event, and the patient
    # was assessed up to day 180, so NEDA-3 and the MRI endpoint are censored there.
    r = row(((180, 2, 3),))
    assert not r["neda3_lost"]
    assert date(r["neda3_censor_date"]) == day(180)
    assert r["neda3_years"] == years(180)
    assert not r["mri_event"]
    assert r["mri_years"] == years(180)


def test_one_scan_after_the_window_censors_at_that_scan() -> None:
    r = row(((400, 1, 0),))
    assert r["mri_rebaseline_scan"] == "after window"
    assert date(r["neda3_censor_date"]) == day(400)
    assert r["mri_years"] == years(400)


def test_scans_only_before_the_window_censor_at_the_last_of_them() -> None:
    # Days 30 (active) and 60 (clean): no re-baseline scan; the day-30 lesion is within the
    # period the re-baseline discounts, so no event; censored at day 60.
    r = row(((30, 1, 1), (60, 0, 0)))
    assert pd.isna(r["mri_rebaseline_date"])
    assert r["mri_rebaseline_scan"] == "none"
    assert not r["neda3_lost"]
    assert date(r["neda3_censor_date"]) == day(60)
    assert r["mri_years"] == years(60)


def test_no_scan_after_time_zero_is_still_censored_at_time_zero() -> None:
    r = row(((-30, 0, 0),))
    assert r["mri_rebaseline_scan"] == "none"
    assert date(r["neda3_censor_date"]) == day(0)
    assert r["neda3_years"] == 0.0
    assert r["mri_years"] == 0.0


# --- the other components and options -------------------------------------------------


def test_relapses_count_from_time_zero_whatever_the_mri_rebaseline() -> None:
    r = row(((180, 0, 0), (365, 0, 0)), relapses=(100,))
    assert r["neda3_component"] == "relapse"
    assert date(r["neda3_event_date"]) == day(100)


def test_brain_volume_on_the_rebaseline_scan_does_not_end_neda4() -> None:
    # Day 180 (re-baseline) has -1.0%/year, day 400 -0.5%/year: NEDA-4 is lost on day 400;
    # NEDA-3 is censored at the last scan, day 400.
    cohort = cohort_of({"p": ((180, 0, 0), (400, 0, 0))}, brain_volume={"p": (-1.0, -0.5)})
    r = neda(cohort, ON).iloc[0].to_dict()
    assert not r["neda3_lost"]
    assert date(r["neda3_censor_date"]) == day(400)
    assert r["neda4_component"] == "brain_volume"
    assert date(r["neda4_event_date"]) == day(400)


def test_a_window_of_its_own() -> None:
    # Window (6, 12) months = days 182.625 to 365.25: day 180 is before it, days 200 and 365
    # inside; the re-baseline is day 365 and the event day 500.
    options = NedaOptions(rebaseline_window_months=(6, 12))
    assert options.window_months() == (6.0, 12.0)
    r = row(((180, 1, 0), (200, 0, 0), (365, 0, 1), (500, 1, 0)), options)
    assert date(r["mri_rebaseline_date"]) == day(365)
    assert date(r["neda3_event_date"]) == day(500)


def test_rebaseline_months_is_the_window_n_n() -> None:
    # The older option: 6 months = day 182.625; the first scan on or after it is day 183.
    # Day 182 (before) and 183 (the reference) do not count; day 400 does.
    options = NedaOptions(parse_options({}), 6)
    assert options.window_months() == (6.0, 6.0)
    r = row(((182, 1, 0), (183, 1, 0), (400, 1, 0)), options)
    assert date(r["mri_rebaseline_date"]) == day(183)
    assert date(r["neda3_event_date"]) == day(400)
    # Its old flaw is gone: a patient whose only scan is the reference is censored there.
    r = row(((183, 1, 0),), options)
    assert date(r["neda3_censor_date"]) == day(183)


def test_default_window_and_sources() -> None:
    assert REBASELINE_WINDOW_MONTHS == (3.0, 9.0)
    assert NedaOptions(rebaseline=True).window_months() == (3.0, 9.0)
    assert NedaOptions().window_months() is None
    labels = [c.label[:8] for c in neda_sources(brain_volume=False, rebaseline=True)]
    assert labels == ["Giovanno", "Das J, S", "Italian "]
    assert len(neda_sources(brain_volume=False)) == 1


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (NedaOptions(rebaseline_window_months=(9, 3)), "rebaseline_window_months"),
        (NedaOptions(rebaseline_window_months=(-1, 3)), "rebaseline_window_months"),
        (NedaOptions(rebaseline_window_months=(3, float("inf"))), "rebaseline_window_months"),
        (NedaOptions(rebaseline_window_months=(3, float("nan"))), "rebaseline_window_months"),
        (NedaOptions(rebaseline_months=-1), "rebaseline_months"),
        (NedaOptions(rebaseline_months=6, rebaseline=True), "rebaseline_months"),
        (NedaOptions(rebaseline_months=6, rebaseline_window_months=(3, 9)), "rebaseline_months"),
    ],
)
def test_bad_windows_are_named(options: NedaOptions, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        neda(cohort_of({"p": ((180, 0, 0),)}), options)
    assert caught.value.fields == (field,)


def test_patients_side_by_side_match_each_alone() -> None:
    """The per-patient picks are whole-column operations: neighbours must not leak."""
    cases: dict[str, tuple[Scan, ...]] = {
        "a": ((90, 1, 0), (180, 2, 1), (365, 0, 0), (730, 0, 1)),
        "b": (),
        "c": ((180, 2, 3),),
        "d": ((60, 3, 2), (400, 1, 1), (700, 0, 0)),
        "e": ((30, 1, 1), (60, 0, 0)),
        "f": ((95, 0, 0), (180, 1, 0), (270, 0, 2), (400, 0, 0), (800, 0, 1)),
    }
    together = neda(cohort_of(cases), ON).set_index("patient_id")
    expected = {  # re-baseline day, event day, censor day
        "a": (180, 730, None),
        "b": (None, None, 0),
        "c": (180, None, 180),
        "d": (400, None, 700),
        "e": (None, None, 60),
        "f": (270, 800, None),
    }
    for pid, (ref, event, censor) in expected.items():
        got = together.loc[pid]
        assert date(got["mri_rebaseline_date"]) == (None if ref is None else day(ref)), pid
        assert date(got["neda3_event_date"]) == (None if event is None else day(event)), pid
        assert date(got["neda3_censor_date"]) == (None if censor is None else day(censor)), pid


# --- the command line and the API carry the options -----------------------------------


def _write_csvs(folder: Path) -> None:
    pd.DataFrame([{"patient_id": "p", "date": day(d), "edss": e} for d, e in VISITS]).to_csv(
        folder / "visits.csv", index=False
    )
    scans = ((180, 2, 1), (400, 0, 0))
    pd.DataFrame(
        [{"patient_id": "p", "date": day(d), "gd_enhancing": g, "new_t2": t} for d, g, t in scans]
    ).to_csv(folder / "mri.csv", index=False)
    pd.DataFrame({"patient_id": ["p"], "transplant_date": [day(0)]}).to_csv(
        folder / "patients.csv", index=False
    )


def test_command_line_rebaseline_options(tmp_path: Path) -> None:
    _write_csvs(tmp_path)
    files = ["--visits", "visits.csv", "--mri", "mri.csv", "--patients", "patients.csv"]

    def run(*extra: str) -> Any:
        done = run_hsct("outcomes", "neda", *files, *extra, "--json", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    plain = run()
    assert plain["rebaseline_window_months"] is None
    assert plain["patients"][0]["neda3_event_date"] == day(180)
    on = run("--rebaseline")
    assert on["rebaseline_window_months"] == [3.0, 9.0]
    assert on["counts"]["MRI re-baseline scan: in window"] == 1
    (p,) = on["patients"]
    assert (p["mri_rebaseline_date"], p["neda3_lost"], p["neda3_censor_date"]) == (
        day(180),
        False,
        day(400),
    )
    assert [s["label"][:3] for s in on["sources"]] == ["Gio", "Das", "Ita"]
    # A window (1, 5) months (days 30.4 to 152.2) holds no scan: day 180 is the first after.
    assert run("--rebaseline-window-months", "1,5")["patients"][0]["mri_rebaseline_date"] == (
        day(180)
    )
    assert run("--rebaseline-months", "6")["rebaseline_window_months"] == [6.0, 6.0]

    bad = run_hsct("outcomes", "neda", *files, "--rebaseline-window-months", "9,3", cwd=tmp_path)
    assert bad.returncode == 1
    assert "--rebaseline-window-months: 9.0,3.0 is not a window of months" in bad.stderr
    both = run_hsct(
        "outcomes",
        "neda",
        *files,
        "--rebaseline-months",
        "6",
        "--rebaseline",
        cwd=tmp_path,
    )
    assert both.returncode == 1
    assert "--rebaseline-months: is the older form" in both.stderr


BODY: dict[str, Any] = {
    "transplant_date": day(0),
    "visits": [{"date": day(d), "edss": e} for d, e in VISITS],
    "mri": [
        {"date": day(180), "gd_enhancing": 2, "new_t2": 1},
        {"date": day(400), "gd_enhancing": 0, "new_t2": 0},
    ],
}


def test_api_rebaseline_options(client: TestClient) -> None:
    url = "/api/v1/outcomes/progression"
    plain = client.post(url, json=BODY).json()
    assert plain["neda"]["neda3_event_date"] == day(180)
    assert "mri_rebaseline_date" not in plain["neda"]

    on = client.post(url, json={**BODY, "rebaseline": True}).json()
    assert on["neda"]["mri_rebaseline_date"] == day(180)
    assert on["neda"]["mri_rebaseline_scan"] == "in window"
    assert on["neda"]["neda3_lost"] is False
    assert on["neda"]["neda3_censor_date"] == day(400)
    assert [s["label"][:3] for s in on["sources"]][-3:] == ["Gio", "Das", "Ita"]

    own = client.post(url, json={**BODY, "rebaseline_window_months": [7, 14]}).json()
    assert own["neda"]["mri_rebaseline_date"] == day(400)  # days 213-426: day 400 inside
    assert own["neda"]["neda3_lost"] is False

    older = client.post(url, json={**BODY, "rebaseline_months": 6}).json()
    assert older["neda"]["mri_rebaseline_scan"] == "after window"
    assert older["neda"]["mri_rebaseline_date"] == day(400)

    bad = client.post(url, json={**BODY, "rebaseline_window_months": [9, 3]})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "rebaseline_window_months"]
