"""The engine's input tables: their names and order, their columns, their row numbers, and
the file names and bytes that say Parquet or compressed. No pandas here: the full read
(:mod:`hsct.outcomes.tables`, :mod:`hsct.outcomes.io`) and the quick read of plain CSV files
(:mod:`hsct.outcomes.quick`) share them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np

#: The four tables, in the order problems are reported.
TABLES: Final = ("visits", "relapses", "mri", "patients")
REQUIRED: Final[Mapping[str, tuple[str, ...]]] = {
    "visits": ("patient_id", "date", "edss"),
    "relapses": ("patient_id", "date"),
    "mri": ("patient_id", "date", "gd_enhancing", "new_t2"),
    "patients": ("patient_id", "transplant_date"),
}
OPTIONAL: Final[Mapping[str, tuple[str, ...]]] = {"mri": ("brain_volume_change",)}
#: File extensions read and written as Parquet; anything else is CSV.
PARQUET_SUFFIXES: Final = (".parquet", ".pq", ".parq")
#: The first four bytes of every Parquet file.
PARQUET_MAGIC: Final = b"PAR1"
#: Names pandas reads as compressed files (``compression="infer"``).
COMPRESSED_SUFFIXES: Final = (".gz", ".bz2", ".zip", ".xz", ".zst", ".tar")


def row_numbers(n: int) -> np.ndarray[Any, Any]:
    """The row numbers a spreadsheet shows for ``n`` data rows under a header (2, 3...),
    int32 below 2^31 rows."""
    return np.arange(2, n + 2, dtype=np.int32 if n < 2**31 - 2 else np.int64)
