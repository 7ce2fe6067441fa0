"""Words a person reads for the knowledge base's codes, marked for translation, and
plain-language descriptions of criteria generated from their data.

Descriptions are built from parameter, operator and threshold, so every criterion of every
guideline, trial and clinic reads naturally in each language without translating the data
files. The source's own wording, where kept, is shown separately as an English quotation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from hsct.common.edss_value import format_step
from hsct.common.i18n import N_
from hsct.common.text import Message, Param
from hsct.knowledge.schema import Condition, Criterion

Gettext = Callable[[str], str]


def _identity(text: str) -> str:
    return text


STATUS_LABELS: Final = {
    "accepting_patients": N_("Accepting patients"),
    "national_patients_only": N_("Residents of the country only"),
    "trial_only": N_("Only within a clinical trial"),
    "closed": N_("Closed to new patients"),
    "programme_not_confirmed": N_("MS programme not confirmed"),
    "historical": N_("Historical, no current programme"),
}
#: How a person reaches a clinic, by its status ("How do I apply?" on the clinic's page,
#: issue 19). The status itself is a sourced fact; these sentences only read it.
APPLY_ROUTES: Final = {
    "accepting_patients": N_(
        "The clinic takes patients from other countries and its own: you can apply directly."
    ),
    "national_patients_only": N_(
        "The clinic treats residents of its country, through the public health service: the "
        "route is a referral from your neurologist there. People from abroad are not taken."
    ),
    "trial_only": N_(
        "The clinic treats people with MS only within a clinical trial: the route is the "
        "trial's own screening, usually after a referral from your neurologist. Check whether "
        "it still recruits."
    ),
    "closed": N_("The programme is closed to new patients: there is no way to apply."),
    "programme_not_confirmed": N_(
        "We could not confirm that this hospital treats MS with aHSCT: ask it first whether it "
        "does, before sending anything."
    ),
    "historical": N_("There is no current programme: there is no way to apply."),
}
RULESET_STATUS_LABELS: Final = {
    "current": N_("Current"),
    "superseded": N_("Superseded"),
    "recruiting": N_("Recruiting"),
    "active_not_recruiting": N_("Active, not recruiting"),
    "closed": N_("Recruitment closed"),
    "completed": N_("Completed"),
    "terminated": N_("Terminated"),
}
RULESET_KIND_LABELS: Final = {
    "guideline": N_("Guideline"),
    "trial": N_("Clinical trial"),
    "facility": N_("Clinic"),
}
INTENSITY_LABELS: Final = {
    "high": N_("High intensity"),
    "intermediate": N_("Intermediate intensity"),
    "low": N_("Low intensity"),
}
MS_TYPE_LABELS: Final = {
    "RRMS": N_("relapsing-remitting MS"),
    "SPMS": N_("secondary-progressive MS"),
    "PPMS": N_("primary-progressive MS"),
    "CIS": N_("clinically isolated syndrome"),
    "RIS": N_("radiologically isolated syndrome"),
    "suspected": N_("suspected MS, not yet confirmed"),
}
STRENGTH_LABELS: Final = {
    "hard": N_("Required"),
    "soft": N_("Preferred"),
    "case_by_case": N_("Case by case"),
}
TAG_LABELS: Final = {
    "V": N_("Verified in the source"),
    "P": N_("Partly verified"),
    "U": N_("Not verified"),
    "GAP": N_("Looked for, not found"),
}
ROLE_LABELS: Final = {
    "haematologist": N_("haematologist"),
    "neurologist": N_("neurologist"),
    "transplant_physician": N_("transplant physician"),
    "programme_lead": N_("programme lead"),
}
RECORD_LABELS: Final = {
    "mri_report": N_("MRI report"),
    "neurology_report": N_("neurologist's report"),
    "edss": N_("EDSS score"),
    "drug_history": N_("history of MS drugs"),
    "blood_tests": N_("blood tests"),
    "medical_records": N_("medical records"),
    "questionnaire": N_("the clinic's questionnaire"),
    "video_assessment": N_("a video assessment"),
}
LAB_TEST_LABELS: Final = {
    "neutrophils": N_("neutrophils"),
    "lymphocytes": N_("lymphocytes"),
}
MEASURE_LABELS: Final = {
    "NEDA": N_("free of any disease activity (NEDA)"),
    "PFS": N_("free of confirmed disability progression"),
    "RFS": N_("free of relapses"),
    "EFS": N_("free of any event (relapse, progression, MRI activity)"),
    "OS": N_("alive"),
    "MRI_activity_free": N_("free of new MRI activity"),
    "worsening_free": N_("free of confirmed disability worsening"),
    "activity_free": N_("free of MS activity"),
    "progression": N_("with confirmed disability progression"),
}
POPULATION_LABELS: Final = {
    "all": N_("all patients"),
    "RRMS": N_("relapsing-remitting MS"),
    "progressive": N_("progressive MS"),
    "SPMS": N_("secondary-progressive MS"),
    "PPMS": N_("primary-progressive MS"),
}
DESIGN_LABELS: Final = {
    "rct": N_("randomised trial"),
    "cohort": N_("cohort"),
    "meta_analysis": N_("meta-analysis"),
    "case_series": N_("case series"),
    "phase2": N_("phase 2 trial"),
}
PARAMETER_LABELS: Final = {
    "age": N_("Age"),
    "edss": N_("EDSS"),
    "ms_type": N_("MS type"),
    "disease_duration_years": N_("Years since diagnosis"),
    "years_since_onset": N_("Years since the first symptoms"),
    "years_since_first_dmt": N_("Years since the first MS drug"),
    "relapses_last_12m": N_("Relapses in the last 12 months"),
    "relapses_last_24m": N_("Relapses in the last 24 months"),
    "relapses_last_36m": N_("Relapses in the last 36 months"),
    "relapses_on_dmt_last_12m": N_("Relapses on an MS drug in the last 12 months"),
    "gd_enhancing_lesions_last_12m": N_("Enhancing MRI lesions in the last 12 months"),
    "new_t2_lesions_last_12m": N_("New T2 lesions in the last 12 months"),
    "mri_activity_last_12m": N_("New or enhancing MRI lesions in the last 12 months"),
    "mri_activity_last_24m": N_("New or enhancing MRI lesions in the last 24 months"),
    "activity_episodes_last_36m": N_(
        "Episodes of activity (relapses or MRI) in the last 36 months"
    ),
    "disability_worsening_last_12m": N_("Disability worsened in the last 12 months"),
    "edss_increase_last_24m": N_("EDSS increase in the last 24 months"),
    "failed_dmts": N_("MS drugs that failed"),
    "failed_high_efficacy_dmts": N_("High-efficacy MS drugs that failed"),
    "months_on_high_efficacy_dmt": N_("Months on a high-efficacy MS drug"),
    "treatment_naive": N_("Never treated with an MS drug"),
    "csf_oligoclonal_bands": N_("Oligoclonal bands in the spinal fluid"),
    "prior_hsct": N_("Had aHSCT before"),
    "confirmed_ms_diagnosis": N_("MS diagnosis confirmed (McDonald criteria)"),
    "disease_active": N_("MS active (relapses or new MRI lesions in the last 12 months)"),
    "disease_worsening": N_("Progressive MS worsening (disability increasing)"),
}
OPERATOR_TEMPLATES: Final = {
    "<": N_("{parameter}: under {value}"),
    "<=": N_("{parameter}: {value} or less"),
    ">": N_("{parameter}: over {value}"),
    ">=": N_("{parameter}: at least {value}"),
    "==": N_("{parameter}: {value}"),
    "between": N_("{parameter}: {low} to {high}"),
    "in": N_("{parameter}: {values}"),
    "is_true": N_("{parameter}: yes"),
    "is_false": N_("{parameter}: no"),
}
ANY_OF: Final = N_("At least one of these:")
ALL_OF: Final = N_("All of these:")
CONDITION: Final = N_("Applies if {condition}")
CLINIC_CHECK: Final = N_("Checked by the clinic")
OR_JOIN: Final = N_("{items} or {last}")


@dataclass(frozen=True, slots=True)
class Description:
    """A criterion in words: its text, the condition it applies under, its parts."""

    text: str
    condition: str | None
    parts: tuple[Description, ...]
    quote: str | None


def format_value(parameter: str, value: Any) -> str:
    """A threshold as people write it (EDSS 6.0, age 45)."""
    if parameter == "edss":
        return format_step(float(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _join_or(items: list[str], gettext: Gettext) -> str:
    if len(items) == 1:
        return items[0]
    return gettext(OR_JOIN).format(items=", ".join(items[:-1]), last=items[-1])


def describe_test(
    parameter: str, operator: str, threshold: Any, gettext: Gettext = _identity
) -> str:
    """One parameter test in words, in the language of ``gettext``."""
    label = gettext(PARAMETER_LABELS[parameter])
    template = gettext(OPERATOR_TEMPLATES[operator])
    if operator == "between":
        return template.format(
            parameter=label,
            low=format_value(parameter, threshold[0]),
            high=format_value(parameter, threshold[1]),
        )
    if operator == "in":
        names = [gettext(MS_TYPE_LABELS.get(item, str(item))) for item in threshold]
        return template.format(parameter=label, values=_join_or(names, gettext))
    if operator in ("is_true", "is_false"):
        return template.format(parameter=label)
    return template.format(parameter=label, value=format_value(parameter, threshold))


def test_message(parameter: str, operator: str, threshold: Any) -> Message:
    """One parameter test as a translatable message (for use inside other messages).

    Examples
    --------
    >>> str(test_message("ms_type", "in", ["SPMS", "PPMS"]))
    'MS type: secondary-progressive MS or primary-progressive MS'
    """
    params: dict[str, Param] = {"parameter": PARAMETER_LABELS[parameter]}
    if operator == "between":
        params["low"] = format_value(parameter, threshold[0])
        params["high"] = format_value(parameter, threshold[1])
    elif operator == "in":
        names = [MS_TYPE_LABELS.get(item, str(item)) for item in threshold]
        params["values"] = (
            names[0]
            if len(names) == 1
            else Message(
                OR_JOIN,
                {"items": _join_messages(names[:-1]), "last": names[-1]},
            )
        )
    elif operator not in ("is_true", "is_false"):
        params["value"] = format_value(parameter, threshold)
    return Message(OPERATOR_TEMPLATES[operator], params)


def _join_messages(names: list[str]) -> Param:
    """Labels joined by commas, each still translatable."""
    if len(names) == 1:
        return names[0]
    template = ", ".join(f"{{i{n}}}" for n in range(len(names)))
    return Message(template, {f"i{n}": name for n, name in enumerate(names)})


def criterion_message(criterion: Criterion) -> Message:
    """A criterion's own words as a translatable message (composites: their parts)."""
    if criterion.assessed_by == "clinic":
        return Message(CLINIC_CHECK)
    parts = criterion.any_of if criterion.any_of is not None else criterion.all_of
    if parts is not None:
        joined = [criterion_message(p) for p in parts]
        template = " / ".join(f"{{p{n}}}" for n in range(len(joined)))
        return Message(template, {f"p{n}": m for n, m in enumerate(joined)})
    assert criterion.parameter is not None  # noqa: S101 - guaranteed by the schema
    return test_message(criterion.parameter, criterion.operator or "==", criterion.threshold)


def describe_condition(condition: Condition, gettext: Gettext = _identity) -> str:
    """The "applies if" part of a criterion."""
    return describe_test(condition.parameter, condition.operator, condition.threshold, gettext)


def describe(criterion: Criterion, gettext: Gettext = _identity) -> Description:
    """A criterion in plain words, in the language of ``gettext``.

    Examples
    --------
    >>> from hsct.knowledge.schema import Criterion
    >>> describe(Criterion(id="e", parameter="edss", operator="<=", threshold=6.5)).text
    'EDSS: 6.5 or less'
    """
    condition = None
    if criterion.when is not None:
        condition = gettext(CONDITION).format(condition=describe_condition(criterion.when, gettext))
    if criterion.assessed_by == "clinic":
        return Description(gettext(CLINIC_CHECK), condition, (), criterion.text)
    if criterion.any_of is not None or criterion.all_of is not None:
        parts = criterion.any_of if criterion.any_of is not None else criterion.all_of
        heading = ANY_OF if criterion.any_of is not None else ALL_OF
        return Description(
            gettext(heading),
            condition,
            tuple(describe(part, gettext) for part in parts or ()),
            None,
        )
    assert criterion.parameter is not None  # noqa: S101 - guaranteed by the schema
    assert criterion.operator is not None  # noqa: S101 - guaranteed by the schema
    text = describe_test(criterion.parameter, criterion.operator, criterion.threshold, gettext)
    return Description(text, condition, (), None)
