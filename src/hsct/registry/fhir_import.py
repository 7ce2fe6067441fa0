"""The project's own FHIR export, read back into a clinic: new records, whole or not at all.

Accepts what :mod:`hsct.registry.fhir` writes: Bulk Data NDJSON files (one resource per
line, as ``GET .../$export`` gives), collection Bundles (a person's or the cohort's FHIR
export), or a ZIP of either. :func:`fhir_records` is pure: it reads every resource back into
the registry's entries by the reverse of :mod:`hsct.registry.fhir`'s mapping and checks each
with the record's own rules (:func:`hsct.registry.entries.entry_parse` and
``entry_context_problems``). :func:`fhir_import` writes the records into a clinic in the
caller's transaction, or refuses the whole import naming every problem (file, line,
resource and element).

The round trip: export a clinic (``fhir_ndjson``), import the files into an empty clinic,
export that clinic: the files are identical once the ids the registry gives are mapped
(tested). For that:

- every record and entry gets a new id (a registry never takes ids from outside: two
  imports of one file into two clinics of one database would collide). The new ids of one
  record's entries are handed out in the source's order, so the export's order (date, then
  id) is the source's;
- ``meta.lastUpdated`` becomes the entry's last change, and the creation time is taken from
  ``dateAsserted``, ``recordedDate`` or ``authoredOn`` where the resource has one (drugs,
  adverse events, to-dos), else the last change;
- the provenance tag (self-reported or entered by clinic staff) is kept as it was;
- questionnaire scores are computed again from the answers (the score Observation is
  checked to belong to a response of the import, and not read);
- two values the export writes the same way as their absence are read as absent: a
  transplant's clinic name equal to its directory id, and an adverse event's description
  equal to its category's label. Free text comes back as the export wrote it (without
  control characters or surrounding space, see :mod:`hsct.registry.fhir`).

What is refused, so that nothing is lost on the way in: a resource of a type or code the
export never writes, an element or a note the mapping does not read, a record without a
study code, a study code the clinic already has or that appears twice, a day of birth (the
registry keeps the year and month only), and any entry the record's rules refuse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hsct.common.errors import Conflict, FieldError, InvalidInput, excerpt
from hsct.knowledge import Catalog, load_catalog
from hsct.outcomes.instruments import InstrumentDef
from hsct.registry.access import Actor
from hsct.registry.accounts import _audit
from hsct.registry.clinics import clinic_touch
from hsct.registry.entries import (
    KINDS,
    MAX_ENTRIES,
    SINGLE,
    Entry,
    entry_context_problems,
    entry_parse,
)
from hsct.registry.fhir import (
    ADVERSE_DISPLAY,
    ADVERSE_SYSTEM,
    DRUG_SYSTEM,
    EDSS_FS_DISPLAY,
    EDSS_FS_SYSTEM,
    FACILITY_SYSTEM,
    FHIR_ID,
    HL7_TERMINOLOGY,
    LOCAL_SYSTEM_BASE,
    LOINC,
    MS_TYPE_SYSTEM,
    PROVENANCE_SYSTEM,
    RAND36_QUESTIONNAIRE,
    RATER_SYSTEM,
    REASON_STOPPED_SYSTEM,
    RECORD_ID_SYSTEM,
    RECORD_SYSTEM,
    REGION_DISPLAY,
    SCORES_SUFFIX,
    SEROTHERAPY_DISPLAY,
    SNOMED,
    TODO_SYSTEM,
)
from hsct.registry.imports import (
    ACTIONS,
    _check_clinic,
    _trim_histories,
    _who,
    audit_records,
    shown_name,
)
from hsct.registry.patients import birth_month_check, patient_code_check
from hsct.registry.tables import ImportRun, Patient, RecordChange, RecordEntry, new_id

#: Most files one import takes, and most bytes one may hold (as the CSV import).
MAX_FILES: Final = 20
MAX_FILE_BYTES: Final = 50 * 1024 * 1024
#: Most resources one import reads, and most bytes a ZIP may unpack to.
MAX_RESOURCES: Final = 2_000_000
MAX_UNPACKED_BYTES: Final = 500 * 1024 * 1024
MAX_MEMBERS: Final = 100_000
#: Problems listed before the rest are only counted.
MAX_PROBLEMS: Final = 50
CLINIC_CODE_SYSTEM: Final = f"{LOCAL_SYSTEM_BASE}/NamingSystem/clinic/"
ALLOWED_FILES: Final = (
    "NDJSON files of the registry's FHIR export (Patient.ndjson, Condition.ndjson, ...), "
    "its FHIR Bundles (.json), or a ZIP of them"
)
_VERIFICATION: Final = f"{HL7_TERMINOLOGY}/condition-ver-status"
_SERIOUSNESS: Final = f"{HL7_TERMINOLOGY}/adverse-event-seriousness"


@dataclass(frozen=True, slots=True)
class FhirFile:
    """One uploaded file: its name and bytes."""

    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class _Located:
    """A resource and where it was read (file and line, or file and Bundle entry)."""

    where: str
    resource: Mapping[str, Any]


@dataclass(slots=True)
class ImportedEntry:
    """An entry read from a resource, checked, with its times and provenance."""

    source_id: str
    entry: Entry
    provenance: str
    created_at: datetime
    updated_at: datetime
    #: Where it was read (file and line), for messages.
    where: str = ""


@dataclass(slots=True)
class ImportedRecord:
    """A Patient and its entries, in the order the export gave them (date, then id)."""

    source_id: str
    code: str
    birth_month: str | None
    entries: list[ImportedEntry] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FhirImportResult:
    """What an import did (or would do): records and entries by kind, and its id."""

    records: int
    entries: dict[str, int]
    files: list[dict[str, Any]]
    import_id: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "import_id": self.import_id,
            "records": self.records,
            "entries": self.entries,
            "files": self.files,
        }


class _Problems:
    """Problems collected over the whole import; raised together, the first ones named."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []
        self.count = 0

    def add(self, where: str, message: str, allowed: str | None = None) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(FieldError(where, message, allowed))

    def raise_any(self) -> None:
        if not self.count:
            return
        items = list(self.items)
        if self.count > len(items):
            items.append(
                FieldError(
                    "files",
                    f"{self.count - len(items):,} more problems; nothing was imported",
                    "fix the ones above and import again",
                )
            )
        raise InvalidInput(items)


# ---------------------------------------------------------------- reading files


def _members(file: FhirFile) -> Iterator[tuple[str, bytes]]:
    """The file, or each file inside a ZIP (no folders, no more than the limits allow)."""
    if not file.data.startswith(b"PK\x03\x04"):
        yield shown_name(file.name), file.data
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(file.data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except zipfile.BadZipFile:
        raise InvalidInput(
            [FieldError("files", f"{shown_name(file.name)} is not a readable ZIP", ALLOWED_FILES)]
        ) from None
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise InvalidInput(
            [
                FieldError(
                    "files",
                    f"{shown_name(file.name)} unpacks to too much",
                    f"up to {MAX_MEMBERS:,} files and {MAX_UNPACKED_BYTES // 2**20} MB",
                )
            ]
        )
    for info in sorted(infos, key=lambda i: i.filename):
        name = shown_name(info.filename)
        if not name.endswith((".ndjson", ".json")):
            continue  # a cohort export's CSV files or dictionaries beside the Bundles
        try:
            with archive.open(info) as member:
                data = member.read(MAX_UNPACKED_BYTES + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
            raise InvalidInput(
                [FieldError("files", f"{shown_name(file.name)}/{name} cannot be unpacked")]
            ) from None
        yield f"{shown_name(file.name)}/{name}", data


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InvalidInput(
            [FieldError(where, f"is not JSON ({str(exc)[:80]})", "one FHIR resource as JSON")]
        ) from None
    except RecursionError:  # thousands of nested brackets: not a resource this reads
        raise InvalidInput(
            [FieldError(where, "is nested too deeply", "one FHIR resource as JSON")]
        ) from None


def fhir_read(files: Sequence[FhirFile]) -> list[_Located]:
    """Every resource of the files, with where it was read. Raises :class:`InvalidInput`
    for a file that cannot be read (too big, not UTF-8, not JSON, not a resource)."""
    if not files:
        raise InvalidInput([FieldError("files", "no file was chosen", ALLOWED_FILES)])
    if len(files) > MAX_FILES:
        raise InvalidInput([FieldError("files", f"{len(files)} files", f"up to {MAX_FILES}")])
    found: list[_Located] = []
    for file in files:
        if len(file.data) > MAX_FILE_BYTES:
            raise InvalidInput(
                [
                    FieldError(
                        "files",
                        f"{shown_name(file.name)} is too big",
                        f"up to {MAX_FILE_BYTES // 2**20} MB a file",
                    )
                ]
            )
        for name, data in _members(file):
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise InvalidInput([FieldError(name, "is not UTF-8 text", ALLOWED_FILES)]) from None
            found.extend(_resources_of(name, text))
            if len(found) > MAX_RESOURCES:
                raise InvalidInput(
                    [FieldError("files", "hold too many resources", f"up to {MAX_RESOURCES:,}")]
                )
    return found


def _resources_of(name: str, text: str) -> Iterator[_Located]:
    stripped = text.lstrip()
    if not stripped:
        return
    if name.endswith(".ndjson") or (stripped.startswith("{") and "\n{" in stripped.rstrip()):
        # Lines end at "\n" only: str.splitlines would also split at U+2028, U+0085 and
        # others, which free text inside a JSON string may hold.
        for number, line in enumerate(text.split("\n"), start=1):
            line = line.removesuffix("\r")  # noqa: PLW2901 - the line without its CR
            if line.strip():
                yield _resource(_json(line, f"{name} line {number}"), f"{name} line {number}")
        return
    value = _json(text, name)
    if isinstance(value, Mapping) and value.get("resourceType") == "Bundle":
        entries = value.get("entry") or []
        if not isinstance(entries, list):
            raise InvalidInput([FieldError(f"{name} entry", "is not a list", "Bundle entries")])
        for number, item in enumerate(entries, start=1):
            where = f"{name} entry {number}"
            resource = item.get("resource") if isinstance(item, Mapping) else None
            yield _resource(resource, where)
        return
    yield _resource(value, name)


def _resource(value: Any, where: str) -> _Located:
    if not isinstance(value, Mapping) or not isinstance(value.get("resourceType"), str):
        raise InvalidInput([FieldError(where, "is not a FHIR resource", "a resourceType")])
    rid = value.get("id")
    if not isinstance(rid, str) or not FHIR_ID.fullmatch(rid):
        raise InvalidInput(
            [FieldError(where, "has no FHIR id", "[A-Za-z0-9-.], 1 to 64 characters")]
        )
    return _Located(f"{where} ({value['resourceType']}/{rid})", value)


# ---------------------------------------------------------------- reading resources


class _Skipped(Exception):  # noqa: N818 - a resource's outcome
    """The resource belongs to a Patient already refused (that problem is named once)."""


class _Refused(Exception):  # noqa: N818 - a resource's outcome
    def __init__(self, element: str, message: str, allowed: str | None = None) -> None:
        super().__init__(message)
        self.element, self.message, self.allowed = element, message, allowed


def _get(resource: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = resource.get(name)
    if value is not None and not isinstance(value, kind):
        raise _Refused(name, "has the wrong type")
    return value


def _codings(concept: Any, name: str) -> list[tuple[str, str]]:
    if concept is None:
        return []
    if not isinstance(concept, Mapping) or not isinstance(concept.get("coding", []), list):
        raise _Refused(name, "is not a CodeableConcept")
    out = []
    for coding in concept.get("coding", []):
        if not isinstance(coding, Mapping):
            raise _Refused(name, "holds a coding that is not an object")
        system, code = coding.get("system"), coding.get("code")
        if isinstance(system, str) and isinstance(code, str):
            out.append((system, code))
    return out


def _code(concept: Any, name: str, system: str) -> str | None:
    """The code of ``system`` in the concept (None when the concept is absent)."""
    if concept is None:
        return None
    for found, code in _codings(concept, name):
        if found == system:
            return code
    raise _Refused(name, "has no code of the expected system", system)


def _text_of(concept: Any) -> str | None:
    return concept.get("text") if isinstance(concept, Mapping) else None


def _day(value: Any, name: str) -> str | None:
    """A FHIR date or dateTime as the registry's day (YYYY-MM-DD)."""
    if value is None:
        return None
    if not isinstance(value, str) or (len(value) > 10 and value[10] != "T"):
        raise _Refused(name, "is not a full date", "YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise _Refused(name, "is not a full date", "YYYY-MM-DD") from None


def _instant(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Refused(name, "is not an instant")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise _Refused(name, "has no time zone", "an instant with its time zone")
        return moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise _Refused(name, "is not an instant", "YYYY-MM-DDThh:mm:ss+zz:zz") from None


class _Notes:
    """A resource's notes, taken one by one by their prefix; any left over is refused."""

    def __init__(self, resource: Mapping[str, Any]) -> None:
        raw = _get(resource, "note", list) or []
        self.texts: list[str] = []
        for note in raw:
            if not isinstance(note, Mapping) or not isinstance(note.get("text"), str):
                raise _Refused("note", "holds a note without text")
            self.texts.append(note["text"])

    def take(self, prefix: str, suffix: str = "") -> str | None:
        for text in self.texts:
            if text.startswith(prefix) and text.endswith(suffix):
                self.texts.remove(text)
                return text[len(prefix) : len(text) - len(suffix)]
        return None

    def rest(self) -> str | None:
        """The one note left (free text such as an MRI report), or None."""
        if len(self.texts) > 1:
            raise _Refused("note", "holds more notes than the mapping reads")
        return self.texts.pop() if self.texts else None

    def done(self) -> None:
        if self.texts:
            raise _Refused("note", f"{excerpt(self.texts[0], 60)} is not a note this reads")


def _yes_no(value: str | None, name: str) -> bool | None:
    if value is None:
        return None
    if value not in ("yes", "no"):
        raise _Refused(name, f"{excerpt(value, 20)} is not yes or no")
    return value == "yes"


def _reverse(display: Mapping[str, str], shown: str) -> str:
    return next((code for code, text in display.items() if text == shown), shown)


#: Elements each resource the export writes may hold (anything else is refused, not lost).
_COMMON: Final = frozenset({"resourceType", "id", "meta", "subject", "note"})
_ELEMENTS: Final[Mapping[str, frozenset[str]]] = {
    "diagnosis": _COMMON | {"verificationStatus", "code", "onsetDateTime", "recordedDate", "stage"},
    "relapse": _COMMON | {"verificationStatus", "code", "onsetDateTime"},
    "transplant": _COMMON | {"status", "code", "performedDateTime", "location"},
    "edss": _COMMON
    | {"status", "category", "code", "effectiveDateTime", "valueQuantity", "dataAbsentReason"}
    | {"method", "component"},
    "mri": _COMMON | {"status", "category", "code", "effectiveDateTime", "bodySite", "component"},
    "death": _COMMON | {"status", "code", "effectiveDateTime", "valueDateTime"},
    "scores": _COMMON
    | {"status", "category", "code", "effectiveDateTime", "method", "derivedFrom", "component"},
    "drug": _COMMON
    | {"status", "statusReason", "medicationCodeableConcept", "effectivePeriod"}
    | {"dateAsserted"},
    "adverse_event": _COMMON
    | {"actuality", "event", "date", "recordedDate", "seriousness", "outcome"},
    "qol": _COMMON | {"questionnaire", "status", "authored", "source", "item"},
    "todo": (_COMMON - {"subject"})
    | {"status", "intent", "code", "description", "for", "executionPeriod", "authoredOn"}
    | {"lastModified", "restriction"},
}


def _kind_of(resource: Mapping[str, Any]) -> str:
    kind = resource["resourceType"]
    codes = _codings(resource.get("code"), "code")
    if kind == "Condition":
        if (SNOMED, "24700007") in codes:
            return "diagnosis"
        if (RECORD_SYSTEM, "relapse") in codes:
            return "relapse"
    elif kind == "Procedure":
        if (SNOMED, "425983008") in codes:
            return "transplant"
    elif kind == "Observation":
        for code, name in (
            ((SNOMED, "273554001"), "edss"),
            ((RECORD_SYSTEM, "mri-lesions"), "mri"),
            ((LOINC, "81956-5"), "death"),
            ((RECORD_SYSTEM, "rand36-scores"), "scores"),
        ):
            if code in codes:
                return name
    else:
        simple = {
            "MedicationStatement": "drug",
            "AdverseEvent": "adverse_event",
            "QuestionnaireResponse": "qol",
            "Task": "todo",
        }
        if kind in simple:
            return simple[kind]
        raise _Refused(
            "resourceType",
            f"{excerpt(kind, 40)} is not a type this registry exports",
            "Patient, Condition, Procedure, Observation, MedicationStatement, AdverseEvent, "
            "QuestionnaireResponse, Task",
        )
    raise _Refused("code", f"is not a code this registry exports for a {kind}")


def _fields(kind: str, r: Mapping[str, Any]) -> dict[str, Any]:  # noqa: C901, PLR0912, PLR0915 - the reverse of fhir.py, kind by kind
    """The entry's fields as a person would type them (``entry_parse`` completes them)."""
    notes = _Notes(r)
    data: dict[str, Any] = {}
    if kind == "diagnosis":
        data["date"] = _day(r.get("recordedDate"), "recordedDate")
        data["first_symptoms"] = _day(r.get("onsetDateTime"), "onsetDateTime")
        stage = _get(r, "stage", list) or []
        if stage:
            summary = stage[0].get("summary") if isinstance(stage[0], Mapping) else None
            data["ms_type"] = _code(summary, "stage", MS_TYPE_SYSTEM)
        notes.take(f"Diagnosed on {data['date']}.")
    elif kind == "relapse":
        data["date"] = _day(r.get("onsetDateTime"), "onsetDateTime")
        status = _code(r.get("verificationStatus"), "verificationStatus", _VERIFICATION)
        data["confirmed"] = status == "confirmed"
        data["symptoms"] = notes.take("Symptoms: ")
        data["steroids"] = _yes_no(notes.take("Treated with steroids: "), "note")
    elif kind == "transplant":
        data["date"] = _day(r.get("performedDateTime"), "performedDateTime")
        location = _get(r, "location", Mapping) or {}
        identifier = location.get("identifier")
        if isinstance(identifier, Mapping) and identifier.get("system") == FACILITY_SYSTEM:
            data["facility_id"] = identifier.get("value")
        shown = location.get("display")
        if shown is not None and shown != data.get("facility_id"):
            data["clinic_name"] = shown
        data["regimen"] = notes.take("Conditioning regimen: ")
        data["intensity"] = notes.take("Conditioning intensity: ")
        dose = notes.take("CD34+ cell dose: ", " x 10^6/kg")
        if dose is not None:
            try:
                data["cd34_dose"] = float(dose)
            except ValueError:
                raise _Refused("note", "the CD34+ cell dose is not a number") from None
        serotherapy = notes.take("Serotherapy: ")
        if serotherapy is not None:
            data["serotherapy"] = _reverse(SEROTHERAPY_DISPLAY, serotherapy)
    elif kind == "edss":
        data["date"] = _day(r.get("effectiveDateTime"), "effectiveDateTime")
        data["rater"] = _code(r.get("method"), "method", RATER_SYSTEM) or "unknown"
        quantity = _get(r, "valueQuantity", Mapping)
        inputs = notes.take("Computed by the HSCT Navigator EDSS calculator from: ")
        if inputs is not None:
            data["inputs"] = _json_note(inputs)
        elif quantity is not None:
            data["value"] = quantity.get("value")
        _fs_components(r, data.get("inputs"))
    elif kind == "mri":
        data["date"] = _day(r.get("effectiveDateTime"), "effectiveDateTime")
        site = _text_of(r.get("bodySite"))
        data["region"] = _reverse(REGION_DISPLAY, site) if site is not None else "not_stated"
        for component in _get(r, "component", list) or []:
            code = _code(component.get("code"), "component", RECORD_SYSTEM)
            names = {"new-t2": "new_t2", "gd-enhancing": "gd_enhancing"}
            if code not in names:
                raise _Refused("component", f"{excerpt(code, 30)} is not an MRI count this reads")
            data[names[code]] = component.get("valueInteger")
        data["report_text"] = notes.rest()
    elif kind == "death":
        data["date"] = _day(r.get("effectiveDateTime"), "effectiveDateTime")
        data["cause"] = notes.take("Cause: ")
        data["treatment_related"] = _yes_no(notes.take("Related to the transplant: "), "note")
    elif kind == "drug":
        period = _get(r, "effectivePeriod", Mapping) or {}
        data["date"] = _day(period.get("start"), "effectivePeriod.start")
        data["stop"] = _day(period.get("end"), "effectivePeriod.end")
        data["drug"] = _code(
            r.get("medicationCodeableConcept"),
            "medicationCodeableConcept",
            DRUG_SYSTEM,
        )
        reasons = _get(r, "statusReason", list) or []
        if reasons:
            data["reason_stopped"] = _code(reasons[0], "statusReason", REASON_STOPPED_SYSTEM)
        data["last_dose"] = notes.take("Last dose: ")
    elif kind == "adverse_event":
        data["date"] = _day(r.get("date"), "date")
        event = r.get("event")
        category = _code(event, "event", ADVERSE_SYSTEM)
        data["category"] = category
        text = _text_of(event)
        if text is not None and text != ADVERSE_DISPLAY.get(str(category), category):
            data["description"] = text
        serious = _code(r.get("seriousness"), "seriousness", _SERIOUSNESS)
        if serious is not None:
            data["serious"] = serious == "serious"
        outcome = _text_of(r.get("outcome"))
        if outcome is not None:
            if not outcome.startswith("Resolved on "):
                raise _Refused("outcome", "is not an outcome this reads", "Resolved on YYYY-MM-DD")
            data["end"] = outcome.removeprefix("Resolved on ")
    elif kind == "qol":
        data["date"] = _day(r.get("authored"), "authored")
        questionnaire = _get(r, "questionnaire", str)
        prefix = f"{LOCAL_SYSTEM_BASE}/Questionnaire/"
        if questionnaire == RAND36_QUESTIONNAIRE:
            data["instrument"] = "rand36"
        elif questionnaire is not None and questionnaire.startswith(prefix):
            data["instrument"] = questionnaire.removeprefix(prefix)
        else:
            raise _Refused("questionnaire", "is not a questionnaire this registry exports")
        answers: dict[str, Any] = {}
        for item in _get(r, "item", list) or []:
            answer = item.get("answer") if isinstance(item, Mapping) else None
            if not isinstance(answer, list) or len(answer) != 1 or "linkId" not in item:
                raise _Refused("item", "holds an item without one answer")
            answers[str(item["linkId"])] = answer[0].get("valueInteger")
        data["answers"] = answers
    elif kind == "todo":
        restriction = _get(r, "restriction", Mapping) or {}
        period = restriction.get("period") if isinstance(restriction, Mapping) else None
        data["date"] = _day((period or {}).get("end"), "restriction.period.end")
        data["title"] = _get(r, "description", str)
        data["category"] = _code(r.get("code"), "code", TODO_SYSTEM)
        execution = _get(r, "executionPeriod", Mapping) or {}
        data["done_on"] = _day(execution.get("end"), "executionPeriod.end")
        data["step"] = notes.take("Journey step: ")
    notes.done()
    return {k: v for k, v in data.items() if v is not None}


def _fs_components(resource: Mapping[str, Any], inputs: Any) -> None:
    """The functional-system components must say what the calculator's inputs say (the note
    is what is read; a component that differs would otherwise be lost)."""
    given: dict[str, Any] = {}
    for component in _get(resource, "component", list) or []:
        code = _code(
            component.get("code") if isinstance(component, Mapping) else None,
            "component",
            EDSS_FS_SYSTEM,
        )
        given[str(code)] = component.get("valueInteger")
    grades = inputs if isinstance(inputs, Mapping) else {}
    expected = {k: grades[k] for k in EDSS_FS_DISPLAY if grades.get(k) is not None}
    if given != expected:
        raise _Refused("component", "differs from the calculator's inputs in the note")


def _json_note(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise _Refused("note", "the EDSS calculator's inputs are not JSON") from None


def _subject(
    resource: Mapping[str, Any],
    kind: str,
    records: Mapping[str, ImportedRecord],
    seen: set[tuple[str, str]],
    refused: set[str],
) -> str:
    """The id of the Patient the resource is about (one of the files'); the resource is
    marked as seen, so a second resource of the same type and id is refused."""
    holder = resource.get("for" if kind == "todo" else "subject")
    reference = holder.get("reference") if isinstance(holder, Mapping) else None
    if not isinstance(reference, str) or not reference.startswith("Patient/"):
        raise _Refused("subject", "does not name a Patient", "Patient/<id>")
    patient = reference.removeprefix("Patient/")
    if patient in refused:
        raise _Skipped
    if patient not in records:
        raise _Refused("subject", "names a Patient that is not in the files")
    key = (str(resource["resourceType"]), str(resource["id"]))
    if key in seen:
        raise _Refused("id", "is given twice")
    seen.add(key)
    return patient


def _provenance(resource: Mapping[str, Any]) -> str:
    meta = resource.get("meta")
    tags = meta.get("tag") if isinstance(meta, Mapping) else None
    for tag in tags if isinstance(tags, list) else []:
        if (
            isinstance(tag, Mapping)
            and tag.get("system") == PROVENANCE_SYSTEM
            and tag.get("code") in ("self", "clinic")
        ):
            return str(tag["code"])
    raise _Refused("meta.tag", "has no provenance", f"{PROVENANCE_SYSTEM}: self or clinic")


def _patient(located: _Located, today: dt.date) -> ImportedRecord:
    r = located.resource
    unread = set(r) - {"resourceType", "id", "meta", "identifier", "birthDate"}
    if unread:
        raise _Refused(sorted(unread)[0], "is an element the import does not read")
    code = None
    for identifier in _get(r, "identifier", list) or []:
        system = identifier.get("system") if isinstance(identifier, Mapping) else None
        if isinstance(system, str) and system.startswith(CLINIC_CODE_SYSTEM):
            code = identifier.get("value")
        elif system != RECORD_ID_SYSTEM:
            raise _Refused("identifier", "is an identifier the import does not read")
    if not isinstance(code, str):
        raise _Refused("identifier", "has no clinic study code", f"{CLINIC_CODE_SYSTEM}<clinic>")
    try:
        checked = patient_code_check(code)
        born = birth_month_check(_get(r, "birthDate", str), today=today)
    except InvalidInput as exc:
        error = exc.errors[0]
        name = "birthDate" if error.field == "birth_month" else "identifier"
        raise _Refused(name, error.message, error.allowed) from None
    return ImportedRecord(source_id=str(r["id"]), code=checked, birth_month=born)


def _unread(resource: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unread = set(resource) - allowed
    if unread:
        raise _Refused(sorted(unread)[0], "is an element the import does not read")


def _read_entry(
    located: _Located,
    kind: str,
    *,
    catalog: Catalog,
    instruments: Mapping[str, InstrumentDef] | None,
) -> ImportedEntry:
    """One resource as an entry, checked by the record's rules (raises on a problem)."""
    r = located.resource
    provenance = _provenance(r)
    meta = r.get("meta") or {}
    updated = _instant(meta.get("lastUpdated"), "meta.lastUpdated")
    if updated is None:
        raise _Refused("meta.lastUpdated", "is missing", "the entry's last change")
    created_name = CREATED_ELEMENT.get(kind)
    created = _instant(r.get(created_name), created_name) if created_name else None
    entry = entry_parse(kind=kind, data=_fields(kind, r), catalog=catalog, instruments=instruments)
    if kind == "edss" and "inputs" in entry.data:
        given = (r.get("valueQuantity") or {}).get("value")
        if given != entry.data["value"]:
            raise _Refused("valueQuantity", "differs from the calculator's inputs")
    return ImportedEntry(
        str(r["id"]), entry, provenance, created or updated, updated, located.where
    )


#: The element that holds an entry's creation time, for the kinds whose resource has one.
CREATED_ELEMENT: Final = {
    "drug": "dateAsserted",
    "adverse_event": "recordedDate",
    "todo": "authoredOn",
}


#: What a resource whose elements are not shaped as FHIR says raises while it is read (a
#: list where an object belongs, a number for a string...): refused, like any other problem.
MALFORMED: Final = (AttributeError, TypeError, KeyError, IndexError, ValueError, OverflowError)
SHAPE: Final = "is not shaped as this registry's FHIR export writes it"
SHAPE_ALLOWED: Final = "the elements and types of a FHIR R4 resource"


def _patients(
    found: Sequence[_Located], today: dt.date, problems: _Problems, refused: set[str]
) -> dict[str, ImportedRecord]:
    """The Patients of the files by id; the ids of those refused go to ``refused``."""
    records: dict[str, ImportedRecord] = {}
    codes: set[str] = set()
    for located in found:
        if located.resource["resourceType"] != "Patient":
            continue
        try:
            record = _patient(located, today)
        except _Refused as why:
            problems.add(f"{located.where} {why.element}", why.message, why.allowed)
            refused.add(str(located.resource["id"]))
            continue
        except MALFORMED:
            problems.add(located.where, SHAPE, SHAPE_ALLOWED)
            refused.add(str(located.resource["id"]))
            continue
        if record.source_id in records or record.code in codes:
            problems.add(located.where, "is a second Patient with this id or study code")
            continue
        records[record.source_id] = record
        codes.add(record.code)
    return records


def fhir_records(
    found: Sequence[_Located],
    *,
    today: dt.date,
    catalog: Catalog | None = None,
    instruments: Mapping[str, InstrumentDef] | None = None,
) -> list[ImportedRecord]:
    """The records the resources hold, every entry checked; pure. Raises
    :class:`InvalidInput` naming every problem (up to :data:`MAX_PROBLEMS`)."""
    catalog = catalog or load_catalog()
    problems = _Problems()
    refused: set[str] = set()
    records = _patients(found, today, problems, refused)
    responses: set[tuple[str, str]] = set()
    scores: list[tuple[_Located, str]] = []
    seen: set[tuple[str, str]] = set()
    for located in found:
        r = located.resource
        if r["resourceType"] == "Patient":
            continue
        try:
            kind = _kind_of(r)
            _unread(r, _ELEMENTS[kind])
            patient = _subject(r, kind, records, seen, refused)
            if kind == "scores":
                scores.append((located, patient))
                continue
            item = _read_entry(located, kind, catalog=catalog, instruments=instruments)
        except _Skipped:
            continue
        except _Refused as why:
            problems.add(f"{located.where} {why.element}", why.message, why.allowed)
            continue
        except InvalidInput as exc:
            for error in exc.errors:
                problems.add(f"{located.where} {error.field}", error.message, error.allowed)
            continue
        except MALFORMED:
            problems.add(located.where, SHAPE, SHAPE_ALLOWED)
            continue
        if kind == "qol":
            responses.add((patient, item.source_id))
        records[patient].entries.append(item)
    _check_scores(scores, responses, problems)
    for record in records.values():
        _context(record, today, problems)
    problems.raise_any()
    return sorted(records.values(), key=lambda rec: rec.code)


def _check_scores(
    scores: Sequence[tuple[_Located, str]], responses: set[tuple[str, str]], problems: _Problems
) -> None:
    """Each score Observation belongs to a questionnaire response of the same record in the
    files (its scores are computed again from the answers, so it is not read)."""
    for located, patient in scores:
        derived = located.resource.get("derivedFrom")
        first = derived[0] if isinstance(derived, list) and derived else None
        reference = first.get("reference") if isinstance(first, Mapping) else None
        target = str(reference or "").removeprefix("QuestionnaireResponse/")
        if (patient, target) not in responses or located.resource["id"] != target + SCORES_SUFFIX:
            problems.add(located.where, "are scores of no questionnaire response in the files")


def _context(record: ImportedRecord, today: dt.date, problems: _Problems) -> None:
    """The record's entries in the export's order, checked against each other."""
    record.entries.sort(key=lambda e: (e.entry.date, e.source_id))
    if len(record.entries) > MAX_ENTRIES:
        problems.add(
            f"Patient {record.code}",
            f"has {len(record.entries):,} entries",
            f"up to {MAX_ENTRIES:,} a record",
        )
        return
    # The checks against the rest of the record need only the entries a record holds one of
    # (the diagnosis is the anchor of the date checks), so each entry is checked against
    # those few, not against every entry (which took minutes for thousands of entries).
    others = [
        (e.source_id, e.entry.kind, e.entry) for e in record.entries if e.entry.kind in SINGLE
    ]
    # A relapse or transplant before the diagnosis is named once, at the relapse or
    # transplant: the diagnosis is checked against the rest without them.
    rest = [o for o in others if o[1] not in ("relapse", "transplant")]
    for item in record.entries:
        for error in entry_context_problems(
            item.entry,
            today=today,
            others=rest if item.entry.kind == "diagnosis" else others,
            entry_id=item.source_id,
        ):
            problems.add(f"{item.where} {error.field}", error.message, error.allowed)


# ---------------------------------------------------------------- writing


def _ordered_ids(n: int) -> list[str]:
    """``n`` new ids in ascending order, so the records' order by id is the source's."""
    return sorted(new_id() for _ in range(n))


def fhir_import(
    session: Session,
    *,
    actor: Actor | None,
    clinic_id: str,
    files: Sequence[FhirFile],
    now: datetime,
    dry_run: bool = False,
    catalog: Catalog | None = None,
) -> FhirImportResult:
    """Import the FHIR files into the clinic as new records (in the caller's transaction):
    all of them, or none with every problem named. ``actor`` None is the command line. A dry
    run checks everything and writes nothing. Audited: counts and file digests, never values.
    """
    _check_clinic(session, actor, clinic_id)
    records = fhir_records(fhir_read(files), today=now.date(), catalog=catalog)
    if not records:
        raise InvalidInput([FieldError("files", "hold no Patient", ALLOWED_FILES)])
    taken = sorted(
        str(code)
        for code in session.scalars(
            select(Patient.code).where(
                Patient.clinic_id == clinic_id, Patient.code.in_([r.code for r in records])
            )
        )
    )
    if taken:
        raise Conflict(
            f"the clinic already has records with these study codes: {', '.join(taken[:10])}"
            + (f" and {len(taken) - 10} more" if len(taken) > 10 else "")
            + "; a FHIR import only adds new records (the CSV import updates existing ones)"
        )
    counts: dict[str, int] = dict.fromkeys(KINDS, 0)
    for record in records:
        for item in record.entries:
            counts[item.entry.kind] += 1
    meta = [
        {
            "name": shown_name(f.name),
            "bytes": len(f.data),
            "sha256": hashlib.sha256(f.data).hexdigest(),
        }
        for f in files
    ]
    if dry_run:
        return FhirImportResult(len(records), counts, meta, None)
    table = {kind: dict.fromkeys(ACTIONS, 0) for kind in ("patients", *KINDS)}
    table["patients"]["add"] = len(records)
    for kind, n in counts.items():
        table[kind]["add"] = n
    total = dict.fromkeys(ACTIONS, 0)
    total["add"] = len(records) + sum(counts.values())
    run = ImportRun(
        clinic_id=clinic_id,
        actor=_who(actor),
        status="committed",
        files=meta,
        options={"format": "fhir"},
        counts={**{k: v for k, v in table.items() if v["add"]}, "total": total},
        plan_digest=hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest(),
        payload=None,
        created_at=now,
        finished_at=now,
    )
    session.add(run)
    session.flush()
    _write(session, actor=actor, clinic_id=clinic_id, records=records, run_id=run.id, now=now)
    _audit(
        session,
        actor,
        "import.fhir",
        entity_type="import_run",
        entity_id=run.id,
        clinic_id=clinic_id,
        details={"records": len(records), "entries": counts, "files": len(files)},
        now=now,
    )
    return FhirImportResult(len(records), counts, meta, run.id)


def _write(
    session: Session,
    *,
    actor: Actor | None,
    clinic_id: str,
    records: Sequence[ImportedRecord],
    run_id: str,
    now: datetime,
) -> None:
    patient_ids = _ordered_ids(len(records))
    session.execute(
        insert(Patient),
        [
            {
                "id": pid,
                "clinic_id": clinic_id,
                "code": record.code,
                "birth_month": record.birth_month,
                "created_at": now,
            }
            for pid, record in zip(patient_ids, records, strict=True)
        ],
    )
    created: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    audit: dict[str, list[str]] = defaultdict(list)
    for pid, record in zip(patient_ids, records, strict=True):
        for eid, item in zip(_ordered_ids(len(record.entries)), record.entries, strict=True):
            created.append(
                {
                    "id": eid,
                    "patient_id": pid,
                    "kind": item.entry.kind,
                    "date": item.entry.date,
                    "data": item.entry.data,
                    "provenance": item.provenance,
                    "created_at": item.created_at,
                    "updated_at": item.updated_at,
                }
            )
            changes.append(
                {
                    "patient_id": pid,
                    "entry_id": eid,
                    "operation": "create",
                    "batch": run_id,
                    "before": None,
                    "changed_at": now,
                }
            )
            audit[pid].append(eid)
    for start in range(0, len(created), 5000):
        session.execute(insert(RecordEntry), created[start : start + 5000])
        session.execute(insert(RecordChange), changes[start : start + 5000])
    session.flush()
    clinic_touch(session, clinic_id=clinic_id)
    _trim_histories(session, patient_ids)
    audit_records(
        session,
        actor=actor,
        clinic_id=clinic_id,
        run_id=run_id,
        records={
            pid: {"created": audit.get(pid, []), "changed": [], "new_record": True}
            for pid in patient_ids
        },
        now=now,
    )
