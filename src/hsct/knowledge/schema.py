"""The shape of the knowledge base, validated when the YAML files are loaded.

Every fact is a :class:`Fact`: a value (``None`` when unknown: never guessed), the id of
the source it comes from, its "as of" date (the source's date unless given), and the
dossier's verification tag: ``V`` verified in the source, ``P`` partly verified, ``U``
unverified, ``GAP`` looked for and not found.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

T = TypeVar("T")


def _as_date_text(value: Any) -> Any:
    """YAML reads 2017-01-30 as a date and 2016 as an int; keep them as text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


PartialDate = Annotated[
    str, BeforeValidator(_as_date_text), Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Tag = Literal["V", "P", "U", "GAP"]
#: RRMS, SPMS and PPMS are confirmed MS; a clinically isolated syndrome (CIS), a
#: radiologically isolated syndrome (RIS) and suspected MS are not (McDonald 2017).
MsType = Literal["RRMS", "SPMS", "PPMS", "CIS", "RIS", "suspected"]
Intensity = Literal["high", "intermediate", "low"]
Strength = Literal["hard", "soft", "case_by_case"]
FacilityStatus = Literal[
    "accepting_patients",
    "national_patients_only",
    "trial_only",
    "closed",
    "programme_not_confirmed",
    "historical",
]
SourceKind = Literal[
    "guideline",
    "paper",
    "trial_registry",
    "clinic_site",
    "facilitator",
    "patient_site",
    "patient_blog",
    "news",
    "regulator",
    "society",
    "forum",
    "dataset",
]

#: What a criterion can be about. The eligibility engine derives each from a profile.
Parameter = Literal[
    "age",
    "edss",
    "ms_type",
    "disease_duration_years",
    "years_since_onset",
    "years_since_first_dmt",
    "relapses_last_12m",
    "relapses_last_24m",
    "relapses_last_36m",
    "relapses_on_dmt_last_12m",
    "gd_enhancing_lesions_last_12m",
    "new_t2_lesions_last_12m",
    "mri_activity_last_12m",
    "mri_activity_last_24m",
    "activity_episodes_last_36m",
    "disability_worsening_last_12m",
    "edss_increase_last_24m",
    "failed_dmts",
    "failed_high_efficacy_dmts",
    "months_on_high_efficacy_dmt",
    "treatment_naive",
    "csf_oligoclonal_bands",
    "prior_hsct",
    "confirmed_ms_diagnosis",
    "disease_active",
    "disease_worsening",
]
Operator = Literal["<", "<=", ">", ">=", "==", "between", "in", "is_true", "is_false"]
NUMERIC_OPERATORS = ("<", "<=", ">", ">=", "==")
BOOLEAN_PARAMETERS = (
    "mri_activity_last_12m",
    "mri_activity_last_24m",
    "disability_worsening_last_12m",
    "treatment_naive",
    "csf_oligoclonal_bands",
    "prior_hsct",
    "confirmed_ms_diagnosis",
    "disease_active",
    "disease_worsening",
)


class Strict(BaseModel):
    """Frozen, and unknown keys in the YAML are errors (they are usually typos)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    """A publication, registry record or web page, with its date."""

    id: Identifier
    label: str
    url: str | None = None
    doi: str | None = None
    date: PartialDate
    kind: SourceKind
    reliability: Literal["high", "medium", "low"]
    note: str | None = None

    @model_validator(mode="after")
    def _has_a_link(self) -> Source:
        if not self.url and not self.doi:
            raise ValueError("a source needs a url or a doi")
        return self

    @property
    def link(self) -> str:
        """Where a person can read it."""
        return f"https://doi.org/{self.doi}" if self.doi else str(self.url)


class Fact(Strict, Generic[T]):
    """One value with its provenance. ``value`` None means unknown."""

    value: T | None = None
    src: Identifier | None = None
    as_of: PartialDate | None = None
    tag: Tag = "V"
    note: str | None = None

    @property
    def known(self) -> bool:
        """True when the value is known."""
        return self.value is not None


class Range(Strict):
    """A closed numeric range; either end may be open (None)."""

    min: float | None = None
    max: float | None = None


class Clinician(Strict):
    """A named clinician and their role in the programme."""

    name: str
    role: Literal["haematologist", "neurologist", "transplant_physician", "programme_lead"]


class CostQuote(Strict):
    """A price as quoted: amount (or a range), currency, the year of the quote, inclusions.

    ``year`` is None when the source does not date the price (an undated web page).
    """

    amount: float = Field(gt=0)
    amount_max: float | None = Field(default=None, gt=0)
    currency: CurrencyCode
    year: int | None = Field(ge=1990, le=2100)
    kind: Literal["treatment", "extra"] = "treatment"
    includes: tuple[str, ...] = ()
    what: str | None = None


class Washout(Strict):
    """How long before treatment each drug must be stopped, in months."""

    default_months: float | None = Field(default=None, ge=0)
    by_drug: dict[Identifier, float] = Field(default_factory=dict)

    def months_for(self, drug_id: str) -> float | None:
        """Months this drug must be stopped before admission (None: not published)."""
        return self.by_drug.get(drug_id, self.default_months)


RecordKind = Literal[
    "mri_report",
    "neurology_report",
    "edss",
    "drug_history",
    "blood_tests",
    "medical_records",
    "questionnaire",
    "video_assessment",
]


class RecordItem(Strict):
    """A document a facility asks for, and its maximum age."""

    item: RecordKind
    max_age_months: int | None = Field(default=None, ge=0)


Phase = Literal[
    "evaluation",
    "mobilisation",
    "apheresis",
    "conditioning",
    "day0",
    "aplasia",
    "discharge",
]


class ScheduleStep(Strict):
    """A phase on the days of the stay the source gives (admission is day 1)."""

    phase: Phase
    first_day: int = Field(ge=1)
    last_day: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> ScheduleStep:
        if self.last_day < self.first_day:
            raise ValueError(f"{self.phase}: last_day is before first_day")
        return self


class Schedule(Strict):
    """A facility's in-hospital schedule, as far as its sources give one.

    ``steps`` hold phases with day numbers; ``durations`` phases whose length is known but
    not their days; ``engraftment_days`` when neutrophils recover, in days after day 0;
    ``home_after_day`` the day of the stay after which people usually fly home, when that
    is later than discharge.
    """

    steps: tuple[ScheduleStep, ...] = ()
    durations: dict[Phase, int] = Field(default_factory=dict)
    engraftment_days: Range | None = None
    home_after_day: int | None = Field(default=None, ge=1)


class Facility(Strict):
    """A centre that performs (or performed) aHSCT for MS."""

    id: Identifier
    name: str
    programme: str | None = None
    country: CountryCode
    city: str
    status: Fact[FacilityStatus]
    lead_clinicians: Fact[tuple[Clinician, ...]] = Fact()
    regimens: Fact[tuple[Identifier, ...]] = Fact()
    international_patients: Fact[bool] = Fact()
    costs: tuple[Fact[CostQuote], ...] = ()
    stay_days: Fact[Range] = Fact()
    caregiver_required: Fact[bool] = Fact()
    accreditation: Fact[tuple[str, ...]] = Fact()
    registry_reporting: Fact[tuple[str, ...]] = Fact()
    contact_url: Fact[str] = Fact()
    languages: Fact[tuple[str, ...]] = Fact()
    washout: Fact[Washout] = Fact()
    records: Fact[tuple[RecordItem, ...]] = Fact()
    follow_up: Fact[str] = Fact()
    schedule: Fact[Schedule] = Fact()
    flags: dict[Literal["chemotherapy", "regulator_warning"], Fact[str]] = Field(
        default_factory=dict
    )
    notes: tuple[Fact[str], ...] = ()


class Condition(Strict):
    """When a criterion applies (for example only to primary-progressive MS)."""

    parameter: Parameter
    operator: Operator
    threshold: Any = None


class Criterion(Strict):
    """One published criterion as data: parameter, operator, threshold, strength, source.

    Composite criteria hold ``any_of`` or ``all_of`` sub-criteria; criteria only the
    clinic can check (organ function, infections) have ``assessed_by: clinic`` and text.
    """

    id: Identifier
    parameter: Parameter | None = None
    operator: Operator | None = None
    threshold: Any = None
    unit: str | None = None
    strength: Strength = "hard"
    assessed_by: Literal["profile", "clinic"] = "profile"
    when: Condition | None = None
    any_of: tuple[Criterion, ...] | None = None
    all_of: tuple[Criterion, ...] | None = None
    text: str | None = None
    src: Identifier | None = None
    tag: Tag = "V"
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _parts_inherit_source(cls, data: Any) -> Any:
        """Sub-criteria of any_of/all_of cite their parent's source unless they give one."""
        if not isinstance(data, dict):
            return data
        inherited = {key: data[key] for key in ("src", "tag") if key in data}
        for key in ("any_of", "all_of"):
            parts = data.get(key)
            if isinstance(parts, list | tuple):
                data = {
                    **data,
                    key: [
                        {**inherited, **part} if isinstance(part, dict) else part for part in parts
                    ],
                }
        return data

    @model_validator(mode="after")
    def _well_formed(self) -> Criterion:
        kinds = [
            self.parameter is not None,
            self.any_of is not None,
            self.all_of is not None,
            self.assessed_by == "clinic",
        ]
        if sum(kinds) != 1:
            raise ValueError(
                f"criterion {self.id!r} must be exactly one of: a parameter test, any_of, "
                "all_of, or a clinic check"
            )
        if self.assessed_by == "clinic" and not self.text:
            raise ValueError(f"clinic check {self.id!r} needs text")
        if self.parameter is not None:
            check_threshold(self.id, self.parameter, self.operator, self.threshold)
        if self.when is not None:
            check_threshold(self.id, self.when.parameter, self.when.operator, self.when.threshold)
        return self


def check_threshold(name: str, parameter: str, operator: str | None, threshold: Any) -> None:
    """The threshold must have the shape the operator needs."""
    if operator is None:
        raise ValueError(f"criterion {name!r} has a parameter but no operator")
    if operator in ("is_true", "is_false"):
        if parameter not in BOOLEAN_PARAMETERS or threshold is not None:
            raise ValueError(f"{name!r}: {operator} is for yes/no parameters, without threshold")
    elif operator == "in":
        if not isinstance(threshold, list | tuple) or not threshold:
            raise ValueError(f"{name!r}: 'in' needs a non-empty list")
    elif operator == "between":
        ok = isinstance(threshold, list | tuple) and len(threshold) == 2
        if not ok or not all(isinstance(v, int | float) for v in threshold):
            raise ValueError(f"{name!r}: 'between' needs [low, high]")
        if threshold[0] > threshold[1]:
            raise ValueError(f"{name!r}: 'between' needs low <= high")
    elif not isinstance(threshold, int | float) or isinstance(threshold, bool):
        raise ValueError(f"{name!r}: {operator} needs a number")
    if parameter in BOOLEAN_PARAMETERS and operator not in ("is_true", "is_false"):
        raise ValueError(f"{name!r}: {parameter} is yes/no; use is_true or is_false")


RuleSetKind = Literal["guideline", "trial", "facility"]
RuleSetStatus = Literal[
    "current",
    "superseded",
    "recruiting",
    "active_not_recruiting",
    "closed",
    "completed",
    "terminated",
]


class RuleSet(Strict):
    """A guideline's, trial's or facility's criteria, each criterion as data."""

    id: Identifier
    kind: RuleSetKind
    title: str
    short_title: str
    published: PartialDate
    src: Identifier
    status: Fact[RuleSetStatus]
    registry_id: str | None = None
    inherits: tuple[Identifier, ...] = ()
    summary: str | None = None
    criteria: tuple[Criterion, ...] = ()


class LabCondition(Strict):
    """A blood count that should have recovered before treatment, with its source."""

    test: Literal["neutrophils", "lymphocytes"]
    minimum_per_mm3: int = Field(gt=0)
    src: Identifier
    tag: Tag = "V"
    note: str | None = None


Dosing = Literal["continuous", "course"]
StoppingRisk = Literal["rebound", "pml_check"]


class Drug(Strict):
    """A disease-modifying drug: class, efficacy group, whether it depletes cells.

    ``dosing`` is ``course`` for drugs given in pulses (infusions, courses, injections weeks
    or months apart: anti-CD20 antibodies, alemtuzumab, cladribine, natalizumab): their
    washout counts from the last dose. ``general_wait`` is a guideline- or label-based time
    from the last dose before mobilisation, in months, where a source gives one.
    ``stopping_risks``: ``rebound`` (disease activity can return, sometimes worse than
    before, after stopping) and ``pml_check`` (screening for progressive multifocal
    leukoencephalopathy before the next treatment).
    """

    id: Identifier
    name: str
    brands: tuple[str, ...] = ()
    #: The brands as written in a language's own script ({"ru": ("Окревус",)}).
    local_brands: dict[Literal["ru", "es"], tuple[str, ...]] = Field(default_factory=dict)
    drug_class: str
    high_efficacy: Fact[bool]
    cell_depleting: Fact[bool]
    lab_conditions: tuple[LabCondition, ...] = ()
    dosing: Fact[Dosing] = Fact()
    general_wait: Fact[Range] = Fact()
    stopping_risks: Fact[tuple[StoppingRisk, ...]] = Fact()
    note: str | None = None

    @property
    def course_based(self) -> bool:
        """True for drugs given in pulses: washout counts from the last dose."""
        return self.dosing.value == "course"

    def brands_for(self, locale: str) -> tuple[str, ...]:
        """The brands people reading ``locale`` know: the international ones, then their own
        script's (``local_brands``), without repeats."""
        local = self.local_brands.get(locale, ())  # type: ignore[call-overload]  # any locale
        return tuple(dict.fromkeys((*self.brands, *local)))


class Regimen(Strict):
    """A conditioning regimen and its intensity class."""

    id: Identifier
    name: str
    components: tuple[str, ...]
    intensity: Fact[Intensity]
    myeloablative: Fact[bool]
    note: str | None = None


OutcomeMeasure = Literal[
    "NEDA",
    "PFS",
    "RFS",
    "EFS",
    "OS",
    "MRI_activity_free",
    "worsening_free",
    "activity_free",
    "progression",
]
Population = Literal["all", "RRMS", "progressive", "SPMS", "PPMS"]


class Outcome(Strict):
    """One reported figure: a measure, for whom, at how many years, the percentage.

    ``years`` is None when the study reports a figure over its follow-up rather than at a
    landmark time (pooled meta-analyses, "at a median of 49 months").
    """

    measure: OutcomeMeasure
    population: Population = "all"
    years: float | None = Field(gt=0)
    percent: float = Field(ge=0, le=100)
    ci_low: float | None = Field(default=None, ge=0, le=100)
    ci_high: float | None = Field(default=None, ge=0, le=100)
    tag: Tag = "V"
    note: str | None = None


class Mortality(Strict):
    """Treatment-related mortality as reported."""

    deaths: int | None = Field(default=None, ge=0)
    patients: int | None = Field(default=None, gt=0)
    percent: float = Field(ge=0, le=100)
    ci_low: float | None = None
    ci_high: float | None = None
    window: str | None = None
    tag: Tag = "V"


class Study(Strict):
    """A published cohort, trial or meta-analysis of aHSCT in MS."""

    id: Identifier
    label: str
    design: Literal["rct", "cohort", "meta_analysis", "case_series", "phase2"]
    n: int | None = Field(default=None, gt=0)
    ms_types: tuple[MsType, ...]
    intensity: tuple[Intensity, ...] = ()
    regimen: str | None = None
    regimens: tuple[Identifier, ...] = ()
    facilities: tuple[Identifier, ...] = ()
    age: Range | None = None
    edss: Range | None = None
    follow_up: str | None = None
    outcomes: tuple[Outcome, ...] = ()
    mortality: Mortality | None = None
    src: Identifier
    tag: Tag = "V"
    notes: tuple[str, ...] = ()


class OtherRate(Strict):
    """A euro rate the main table lacks, on the same date, from its own source (the Bank
    of Russia's rouble rate: the ECB has published none since March 2022)."""

    rate: float = Field(gt=0)
    src: Identifier
    tag: Tag = "V"
    note: str | None = None


class ExchangeRates(Strict):
    """Euro reference rates on one date: 1 EUR = rate units of each currency."""

    date: PartialDate
    src: Identifier
    base: Literal["EUR"] = "EUR"
    rates: dict[CurrencyCode, float]
    others: dict[CurrencyCode, OtherRate] = Field(default_factory=dict)

    @property
    def table(self) -> dict[str, float]:
        """Every rate, the main table's and the others', by currency."""
        return {**self.rates, **{code: other.rate for code, other in self.others.items()}}


# ---------------------------------------------------------------- the risks of aHSCT

#: What a statement about the risk of death says; the words are in hsct/knowledge/risk.py.
RiskFinding = Literal[
    "trm_higher_older_studies",
    "trm_higher_fewer_rrms",
    "trm_higher_higher_edss",
    "ideal_age",
    "ideal_edss",
    "death_higher_small_centres",
    "pfs_better_experienced_centres",
    "early_high_intensity_more_deaths",
]
RiskFactorId = Literal["age", "progressive_ms", "edss", "centre_volume"]
HarmKind = Literal["infection", "autoimmunity", "fertility", "neurological"]
HarmWhat = Literal[
    "febrile_neutropenia",
    "sepsis",
    "zoster",
    "hypothyroidism",
    "hyperthyroidism",
    "itp",
    "periods_back",
    "neurological_worsening",
]
#: Whom a harm figure describes: everyone in the study, or a named part of it.
HarmGroup = Literal[
    "all", "women", "beam_atg", "alemtuzumab", "no_alemtuzumab", "low_intensity_moscow"
]


class CentreVolumeRatio(Strict):
    """How many times the risk of death was at centres that had done this many transplants,
    compared with the centres that had done the most (``reference_above`` of the finding)."""

    min_transplants: int | None = Field(default=None, ge=0)
    max_transplants: int = Field(ge=0)
    ratio: float = Field(gt=0)
    ci_low: float | None = Field(default=None, gt=0)
    ci_high: float | None = Field(default=None, gt=0)


class RiskEvidence(Strict):
    """One sourced finding about the risk of death, with the numbers it rests on."""

    finding: RiskFinding
    p: float | None = Field(default=None, ge=0, le=1)
    ratios: tuple[CentreVolumeRatio, ...] = ()
    reference_above: int | None = Field(default=None, ge=0)
    min_transplants: int | None = Field(default=None, ge=0)
    src: Identifier
    tag: Tag = "V"
    note: str | None = None


class RiskThreshold(Strict):
    """Where a factor starts to count for a person (age 45, EDSS 6.0), and who says so."""

    value: float
    src: Identifier
    tag: Tag = "V"
    note: str | None = None


class RiskFactor(Strict):
    """Something that raises the risk of dying from the treatment.

    ``threshold``: the value from which it applies to a person (age, EDSS); ``ms_types``: the
    MS types it applies to; neither for factors that depend on the centre.
    """

    id: RiskFactorId
    evidence: tuple[RiskEvidence, ...] = Field(min_length=1)
    threshold: RiskThreshold | None = None
    ms_types: tuple[MsType, ...] = ()


class MortalityCohort(Strict):
    """A study in studies.yaml whose treatment-related deaths show an era or an intensity.

    The deaths and patients are read from the study; ``treated_from``/``treated_to`` are the
    years of treatment the source gives.
    """

    study: Identifier
    treated_from: int | None = Field(default=None, ge=1990, le=2100)
    treated_to: int | None = Field(default=None, ge=1990, le=2100)
    src: Identifier
    tag: Tag = "V"


class PooledMortality(Strict):
    """The pooled treatment-related mortality: a meta-analysis in studies.yaml."""

    study: Identifier
    studies: int = Field(gt=0)
    first_year: int = Field(ge=1990, le=2100)
    last_year: int = Field(ge=1990, le=2100)
    src: Identifier
    tag: Tag = "V"


class RiskTrend(Strict):
    """Findings on how the risk changed, and the cohorts that show it."""

    evidence: tuple[RiskEvidence, ...] = ()
    older: tuple[MortalityCohort, ...] = ()
    recent: tuple[MortalityCohort, ...] = ()


class IntensityRisk(Strict):
    """Findings on regimen intensity, and single-intensity cohorts (intensity from the study)."""

    evidence: tuple[RiskEvidence, ...] = ()
    cohorts: tuple[MortalityCohort, ...] = ()


class Harm(Strict):
    """A harm that is not fatal, as a study reports it: a percentage of the people treated.

    ``percent_low`` when the source gives a range ("0 to 2.8%"); ``age_min``/``age_max``
    when the figure is for an age band.
    """

    id: Identifier
    kind: HarmKind
    what: HarmWhat
    group: HarmGroup = "all"
    percent: float = Field(ge=0, le=100)
    percent_low: float | None = Field(default=None, ge=0, le=100)
    events: int | None = Field(default=None, ge=0)
    patients: int | None = Field(default=None, gt=0)
    age_min: int | None = Field(default=None, ge=0)
    age_max: int | None = Field(default=None, ge=0)
    src: Identifier
    tag: Tag = "V"
    note: str | None = None


class RiskData(Strict):
    """risks.yaml: the risk of death (pooled, by era, by intensity, what raises it) and the
    main harms that are not fatal."""

    pooled: PooledMortality
    era: RiskTrend
    intensity: IntensityRisk
    factors: tuple[RiskFactor, ...]
    harms: tuple[Harm, ...]


# ------------------------------------------------------------------ the decision aid (issue 18)


class Said(Strict):
    """One sourced sentence a person reads in the guide or the decision aid.

    ``src`` may be empty only for a gap (``tag: GAP``): the sentence then says what is not
    known and what would settle it.
    """

    text: str
    src: Identifier | None = None
    tag: Tag = "V"
    as_of: PartialDate | None = None

    @model_validator(mode="after")
    def _sourced_unless_gap(self) -> Said:
        if self.src is None and self.tag != "GAP":
            raise ValueError("a statement needs a source (src) unless it is a gap (tag: GAP)")
        return self


class Stage(Strict):
    """One stage of aHSCT: what happens, how long, how it feels, what can go wrong, and
    how clinics differ. ``phase`` links the stage to the clinics' published schedules."""

    id: Identifier
    title: str
    happens: tuple[Said, ...] = Field(min_length=1)
    duration: tuple[Said, ...] = Field(min_length=1)
    feels: tuple[Said, ...] = Field(min_length=1)
    goes_wrong: tuple[Said, ...] = Field(min_length=1)
    differs: tuple[Said, ...] = ()
    phase: Phase | None = None


class IntensityTerm(Strict):
    """Myeloablative, non-myeloablative or lymphoablative: the word, the regimens behind
    it (ids in regimens.yaml), and what the evidence says."""

    id: Identifier
    title: str
    meaning: tuple[Said, ...] = Field(min_length=1)
    regimens: tuple[Identifier, ...] = ()
    evidence: tuple[Said, ...] = ()


class Term(Strict):
    """A glossary entry. ``also`` lists other forms of the word that link to it."""

    id: Identifier
    term: str
    also: tuple[str, ...] = ()
    definition: Said


Aspect = Literal["time_away", "cost", "isolation", "fertility", "work"]
ASPECTS: tuple[Aspect, ...] = ("time_away", "cost", "isolation", "fertility", "work")


class Option(Strict):
    """One choice on the decision page, described in the same format as every other:
    benefits, harms, the risk of dying from it (``death``, for the values question on that
    risk) and each burden (``ASPECTS``), every statement with its source."""

    id: Identifier
    title: str
    ms_types: tuple[MsType, ...] = Field(min_length=1)
    summary: Said
    benefits: tuple[Said, ...] = Field(min_length=1)
    harms: tuple[Said, ...] = Field(min_length=1)
    death: tuple[Said, ...] = Field(min_length=1)
    burdens: dict[Aspect, Said]

    @model_validator(mode="after")
    def _every_burden(self) -> Option:
        missing = [aspect for aspect in ASPECTS if aspect not in self.burdens]
        if missing:
            raise ValueError(f"burdens missing {missing}: every option names every burden")
        return self


class Count(Strict):
    """How many of how many had an outcome, or a published percentage with its interval.

    Neither: not known (the option was not studied in this frame)."""

    events: int | None = Field(default=None, ge=0)
    patients: int | None = Field(default=None, gt=0)
    percent: float | None = Field(default=None, ge=0, le=100)
    ci_low: float | None = Field(default=None, ge=0, le=100)
    ci_high: float | None = Field(default=None, ge=0, le=100)
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Count:
        if (self.events is None) != (self.patients is None):
            raise ValueError("give both events and patients, or neither")
        if self.events is not None and self.patients is not None:
            if self.events > self.patients:
                raise ValueError("more events than patients")
            if self.percent is not None:
                raise ValueError("give counts or a percent, not both")
        if (self.ci_low is None) != (self.ci_high is None):
            raise ValueError("give both ends of the interval")
        if self.ci_low is not None and self.percent is None:
            raise ValueError("an interval needs its percent")
        return self

    @property
    def known(self) -> bool:
        """True when the count or the percentage is known."""
        return self.patients is not None or self.percent is not None


class FrameOutcome(Strict):
    """One outcome in a frame, counted for each option over the same span."""

    id: Identifier
    label: str
    bad: bool = True
    span: str
    counts: dict[Identifier, Count]
    src: Identifier
    tag: Tag = "V"
    note: str | None = None


class Frame(Strict):
    """Outcome probabilities for one reference class from one source set: every option
    over the same span and out of 100. ``ms_types``, ``edss`` and ``age`` describe the
    people studied, to tell a reader whether they are like them; ``entry`` is an entry
    rule the page cannot check (so it never says "like you" for that frame). ``labels``
    name an option as the study gave it ("the drugs used in MIST"), when the option's own
    title would overstate it."""

    id: Identifier
    title: str
    ms_types: tuple[MsType, ...] = Field(min_length=1)
    edss: Range | None = None
    age: Range | None = None
    entry: Said | None = None
    labels: dict[Identifier, str] = Field(default_factory=dict)
    reference: Said
    options: tuple[Identifier, ...] = Field(min_length=1)
    outcomes: tuple[FrameOutcome, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _same_options(self) -> Frame:
        unknown = set(self.labels) - set(self.options)
        if unknown:
            raise ValueError(f"labels for options not in the frame: {sorted(unknown)}")
        for outcome in self.outcomes:
            if set(outcome.counts) != set(self.options):
                raise ValueError(
                    f"{outcome.id}: counts must cover exactly the frame's options {self.options}"
                )
        return self


class ValueQuestion(Strict):
    """A "what matters to me" question: its words, the answers allowed, and which
    aspect of the options it is reflected against."""

    id: Identifier
    question: str
    low: str
    high: str
    reflects: Aspect | Literal["benefit", "harm", "death"]


class QuestionList(Strict):
    """Questions to take to the neurologist and to a clinic, and the records to bring."""

    neurologist: tuple[Said, ...] = Field(min_length=1)
    clinic: tuple[Said, ...] = Field(min_length=1)
    records: tuple[Said, ...] = Field(min_length=1)


class Guide(Strict):
    """The decision aid's content: MS in a few words, the stages, the intensity words,
    why chemotherapy is the treatment, the glossary, the options, the outcome frames, the
    values exercise and the questions. Loaded from ``guide/*.yaml``."""

    condition: tuple[Said, ...] = ()
    stages: tuple[Stage, ...] = ()
    intensities: tuple[IntensityTerm, ...] = ()
    tradeoff: tuple[Said, ...] = ()
    chemotherapy: tuple[Said, ...] = ()
    glossary: tuple[Term, ...] = ()
    decision: Said | None = None
    options: tuple[Option, ...] = ()
    frames: tuple[Frame, ...] = ()
    values: tuple[ValueQuestion, ...] = ()
    questions: QuestionList | None = None
