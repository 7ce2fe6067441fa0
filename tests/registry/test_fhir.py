"""The record as a FHIR R4 Bundle: valid (parsed by ``fhir.resources.R4B``) and faithful.

The document is built by hand in the shape ``record_export`` gives, each entry's fields
checked and completed (drug ids, computed EDSS, RAND-36 scores) by the registry's own
``entry_parse``, so the Bundle is made from what the registry really stores.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsct.common.edss_value import LEGAL_VALUES
from hsct.outcomes.qol import RAND36_ITEMS, RAND36_SCALES, rand36_score
from hsct.registry.entries import KINDS, entry_parse
from hsct.registry.fhir import (
    EDSS_FS_SYSTEM,
    PROVENANCE_SYSTEM,
    RAND36_QUESTIONNAIRE,
    RECORD_SYSTEM,
    SCORES_SUFFIX,
    SNOMED,
    fhir_bundle,
)

PATIENT_ID = "5c1f0e7a9b3d4c2e8f6a1b0d9e7c3a2f"
EXPORTED_AT = "2025-03-01T09:30:00+00:00"
VER_STATUS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
SCALE_KEYS = [scale.key for scale in RAND36_SCALES]

#: A full RAND-36: every item answered, the answer code cycling through the item's codes.
FULL_ANSWERS = {
    str(item.number): item.codes[item.number % len(item.codes)] for item in RAND36_ITEMS
}
#: A partly answered RAND-36 (pain and energy only, and item 2).
PART_ANSWERS = {"2": 3, "21": 2, "22": 1, "23": 4, "27": 3}

_serial = iter(range(1, 10_000))


def _entry(
    kind: str,
    data: Mapping[str, Any],
    *,
    provenance: str = "self",
) -> dict[str, Any]:
    """One exported entry: fields checked by the registry, id and times as it writes them."""
    parsed = entry_parse(kind=kind, data=data)
    return {
        "id": uuid.UUID(int=next(_serial) * 7_919_000_003).hex,
        "kind": kind,
        "date": parsed.date.isoformat(),
        "provenance": provenance,
        "created_at": f"{parsed.date.isoformat()}T12:00:00+00:00",
        "updated_at": "2025-02-01T08:15:30.123456+00:00",
        "data": parsed.data,
    }


def _document(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": "hsct-record",
        "version": 1,
        "exported_at": EXPORTED_AT,
        "patient": {
            "id": PATIENT_ID,
            "clinic_id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "code": "FLO-017",
            "created_at": "2023-01-10T10:00:00+00:00",
        },
        "entries": entries,
        "shares": [],
        "calendar_feed_active": False,
    }


FULL: dict[str, dict[str, Any]] = {
    "diagnosis": _entry(
        "diagnosis",
        {"date": "2016-04-12", "first_symptoms": "2015-09-01", "ms_type": "RRMS"},
        provenance="clinic",
    ),
    "transplant": _entry(
        "transplant",
        {
            "date": "2022-06-15",
            "facility_id": "florence-careggi",
            "clinic_name": "Careggi University Hospital",
            "regimen": "beam-atg",
            "intensity": "intermediate",
            "cd34_dose": 5.68,
            "serotherapy": "rabbit_atg",
        },
        provenance="clinic",
    ),
    "edss": _entry(
        "edss", {"date": "2022-05-20", "value": 6.0, "rater": "neurologist"}, provenance="clinic"
    ),
    "edss_self": _entry("edss", {"date": "2023-06-10", "value": 3.5, "rater": "self"}),
    "edss_computed": _entry(
        "edss",
        {
            "date": "2024-06-14",
            "rater": "self",
            "inputs": {
                "visual": 1,
                "brainstem": 1,
                "pyramidal": 2,
                "cerebellar": 1,
                "sensory": 2,
                "bowel_bladder": 1,
                "cerebral": 1,
                "ambulation_score": 0,
            },
        },
    ),
    "relapse": _entry(
        "relapse",
        {
            "date": "2021-11-03",
            "symptoms": "Numb left leg, double vision",
            "steroids": True,
            "confirmed": True,
        },
        provenance="clinic",
    ),
    "relapse_unconfirmed": _entry(
        "relapse", {"date": "2023-02-20", "symptoms": "Tingling hands", "steroids": False}
    ),
    "mri": _entry(
        "mri",
        {
            "date": "2022-01-10",
            "region": "brain",
            "new_t2": 3,
            "gd_enhancing": 1,
            "report_text": "Three new periventricular T2 lesions; one enhances.",
        },
        provenance="clinic",
    ),
    "mri_spine": _entry(
        "mri", {"date": "2023-01-12", "region": "spine", "new_t2": 0, "gd_enhancing": 0}
    ),
    "drug": _entry(
        "drug",
        {
            "date": "2019-03-01",
            "drug": "Ocrevus",
            "stop": "2021-12-01",
            "last_dose": "2021-09-15",
            "reason_stopped": "ineffective",
        },
    ),
    "drug_active": _entry("drug", {"date": "2024-09-01", "drug": "ofatumumab"}),
    "adverse_event": _entry(
        "adverse_event",
        {
            "date": "2023-09-05",
            "category": "thyroid",
            "end": "2024-02-01",
            "description": "Graves' disease, treated",
            "serious": False,
        },
        provenance="clinic",
    ),
    "death": _entry(
        "death",
        {"date": "2024-08-01", "cause": "sepsis", "treatment_related": True},
        provenance="clinic",
    ),
    "adverse_event_serious": _entry(
        "adverse_event",
        {"date": "2022-07-01", "category": "infection", "description": "CMV", "serious": True},
    ),
    "qol": _entry("qol", {"date": "2024-06-14", "answers": FULL_ANSWERS}),
    "qol_part": _entry("qol", {"date": "2023-06-10", "answers": PART_ANSWERS}),
    "todo": _entry(
        "todo",
        {
            "date": "2024-12-15",
            "title": "Book the yearly MRI",
            "category": "mri",
            "done_on": "2024-12-01",
            "step": "year-2",
        },
    ),
    "todo_open": _entry(
        "todo", {"date": "2026-06-15", "title": "Yearly EDSS with the neurologist"}
    ),
}

#: One entry of every kind with only what the kind requires (everything else left out).
MINIMAL: dict[str, dict[str, Any]] = {
    "diagnosis": _entry("diagnosis", {"date": "2016-04-12"}),
    "transplant": _entry("transplant", {"date": "2022-06-15"}),
    "edss": _entry("edss", {"date": "2024-01-01", "value": 0, "rater": "unknown"}),
    "relapse": _entry("relapse", {"date": "2024-01-02"}),
    "mri": _entry("mri", {"date": "2024-01-03", "region": "not_stated"}),
    "drug": _entry("drug", {"date": "2024-01-04", "drug": "rituximab"}),
    "adverse_event": _entry("adverse_event", {"date": "2024-01-05", "category": "other"}),
    "death": _entry("death", {"date": "2024-01-05"}),
    "qol": _entry("qol", {"date": "2024-01-06", "answers": {}}),
    "todo": _entry("todo", {"date": "2024-01-07", "title": "x"}),
}

ALL_ENTRIES = [*FULL.values(), *MINIMAL.values()]


def _resources(bundle: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The Bundle's resources by id."""
    return {item["resource"]["id"]: item["resource"] for item in bundle["entry"]}


def _references(value: Any) -> Iterator[str]:
    """Every ``reference`` anywhere inside ``value``."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "reference":
                yield inner
            else:
                yield from _references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _references(inner)


def _codes(concept: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(c["system"], c["code"]) for c in concept["coding"]]


def _scored(entries: list[dict[str, Any]]) -> int:
    return sum(1 for e in entries if e["kind"] == "qol" and "scores" in e["data"])


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    made = fhir_bundle(_document(ALL_ENTRIES))
    Bundle.model_validate(made)
    return made


def test_the_document_holds_every_kind_fully_and_minimally() -> None:
    assert {e["kind"] for e in FULL.values()} == set(KINDS)
    assert set(MINIMAL) == set(KINDS)


def test_the_bundle_is_a_valid_r4_collection(bundle: dict[str, Any]) -> None:
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    assert bundle["timestamp"] == EXPORTED_AT
    assert json.loads(json.dumps(bundle)) == bundle  # plain JSON, nothing else
    # Each resource parses as its own type too.
    assert parsed.entry is not None
    assert {type(e.resource).__name__ for e in parsed.entry} == {
        "Patient",
        "Condition",
        "Procedure",
        "Observation",
        "MedicationStatement",
        "AdverseEvent",
        "QuestionnaireResponse",
        "Task",
    }


def test_one_resource_per_entry_plus_the_patient_and_the_score_observations(
    bundle: dict[str, Any],
) -> None:
    resources = _resources(bundle)
    assert _scored(ALL_ENTRIES) == 3  # two answered questionnaires and the empty one
    assert len(bundle["entry"]) == len(ALL_ENTRIES) + 1 + 3
    assert len(resources) == len(bundle["entry"])  # ids are unique
    for entry in ALL_ENTRIES:
        assert entry["id"] in resources
    score_ids = {f"{e['id']}{SCORES_SUFFIX}" for e in ALL_ENTRIES if e["kind"] == "qol"}
    assert score_ids <= set(resources)
    expected = {entry["id"] for entry in ALL_ENTRIES} | score_ids | {PATIENT_ID}
    assert set(resources) == expected


def test_ids_full_urls_and_references(bundle: dict[str, Any]) -> None:
    resources = _resources(bundle)
    for item in bundle["entry"]:
        resource = item["resource"]
        assert FHIR_ID.fullmatch(resource["id"])
        assert item["fullUrl"] == (
            f"https://hsct-navigator.example/fhir/{resource['resourceType']}/{resource['id']}"
        )
    patient_ref = f"Patient/{PATIENT_ID}"
    for resource in resources.values():
        if resource["resourceType"] == "Patient":
            continue
        subject = resource.get("subject") or resource.get("for")
        assert subject == {"reference": patient_ref}
        for reference in _references(resource):
            if reference != patient_ref:  # only a score Observation points elsewhere
                kind, _, target = reference.partition("/")
                assert kind == "QuestionnaireResponse"
                assert resources[target]["resourceType"] == kind
                assert resource["id"] == f"{target}{SCORES_SUFFIX}"


def test_the_patient_is_a_pseudonym(bundle: dict[str, Any]) -> None:
    patient = bundle["entry"][0]["resource"]
    assert patient["resourceType"] == "Patient"
    assert patient["id"] == PATIENT_ID
    assert "name" not in patient
    assert "birthDate" not in patient
    assert {"telecom", "address", "gender", "photo"}.isdisjoint(patient)
    assert patient["meta"]["security"][0]["code"] == "PSEUDED"
    assert {i["value"] for i in patient["identifier"]} == {PATIENT_ID, "FLO-017"}


def test_provenance_is_tagged_on_every_entry(bundle: dict[str, Any]) -> None:
    resources = _resources(bundle)
    for entry in ALL_ENTRIES:
        ids = [entry["id"]]
        if entry["kind"] == "qol" and "scores" in entry["data"]:
            ids.append(f"{entry['id']}{SCORES_SUFFIX}")
        for resource_id in ids:
            meta = resources[resource_id]["meta"]
            assert [(t["system"], t["code"]) for t in meta["tag"]] == [
                (PROVENANCE_SYSTEM, entry["provenance"])
            ]
            assert meta["lastUpdated"] == entry["updated_at"]
    labels = {
        t["display"]
        for r in resources.values()
        for t in r.get("meta", {}).get("tag", [])
        if t["system"] == PROVENANCE_SYSTEM
    }
    assert labels == {"self-reported", "entered by clinic staff"}


def test_diagnosis(bundle: dict[str, Any]) -> None:
    resources = _resources(bundle)
    full = resources[FULL["diagnosis"]["id"]]
    assert full["resourceType"] == "Condition"
    assert _codes(full["code"]) == [(SNOMED, "24700007")]
    assert full["onsetDateTime"] == "2015-09-01"
    assert full["recordedDate"] == "2016-04-12"
    assert full["stage"][0]["summary"]["coding"][0]["code"] == "RRMS"
    assert _codes(full["verificationStatus"]) == [(VER_STATUS, "confirmed")]
    minimal = resources[MINIMAL["diagnosis"]["id"]]
    assert "onsetDateTime" not in minimal
    assert "stage" not in minimal
    assert "verificationStatus" not in minimal


def test_transplant(bundle: dict[str, Any]) -> None:
    resources = _resources(bundle)
    full = resources[FULL["transplant"]["id"]]
    assert full["resourceType"] == "Procedure"
    assert full["status"] == "completed"
    assert _codes(full["code"]) == [(SNOMED, "425983008"), (SNOMED, "234336002")]
    assert full["performedDateTime"] == "2022-06-15"
    assert full["location"]["display"] == "Careggi University Hospital"
    assert full["location"]["identifier"]["value"] == "florence-careggi"
    assert [n["text"] for n in full["note"]] == [
        "Conditioning regimen: beam-atg",
        "Conditioning intensity: intermediate",
        "CD34+ cell dose: 5.68 x 10^6/kg",
        "Serotherapy: rabbit ATG",
    ]
    minimal = resources[MINIMAL["transplant"]["id"]]
    assert "note" not in minimal
    assert "location" not in minimal
    assert minimal["performedDateTime"] == "2022-06-15"


def test_edss(bundle: dict[str, Any]) -> None:
    resources = _resources(bundle)
    values = {}
    for name in ("edss", "edss_self", "edss_computed"):
        observation = resources[FULL[name]["id"]]
        assert observation["resourceType"] == "Observation"
        assert observation["status"] == "final"
        assert _codes(observation["code"]) == [(SNOMED, "273554001")]
        assert observation["effectiveDateTime"] == FULL[name]["date"]
        assert observation["valueQuantity"]["code"] == "{score}"
        values[name] = (
            observation["valueQuantity"]["value"],
            observation["method"]["coding"][0]["code"],
        )
    assert values == {
        "edss": (6.0, "neurologist"),
        "edss_self": (3.5, "self"),
        "edss_computed": (2.5, "self"),
    }
    computed = resources[FULL["edss_computed"]["id"]]
    assert '"pyramidal": 2' in computed["note"][0]["text"]
    # The functional-system grades (and the ambulation score) as components, in order.
    assert [
        (c["code"]["coding"][0]["system"], c["code"]["coding"][0]["code"], c["valueInteger"])
        for c in computed["component"]
    ] == [
        (EDSS_FS_SYSTEM, "visual", 1),
        (EDSS_FS_SYSTEM, "brainstem", 1),
        (EDSS_FS_SYSTEM, "pyramidal", 2),
        (EDSS_FS_SYSTEM, "cerebellar", 1),
        (EDSS_FS_SYSTEM, "sensory", 2),
        (EDSS_FS_SYSTEM, "bowel_bladder", 1),
        (EDSS_FS_SYSTEM, "cerebral", 1),
        (EDSS_FS_SYSTEM, "ambulation_score", 0),
    ]
    assert "component" not in resources[FULL["edss"]["id"]]
    assert resources[MINIMAL["edss"]["id"]]["valueQuantity"]["value"] == 0


def test_relapse(bundle: dict[str, Any]) -> None:
    resources = _resources(bundle)
    expected = {
        FULL["relapse"]["id"]: "confirmed",
        FULL["relapse_unconfirmed"]["id"]: "unconfirmed",
        MINIMAL["relapse"]["id"]: "unconfirmed",
    }
    for resource_id, status in expected.items():
        condition = resources[resource_id]
        assert condition["resourceType"] == "Condition"
        assert _codes(condition["code"]) == [(RECORD_SYSTEM, "relapse")]
        assert _codes(condition["verificationStatus"]) == [(VER_STATUS, status)]
    confirmed = resources[FULL["relapse"]["id"]]
    assert confirmed["onsetDateTime"] == "2021-11-03"
    assert [n["text"] for n in confirmed["note"]] == [
        "Symptoms: Numb left leg, double vision",
        "Treated with steroids: yes",
    ]


def test_mri(bundle: dict[str, Any]) -> None:
    resources = _resources(bundle)

    def counts(resource_id: str) -> dict[str, int]:
        return {
            c["code"]["coding"][0]["code"]: c["valueInteger"]
            for c in resources[resource_id].get("component", [])
        }

    assert counts(FULL["mri"]["id"]) == {"new-t2": 3, "gd-enhancing": 1}
    assert counts(FULL["mri_spine"]["id"]) == {"new-t2": 0, "gd-enhancing": 0}
    assert counts(MINIMAL["mri"]["id"]) == {}
    brain = resources[FULL["mri"]["id"]]
    assert brain["bodySite"] == {"text": "Brain"}
    assert brain["effectiveDateTime"] == "2022-01-10"
    assert brain["note"] == [{"text": "Three new periventricular T2 lesions; one enhances."}]
    assert resources[FULL["mri_spine"]["id"]]["bodySite"] == {"text": "Spine"}
    assert "bodySite" not in resources[MINIMAL["mri"]["id"]]


def test_drug(bundle: dict[str, Any]) -> None:
    resources = _resources(bundle)
    stopped = resources[FULL["drug"]["id"]]
    assert stopped["resourceType"] == "MedicationStatement"
    assert stopped["status"] == "completed"
    assert stopped["medicationCodeableConcept"]["text"] == "ocrelizumab"
    assert stopped["effectivePeriod"] == {"start": "2019-03-01", "end": "2021-12-01"}
    assert stopped["statusReason"][0]["coding"][0]["code"] == "ineffective"
    assert stopped["note"] == [{"text": "Last dose: 2021-09-15"}]
    active = resources[FULL["drug_active"]["id"]]
    assert active["status"] == "active"
    assert active["effectivePeriod"] == {"start": "2024-09-01"}
    assert resources[MINIMAL["drug"]["id"]]["status"] == "active"


def test_adverse_event(bundle: dict[str, Any]) -> None:
    resources = _resources(bundle)
    thyroid = resources[FULL["adverse_event"]["id"]]
    assert thyroid["resourceType"] == "AdverseEvent"
    assert thyroid["actuality"] == "actual"
    assert thyroid["date"] == "2023-09-05"
    assert thyroid["event"]["coding"][0]["code"] == "thyroid"
    assert thyroid["event"]["text"] == "Graves' disease, treated"
    assert thyroid["seriousness"]["coding"][0]["code"] == "non-serious"
    assert thyroid["outcome"]["coding"][0]["code"] == "resolved"
    assert thyroid["outcome"]["text"] == "Resolved on 2024-02-01"
    infection = resources[FULL["adverse_event_serious"]["id"]]
    assert infection["seriousness"]["coding"][0]["code"] == "serious"
    assert "outcome" not in infection
    minimal = resources[MINIMAL["adverse_event"]["id"]]
    assert "seriousness" not in minimal
    assert minimal["event"]["text"] == "Other adverse event"


def test_questionnaire_answers_equal_the_input(bundle: dict[str, Any]) -> None:
    resources = _resources(bundle)
    for entry in (FULL["qol"], FULL["qol_part"], MINIMAL["qol"]):
        response = resources[entry["id"]]
        assert response["resourceType"] == "QuestionnaireResponse"
        assert response["status"] == "completed"
        assert response["questionnaire"] == RAND36_QUESTIONNAIRE
        assert response["authored"] == entry["date"]
        given = {
            item["linkId"]: item["answer"][0]["valueInteger"] for item in response.get("item", [])
        }
        assert given == entry["data"]["answers"]
    full_items = [item["linkId"] for item in resources[FULL["qol"]["id"]]["item"]]
    assert full_items == [str(n) for n in range(1, 37)]  # in item order


def test_questionnaire_scores(bundle: dict[str, Any]) -> None:
    resources = _resources(bundle)
    for entry in (FULL["qol"], FULL["qol_part"], MINIMAL["qol"]):
        observation = resources[f"{entry['id']}{SCORES_SUFFIX}"]
        assert observation["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{entry['id']}"}]
        got = {
            c["code"]["coding"][0]["code"]: c.get("valueQuantity", {}).get("value")
            for c in observation["component"]
        }
        expected = rand36_score(answers=entry["data"]["answers"]).to_dict()
        assert got == {
            **{key: expected["scales"][key]["score"] for key in SCALE_KEYS},
            "health_change": expected["health_change"],
        }
    partial = resources[f"{FULL['qol_part']['id']}{SCORES_SUFFIX}"]
    by_key = {c["code"]["coding"][0]["code"]: c for c in partial["component"]}
    assert by_key["pain"]["valueQuantity"]["value"] == 90.0
    assert by_key["health_change"]["valueQuantity"]["value"] == 50
    assert by_key["physical_functioning"]["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    assert "pain 2 of 2" in partial["note"][0]["text"]


def test_todo(bundle: dict[str, Any]) -> None:
    resources = _resources(bundle)
    done = resources[FULL["todo"]["id"]]
    assert done["resourceType"] == "Task"
    assert (done["status"], done["intent"]) == ("completed", "plan")
    assert done["description"] == "Book the yearly MRI"
    assert done["restriction"] == {"period": {"end": "2024-12-15"}}
    assert done["executionPeriod"] == {"end": "2024-12-01"}
    assert done["note"] == [{"text": "Journey step: year-2"}]
    open_task = resources[FULL["todo_open"]["id"]]
    assert open_task["status"] == "requested"
    assert "executionPeriod" not in open_task


def test_free_text_becomes_valid_fhir_strings() -> None:
    entries = [
        _entry("relapse", {"date": "2024-01-02", "symptoms": "\xa0 legs\x00 weak \x07"}),
        _entry("todo", {"date": "2024-01-07", "title": " \x1f "}),
    ]
    made = fhir_bundle(_document(entries))
    Bundle.model_validate(made)
    resources = _resources(made)
    assert resources[entries[0]["id"]]["note"] == [{"text": "Symptoms: legs  weak"}]
    assert "description" not in resources[entries[1]["id"]]


def test_naive_times_are_read_as_utc_and_the_base_url_is_a_parameter() -> None:
    document = _document([MINIMAL["todo"]])
    document["exported_at"] = "2025-03-01T09:30:00"
    made = fhir_bundle(document, base_url="https://registry.example.org/fhir/")
    assert made["timestamp"] == "2025-03-01T09:30:00+00:00"
    assert made["entry"][1]["fullUrl"] == (
        f"https://registry.example.org/fhir/Task/{MINIMAL['todo']['id']}"
    )


def test_unknown_kinds_and_impossible_ids_are_refused() -> None:
    unknown = {**MINIMAL["todo"], "kind": "diary"}
    with pytest.raises(ValueError, match="kind 'diary'"):
        fhir_bundle(_document([unknown]))
    bad_id = {**MINIMAL["todo"], "id": "not/an id"}
    with pytest.raises(ValueError, match="not a FHIR id"):
        fhir_bundle(_document([bad_id]))


# ---------------------------------------------------------------- properties

_dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)).map(
    dt.date.isoformat
)
_text = st.text(max_size=40)


@st.composite
def _rand36_answers(draw: st.DrawFn) -> dict[str, int]:
    """Some RAND-36 items, each with one of its own answers."""
    items = draw(st.lists(st.sampled_from(RAND36_ITEMS), unique_by=lambda item: item.number))
    return {str(item.number): draw(st.sampled_from(item.codes)) for item in items}


@st.composite
def _random_entry(draw: st.DrawFn) -> dict[str, Any]:
    """An exported entry of any kind with arbitrary optional fields (some given as null)."""
    kind = draw(st.sampled_from(KINDS))
    date = draw(_dates)
    fields: dict[str, st.SearchStrategy[Any]] = {
        "diagnosis": st.fixed_dictionaries(
            {
                "first_symptoms": st.none() | _dates,
                "ms_type": st.none()
                | st.sampled_from(["RRMS", "SPMS", "PPMS", "CIS", "RIS", "suspected"]),
            }
        ),
        "transplant": st.fixed_dictionaries(
            {
                "facility_id": st.none()
                | st.sampled_from(["florence-careggi", "bergen-haukeland"]),
                "clinic_name": st.none() | _text,
                "regimen": st.none() | st.sampled_from(["cy-atg", "beam-atg", "other"]),
                "intensity": st.none() | st.sampled_from(["high", "intermediate", "low"]),
                "cd34_dose": st.none() | st.floats(min_value=0.1, max_value=100),
                "serotherapy": st.none()
                | st.sampled_from(["rabbit_atg", "horse_atg", "alemtuzumab", "none", "other"]),
            }
        ),
        "edss": st.fixed_dictionaries(
            {
                "value": st.none() | st.sampled_from(LEGAL_VALUES),
                "rater": st.sampled_from(["self", "nurse", "neurologist", "unknown"]),
                "computed": st.none() | st.just(True),
            }
        ),
        "relapse": st.fixed_dictionaries(
            {"symptoms": st.none() | _text, "steroids": st.none() | st.booleans()},
            optional={"confirmed": st.booleans()},
        ),
        "mri": st.fixed_dictionaries(
            {
                "region": st.sampled_from(["brain", "spine", "brain_and_spine", "not_stated"]),
                "new_t2": st.none() | st.integers(0, 1000),
                "gd_enhancing": st.none() | st.integers(0, 1000),
                "report_text": st.none() | _text,
            }
        ),
        "drug": st.fixed_dictionaries(
            {
                "drug": st.sampled_from(["ocrelizumab", "natalizumab", "cladribine"]),
                "stop": st.none() | _dates,
                "last_dose": st.none() | _dates,
                "reason_stopped": st.none()
                | st.sampled_from(["ineffective", "side_effects", "planned", "pregnancy"]),
            }
        ),
        "adverse_event": st.fixed_dictionaries(
            {
                "category": st.sampled_from(
                    ["infection", "thyroid", "itp", "other_autoimmune", "other"]
                ),
                "end": st.none() | _dates,
                "description": st.none() | _text,
                "serious": st.none() | st.booleans(),
            }
        ),
        "death": st.fixed_dictionaries(
            {"cause": st.none() | _text, "treatment_related": st.none() | st.booleans()}
        ),
        "qol": _rand36_answers().map(
            lambda answers: {
                "instrument": "rand36",
                "answers": answers,
                "scores": rand36_score(answers=answers).to_dict(),
            }
        ),
        "todo": st.fixed_dictionaries(
            {
                "title": _text,
                "category": st.sampled_from(["mri", "edss", "vaccine", "other"]),
                "done_on": st.none() | _dates,
                "step": st.none() | _text,
            }
        ),
    }
    data = {"date": date, **draw(fields[kind])}
    if kind == "qol" and draw(st.booleans()):
        del data["scores"]  # an entry stored before scoring existed
    if draw(st.booleans()):  # the registry stores no nulls; a hand-made document may
        data = {key: value for key, value in data.items() if value is not None}
    return {
        "id": draw(st.uuids()).hex,
        "kind": kind,
        "date": date,
        "provenance": draw(st.sampled_from(["self", "clinic"])),
        "created_at": "2025-01-01T00:00:00+00:00",
        "updated_at": "2025-01-02T00:00:00+00:00",
        "data": data,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subset=st.lists(st.sampled_from(ALL_ENTRIES), unique_by=lambda e: e["id"]),
    extra=st.lists(_random_entry(), max_size=12, unique_by=lambda e: e["id"]),
)
def test_any_record_gives_a_valid_bundle_of_the_designed_size(
    subset: list[dict[str, Any]], extra: list[dict[str, Any]]
) -> None:
    entries = subset + extra
    made = fhir_bundle(_document(entries))
    Bundle.model_validate(made)
    ids = [item["resource"]["id"] for item in made["entry"]]
    assert len(ids) == len(entries) + 1 + _scored(entries)
    assert len(set(ids)) == len(ids)
    assert {e["id"] for e in entries} <= set(ids)
    patient_ref = f"Patient/{PATIENT_ID}"
    for item in made["entry"][1:]:
        resource = item["resource"]
        assert (resource.get("subject") or resource.get("for")) == {"reference": patient_ref}


def test_resources_share_no_dicts() -> None:
    made = fhir_bundle(_document([FULL["qol_part"], MINIMAL["edss"], MINIMAL["relapse"]]))
    response, scores, edss, relapse = (item["resource"] for item in made["entry"][1:])
    response["subject"]["reference"] = "Patient/changed"
    assert response["source"] == {"reference": f"Patient/{PATIENT_ID}"}
    assert scores["subject"] == edss["subject"] == relapse["subject"] == response["source"]
    scores["component"][0]["dataAbsentReason"]["coding"][0]["code"] = "changed"
    assert scores["component"][1]["dataAbsentReason"]["coding"][0]["code"] == "unknown"
