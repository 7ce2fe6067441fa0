"""What a clinic publishes of its outcomes, made from its patients' outcome times (issue 16).

Pure: the registry hands over one row per patient (a group, each endpoint's time and event,
a category such as "died, treatment-related") and gets back the tables and curves that may
be shown to anyone.
The rules are :mod:`hsct.outcomes.disclosure`'s, with their sources; this module applies them
to a whole publication:

- **Groups** (regimens, intensities, MS types, eras) with fewer than :data:`MIN_GROUP`
  patients are pooled into one "other" group; when the pool is still too small, the smallest
  named group joins it, until every group shown has enough patients. Every patient stays in
  exactly one group, so the groups add up to the cohort and no group is found by subtraction.
- **Curves** (Kaplan-Meier, lifelines' estimate and interval) are read at whole months and
  end before fewer than the threshold remain at risk. A month is shown only when the events
  since the last month shown, and the people who left the risk set since then, are each
  none or the threshold or more, so no step of the published curve, with the numbers at risk
  beside it, gives away a small number of events (hazard H-063). A drop is therefore drawn
  at the first month by which enough had happened: never earlier than it happened.
- **Counts** are tables of groups by categories that do not overlap (deaths related to the
  treatment, other deaths, and the living by when they were last seen; serious
  complications yes or no), suppressed with complementary suppression
  (:func:`hsct.outcomes.disclosure.suppress`) that never hides a group's size (published
  with the groups); shares only from published counts. One table per partition, so no
  count is found by subtracting one table from another.
- **Times** are whole months (a year is 12 months of 30.4375 days: the engine's years are
  days / 365.25); **follow-up** is given as a median in whole months, never a date.

Between two months shown, the split of those who left the risk set into events and ended
follow-up is not published; it can be estimated from the curve's drop, and the part whose
follow-up ended may be small. That says how many people's follow-up ended in a span of
months, not what happened to them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.outcomes.disclosure import (
    MIN_GROUP,
    THRESHOLD,
    check_threshold,
    share,
    suppress,
)

#: The name of the pooled group of small groups.
OTHER: Final = "other"
#: Landmarks read from the published curves, in years (the trials report 3 and 5 years).
LANDMARK_YEARS: Final = (1, 2, 3, 5)
#: A landmark is read from the last month shown at most this many months before it.
LANDMARK_SLACK: Final = 6
MONTHS_PER_YEAR: Final = 12


def pool_groups(labels: Sequence[str], *, min_group: int = MIN_GROUP) -> dict[str, str]:
    """Each label's published group: itself when it has ``min_group`` patients or more,
    else :data:`OTHER`; while :data:`OTHER` is not empty and under ``min_group``, the
    smallest named group (the first by name among equals) joins it.

    >>> pool_groups(["a"] * 12 + ["b"] * 20 + ["c"] * 3)
    {'a': 'other', 'b': 'b', 'c': 'other'}
    >>> pool_groups(["a"] * 12 + ["b"] * 20)
    {'a': 'a', 'b': 'b'}
    """
    sizes = Counter(labels)
    into = {label: (label if size >= min_group else OTHER) for label, size in sizes.items()}
    while True:
        pooled = sum(sizes[label] for label, group in into.items() if group == OTHER)
        named = sorted((size, label) for label, size in sizes.items() if into[label] != OTHER)
        if pooled == 0 or pooled >= min_group or not named:
            return dict(sorted(into.items()))
        into[named[0][1]] = OTHER


def _fit(months: np.ndarray[Any, Any], events: np.ndarray[Any, Any]) -> Any:
    from lifelines import KaplanMeierFitter  # noqa: PLC0415 - a second to import

    return KaplanMeierFitter().fit(months, events)


def public_km(
    years: Sequence[float] | np.ndarray[Any, Any],
    events: Sequence[bool] | np.ndarray[Any, Any],
    *,
    threshold: int = THRESHOLD,
) -> list[list[float]]:
    """A group's Kaplan-Meier curve as it may be published: ``[month, estimate, lower 95%,
    upper 95%, at risk]`` at whole months from 0. "At risk" is the number still followed
    after the month (times greater than it), the same span as the estimate, which counts the
    events up to and including the month. A month is shown only when ``threshold`` or more
    remain (no later month is shown after the first that fails), and since the
    last month shown both the events and the people who left the risk set (events and
    follow-up ended) are none or ``threshold`` or more: otherwise the estimate with the
    numbers at risk would give a small number of events back.

    Times without a value (NaN) are left out. Estimates and intervals are lifelines'
    (Greenwood's exponential interval), rounded to 4 places.
    """
    threshold = check_threshold(threshold)
    time = np.asarray(years, dtype=float) * MONTHS_PER_YEAR
    happened = np.asarray(events, dtype=bool)
    if time.shape != happened.shape:
        raise InvalidInput([FieldError("curve", "times and events of different lengths")])
    keep = ~np.isnan(time)
    time, happened = np.maximum(time[keep], 0.0), happened[keep]
    if time.size < threshold:
        return []
    order = np.sort(time)
    event_times = np.sort(time[happened])
    fitter = _fit(time, happened)
    estimate = fitter.survival_function_.iloc[:, 0]
    band = fitter.confidence_interval_
    timeline = estimate.index.to_numpy(dtype=float)
    points: list[list[float]] = []
    shown_events, shown_at_risk = 0, int(order.size)
    for month in range(math.floor(float(order[-1])) + 1):
        # Followed beyond the month: events up to and including it have left, as have those
        # whose follow-up ended by then, so the two counts shown never disagree.
        at_risk = int(order.size - np.searchsorted(order, month, side="right"))
        if at_risk < threshold:
            break
        so_far = int(np.searchsorted(event_times, month, side="right"))
        new, gone = so_far - shown_events, shown_at_risk - at_risk
        if 0 < new < threshold or 0 < gone < threshold:
            continue
        shown_events, shown_at_risk = so_far, at_risk
        at = int(np.searchsorted(timeline, month, side="right")) - 1
        value = 1.0 if at < 0 else float(estimate.iloc[at])
        low = 1.0 if at < 0 else float(band.iloc[at, 0])
        high = 1.0 if at < 0 else float(band.iloc[at, 1])
        points.append([month, round(value, 4), round(low, 4), round(high, 4), at_risk])
    return points


def landmarks(points: Sequence[Sequence[float]]) -> list[dict[str, Any]]:
    """The curve's value at each of :data:`LANDMARK_YEARS`: the last month shown at or
    before it, if that is at most :data:`LANDMARK_SLACK` months earlier; else not known."""
    out: list[dict[str, Any]] = []
    for years in LANDMARK_YEARS:
        target = years * MONTHS_PER_YEAR
        before = [p for p in points if target - LANDMARK_SLACK <= p[0] <= target]
        if not before:
            out.append({"years": years, "month": None})
            continue
        month, value, low, high, at_risk = before[-1]
        out.append(
            {
                "years": years,
                "month": int(month),
                "estimate": value,
                "low": low,
                "high": high,
                "at_risk": int(at_risk),
            }
        )
    return out


def count_table(
    groups: Sequence[str],
    categories: Sequence[str],
    columns: Sequence[str],
    order: Sequence[str],
    *,
    threshold: int,
) -> dict[str, Any]:
    """Patients by group (rows) and by ``categories`` (one per patient, from ``columns``,
    which do not overlap), with totals, as they may be published. Each group's size and
    the whole cohort's are published elsewhere, so they are kept here and never hidden to
    protect another count."""
    counts = Counter(zip(groups, categories, strict=True))
    released = suppress(
        [[counts[(g, c)] for c in columns] for g in order],
        threshold=threshold,
        keep=[(i, len(columns)) for i in range(len(order) + 1)],
    )
    rows = [
        {
            "group": group,
            "cells": dict(zip(columns, cells, strict=True)),
            "total": total,
            "percent": {c: _percent(v, total) for c, v in zip(columns, cells, strict=True)},
        }
        for group, cells, total in zip(order, released.cells, released.row_totals, strict=True)
    ]
    return {
        "columns": list(columns),
        "rows": rows,
        "total": {
            "cells": dict(zip(columns, released.column_totals, strict=True)),
            "total": released.total,
            "percent": {
                c: _percent(v, released.total)
                for c, v in zip(columns, released.column_totals, strict=True)
            },
        },
    }


def _percent(count: int | None, of: int | None) -> float | None:
    value = share(count, of)
    return None if value is None else round(value, 1)


def publication_tables(
    *,
    groups: Sequence[str],
    endpoints: Mapping[str, tuple[Sequence[str], Sequence[float], Sequence[bool]]],
    tables: Mapping[str, tuple[Sequence[str], Sequence[str]]],
    follow_up_years: Sequence[float],
    threshold: int = THRESHOLD,
    min_group: int = MIN_GROUP,
) -> dict[str, Any]:
    """Everything a publication shows, from one row per patient with a day 0.

    ``groups`` holds each patient's group (one value, e.g. ``"all"``, for no grouping);
    ``endpoints`` maps an endpoint to its rows' groups, years and events (its own patients:
    those the engine could follow); ``tables`` maps a count table to each patient's
    category and the categories in order (categories that do not overlap, so one table holds
    what would otherwise be worked out by subtracting one table from another);
    ``follow_up_years`` is each patient's follow-up. Refuses, naming ``cohort``, a cohort
    smaller than ``min_group``.
    """
    threshold = check_threshold(threshold)
    floor = max(min_group, threshold)
    if len(groups) < floor:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "cohort",
                    Message(
                        N_("{n} patients with a transplant date are too few to publish"),
                        {"n": len(groups)},
                    ),
                    Message(
                        N_("at least {floor} patients with a transplant date"), {"floor": floor}
                    ),
                )
            ]
        )
    into = pool_groups(groups, min_group=floor)
    pooled = [into[g] for g in groups]
    order = sorted(set(pooled), key=lambda g: (g == OTHER, g))
    members = {g: sorted(k for k, v in into.items() if v == g) for g in order}
    sizes = Counter(pooled)
    curves: dict[str, list[dict[str, Any]]] = {}
    for endpoint, (labels, years, events) in endpoints.items():
        mapped = np.array([into.get(label, OTHER) for label in labels], dtype=object)
        time = np.asarray(years, dtype=float)
        happened = np.asarray(events, dtype=bool)
        curves[endpoint] = []
        for group in order:
            mine = mapped == group
            points = public_km(time[mine], happened[mine], threshold=threshold)
            curves[endpoint].append(
                {
                    "group": group,
                    "points": points,
                    "landmarks": landmarks(points),
                }
            )
    follow = np.asarray(follow_up_years, dtype=float)
    months = follow[~np.isnan(follow)] * MONTHS_PER_YEAR
    return {
        "threshold": threshold,
        "min_group": floor,
        "patients": len(groups),
        "groups": [{"group": g, "members": members[g], "n": sizes[g]} for g in order],
        "curves": curves,
        "counts": {
            name: count_table(pooled, categories, columns, order, threshold=threshold)
            for name, (categories, columns) in tables.items()
        },
        "follow_up_months": {
            "median": int(np.median(months)) if months.size else None,
        },
    }


def _population_fits(population: str, group: str, by: str | None) -> bool:
    """Whether a published study's population can stand beside a group: the whole
    population always; a named MS type only beside the same type (progressive beside SPMS
    and PPMS) when the curves are split by MS type."""
    if population == "all":
        return True
    if by != "ms_type":
        return False
    return population == group or (population == "progressive" and group in {"SPMS", "PPMS"})


def plain_reading(
    content: Mapping[str, Any], endpoint: str, *, years: int | None = None
) -> list[dict[str, Any]]:
    """Per group, the endpoint's published value as "about N in 100" at a landmark, with the
    published studies of the same definition at the same landmark beside it. The landmark
    is ``years``, or else the latest one every group has, or else each group's latest.
    Nothing where the value was not published."""
    by = (content.get("options") or {}).get("by")
    benchmarks: list[dict[str, Any]] = next(
        (e["benchmarks"] for e in content.get("endpoints", []) if e["endpoint"] == endpoint), []
    )
    curves = content.get("curves", {}).get(endpoint, [])
    if years is None:  # the latest landmark every group has, so the groups read alike
        sets = [{m["years"] for m in c["landmarks"] if m.get("month") is not None} for c in curves]
        common = set.intersection(*sets) if sets and all(sets) else set()
        years = max(common) if common else None
    out = []
    for curve in curves:
        known = [m for m in curve["landmarks"] if m.get("month") is not None]
        if years is not None:
            known = [m for m in known if m["years"] == years]
        if not known:
            continue
        mark = known[-1]
        beside = [
            b
            for b in benchmarks
            if b["years"] == mark["years"] and _population_fits(b["population"], curve["group"], by)
        ]
        out.append(
            {
                "group": curve["group"],
                "years": mark["years"],
                "month": mark["month"],
                "per100": round(100 * mark["estimate"]),
                "low": round(100 * mark["low"]),
                "high": round(100 * mark["high"]),
                "at_risk": mark["at_risk"],
                "benchmarks": [
                    {
                        "label": b["label"],
                        "study": b["study"],
                        "population": b["population"],
                        "per100": round(b["percent"]),
                    }
                    for b in beside
                ],
            }
        )
    return out


def summary_counts(content: Mapping[str, Any]) -> dict[str, Any]:
    """The publication's headline counts from its tables: deaths related to the treatment,
    deaths of any cause (only when both kinds are shown), serious complications, the share
    seen in the last 12 months and those lost to follow-up; None where hidden."""
    outcome = content["counts"]["outcome"]["total"]
    cells = outcome["cells"]
    related, other = cells["treatment_related_death"], cells["other_death"]
    serious = content["counts"]["serious_adverse_events"]["total"]["cells"]["yes"]
    return {
        "of": outcome["total"],
        "treatment_related_deaths": related,
        "deaths": None if related is None or other is None else related + other,
        "serious_adverse_events": serious,
        "seen_12_months_percent": outcome["percent"]["seen_12_months"],
        "lost_to_follow_up": cells["not_seen_24_months"],
    }
