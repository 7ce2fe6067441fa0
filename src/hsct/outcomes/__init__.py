"""Outcomes engine: confirmed progression, NEDA and survival, computed on whole columns.

Tables in (visits, relapses, MRI, patients), checked row by row (:func:`build_cohort`);
confirmed worsening and improvement with PIRA/RAW (:func:`progression`, :func:`explain`);
NEDA-3/4 and durable remission (:func:`neda`); Kaplan-Meier curves (:func:`km_table`,
:func:`km_svg`). Every definition and option: docs/user-guide/outcomes.md.
"""

from hsct.outcomes.neda import NedaOptions, neda
from hsct.outcomes.options import (
    PIRA_WINDOWS,
    PRESETS,
    THRESHOLDS,
    ProgressionOptions,
    RelapseIndependence,
    parse_options,
)
from hsct.outcomes.progression import EVENT_COLUMNS, ProgressionResult, explain, progression
from hsct.outcomes.survival import ENDPOINTS, LANDMARKS, groups_of, km_svg, km_table
from hsct.outcomes.tables import Cohort, InputReport, build_cohort, frames_from_records, read_csv

__all__ = [
    "ENDPOINTS",
    "EVENT_COLUMNS",
    "LANDMARKS",
    "PIRA_WINDOWS",
    "PRESETS",
    "THRESHOLDS",
    "Cohort",
    "InputReport",
    "NedaOptions",
    "ProgressionOptions",
    "ProgressionResult",
    "RelapseIndependence",
    "build_cohort",
    "explain",
    "frames_from_records",
    "groups_of",
    "km_svg",
    "km_table",
    "neda",
    "parse_options",
    "progression",
    "read_csv",
]
