"""Run the reference tool (pymsprog 1.0.7) on CSV files; used by tests and the benchmark.

Runs in its own virtual environment (`.venv-ref`, made by `make test`), because pymsprog
pins numpy<2 and pandas<3. Usage::

    .venv-ref/bin/python tests/outcomes/pymsprog_runner.py DIR OPTIONS_JSON OUT_CSV

DIR holds visits.csv (patient_id,date,edss) and relapses.csv (patient_id,date). The JSON
holds MSprog keyword arguments, plus "delta": "pymsprog" (its own default) or "msbase"
(the MSBase/Kalincik worsening convention, passed as ``delta_fun``). Prints one JSON line
with the seconds spent inside MSprog().
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd
import pymsprog


def delta_msbase(baseline: float) -> float:
    """+1.5 from 0; +1.0 below 6.0; +0.5 from 6.0 (Kalincik 2015, MSoutcomes CDW.R)."""
    return 1.5 if baseline == 0 else (1.0 if baseline < 6.0 else 0.5)


def main() -> None:
    folder, options_json, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    kwargs = json.loads(options_json)
    delta = kwargs.pop("delta", "pymsprog")
    if delta == "msbase":
        kwargs["delta_fun"] = delta_msbase
    for key in ("conf_tol_days",):
        if key in kwargs:
            kwargs[key] = [float("inf") if v == "inf" else v for v in kwargs[key]]
    visits = pd.read_csv(folder / "visits.csv")
    relapses = pd.read_csv(folder / "relapses.csv")
    started = time.perf_counter()
    _, results = pymsprog.MSprog(
        visits,
        relapse=relapses,
        subj_col="patient_id",
        value_col="edss",
        date_col="date",
        outcome="edss",
        include_dates=True,
        include_value=True,
        include_stable=False,
        verbose=0,
        **kwargs,
    )
    seconds = time.perf_counter() - started
    results.to_csv(out, index=False)
    print(json.dumps({"seconds": seconds, "events": len(results)}))  # noqa: T201 - the result


if __name__ == "__main__":
    main()
