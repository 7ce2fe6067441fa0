"""Hand-made histories with expectations worked out from the definitions (dossier §1.5).

Day 0 is 2020-01-01; each case lists (day, EDSS) visits and relapse days.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from hsct.common.i18n import translations
from hsct.outcomes import build_cohort, explain, explain_messages, parse_options, progression

DAY0 = dt.date(2020, 1, 1)


def day(n: int) -> str:
    return (DAY0 + dt.timedelta(days=n)).isoformat()


def run(
    visits: list[tuple[int, float]],
    relapses: tuple[int, ...] = (),
    preset: str = "pymsprog-1.0.7",
    transplant: int | None = None,
    **options: object,
) -> pd.DataFrame:
    v = pd.DataFrame(
        {"patient_id": "p", "date": [day(d) for d, _ in visits], "edss": [e for _, e in visits]}
    )
    r = pd.DataFrame({"patient_id": "p", "date": [day(d) for d in relapses]})
    patients = (
        None
        if transplant is None
        else pd.DataFrame({"patient_id": ["p"], "transplant_date": [day(transplant)]})
    )
    result = progression(build_cohort(v, r, None, patients), parse_options(options, preset=preset))
    return result.events


def onsets(events: pd.DataFrame) -> list[tuple[str, str, str]]:
    return [(e.event, str(e.onset_date)[:10], e.type) for e in events.itertuples()]


def test_a1_baseline_5_5_needs_half_a_point_under_pymsprog() -> None:
    assert onsets(run([(0, 5.5), (180, 6.0), (360, 6.0), (540, 6.0)])) == [("CDW", day(180), "")]


def test_a2_and_a_full_point_under_msbase() -> None:
    assert onsets(run([(0, 5.5), (180, 6.0), (360, 6.0), (540, 6.0)], preset="default")) == []


@pytest.mark.parametrize(
    ("to", "expected"), [(1.0, []), (1.5, [("CDW", day(100), "")])], ids=["b1", "b2"]
)
def test_b_baseline_zero_needs_one_and_a_half(to: float, expected: list[object]) -> None:
    assert onsets(run([(0, 0.0), (100, to), (200, to), (300, to)])) == expected


@pytest.mark.parametrize(
    ("visits", "expected"),
    [
        ([(0, 2), (100, 3), (170, 3), (400, 2)], []),  # C1: 70 days < 84 - 7
        ([(0, 2), (100, 3), (177, 3), (400, 2)], [("CDW", day(100), "")]),  # C2: 77 days
        ([(0, 2), (100, 3), (800, 3)], [("CDW", day(100), "")]),  # C3: 700 <= 814.5
        ([(0, 2), (100, 2), (200, 3)], []),  # C4: only at the last visit
        ([(0, 2), (100, 3), (130, 2.5), (200, 3), (400, 3)], [("CDW", day(200), "")]),  # C5
    ],
    ids=["c1", "c2", "c3", "c4", "c5"],
)
def test_c_confirmation_window_and_intermediate_visits(
    visits: list[tuple[int, float]], expected: list[object]
) -> None:
    assert onsets(run(visits)) == expected


def test_c4_imputed_when_asked() -> None:
    events = run([(0, 2), (100, 2), (200, 3)], impute_last_visit=1)
    assert onsets(events) == [("CDW", day(200), "")]
    assert bool(events["imputed_at_last_visit"].iloc[0])


def test_d1_relapse_within_90_days_before_onset_is_raw() -> None:
    events = run([(0, 2), (100, 3.5), (190, 3)], relapses=(95,), raw_pira=True)
    assert onsets(events) == [("CDW", day(100), "RAW")]


def test_d2_confirmation_too_soon_after_a_relapse() -> None:
    assert onsets(run([(0, 2), (100, 3.5), (190, 3.5)], relapses=(170,))) == []


def test_d3_baseline_moves_past_a_recent_relapse() -> None:
    events = run([(0, 4), (25, 3), (200, 4), (300, 4)], relapses=(-10,))
    assert onsets(events) == [("CDW", day(200), "")]
    assert str(events["baseline_date"].iloc[0])[:10] == day(25)
    assert events["days_from_time_zero"].iloc[0] == 200  # counted from the first visit


def test_d4_no_relapse_near_the_event_is_pira() -> None:
    events = run([(0, 2), (400, 3), (500, 3)], relapses=(100,), raw_pira=True)
    assert onsets(events) == [("CDW", day(400), "PIRA")]


@pytest.mark.parametrize(
    ("start", "to", "preset", "expected"),
    [
        (3.0, 2.0, "pymsprog-1.0.7", 1),  # E1
        (1.0, 0.0, "pymsprog-1.0.7", 1),  # E2: pymsprog uses the worsening size
        (1.0, 0.0, "default", 0),  # MSBase/Kalincik: -1.5 needed from 1.0
        (6.5, 6.0, "pymsprog-1.0.7", 1),  # E3
        (6.0, 5.5, "default", 0),  # Kalincik: -1.0 needed from 6.0
    ],
)
def test_e_improvement_thresholds(start: float, to: float, preset: str, expected: int) -> None:
    events = run([(0, start), (100, to), (200, to), (300, to)], preset=preset, event="firstCDI")
    assert (events["event"] == "CDI").sum() == expected


@pytest.mark.parametrize(
    ("visits", "expected"),
    [([(0, 2), (100, 3), (190, 3), (230, 2)], []), ([(0, 2), (100, 3), (380, 3)], [day(100)])],
    ids=["f1", "f2"],
)
def test_f_24_week_confirmation(visits: list[tuple[int, float]], expected: list[str]) -> None:
    events = run(visits, conf_days=[168])
    assert [str(d)[:10] for d in events["onset_date"]] == expected


def test_time_zero_measures_from_the_transplant_and_uses_the_last_visit_before_it() -> None:
    events = run(
        [(0, 2), (50, 3), (100, 3), (300, 4.5), (400, 4.5)], transplant=60, preset="default"
    )
    # Baseline is day 50 (EDSS 3.0, the last visit before day 60); 4.5 is +1.5.
    assert onsets(events) == [("CDW", day(300), "")]
    assert str(events["baseline_date"].iloc[0])[:10] == day(50)
    assert events["days_from_time_zero"].iloc[0] == 240


def test_no_onset_on_a_visit_before_the_transplant() -> None:
    # Day 50 is within 30 days of a relapse, so the baseline is day 0; day 50 is still
    # before the transplant (day 60) and must not become an onset.
    events = run([(0, 2), (50, 3), (150, 3), (250, 3)], relapses=(40,), transplant=60)
    assert onsets(events) == [("CDW", day(150), "")]


def test_explanation_names_baseline_confirmation_and_window() -> None:
    v = pd.DataFrame(
        {"patient_id": "p", "date": [day(0), day(100), day(190)], "edss": [2.0, 3.5, 3.0]}
    )
    r = pd.DataFrame({"patient_id": ["p"], "date": [day(95)]})
    result = progression(
        build_cohort(v, r), parse_options({"raw_pira": True}, preset="pymsprog-1.0.7")
    )
    text = " ".join(explain(result, 0))
    assert "from EDSS 2.0 (baseline visit 2020-01-01) to 3.5 on 2020-04-10" in text
    assert "Confirmed on 2020-07-09 (EDSS 3.0), 90 days after onset" in text
    assert "77-814.5 days" in text
    assert "RAW (relapse-associated worsening): relapse on 2020-04-05, 5 days before onset" in text


def test_explanation_reads_in_russian_and_spanish() -> None:
    v = pd.DataFrame(
        {"patient_id": "p", "date": [day(0), day(100), day(190)], "edss": [2.0, 3.5, 3.0]}
    )
    result = progression(build_cohort(v), parse_options({}, preset="pymsprog-1.0.7"))
    ru = [m.translate(translations("ru").gettext) for m in explain_messages(result, 0)]
    es = [m.translate(translations("es").gettext) for m in explain_messages(result, 0)]
    assert ru[0].startswith("Ухудшение с EDSS 2.0 (исходный визит 2020-01-01) до 3.5")
    assert "фиксированный исходный уровень" in ru[1]
    assert es[2].startswith("Confirmado el 2020-07-09 (EDSS 3.0), 90 días después del inicio")


def test_raw_from_a_relapse_just_after_onset_is_explained() -> None:
    # The RAW window reaches 30 days after onset; the only relapse is 10 days after it.
    v = pd.DataFrame(
        {"patient_id": "p", "date": [day(0), day(100), day(200)], "edss": [2.0, 3.5, 3.5]}
    )
    r = pd.DataFrame({"patient_id": ["p"], "date": [day(110)]})
    options = parse_options({"raw_pira": True, "relapse_assoc": [90, 30]}, preset="pymsprog-1.0.7")
    result = progression(build_cohort(v, r), options)
    assert list(result.events["type"]) == ["RAW"]
    assert explain(result, 0)[-1] == (
        "RAW (relapse-associated worsening): relapse on 2020-04-20, 10 days after onset "
        "(window: 30 days after onset)."
    )
