"""A clinic's cohort as a whole: counts, and exports as CSV, Parquet or FHIR R4 Bundles.

Patients are named by the clinic's study code (``patient_id`` in the files, as in the
import), next to the record's random id. Every export is audited (who, which clinic, which
format, how many rows), never with the data. The CSV files and their data dictionary use
the personal record's columns (:mod:`hsct.registry.export`), so a cohort export can be read
by the same tools; text cells that a spreadsheet would run as a formula are escaped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import UnionType
from typing import Annotated, Any, Final, Literal, Union, get_args, get_origin

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hsct.common.errors import FieldError, InvalidInput
from hsct.registry.access import Actor, Permission
from hsct.registry.accounts import _audit
from hsct.registry.clinics import clinic_for
from hsct.registry.entries import DATE_FIELDS, KINDS, MODELS, dictionary_rows
from hsct.registry.export import COMMON_COLUMNS, csv_cell, csv_columns, data_dictionary_csv
from hsct.registry.fhir import fhir_bundle, fhir_ndjson
from hsct.registry.tables import Clinic, ImportRun, Patient, RecordEntry, RecordShare

COHORT_FORMAT: Final = "hsct-cohort"
COHORT_VERSION: Final = 1
FORMATS: Final = ("csv", "parquet", "fhir", "ndjson", "ebmt")
PATIENT_COLUMNS: Final = ("patient_id", "record_id", "birth_month", "created_at", "locked_at")


def _clinic(session: Session, actor: Actor | None, clinic_id: str) -> Clinic:
    return clinic_for(
        session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_RECORDS_READ
    )


@dataclass(frozen=True, slots=True)
class CohortStatus:
    """How much a clinic's registry holds: records, entries by kind and by who entered them."""

    clinic_id: str
    clinic_name: str
    patients: int
    locked: int
    entries: dict[str, int]
    provenance: dict[str, int]
    imports: int
    shares: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "clinic_id": self.clinic_id,
            "clinic_name": self.clinic_name,
            "patients": self.patients,
            "locked": self.locked,
            "entries": self.entries,
            "provenance": self.provenance,
            "imports": self.imports,
            "shares": self.shares,
        }


def cohort_status(session: Session, *, actor: Actor | None, clinic_id: str) -> CohortStatus:
    """Counts of the clinic's records and entries (numbers only, so not audited as a read)."""
    clinic = _clinic(session, actor, clinic_id)
    patients = session.scalar(
        select(func.count()).select_from(Patient).where(Patient.clinic_id == clinic_id)
    )
    locked = session.scalar(
        select(func.count())
        .select_from(Patient)
        .where(Patient.clinic_id == clinic_id, Patient.locked_at.is_not(None))
    )
    by_kind: Counter[str] = Counter()
    by_provenance: Counter[str] = Counter()
    for kind, provenance, n in session.execute(
        select(RecordEntry.kind, RecordEntry.provenance, func.count())
        .join(Patient, Patient.id == RecordEntry.patient_id)
        .where(Patient.clinic_id == clinic_id)
        .group_by(RecordEntry.kind, RecordEntry.provenance)
    ):
        by_kind[kind] += n
        by_provenance[provenance] += n
    imports = session.scalar(
        select(func.count())
        .select_from(ImportRun)
        .where(ImportRun.clinic_id == clinic_id, ImportRun.status == "committed")
    )
    shares = session.scalar(
        select(func.count())
        .select_from(RecordShare)
        .where(RecordShare.clinic_id == clinic_id, RecordShare.revoked_at.is_(None))
    )
    return CohortStatus(
        clinic_id=clinic.id,
        clinic_name=clinic.name,
        patients=patients or 0,
        locked=locked or 0,
        entries={kind: by_kind.get(kind, 0) for kind in KINDS},
        provenance=dict(sorted(by_provenance.items())),
        imports=imports or 0,
        shares=shares or 0,
    )


def cohort_export(
    session: Session, *, actor: Actor | None, clinic_id: str, now: datetime, fmt: str
) -> dict[str, Any]:
    """Every record of the clinic as one JSON-ready document; the export is audited."""
    clinic = _clinic(session, actor, clinic_id)
    patients = session.execute(
        select(Patient.id, Patient.code, Patient.birth_month, Patient.created_at, Patient.locked_at)
        .where(Patient.clinic_id == clinic_id)
        .order_by(Patient.code, Patient.id)
    ).all()
    entries: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in session.execute(
        select(
            RecordEntry.id,
            RecordEntry.patient_id,
            RecordEntry.kind,
            RecordEntry.date,
            RecordEntry.data,
            RecordEntry.provenance,
            RecordEntry.created_at,
            RecordEntry.updated_at,
        )
        .join(Patient, Patient.id == RecordEntry.patient_id)
        .where(Patient.clinic_id == clinic_id)
        # By date, then id (not creation time, which a FHIR file does not carry for every
        # entry): a FHIR import hands out ids in this order, so its export keeps it.
        .order_by(RecordEntry.patient_id, RecordEntry.date, RecordEntry.id)
    ):
        entries[row.patient_id].append(
            {
                "id": row.id,
                "kind": row.kind,
                "date": row.date.isoformat(),
                "provenance": row.provenance,
                "created_at": row.created_at.isoformat(),
                "updated_at": row.updated_at.isoformat(),
                "data": row.data,
            }
        )
    records = [
        {
            "patient": {
                "id": p.id,
                "clinic_id": clinic_id,
                "code": p.code,
                "birth_month": p.birth_month,
                "created_at": p.created_at.isoformat(),
                "locked_at": None if p.locked_at is None else p.locked_at.isoformat(),
            },
            "entries": entries.get(p.id, []),
        }
        for p in patients
    ]
    _audit(
        session,
        actor,
        "clinic.export",
        entity_type="clinic",
        entity_id=clinic_id,
        clinic_id=clinic_id,
        details={
            "format": fmt,
            "patients": len(records),
            "entries": sum(len(r["entries"]) for r in records),
        },
        now=now,
    )
    return {
        "format": COHORT_FORMAT,
        "version": COHORT_VERSION,
        "exported_at": now.isoformat(),
        "clinic": {"id": clinic.id, "name": clinic.name},
        "records": records,
    }


def _table_rows(
    document: Mapping[str, Any],
) -> dict[str, tuple[tuple[str, ...], list[dict[str, Any]]]]:
    """The cohort as tables: ``patients`` and one per kind, each with the study code first."""
    tables: dict[str, tuple[tuple[str, ...], list[dict[str, Any]]]] = {
        "patients": (PATIENT_COLUMNS, [])
    }
    for kind in KINDS:
        tables[kind] = (("patient_id", "record_id", *csv_columns(kind)), [])
    for record in document["records"]:
        patient = record["patient"]
        tables["patients"][1].append(
            {
                "patient_id": patient["code"],
                "record_id": patient["id"],
                "birth_month": patient.get("birth_month"),
                "created_at": patient["created_at"],
                "locked_at": patient["locked_at"],
            }
        )
        for entry in record["entries"]:
            values = {**entry["data"], **{c: entry[c] for c in COMMON_COLUMNS}}
            values.update(patient_id=patient["code"], record_id=patient["id"])
            tables[entry["kind"]][1].append(values)
    return tables


def cohort_csv_files(document: Mapping[str, Any]) -> dict[str, str]:
    """``patients.csv``, one CSV per kind, and ``data_dictionary.csv``."""
    files: dict[str, str] = {}
    for name, (columns, rows) in _table_rows(document).items():
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([csv_cell(row.get(c)) for c in columns] for row in rows)
        files[f"{name}.csv"] = out.getvalue()
    files["data_dictionary.csv"] = cohort_dictionary_csv()
    files["redcap_data_dictionary.csv"] = redcap_dictionary_csv()
    return files


def cohort_dictionary_csv() -> str:
    """The personal record's dictionary, with the cohort's own columns added."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("file", "column", "required", "allowed", "description"))
    for column, meaning in (
        ("patient_id", "the clinic's study code of the patient (a pseudonym, never a name)"),
        ("record_id", "the record's identifier in the registry (random; no meaning)"),
        ("birth_month", "year and month of birth, YYYY-MM (never the day); empty if not recorded"),
        ("created_at", "when the record was made (UTC)"),
        ("locked_at", "when a lead locked the record (UTC); empty when it is not locked"),
    ):
        required = "yes" if column.endswith("_id") else "no"
        writer.writerow(("patients.csv", column, required, "", meaning))
    for kind in KINDS:
        writer.writerow((f"{kind}.csv", "patient_id", "yes", "", "the patient's study code"))
        writer.writerow((f"{kind}.csv", "record_id", "yes", "", "the record's identifier"))
    body = data_dictionary_csv().split("\n", 1)[1]
    return out.getvalue() + body


def cohort_parquet_files(document: Mapping[str, Any]) -> dict[str, bytes]:
    """The same tables as Parquet: dates as dates, JSON fields as text, the rest inferred."""
    import pyarrow as pa  # type: ignore[import-untyped]  # noqa: PLC0415 - only here
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # noqa: PLC0415

    dated = {"date", *(f for names in DATE_FIELDS.values() for f in names)}
    files: dict[str, bytes] = {}
    for name, (columns, rows) in _table_rows(document).items():
        arrays = {}
        for column in columns:
            values = [row.get(column) for row in rows]
            if column in dated:
                values = [None if v is None else dt.date.fromisoformat(v) for v in values]
                arrays[column] = pa.array(values, type=pa.date32())
            elif column in ("created_at", "updated_at", "locked_at"):
                values = [None if v is None else datetime.fromisoformat(v) for v in values]
                arrays[column] = pa.array(values, type=pa.timestamp("us", tz="UTC"))
            elif any(isinstance(v, (dict, list)) for v in values):
                text = [None if v is None else json.dumps(v, sort_keys=True) for v in values]
                arrays[column] = pa.array(text, type=pa.string())
            elif all(v is None for v in values):
                arrays[column] = pa.array(values, type=pa.string())
            else:
                arrays[column] = pa.array(values)
        out = io.BytesIO()
        pq.write_table(pa.table(arrays), out)
        files[f"{name}.parquet"] = out.getvalue()
    return files


def cohort_fhir_files(document: Mapping[str, Any]) -> dict[str, str]:
    """One FHIR R4 collection Bundle per record, named by the record's id."""
    files = {}
    for record in document["records"]:
        bundle = fhir_bundle({**record, "exported_at": document["exported_at"]})
        files[f"{record['patient']['id']}.json"] = json.dumps(bundle, ensure_ascii=False, indent=1)
    return files


# ---------------------------------------------------------------- REDCap data dictionary

#: REDCap's data dictionary columns, in REDCap's order (dossier registry.md §3).
REDCAP_COLUMNS: Final = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
REDCAP_NAME: Final = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


def _bare(annotation: Any) -> Any:
    """The type under ``Annotated[...]`` and ``X | None``."""
    kind = annotation
    for _ in range(4):
        if get_origin(kind) is Annotated:
            kind = get_args(kind)[0]
        elif get_origin(kind) in (Union, UnionType):
            rest = [a for a in get_args(kind) if a is not type(None)]
            kind = rest[0] if len(rest) == 1 else kind
        else:
            break
    return kind


#: Plain types as REDCap (field type, validation, minimum); anything else is JSON text.
_REDCAP_TYPES: Final[dict[Any, tuple[str, str, str]]] = {
    bool: ("yesno", "", ""),
    dt.date: ("text", "date_ymd", ""),
    int: ("text", "integer", "0"),
    float: ("text", "number", ""),
    str: ("text", "", ""),
}


def _redcap_type(annotation: Any) -> tuple[str, str, str, str]:
    """(field type, choices, validation, minimum) of a field's type annotation."""
    kind = _bare(annotation)
    if get_origin(kind) is Literal:
        return "dropdown", " | ".join(f"{v}, {v}" for v in get_args(kind)), "", ""
    field_type, validation, minimum = _REDCAP_TYPES.get(kind, ("notes", "", ""))
    return field_type, "", validation, minimum


def redcap_dictionary_rows() -> list[dict[str, str]]:
    """The cohort's fields as REDCap dictionary rows: a form per kind, ``record_id`` first."""
    rows = [
        dict.fromkeys(REDCAP_COLUMNS, "")
        | {
            "Variable / Field Name": "record_id",
            "Form Name": "patients",
            "Field Type": "text",
            "Field Label": "Study code (a pseudonym, never a name)",
        }
    ]
    meanings = {(r["kind"], r["field"]): r for r in dictionary_rows()}
    for kind in KINDS:
        for name, info in MODELS[kind].model_fields.items():
            kind_type, choices, validation, minimum = _redcap_type(info.annotation)
            row = dict.fromkeys(REDCAP_COLUMNS, "")
            row.update(
                {
                    "Variable / Field Name": f"{kind}_{name}",
                    "Form Name": kind,
                    "Field Type": kind_type,
                    "Field Label": meanings[(kind, name)]["description"],
                    "Choices, Calculations, OR Slider Labels": choices,
                    "Text Validation Type OR Show Slider Number": validation,
                    "Text Validation Min": minimum,
                    "Required Field?": "y" if info.is_required() else "",
                    "Field Note": "" if kind_type != "notes" else "JSON",
                }
            )
            rows.append(row)
    return rows


def redcap_dictionary_csv() -> str:
    """The REDCap data dictionary of the cohort export, as CSV with REDCap's 18 columns."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REDCAP_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(redcap_dictionary_rows())
    return out.getvalue()


def redcap_dictionary_read(text: str) -> list[dict[str, str]]:
    """A REDCap data dictionary (CSV) read back: its rows, checked for REDCap's shape."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if tuple(reader.fieldnames or ()) != REDCAP_COLUMNS:
        raise InvalidInput(
            [
                FieldError(
                    "dictionary",
                    "does not have REDCap's 18 columns in order",
                    ", ".join(REDCAP_COLUMNS),
                )
            ]
        )
    rows = list(reader)
    names = [r["Variable / Field Name"] for r in rows]
    bad = [n for n in names if not REDCAP_NAME.match(n)]
    if bad or len(set(names)) != len(names) or not names or names[0] != "record_id":
        raise InvalidInput(
            [
                FieldError(
                    "dictionary",
                    "has bad or repeated variable names",
                    "lower-case, unique, record_id first",
                )
            ]
        )
    return rows


def cohort_files(
    session: Session, *, actor: Actor | None, clinic_id: str, now: datetime, fmt: str
) -> dict[str, str] | dict[str, bytes]:
    """A clinic's export in ``fmt`` (one of :data:`FORMATS`) as files by name; audited.

    ``ndjson``: FHIR resources as NDJSON, one file per type (as the Bulk Data export, and
    what ``hsct registry import-fhir`` reads back). ``ebmt``: the transplant and yearly
    tables with their mapping (:mod:`hsct.registry.ebmt`); their NEDA-3 is the clinic
    dashboard's, with its default options and the clinic's setting for self-rated EDSS.
    """
    if fmt not in FORMATS:
        raise InvalidInput(
            [FieldError("format", f"{fmt!r:.40} is not a format", ", ".join(FORMATS))]
        )
    document = cohort_export(session, actor=actor, clinic_id=clinic_id, now=now, fmt=fmt)
    if fmt == "csv":
        return cohort_csv_files(document)
    if fmt == "parquet":
        return cohort_parquet_files(document)
    if fmt == "fhir":
        return cohort_fhir_files(document)
    if fmt == "ndjson":  # FHIR Bulk Data's files, one per resource type
        return {f"{kind}.ndjson": text for kind, (text, _) in fhir_ndjson(document).items()}
    from hsct.registry import dashboard, ebmt  # noqa: PLC0415 - the engine, only for this

    board = dashboard.cohort_dashboard(
        session,
        actor=actor,
        clinic_id=clinic_id,
        options=dashboard.DashboardOptions(),
        now=now,
    )
    neda = {row["code"]: row for row in board.neda if row["code"]}  # codes are unique
    return ebmt.ebmt_csv_files(ebmt.ebmt_tables(document, neda, today=now.date()))
