"""A person's exported record as a FHIR R4 Bundle (type ``collection``), as JSON-ready dicts.

:func:`fhir_bundle` reads the document :func:`hsct.registry.export.record_export` makes and
returns one Bundle: the Patient first, then the resources of each entry in the document's
order. It is pure (no database, no web): the same document always gives the same Bundle.
The tests parse it with ``fhir.resources.R4B`` (R4B is wire-compatible with R4 for these
resources; ``../shared/dossier/registry.md`` section 4 says to confirm that with the HL7
validator, which is not done yet).

Mapping (codes from ``../shared/dossier/registry.md`` section 4 and HL7's terminology)
--------------------------------------------------------------------------------------
=============  ================================  ===========================================
kind           resource (id)                     code and main elements
=============  ================================  ===========================================
(the record)   Patient (patient id)              no name, no sex; ``birthDate`` the year
                                                 and month only (``YYYY-MM``), when recorded;
                                                 ``meta.security`` v3-ObservationValue
                                                 ``PSEUDED``; identifiers: the record id and
                                                 the clinic's study code (both pseudonyms)
diagnosis      Condition (entry id)              SNOMED CT 24700007 Multiple sclerosis;
                                                 onsetDateTime = first symptoms,
                                                 recordedDate = diagnosis date; MS type as
                                                 ``stage.summary`` (local code); verification
                                                 confirmed (RRMS, SPMS, PPMS) or provisional
                                                 (CIS, RIS, suspected)
transplant     Procedure (entry id)              SNOMED CT 425983008 Autologous peripheral
                                                 blood stem cell transplant, and its parent
                                                 234336002 Hemopoietic stem cell transplant;
                                                 status completed; performedDateTime = day 0;
                                                 clinic as ``location`` (display and
                                                 directory id); regimen, intensity, CD34+ dose
                                                 and serotherapy as ``note`` (one each)
edss           Observation (entry id)            SNOMED CT 273554001 Kurtzke expanded
                                                 disability status scale (no LOINC code);
                                                 category survey; valueQuantity UCUM
                                                 ``{score}``; rater as ``method`` (local
                                                 code); the calculator's functional-system
                                                 grades and ambulation score as
                                                 ``component`` (local code, valueInteger),
                                                 all its inputs as ``note`` (JSON)
relapse        Condition (entry id)              local code ``record#relapse`` (no standard
                                                 code exists: dossier [GAP]); onsetDateTime;
                                                 verificationStatus confirmed / unconfirmed;
                                                 symptoms and steroids as ``note``
mri            Observation (entry id)            local code ``record#mri-lesions``; category
                                                 imaging; components ``record#new-t2`` and
                                                 ``record#gd-enhancing`` (valueInteger; a
                                                 count not given has no component); region
                                                 as ``bodySite``; the report as ``note``
drug           MedicationStatement (entry id)    medicationCodeableConcept = the drug id
                                                 (local code and text); effectivePeriod
                                                 start/stop; status completed when stopped,
                                                 else active; reason as ``statusReason``;
                                                 last dose as ``note``
adverse_event  AdverseEvent (entry id)           actuality actual; ``event`` = the category
                                                 (local code), its text the description;
                                                 date = onset; seriousness (HL7) when known;
                                                 an end date gives outcome ``resolved``
qol            QuestionnaireResponse (entry id)  status completed; questionnaire = RAND's
                                                 RAND-36 page; authored = date; one item per
                                                 answer (linkId = item number, valueInteger =
                                                 the pre-coded answer)
qol (scores)   Observation (entry id + -scores)  local code ``record#rand36-scores``; one
                                                 component per scale and for health change
                                                 (valueQuantity 0-100); derivedFrom the
                                                 QuestionnaireResponse. Only when the entry
                                                 has scores.
todo           Task (entry id)                   status completed when done, else requested;
                                                 intent plan; description = title; due date
                                                 as ``restriction.period.end`` (FHIR's "by
                                                 when"), done date as ``executionPeriod.end``
=============  ================================  ===========================================

So a Bundle holds 1 + (number of entries) + (number of qol entries with scores) resources.

Every entry's resources carry ``meta.tag`` with the local code system
``.../CodeSystem/provenance``: ``self`` (self-reported) or ``clinic`` (entered by clinic
staff), and ``meta.lastUpdated`` = the entry's last change. Every reference to the person is
``Patient/<id>`` (relative); each Bundle entry's ``fullUrl`` is ``<base_url>/<type>/<id>``, so
the relative references resolve inside the Bundle (FHIR R4 Bundle "Resolving references").
The Bundle's ``timestamp`` is the export's time.

Sources and choices
-------------------
* SNOMED CT 24700007, 425983008, 234336002, 273554001: dossier section 4 (24700007 and
  273554001 from anchors.md). 425983008 and 234336002 cross-checked on 2026-12-03 in
  independent public FHIR artefacts found with the workplace's code search: India's NRCeS
  (ABDM) FHIR examples code a Procedure ``$sct#425983008 "Autologous peripheral blood stem
  cell transplant"``; an OMOP concept note lists its parents as "Autogenous transplant" and
  "Peripheral blood stem cell transplant"; several FHIR shorthand value sets and concept
  maps list ``$sct#234336002 "Hemopoietic stem cell transplant (procedure)"``. Not yet
  checked in a SNOMED browser (licensed; no network here).
* Relapse and MRI counts: no standard code in the dossier ([GAP]); local codes under
  :data:`LOCAL_SYSTEM_BASE`, a placeholder domain until the project owns one.
* MS type, rater, adverse-event category, to-do category, drug ids, RAND-36 scale keys:
  local code systems (SNOMED codes for the MS phenotypes exist but are not in the dossier).
* HL7 code systems (hl7.org/fhir/R4 and terminology.hl7.org): condition-ver-status,
  observation-category, data-absent-reason, adverse-event-outcome, and
  adverse-event-seriousness (lower-case ``serious``/``non-serious`` as in HL7 Terminology
  1.0.1 and later; the R4 core publication spelled them ``Serious``/``Non-serious``; the
  binding is an example binding).
* RAND-36 canonical: RAND's survey page (:data:`RAND36_QUESTIONNAIRE`); no FHIR
  Questionnaire for RAND-36 is published that we know of.
* No extensions are used: everything is in core elements (notes, codes, periods), so any
  R4 reader can read it. Two things have no core element and go to text: an adverse event's
  end date (the outcome's text) and the EDSS calculator's inputs (a note, as JSON).
* Free text (symptoms, reports, titles, descriptions) loses control characters and
  surrounding white space, which FHIR strings may not hold; text that is then empty is left
  out (a FHIR element may not be empty).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from hsct.outcomes.qol import HEALTH_CHANGE_LABEL, RAND36_SCALES

#: Where the Bundle's entries live (``fullUrl`` = base/type/id); a deployment passes its own.
BASE_URL: Final = "https://hsct-navigator.example/fhir"
#: Root of the project's own code systems and naming systems (placeholder domain).
LOCAL_SYSTEM_BASE: Final = "https://hsct-navigator.example/fhir"
RECORD_SYSTEM: Final = f"{LOCAL_SYSTEM_BASE}/CodeSystem/record"
PROVENANCE_SYSTEM: Final = f"{LOCAL_SYSTEM_BASE}/CodeSystem/provenance"
MS_TYPE_SYSTEM: Final = f"{LOCAL_SYSTEM_BASE}/CodeSystem/ms-type"
RATER_SYSTEM: Final = f"{LOCAL_SYSTEM_BASE}/CodeSystem/edss-rater"
ADVERSE_SYSTEM: Final = f"{LOCAL_SYSTEM_BASE}/CodeSystem/adverse-event-category"
TODO_SYSTEM: Final = f"{LOCAL_SYSTEM_BASE}/CodeSystem/todo-category"
DRUG_SYSTEM: Final = f"{LOCAL_SYSTEM_BASE}/CodeSystem/drug"
REASON_STOPPED_SYSTEM: Final = f"{LOCAL_SYSTEM_BASE}/CodeSystem/reason-stopped"
RAND36_SCALE_SYSTEM: Final = f"{LOCAL_SYSTEM_BASE}/CodeSystem/rand36-scale"
#: Kurtzke's functional systems and the ambulation score (no standard code in the dossier).
EDSS_FS_SYSTEM: Final = f"{LOCAL_SYSTEM_BASE}/CodeSystem/edss-functional-system"
RECORD_ID_SYSTEM: Final = f"{LOCAL_SYSTEM_BASE}/NamingSystem/record"
FACILITY_SYSTEM: Final = f"{LOCAL_SYSTEM_BASE}/NamingSystem/facility"

SNOMED: Final = "http://snomed.info/sct"
#: LOINC: 81956-5 "Date and time of death [TimeStamp]".
LOINC: Final = "http://loinc.org"
UCUM: Final = "http://unitsofmeasure.org"
HL7_TERMINOLOGY: Final = "http://terminology.hl7.org/CodeSystem"
#: RAND's page for the 36-Item Short Form Survey (RAND-36 1.0), used as the canonical.
RAND36_QUESTIONNAIRE: Final = (
    "https://www.rand.org/health-care/surveys_tools/mos/36-item-short-form.html"
)

#: FHIR's rule for a resource id.
FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")
#: Characters a FHIR string may not hold (below U+0020 except tab, CR, LF; and DEL).
CONTROL_CHARACTERS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Suffix of the id of a questionnaire's score Observation.
SCORES_SUFFIX: Final = "-scores"

PROVENANCE_DISPLAY: Final = {"self": "self-reported", "clinic": "entered by clinic staff"}
MS_TYPE_DISPLAY: Final = {
    "RRMS": "Relapsing-remitting MS",
    "SPMS": "Secondary progressive MS",
    "PPMS": "Primary progressive MS",
    "CIS": "Clinically isolated syndrome",
    "RIS": "Radiologically isolated syndrome",
    "suspected": "Suspected MS",
}
#: MS types that make the diagnosis of MS itself confirmed (others: provisional).
CONFIRMED_MS_TYPES: Final = frozenset({"RRMS", "SPMS", "PPMS"})
RATER_DISPLAY: Final = {
    "self": "rated by the person",
    "nurse": "rated by a nurse",
    "neurologist": "rated by a neurologist",
    "unknown": "rater not known",
}
REGION_DISPLAY: Final = {"brain": "Brain", "spine": "Spine", "brain_and_spine": "Brain and spine"}
ADVERSE_DISPLAY: Final = {
    "infection": "Infection",
    "thyroid": "Thyroid disorder",
    "itp": "Immune thrombocytopenia",
    "other_autoimmune": "Other autoimmune disease",
    "other": "Other adverse event",
}
TODO_DISPLAY: Final = {
    "mri": "MRI scan",
    "edss": "EDSS assessment",
    "vaccine": "Vaccination",
    "questionnaire": "Questionnaire",
    "blood_test": "Blood test",
    "other": "Other",
}
REASON_STOPPED_DISPLAY: Final = {
    "ineffective": "Ineffective",
    "side_effects": "Side effects",
    "planned": "Planned stop",
    "pregnancy": "Pregnancy",
    "other": "Other reason",
}
SEROTHERAPY_DISPLAY: Final = {
    "rabbit_atg": "rabbit ATG",
    "horse_atg": "horse ATG",
    "alemtuzumab": "alemtuzumab",
    "rituximab": "rituximab",
    "none": "none",
    "other": "other",
}
SCALE_DISPLAY: Final = {scale.key: scale.label for scale in RAND36_SCALES}
#: The EDSS calculator's grades that become components, in Kurtzke's order.
EDSS_FS_DISPLAY: Final = {
    "visual": "Visual (optic) functions",
    "brainstem": "Brainstem functions",
    "pyramidal": "Pyramidal functions",
    "cerebellar": "Cerebellar functions",
    "sensory": "Sensory functions",
    "bowel_bladder": "Bowel and bladder functions",
    "cerebral": "Cerebral (mental) functions",
    "ambulation_score": "Ambulation score",
}
HEALTH_CHANGE_KEY: Final = "health_change"

JSON = dict[str, Any]


def fhir_bundle(document: Mapping[str, Any], *, base_url: str = BASE_URL) -> JSON:
    """The record ``document`` (from ``record_export``) as a FHIR R4 collection Bundle.

    Raises :class:`ValueError` for an entry of an unknown kind or an id FHIR cannot hold
    (so the Bundle never silently lacks an entry the JSON and CSV files have).
    """
    patient_id = _fhir_id(document["patient"]["id"])
    subject = {"reference": f"Patient/{patient_id}"}
    resources: list[JSON] = [_patient(document["patient"])]
    for entry in document["entries"]:
        builder = _BUILDERS.get(entry["kind"])
        if builder is None:
            raise ValueError(f"no FHIR mapping for entries of kind {entry['kind']!r}")
        resources.extend(builder(entry, entry.get("data") or {}, subject))
    base = base_url.rstrip("/")
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(document["exported_at"]),
        "entry": [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }


# ---------------------------------------------------------------- helpers


def _fhir_id(value: Any) -> str:
    text = str(value)
    if not FHIR_ID.fullmatch(text):
        raise ValueError(f"{text[:80]!r} is not a FHIR id ([A-Za-z0-9-.], 1 to 64 characters)")
    return text


def _instant(value: str) -> str:
    """An ISO timestamp as a FHIR instant: a time zone is required (naive means UTC)."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def _clean(text: str | None) -> str | None:
    """Free text as a FHIR string: no control characters, no surrounding space, never empty."""
    if text is None:
        return None
    cleaned = CONTROL_CHARACTERS.sub(" ", text).strip()
    return cleaned or None


def _coding(system: str, code: str, display: str | None = None) -> JSON:
    coding = {"system": system, "code": code}
    if display is not None:
        coding["display"] = display
    return coding


def _concept(system: str, code: str, display: str | None = None, text: str | None = None) -> JSON:
    concept: JSON = {"coding": [_coding(system, code, display)]}
    shown = _clean(text) or display
    if shown is not None:
        concept["text"] = shown
    return concept


def _notes(*texts: str | None) -> list[JSON]:
    return [{"text": note} for text in texts if (note := _clean(text))]


def _score_quantity(value: float) -> JSON:
    return {"value": value, "unit": "{score}", "system": UCUM, "code": "{score}"}


def _unknown() -> JSON:
    """A data-absent reason: the value is not known."""
    return _concept(f"{HL7_TERMINOLOGY}/data-absent-reason", "unknown", "Unknown")


def _category(code: str, display: str) -> list[JSON]:
    return [_concept(f"{HL7_TERMINOLOGY}/observation-category", code, display)]


def _base(resource_type: str, entry: Mapping[str, Any], *, suffix: str = "") -> JSON:
    """id, and meta with the entry's last change and its provenance as a tag."""
    provenance = str(entry.get("provenance") or "self")
    meta: JSON = {
        "tag": [_coding(PROVENANCE_SYSTEM, provenance, PROVENANCE_DISPLAY.get(provenance))]
    }
    if entry.get("updated_at"):
        meta["lastUpdated"] = _instant(entry["updated_at"])
    return {"resourceType": resource_type, "id": _fhir_id(f"{entry['id']}{suffix}"), "meta": meta}


def _put(resource: JSON, **elements: Any) -> JSON:
    """Add the elements that have a value (FHIR forbids empty elements and nulls).

    Values are copied, so no two places of the Bundle share one dict (the subject, the
    data-absent reason): a caller may change one resource without changing another.
    """
    for name, value in elements.items():
        if value is None or (isinstance(value, str | list | dict) and not value):
            continue
        resource[name.removesuffix("_")] = copy.deepcopy(value)
    return resource


def _text(template: str, value: Any) -> str | None:
    """``template`` with ``value`` filled in; ``None`` when there is no value."""
    if isinstance(value, str):
        value = _clean(value)
    return None if value is None else template.format(value)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


# ---------------------------------------------------------------- resources


def _patient(patient: Mapping[str, Any]) -> JSON:
    identifiers: list[JSON] = [{"system": RECORD_ID_SYSTEM, "value": str(patient["id"])}]
    code = _clean(patient.get("code"))
    if code and patient.get("clinic_id"):
        identifiers.append(
            {
                "type": {"text": "clinic study code (pseudonym)"},
                "system": f"{LOCAL_SYSTEM_BASE}/NamingSystem/clinic/{patient['clinic_id']}",
                "value": code,
            }
        )
    resource: JSON = {
        "resourceType": "Patient",
        "id": _fhir_id(patient["id"]),
        "meta": {
            "security": [
                _coding(f"{HL7_TERMINOLOGY}/v3-ObservationValue", "PSEUDED", "pseudonymized")
            ]
        },
        "identifier": identifiers,
    }
    if patient.get("birth_month"):
        # FHIR's date type allows a year and month alone (YYYY-MM): no day is ever sent.
        resource["birthDate"] = patient["birth_month"]
    return resource


def _diagnosis(entry: Mapping[str, Any], data: Mapping[str, Any], subject: JSON) -> list[JSON]:
    ms_type = data.get("ms_type")
    verification = None
    stage = None
    if ms_type is not None:
        status = "confirmed" if ms_type in CONFIRMED_MS_TYPES else "provisional"
        verification = _concept(f"{HL7_TERMINOLOGY}/condition-ver-status", status)
        stage = [{"summary": _concept(MS_TYPE_SYSTEM, ms_type, MS_TYPE_DISPLAY.get(ms_type))}]
    resource = _base("Condition", entry)
    return [
        _put(
            resource,
            verificationStatus=verification,
            code=_concept(SNOMED, "24700007", "Multiple sclerosis"),
            subject=subject,
            onsetDateTime=data.get("first_symptoms"),
            recordedDate=entry["date"],
            stage=stage,
            note=_notes(f"Diagnosed on {entry['date']}."),
        )
    ]


def _transplant(entry: Mapping[str, Any], data: Mapping[str, Any], subject: JSON) -> list[JSON]:
    location: JSON = {}
    if data.get("facility_id"):
        location["identifier"] = {"system": FACILITY_SYSTEM, "value": data["facility_id"]}
    display = _clean(data.get("clinic_name")) or data.get("facility_id")
    if display:
        location["display"] = display
    serotherapy = data.get("serotherapy")
    dose = data.get("cd34_dose")
    resource = _base("Procedure", entry)
    resource["status"] = "completed"
    return [
        _put(
            resource,
            code={
                "coding": [
                    _coding(
                        SNOMED, "425983008", "Autologous peripheral blood stem cell transplant"
                    ),
                    _coding(SNOMED, "234336002", "Hemopoietic stem cell transplant"),
                ],
                "text": "Autologous haematopoietic stem cell transplantation (day 0)",
            },
            subject=subject,
            performedDateTime=entry["date"],
            location=location,
            note=_notes(
                _text("Conditioning regimen: {}", data.get("regimen")),
                _text("Conditioning intensity: {}", data.get("intensity")),
                _text("CD34+ cell dose: {} x 10^6/kg", dose),
                _text("Serotherapy: {}", SEROTHERAPY_DISPLAY.get(str(serotherapy), serotherapy)),
            ),
        )
    ]


def _edss(entry: Mapping[str, Any], data: Mapping[str, Any], subject: JSON) -> list[JSON]:
    value = data.get("value")
    rater = data.get("rater") or "unknown"
    inputs = data.get("inputs")
    note = None
    components = []
    if inputs is not None:
        note = "Computed by the HSCT Navigator EDSS calculator from: " + json.dumps(
            inputs, sort_keys=True, ensure_ascii=False
        )
        components = [
            {"code": _concept(EDSS_FS_SYSTEM, key, display), "valueInteger": inputs[key]}
            for key, display in EDSS_FS_DISPLAY.items()
            if inputs.get(key) is not None
        ]
    resource = _base("Observation", entry)
    resource["status"] = "final"
    return [
        _put(
            resource,
            category=_category("survey", "Survey"),
            code=_concept(
                SNOMED,
                "273554001",
                "Kurtzke expanded disability status scale",
                "Expanded Disability Status Scale (EDSS)",
            ),
            subject=subject,
            effectiveDateTime=entry["date"],
            valueQuantity=None if value is None else _score_quantity(value),
            dataAbsentReason=_unknown() if value is None else None,
            method=_concept(RATER_SYSTEM, rater, RATER_DISPLAY.get(rater)),
            note=_notes(note),
            component=components,
        )
    ]


def _relapse(entry: Mapping[str, Any], data: Mapping[str, Any], subject: JSON) -> list[JSON]:
    status = "confirmed" if data.get("confirmed") else "unconfirmed"
    steroids = data.get("steroids")
    resource = _base("Condition", entry)
    return [
        _put(
            resource,
            verificationStatus=_concept(f"{HL7_TERMINOLOGY}/condition-ver-status", status),
            code=_concept(RECORD_SYSTEM, "relapse", "Multiple sclerosis relapse"),
            subject=subject,
            onsetDateTime=entry["date"],
            note=_notes(
                _text("Symptoms: {}", data.get("symptoms")),
                _text("Treated with steroids: {}", None if steroids is None else _yes_no(steroids)),
            ),
        )
    ]


def _mri(entry: Mapping[str, Any], data: Mapping[str, Any], subject: JSON) -> list[JSON]:
    counts = (
        ("new_t2", "new-t2", "New or enlarging T2 lesions"),
        ("gd_enhancing", "gd-enhancing", "Gadolinium-enhancing lesions"),
    )
    components = [
        {"code": _concept(RECORD_SYSTEM, code, display), "valueInteger": data[field]}
        for field, code, display in counts
        if data.get(field) is not None
    ]
    region = data.get("region")
    resource = _base("Observation", entry)
    resource["status"] = "final"
    return [
        _put(
            resource,
            category=_category("imaging", "Imaging"),
            code=_concept(RECORD_SYSTEM, "mri-lesions", "MRI lesion counts"),
            subject=subject,
            effectiveDateTime=entry["date"],
            bodySite=None if region not in REGION_DISPLAY else {"text": REGION_DISPLAY[region]},
            note=_notes(data.get("report_text")),
            component=components,
        )
    ]


def _drug(entry: Mapping[str, Any], data: Mapping[str, Any], subject: JSON) -> list[JSON]:
    drug = str(data.get("drug") or "unknown")
    stop = data.get("stop")
    reason = data.get("reason_stopped")
    period: JSON = {"start": entry["date"]}
    if stop:
        period["end"] = stop
    resource = _base("MedicationStatement", entry)
    resource["status"] = "completed" if stop else "active"
    return [
        _put(
            resource,
            statusReason=None
            if reason is None
            else [_concept(REASON_STOPPED_SYSTEM, reason, REASON_STOPPED_DISPLAY.get(reason))],
            medicationCodeableConcept=_concept(DRUG_SYSTEM, drug, text=drug),
            subject=subject,
            effectivePeriod=period,
            dateAsserted=entry.get("created_at") and _instant(entry["created_at"]),
            note=_notes(_text("Last dose: {}", data.get("last_dose"))),
        )
    ]


def _adverse_event(entry: Mapping[str, Any], data: Mapping[str, Any], subject: JSON) -> list[JSON]:
    category = str(data.get("category") or "other")
    label = ADVERSE_DISPLAY.get(category, category)
    serious = data.get("serious")
    seriousness = None
    if serious is not None:
        code, display = ("serious", "Serious") if serious else ("non-serious", "Non-serious")
        seriousness = _concept(f"{HL7_TERMINOLOGY}/adverse-event-seriousness", code, display)
    outcome = None
    if data.get("end"):
        outcome = _concept(
            f"{HL7_TERMINOLOGY}/adverse-event-outcome",
            "resolved",
            "Resolved",
            f"Resolved on {data['end']}",
        )
    resource = _base("AdverseEvent", entry)
    resource["actuality"] = "actual"
    return [
        _put(
            resource,
            event=_concept(ADVERSE_SYSTEM, category, label, data.get("description") or label),
            subject=subject,
            date=entry["date"],
            recordedDate=entry.get("created_at") and _instant(entry["created_at"]),
            seriousness=seriousness,
            outcome=outcome,
        )
    ]


def _item_order(key: str) -> tuple[int, int, str]:
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def _qol(entry: Mapping[str, Any], data: Mapping[str, Any], subject: JSON) -> list[JSON]:
    instrument = str(data.get("instrument") or "rand36")
    answers: Mapping[str, Any] = data.get("answers") or {}
    items = [
        {"linkId": str(key), "answer": [{"valueInteger": answers[key]}]}
        for key in sorted(answers, key=_item_order)
        if answers[key] is not None
    ]
    questionnaire = (
        RAND36_QUESTIONNAIRE
        if instrument == "rand36"
        else f"{LOCAL_SYSTEM_BASE}/Questionnaire/{instrument}"
    )
    response = _base("QuestionnaireResponse", entry)
    _put(
        response,
        questionnaire=questionnaire,
        status="completed",
        subject=subject,
        authored=entry["date"],
        source=subject if entry.get("provenance", "self") == "self" else None,
        item=items,
    )
    scores = data.get("scores")
    if not isinstance(scores, Mapping):
        return [response]
    return [response, _qol_scores(entry, scores, subject, response["id"])]


def _qol_scores(
    entry: Mapping[str, Any], scores: Mapping[str, Any], subject: JSON, response_id: str
) -> JSON:
    scales: Mapping[str, Mapping[str, Any]] = scores.get("scales") or {}
    components = []
    answered = []
    for key, scale in scales.items():
        components.append(_scale_component(key, SCALE_DISPLAY.get(key), scale.get("score")))
        if scale.get("answered") is not None and scale.get("items") is not None:
            answered.append(f"{key} {scale['answered']} of {scale['items']}")
    if HEALTH_CHANGE_KEY in scores:
        components.append(
            _scale_component(HEALTH_CHANGE_KEY, HEALTH_CHANGE_LABEL, scores[HEALTH_CHANGE_KEY])
        )
    versions = ", ".join(
        f"{name.replace('_', ' ')} {scores[name]}"
        for name in ("instrument_version", "scoring_version")
        if scores.get(name)
    )
    resource = _base("Observation", entry, suffix=SCORES_SUFFIX)
    resource["status"] = "final"
    return _put(
        resource,
        category=_category("survey", "Survey"),
        code=_concept(RECORD_SYSTEM, "rand36-scores", "RAND-36 scale scores"),
        subject=subject,
        effectiveDateTime=entry["date"],
        method={"text": f"RAND-36 scoring rules, steps 1 and 2 ({versions})"}
        if versions
        else {"text": "RAND-36 scoring rules, steps 1 and 2"},
        derivedFrom=[{"reference": f"QuestionnaireResponse/{response_id}"}],
        note=_notes(_text("Items answered: {}", "; ".join(answered) or None)),
        component=components,
    )


def _scale_component(key: str, display: str | None, score: float | None) -> JSON:
    component: JSON = {"code": _concept(RAND36_SCALE_SYSTEM, key, display)}
    if score is None:
        component["dataAbsentReason"] = _unknown()
    else:
        component["valueQuantity"] = _score_quantity(score)
    return component


def _todo(entry: Mapping[str, Any], data: Mapping[str, Any], subject: JSON) -> list[JSON]:
    done_on = data.get("done_on")
    category = str(data.get("category") or "other")
    resource = _base("Task", entry)
    resource["status"] = "completed" if done_on else "requested"
    resource["intent"] = "plan"
    return [
        _put(
            resource,
            code=_concept(TODO_SYSTEM, category, TODO_DISPLAY.get(category)),
            description=_clean(data.get("title")),
            for_=subject,
            executionPeriod={"end": done_on} if done_on else None,
            authoredOn=entry.get("created_at") and _instant(entry["created_at"]),
            lastModified=entry.get("updated_at") and _instant(entry["updated_at"]),
            restriction={"period": {"end": entry["date"]}},
            note=_notes(_text("Journey step: {}", data.get("step"))),
        )
    ]


def _death(entry: Mapping[str, Any], data: Mapping[str, Any], subject: JSON) -> list[JSON]:
    related = data.get("treatment_related")
    resource = _base("Observation", entry)
    resource["status"] = "final"
    return [
        _put(
            resource,
            code=_concept(LOINC, "81956-5", "Date and time of death", "Date of death"),
            subject=subject,
            effectiveDateTime=entry["date"],
            valueDateTime=entry["date"],
            note=_notes(
                _text("Cause: {}", data.get("cause")),
                None if related is None else f"Related to the transplant: {_yes_no(bool(related))}",
            ),
        )
    ]


_BUILDERS: Final = {
    "diagnosis": _diagnosis,
    "transplant": _transplant,
    "edss": _edss,
    "relapse": _relapse,
    "mri": _mri,
    "drug": _drug,
    "adverse_event": _adverse_event,
    "death": _death,
    "qol": _qol,
    "todo": _todo,
}


#: Resource types of a bulk export, in the order of its manifest (FHIR Bulk Data: one
#: NDJSON file per type).
BULK_TYPES: Final = (
    "Patient",
    "Condition",
    "Procedure",
    "Observation",
    "MedicationStatement",
    "AdverseEvent",
    "QuestionnaireResponse",
    "Task",
)


def fhir_ndjson(
    document: Mapping[str, Any],
    *,
    types: tuple[str, ...] = BULK_TYPES,
    since: datetime | None = None,
    base_url: str = BASE_URL,
) -> dict[str, tuple[str, int]]:
    """A clinic's export document (:func:`hsct.registry.cohort.cohort_export`) as FHIR Bulk
    Data output: per resource type in ``types``, its NDJSON text (one resource per line, no
    white space inside a line) and how many lines it holds. Types with no resource are left
    out. The resources are exactly those of each record's Bundle (:func:`fhir_bundle`), in
    record order, so a record's references resolve across the files by id.

    ``since`` (Bulk Data's ``_since``): only entries changed at or after it
    (``meta.lastUpdated``), with the Patient of each record that has one or was created
    since; entries deleted since are not reported."""
    lines: dict[str, list[str]] = {kind: [] for kind in types}
    for record in document["records"]:
        if since is not None:
            changed = [
                e for e in record["entries"] if datetime.fromisoformat(e["updated_at"]) >= since
            ]
            created = datetime.fromisoformat(record["patient"]["created_at"])
            if not changed and created < since:
                continue
            record = {**record, "entries": changed}  # noqa: PLW2901 - the record as filtered
        bundle = fhir_bundle({**record, "exported_at": document["exported_at"]}, base_url=base_url)
        for entry in bundle["entry"]:
            resource = entry["resource"]
            kind = resource["resourceType"]
            if kind in lines:
                lines[kind].append(json.dumps(resource, ensure_ascii=False, separators=(",", ":")))
    return {kind: ("\n".join(rows) + "\n", len(rows)) for kind, rows in lines.items() if rows}
