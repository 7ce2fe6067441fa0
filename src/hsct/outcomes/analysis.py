"""A researcher's own cohort, from uploaded tables to events, NEDA-3 and Kaplan-Meier curves.

The same pipeline as ``hsct outcomes neda`` and ``hsct outcomes km``: the tables are checked
row by row (rows that cannot be used are left out and listed, as with ``--skip-invalid``),
confirmed disability worsening is searched with a preset or an options file, NEDA-3 and its
single endpoints are computed per patient, and each endpoint gets Kaplan-Meier curves by
group with 95% intervals and numbers at risk. Nothing is kept: the caller gets one
JSON-ready result, with the tables behind it as CSV text.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import pandas as pd

from hsct.common.errors import FieldError, InvalidInput
from hsct.outcomes.options import parse_options
from hsct.outcomes.survival import curve_groups
from hsct.outcomes.tables import read_csv_text

#: Endpoints drawn, in order (the engine's names).
CURVES: Final = ("neda3", "cdw", "relapse", "mri")
#: Problem rows shown on the page; the rest are counted.
PROBLEMS_SHOWN: Final = 50
TABLES: Final = ("visits", "relapses", "mri", "patients")


def read_uploads(files: Mapping[str, bytes | None]) -> dict[str, pd.DataFrame | None]:
    """Each uploaded table (CSV bytes, UTF-8) as text columns; ``visits`` and ``mri`` must
    be given. Refuses, naming the table, a file that is not CSV text."""
    missing = [name for name in ("visits", "mri") if not files.get(name)]
    if missing:
        raise InvalidInput(
            [FieldError(name, "no file was chosen", "a CSV file") for name in missing]
        )
    out: dict[str, pd.DataFrame | None] = {}
    for name in TABLES:
        data = files.get(name)
        if not data:
            out[name] = None
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(
                [FieldError(name, "is not UTF-8 text", "a CSV file saved as UTF-8")]
            ) from None
        out[name] = read_csv_text(text, name)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def _curve(km: Any) -> dict[str, Any]:
    """A fitted endpoint as JSON: each group's step points (years, estimate, interval) and
    the landmark table."""
    groups = curve_groups(km)
    table = [
        {key: _plain(value) for key, value in row.items()}
        for row in km.table().to_dict(orient="records")
    ]
    return {"endpoint": km.endpoint, "title": km.title, "groups": groups, "table": table}


def analyse(
    frames: Mapping[str, pd.DataFrame | None],
    *,
    preset: str = "default",
    options: Mapping[str, Any] | None = None,
    rebaseline: bool = False,
    by: str | None = None,
) -> dict[str, Any]:
    """Events, NEDA-3 and Kaplan-Meier curves for uploaded tables (see the module).

    ``preset`` and ``options`` are ``hsct outcomes``' ``--preset`` and ``--options-file``;
    ``rebaseline`` its ``--rebaseline``; ``by`` a column of the patients table to group by.
    Refuses, naming the field, options the engine does not have, a grouping column that is
    not there, and a cohort with no usable visit.
    """
    from hsct.outcomes import (  # noqa: PLC0415 - the engine, loaded when asked
        NedaOptions,
        build_cohort,
        groups_of,
        km_fit,
        neda,
        progression,
    )

    progression_options = parse_options(dict(options or {}), preset=preset)
    neda_options = NedaOptions(progression_options, rebaseline=rebaseline)
    neda_options.window_months()
    cohort = build_cohort(
        frames["visits"], frames.get("relapses"), frames.get("mri"), frames.get("patients"),
        strict=False,
    )  # fmt: skip
    report = cohort.report
    if cohort.n_patients == 0:
        raise InvalidInput(
            [FieldError("visits", "no row can be used", "patient_id,date,edss with valid values")]
        )
    if by and by not in cohort.attributes.columns:
        allowed = ", ".join(cohort.attributes.columns) or "none: upload a patients table"
        raise InvalidInput(
            [FieldError("by", f"no column {by!r:.40} in the patients table", allowed)]
        )
    result = progression(cohort, progression_options, threads=1)
    frame = neda(cohort, neda_options, result=result, threads=1)
    groups = groups_of(frame, cohort.attributes, by or None)
    fits = {endpoint: km_fit(frame, endpoint, groups) for endpoint in CURVES}
    events = result.events
    cdw = events[events["event"] == "CDW"].drop_duplicates("patient_id")
    kinds = Counter(str(t) for t in cdw["type"])
    problems = report.frame()
    return {
        "patients": int(cohort.n_patients),
        "visits": int(cohort.n_visits),
        "problems": {
            "errors": int(report.n_errors),
            "warnings": int(report.n_warnings),
            "counts": [
                {key: _plain(v) for key, v in row.items()}
                for row in report.counts().to_dict(orient="records")
            ],
            "rows": [
                {key: _plain(v) for key, v in row.items()}
                for row in problems.head(PROBLEMS_SHOWN).to_dict(orient="records")
            ],
        },
        "events": {
            "confirmed_worsening": int(cdw.shape[0]),
            "PIRA": kinds.get("PIRA", 0),
            "RAW": kinds.get("RAW", 0),
            "not_classified": int(cdw.shape[0]) - kinds.get("PIRA", 0) - kinds.get("RAW", 0),
            "all": int(events.shape[0]),
        },
        "neda3_lost": int(np.asarray(frame["neda3_lost"]).sum()),
        "curves": [_curve(km) for km in fits.values()],
        "options": progression_options.to_dict(),
        "downloads": {
            "events.csv": _csv(events),
            "neda.csv": _csv(frame),
            "km.csv": _csv(pd.concat([km.table().assign(endpoint=e) for e, km in fits.items()])),
        },
    }


def _csv(frame: pd.DataFrame) -> str:
    out = io.StringIO()
    frame.to_csv(out, index=False)
    return out.getvalue()
