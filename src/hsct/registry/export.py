"""A person's whole record as files: JSON, CSV with a data dictionary, a FHIR R4 Bundle.

The right to one's data (GDPR Art. 15 and 20: structured, commonly used, machine-readable;
``../shared/dossier/registry.md`` section 8). Every export is audited (who, which record,
which format), never with the data itself. The JSON is the complete record; the CSV files
and the FHIR Bundle are made from it, so all three hold the same entries (tested against
the database).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hsct.registry.access import Actor
from hsct.registry.accounts import _audit
from hsct.registry.entries import KINDS, MODELS, dictionary_rows
from hsct.registry.record import _readable, _rows, entry_history
from hsct.registry.tables import CalendarFeed, RecordShare

EXPORT_FORMAT: Final = "hsct-record"
EXPORT_VERSION: Final = 1
#: Columns every CSV file starts with.
COMMON_COLUMNS: Final = ("id", "date", "provenance", "created_at", "updated_at")
#: Values computed from the fields (never typed), listed in the dictionary too.
DERIVED: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "edss": (("computed", "true when the value came from the EDSS calculator's inputs"),),
    "qol": (("scores", "the RAND-36 scales (0-100, higher is better), as JSON"),),
}


def record_export(
    session: Session, *, actor: Actor, patient_id: str, now: datetime, fmt: str = "json"
) -> dict[str, Any]:
    """Everything the record holds, as one JSON-ready document; the export is audited."""
    patient = _readable(session, actor, patient_id)
    entries = [
        {
            "id": row.id,
            "kind": row.kind,
            "date": row.date.isoformat(),
            "provenance": row.provenance,
            "created_at": row.created_at.isoformat(),
            "updated_at": row.updated_at.isoformat(),
            "data": row.data,
        }
        for row in _rows(session, patient_id)
    ]
    shares = [
        {
            "id": share.id,
            "clinic_id": share.clinic_id,
            "kinds": list(share.kinds),
            "created_at": share.created_at.isoformat(),
            "revoked_at": None if share.revoked_at is None else share.revoked_at.isoformat(),
        }
        for share in session.scalars(
            select(RecordShare)
            .where(RecordShare.patient_id == patient_id)
            .order_by(RecordShare.created_at)
        )
    ]
    feeds = session.scalar(
        select(func.count())
        .select_from(CalendarFeed)
        .where(CalendarFeed.patient_id == patient_id, CalendarFeed.revoked_at.is_(None))
    )
    _audit(
        session,
        actor,
        "record.export",
        entity_type="patient",
        entity_id=patient_id,
        clinic_id=patient.clinic_id,
        details={"format": fmt, "entries": len(entries)},
        now=now,
    )
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": now.isoformat(),
        "patient": {
            "id": patient.id,
            "clinic_id": patient.clinic_id,
            "code": patient.code,
            "birth_month": patient.birth_month,
            "created_at": patient.created_at.isoformat(),
        },
        "entries": entries,
        "history": entry_history(session, actor=actor, patient_id=patient_id),
        "shares": shares,
        "calendar_feed_active": bool(feeds),
    }


#: What a spreadsheet may run as a formula when a cell starts with it (CSV injection).
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """One CSV cell: empty for None, true/false, JSON for objects; text that a spreadsheet
    would run as a formula gets a leading ``'`` (OWASP's advice on CSV injection).

    >>> csv_cell("=SUM(A1:A9)"), csv_cell(-1.5), csv_cell(None), csv_cell(True)
    ("'=SUM(A1:A9)", '-1.5', '', 'true')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    elif isinstance(value, (int, float)):
        return str(value)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_columns(kind: str) -> tuple[str, ...]:
    """The columns of one kind's CSV file: the common ones, the fields, the derived values."""
    fields = tuple(name for name in MODELS[kind].model_fields if name != "date")
    derived = tuple(name for name, _ in DERIVED.get(kind, ()))
    return (*COMMON_COLUMNS, *fields, *derived)


def export_csv_files(document: Mapping[str, Any]) -> dict[str, str]:
    """One CSV file per kind of entry, and ``data_dictionary.csv`` describing every column."""
    files: dict[str, str] = {}
    for kind in KINDS:
        columns = csv_columns(kind)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for entry in document["entries"]:
            if entry["kind"] != kind:
                continue
            values = {**entry["data"], **{c: entry[c] for c in COMMON_COLUMNS}}
            writer.writerow([csv_cell(values.get(column)) for column in columns])
        files[f"{kind}.csv"] = out.getvalue()
    files["data_dictionary.csv"] = data_dictionary_csv()
    return files


def data_dictionary_csv() -> str:
    """Every column of every CSV file: file, column, required, what is allowed, meaning."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("file", "column", "required", "allowed", "description"))
    common = {
        "id": "the entry's identifier (random; no meaning)",
        "date": "the entry's date, YYYY-MM-DD (its meaning depends on the file)",
        "provenance": "self: entered by the person (self-reported); clinic: by clinic staff",
        "created_at": "when the entry was made (UTC)",
        "updated_at": "when the entry was last changed (UTC)",
    }
    rows = dictionary_rows()
    for kind in KINDS:
        for column in COMMON_COLUMNS:
            meaning = common[column]
            if column == "date":
                meaning = next(r["description"] for r in rows if r["kind"] == kind)
            writer.writerow((f"{kind}.csv", column, "yes", "", meaning))
        for row in rows:
            if row["kind"] == kind and row["field"] != "date":
                writer.writerow(
                    (
                        f"{kind}.csv",
                        row["field"],
                        row["required"],
                        row["allowed"],
                        row["description"],
                    )
                )
        for name, meaning in DERIVED.get(kind, ()):
            writer.writerow((f"{kind}.csv", name, "no", "computed", meaning))
    return out.getvalue()


def export_zip(document: Mapping[str, Any], *, fhir: Mapping[str, Any] | None = None) -> bytes:
    """The CSV files, the dictionary, the JSON (and the FHIR Bundle when given) in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in export_csv_files(document).items():
            archive.writestr(f"csv/{name}", text)
        archive.writestr("record.json", json.dumps(document, ensure_ascii=False, indent=1))
        if fhir is not None:
            archive.writestr("fhir-bundle.json", json.dumps(fhir, ensure_ascii=False, indent=1))
    return buffer.getvalue()
