"""The facts a person gives about themselves, validated field by field.

One JSON shape serves the API, profile files for the CLI and the web wizard's download and
upload. Every field may be missing. A missing list (``relapses``, ``mri``, ``treatments``)
means "not known"; an empty list means "none".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
)
from pydantic import model_validator as _model_validator

from hsct.common.dates import DATE_RANGE, DateOutOfRangeError, completed_years, in_range
from hsct.common.edss_value import LEGAL_VALUES, format_step
from hsct.common.errors import FieldError, InvalidInput, excerpt
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.edss import BedStatus, EdssResult, WalkingFacts, Wheelchair, score
from hsct.knowledge import Catalog, load_catalog

MsType = Literal["RRMS", "SPMS", "PPMS", "CIS", "RIS", "suspected"]
#: Lublin et al. 2014 qualifiers: activity (any MS type) and worsening (progressive MS).
Activity = Literal["active", "not_active"]
Worsening = Literal["worsening", "not_worsening"]
StopReason = Literal["ineffective", "side_effects", "planned", "pregnancy", "other"]


def _not_a_boolean(value: Any) -> Any:
    """JSON true/false are not numbers (lax reading would take them for 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError("is true or false, not a number")  # noqa: TRY004 - pydantic wants ValueError
    return value


#: A number field that refuses booleans; strings of digits (the wizard's) still read.
NotBool = BeforeValidator(_not_a_boolean)


Count = Annotated[int, NotBool, Field(ge=0, le=1000)]
#: A date the tool can compute with (1900 to 2100).
Day = Annotated[dt.date, AfterValidator(in_range)]
#: How much of a date a person knows (issue 19: "diagnosed in 2009").
Precision = Literal["day", "month", "year"]
#: Dates a person may know only by year or month: given as "2009" or "2009-05", they are
#: kept as the first day of that year or month with a precision, and every computation
#: uses the whole period (hsct.eligibility.derive.period).
PARTIAL_DATES: Final = ("diagnosis_date", "onset_date")
_PARTIAL: Final = {
    "year": re.compile(r"(\d{4})"),
    "month": re.compile(r"(\d{4})-(\d{2})"),
}


def read_partial_dates(data: Any) -> Any:
    """``{"diagnosis_date": "2009"}`` as ``{"diagnosis_date": "2009-01-01",
    "diagnosis_date_precision": "year"}``; full dates and anything else are left alone.

    >>> read_partial_dates({"onset_date": "2008-05"})
    {'onset_date': '2008-05-01', 'onset_date_precision': 'month'}
    """
    if not isinstance(data, dict):
        return data
    found = dict(data)
    for name in PARTIAL_DATES:
        value = found.get(name)
        if not isinstance(value, str):
            continue
        text = value.strip()
        if _PARTIAL["year"].fullmatch(text):
            found[name], found[f"{name}_precision"] = f"{text}-01-01", "year"
        elif _PARTIAL["month"].fullmatch(text):
            found[name], found[f"{name}_precision"] = f"{text}-01", "month"
    return found


def period(start: dt.date, precision: Precision) -> tuple[dt.date, dt.date]:
    """The first and last day a date known to ``precision`` can be.

    >>> period(dt.date(2009, 1, 1), "year")
    (datetime.date(2009, 1, 1), datetime.date(2009, 12, 31))
    >>> period(dt.date(2024, 2, 1), "month")[1]
    datetime.date(2024, 2, 29)
    """
    if precision == "year":
        return start.replace(month=1, day=1), start.replace(month=12, day=31)
    if precision == "month":
        first = start.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return first, following - dt.timedelta(days=1)
    return start, start


#: Repeating rows: more than anyone has (a person with 50 relapses has been asked enough).
MAX_ROWS: Final = 50
Text = Annotated[str, Field(max_length=200)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Relapse(_Model):
    """A relapse: new or worse symptoms lasting over 24 hours, without fever or infection."""

    date: Day


class MriScan(_Model):
    """One MRI: new enhancing (gadolinium) lesions and new or enlarging T2 lesions."""

    date: Day
    gd_enhancing: Count | None = None
    new_t2: Count | None = None


class Treatment(_Model):
    """A course of a disease-modifying drug. No ``stop`` means it is taken now.

    ``last_dose`` is the last infusion, injection or course, for drugs given in pulses
    (anti-CD20 antibodies, alemtuzumab, cladribine, natalizumab): their washout counts
    from it.
    """

    drug: Annotated[str, Field(max_length=100)]
    start: Day | None = None
    stop: Day | None = None
    last_dose: Day | None = None
    reason_stopped: StopReason | None = None


class EdssVisit(_Model):
    """An earlier EDSS, to see whether disability has worsened."""

    date: Day
    edss: Annotated[float, NotBool]


class WalkingInputs(_Model):
    """Walking facts, as far as known; distances in metres without rest."""

    unrestricted: bool | None = None
    unaided_m: Annotated[float | None, NotBool] = Field(default=None, ge=0, allow_inf_nan=False)
    one_aid_m: Annotated[float | None, NotBool] = Field(default=None, ge=0, allow_inf_nan=False)
    two_aids_m: Annotated[float | None, NotBool] = Field(default=None, ge=0, allow_inf_nan=False)
    wheelchair: Wheelchair | None = None
    bed_status: BedStatus | None = None


class EdssInputs(_Model):
    """What the EDSS calculator needs: functional-system grades and walking."""

    visual: Annotated[int | None, NotBool] = None
    brainstem: Annotated[int | None, NotBool] = None
    pyramidal: Annotated[int | None, NotBool] = None
    cerebellar: Annotated[int | None, NotBool] = None
    sensory: Annotated[int | None, NotBool] = None
    bowel_bladder: Annotated[int | None, NotBool] = None
    cerebral: Annotated[int | None, NotBool] = None
    ambulation_score: Annotated[int | None, NotBool] = None
    walking: WalkingInputs | None = None
    bed_status: BedStatus | None = None
    mode: Literal["neurostatus", "kurtzke"] = "neurostatus"


class PatientProfile(_Model):
    """A person's situation, as far as they know it."""

    birth_date: Day | None = None
    age: Annotated[int | None, NotBool] = Field(default=None, ge=0, le=120)
    ms_type: MsType | None = None
    ms_activity: Activity | None = None
    ms_worsening: Worsening | None = None
    diagnosis_date: Day | None = None
    #: Set when only the year or month is known (None: the exact day).
    diagnosis_date_precision: Precision | None = None
    onset_date: Day | None = None
    onset_date_precision: Precision | None = None
    edss: Annotated[float | None, NotBool] = None
    edss_inputs: EdssInputs | None = None
    edss_history: Annotated[tuple[EdssVisit, ...], Field(max_length=MAX_ROWS)] | None = None
    disability_worsening_12m: bool | None = None
    relapses: Annotated[tuple[Relapse, ...], Field(max_length=MAX_ROWS)] | None = None
    mri: Annotated[tuple[MriScan, ...], Field(max_length=MAX_ROWS)] | None = None
    treatments: Annotated[tuple[Treatment, ...], Field(max_length=MAX_ROWS)] | None = None
    csf_oligoclonal_bands: bool | None = None
    comorbidities: Annotated[tuple[Text, ...], Field(max_length=MAX_ROWS)] | None = None
    prior_hsct: bool | None = None
    as_of: Day | None = None

    @field_validator("edss")
    @classmethod
    def _legal_edss(cls, value: float | None) -> float | None:
        if value is not None and value not in LEGAL_VALUES:
            raise ValueError("not a value of the EDSS")
        return value

    @_model_validator(mode="before")
    @classmethod
    def _partial_dates(cls, data: Any) -> Any:
        return read_partial_dates(data)

    def span(self, name: str) -> tuple[dt.date, dt.date] | None:
        """The first and last day ``diagnosis_date`` or ``onset_date`` can be, or None."""
        value: dt.date | None = getattr(self, name)
        if value is None:
            return None
        precision: Precision = getattr(self, f"{name}_precision") or "day"
        return period(value, precision)

    @model_serializer(mode="wrap")
    def _partial_dates_out(self, handler: SerializerFunctionWrapHandler) -> Any:
        """In JSON a partial date is written as it was given ("2009", "2009-05")."""
        data = handler(self)
        for name in PARTIAL_DATES:
            value = data.get(name)
            if not isinstance(value, str):
                continue
            precision = data.pop(f"{name}_precision", None)
            if precision in ("year", "month"):
                data[name] = value[: 4 if precision == "year" else 7]
        return data

    @_model_validator(mode="after")
    def _consistent(self) -> PatientProfile:
        problems = consistency_problems(self)
        if problems:
            raise InvalidInput(problems)
        return self

    @property
    def day(self) -> dt.date:
        """The date the assessment is for: ``as_of``, or today."""
        return self.as_of or dt.date.today()  # noqa: DTZ011 - a calendar date, local by intent


#: What each field allows, for messages.
ALLOWED: Final = {
    "birth_date": f"{DATE_RANGE}, YYYY-MM-DD",
    "diagnosis_date": f"{DATE_RANGE}, YYYY-MM-DD, or YYYY-MM or YYYY when only that is known",
    "onset_date": f"{DATE_RANGE}, YYYY-MM-DD, or YYYY-MM or YYYY when only that is known",
    "as_of": f"{DATE_RANGE}, YYYY-MM-DD",
    "date": f"{DATE_RANGE}, YYYY-MM-DD",
    "start": f"{DATE_RANGE}, YYYY-MM-DD",
    "stop": f"{DATE_RANGE}, YYYY-MM-DD",
    "relapses": f"at most {MAX_ROWS} relapses",
    "mri": f"at most {MAX_ROWS} scans",
    "treatments": f"at most {MAX_ROWS} drugs",
    "edss_history": f"at most {MAX_ROWS} visits",
    "comorbidities": f"at most {MAX_ROWS} lines of 200 characters",
    "age": "a whole number of years, 0 to 120",
    "ms_type": "RRMS, SPMS, PPMS, CIS, RIS or suspected",
    "ms_activity": "active or not_active",
    "ms_worsening": "worsening or not_worsening",
    "last_dose": f"{DATE_RANGE}, YYYY-MM-DD",
    "edss": "0, 1.0, 1.5, ... 9.5 or 10",
    "reason_stopped": "ineffective, side_effects, planned, pregnancy or other",
    "gd_enhancing": "a whole number, 0 or more",
    "new_t2": "a whole number, 0 or more",
    "csf_oligoclonal_bands": "true or false",
    "prior_hsct": "true or false",
    "disability_worsening_12m": "true or false",
    "drug": "an MS drug's name or brand, e.g. ocrelizumab or Ocrevus",
}
EDSS_ALLOWED: Final = ", ".join(format_step(v) for v in LEGAL_VALUES)


def _dates(profile: PatientProfile) -> list[tuple[str, dt.date | None]]:
    """Every dated fact with its field path."""
    found: list[tuple[str, dt.date | None]] = [
        (name, getattr(profile, name)) for name in ("birth_date", "diagnosis_date", "onset_date")
    ]
    found += [(f"relapses.{i}.date", r.date) for i, r in enumerate(profile.relapses or ())]
    found += [(f"mri.{i}.date", s.date) for i, s in enumerate(profile.mri or ())]
    found += [(f"edss_history.{i}.date", v.date) for i, v in enumerate(profile.edss_history or ())]
    for i, course in enumerate(profile.treatments or ()):
        found += [
            (f"treatments.{i}.start", course.start),
            (f"treatments.{i}.stop", course.stop),
            (f"treatments.{i}.last_dose", course.last_dose),
        ]
    return found


def _course_problems(profile: PatientProfile) -> list[FieldError]:
    problems = []
    for index, course in enumerate(profile.treatments or ()):
        if course.start and course.stop and course.stop < course.start:
            problems.append(
                FieldError.translatable(
                    f"treatments.{index}.stop",
                    Message(N_("the stop date is before the start date.")),
                    Message(N_("a date after the start")),
                )
            )
        if course.last_dose and course.start and course.last_dose < course.start:
            problems.append(
                FieldError.translatable(
                    f"treatments.{index}.last_dose",
                    Message(N_("the last dose is before the start date.")),
                    Message(N_("a date after the start")),
                )
            )
        if course.last_dose and course.stop and course.last_dose > course.stop:
            problems.append(
                FieldError.translatable(
                    f"treatments.{index}.last_dose",
                    Message(N_("the last dose is after the stop date.")),
                    Message(N_("a date on or before the stop date")),
                )
            )
        if course.reason_stopped is not None and course.stop is None:
            problems.append(
                FieldError.translatable(
                    f"treatments.{index}.reason_stopped",
                    Message(N_("give the stop date, or no reason.")),
                    Message(N_("a stop date, or no reason")),
                )
            )
    return problems


def _order_problems(profile: PatientProfile) -> list[FieldError]:
    problems = []
    born = profile.birth_date
    if born and profile.age is not None and completed_years(born, profile.day) != profile.age:
        problems.append(
            FieldError.translatable(
                "age",
                Message(N_("the age does not match the date of birth.")),
                Message(N_("the age on the assessment date")),
            )
        )
    onset_span, diagnosis_span = profile.span("onset_date"), profile.span("diagnosis_date")
    if onset_span and diagnosis_span and onset_span[0] > diagnosis_span[1]:
        problems.append(
            FieldError.translatable(
                "onset_date",
                Message(N_("the first symptoms come before the diagnosis.")),
                Message(N_("a date on or before the diagnosis")),
            )
        )
    for name, known in (("diagnosis_date", diagnosis_span), ("onset_date", onset_span)):
        if born and known is not None and known[1] < born:
            problems.append(
                FieldError.translatable(
                    name,
                    Message(N_("this date is before the date of birth.")),
                    Message(N_("a later date")),
                )
            )
    if profile.edss is not None and profile.edss_inputs is not None:
        problems.append(
            FieldError("edss_inputs", "is given as well as edss", "either edss or edss_inputs")
        )
    return problems


def consistency_problems(profile: PatientProfile) -> list[FieldError]:
    """Dates in the future, stops before starts, and other facts that cannot all be true."""
    day = profile.day
    problems = [
        FieldError.translatable(
            field,
            Message(
                N_("this date ({date}) is after the date the assessment is for."),
                {"date": value.isoformat()},
            ),
            Message(N_("a date on or before {day}"), {"day": day.isoformat()}),
        )
        for field, value in _dates(profile)
        if value is not None and value > day
    ]
    problems += [
        FieldError(f"edss_history.{i}.edss", "not a value of the EDSS", EDSS_ALLOWED)
        for i, visit in enumerate(profile.edss_history or ())
        if visit.edss not in LEGAL_VALUES
    ]
    return problems + _course_problems(profile) + _order_problems(profile)


def parse_profile(data: Any, catalog: Catalog | None = None) -> PatientProfile:
    """A validated profile from JSON-like data; drug names and brands become drug ids.

    Raises
    ------
    InvalidInput
        One :class:`FieldError` per bad field, named by its path (``treatments.0.drug``).
    """
    if not isinstance(data, Mapping):
        raise InvalidInput([FieldError("profile", "is not an object", "a JSON object")])
    catalog = catalog or load_catalog()
    errors: list[FieldError] = []
    raw_treatments = data.get("treatments")
    if isinstance(raw_treatments, list) and len(raw_treatments) <= MAX_ROWS:
        fixed = []
        for index, given in enumerate(raw_treatments):
            course = given
            if isinstance(given, Mapping) and isinstance(given.get("drug"), str):
                name = given["drug"].strip()
                drug = catalog.find_drug(name)
                if drug is None:
                    errors.append(
                        FieldError.translatable(
                            f"treatments.{index}.drug",
                            Message(
                                N_("{name} is not a drug we know"),
                                {"name": excerpt(name)},
                            ),
                            Message(ALLOWED["drug"]),
                        )
                    )
                else:
                    course = {**given, "drug": drug.id}
            fixed.append(course)
        data = {**data, "treatments": fixed}
    try:
        profile = PatientProfile.model_validate(data)
    except ValidationError as exc:
        errors.extend(_field_errors(exc))
        raise InvalidInput(errors) from None
    except InvalidInput as exc:
        raise InvalidInput([*errors, *exc.errors]) from None
    if errors:
        raise InvalidInput(errors)
    if profile.edss_inputs is not None:
        compute_edss(profile.edss_inputs)  # bad grades are named now, not at evaluation
    return profile


def compute_edss(inputs: EdssInputs) -> EdssResult:
    """The EDSS calculator on the profile's inputs; bad inputs are named under ``edss_inputs``."""
    walking = None
    if inputs.walking is not None:
        walking = WalkingFacts(**inputs.walking.model_dump())
    fields = inputs.model_dump(exclude={"walking"})
    try:
        return score(**fields, walking=walking)
    except InvalidInput as exc:
        raise exc.within("edss_inputs") from None


def _field_errors(exc: ValidationError) -> list[FieldError]:
    found: list[FieldError] = []
    for error in exc.errors(include_url=False, include_input=False):
        location = [str(part) for part in error["loc"]]
        if error["type"] in ("value_error", "assertion_error") and not location:
            context = error.get("ctx", {})
            cause = context.get("error")
            if isinstance(cause, InvalidInput):
                found.extend(cause.errors)
                continue
        field = ".".join(location) or "profile"
        leaf = location[-1] if location else "profile"
        allowed = EDSS_ALLOWED if leaf == "edss" else ALLOWED.get(leaf)
        if error["type"] == "extra_forbidden":
            found.append(FieldError(field, "is not a field of the profile", None))
            continue
        kind = _problem_kind(error)
        if kind is None:
            found.append(FieldError(field, _plain(error["msg"]), allowed))
        else:
            found.append(
                FieldError(
                    field,
                    _plain(error["msg"]),
                    allowed,
                    message_text=kind,
                    allowed_text=None if allowed is None else Message(allowed),
                )
            )
    return found


#: Pydantic's error types (machine codes, not its English words) with our own wording.
DATE_PROBLEM: Final = Message(N_("please give a real date, such as 2024-03-31."))
RANGE_PROBLEM: Final = Message(N_("please give a date between 1900 and 2100."))
ROWS_PROBLEM: Final = Message(N_("too many rows; at most {rows}."), {"rows": MAX_ROWS})


def _problem_kind(error: Mapping[str, Any]) -> Message | None:
    """Our translatable wording for a pydantic error, from its type and cause."""
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, DateOutOfRangeError):
        return RANGE_PROBLEM
    kind = str(error["type"])
    if kind.startswith("date_"):
        return DATE_PROBLEM
    if kind == "too_long":
        return ROWS_PROBLEM
    return None


def _plain(message: str) -> str:
    """Pydantic's message without its "Value error, " prefix, starting lower-case."""
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]
