"""NEDA-3/4, durable remission, and Kaplan-Meier checked against hand calculations."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from hsct.common.errors import InvalidInput
from hsct.outcomes import NedaOptions, build_cohort, km_svg, km_table, neda, parse_options

T0 = dt.date(2020, 1, 1)


def day(n: float) -> str:
    return (T0 + dt.timedelta(days=n)).isoformat()


def status(
    visits: list[tuple[int, float]],
    relapses: tuple[int, ...] = (),
    mri: tuple[tuple[int, int, int, float | None], ...] = (),
    rebaseline: float | None = None,
) -> dict[str, object]:
    v = pd.DataFrame(
        {"patient_id": "p", "date": [day(d) for d, _ in visits], "edss": [e for _, e in visits]}
    )
    r = pd.DataFrame({"patient_id": "p", "date": [day(d) for d in relapses]})
    m = pd.DataFrame(
        {
            "patient_id": "p",
            "date": [day(d) for d, *_ in mri],
            "gd_enhancing": [g for _, g, _, _ in mri],
            "new_t2": [t for _, _, t, _ in mri],
            "brain_volume_change": [b for *_, b in mri],
        }
    )
    p = pd.DataFrame({"patient_id": ["p"], "transplant_date": [day(0)]})
    cohort = build_cohort(v, r, m, p)
    return neda(cohort, NedaOptions(parse_options({}), rebaseline)).iloc[0].to_dict()


STABLE = [(-20, 3.0), (180, 3.0), (365, 3.0), (730, 3.0), (1100, 3.0)]


def test_first_component_ends_neda3() -> None:
    row = status(STABLE, relapses=(400,), mri=((300, 0, 1, None), (700, 0, 0, None)))
    assert row["neda3_lost"]
    assert row["neda3_component"] == "mri"
    assert str(row["neda3_event_date"])[:10] == day(300)
    assert row["neda3_years"] == pytest.approx(300 / 365.25)
    assert row["durable_remission"] == "no"


def test_censored_at_the_last_date_all_were_assessed() -> None:
    row = status(STABLE, mri=((200, 0, 0, None), (700, 0, 0, None)))
    assert not row["neda3_lost"]
    assert str(row["neda3_censor_date"])[:10] == day(700)  # last MRI before last visit
    assert row["durable_remission"] == "not yet known"


def test_rebaseline_mri_ignores_activity_before_it() -> None:
    scans = ((100, 2, 0, None), (200, 1, 0, None), (500, 0, 0, None))
    assert status(STABLE, mri=scans)["neda3_component"] == "mri"
    # Six months: the reference scan is the first on or after day 182.6 (day 200); its own
    # lesions are the new baseline, not activity.
    assert not status(STABLE, mri=scans, rebaseline=6)["neda3_lost"]


def test_cdw_onset_counts_and_neda4_adds_brain_volume() -> None:
    worse = [(-20, 3.0), (180, 3.0), (365, 4.0), (730, 4.0), (1100, 4.0)]
    row = status(worse, mri=((200, 0, 0, -0.2), (600, 0, 0, -0.5), (1000, 0, 0, -0.1)))
    assert row["neda3_component"] == "cdw"
    assert str(row["neda3_event_date"])[:10] == day(365)
    assert row["neda4_component"] == "cdw"
    row = status(STABLE, mri=((200, 0, 0, -0.2), (600, 0, 0, -0.5), (1000, 0, 0, -0.1)))
    assert not row["neda3_lost"]
    assert row["neda4_component"] == "brain_volume"


def test_durable_remission_after_five_years() -> None:
    long = [(-20, 3.0), *((365 * y, 3.0) for y in range(1, 8))]
    row = status(long, relapses=(6 * 365,), mri=tuple((365 * y + 10, 0, 0, None) for y in range(7)))
    assert row["neda3_component"] == "relapse"
    assert row["durable_remission"] == "yes"


def test_neda_needs_mri() -> None:
    v = pd.DataFrame({"patient_id": ["p"], "date": ["2020-01-01"], "edss": [2.0]})
    with pytest.raises(InvalidInput, match="NEDA-3 needs the MRI table"):
        neda(build_cohort(v))


def greenwood_loglog(times: list[float], events: list[int], t: float) -> tuple[float, float, float]:
    """Kaplan-Meier with the exponential Greenwood interval, by hand."""
    s, var = 1.0, 0.0
    for u in sorted({x for x, e in zip(times, events, strict=True) if e}):
        if u > t:
            break
        n = sum(x >= u for x in times)
        d = sum(1 for x, e in zip(times, events, strict=True) if e and x == u)
        s *= 1 - d / n
        var += d / (n * (n - d))
    v = var / math.log(s) ** 2
    z = 1.959963984540054
    lower = s ** math.exp(z * math.sqrt(v))
    upper = s ** math.exp(-z * math.sqrt(v))
    return s, lower, upper


def test_kaplan_meier_matches_a_hand_calculation() -> None:
    times = [0.5, 1.5, 1.5, 2.5, 3.0, 4.0, 6.0, 7.0, 8.0, 12.0]
    events = [1, 1, 0, 1, 0, 1, 0, 1, 0, 0]
    frame = pd.DataFrame({"cdw_years": times, "cdw_event": np.array(events, dtype=bool)})
    groups = pd.Series(["all"] * len(times))
    table = km_table(frame, "cdw", groups).set_index("years")
    for t in (1.0, 2.0, 3.0, 5.0, 10.0):
        s, lower, upper = greenwood_loglog(times, events, t)
        assert table.loc[t, "survival"] == pytest.approx(s)
        assert table.loc[t, "lower_95"] == pytest.approx(lower, rel=1e-6)
        assert table.loc[t, "upper_95"] == pytest.approx(upper, rel=1e-6)
        assert table.loc[t, "at_risk"] == sum(x >= t for x in times)
    svg = km_svg(frame, "cdw", groups, km_table(frame, "cdw", groups))
    assert svg.startswith("<?xml")
    assert "Free of confirmed disability worsening" in svg
    assert "At risk" in svg


def test_landmark_beyond_follow_up_is_not_estimable() -> None:
    frame = pd.DataFrame({"relapse_years": [1.0, 2.0], "relapse_event": [True, False]})
    table = km_table(frame, "relapse", pd.Series(["x", "x"])).set_index("years")
    assert table.loc[3.0, "at_risk"] == 0
    assert math.isnan(table.loc[3.0, "survival"])
