"""The outcomes engine on a Dask cluster: the same kernel, one partition of patients at a time.

Needs the optional extra (``pip install 'hsct-navigator[dask]'``); Dask is imported only when
a run starts, so everything else works without it.

Input: each table (visits, and relapses, MRI and patients when given) is a folder of Parquet
files, or one file, **partitioned by patient**: every patient's rows are in one file, and the
files hold separate ranges of patient ids (file A 1-5000, file B 5001-10000...). This is
checked on the driver from the Parquet footers alone (:func:`hsct.outcomes.io.parquet_parts`,
:func:`hsct.outcomes.io.patient_split`); a patient in two files is refused with the patient
and both file names. The order of the rows inside a file does not matter (each partition is
sorted once, as the single-process engine sorts the whole table). The four tables need not be
split the same way: each is read with its known patient-id boundaries ("divisions"), and the
relapses, MRI and patients are cut at the visits files' boundaries; rows move by patient id
range only, so no patient is split and there is no shuffle. One partition per visits file.

On each partition a worker runs what one process runs on the whole cohort: the row checks
(:func:`~hsct.outcomes.build_cohort`), the compiled search (:func:`~hsct.outcomes.progression`)
and NEDA (:func:`~hsct.outcomes.neda`). Every result is per patient, so the partitions'
results, concatenated in patient order, are the single-process results: events, per-patient
summary, NEDA rows and the input report (row numbers count across the files in name order, as
the single-process engine reads a folder). The one cohort-wide choice, whether NEDA-4 is
computed (some scan has a brain-volume value), is taken over all partitions. Kaplan-Meier
estimates are fitted on the driver from the per-patient NEDA rows
(:func:`~hsct.outcomes.km_fit`), as in one process.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from hsct.common.errors import FieldError, InvalidInput, excerpt
from hsct.common.text import Citation
from hsct.outcomes.io import ParquetPart, as_frame, parquet_parts, patient_split
from hsct.outcomes.neda import NedaOptions, neda
from hsct.outcomes.options import ProgressionOptions
from hsct.outcomes.progression import check_threads, explain, progression
from hsct.outcomes.tables import InputReport, Table, build_cohort

#: How to install what this module needs.
INSTALL: Final = "pip install 'hsct-navigator[dask]'"
#: The hidden columns a partition carries: its rows' numbers, and the patient id as index.
ROW: Final = "__row"
INDEX: Final = "__patient"
#: Most local workers one run starts.
MAX_LOCAL_WORKERS: Final = 256
_LOCAL = re.compile(r"local(?::(\d+))?")
_REMOTE = re.compile(r"(tcp|tls)://\[?[A-Za-z0-9.:_-]+\]?:\d+")
_TABLES: Final[tuple[Table, ...]] = ("visits", "relapses", "mri", "patients")


def _dask() -> tuple[Any, Any, Any]:
    """``dask``, ``dask.dataframe`` and ``distributed``, or one clear error without the extra.

    Typed ``Any``: Dask's annotations are partial, and the calls made here are few.
    """
    try:
        import dask  # noqa: PLC0415 - the extra is optional
        import dask.dataframe as dd  # noqa: PLC0415
        import distributed  # noqa: PLC0415
    except ImportError:
        raise InvalidInput(
            [FieldError("engine", f"the Dask engine is not installed; {INSTALL}", "single")]
        ) from None
    return dask, dd, distributed


def parse_scheduler(text: str) -> tuple[str, int | str]:
    """``("local", workers)`` for ``local`` or ``local:N``; ``("remote", address)`` for
    ``tcp://HOST:PORT`` (or ``tls://``).

    >>> parse_scheduler("local:2"), parse_scheduler("tcp://10.0.0.5:8786")
    (('local', 2), ('remote', 'tcp://10.0.0.5:8786'))
    """
    text = text.strip()
    local = _LOCAL.fullmatch(text)
    if local is not None:
        workers = int(local.group(1)) if local.group(1) else (os.cpu_count() or 1)
        if 1 <= workers <= MAX_LOCAL_WORKERS:
            return "local", workers
    elif _REMOTE.fullmatch(text):
        return "remote", text
    raise InvalidInput(
        [
            FieldError(
                "scheduler",
                f"{excerpt(text)} is not a scheduler",
                f"tcp://HOST:PORT, or local:N with N from 1 to {MAX_LOCAL_WORKERS}",
            )
        ]
    )


@contextmanager
def connect(scheduler: str = "local", *, processes: bool = True) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler``, closed (with a local cluster) on exit.

    ``local:N`` starts N single-threaded workers on 127.0.0.1 (processes, unless
    ``processes=False``: threads of this process, for notebooks), its HTTP server on a free
    loopback port. A script that starts worker processes needs ``if __name__ == "__main__":``
    around its work (the workers are spawned and import the main module).
    """
    kind, where = parse_scheduler(scheduler)
    _, _, distributed = _dask()
    if kind == "local":
        with (
            distributed.LocalCluster(
                n_workers=int(where),
                threads_per_worker=1,
                processes=processes,
                host="127.0.0.1",
                # Its HTTP server on a free loopback port: 8787 may be taken by another run.
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.ERROR,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = distributed.Client(where, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise InvalidInput(
            [FieldError("scheduler", f"cannot reach {where}: {str(exc)[:120]}")]
        ) from None
    with client:
        yield client


@dataclass(frozen=True, slots=True)
class DistributedResult:
    """What :func:`run` gives back: the single-process engine's tables, concatenated.

    ``events`` and ``summary`` are those of :class:`~hsct.outcomes.ProgressionResult`
    (empty when not asked for), ``neda`` that of :func:`~hsct.outcomes.neda` (``None`` when
    not asked for), ``attributes`` the patients table's extra columns by patient (for
    :func:`~hsct.outcomes.groups_of`), ``report`` every input problem.
    """

    events: pd.DataFrame
    summary: pd.DataFrame
    neda: pd.DataFrame | None
    attributes: pd.DataFrame
    report: InputReport
    n_patients: int
    n_visits: int
    partitions: int
    sources: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class _Spec:
    """What every partition is asked to do (sent to the workers)."""

    options: ProgressionOptions
    neda_options: NedaOptions | None
    events: bool
    summary: bool
    explain: bool
    has_mri: bool
    threads: int = 1  # the kernel's threads in each worker
    brain_volume: bool = False  # compute NEDA-4 even when this partition has no value


@dataclass(frozen=True, slots=True)
class _Part:
    events: pd.DataFrame
    summary: pd.DataFrame
    neda: pd.DataFrame | None
    attributes: pd.DataFrame
    report: list[pd.DataFrame]
    n_patients: int
    n_visits: int
    has_brain_volume: bool
    sources: tuple[Citation, ...]


def _read_part(path: str, first_row: int) -> pd.DataFrame:
    """One Parquet file as a partition: its rows' numbers added, the patient id as index."""
    frame = as_frame(pq.read_table(path))
    frame[ROW] = np.arange(first_row, first_row + len(frame), dtype=np.int64)
    return frame.set_index(pd.Index(frame["patient_id"].to_numpy(), name=INDEX))


def _meta(path: Path) -> pd.DataFrame:
    """An empty partition with the columns and types of the file at ``path``."""
    frame = as_frame(pq.read_schema(path).empty_table())
    frame[ROW] = np.zeros(0, dtype=np.int64)
    return frame.set_index(pd.Index(frame["patient_id"].to_numpy(), name=INDEX))


def _whole_rows(report: pd.DataFrame, rows: np.ndarray[Any, Any]) -> pd.DataFrame:
    """A partition's report rows numbered as in the whole table (the same integer type)."""
    local = report["row"].to_numpy()
    whole = rows[local - 2]
    if whole.size and whole.max() > np.iinfo(local.dtype).max:
        return report.assign(row=whole)
    return report.assign(row=whole.astype(local.dtype))


def _part(
    visits: pd.DataFrame,
    relapses: pd.DataFrame | None,
    mri: pd.DataFrame | None,
    patients: pd.DataFrame | None,
    spec: _Spec,
) -> _Part:
    """The single-process engine on one partition (runs on a worker)."""
    frames: dict[str, pd.DataFrame | None] = {}
    rows: dict[str, np.ndarray[Any, Any]] = {}
    for name, frame in zip(_TABLES, (visits, relapses, mri, patients), strict=True):
        if frame is None:
            frames[name] = None
            continue
        plain = frame.reset_index(drop=True)
        rows[name] = plain.pop(ROW).to_numpy()
        frames[name] = plain
    cohort = build_cohort(
        frames["visits"],
        frames["relapses"],
        frames["mri"],
        frames["patients"],
        strict=False,
    )
    has_bv = cohort.has_brain_volume
    if spec.brain_volume and cohort.has_mri and not has_bv:
        cohort = dataclasses.replace(cohort, has_brain_volume=True)
    # Row numbers of the partition (2, 3...) back to those of the whole table.
    report = [_whole_rows(frame, rows[str(frame["table"].iat[0])]) for frame in cohort.report.rows]
    result = progression(cohort, spec.options, threads=spec.threads)
    events = result.events if spec.events else result.events.iloc[:0]
    if spec.explain:
        events = events.assign(
            explanation=[" ".join(explain(result, i)) for i in range(len(events))]
        )
    return _Part(
        events=events,
        summary=result.summary if spec.summary else result.summary.iloc[:0],
        neda=None
        if spec.neda_options is None
        else neda(cohort, spec.neda_options, result=result, threads=spec.threads),
        attributes=cohort.attributes,
        report=report,
        n_patients=cohort.n_patients,
        n_visits=cohort.n_visits,
        has_brain_volume=has_bv,
        sources=tuple(result.sources()),
    )


def _parts(source: str | Path, table: Table) -> list[ParquetPart]:
    """The files of one table, checked: Parquet, whole patients, every row with a patient."""
    path = Path(source)
    parts = parquet_parts(path, table)
    patient_split(parts, table, path)
    for part in parts:
        if part.nulls:
            raise InvalidInput(
                [
                    FieldError(
                        table,
                        f"{part.nulls} rows of {excerpt(part.path.name)} have no patient_id",
                        "a patient id on every row (the single-process engine lists such rows)",
                    )
                ]
            )
    return parts


def _id_kind(parts: Sequence[ParquetPart]) -> str:
    schema = pq.read_schema(parts[0].path)
    kind = schema.field("patient_id").type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return "whole numbers" if pa.types.is_integer(kind) else "text"


def _concat(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Frames one after another; empty ones left out (their column types may differ)."""
    full = [f for f in frames if len(f)]
    if not full:
        return frames[0]
    return full[0] if len(full) == 1 else pd.concat(full)


def _checked(sources: dict[Table, str | Path | None]) -> dict[Table, list[ParquetPart]]:
    """Each given table's files, checked, with the same type of patient id as the visits."""
    tables = {name: _parts(path, name) for name, path in sources.items() if path is not None}
    id_kind = _id_kind(tables["visits"])
    for name, parts in tables.items():
        if _id_kind(parts) != id_kind:
            raise InvalidInput(
                [
                    FieldError(
                        f"{name}.patient_id",
                        f"is {_id_kind(parts)} but the visits' patient_id is {id_kind}",
                        "the same type of patient id in every table",
                    )
                ]
            )
    return tables


def _partitions(tables: dict[Table, list[ParquetPart]]) -> tuple[dict[Table, list[Any]], int]:
    """Per table, one delayed partition per visits file (cut at the same patient ids)."""
    _, dd, _ = _dask()
    frames: dict[Table, Any] = {}
    lows: list[Any] = []
    highs: list[Any] = []
    for name, parts in tables.items():
        ranged = sorted((p for p in parts if p.low is not None), key=lambda p: p.low)
        if not ranged:  # no rows: every partition gets the empty table
            frames[name] = _meta(parts[0].path)
            continue
        lows.append(ranged[0].low)
        highs.append(ranged[-1].high)
        frames[name] = dd.from_map(
            _read_part,
            [str(p.path) for p in ranged],
            [p.first_row for p in ranged],
            divisions=(*(p.low for p in ranged), ranged[-1].high),
            meta=_meta(ranged[0].path),
            enforce_metadata=False,
            label=f"read-{name}",
        )
    # One partition per visits file, widened to take every other table's first and last
    # patients; the other tables are cut at these boundaries (by patient id, no shuffle).
    visits = frames["visits"]
    inner = [] if isinstance(visits, pd.DataFrame) else list(visits.divisions[1:-1])
    if lows:
        bounds = [min(lows), *inner, max(highs)]
    else:  # no rows in any table: one empty partition
        bounds = [0, 0] if _id_kind(tables["visits"]) == "whole numbers" else ["", ""]
    n = len(bounds) - 1
    out: dict[Table, list[Any]] = {}
    for name, frame in frames.items():
        if isinstance(frame, pd.DataFrame):
            out[name] = [frame] * n
        elif tuple(frame.divisions) == tuple(bounds):
            out[name] = frame.to_delayed()
        else:
            out[name] = frame.repartition(divisions=bounds, force=True).to_delayed()
    return out, n


def _submit(
    client: Any,
    per_table: dict[Table, list[Any]],
    indices: Sequence[int],
    spec: _Spec,
    progress: Callable[[int, int], None] | None,
) -> list[_Part]:
    """Run :func:`_part` on the partitions ``indices``; results in that order."""
    dask, _, distributed = _dask()
    tasks = [
        dask.delayed(_part, pure=True)(
            *(per_table[t][i] if t in per_table else None for t in _TABLES), spec
        )
        for i in indices
    ]
    futures = client.compute(tasks)
    where = {future.key: i for i, future in enumerate(futures)}
    parts: list[Any] = [None] * len(futures)
    # Each result is fetched as soon as it is ready and released on the worker, so a worker
    # holds one partition's inputs and results at a time, not all of its results to the end.
    done = distributed.as_completed(futures, with_results=True)
    for count, (future, part) in enumerate(done, start=1):
        parts[where[future.key]] = part
        future.release()
        if progress is not None:
            progress(count, len(indices))
    return parts


def run(
    visits: str | Path,
    relapses: str | Path | None = None,
    mri: str | Path | None = None,
    patients: str | Path | None = None,
    *,
    options: ProgressionOptions | None = None,
    neda_options: NedaOptions | None = None,
    events: bool = True,
    summary: bool = True,
    explain_events: bool = False,
    client: Any = None,
    scheduler: str = "local",
    threads: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> DistributedResult:
    """Confirmed progression (and NEDA with ``neda_options``) on a Dask cluster.

    ``client``: a ``distributed.Client`` to use; without one, a cluster is reached or started
    for ``scheduler`` (:func:`connect`) and closed at the end. ``progress`` is called with
    (partitions done, partitions) as they finish. ``events``/``summary``: whether to bring
    these tables back to the driver (NEDA and Kaplan-Meier need neither). ``threads``: the
    compiled search's threads in each worker (1 suits workers of one thread each, as
    :func:`connect` starts them; more for workers given several cores).

    Raises
    ------
    InvalidInput
        Dask not installed; a table that is not Parquet, has a patient in two files, rows
        without a patient id, or patient ids of another type than the visits'.
    """
    _dask()
    tables = _checked({"visits": visits, "relapses": relapses, "mri": mri, "patients": patients})
    spec = _Spec(
        options or (neda_options.progression if neda_options else ProgressionOptions()),
        neda_options,
        events=events,
        summary=summary,
        explain=explain_events,
        has_mri=mri is not None,
        threads=check_threads(threads),
    )
    if client is not None:
        return _run(client, tables, spec, progress)
    with connect(scheduler) as started:
        return _run(started, tables, spec, progress)


def _run(
    client: Any,
    tables: dict[Table, list[ParquetPart]],
    spec: _Spec,
    progress: Callable[[int, int], None] | None,
) -> DistributedResult:
    dask, _, _ = _dask()
    with dask.config.set({"dataframe.convert-string": False}):
        per_table, n = _partitions(tables)
        parts = _submit(client, per_table, range(n), spec, progress)
        # NEDA-4 is computed for everyone when any scan anywhere has a brain-volume value.
        redo = [i for i, p in enumerate(parts) if not p.has_brain_volume]
        if spec.neda_options is not None and len(redo) < n:
            again = _submit(
                client, per_table, redo, dataclasses.replace(spec, brain_volume=True), progress
            )
            for i, part in zip(redo, again, strict=True):
                parts[i] = part
    return DistributedResult(
        events=_concat([p.events for p in parts]).reset_index(drop=True),
        summary=_concat([p.summary for p in parts]).reset_index(drop=True),
        neda=None
        if spec.neda_options is None
        else _concat([p.neda for p in parts if p.neda is not None]).reset_index(drop=True),
        attributes=_concat([p.attributes for p in parts]),
        report=InputReport([frame for p in parts for frame in p.report]),
        n_patients=sum(p.n_patients for p in parts),
        n_visits=sum(p.n_visits for p in parts),
        partitions=n,
        sources=parts[0].sources,
    )
