"""Kaplan-Meier curves by group, with 95% confidence intervals and numbers at risk.

Estimates come from lifelines' ``KaplanMeierFitter`` (MIT licence), whose intervals use
Greenwood's exponential formula (R's "log-log"). A landmark where nobody is still at risk
is left empty ("not estimable") rather than carrying the last value forward.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.text import Citation

#: Years at which estimates are read: aHSCT studies report 2, 3, 4, 5 and 10 years (outcomes
#: dossier §4: Sormani 2017, Atkins 2016, Muraro 2017, Boffa 2021); 1 year for early events.
LANDMARKS: Final = (1.0, 2.0, 3.0, 5.0, 10.0)
#: Endpoint name -> (event column, time column, what the curve shows).
ENDPOINTS: Final = {
    "neda3": ("neda3_lost", "neda3_years", "NEDA-3 kept (no relapse, MRI activity or CDW)"),
    "neda4": ("neda4_lost", "neda4_years", "NEDA-4 kept (NEDA-3 and no brain-volume loss)"),
    "cdw": ("cdw_event", "cdw_years", "Free of confirmed disability worsening"),
    "relapse": ("relapse_event", "relapse_years", "Free of relapses"),
    "mri": ("mri_event", "mri_years", "Free of new MRI activity"),
}
LIFELINES: Final = Citation(
    "Davidson-Pilon C. lifelines: survival analysis in Python. J Open Source Softw 2019;4(40):1317",
    "2019",
    doi="10.21105/joss.01317",
)
TABLE_COLUMNS: Final = ("group", "years", "at_risk", "events", "survival", "lower_95", "upper_95")


def _endpoint(endpoint: str, frame: pd.DataFrame) -> tuple[str, str, str]:
    if endpoint not in ENDPOINTS:
        raise InvalidInput(
            [FieldError("endpoint", f"unknown endpoint {endpoint!r}", ", ".join(ENDPOINTS))]
        )
    event, time, title = ENDPOINTS[endpoint]
    if event not in frame:
        raise InvalidInput(
            [FieldError("endpoint", f"{endpoint} needs brain_volume_change in the MRI table")]
        )
    return event, time, title


def groups_of(frame: pd.DataFrame, attributes: pd.DataFrame, by: str | None) -> pd.Series:
    """The group of each patient (``"all"`` without ``by``)."""
    if by is None:
        return pd.Series("all", index=frame.index)
    if by not in attributes.columns:
        allowed = ", ".join(attributes.columns) or "none: the patients table has no extra columns"
        raise InvalidInput([FieldError("by", f"no column {by!r} in the patients table", allowed)])
    values = attributes[by].reindex(frame["patient_id"].to_numpy())
    return pd.Series(values.fillna("(not given)").astype(str).to_numpy(), index=frame.index)


@dataclass(frozen=True, slots=True)
class GroupFit:
    """One group's Kaplan-Meier fit and the data it was fitted on."""

    group: str
    fitter: Any  # lifelines.KaplanMeierFitter
    durations: np.ndarray[Any, np.dtype[np.float64]]
    events: np.ndarray[Any, np.dtype[np.bool_]]


@dataclass(frozen=True, slots=True)
class KaplanMeier:
    """Fits for every group of one endpoint: the table and the plot are drawn from them."""

    endpoint: str
    title: str
    fits: tuple[GroupFit, ...]

    def table(self, landmarks: Sequence[float] = LANDMARKS) -> pd.DataFrame:
        """Survival, 95% interval and numbers at risk at each landmark, per group."""
        rows: list[dict[str, Any]] = []
        for fit in self.fits:
            ci = fit.fitter.confidence_interval_
            for t in landmarks:
                at_risk = int((fit.durations >= t).sum())
                before = ci[ci.index <= t]
                estimable = at_risk > 0 and not before.empty
                survival = fit.fitter.survival_function_at_times(t).iloc[0]
                rows.append(
                    {
                        "group": fit.group,
                        "years": t,
                        "at_risk": at_risk,
                        "events": int((fit.events & (fit.durations <= t)).sum()),
                        "survival": float(survival) if estimable else np.nan,
                        "lower_95": float(before.iloc[-1, 0]) if estimable else np.nan,
                        "upper_95": float(before.iloc[-1, 1]) if estimable else np.nan,
                    }
                )
        return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def curve_groups(km: KaplanMeier) -> list[dict[str, Any]]:
    """Each group's curve as JSON: its size and its steps ``[years, estimate, lower 95%,
    upper 95%]`` (rounded to 4 places), for figures drawn elsewhere."""
    groups = []
    for fit in km.fits:
        sf = fit.fitter.survival_function_
        ci = fit.fitter.confidence_interval_
        times = sf.index.to_numpy(dtype=float)
        points = [
            [round(float(t), 4), round(float(s), 4), round(float(lo), 4), round(float(hi), 4)]
            for t, s, lo, hi in zip(times, sf.iloc[:, 0], ci.iloc[:, 0], ci.iloc[:, 1], strict=True)
        ]
        groups.append({"group": fit.group, "n": int(fit.durations.size), "points": points})
    return groups


def km_fit(frame: pd.DataFrame, endpoint: str, groups: pd.Series) -> KaplanMeier:
    """Fit the Kaplan-Meier estimator once per group (patients without a time are left out)."""
    from lifelines import KaplanMeierFitter  # imported here: it takes a second to load

    event_col, time_col, title = _endpoint(endpoint, frame)
    fits = []
    for group in sorted(groups.unique()):
        mask = (groups == group).to_numpy()
        durations = frame[time_col].to_numpy()[mask]
        events = frame[event_col].to_numpy()[mask].astype(bool)
        ok = ~np.isnan(durations)
        if not ok.any():
            continue
        fitter = KaplanMeierFitter().fit(durations[ok], events[ok], label=str(group))
        fits.append(GroupFit(str(group), fitter, durations[ok], events[ok]))
    return KaplanMeier(endpoint, title, tuple(fits))


def km_table(
    frame: pd.DataFrame,
    endpoint: str,
    groups: pd.Series,
    landmarks: Sequence[float] = LANDMARKS,
) -> pd.DataFrame:
    """Survival, 95% interval and numbers at risk at each landmark, per group."""
    return km_fit(frame, endpoint, groups).table(landmarks)


def km_svg(
    frame: pd.DataFrame,
    endpoint: str,
    groups: pd.Series,
    table: pd.DataFrame,
    *,
    title: str | None = None,
) -> str:
    """The curves (with shaded 95% intervals) and the landmark table beside them, as SVG."""
    return curves_svg(km_fit(frame, endpoint, groups), table, title=title)


def curves_svg(km: KaplanMeier, table: pd.DataFrame, *, title: str | None = None) -> str:
    """The curves of ``km`` (with shaded 95% intervals) and ``table`` beside them, as SVG."""
    import matplotlib as mpl
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "hsct", "font.size": 11}):
        fig = Figure(figsize=(12, 5.2 + 0.25 * len(km.fits)))
        FigureCanvasSVG(fig)
        grid = fig.add_gridspec(1, 2, width_ratios=(1.25, 1))
        ax = fig.add_subplot(grid[0])
        for fit in km.fits:
            sf = fit.fitter.survival_function_
            ci = fit.fitter.confidence_interval_
            (line,) = ax.step(
                sf.index, sf.iloc[:, 0], where="post", label=f"{fit.group} (n={fit.durations.size})"
            )
            ax.fill_between(
                ci.index,
                ci.iloc[:, 0],
                ci.iloc[:, 1],
                step="post",
                alpha=0.2,
                color=line.get_color(),
            )
        ax.set_xlabel("Years since time zero")
        ax.set_ylabel("Proportion")
        ax.set_ylim(0, 1.02)
        ax.set_xlim(left=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left", fontsize=9)
        ax.set_title(title or km.title, fontsize=12)
        side = fig.add_subplot(grid[1])
        side.axis("off")
        cells = [
            [
                str(r.group),
                f"{r.years:g}",
                str(r.at_risk),
                "not estimable" if np.isnan(r.survival) else f"{r.survival:.1%}",
                "" if np.isnan(r.lower_95) else f"{r.lower_95:.1%}-{r.upper_95:.1%}",
            ]
            for r in table.itertuples()
        ]
        if cells:
            tab = side.table(
                cellText=cells,
                colLabels=["Group", "Years", "At risk", "Estimate", "95% CI"],
                loc="upper center",
                cellLoc="left",
                colWidths=[0.3, 0.09, 0.11, 0.24, 0.28],
            )
            tab.auto_set_font_size(False)
            tab.set_fontsize(9)
            tab.scale(1, 1.3)
        side.set_title("Kaplan-Meier estimates (95% CI, log-log)", fontsize=11)
        fig.tight_layout()
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Title": title or km.title})
    return out.getvalue()
