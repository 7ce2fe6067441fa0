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
