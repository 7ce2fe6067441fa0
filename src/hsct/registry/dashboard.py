"""A clinic's outcomes: survival curves beside the published ones, events, safety, data quality.

Every figure comes from the clinic's records through the outcomes engine (the same code as
``hsct outcomes``): the records' EDSS visits, relapses and MRI become the engine's tables
(:func:`hsct.registry.status.engine_rows`, the person's status page uses it too), then
confirmed worsening (PIRA/RAW) and NEDA-3 per patient, then Kaplan-Meier curves with 95%
intervals and numbers at risk. Options are shown with every figure; self-rated EDSS is left
out unless the clinic includes it, and the choice is part of every figure's description.

Published benchmarks are drawn only where the study's endpoint is the same as the curve's
(:data:`BENCHMARK_MEASURES`); a "progression-free survival" that counts deaths as events is
not drawn beside a curve of confirmed worsening alone.

Results are cached in this process by the clinic's data version (entries, changes, records
and settings), so a page shown again costs a query, and any change recomputes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import statistics
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from threading import Lock
from typing import Any, Final

import orjson
from sqlalchemy import Connection, Select, String, Text, cast, func, select
from sqlalchemy.orm import Session

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.text import Citation
from hsct.knowledge import Catalog, load_catalog
from hsct.registry.access import Actor, Permission
from hsct.registry.clinics import clinic_for, clinic_touch
from hsct.registry.db import display_url
from hsct.registry.migrate import DatabaseUnavailableError
from hsct.registry.status import RATER_ORDER, STATUS_OPTIONS
from hsct.registry.tables import Clinic, ImportRun, Patient, RecordEntry

#: How the curves can be split.
GROUPINGS: Final = ("regimen", "intensity", "ms_type", "era")
#: Curves drawn, with the published measures that share their definition.
ENDPOINTS: Final = ("neda3", "cdw", "relapse", "mri", "survival")
BENCHMARK_MEASURES: Final[Mapping[str, tuple[str, ...]]] = {
    # NEDA-3, and MS-activity-free survival (no relapse, no new or enhancing lesion, no
    # confirmed EDSS worsening: Atkins 2016), are the same composite.
    "neda3": ("NEDA", "activity_free"),
    # Free of confirmed disability worsening; "progression" is reported as the share WITH it.
    "cdw": ("worsening_free", "progression"),
    "relapse": (),
    "mri": (),
    # Alive at the landmark, whatever the cause of death.
    "survival": ("OS",),
}
SURVIVAL_TITLE: Final = "Alive (overall survival)"
#: Deaths this close to day 0 count as transplant-related (EBMT's day-100 mortality),
#: whatever the record says; later ones when the record says so.
TRM_DAYS: Final = 100
YEAR_DAYS: Final = 365.25
LANDMARKS: Final = (1.0, 2.0, 3.0, 5.0, 10.0)
#: Default follow-up time points (days after day 0) and their windows (± days): day 100,
#: month 6, then yearly (dossier registry.md: "day 0, day 100, month 6, then yearly"; the
#: windows are this registry's documented rule, editable per clinic).
DEFAULT_SCHEDULE: Final = (
    {"label": "day 100", "days": 100, "window": 30},
    {"label": "month 6", "days": 183, "window": 60},
    *({"label": f"year {y}", "days": round(y * YEAR_DAYS), "window": 90} for y in range(1, 21)),
)
#: No EDSS visit in this long: lost to follow-up (the issue's rule; EBMT asks yearly).
LOST_DAYS: Final = 2 * 365
SCHEDULE_SOURCE: Final = Citation(
    label="EBMT registry data collection: registration at day 0, day 100, then yearly; "
    "this registry adds month 6 (the re-baseline MRI, Das 2021)",
    date="2024-01-01",
    url="https://www.ebmt.org/registry/data-collection",
)
CACHE_SIZE: Final = 32
RATER_RANK: Final = {rater: rank for rank, rater in enumerate(RATER_ORDER)}
CONFIRMATION_WEEKS: Final = (12, 24)


@dataclass(frozen=True, slots=True)
class DashboardOptions:
    """What the figures count: the progression definition and who rated the EDSS."""

    by: str | None = None
    include_self_rated: bool = False
    #: Weeks to the confirming visit: 12 (the personal status page's) or 24.
    confirmation_weeks: int = 12
    threshold: str = "msbase"
    rebaseline: bool = False

    def check(self) -> None:
        """Refuse options the dashboard does not have, naming them."""
        if self.by is not None and self.by not in GROUPINGS:
            raise InvalidInput(
                [FieldError("by", f"{self.by!r:.30} is not a grouping", ", ".join(GROUPINGS))]
            )
        if self.confirmation_weeks not in CONFIRMATION_WEEKS:
            raise InvalidInput([FieldError("confirmation_weeks", "is not 12 or 24", "12 or 24")])
        if self.threshold not in ("msbase", "pymsprog"):
            raise InvalidInput(
                [
                    FieldError(
                        "threshold",
                        f"{self.threshold!r:.30} is not a convention",
                        "msbase, pymsprog",
                    )
                ]
            )

    def describe(self) -> str:
        """The options in words, for every figure."""
        rated = (
            "all raters"
            if self.include_self_rated
            else "clinician-rated only (self-rated left out)"
        )
        rebase = "MRI re-baselined at about month 6" if self.rebaseline else "MRI from day 0"
        from hsct.outcomes import THRESHOLDS  # noqa: PLC0415 - the engine's options

        rule = THRESHOLDS[self.threshold].worsening
        return (
            f"Time zero: day 0. Confirmed disability worsening ({self.threshold}: {rule}), "
            f"confirmed {self.confirmation_weeks} weeks later, roving baseline, PIRA/RAW by "
            f"relapses; EDSS {rated}; {rebase}."
        )


@dataclass(slots=True)
class Curve:
    """One endpoint's Kaplan-Meier curves (one per group) and its landmark table."""

    endpoint: str
    title: str
    groups: list[dict[str, Any]]
    table: list[dict[str, Any]]
    benchmarks: list[dict[str, Any]]


@dataclass(slots=True)
class Dashboard:
    """Everything the clinic's outcome pages show (JSON-ready through :meth:`to_dict`)."""

    clinic_id: str
    version: str
    computed_at: str
    options: dict[str, Any]
    description: str
    patients: int
    with_day0: int
    curves: list[Curve]
    mortality: dict[str, Any]
    pira_raw: dict[str, int]
    edss_change: list[dict[str, Any]]
    adverse_events: list[dict[str, Any]]
    qol: list[dict[str, Any]]
    quality: dict[str, Any]
    chase: list[dict[str, Any]]
    #: The tables behind the figures: every confirmed event, and NEDA per patient.
    events: list[dict[str, Any]] = field(default_factory=list)
    neda: list[dict[str, Any]] = field(default_factory=list)
    schedule: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for reading only: the tables are the cached dashboard's own lists (a
        deep copy of 5,000 patients' rows took longer than the page)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["curves"] = [asdict(curve) for curve in self.curves]
        return out


# ---------------------------------------------------------------- statistics


def wilson(events: int, n: int, z: float = 1.959964) -> tuple[float | None, float | None]:
    """Wilson's 95% interval of a proportion (as fractions); ``(None, None)`` when n is 0.

    >>> [round(x, 4) for x in wilson(1, 24)]
    [0.0074, 0.2024]
    >>> wilson(0, 0)
    (None, None)
    """
    if n <= 0:
        return None, None
    p = events / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denominator = 1 + z * z / n
    return max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)


def mean_interval(values: Sequence[float]) -> tuple[float, float | None, float | None]:
    """Mean and its normal-approximation 95% interval (no interval under two values)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, None, None
    half = 1.959964 * statistics.stdev(values) / math.sqrt(len(values))
    return mean, mean - half, mean + half


# ---------------------------------------------------------------- data version and cache

_cache: OrderedDict[tuple[str, str, DashboardOptions, str], Dashboard] = OrderedDict()
_cache_lock = Lock()


def data_version(clinic: Clinic) -> str:
    """A key that changes whenever the clinic's records or settings change.

    Every write to a clinic's records raises ``clinic.data_version`` in its transaction
    (:func:`hsct.registry.clinics.clinic_touch`); the settings are part of the key too.
    """
    text = json.dumps([clinic.data_version, clinic.settings], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ---------------------------------------------------------------- the computation


#: Entries read in bulk as columns (the rest, far fewer, one by one with their whole data).
_BULK_KINDS: Final = ("edss", "relapse", "mri")
#: One sortable whole number per (patient, day): ``number * _KEY + day + _SHIFT``.
_KEY: Final = 1 << 33
_SHIFT: Final = 1 << 31
_EPOCH: Final = dt.date(1970, 1, 1)


def _day(date: dt.date) -> int:
    return (date - _EPOCH).days


def _key(number: Any, day: Any) -> Any:
    """The sortable key of (patient number, day), for whole arrays or single values."""
    return number * _KEY + day + _SHIFT


def _date_of(day: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(day))


@dataclass(slots=True)
class CohortColumns:
    """A clinic's records in columns.

    Patients are numbered in study-code order. EDSS, relapse and MRI entries are arrays,
    each patient's by kind, then date, then time written: ``p`` the patient's number,
    ``kind``, ``day`` (days since 1970-01-01), ``self_`` (self-reported), the EDSS ``value``
    and ``rater``, the MRI's ``new_t2`` and ``gd`` (NaN when not given); ``kind`` and
    ``rater`` are pandas Categoricals (missing rater: NaN). Every other entry
    (to-dos aside: they play no part in the figures) is a tuple ``(number, kind, day,
    provenance, data)`` in the same order.
    """

    ids: list[str]
    codes: list[str]
    p: Any
    kind: Any
    day: Any
    self_: Any
    value: Any
    rater: Any
    new_t2: Any
    gd: Any
    other: list[tuple[int, str, int, str, dict[str, Any]]]

    @property
    def n(self) -> int:
        return len(self.ids)


def _fetch(connection: Connection, statement: Select[*tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The statement's rows as the driver's own tuples (the columns are text already, so
    nothing needs converting), on the session's connection, so in its transaction."""
    # Rendered with its values written in (ids, kinds and JSON paths, quoted by SQLAlchemy
    # for this database): the driver then needs no parameters, and no bind processing is
    # skipped.
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def cohort_read(session: Session, *, actor: Actor | None, clinic_id: str) -> CohortColumns:
    """A clinic's records in columns, for the engine (staff, monitors and leads of the
    clinic; the system when ``actor`` is None). Another clinic's is a 404."""
    clinic_for(session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_RECORDS_READ)
    return _read(session, clinic_id)


def _read(session: Session, clinic_id: str) -> CohortColumns:
    """The clinic's records in columns: the bulk kinds as arrays, the others as tuples."""
    import numpy as np  # noqa: PLC0415 - the engine's stack, only when a dashboard is made
    import pandas as pd  # noqa: PLC0415

    found = session.execute(
        select(Patient.id, Patient.code)
        .where(Patient.clinic_id == clinic_id)
        .order_by(Patient.code, Patient.id)
    ).all()
    ids = [pid for pid, _ in found]
    codes = [code or pid for pid, code in found]
    index = pd.Index(ids)
    connection = session.connection()
    # Each patient's entries in the order they were written (by kind: only the order within
    # a kind matters); driven by the (patient, kind, date) index.
    order = (
        RecordEntry.patient_id,
        RecordEntry.kind,
        RecordEntry.date,
        RecordEntry.created_at,
        RecordEntry.id,
    )
    in_clinic = RecordEntry.patient_id.in_(
        select(Patient.id).where(Patient.clinic_id == clinic_id).scalar_subquery()
    )

    def rows(kinds: Any) -> list[tuple[Any, ...]]:
        return _fetch(
            connection,
            select(
                RecordEntry.patient_id,
                RecordEntry.kind,
                cast(RecordEntry.date, String),
                RecordEntry.provenance,
                cast(RecordEntry.data, Text),
            )
            .where(in_clinic, kinds)
            .order_by(*order),
        )

    if connection.dialect.name == "postgresql":
        bulk, other = _copied(connection, ids)
    else:
        bulk = _bulk_fetched(rows(RecordEntry.kind.in_(_BULK_KINDS)), index)
        # In patient-number order, each patient's entries keeping their order. A record made
        # by someone else between the queries is left out: it was not in the list of
        # patients, and the next view counts it.
        known = np.flatnonzero(bulk["p"] >= 0)
        order_ = known[np.argsort(bulk["p"][known], kind="stable")]
        bulk = {name: column[order_] for name, column in bulk.items()}
        position = {pid: number for number, pid in enumerate(ids)}
        other = [
            (
                position[pid],
                kind,
                _day(dt.date.fromisoformat(date[:10])),
                prov,
                orjson.loads(text),
            )
            for pid, kind, date, prov, text in rows(RecordEntry.kind.not_in(_NOT_OTHER))
            if pid in position
        ]
        other.sort(key=lambda row: row[0])  # stable: each patient's entries keep their order
    return CohortColumns(
        ids=ids,
        codes=codes,
        p=bulk["p"],
        kind=bulk["kind"],
        day=bulk["day"],
        self_=bulk["self"],
        value=bulk["value"],
        rater=bulk["rater"],
        new_t2=bulk["new_t2"],
        gd=bulk["gd"],
        other=other,
    )


def _bulk_fetched(bulk: list[tuple[Any, ...]], index: Any) -> dict[str, Any]:
    """The EDSS, relapse and MRI rows (patient id, kind, date, provenance, JSON text) as
    arrays; the JSON read by orjson and the four fields picked in Python, faster than asking
    SQLite to take each out of the JSON text (it parses the text again for every field)."""
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    columns: list[Any] = list(zip(*bulk, strict=True)) if bulk else [()] * 5
    pids, kinds, dates, provenance, texts = columns
    fields = [orjson.loads(text) for text in texts]
    return {
        "p": index.get_indexer(pd.Index(pids)).astype(np.int64),
        "kind": pd.Categorical(np.array(kinds, dtype=object), categories=_KIND_CODES),
        "day": np.array(dates, dtype="datetime64[D]").astype(np.int64),
        "self": np.array(provenance, dtype=object) == "self",
        "value": np.array([f.get("value") for f in fields], dtype=float),  # None: NaN
        "rater": pd.Categorical(np.array([f.get("rater") for f in fields], dtype=object)),
        "new_t2": np.array([f.get("new_t2") for f in fields], dtype=float),
        "gd": np.array([f.get("gd_enhancing") for f in fields], dtype=float),
    }


#: Kinds that are not among the "other" entries: the bulk kinds, and to-dos (no part in the
#: figures).
_NOT_OTHER: Final = (*_BULK_KINDS, "todo")

#: The bulk kinds' codes in the column read: in the order of their names, so rows sorted by
#: code are in the order the SQLite read gives (each patient's entries by kind, then date).
_KIND_CODES: Final = tuple(sorted(_BULK_KINDS))


def _postgres_text_array(values: Sequence[str]) -> str:
    """``values`` as a PostgreSQL ``text[]`` literal, quoted and escaped."""
    items = ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "'{" + items.replace("'", "''") + "}'::text[]"


def _day_keys(group: Any, day: Any) -> list[Any]:
    """Sort keys for (``group``, ``day``), least significant first, for
    :func:`numpy.lexsort`: one number, the day in its low 18 bits, when every day is within
    359 years of 1970 (one key sorts faster than two); else the two."""
    import numpy as np  # noqa: PLC0415

    half = 1 << 17
    if day.size and (int(day.min()) < -half or int(day.max()) >= half):
        return [day, group]
    return [(group.astype(np.int64) << 18) | (day + half)]


def _copied(
    connection: Connection, ids: Sequence[str]
) -> tuple[dict[str, Any], list[tuple[int, str, int, str, dict[str, Any]]]]:
    """The entries of the patients ``ids`` from PostgreSQL: the EDSS, relapse and MRI rows
    as arrays, and every other entry (to-dos aside) as a tuple, as :class:`CohortColumns`
    holds them.

    The bulk kinds' four fields come from the generated columns of migration 0005, so no
    JSON is parsed at read time, and the server numbers each row's patient by its place in
    ``ids``. Those rows are read unsorted by Arrow's PostgreSQL driver (ADBC: binary
    ``COPY``, decoded in C++ into Arrow columns, no Python object per row) and sorted here by
    patient, kind, date and time written, all numbers. Entries of one patient, kind, date and
    moment (rare: an import writes all its rows at one moment) are read again, in the order
    of their ids. The other entries (a diagnosis and a transplant a patient, mostly) come
    sorted by the server, their dates as day numbers. 3.3 million entries: see
    ``benchmarks/bench_registry_engine.py``.

    The driver reads on a connection of its own, in one snapshot of its own, as each of the
    dashboard's statements already did: a record made since ``ids`` were read is not among
    them, and its entries are counted at the next view.
    """
    import adbc_driver_postgresql.dbapi as adbc  # type: ignore[import-untyped]  # noqa: PLC0415

    url = connection.engine.url.set(drivername="postgresql")
    try:
        reader = adbc.connect(url.render_as_string(hide_password=False))
    except Exception as error:  # its message may quote the address, password included
        raise DatabaseUnavailableError(
            f"cannot read the cohort from {display_url(url)}: {type(error).__name__}"
        ) from None
    with reader, reader.cursor() as cursor:
        # One snapshot for every read below: the rows tied on a key are read again.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        # A plain scan and hash join: compiling it (JIT) costs more than it saves.
        cursor.execute("SET LOCAL jit = off")
        # The patients' hash in one batch: with PostgreSQL's default 4 MB, 100,000 patients
        # (8 MB of hash) were split in two and half the entries went through temporary
        # files (the bulk read took 3.6 s on the server, 1.2 s in one batch).
        # Never lower than the server's own setting (a DBA may have raised it).
        cursor.execute("SELECT pg_size_bytes(current_setting('work_mem')) / 1024")
        server_kb = int(cursor.fetchone()[0])
        cursor.execute(f"SET LOCAL work_mem = '{_work_mem_kb(len(ids), server_kb)}kB'")
        # The patients' numbers in a temporary table the planner has statistics for: given
        # as ``unnest(...)`` it expects few distinct ids, and hashes the entries instead.
        cursor.execute(
            "CREATE TEMPORARY TABLE hsct_cohort_patient ON COMMIT DROP AS "  # noqa: S608 - quoted
            f"SELECT id, p - 1 AS p FROM unnest({_postgres_text_array(ids)}) "
            "WITH ORDINALITY AS n(id, p)"
        )
        cursor.execute("ANALYZE hsct_cohort_patient")
        bulk = _bulk_arrays(cursor)
        other = _other_rows(cursor)
        reader.rollback()
    return bulk, other


#: PostgreSQL's largest ``work_mem`` on every platform (2,097,151 kB on Windows): 2 GB less 1 kB.
_WORK_MEM_MAX_KB = 2_097_151


def _work_mem_kb(patients: int, server_kb: int) -> int:
    """PostgreSQL's ``work_mem`` in kB for the cohort read's hash of ``patients`` (about 85
    bytes a patient there; three times that, in whole MB, never under PostgreSQL's default
    4 MB), never lower than the server's own ``server_kb`` nor over the largest allowed."""
    wanted_kb = max(4, -(-patients * 256 // 2**20)) * 1024
    return max(server_kb, min(wanted_kb, _WORK_MEM_MAX_KB))


def _other_rows(cursor: Any) -> list[tuple[int, str, int, str, dict[str, Any]]]:
    """The entries that are not EDSS, relapses, MRI or to-dos, as tuples ``(number, kind,
    day, provenance, data)``, each patient's by kind, date, time written and id, as the
    SQLite read orders them."""
    kinds = ", ".join(f"'{kind}'" for kind in _NOT_OTHER)
    cursor.execute(
        "SELECT n.p, e.kind, e.date - DATE '1970-01-01', e.provenance, e.data::text "  # noqa: S608 - constants
        "FROM record_entry e JOIN hsct_cohort_patient n ON n.id = e.patient_id "
        f"WHERE e.kind NOT IN ({kinds}) ORDER BY n.p, e.kind, e.date, e.created_at, e.id"
    )
    import pyarrow.compute as pc  # type: ignore[import-untyped]  # noqa: PLC0415

    table = cursor.fetch_arrow_table()

    def shared(i: int) -> list[Any]:
        """A text column with one Python string per distinct value (kinds and provenances
        repeat: 200,000 rows of 100,000 patients took 22 MB as a string each)."""
        encoded = pc.dictionary_encode(table.column(i).combine_chunks())
        names = [*encoded.dictionary.to_pylist(), None]
        return [names[j] for j in encoded.indices.fill_null(len(names) - 1).to_pylist()]

    number, day = table.column(0).to_pylist(), table.column(2).to_pylist()
    data = map(orjson.loads, table.column(4).to_pylist())
    return list(zip(number, shared(1), day, shared(3), data, strict=True))


def _bulk_arrays(cursor: Any) -> dict[str, Any]:
    """The EDSS, relapse and MRI rows as arrays, sorted (see :func:`_copied`)."""
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    codes = " ".join(f"WHEN '{kind}' THEN {code}" for code, kind in enumerate(_KIND_CODES))
    kinds = ", ".join(f"'{kind}'" for kind in _KIND_CODES)
    fields = (
        f"n.p, CASE e.kind {codes} END AS kind, e.date - DATE '1970-01-01' AS day, "
        "e.created_at, e.provenance = 'self' AS self, e.edss_value, e.edss_rater, "
        "e.mri_new_t2, e.mri_gd"
    )
    entries = (
        "record_entry e JOIN hsct_cohort_patient n ON n.id = e.patient_id "
        f"WHERE e.kind IN ({kinds})"
    )
    cursor.execute(f"SELECT {fields} FROM {entries}")  # noqa: S608 - constants
    table = cursor.fetch_arrow_table()

    def column(name: str, dtype: Any) -> Any:
        """One column as a numpy array of ``dtype``, copied only where it must be."""
        values = table[name]
        values = values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()
        return values.to_numpy(zero_copy_only=False).astype(dtype, copy=False)

    p = column("p", np.int64)
    kind = column("kind", np.int8)
    day = column("day", np.int64)
    written = table["created_at"].cast(pa.int64()).to_numpy()
    order = np.lexsort((written, *_day_keys(p * len(_KIND_CODES) + kind, day)))
    same = np.ones(max(order.size - 1, 0), dtype=bool)
    for key in (p, kind, day, written):
        ordered = key[order]
        same &= ordered[1:] == ordered[:-1]
    del ordered
    ties = np.flatnonzero(np.r_[same, False] | np.r_[False, same])  # places in ``order``
    if ties.size:
        # The tied rows again, with their ids, in the same order and then by id: equal in
        # every key, so each place takes the row of the same rank. One key a group.
        firsts = order[np.flatnonzero(same & ~np.r_[False, same[:-1]])]
        keys = ",".join(
            f"({int(p[i])}, {int(kind[i])}, {int(day[i])}, {int(written[i])})" for i in firsts
        )
        cursor.execute(
            f"SELECT {fields} FROM {entries} AND (n.p, CASE e.kind {codes} END, "  # noqa: S608
            "e.date - DATE '1970-01-01', (extract(epoch FROM e.created_at) * 1000000)::int8)"
            f" IN ({keys}) ORDER BY 1, 2, 3, 4, e.id"  # constants and integers only
        )
        again = cursor.fetch_arrow_table()
        if again.num_rows != ties.size:  # cannot happen within one snapshot
            raise RuntimeError(f"{again.num_rows} tied entries read again, {ties.size} before")
        table = pa.concat_tables([table, again])
        order[ties] = np.arange(table.num_rows - again.num_rows, table.num_rows)
        p = column("p", np.int64)
        kind = column("kind", np.int8)
        day = column("day", np.int64)
    del same, written
    # Kinds and raters as categories: a byte a row, compared as numbers (as an object a row,
    # 3.1 million rows took 25 MB each and every comparison a string compare per row).
    raters = pc.dictionary_encode(table["edss_rater"].combine_chunks())
    rater = raters.indices.fill_null(-1).to_numpy()
    return {
        "p": p[order],
        "kind": pd.Categorical.from_codes(kind[order], categories=_KIND_CODES),
        "day": day[order],
        "self": column("self", bool)[order],
        "value": column("edss_value", np.float64)[order],
        "rater": pd.Categorical.from_codes(rater[order], categories=raters.dictionary.to_pylist()),
        "new_t2": column("mri_new_t2", np.float64)[order],
        "gd": column("mri_gd", np.float64)[order],
    }


def schedule_of(clinic: Clinic) -> list[dict[str, Any]]:
    """The clinic's follow-up time points, or the default ones."""
    settings = clinic.settings or {}
    return list(settings.get("schedule") or DEFAULT_SCHEDULE)


def _era(day0: dt.date) -> str:
    if day0.year < 2010:
        return "before 2010"
    if day0.year < 2015:
        return "2010-2014"
    if day0.year < 2020:
        return "2015-2019"
    return "2020 on"


def cohort_dashboard(
    session: Session,
    *,
    actor: Actor | None,
    clinic_id: str,
    options: DashboardOptions,
    now: datetime,
    catalog: Catalog | None = None,
) -> Dashboard:
    """The clinic's outcomes for ``options``: from the cache while the data is unchanged."""
    options.check()
    clinic = clinic_for(
        session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_RECORDS_READ
    )
    settings = clinic.settings or {}
    if "include_self_rated" in settings:
        options = DashboardOptions(
            by=options.by,
            include_self_rated=bool(settings["include_self_rated"]),
            confirmation_weeks=options.confirmation_weeks,
            threshold=options.threshold,
            rebaseline=options.rebaseline,
        )
    version = data_version(clinic)
    key = (clinic_id, version, options, now.date().isoformat())
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    board = _compute(session, clinic, options, version=version, now=now, catalog=catalog)
    with _cache_lock:
        _cache[key] = board
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return board


@dataclass(slots=True)
class EngineTables:
    """A cohort's records as the outcomes engine's four tables (patients numbered in
    study-code order), with what the figures beside the engine need."""

    cohort: CohortColumns
    visits: Any
    relapses: Any
    mri: Any
    patients: Any
    #: Day 0 of each patient (days since 1970), and who has one.
    day0: Any
    has0: Any
    #: Each patient's group for every grouping (``GROUPINGS``).
    attributes: dict[str, Any]
    #: Which bulk entries are counted EDSS values (self-rated left out unless included).
    counted: Any


def engine_tables(cohort: CohortColumns, *, include_self_rated: bool) -> EngineTables:
    """The engine's visits, relapses, MRI and patients tables from a cohort read in columns,
    the same rows as the personal status page makes (:func:`hsct.registry.status.engine_rows`)."""
    import numpy as np  # noqa: PLC0415 - the engine's stack, only when a dashboard is made
    import pandas as pd  # noqa: PLC0415

    n = cohort.n
    # Day 0 (the transplant: the last one written, as on the personal status page), and the
    # groupings from the first transplant and diagnosis entries.
    day0 = np.zeros(n, dtype=np.int64)
    has0 = np.zeros(n, dtype=bool)
    transplant: dict[int, dict[str, Any]] = {}
    diagnosis: dict[int, dict[str, Any]] = {}
    for number, kind, day, _, data in cohort.other:
        if kind == "transplant":
            day0[number], has0[number] = day, True
            transplant.setdefault(number, data)
        elif kind == "diagnosis":
            diagnosis.setdefault(number, data)
    attributes: dict[str, Any] = {
        "regimen": np.array(
            [transplant.get(i, {}).get("regimen") or "(not given)" for i in range(n)], dtype=object
        ),
        "intensity": np.array(
            [transplant.get(i, {}).get("intensity") or "(not given)" for i in range(n)],
            dtype=object,
        ),
        "ms_type": np.array(
            [diagnosis.get(i, {}).get("ms_type") or "(not given)" for i in range(n)], dtype=object
        ),
        "era": np.array(
            [_era(_date_of(day0[i])) if has0[i] else "" for i in range(n)], dtype=object
        ),
    }
    counted = (cohort.kind == "edss") & ~np.isnan(cohort.value)
    if not include_self_rated:
        counted &= cohort.rater != "self"
    # The engine's tables, as the personal status page makes them (status.engine_rows): one
    # EDSS per day (the best-ranked rater's, the first of equals), every relapse, the MRI
    # whose activity is known.
    at = np.flatnonzero(counted & has0[cohort.p])
    raters = cohort.rater[at]
    rank = np.full(at.size, len(RATER_RANK), dtype=np.int64)
    for rater, place in RATER_RANK.items():
        rank[raters == rater] = place
    best = np.lexsort((at, rank, cohort.day[at], cohort.p[at]))
    at = at[best]
    first = np.ones(at.size, dtype=bool)
    first[1:] = (cohort.p[at][1:] != cohort.p[at][:-1]) | (
        cohort.day[at][1:] != cohort.day[at][:-1]
    )
    at = at[first]
    visits = pd.DataFrame(
        {
            "patient_id": cohort.p[at],
            "date": cohort.day[at].astype("datetime64[D]"),
            "edss": cohort.value[at],
        }
    )
    rel = np.flatnonzero((cohort.kind == "relapse") & has0[cohort.p])
    relapses = pd.DataFrame(
        {"patient_id": cohort.p[rel], "date": cohort.day[rel].astype("datetime64[D]")}
    )
    t2, gd = cohort.new_t2, cohort.gd
    known = (~np.isnan(t2) & ~np.isnan(gd)) | (t2 > 0) | (gd > 0)
    scan = np.flatnonzero((cohort.kind == "mri") & has0[cohort.p] & known)
    mri = pd.DataFrame(
        {
            "patient_id": cohort.p[scan],
            "date": cohort.day[scan].astype("datetime64[D]"),
            "gd_enhancing": np.nan_to_num(gd[scan]).astype(np.int64),
            "new_t2": np.nan_to_num(t2[scan]).astype(np.int64),
        }
    )
    followed = np.flatnonzero(has0)
    patients = pd.DataFrame(
        {"patient_id": followed, "transplant_date": day0[followed].astype("datetime64[D]")}
    )
    return EngineTables(cohort, visits, relapses, mri, patients, day0, has0, attributes, counted)


def _compute(
    session: Session,
    clinic: Clinic,
    options: DashboardOptions,
    *,
    version: str,
    now: datetime,
    catalog: Catalog | None,
) -> Dashboard:
    import numpy as np  # noqa: PLC0415 - the engine's stack, only when a dashboard is made
    import pandas as pd  # noqa: PLC0415

    from hsct.outcomes import km_fit  # noqa: PLC0415

    today = now.date()
    cohort = _read(session, clinic.id)
    tables = engine_tables(cohort, include_self_rated=options.include_self_rated)
    day0, has0, attributes = tables.day0, tables.has0, tables.attributes
    visits = tables.visits
    followed = np.flatnonzero(has0)
    n = cohort.n
    curves: list[Curve] = []
    pira_raw = {"PIRA": 0, "RAW": 0, "undefined": 0, "patients": 0}
    events: list[dict[str, Any]] = []
    per_patient: list[dict[str, Any]] = []
    studies = (catalog or load_catalog()).studies
    if followed.size and len(visits):
        result, frame = engine_run(tables, options)
        numbers = frame["patient_id"].to_numpy(dtype=np.int64)
        groups = pd.Series(
            np.full(numbers.size, "all", dtype=object)
            if options.by is None
            else attributes[options.by][numbers],
            index=frame.index,
        )
        for endpoint in ENDPOINTS[:-1]:
            km = km_fit(frame, endpoint, groups)
            curves.append(_curve(km, endpoint, studies, np))
        curves.append(_survival_curve(cohort, day0, has0, attributes, options, studies))
        cdw = result.events[result.events["event"] == "CDW"].drop_duplicates("patient_id")
        counts = Counter(str(t) for t in cdw["type"])
        pira_raw = {
            "PIRA": counts.get("PIRA", 0),
            "RAW": counts.get("RAW", 0),
            "undefined": counts.get("undefined", 0),
            "patients": int(frame.shape[0]),
        }
        events = _rows(result.events, EVENT_FIELDS, cohort.codes)
        per_patient = _rows(frame, NEDA_COLUMNS, cohort.codes)
    if not curves:  # nobody to follow yet: the figures say so, the benchmarks still show
        from hsct.outcomes import ENDPOINTS as TITLES  # noqa: PLC0415

        titles = {**{e: t[2] for e, t in TITLES.items()}, "survival": SURVIVAL_TITLE}
        curves = [Curve(e, titles[e], [], [], benchmarks_for(e, studies)) for e in ENDPOINTS]
    schedule = schedule_of(clinic)
    quality, chase = _quality(session, clinic.id, cohort, day0, has0, schedule, today)
    return Dashboard(
        clinic_id=clinic.id,
        version=version,
        computed_at=now.isoformat(),
        options=asdict(options),
        description=options.describe(),
        patients=n,
        with_day0=int(followed.size),
        curves=curves,
        mortality=_mortality(cohort, day0, has0, studies),
        pira_raw=pira_raw,
        events=events,
        neda=per_patient,
        edss_change=_edss_change(cohort, tables.counted, day0, has0),
        adverse_events=_adverse(cohort, day0, has0),
        qol=_qol(cohort, day0, has0),
        quality=quality,
        chase=chase,
        schedule=schedule,
        sources=[asdict(SCHEDULE_SOURCE)],
    )


def engine_run(tables: EngineTables, options: DashboardOptions) -> tuple[Any, Any]:
    """The engine on a cohort's tables: confirmed events (PIRA/RAW), then NEDA-3 and each
    endpoint's time and event per patient (the engine's result and frame)."""
    from hsct.outcomes import NedaOptions, build_cohort, neda, progression  # noqa: PLC0415

    progression_options = _progression_options(options)
    engine_cohort = build_cohort(
        tables.visits, tables.relapses, tables.mri, tables.patients, strict=False
    )
    result = progression(engine_cohort, progression_options, threads=1)
    frame = neda(
        engine_cohort,
        NedaOptions(progression_options, rebaseline=options.rebaseline),
        result=result,
        threads=1,
    )
    return result, frame


def _progression_options(options: DashboardOptions) -> Any:
    """The personal status page's options (``STATUS_OPTIONS``), with the clinic's choices."""
    return replace(
        STATUS_OPTIONS,
        conf_days=(options.confirmation_weeks * 7,),
        threshold=options.threshold,
    )


def _curve(km: Any, endpoint: str, studies: Mapping[str, Any], np: Any) -> Curve:
    from hsct.outcomes.survival import curve_groups  # noqa: PLC0415 - the engine's stack

    groups = curve_groups(km)
    table = []
    for row in km.table(LANDMARKS).itertuples():
        table.append(
            {
                "group": row.group,
                "years": float(row.years),
                "at_risk": int(row.at_risk),
                "events": int(row.events),
                "survival": None if np.isnan(row.survival) else round(float(row.survival), 4),
                "lower_95": None if np.isnan(row.lower_95) else round(float(row.lower_95), 4),
                "upper_95": None if np.isnan(row.upper_95) else round(float(row.upper_95), 4),
            }
        )
    return Curve(endpoint, km.title, groups, table, benchmarks_for(endpoint, studies))


#: The engine's per-patient columns shown in the NEDA table.
NEDA_COLUMNS: Final = (
    "neda3_lost",
    "neda3_years",
    "cdw_event",
    "cdw_years",
    "relapse_event",
    "relapse_years",
    "mri_event",
    "mri_years",
)
EVENT_FIELDS: Final = (
    "event",
    "type",
    "onset_date",
    "edss",
    "baseline_date",
    "baseline_edss",
    "confirmation_date",
)


def _plain(value: Any) -> Any:
    """A pandas or numpy cell as JSON: dates as ISO text, missing (None, NaN, NaT) as None."""
    if value is None or type(value).__name__ == "NaTType":
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _rows(frame: Any, columns: Sequence[str], codes: Sequence[str]) -> list[dict[str, Any]]:
    """The engine's rows as JSON-ready dicts, each named by the patient's study code."""
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    cells: list[list[Any]] = []
    for column in columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            text = np.datetime_as_string(series.to_numpy().astype("datetime64[D]"), unit="D")
            missing = series.isna().to_numpy()
            cells.append(
                [None if m else t for t, m in zip(text.tolist(), missing.tolist(), strict=True)]
            )
        elif pd.api.types.is_float_dtype(series):
            cells.append([None if math.isnan(v) else v for v in series.tolist()])
        elif pd.api.types.is_bool_dtype(series) or pd.api.types.is_integer_dtype(series):
            cells.append(series.tolist())
        else:
            cells.append([_plain(v) for v in series.tolist()])
    return [
        {"code": codes[number], **dict(zip(columns, values, strict=True))}
        for number, *values in zip(frame["patient_id"].tolist(), *cells, strict=True)
    ]


def _survival_curve(  # noqa: PLR0917 - the cohort's parts
    cohort: CohortColumns,
    day0: Any,
    has0: Any,
    attributes: Mapping[str, Any],
    options: DashboardOptions,
    studies: Mapping[str, Any],
) -> Curve:
    """Overall survival from day 0: death (any cause), or censored at the last entry."""
    import numpy as np  # noqa: PLC0415
    from lifelines import KaplanMeierFitter  # noqa: PLC0415

    from hsct.outcomes import KaplanMeier  # noqa: PLC0415
    from hsct.outcomes.survival import GroupFit  # noqa: PLC0415

    last = _last_days(cohort)
    death = np.full(cohort.n, np.iinfo(np.int64).min, dtype=np.int64)
    for number, (day, _) in _first_deaths(cohort).items():
        death[number] = day
    died = death != np.iinfo(np.int64).min
    end = np.where(died, death, np.maximum(last, day0))
    followed = np.flatnonzero(has0)
    years = (end[followed] - day0[followed]) / YEAR_DAYS
    labels = (
        np.full(followed.size, "all", dtype=object)
        if options.by is None
        else attributes[options.by][followed]
    )
    fits = []
    for group in sorted(set(labels.tolist())):
        mine = labels == group
        durations = years[mine].astype(float)
        events = died[followed][mine]
        fitter = KaplanMeierFitter().fit(durations, events, label=group)
        fits.append(GroupFit(group, fitter, durations, events))
    km = KaplanMeier("survival", SURVIVAL_TITLE, tuple(fits))
    return _curve(km, "survival", studies, np)


def _last_days(cohort: CohortColumns) -> Any:
    """Each patient's last entry day (of any kind but to-dos); the minimum when none."""
    import numpy as np  # noqa: PLC0415

    last = np.full(cohort.n, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, cohort.p, cohort.day)
    for number, _, day, _, _ in cohort.other:
        last[number] = max(last[number], day)
    return last


def _first_deaths(cohort: CohortColumns) -> dict[int, tuple[int, dict[str, Any]]]:
    """Each patient's first death entry (in entry order): ``number: (day, data)``."""
    first: dict[int, tuple[int, dict[str, Any]]] = {}
    for number, kind, day, _, data in cohort.other:
        if kind == "death":
            first.setdefault(number, (day, data))
    return first


def _mortality(
    cohort: CohortColumns, day0: Any, has0: Any, studies: Mapping[str, Any]
) -> dict[str, Any]:
    """Deaths: all, within 100 days of day 0, and transplant-related; Wilson 95% intervals."""
    n = int(has0.sum())
    first = _first_deaths(cohort)
    deaths = early = related = 0
    for number, (day, data) in first.items():
        if not has0[number]:
            continue
        deaths += 1
        soon = day - int(day0[number]) <= TRM_DAYS
        early += soon
        related += soon or bool(data.get("treatment_related"))

    def share(k: int) -> dict[str, Any]:
        low, high = wilson(k, n)
        return {
            "count": k,
            "percent": None if n == 0 else round(100 * k / n, 1),
            "lower_95": None if low is None else round(100 * low, 1),
            "upper_95": None if high is None else round(100 * high, 1),
        }

    published = [
        {
            "study": study.id,
            "label": study.label,
            "deaths": study.mortality.deaths,
            "patients": study.mortality.patients,
            "percent": study.mortality.percent,
            "ci_low": study.mortality.ci_low,
            "ci_high": study.mortality.ci_high,
            "window": study.mortality.window,
            "source": study.src,
        }
        for study in studies.values()
        if study.mortality is not None
    ]
    return {
        "patients": n,
        "deaths": share(deaths),
        "within_100_days": share(early),
        "treatment_related": share(related),
        "published": sorted(published, key=lambda p: p["study"]),
    }


def benchmarks_for(endpoint: str, studies: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Published figures with the curve's definition, at a landmark year, as "free of" shares.

    >>> from hsct.knowledge import load_catalog
    >>> [(b["study"], b["years"], b["percent"]) for b in benchmarks_for("neda3",
    ...     load_catalog().studies) if b["study"] == "atkins-2016"]
    [('atkins-2016', 3.0, 69.6)]
    """
    measures = BENCHMARK_MEASURES.get(endpoint, ())
    out = []
    for study in studies.values():
        for outcome in study.outcomes:
            if outcome.measure not in measures or outcome.years is None:
                continue
            percent, low, high = outcome.percent, outcome.ci_low, outcome.ci_high
            if outcome.measure == "progression":  # the share WITH progression: turn it over
                percent = round(100 - percent, 1)
                low, high = (
                    None if outcome.ci_high is None else round(100 - outcome.ci_high, 1),
                    None if outcome.ci_low is None else round(100 - outcome.ci_low, 1),
                )
            out.append(
                {
                    "study": study.id,
                    "label": study.label,
                    "measure": outcome.measure,
                    "population": outcome.population,
                    "years": float(outcome.years),
                    "percent": percent,
                    "ci_low": low,
                    "ci_high": high,
                    "note": outcome.note,
                    "source": study.src,
                    "tag": outcome.tag,
                }
            )
    return sorted(out, key=lambda b: (b["years"], b["study"]))


def _in_window(dates: Sequence[dt.date], target: dt.date, window: int) -> range:
    """Positions of the sorted ``dates`` within ``window`` days of ``target``."""
    span = dt.timedelta(days=window)
    return range(bisect_left(dates, target - span), bisect_right(dates, target + span))


#: Years after day 0 at which the EDSS change is shown, as days (rounded as Python rounds).
_CHANGE_DAYS: Final = tuple((year, round(year * YEAR_DAYS)) for year in range(1, 11))


def _nearest_rows(keys: Any, targets: Any, window: int) -> Any:
    """For each target key, the row nearest it within ``window`` days (the earlier of two
    equally near, the first written of one day), or -1.

    ``keys`` are sorted :func:`_key` values; ``targets`` are keys of the same
    form, so a row of another patient is never within the window.
    """
    import numpy as np  # noqa: PLC0415

    if not keys.size:
        return np.full(targets.shape, -1, dtype=np.int64)
    last = keys.size - 1
    before = np.searchsorted(keys, targets, side="right") - 1
    after = np.searchsorted(keys, targets, side="left")
    gap_before = targets - keys[np.clip(before, 0, last)]
    gap_after = keys[np.clip(after, 0, last)] - targets
    has_before = (before >= 0) & (gap_before <= window)
    has_after = (after <= last) & (gap_after <= window)
    take_before = has_before & (~has_after | (gap_before <= gap_after))
    chosen = np.where(take_before, before, np.where(has_after, after, -1))
    found = chosen >= 0  # then the first row written on the chosen day
    chosen[found] = np.searchsorted(keys, keys[chosen[found]], side="left")
    return chosen


def _edss_change(cohort: CohortColumns, counted: Any, day0: Any, has0: Any) -> list[dict[str, Any]]:
    """EDSS change from baseline (the last visit on or before day 0, within a year) by year,
    each year's value the visit nearest it within 90 days."""
    import numpy as np  # noqa: PLC0415

    rows = np.flatnonzero(counted)  # already in each patient's entry (date) order
    if not rows.size:
        return []
    keys = _key(cohort.p[rows], cohort.day[rows])
    values = cohort.value[rows]
    followed = np.flatnonzero(has0)
    base_key = _key(followed, day0[followed])
    at = np.searchsorted(keys, base_key, side="right") - 1  # the last written of its day
    ok = at >= 0
    ok[ok] = keys[at[ok]] >= base_key[ok] - 365
    base_key, baseline = base_key[ok], values[at[ok]]
    changes: dict[int, list[float]] = {}
    for year, days in _CHANGE_DAYS:
        found = _nearest_rows(keys, base_key + days, 90)
        hit = found >= 0
        if hit.any():
            changes[year] = (values[found[hit]] - baseline[hit]).tolist()
    out = []
    for year in sorted(changes):
        deltas = changes[year]
        mean, low, high = mean_interval(deltas)
        out.append(
            {
                "years": year,
                "n": len(deltas),
                "mean_change": round(mean, 2),
                "lower_95": None if low is None else round(low, 2),
                "upper_95": None if high is None else round(high, 2),
                "median_change": round(statistics.median(deltas), 2),
                "improved": sum(1 for v in deltas if v <= -0.5),
                "stable": sum(1 for v in deltas if -0.5 < v < 0.5),
                "worse": sum(1 for v in deltas if v >= 0.5),
            }
        )
    return out


def _adverse(cohort: CohortColumns, day0: Any, has0: Any) -> list[dict[str, Any]]:
    """Adverse events after day 0 by category: events, patients, share with a 95% interval."""
    n = int(has0.sum())
    events: Counter[str] = Counter()
    patients: dict[str, set[int]] = defaultdict(set)
    serious: Counter[str] = Counter()
    for number, kind, day, _, data in cohort.other:
        if kind != "adverse_event" or not has0[number] or day < day0[number]:
            continue
        category = str(data.get("category", "other"))
        events[category] += 1
        patients[category].add(number)
        serious[category] += bool(data.get("serious"))
    out = []
    for category in sorted(events):
        low, high = wilson(len(patients[category]), n)
        out.append(
            {
                "category": category,
                "events": events[category],
                "serious": serious[category],
                "patients": len(patients[category]),
                "of": n,
                "percent": round(100 * len(patients[category]) / n, 1) if n else None,
                "lower_95": None if low is None else round(100 * low, 1),
                "upper_95": None if high is None else round(100 * high, 1),
            }
        )
    return out


def _qol(cohort: CohortColumns, day0: Any, has0: Any) -> list[dict[str, Any]]:
    """RAND-36 scales by time since day 0 (before; 6 months; then yearly windows)."""
    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    order = {"before": -1.0, "month 3": 0.25, "month 6": 0.5}
    for number, kind, day, _, data in cohort.other:
        if kind != "qol" or not has0[number] or data.get("instrument", "rand36") != "rand36":
            continue
        months = (day - int(day0[number])) / (YEAR_DAYS / 12)
        if months < 0:
            when = "before"
        elif months < 4.5:
            when = "month 3"
        elif months < 9:
            when = "month 6"
        else:
            when = f"year {max(1, round(months / 12))}"
        for scale, value in (data.get("scores") or {}).items():
            if isinstance(value, (int, float)):
                scores[(when, scale)].append(float(value))
    out = []
    for (when, scale), values in scores.items():
        mean, low, high = mean_interval(values)
        out.append(
            {
                "when": when,
                "years": order.get(when, float(when.split()[-1]) if when.startswith("year") else 0),
                "scale": scale,
                "n": len(values),
                "mean": round(mean, 1),
                "lower_95": None if low is None else round(low, 1),
                "upper_95": None if high is None else round(high, 1),
            }
        )
    return sorted(out, key=lambda r: (r["scale"], r["years"]))


def _quality(  # noqa: PLR0917 - internal: the cohort's parts
    session: Session,
    clinic_id: str,
    cohort: CohortColumns,
    day0: Any,
    has0: Any,
    schedule: Sequence[Mapping[str, Any]],
    today: dt.date,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Shares of patients assessed lately, time points done, the lost, and whom to chase.

    The time points are :func:`visit_status`'s, over every patient at once.
    """
    import numpy as np  # noqa: PLC0415

    n = cohort.n
    now = _day(today)
    none = np.iinfo(np.int64).min
    edss = cohort.kind == "edss"  # any rater, with or without a value: a visit took place
    last = np.full(n, none, dtype=np.int64)
    np.maximum.at(last, cohort.p[edss], cohort.day[edss])
    scans = cohort.kind == "mri"
    last_scan = np.full(n, none, dtype=np.int64)
    np.maximum.at(last_scan, cohort.p[scans], cohort.day[scans])
    seen = last != none
    edss6 = int((seen & (now - last <= 183)).sum())
    edss12 = int((seen & (now - last <= 365)).sum())
    mri12 = int(((last_scan != none) & (now - last_scan <= 365)).sum())
    entries = cohort.p.size + len(cohort.other)
    self_entries = int(cohort.self_.sum()) + sum(1 for row in cohort.other if row[3] == "self")
    # Each time point: done (an EDSS visit in its window), overdue, or the next one due.
    keys = _key(cohort.p[edss], cohort.day[edss])
    base = _key(np.arange(n, dtype=np.int64), day0)
    expected = np.zeros(n, dtype=np.int64)
    done = np.zeros(n, dtype=np.int64)
    overdue = np.zeros((len(schedule), n), dtype=bool)
    next_due = np.full(n, none, dtype=np.int64)
    for j, point in enumerate(schedule):
        target = day0 + int(point["days"])
        window = int(point["window"])
        future = target - window > now
        low = np.searchsorted(keys, base + int(point["days"]) - window, side="left")
        high = np.searchsorted(keys, base + int(point["days"]) + window, side="right")
        hit = high > low
        passed = target + window < now
        expected += ~future
        done += ~future & hit
        overdue[j] = ~future & ~hit & passed
        due = (future | (~hit & ~passed)) & (next_due == none)
        next_due[due] = target[due]
    expected, done = expected[has0], done[has0]
    lost = has0 & (now - np.where(seen, last, day0) > LOST_DAYS)
    labels = [str(point["label"]) for point in schedule]
    chase = []
    for number in np.flatnonzero(has0 & (lost | overdue.any(axis=0))).tolist():
        chase.append(
            {
                "patient_id": cohort.ids[number],
                "code": cohort.codes[number],
                "reason": "lost" if lost[number] else "overdue",
                "overdue": [labels[j] for j in np.flatnonzero(overdue[:, number]).tolist()],
                "last_edss": _date_of(last[number]).isoformat() if seen[number] else None,
                "next_due": None
                if next_due[number] == none
                else _date_of(next_due[number]).isoformat(),
            }
        )
    refused = 0
    for (counts,) in session.execute(
        select(ImportRun.counts).where(
            ImportRun.clinic_id == clinic_id, ImportRun.status == "committed"
        )
    ):
        refused += int((counts or {}).get("total", {}).get("refused", 0))

    def share(k: int, of: int) -> float | None:
        return None if of == 0 else round(100 * k / of, 1)

    total_expected, total_done = int(expected.sum()), int(done.sum())
    quality = {
        "patients": n,
        "with_day0": int(has0.sum()),
        "edss_6_months": share(edss6, n),
        "edss_12_months": share(edss12, n),
        "mri_12_months": share(mri12, n),
        "timepoints_expected": total_expected,
        "timepoints_done": total_done,
        "timepoints_done_percent": share(total_done, total_expected),
        "lost_to_follow_up": int(lost.sum()),
        "self_reported_percent": share(self_entries, entries),
        "refused_rows": refused,
    }
    chase.sort(key=lambda c: (c["reason"] != "lost", c["last_edss"] or ""))
    return quality, chase


def visit_status(
    day0: dt.date,
    visits: Sequence[dt.date],
    schedule: Sequence[Mapping[str, Any]],
    today: dt.date,
) -> dict[str, Any]:
    """Each time point due by ``today``: done (a visit in its window), overdue, or next.

    A time point takes the visit nearest to it within its window; every other visit after
    day 0 is kept and counted as unscheduled.

    >>> d0 = dt.date(2020, 1, 1)
    >>> s = visit_status(d0, [dt.date(2020, 4, 5), dt.date(2020, 9, 1)],
    ...     [{"label": "day 100", "days": 100, "window": 30},
    ...      {"label": "year 1", "days": 365, "window": 90}], dt.date(2021, 6, 1))
    >>> s["done"], s["overdue"], s["unscheduled"]
    (1, ['year 1'], 1)
    """
    done, overdue, used = 0, [], set()
    expected = 0
    next_due = None
    visits = sorted(visits)
    for point in schedule:
        target = day0 + dt.timedelta(days=int(point["days"]))
        window = int(point["window"])
        hits = [visits[i] for i in _in_window(visits, target, window)]
        if target - dt.timedelta(days=window) > today:
            next_due = next_due or target.isoformat()
            continue
        expected += 1
        if hits:  # the nearest visit is the time point's; the others are unscheduled
            done += 1
            used.add(min(hits, key=lambda v: abs((v - target).days)))
        elif target + dt.timedelta(days=window) < today:
            overdue.append(str(point["label"]))
        else:
            next_due = next_due or target.isoformat()
    unscheduled = sum(1 for v in visits if v > day0 and v not in used)
    return {
        "expected": expected,
        "done": done,
        "overdue": overdue,
        "unscheduled": unscheduled,
        "next_due": next_due,
    }


# ---------------------------------------------------------------- the clinic's settings

SCHEDULE_MAX: Final = 40


def settings_check(settings: Any) -> dict[str, Any]:
    """A clinic's settings, checked: ``schedule`` (time points) and ``include_self_rated``.

    A time point is ``{"label": text, "days": days after day 0, "window": ± days}``; labels
    are unique, days increase, windows do not overlap.
    """
    if not isinstance(settings, Mapping):
        raise InvalidInput(
            [FieldError("settings", "is not an object", "schedule, include_self_rated")]
        )
    unknown = sorted(set(settings) - {"schedule", "include_self_rated"})
    if unknown:
        raise InvalidInput(
            [FieldError(f"{unknown[0]:.30}", "is not a setting", "schedule, include_self_rated")]
        )
    out: dict[str, Any] = {}
    if "include_self_rated" in settings:
        if not isinstance(settings["include_self_rated"], bool):
            raise InvalidInput(
                [FieldError("include_self_rated", "is not true or false", "true or false")]
            )
        out["include_self_rated"] = settings["include_self_rated"]
    if "schedule" in settings:
        out["schedule"] = _schedule_check(settings["schedule"])
    return out


def _schedule_check(schedule: Any) -> list[dict[str, Any]]:
    allowed = '[{"label": "day 100", "days": 100, "window": 30}, ...]'
    if not isinstance(schedule, list) or not 1 <= len(schedule) <= SCHEDULE_MAX:
        raise InvalidInput(
            [FieldError("schedule", f"is not a list of 1 to {SCHEDULE_MAX} time points", allowed)]
        )
    out: list[dict[str, Any]] = []
    for i, point in enumerate(schedule):
        where = f"schedule.{i}"
        ok = (
            isinstance(point, Mapping)
            and set(point) == {"label", "days", "window"}
            and isinstance(point["label"], str)
            and 1 <= len(point["label"].strip()) <= 40
            and all(
                isinstance(point[k], int) and not isinstance(point[k], bool)
                for k in ("days", "window")
            )
        )
        if not ok:
            raise InvalidInput([FieldError(where, "is not a time point", allowed)])
        days, window = int(point["days"]), int(point["window"])
        if not 1 <= days <= 40 * 366 or not 0 <= window <= 366:
            raise InvalidInput(
                [
                    FieldError(
                        where, "has days or a window out of range", "days 1-14640, window 0-366"
                    )
                ]
            )
        if out and days - window <= out[-1]["days"] + out[-1]["window"]:
            raise InvalidInput(
                [
                    FieldError(
                        where,
                        "starts before the time point before it ends",
                        "later days, or narrower windows",
                    )
                ]
            )
        if any(p["label"] == point["label"].strip() for p in out):
            raise InvalidInput(
                [FieldError(where, "has the label of another time point", "unique labels")]
            )
        out.append({"label": point["label"].strip(), "days": days, "window": window})
    return out


def clinic_settings_update(
    session: Session, *, actor: Actor | None, clinic_id: str, settings: Any, now: datetime
) -> dict[str, Any]:
    """Change the clinic's settings (a lead); audited with the old and new values."""
    from hsct.registry.accounts import _audit  # noqa: PLC0415 - the audit helper

    clinic = clinic_for(
        session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_STAFF_MANAGE
    )
    checked = settings_check(settings)
    old = dict(clinic.settings or {})
    new = {**old, **checked}
    clinic.settings = new
    session.flush()
    clinic_touch(session, clinic_id=clinic_id)
    _audit(
        session,
        actor,
        "clinic.settings",
        entity_type="clinic",
        entity_id=clinic_id,
        clinic_id=clinic_id,
        details={"old": old, "new": new},
        now=now,
    )
    return new


# ---------------------------------------------------------------- the records list


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One record in the clinic's list: its follow-up at a glance."""

    id: str
    code: str
    day0: dt.date | None
    last_edss: dt.date | None
    next_due: str | None
    overdue: tuple[str, ...]
    lost: bool
    locked: bool
    entries: int


PAGE_SIZE: Final = 50


def records_overview(
    session: Session,
    *,
    actor: Actor | None,
    clinic_id: str,
    today: dt.date,
    query: str = "",
    page: int = 1,
) -> tuple[int, list[RecordRow]]:
    """A page of the clinic's records (by study code, those starting with ``query``): the
    total, and each record's day 0, last EDSS, next time point due, overdue ones, lost."""
    clinic = clinic_for(
        session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_RECORDS_READ
    )
    where = [Patient.clinic_id == clinic_id]
    text = query.strip()[:40]
    if text:
        where.append(Patient.code.startswith(text, autoescape=True))
    total = session.scalar(select(func.count()).select_from(Patient).where(*where)) or 0
    page = max(1, min(page, 1 + (total - 1) // PAGE_SIZE if total else 1))
    found = session.execute(
        select(Patient.id, Patient.code, Patient.locked_at)
        .where(*where)
        .order_by(Patient.code, Patient.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    ids = [row.id for row in found]
    visits: dict[str, list[dt.date]] = defaultdict(list)
    day0s: dict[str, dt.date] = {}
    counts: Counter[str] = Counter()
    if ids:
        for pid, kind, date in session.execute(
            select(RecordEntry.patient_id, RecordEntry.kind, RecordEntry.date).where(
                RecordEntry.patient_id.in_(ids)
            )
        ):
            counts[pid] += 1
            if kind == "edss":
                visits[pid].append(date)
            elif kind == "transplant":
                day0s[pid] = date
    schedule = schedule_of(clinic)
    rows = []
    for pid, code, locked in found:
        day0 = day0s.get(pid)
        last = max(visits[pid], default=None)
        status = visit_status(day0, visits[pid], schedule, today) if day0 else None
        rows.append(
            RecordRow(
                id=pid,
                code=code or pid,
                day0=day0,
                last_edss=last,
                next_due=None if status is None else status["next_due"],
                overdue=() if status is None else tuple(status["overdue"]),
                lost=day0 is not None and (today - (last or day0)).days > LOST_DAYS,
                locked=locked is not None,
                entries=counts[pid],
            )
        )
    return total, rows
