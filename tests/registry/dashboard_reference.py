"""The clinic dashboard as first written: one Python pass per patient (the reference).

The dashboard in :mod:`hsct.registry.dashboard` now reads the cohort in columns and works on
arrays; this is the earlier, plainly written computation it replaced, kept as the
independent reference that ``test_dashboard_columns.py`` compares it with on generated
cohorts. Not used by the product.
"""

# ruff: noqa: PLR0917
# mypy: ignore-errors

from __future__ import annotations

import datetime as dt
import statistics
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from hsct.knowledge import Catalog, load_catalog
from hsct.registry.dashboard import (
    ENDPOINTS,
    EVENT_FIELDS,
    LOST_DAYS,
    NEDA_COLUMNS,
    SCHEDULE_SOURCE,
    SURVIVAL_TITLE,
    TRM_DAYS,
    YEAR_DAYS,
    Curve,
    Dashboard,
    DashboardOptions,
    _curve,
    _era,
    _plain,
    _progression_options,
    benchmarks_for,
    mean_interval,
    schedule_of,
    visit_status,
    wilson,
)
from hsct.registry.status import engine_rows
from hsct.registry.tables import Clinic, ImportRun, Patient, RecordEntry


@dataclass(slots=True)
class _Person:
    id: str
    code: str
    entries: list[tuple[str, dt.date, dict[str, Any], str]] = field(default_factory=list)


def _people(session: Session, clinic_id: str) -> list[_Person]:
    people: dict[str, _Person] = {
        pid: _Person(pid, code or pid)
        for pid, code in session.execute(
            select(Patient.id, Patient.code)
            .where(Patient.clinic_id == clinic_id)
            .order_by(Patient.code, Patient.id)
        )
    }
    # The fields as JSON text, read by orjson: a third of the time of the ORM's JSON type on
    # a cohort of 300,000 entries. To-dos play no part in the figures.
    rows = session.connection().execute(
        select(
            RecordEntry.patient_id,
            RecordEntry.kind,
            RecordEntry.date,
            cast(RecordEntry.data, Text),
            RecordEntry.provenance,
        )
        .join(Patient, Patient.id == RecordEntry.patient_id)
        .where(Patient.clinic_id == clinic_id, RecordEntry.kind != "todo")
        .order_by(RecordEntry.patient_id, RecordEntry.date, RecordEntry.created_at, RecordEntry.id)
    )
    for pid, kind, date, text, provenance in rows:
        data = orjson.loads(text)
        people[pid].entries.append((kind, date, data, provenance))
    return list(people.values())


def reference_compute(  # the dashboard as first written
    session: Session,
    clinic: Clinic,
    options: DashboardOptions,
    *,
    version: str,
    now: datetime,
    catalog: Catalog | None,
) -> Dashboard:
    import numpy as np  # noqa: PLC0415 - the engine's stack, only when a dashboard is made
    import pandas as pd  # noqa: PLC0415

    from hsct.outcomes import (  # noqa: PLC0415
        NedaOptions,
        build_cohort,
        km_fit,
        neda,
        progression,
    )

    today = now.date()
    people = _people(session, clinic.id)
    visits: dict[str, list[Any]] = {"patient_id": [], "date": [], "edss": []}
    relapses: dict[str, list[Any]] = {"patient_id": [], "date": []}
    mri: dict[str, list[Any]] = {"patient_id": [], "date": [], "gd_enhancing": [], "new_t2": []}
    patients: dict[str, list[Any]] = {"patient_id": [], "transplant_date": []}
    attributes: dict[int, dict[str, str]] = {}
    day0s: dict[int, dt.date] = {}
    for number, person in enumerate(people):
        used = [
            (kind, date, data)
            for kind, date, data, _ in person.entries
            if options.include_self_rated or kind != "edss" or data.get("rater") != "self"
        ]
        rows = engine_rows(used)
        if rows.transplant_date is None:
            continue
        day0s[number] = rows.transplant_date
        patients["patient_id"].append(number)
        patients["transplant_date"].append(rows.transplant_date.isoformat())
        for v in rows.visits:
            visits["patient_id"].append(number)
            visits["date"].append(v["date"])
            visits["edss"].append(v["edss"])
        for r in rows.relapses:
            relapses["patient_id"].append(number)
            relapses["date"].append(r["date"])
        for m in rows.mri:
            mri["patient_id"].append(number)
            mri["date"].append(m["date"])
            mri["gd_enhancing"].append(m["gd_enhancing"])
            mri["new_t2"].append(m["new_t2"])
        transplant = next((d for k, _, d, _ in person.entries if k == "transplant"), {})
        diagnosis = next((d for k, _, d, _ in person.entries if k == "diagnosis"), {})
        attributes[number] = {
            "regimen": transplant.get("regimen") or "(not given)",
            "intensity": transplant.get("intensity") or "(not given)",
            "ms_type": diagnosis.get("ms_type") or "(not given)",
            "era": _era(rows.transplant_date),
        }
    progression_options = _progression_options(options)
    curves: list[Curve] = []
    pira_raw = {"PIRA": 0, "RAW": 0, "undefined": 0, "patients": 0}
    events: list[dict[str, Any]] = []
    per_patient: list[dict[str, Any]] = []
    if patients["patient_id"] and visits["patient_id"]:
        cohort = build_cohort(
            pd.DataFrame(visits),
            pd.DataFrame(relapses),
            pd.DataFrame(mri),
            pd.DataFrame(patients),
            strict=False,
        )
        result = progression(cohort, progression_options, threads=1)
        frame = neda(
            cohort,
            NedaOptions(progression_options, rebaseline=options.rebaseline),
            result=result,
            threads=1,
        )
        groups = pd.Series(
            [
                "all" if options.by is None else attributes[int(pid)][options.by]
                for pid in frame["patient_id"].to_numpy()
            ],
            index=frame.index,
        )
        studies = (catalog or load_catalog()).studies
        for endpoint in ENDPOINTS[:-1]:
            km = km_fit(frame, endpoint, groups)
            curves.append(_curve(km, endpoint, studies, np))
        curves.append(_survival_curve(people, day0s, attributes, options, studies, np))
        cdw = result.events[result.events["event"] == "CDW"].drop_duplicates("patient_id")
        counts = Counter(str(t) for t in cdw["type"])
        pira_raw = {
            "PIRA": counts.get("PIRA", 0),
            "RAW": counts.get("RAW", 0),
            "undefined": counts.get("undefined", 0),
            "patients": int(frame.shape[0]),
        }
        events, per_patient = _behind(people, result.events, frame)
    studies = (catalog or load_catalog()).studies
    if not curves:  # nobody to follow yet: the figures say so, the benchmarks still show
        from hsct.outcomes import ENDPOINTS as TITLES  # noqa: PLC0415

        titles = {**{e: t[2] for e, t in TITLES.items()}, "survival": SURVIVAL_TITLE}
        curves = [Curve(e, titles[e], [], [], benchmarks_for(e, studies)) for e in ENDPOINTS]
    schedule = schedule_of(clinic)
    quality, chase = _quality(session, clinic.id, people, day0s, schedule, today)
    return Dashboard(
        clinic_id=clinic.id,
        version=version,
        computed_at=now.isoformat(),
        options=asdict(options),
        description=options.describe(),
        patients=len(people),
        with_day0=len(day0s),
        curves=curves,
        mortality=_mortality(people, day0s, studies),
        pira_raw=pira_raw,
        events=events,
        neda=per_patient,
        edss_change=_edss_change(people, day0s, options),
        adverse_events=_adverse(people, day0s),
        qol=_qol(people, day0s),
        quality=quality,
        chase=chase,
        schedule=schedule,
        sources=[asdict(SCHEDULE_SOURCE)],
    )


def _behind(
    people: Sequence[_Person], events_frame: Any, frame: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every confirmed event and each patient's NEDA, by study code."""
    events = [
        {
            "code": people[int(pid)].code,
            **{k: _plain(v) for k, v in zip(EVENT_FIELDS, rest, strict=True)},
        }
        for pid, *rest in events_frame[["patient_id", *EVENT_FIELDS]].itertuples(index=False)
    ]
    per_patient = [
        {
            "code": people[int(pid)].code,
            **{k: _plain(v) for k, v in zip(NEDA_COLUMNS, rest, strict=True)},
        }
        for pid, *rest in frame[["patient_id", *NEDA_COLUMNS]].itertuples(index=False)
    ]
    return events, per_patient


def _last_contact(person: _Person, day0: dt.date) -> tuple[dt.date, dt.date | None]:
    """The day last known alive (or the death), and the death if recorded."""
    death = next((d for k, d, _, _ in person.entries if k == "death"), None)
    last = max((d for _, d, _, _ in person.entries), default=day0)
    return (death if death is not None else max(last, day0)), death


def _survival_curve(
    people: Sequence[_Person],
    day0s: Mapping[int, dt.date],
    attributes: Mapping[int, Mapping[str, str]],
    options: DashboardOptions,
    studies: Mapping[str, Any],
    np: Any,
) -> Curve:
    """Overall survival from day 0: death (any cause), or censored at the last entry."""
    from lifelines import KaplanMeierFitter  # noqa: PLC0415

    from hsct.outcomes import KaplanMeier  # noqa: PLC0415
    from hsct.outcomes.survival import GroupFit  # noqa: PLC0415

    by_group: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for number, day0 in day0s.items():
        end, death = _last_contact(people[number], day0)
        group = "all" if options.by is None else attributes[number][options.by]
        by_group[group].append(((end - day0).days / YEAR_DAYS, death is not None))
    fits = []
    for group in sorted(by_group):
        durations = np.array([t for t, _ in by_group[group]], dtype=float)
        events = np.array([e for _, e in by_group[group]], dtype=bool)
        fitter = KaplanMeierFitter().fit(durations, events, label=group)
        fits.append(GroupFit(group, fitter, durations, events))
    km = KaplanMeier("survival", SURVIVAL_TITLE, tuple(fits))
    return _curve(km, "survival", studies, np)


def _mortality(
    people: Sequence[_Person], day0s: Mapping[int, dt.date], studies: Mapping[str, Any]
) -> dict[str, Any]:
    """Deaths: all, within 100 days of day 0, and transplant-related; Wilson 95% intervals."""
    n = len(day0s)
    deaths = early = related = 0
    for number, day0 in day0s.items():
        found = next(((d, data) for k, d, data, _ in people[number].entries if k == "death"), None)
        if found is None:
            continue
        date, data = found
        deaths += 1
        soon = (date - day0).days <= TRM_DAYS
        early += soon
        related += soon or bool(data.get("treatment_related"))

    def share(k: int) -> dict[str, Any]:
        low, high = wilson(k, n)
        return {
            "count": k,
            "percent": None if n == 0 else round(100 * k / n, 1),
            "lower_95": None if low is None else round(100 * low, 1),
            "upper_95": None if high is None else round(100 * high, 1),
        }

    published = [
        {
            "study": study.id,
            "label": study.label,
            "deaths": study.mortality.deaths,
            "patients": study.mortality.patients,
            "percent": study.mortality.percent,
            "ci_low": study.mortality.ci_low,
            "ci_high": study.mortality.ci_high,
            "window": study.mortality.window,
            "source": study.src,
        }
        for study in studies.values()
        if study.mortality is not None
    ]
    return {
        "patients": n,
        "deaths": share(deaths),
        "within_100_days": share(early),
        "treatment_related": share(related),
        "published": sorted(published, key=lambda p: p["study"]),
    }


def _in_window(dates: Sequence[dt.date], target: dt.date, window: int) -> range:
    """Positions of the sorted ``dates`` within ``window`` days of ``target``."""
    span = dt.timedelta(days=window)
    return range(bisect_left(dates, target - span), bisect_right(dates, target + span))


def _nearest(dated: Sequence[tuple[dt.date, float]], target: dt.date, window: int) -> float | None:
    """The value dated nearest ``target`` within ``window`` days (``dated`` sorted by date)."""
    dates = [d for d, _ in dated]
    hits = _in_window(dates, target, window)
    if not hits:
        return None
    best = min(hits, key=lambda i: abs((dates[i] - target).days))
    return dated[best][1]


def _edss_change(
    people: Sequence[_Person], day0s: Mapping[int, dt.date], options: DashboardOptions
) -> list[dict[str, Any]]:
    """EDSS change from baseline (the last visit on or before day 0, within a year) by year."""
    changes: dict[int, list[float]] = defaultdict(list)
    for number, day0 in day0s.items():
        values = [
            (date, float(data["value"]))
            for kind, date, data, _ in people[number].entries
            if kind == "edss"
            and data.get("value") is not None
            and (options.include_self_rated or data.get("rater") != "self")
        ]
        before = [v for v in values if day0 - dt.timedelta(days=365) <= v[0] <= day0]
        if not before:
            continue
        baseline = before[-1][1]
        for year in range(1, 11):
            target = day0 + dt.timedelta(days=round(year * YEAR_DAYS))
            value = _nearest(values, target, 90)
            if value is not None:
                changes[year].append(value - baseline)
    out = []
    for year in sorted(changes):
        deltas = changes[year]
        mean, low, high = mean_interval(deltas)
        out.append(
            {
                "years": year,
                "n": len(deltas),
                "mean_change": round(mean, 2),
                "lower_95": None if low is None else round(low, 2),
                "upper_95": None if high is None else round(high, 2),
                "median_change": round(statistics.median(deltas), 2),
                "improved": sum(1 for v in deltas if v <= -0.5),
                "stable": sum(1 for v in deltas if -0.5 < v < 0.5),
                "worse": sum(1 for v in deltas if v >= 0.5),
            }
        )
    return out


def _adverse(people: Sequence[_Person], day0s: Mapping[int, dt.date]) -> list[dict[str, Any]]:
    """Adverse events after day 0 by category: events, patients, share with a 95% interval."""
    n = len(day0s)
    events: Counter[str] = Counter()
    patients: dict[str, set[int]] = defaultdict(set)
    serious: Counter[str] = Counter()
    for number, day0 in day0s.items():
        for kind, date, data, _ in people[number].entries:
            if kind != "adverse_event" or date < day0:
                continue
            category = str(data.get("category", "other"))
            events[category] += 1
            patients[category].add(number)
            serious[category] += bool(data.get("serious"))
    out = []
    for category in sorted(events):
        low, high = wilson(len(patients[category]), n)
        out.append(
            {
                "category": category,
                "events": events[category],
                "serious": serious[category],
                "patients": len(patients[category]),
                "of": n,
                "percent": round(100 * len(patients[category]) / n, 1) if n else None,
                "lower_95": None if low is None else round(100 * low, 1),
                "upper_95": None if high is None else round(100 * high, 1),
            }
        )
    return out


def _qol(people: Sequence[_Person], day0s: Mapping[int, dt.date]) -> list[dict[str, Any]]:
    """RAND-36 scales by time since day 0 (before; 6 months; then yearly windows)."""
    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    order = {"before": -1.0, "month 3": 0.25, "month 6": 0.5}
    for number, day0 in day0s.items():
        for kind, date, data, _ in people[number].entries:
            if kind != "qol" or data.get("instrument", "rand36") != "rand36":
                continue
            months = (date - day0).days / (YEAR_DAYS / 12)
            if months < 0:
                when = "before"
            elif months < 4.5:
                when = "month 3"
            elif months < 9:
                when = "month 6"
            else:
                when = f"year {max(1, round(months / 12))}"
            for scale, value in (data.get("scores") or {}).items():
                if isinstance(value, (int, float)):
                    scores[(when, scale)].append(float(value))
    out = []
    for (when, scale), values in scores.items():
        mean, low, high = mean_interval(values)
        out.append(
            {
                "when": when,
                "years": order.get(when, float(when.split()[-1]) if when.startswith("year") else 0),
                "scale": scale,
                "n": len(values),
                "mean": round(mean, 1),
                "lower_95": None if low is None else round(low, 1),
                "upper_95": None if high is None else round(high, 1),
            }
        )
    return sorted(out, key=lambda r: (r["scale"], r["years"]))


def _quality(
    session: Session,
    clinic_id: str,
    people: Sequence[_Person],
    day0s: Mapping[int, dt.date],
    schedule: Sequence[Mapping[str, Any]],
    today: dt.date,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Shares of patients assessed lately, time points done, the lost, and whom to chase."""
    n = len(people)
    edss6 = edss12 = mri12 = lost = expected = done = self_entries = entries = 0
    chase = []
    for number, person in enumerate(people):
        edss = [d for k, d, data, _ in person.entries if k == "edss"]
        scans = [d for k, d, _, _ in person.entries if k == "mri"]
        entries += len(person.entries)
        self_entries += sum(1 for _, _, _, p in person.entries if p == "self")
        last = max(edss, default=None)
        edss6 += last is not None and (today - last).days <= 183
        edss12 += last is not None and (today - last).days <= 365
        mri12 += bool(scans) and (today - max(scans)).days <= 365
        day0 = day0s.get(number)
        if day0 is None:
            continue
        status = visit_status(day0, edss, schedule, today)
        expected += status["expected"]
        done += status["done"]
        is_lost = (today - (last or day0)).days > LOST_DAYS
        lost += is_lost
        if is_lost or status["overdue"]:
            chase.append(
                {
                    "patient_id": person.id,
                    "code": person.code,
                    "reason": "lost" if is_lost else "overdue",
                    "overdue": status["overdue"],
                    "last_edss": None if last is None else last.isoformat(),
                    "next_due": status["next_due"],
                }
            )
    refused = 0
    for (counts,) in session.execute(
        select(ImportRun.counts).where(
            ImportRun.clinic_id == clinic_id, ImportRun.status == "committed"
        )
    ):
        refused += int((counts or {}).get("total", {}).get("refused", 0))

    def share(k: int, of: int) -> float | None:
        return None if of == 0 else round(100 * k / of, 1)

    quality = {
        "patients": n,
        "with_day0": len(day0s),
        "edss_6_months": share(edss6, n),
        "edss_12_months": share(edss12, n),
        "mri_12_months": share(mri12, n),
        "timepoints_expected": expected,
        "timepoints_done": done,
        "timepoints_done_percent": share(done, expected),
        "lost_to_follow_up": lost,
        "self_reported_percent": share(self_entries, entries),
        "refused_rows": refused,
    }
    chase.sort(key=lambda c: (c["reason"] != "lost", c["last_edss"] or ""))
    return quality, chase
