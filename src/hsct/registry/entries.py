"""What a follow-up record holds, entry by entry: the fields, what each allows, the checks.

Pure definitions (no database): one pydantic model per kind of entry, the checks that need
the rest of the record (dates in the future, a relapse before the first symptoms, a second
transplant entry), and the data dictionary the CSV export ships with. The models reuse the
candidate profile's shapes (a drug course is the wizard's :class:`Treatment`, EDSS inputs are
the calculator's), so what a person told "Am I a candidate?" reads straight into a record.

Sources for the fields: the registries' shared core (visits, relapses with steroids and a
clinician-confirmed flag, MRI counts by region, drug episodes, adverse events including
secondary autoimmunity) and the transplant items EBMT and CIBMTR analyse (day 0, regimen and
intensity, CD34+ dose, serotherapy); ``../shared/dossier/registry.md`` sections 1, 2 and
"Implications" items 2-4 (Italian MS Register, PMC6329744; Muraro 2017; Burt 2021).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hsct.common.dates import DATE_RANGE
from hsct.common.edss_value import LEGAL_VALUES, format_step
from hsct.common.errors import FieldError, InvalidInput, excerpt
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.eligibility import EdssInputs, Treatment
from hsct.eligibility.profile import NotBool, compute_edss
from hsct.knowledge import Catalog, load_catalog
from hsct.knowledge.schema import Intensity
from hsct.outcomes.instruments import (
    INSTRUMENT_ID,
    InstrumentDef,
    instrument_score,
    instruments_load,
)
from hsct.outcomes.qol import rand36_score

Kind = Literal[
    "diagnosis",
    "transplant",
    "edss",
    "relapse",
    "mri",
    "drug",
    "adverse_event",
    "death",
    "qol",
    "todo",
]
KINDS: Final[tuple[Kind, ...]] = (
    "diagnosis",
    "transplant",
    "edss",
    "relapse",
    "mri",
    "drug",
    "adverse_event",
    "death",
    "qol",
    "todo",
)
#: Kinds a record holds at most one of.
SINGLE: Final = frozenset({"diagnosis", "transplant", "death"})
#: Kinds whose date may lie in the future (a to-do's due date).
FUTURE_ALLOWED: Final = frozenset({"todo"})
#: Most entries one record holds (a monthly diary for 80 years is under 10,000).
MAX_ENTRIES: Final = 20_000

Day = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2100, 12, 31))]
Text = Annotated[str, Field(max_length=500)]
LongText = Annotated[str, Field(max_length=4000)]
Count = Annotated[int, NotBool, Field(ge=0, le=1000)]

MsType = Literal["RRMS", "SPMS", "PPMS", "CIS", "RIS", "suspected"]
Rater = Literal["self", "nurse", "neurologist", "unknown"]
Region = Literal["brain", "spine", "brain_and_spine", "not_stated"]
Serotherapy = Literal["rabbit_atg", "horse_atg", "alemtuzumab", "rituximab", "none", "other"]
AdverseCategory = Literal["infection", "thyroid", "itp", "other_autoimmune", "other"]
TodoCategory = Literal["mri", "edss", "vaccine", "questionnaire", "blood_test", "other"]
#: The built-in questionnaire; others come from definitions a clinic supplies.
RAND36: Final = "rand36"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: Day


class DiagnosisEntry(_Entry):
    """When MS was diagnosed (``date``), when the first symptoms came, and its type."""

    first_symptoms: Day | None = None
    ms_type: MsType | None = None


class TransplantEntry(_Entry):
    """The transplant: day 0 (``date``, the day the stem cells were given back) and how."""

    facility_id: Annotated[str, Field(max_length=100)] | None = None
    clinic_name: Text | None = None
    regimen: Annotated[str, Field(max_length=100)] | None = None
    intensity: Intensity | None = None
    cd34_dose: Annotated[float | None, NotBool] = Field(
        default=None, gt=0, le=100, allow_inf_nan=False
    )
    serotherapy: Serotherapy | None = None


class EdssEntry(_Entry):
    """An EDSS: the value, or the calculator's inputs (then the value is computed)."""

    value: Annotated[float | None, NotBool] = None
    inputs: EdssInputs | None = None
    rater: Rater


class RelapseEntry(_Entry):
    """A relapse: onset (``date``), symptoms, steroids, confirmed by a clinician or not."""

    symptoms: Text | None = None
    steroids: bool | None = None
    confirmed: bool = False


class MriEntry(_Entry):
    """An MRI result: region, new or enlarging T2 lesions, enhancing lesions, the report."""

    region: Region = "not_stated"
    new_t2: Count | None = None
    gd_enhancing: Count | None = None
    report_text: LongText | None = None


class DrugEntry(_Entry):
    """A drug course, the candidate profile's shape; ``date`` is its start or first dose."""

    drug: Annotated[str, Field(max_length=100)]
    stop: Day | None = None
    last_dose: Day | None = None
    reason_stopped: (
        Literal["ineffective", "side_effects", "planned", "pregnancy", "other"] | None
    ) = None


class AdverseEventEntry(_Entry):
    """Something that went wrong after the transplant: onset (``date``) and how it ended."""

    category: AdverseCategory
    end: Day | None = None
    description: Text | None = None
    serious: bool | None = None


class DeathEntry(_Entry):
    """A death (``date``), its cause as known, and whether it was related to the transplant."""

    cause: Text | None = None
    treatment_related: bool | None = None


class QolEntry(_Entry):
    """Answers to a quality-of-life questionnaire; the scores are computed, never typed."""

    instrument: Annotated[str, Field(pattern=INSTRUMENT_ID)] = RAND36
    answers: dict[Annotated[str, Field(max_length=20)], Annotated[int, NotBool]] = Field(
        max_length=200
    )


class TodoEntry(_Entry):
    """Something to do by a date (``date``): a scan, a visit, a vaccine, a questionnaire."""

    title: Annotated[str, Field(min_length=1, max_length=200)]
    category: TodoCategory = "other"
    done_on: Day | None = None
    step: Annotated[str, Field(max_length=100)] | None = None


MODELS: Final[dict[str, type[_Entry]]] = {
    "diagnosis": DiagnosisEntry,
    "transplant": TransplantEntry,
    "edss": EdssEntry,
    "relapse": RelapseEntry,
    "mri": MriEntry,
    "drug": DrugEntry,
    "adverse_event": AdverseEventEntry,
    "death": DeathEntry,
    "qol": QolEntry,
    "todo": TodoEntry,
}

#: What each field allows, in words (the API's and CLI's messages; pages translate them).
ALLOWED: Final[dict[str, str]] = {
    "kind": ", ".join(KINDS),
    "date": f"{DATE_RANGE}, YYYY-MM-DD",
    "first_symptoms": f"{DATE_RANGE}, YYYY-MM-DD",
    "stop": f"{DATE_RANGE}, YYYY-MM-DD",
    "last_dose": f"{DATE_RANGE}, YYYY-MM-DD",
    "end": f"{DATE_RANGE}, YYYY-MM-DD",
    "done_on": f"{DATE_RANGE}, YYYY-MM-DD",
    "ms_type": "RRMS, SPMS, PPMS, CIS, RIS or suspected",
    "intensity": "high, intermediate or low",
    "cd34_dose": "a number of million CD34+ cells per kg, above 0 and up to 100",
    "serotherapy": "rabbit_atg, horse_atg, alemtuzumab, rituximab, none or other",
    "value": "0, 1.0, 1.5, ... 9.5 or 10",
    "rater": "self, nurse, neurologist or unknown",
    "region": "brain, spine, brain_and_spine or not_stated",
    "new_t2": "a whole number, 0 or more",
    "gd_enhancing": "a whole number, 0 or more",
    "category": "infection, thyroid, itp, other_autoimmune or other (to-dos: mri, edss, "
    "vaccine, questionnaire, blood_test or other)",
    "reason_stopped": "ineffective, side_effects, planned, pregnancy or other",
    "instrument": "rand36, or a questionnaire the clinic supplied (HSCT_QOL_DEFINITIONS)",
    "steroids": "true or false",
    "confirmed": "true or false",
    "serious": "true or false",
    "treatment_related": "true or false",
}
EDSS_ALLOWED: Final = ", ".join(format_step(v) for v in LEGAL_VALUES)
#: What each field means, for the data dictionary (by kind and field; "*" for every kind).
MEANINGS: Final[dict[str, str]] = {
    "diagnosis.date": "date of the MS diagnosis",
    "diagnosis.first_symptoms": "date of the first MS symptoms",
    "diagnosis.ms_type": "type of MS at diagnosis",
    "transplant.date": "day 0: the day the stem cells were given back",
    "transplant.facility_id": "the clinic's id in the directory (hsct facilities list)",
    "transplant.clinic_name": "the clinic's name, when it is not in the directory",
    "transplant.regimen": "conditioning regimen id (hsct knowledge regimens), or other",
    "transplant.intensity": "conditioning intensity class",
    "transplant.cd34_dose": "CD34+ cells given, million per kg of body weight",
    "transplant.serotherapy": "antibody given with the conditioning",
    "edss.date": "date of the EDSS assessment",
    "edss.value": "the EDSS (given, or computed from inputs)",
    "edss.inputs": "the EDSS calculator's inputs (functional-system grades, walking), as JSON",
    "edss.rater": "who rated the EDSS",
    "relapse.date": "onset of the relapse",
    "relapse.symptoms": "the symptoms, in the person's words",
    "relapse.steroids": "treated with steroids",
    "relapse.confirmed": "confirmed as a relapse by a clinician",
    "mri.date": "date of the scan",
    "mri.region": "what was scanned",
    "mri.new_t2": "number of new or enlarging T2 lesions",
    "mri.gd_enhancing": "number of gadolinium-enhancing lesions",
    "mri.report_text": "the report's own words",
    "drug.date": "start of the course (first dose)",
    "drug.drug": "drug id (hsct knowledge drugs)",
    "drug.stop": "end of the course",
    "drug.last_dose": "last dose, infusion or course",
    "drug.reason_stopped": "why the drug was stopped",
    "adverse_event.date": "onset",
    "adverse_event.category": "what it was",
    "adverse_event.end": "when it ended",
    "adverse_event.description": "details, in the person's words",
    "adverse_event.serious": "needed a hospital stay or was life-threatening",
    "death.date": "date of death",
    "death.cause": "the cause, as known",
    "death.treatment_related": "related to the transplant (treatment-related mortality)",
    "qol.date": "date the questionnaire was answered",
    "qol.instrument": "the questionnaire",
    "qol.answers": "the answers by item number, as JSON (pre-coded answer numbers)",
    "todo.date": "due date",
    "todo.title": "what is to be done",
    "todo.category": "kind of to-do",
    "todo.done_on": "date it was done",
    "todo.step": "the journey plan step it came from",
}


@dataclass(frozen=True, slots=True)
class Entry:
    """A checked entry: its kind, its date and its fields as JSON-ready values."""

    kind: str
    date: dt.date
    data: dict[str, Any]


def configured_instruments() -> Mapping[str, InstrumentDef]:
    """The questionnaires a clinic supplied in ``HSCT_QOL_DEFINITIONS`` (none when unset)."""
    folder = os.environ.get("HSCT_QOL_DEFINITIONS")
    return instruments_load(Path(folder) if folder else None)


def entry_parse(
    *,
    kind: str,
    data: Mapping[str, Any],
    catalog: Catalog | None = None,
    instruments: Mapping[str, InstrumentDef] | None = None,
) -> Entry:
    """One entry of ``kind`` from JSON-like ``data``, checked field by field.

    Drug names and brands become drug ids; the calculator's inputs give the EDSS value; a
    questionnaire's answers are scored. Raises :class:`InvalidInput` naming every bad field.
    """
    model = MODELS.get(kind)
    if model is None:
        raise InvalidInput(
            [FieldError("kind", f"{excerpt(kind)} is not a kind of entry", ALLOWED["kind"])]
        )
    if not isinstance(data, Mapping):
        raise InvalidInput([FieldError("entry", "is not an object", "a JSON object")])
    catalog = catalog or load_catalog()
    try:
        parsed = model.model_validate(dict(data))
    except ValidationError as exc:
        raise InvalidInput(_field_errors(exc)) from None
    problems: list[FieldError] = []
    values = parsed.model_dump(mode="json", exclude_none=True)
    if isinstance(parsed, QolEntry):
        values.update(_scores(parsed, instruments, problems))
    else:
        values.update(_derived(parsed, catalog, problems))
    if problems:
        raise InvalidInput(problems)
    return Entry(kind=kind, date=parsed.date, data=values)


def _derived(parsed: _Entry, catalog: Catalog, problems: list[FieldError]) -> dict[str, Any]:
    """Values computed from the fields (drug id, EDSS from inputs, scores); problems added."""
    derived: dict[str, Any] = {}
    if isinstance(parsed, EdssEntry):
        return _edss_value(parsed, problems)
    if isinstance(parsed, DrugEntry):
        drug = catalog.find_drug(parsed.drug)
        if drug is None:
            problems.append(
                FieldError.translatable(
                    "drug",
                    Message(N_("{name} is not a drug we know"), {"name": excerpt(parsed.drug)}),
                    Message(N_("an MS drug's name or brand, e.g. ocrelizumab or Ocrevus")),
                )
            )
        else:
            derived["drug"] = drug.id
        course = Treatment(
            drug=parsed.drug,
            start=parsed.date,
            stop=parsed.stop,
            last_dose=parsed.last_dose,
            reason_stopped=parsed.reason_stopped,
        )
        problems += _course_problems(course)
    elif isinstance(parsed, TransplantEntry):
        problems += _transplant_problems(parsed, catalog)
    elif isinstance(parsed, AdverseEventEntry) and parsed.end and parsed.end < parsed.date:
        problems.append(_before("end", N_("it ended before it began."), "a date after onset"))
    return derived


def _scores(
    entry: QolEntry,
    instruments: Mapping[str, InstrumentDef] | None,
    problems: list[FieldError],
) -> dict[str, Any]:
    """The questionnaire's scores: RAND-36 by RAND's rules, others by their definition."""
    try:
        if entry.instrument == RAND36:
            return {"scores": rand36_score(answers=entry.answers).to_dict()}
        known = configured_instruments() if instruments is None else instruments
        definition = known.get(entry.instrument)
        if definition is None:
            problems.append(
                FieldError(
                    "instrument",
                    f"{excerpt(entry.instrument)} is not a questionnaire of this registry",
                    ", ".join([RAND36, *sorted(known)]),
                )
            )
            return {}
        return {"scores": instrument_score(definition, answers=entry.answers)}
    except InvalidInput as exc:
        problems += exc.errors
        return {}


def _edss_value(entry: EdssEntry, problems: list[FieldError]) -> dict[str, Any]:
    if (entry.value is None) == (entry.inputs is None):
        problems.append(
            FieldError.translatable(
                "value",
                Message(N_("give the EDSS value or the calculator's inputs, not both.")),
                Message(N_("one of value or inputs")),
            )
        )
        return {}
    if entry.value is not None:
        if entry.value not in LEGAL_VALUES:
            problems.append(
                FieldError.translatable(
                    "value",
                    Message(
                        N_("{value} is not a value of the EDSS"), {"value": excerpt(entry.value)}
                    ),
                    Message(N_("0, 1.0, 1.5, ... 9.5 or 10")),
                )
            )
        return {}
    if entry.inputs is None:  # both missing: reported above
        return {}
    try:
        result = compute_edss(entry.inputs)
    except InvalidInput as exc:
        # compute_edss names its fields inside edss_inputs (the profile's name for them).
        problems.extend(
            replace(e, field="inputs." + e.field.removeprefix("edss_inputs.")) for e in exc.errors
        )
        return {}
    if result.value is None:
        problems.append(
            FieldError.translatable(
                "inputs",
                Message(N_("these inputs do not give one EDSS value; give more grades.")),
                Message(N_("every functional system's grade and the walking facts")),
            )
        )
        return {}
    return {"value": result.value, "computed": True}


def _transplant_problems(entry: TransplantEntry, catalog: Catalog) -> list[FieldError]:
    problems = []
    if entry.facility_id is not None and entry.facility_id not in catalog.facilities:
        problems.append(
            FieldError.translatable(
                "facility_id",
                Message(
                    N_("{name} is not a clinic in our directory"),
                    {"name": excerpt(entry.facility_id)},
                ),
                Message(N_("a clinic from the directory, or its name as free text")),
            )
        )
    if entry.regimen is not None and entry.regimen not in (*catalog.regimens, "other"):
        problems.append(
            FieldError(
                "regimen",
                f"{excerpt(entry.regimen)} is not a regimen we know",
                ", ".join((*sorted(catalog.regimens), "other")),
            )
        )
    return problems


def _course_problems(course: Treatment) -> list[FieldError]:
    problems = []
    if course.start and course.stop and course.stop < course.start:
        problems.append(
            _before("stop", N_("the stop date is before the start date."), "a date after the start")
        )
    if course.last_dose and course.start and course.last_dose < course.start:
        problems.append(
            _before(
                "last_dose", N_("the last dose is before the start date."), "a date after the start"
            )
        )
    if course.last_dose and course.stop and course.last_dose > course.stop:
        problems.append(
            _before(
                "last_dose",
                N_("the last dose is after the stop date."),
                "a date on or before the stop date",
            )
        )
    if course.reason_stopped is not None and course.stop is None:
        problems.append(
            _before(
                "reason_stopped",
                N_("give the stop date, or no reason."),
                "a stop date, or no reason",
            )
        )
    return problems


def _before(field: str, message: str, allowed: str) -> FieldError:
    return FieldError(field, message.rstrip("."), allowed, Message(message), None)


#: The dated fields of each kind (the entry's own ``date`` first).
DATE_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "diagnosis": ("date", "first_symptoms"),
    "transplant": ("date",),
    "edss": ("date",),
    "relapse": ("date",),
    "mri": ("date",),
    "drug": ("date", "stop", "last_dose"),
    "adverse_event": ("date", "end"),
    "death": ("date",),
    "qol": ("date",),
    "todo": ("done_on",),
}


def entry_context_problems(
    entry: Entry,
    *,
    today: dt.date,
    others: Iterable[tuple[str, str, Entry]],
    entry_id: str | None = None,
) -> list[FieldError]:
    """Checks against the rest of the record: ``others`` are (id, kind, entry) of the record.

    - No date after ``today`` (a to-do's due date excepted).
    - At most one diagnosis and one transplant entry.
    - No relapse before the first symptoms (or, when those are not known, the diagnosis);
      no transplant before the diagnosis.
    """
    problems = [
        FieldError.translatable(
            name,
            Message(N_("this date ({date}) is in the future."), {"date": value}),
            Message(N_("a date on or before {day}"), {"day": today.isoformat()}),
        )
        for name in DATE_FIELDS[entry.kind]
        if (value := entry.data.get(name)) is not None and dt.date.fromisoformat(value) > today
    ]
    rest = [(i, e) for i, kind, e in others if i != entry_id]
    if entry.kind in SINGLE and any(e.kind == entry.kind for _, e in rest):
        problems.append(
            FieldError.translatable(
                "kind",
                Message(N_("the record already has this entry; change that one instead.")),
                Message(N_("one such entry per record")),
            )
        )
    diagnosis = next((e for _, e in rest if e.kind == "diagnosis"), None)
    if entry.kind == "diagnosis":
        diagnosis = entry
    if diagnosis is None:
        return problems
    first = diagnosis.data.get("first_symptoms")
    if first is not None and first > diagnosis.data["date"]:
        problems.append(
            _before(
                "first_symptoms",
                N_("the first symptoms come after the diagnosis."),
                "a date on or before the diagnosis",
            )
        )
    anchor = dt.date.fromisoformat(first or diagnosis.data["date"])
    checked = [entry] if entry.kind != "diagnosis" else [e for _, e in rest]
    for item in checked:
        if item.kind == "relapse" and item.date < anchor:
            field = "date" if item is entry else "first_symptoms"
            problems.append(
                FieldError.translatable(
                    field,
                    Message(
                        N_(
                            "a relapse on {date} comes before the first symptoms of MS "
                            "({anchor}); if your first attack came before your diagnosis, "
                            "give the date of your first symptoms with the diagnosis."
                        ),
                        {"date": item.date.isoformat(), "anchor": anchor.isoformat()},
                    ),
                    Message(N_("a date on or after {day}"), {"day": anchor.isoformat()}),
                )
            )
        if item.kind == "transplant" and item.date < dt.date.fromisoformat(diagnosis.data["date"]):
            problems.append(
                _before(
                    "date",
                    N_("the transplant comes before the diagnosis."),
                    "a date after the diagnosis",
                )
            )
    return problems


def _field_errors(exc: ValidationError) -> list[FieldError]:
    found: list[FieldError] = []
    for error in exc.errors(include_url=False, include_input=False):
        location = [str(part) for part in error["loc"]]
        field = ".".join(location) or "entry"
        leaf = next((p for p in reversed(location) if not p.isdigit()), "entry")
        if error["type"] == "extra_forbidden":
            found.append(FieldError(field, "is not a field of this kind of entry", None))
            continue
        if error["type"] == "missing":
            found.append(
                FieldError.translatable(
                    field,
                    Message(N_("this is needed.")),
                    None if leaf not in ALLOWED else Message(ALLOWED[leaf]),
                )
            )
            continue
        kind = str(error["type"])
        allowed = EDSS_ALLOWED if leaf == "value" else ALLOWED.get(leaf)
        if kind.startswith("date") or (leaf in DATE_FIELDS_ALL and kind.endswith("_equal")):
            found.append(
                FieldError.translatable(
                    field,
                    Message(N_("please give a real date, such as 2024-03-31.")),
                    Message(N_("a date between 1900 and 2100")),
                )
            )
            continue
        message = error["msg"].removeprefix("Value error, ")
        found.append(FieldError(field, message[:1].lower() + message[1:], allowed))
    return found


DATE_FIELDS_ALL: Final = frozenset(name for names in DATE_FIELDS.values() for name in names)


def dictionary_rows() -> Sequence[dict[str, str]]:
    """The data dictionary of the CSV export: one row per (kind, field)."""
    rows = []
    for kind, model in MODELS.items():
        for name, info in model.model_fields.items():
            rows.append(
                {
                    "kind": kind,
                    "field": name,
                    "required": "yes" if info.is_required() else "no",
                    "allowed": EDSS_ALLOWED if name == "value" else ALLOWED.get(name, "text"),
                    "description": MEANINGS.get(
                        f"{kind}.{name}", (model.__doc__ or "").strip().splitlines()[0]
                    ),
                }
            )
    return rows
