"""Outcomes engine: confirmed progression, NEDA and survival, computed on whole columns.

Tables in (visits, relapses, MRI, patients), checked row by row (:func:`build_cohort`);
confirmed worsening and improvement with PIRA/RAW (:func:`progression`, :func:`explain`);
NEDA-3/4 and durable remission (:func:`neda`); Kaplan-Meier curves (:func:`km_table`,
:func:`km_svg`); the compiled kernel warmed up ahead of use (:func:`start_warm_up`).
Tables from CSV, Parquet or Arrow and results out as CSV or Parquet (:func:`read_table`,
:func:`load_cohort`, :func:`write_table`); the same engine on a Dask cluster:
:mod:`hsct.outcomes.distributed` (the optional ``[dask]`` extra).
Every definition and option: docs/user-guide/outcomes.md.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from hsct.outcomes.io import (
        is_patient_sorted,
        load_cohort,
        read_table,
        write_partitioned,
        write_table,
    )
    from hsct.outcomes.neda import REBASELINE_WINDOW_MONTHS, NedaOptions, neda, neda_sources
    from hsct.outcomes.options import (
        PIRA_WINDOWS,
        PRESETS,
        THRESHOLDS,
        ProgressionOptions,
        RelapseIndependence,
        parse_options,
    )
    from hsct.outcomes.progression import (
        EVENT_COLUMNS,
        ProgressionResult,
        explain,
        explain_messages,
        progression,
    )
    from hsct.outcomes.report import PersonReport, person_report
    from hsct.outcomes.survival import (
        ENDPOINTS,
        LANDMARKS,
        LIFELINES,
        KaplanMeier,
        curves_svg,
        groups_of,
        km_fit,
        km_svg,
        km_table,
    )
    from hsct.outcomes.tables import (
        Cohort,
        InputReport,
        build_cohort,
        history_frames,
        read_csv,
        to_records,
    )
    from hsct.outcomes.warmup import KernelStatus, kernel_status, start_warm_up, warm_up

#: Where each name lives: imported when first used, so that importing one module of the
#: package (the command line's quick path, the compiled kernel) does not import pandas.
_HOMES: Final = {
    "is_patient_sorted": "hsct.outcomes.io",
    "load_cohort": "hsct.outcomes.io",
    "read_table": "hsct.outcomes.io",
    "write_partitioned": "hsct.outcomes.io",
    "write_table": "hsct.outcomes.io",
    "NedaOptions": "hsct.outcomes.neda",
    "REBASELINE_WINDOW_MONTHS": "hsct.outcomes.neda",
    "neda": "hsct.outcomes.neda",
    "neda_sources": "hsct.outcomes.neda",
    "PIRA_WINDOWS": "hsct.outcomes.options",
    "PRESETS": "hsct.outcomes.options",
    "ProgressionOptions": "hsct.outcomes.options",
    "RelapseIndependence": "hsct.outcomes.options",
    "THRESHOLDS": "hsct.outcomes.options",
    "parse_options": "hsct.outcomes.options",
    "EVENT_COLUMNS": "hsct.outcomes.progression",
    "ProgressionResult": "hsct.outcomes.progression",
    "explain": "hsct.outcomes.progression",
    "explain_messages": "hsct.outcomes.progression",
    "progression": "hsct.outcomes.progression",
    "PersonReport": "hsct.outcomes.report",
    "person_report": "hsct.outcomes.report",
    "ENDPOINTS": "hsct.outcomes.survival",
    "KaplanMeier": "hsct.outcomes.survival",
    "LANDMARKS": "hsct.outcomes.survival",
    "LIFELINES": "hsct.outcomes.survival",
    "curves_svg": "hsct.outcomes.survival",
    "groups_of": "hsct.outcomes.survival",
    "km_fit": "hsct.outcomes.survival",
    "km_svg": "hsct.outcomes.survival",
    "km_table": "hsct.outcomes.survival",
    "Cohort": "hsct.outcomes.tables",
    "InputReport": "hsct.outcomes.tables",
    "build_cohort": "hsct.outcomes.tables",
    "history_frames": "hsct.outcomes.tables",
    "read_csv": "hsct.outcomes.tables",
    "to_records": "hsct.outcomes.tables",
    "KernelStatus": "hsct.outcomes.warmup",
    "kernel_status": "hsct.outcomes.warmup",
    "start_warm_up": "hsct.outcomes.warmup",
    "warm_up": "hsct.outcomes.warmup",
}


class _Package(types.ModuleType):
    """This package, where a function named as its module stays the function.

    ``progression`` and ``neda`` are functions in modules of the same names. Importing a
    module binds it on the package; here the function is bound instead, as the package's
    own ``from hsct.outcomes.progression import progression`` used to leave it.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _HOMES.get(name) == f"{__name__}.{name}":
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__all__ = [
    "ENDPOINTS",
    "EVENT_COLUMNS",
    "LANDMARKS",
    "LIFELINES",
    "PIRA_WINDOWS",
    "PRESETS",
    "REBASELINE_WINDOW_MONTHS",
    "THRESHOLDS",
    "Cohort",
    "InputReport",
    "KaplanMeier",
    "KernelStatus",
    "NedaOptions",
    "PersonReport",
    "ProgressionOptions",
    "ProgressionResult",
    "RelapseIndependence",
    "build_cohort",
    "curves_svg",
    "explain",
    "explain_messages",
    "groups_of",
    "history_frames",
    "is_patient_sorted",
    "kernel_status",
    "km_fit",
    "km_svg",
    "km_table",
    "load_cohort",
    "neda",
    "neda_sources",
    "parse_options",
    "person_report",
    "progression",
    "read_csv",
    "read_table",
    "start_warm_up",
    "to_records",
    "warm_up",
    "write_partitioned",
    "write_table",
]
