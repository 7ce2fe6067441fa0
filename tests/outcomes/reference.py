"""Run pymsprog 1.0.7 (the reference) and our engine on the same data; compare event by event.

Shared by the agreement tests and benchmarks/bench_outcomes.py. pymsprog runs in the
`.venv-ref` environment through ``pymsprog_runner.py`` (it pins numpy<2 and pandas<3).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hsct.outcomes.options import ProgressionOptions
from hsct.outcomes.progression import ProgressionResult

REPO_ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("pymsprog_runner.py")
#: What is compared: the issue's list (event type, onset, confirmation, PIRA/RAW) and baseline.
KEY = ["patient_id", "event", "type", "onset_date", "confirmation_date", "baseline_date"]


def reference_python() -> Path | None:
    """The interpreter of the reference environment, if it is installed."""
    configured = os.environ.get("HSCT_PYMSPROG_PYTHON")
    path = Path(configured) if configured else REPO_ROOT / ".venv-ref" / "bin" / "python"
    return path if path.exists() else None


def to_pymsprog(options: ProgressionOptions) -> dict[str, Any]:
    """The same options as pymsprog keyword arguments."""
    if options.threshold == "pymsprog" and options.improvement_threshold in (None, "mirror"):
        delta = "pymsprog"
    elif options.threshold == "msbase" and options.improvement_threshold == "mirror":
        delta = "msbase"
    else:
        raise ValueError("pymsprog takes one threshold for both directions; use 'mirror'")

    def num(value: float) -> float | str:
        return "inf" if math.isinf(value) else value

    ind = options.relapse_indep
    return {
        "delta": delta,
        "event": options.event,
        "baseline": options.baseline,
        "proceed_from": options.proceed_from,
        "conf_days": [int(c) if float(c).is_integer() else c for c in options.conf_days],
        "conf_tol_days": [num(v) for v in options.conf_tol_days],
        "require_sust_days": options.require_sust_days,
        "check_intermediate": options.check_intermediate,
        "relapse_to_bl": list(options.relapse_to_bl),
        "relapse_to_event": list(options.relapse_to_event),
        "relapse_to_conf": list(options.relapse_to_conf),
        "relapse_assoc": list(options.relapse_assoc),
        "relapse_indep": {
            "prec": list(ind.prec),
            "event": list(ind.event),
            "conf": list(ind.conf),
            "prec_type": ind.prec_type,
        },
        "RAW_PIRA": options.raw_pira,
        "impute_last_visit": options.impute_last_visit,
    }


@dataclass(frozen=True)
class ReferenceRun:
    events: pd.DataFrame
    seconds: float


def write_inputs(visits: pd.DataFrame, relapses: pd.DataFrame, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    visits.to_csv(folder / "visits.csv", index=False, date_format="%Y-%m-%d")
    relapses.to_csv(folder / "relapses.csv", index=False, date_format="%Y-%m-%d")


def run_reference(folder: Path, options: ProgressionOptions, python: Path) -> ReferenceRun:
    """pymsprog's events on ``folder``/visits.csv and relapses.csv, in our columns."""
    out = folder / "reference_events.csv"
    done = subprocess.run(
        [str(python), str(RUNNER), str(folder), json.dumps(to_pymsprog(options)), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    raw = pd.read_csv(out, dtype={"patient_id": str}) if stats["events"] else pd.DataFrame()
    return ReferenceRun(normalise_reference(raw, options), float(stats["seconds"]))


def normalise_reference(raw: pd.DataFrame, options: ProgressionOptions) -> pd.DataFrame:
    if raw.empty:
        return pd.DataFrame(columns=KEY)
    conf_cols = [f"conf{int(c) if float(c).is_integer() else c}_date" for c in options.conf_days]
    conf = pd.concat([pd.to_datetime(raw[c]) for c in conf_cols if c in raw], axis=1).min(axis=1)
    kind = raw["CDW_type"].fillna("") if "CDW_type" in raw else pd.Series("", index=raw.index)
    out = pd.DataFrame(
        {
            "patient_id": raw["patient_id"].astype(str),
            "event": raw["event_type"],
            "type": kind.where(raw["event_type"] == "CDW", ""),
            "onset_date": pd.to_datetime(raw["date"]).dt.strftime("%Y-%m-%d"),
            "confirmation_date": conf.dt.strftime("%Y-%m-%d").fillna(""),
            "baseline_date": pd.to_datetime(raw["bl_date"]).dt.strftime("%Y-%m-%d"),
        }
    )
    return out.sort_values(["patient_id", "onset_date"]).reset_index(drop=True)


def normalise_ours(result: ProgressionResult) -> pd.DataFrame:
    ev = result.events
    if ev.empty:
        return pd.DataFrame(columns=KEY)
    out = pd.DataFrame(
        {
            "patient_id": ev["patient_id"].astype(str),
            "event": ev["event"],
            "type": ev["type"],
            "onset_date": ev["onset_date"].astype(str),
            "confirmation_date": ev["confirmation_date"].map(
                lambda d: "" if pd.isna(d) else str(d)[:10]
            ),
            "baseline_date": ev["baseline_date"].astype(str),
        }
    )
    return out.sort_values(["patient_id", "onset_date"]).reset_index(drop=True)


def differences(ours: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Rows found by only one side (an empty frame when the events are identical)."""
    merged = ours.merge(reference, how="outer", on=KEY, indicator=True)
    return merged[merged["_merge"] != "both"].sort_values(["patient_id", "onset_date"])
