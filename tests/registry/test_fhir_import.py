"""The FHIR export read back: the round trip (export, import into an empty clinic, export
again: identical once ids are mapped), on SQLite and PostgreSQL; every kind read back
exactly; and imports that land whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from hsct.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hsct.registry import audit_event_list, clinics, patients, record
from hsct.registry.access import Actor, Grant, Role
from hsct.registry.cohort import cohort_export
from hsct.registry.fhir import fhir_bundle, fhir_ndjson
from hsct.registry.fhir_import import FhirFile, fhir_import, fhir_read, fhir_records
from hsct.registry.tables import Patient, RecordEntry
from tests.registry.test_fhir import ALL_ENTRIES, EXPORTED_AT, FULL, MINIMAL, _document

NOW = datetime(2026, 12, 3, 9, 0, 0, tzinfo=UTC)
TODAY = NOW.date()
Sessions = sessionmaker[Session]


def staff(*clinic_ids: str) -> Actor:
    return Actor(
        "acct-staff", "person-staff", tuple(Grant(Role.CLINIC_STAFF, c) for c in clinic_ids)
    )


def monitor(clinic_id: str) -> Actor:
    return Actor("acct-mon", "person-mon", (Grant(Role.CLINIC_MONITOR, clinic_id),))


# ---------------------------------------------------------------- pure: every kind back


def _bundle_file(document: Mapping[str, Any], name: str = "record.json") -> FhirFile:
    return FhirFile(name, json.dumps(fhir_bundle(document)).encode())


@pytest.mark.parametrize("entries", [list(FULL.values()), list(MINIMAL.values())])
def test_every_kind_of_entry_reads_back_exactly(entries: list[dict[str, Any]]) -> None:
    document = _document(entries)
    (got,) = fhir_records(fhir_read([_bundle_file(document)]), today=TODAY)
    assert got.code == "FLO-017"
    assert got.birth_month is None
    by_id = {e.source_id: e for e in got.entries}
    assert len(by_id) == len(entries)
    assert [e.source_id for e in got.entries] == [
        e["id"] for e in sorted(entries, key=lambda e: (e["date"], e["id"]))
    ]
    for entry in entries:
        item = by_id[entry["id"]]
        assert item.entry.kind == entry["kind"]
        assert item.entry.date.isoformat() == entry["date"]
        assert item.entry.data == entry["data"], entry["kind"]
        assert item.provenance == entry["provenance"]
        assert item.updated_at == datetime.fromisoformat(entry["updated_at"])
        # The creation time travels only where FHIR has an element for it.
        if entry["kind"] in ("drug", "adverse_event", "todo"):
            assert item.created_at == datetime.fromisoformat(entry["created_at"])
        else:
            assert item.created_at == item.updated_at


def test_the_birth_month_travels_and_a_day_of_birth_is_refused() -> None:
    document = _document(list(FULL.values())[:2])
    document["patient"]["birth_month"] = "1984-07"
    bundle = fhir_bundle(document)
    assert bundle["entry"][0]["resource"]["birthDate"] == "1984-07"
    (got,) = fhir_records(fhir_read([FhirFile("b.json", json.dumps(bundle).encode())]), today=TODAY)
    assert got.birth_month == "1984-07"
    bundle["entry"][0]["resource"]["birthDate"] = "1984-07-21"
    with pytest.raises(InvalidInput) as caught:
        fhir_records(fhir_read([FhirFile("b.json", json.dumps(bundle).encode())]), today=TODAY)
    (error,) = caught.value.errors
    assert error.field == "b.json entry 1 (Patient/5c1f0e7a9b3d4c2e8f6a1b0d9e7c3a2f) birthDate"
    assert error.message == "is not a year and month"
    assert "1984" not in str(error)  # the value is never repeated


def _edited(mutate: Any) -> list[FhirFile]:
    """The full document's Bundle with one resource changed by ``mutate(resources)``."""
    bundle = fhir_bundle(_document(list(FULL.values())))
    mutate({item["resource"]["id"]: item["resource"] for item in bundle["entry"]})
    return [FhirFile("record.json", json.dumps(bundle).encode())]


def _problems(files: list[FhirFile]) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        fhir_records(fhir_read(files), today=TODAY)
    return [str(e) for e in caught.value.errors]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda r: r[FULL["mri"]["id"]].__setitem__("interpretation", [{"text": "x"}]),
            "interpretation: is an element the import does not read",
        ),
        (
            lambda r: r[FULL["relapse"]["id"]]["note"].append({"text": "Seen twice"}),
            "note: 'Seen twice' is not a note this reads",
        ),
        (
            lambda r: r[FULL["edss"]["id"]]["valueQuantity"].__setitem__("value", 6.25),
            "value: 6.25 is not a value of the EDSS",
        ),
        (
            lambda r: r[FULL["edss_computed"]["id"]]["valueQuantity"].__setitem__("value", 9.0),
            "valueQuantity: differs from the calculator's inputs",
        ),
        (
            lambda r: r[FULL["edss_computed"]["id"]]["component"][2].__setitem__("valueInteger", 4),
            "component: differs from the calculator's inputs in the note",
        ),
        (
            lambda r: r[FULL["drug"]["id"]]["meta"].__setitem__("tag", []),
            "meta.tag: has no provenance",
        ),
        (
            lambda r: r[FULL["drug"]["id"]]["medicationCodeableConcept"]["coding"][0].__setitem__(
                "code", "aspirin"
            ),
            "drug: 'aspirin' is not a drug we know",
        ),
        (
            lambda r: r[FULL["relapse"]["id"]].__setitem__("onsetDateTime", "2015-01-01"),
            "a relapse on 2015-01-01 comes before the first symptoms",
        ),
        (
            lambda r: r[FULL["todo"]["id"]]["for"].__setitem__("reference", "Patient/other"),
            "subject: names a Patient that is not in the files",
        ),
        (
            lambda r: r[FULL["mri"]["id"]]["code"]["coding"][0].__setitem__("code", "ct-lesions"),
            "code: is not a code this registry exports for a Observation",
        ),
    ],
    ids=[
        "unknown element",
        "unknown note",
        "illegal EDSS",
        "EDSS not its inputs",
        "grade not its inputs",
        "no provenance",
        "unknown drug",
        "relapse before symptoms",
        "another patient",
        "unknown code",
    ],
)
def test_a_resource_the_record_rules_refuse_is_named(mutate: Any, expected: str) -> None:
    problems = _problems(_edited(mutate))
    assert len(problems) == 1, problems
    assert expected in problems[0]
    assert problems[0].startswith("record.json entry ")


def test_every_problem_is_listed_not_only_the_first() -> None:
    def two(r: dict[str, Any]) -> None:
        r[FULL["mri"]["id"]]["component"][0]["valueInteger"] = -1
        r[FULL["death"]["id"]]["note"][1]["text"] = "Related to the transplant: perhaps"

    problems = _problems(_edited(two))
    assert len(problems) == 2
    assert any("new_t2" in p for p in problems)
    assert any("'perhaps' is not yes or no" in p for p in problems)


def _corrupt_zip() -> bytes:
    """A ZIP whose one member's compressed bytes are damaged (its CRC no longer holds)."""
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Patient.ndjson", json.dumps({"resourceType": "Patient"}) * 50)
    data = bytearray(packed.getvalue())
    start = 30 + len("Patient.ndjson")  # the local header, then the compressed bytes
    data[start + 5 : start + 15] = b"\x00" * 10
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xfe", "is not UTF-8 text"),
        (b'{"resourceType": "Patient"}', "has no FHIR id"),
        (b"[1, 2]", "is not a FHIR resource"),
        (b'{"resourceType": "Patient", "id": "a"}\n{oops}\n', "x.ndjson line 2: is not JSON"),
        (b"PK\x03\x04garbage", "is not a readable ZIP"),
        (b"[" * 100_000, "is nested too deeply"),
        (_corrupt_zip(), "x.ndjson/Patient.ndjson cannot be unpacked"),
    ],
)
def test_files_that_cannot_be_read_are_refused_by_name(data: bytes, expected: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        fhir_read([FhirFile("x.ndjson", data)])
    assert expected in str(caught.value.errors[0])


def test_a_resource_type_the_export_never_writes_is_refused() -> None:
    line = {"resourceType": "Encounter", "id": "e1", "subject": {"reference": "Patient/p"}}
    problems = _problems([FhirFile("Encounter.ndjson", json.dumps(line).encode())])
    assert "'Encounter' is not a type this registry exports" in problems[0]


# ---------------------------------------------------------------- the round trip


def _build_clinic(s: Session, clinic_id: str) -> None:
    """Two records holding every kind of entry, times that differ, ties on one date."""
    actor = staff(clinic_id)
    first = patients.patient_create(
        s, actor=actor, clinic_id=clinic_id, code="RT-002", birth_month="1979-11", now=NOW
    )
    second = patients.patient_create(s, actor=actor, clinic_id=clinic_id, code="RT-001", now=NOW)
    for number, entry in enumerate(ALL_ENTRIES):
        kind, data = entry["kind"], dict(entry["data"])
        if kind == "edss" and data.get("computed"):
            data.pop("value")
            data.pop("computed")
        if kind == "qol":
            data.pop("scores", None)
        moment = NOW - timedelta(days=400 - number, microseconds=number * 7)
        target = first if number % 3 else second
        if kind in ("diagnosis", "transplant", "death"):
            target = first if entry in FULL.values() else second
        data["date"] = entry["date"]
        made = record.entry_add(
            s, actor=actor, patient_id=target.id, kind=kind, data=data, now=moment
        )
        if number % 4 == 0:  # changed later: last change after creation
            record.entry_update(
                s,
                actor=actor,
                patient_id=target.id,
                entry_id=made.id,
                data=data,
                now=moment + timedelta(hours=5),
            )
    # Three entries on one day, created in an order unlike their ids (ties of the export).
    for hours, (kind, data) in enumerate(
        [
            ("edss", {"value": 2.5, "rater": "nurse"}),
            ("mri", {"region": "brain", "new_t2": 0}),
            ("edss", {"value": 3.0, "rater": "neurologist"}),
        ]
    ):
        record.entry_add(
            s,
            actor=actor,
            patient_id=second.id,
            kind=kind,
            data={"date": "2025-05-05", **data},
            now=NOW - timedelta(hours=10 - hours),
        )
    # A self-reported entry accepted into the clinic's record keeps its provenance.
    one = s.scalars(select(RecordEntry.id).where(RecordEntry.patient_id == second.id)).first()
    s.execute(update(RecordEntry).where(RecordEntry.id == one).values(provenance="self"))


def _export(s: Session, clinic_id: str) -> dict[str, tuple[str, int]]:
    document = cohort_export(s, actor=None, clinic_id=clinic_id, now=NOW, fmt="fhir-ndjson")
    return fhir_ndjson(document)


def _ids(files: Mapping[str, tuple[str, int]]) -> list[str]:
    """Every id in the files, in order of first appearance (resources, references, systems)."""
    seen: dict[str, None] = {}
    for name in sorted(files):
        for token in re.findall(r"[0-9a-f]{32}", files[name][0]):
            seen.setdefault(token, None)
    return list(seen)


def test_export_import_export_is_identical_once_ids_are_mapped(sessions: Sessions) -> None:
    with sessions.begin() as s:
        source = clinics.clinic_create(s, name="Source", now=NOW).id
        target = clinics.clinic_create(s, name="Target", now=NOW).id
        _build_clinic(s, source)
        first = _export(s, source)
    upload = [FhirFile(f"{kind}.ndjson", text.encode()) for kind, (text, _) in first.items()]
    with sessions.begin() as s:
        result = fhir_import(
            s, actor=staff(target), clinic_id=target, files=upload, now=NOW + timedelta(days=1)
        )
    assert result.records == 2
    assert sum(result.entries.values()) == len(ALL_ENTRIES) + 3
    with sessions.begin() as s:
        second = _export(s, target)
    assert {k: n for k, (_, n) in second.items()} == {k: n for k, (_, n) in first.items()}
    old, new = _ids(first), _ids(second)
    assert len(old) == len(new)
    assert source in old
    assert target in new
    assert not set(old) & set(new)  # every record and entry has a new id
    mapped = {}
    for kind, (text, _) in first.items():
        for a, b in zip(old, new, strict=True):
            text = text.replace(a, b)  # noqa: PLW2901 - the file with ids mapped
        mapped[kind] = text
    for kind in first:
        assert second[kind][0] == mapped[kind], kind


def test_a_zip_of_bundles_imports_as_the_ndjson_does(sessions: Sessions) -> None:
    with sessions.begin() as s:
        source = clinics.clinic_create(s, name="Source", now=NOW).id
        target = clinics.clinic_create(s, name="Target", now=NOW).id
        _build_clinic(s, source)
        document = cohort_export(s, actor=None, clinic_id=source, now=NOW, fmt="fhir")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for record_ in document["records"]:
            bundle = fhir_bundle({**record_, "exported_at": document["exported_at"]})
            archive.writestr(f"fhir/{record_['patient']['id']}.json", json.dumps(bundle))
        archive.writestr("patients.csv", "not read")
    with sessions.begin() as s:
        result = fhir_import(
            s,
            actor=staff(target),
            clinic_id=target,
            files=[FhirFile("cohort.zip", packed.getvalue())],
            now=NOW,
        )
        assert result.records == 2
        codes = s.scalars(
            select(Patient.code).where(Patient.clinic_id == target).order_by(Patient.code)
        ).all()
        assert codes == ["RT-001", "RT-002"]
        born = s.scalar(select(Patient.birth_month).where(Patient.code == "RT-002"))
        assert born == "1979-11"


def test_an_import_lands_whole_or_not_at_all(sessions: Sessions) -> None:
    with sessions.begin() as s:
        source = clinics.clinic_create(s, name="Source", now=NOW).id
        target = clinics.clinic_create(s, name="Target", now=NOW).id
        _build_clinic(s, source)
        files = _export(s, source)
        patients.patient_create(s, actor=staff(target), clinic_id=target, code="RT-002", now=NOW)
    upload = [FhirFile(f"{k}.ndjson", text.encode()) for k, (text, _) in files.items()]
    with sessions.begin() as s, pytest.raises(Conflict, match="RT-002"):
        fhir_import(s, actor=staff(target), clinic_id=target, files=upload, now=NOW)
    broken = [FhirFile(f.name, f.data.replace(b'"value":6.0', b'"value":6.3', 1)) for f in upload]
    with sessions.begin() as s:
        s.execute(
            Patient.__table__.delete().where(Patient.clinic_id == target)  # type: ignore[attr-defined]
        )
    with sessions.begin() as s, pytest.raises(InvalidInput):
        fhir_import(s, actor=staff(target), clinic_id=target, files=broken, now=NOW)
    with sessions.begin() as s:
        left = s.scalar(
            select(func.count()).select_from(Patient).where(Patient.clinic_id == target)
        )
        assert left == 0
        dry = fhir_import(
            s, actor=staff(target), clinic_id=target, files=upload, now=NOW, dry_run=True
        )
        assert dry.import_id is None
        assert dry.records == 2
        left = s.scalar(
            select(func.count()).select_from(Patient).where(Patient.clinic_id == target)
        )
        assert left == 0


def test_only_the_clinics_writers_import_and_it_is_audited_without_values(
    sessions: Sessions,
) -> None:
    with sessions.begin() as s:
        source = clinics.clinic_create(s, name="Source", now=NOW).id
        target = clinics.clinic_create(s, name="Target", now=NOW).id
        _build_clinic(s, source)
        files = _export(s, source)
    upload = [FhirFile(f"{k}.ndjson", text.encode()) for k, (text, _) in files.items()]
    with sessions.begin() as s, pytest.raises(NotFound):
        fhir_import(s, actor=staff(source), clinic_id=target, files=upload, now=NOW)
    with sessions.begin() as s, pytest.raises(PermissionDenied):
        fhir_import(s, actor=monitor(target), clinic_id=target, files=upload, now=NOW)
    with sessions.begin() as s:
        result = fhir_import(s, actor=staff(target), clinic_id=target, files=upload, now=NOW)
    with sessions.begin() as s:
        events = [e for e in audit_event_list(s) if e.clinic_id == target]
    (run,) = [e for e in events if e.action == "import.fhir"]
    assert run.entity_id == result.import_id
    assert run.details == {"records": 2, "entries": result.entries, "files": len(upload)}
    written = json.dumps([e.details for e in events])
    assert "1979" not in written
    assert "RT-00" not in written
    assert "sepsis" not in written


def test_the_dates_are_checked_against_the_day_of_the_import() -> None:
    document = _document([FULL["diagnosis"], FULL["relapse"]])
    files = [_bundle_file(document)]
    with pytest.raises(InvalidInput) as caught:
        fhir_records(fhir_read(files), today=dt.date(2020, 1, 1))
    assert "is in the future" in str(caught.value.errors[0])


# ---------------------------------------------------------------- anything else: refused

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside a JSON value (keys of objects, indexes of lists)."""
    found = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*path, index))
    return found


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_damaged_resource_is_read_or_refused_by_name(data: st.DataObject) -> None:
    """One element anywhere in an exported Bundle replaced by any JSON value: the import
    either reads it (the value was acceptable) or refuses it with named problems; it never
    fails another way."""
    bundle = fhir_bundle(_document(list(FULL.values())))
    entry = data.draw(st.sampled_from(bundle["entry"]))
    places = [p for p in _paths(entry["resource"]) if p]
    place = data.draw(st.sampled_from(places))
    holder = entry["resource"]
    for step in place[:-1]:
        holder = holder[step]
    holder[place[-1]] = data.draw(_JSON_VALUES)
    files = [FhirFile("record.json", json.dumps(bundle).encode())]
    named: list[tuple[str, str]] | None = None
    try:
        fhir_records(fhir_read(files), today=TODAY)
    except InvalidInput as refused:
        named = [(error.field, error.message) for error in refused.errors]
    assert named is None or (named and all(field and message for field, message in named))


def test_free_text_with_line_separators_survives_ndjson() -> None:
    """NDJSON lines end at \\n only: U+2028 or U+0085 inside a report is text, not a line end."""
    entries = [
        FULL["diagnosis"],
        {**FULL["mri"], "data": {**FULL["mri"]["data"], "report_text": "one\u2028two\x85three"}},
    ]
    document = {"records": [{**_document(entries)}], "exported_at": EXPORTED_AT}
    files = [FhirFile(f"{k}.ndjson", t.encode()) for k, (t, _) in fhir_ndjson(document).items()]
    (got,) = fhir_records(fhir_read(files), today=TODAY)
    (mri,) = [e for e in got.entries if e.entry.kind == "mri"]
    assert mri.entry.data["report_text"] == "one\u2028two\x85three"


@pytest.mark.parametrize(
    ("element", "value"),
    [("lastUpdated", "0001-01-01T00:00:00+05:00"), ("lastUpdated", "2024-01-01T10:00:00")],
)
def test_an_instant_out_of_range_or_without_zone_is_refused(element: str, value: str) -> None:
    problems = _problems(
        _edited(lambda r: r[FULL["drug"]["id"]]["meta"].__setitem__(element, value))
    )
    assert len(problems) == 1
    assert "meta.lastUpdated" in problems[0]


def test_a_record_over_the_entry_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import hsct.registry.fhir_import as module  # noqa: PLC0415

    monkeypatch.setattr(module, "MAX_ENTRIES", 3)
    problems = _problems([_bundle_file(_document(list(FULL.values())))])
    assert problems == [f"Patient FLO-017: has {len(FULL)} entries (allowed: up to 3 a record)"]
