"""The risks of aHSCT in plain words: dying from the treatment, what raises that risk, and
the main harms that are not fatal, each as a natural frequency with its source.

:func:`risk_summary` is pure: it reads the knowledge base (``risks.yaml``, and
``studies.yaml`` for the deaths each study counted) and the person's MS type, EDSS and age,
and returns frozen dataclasses in which every sentence is a translatable :class:`Message`.

Natural frequencies ("about 2 in 100 people") are rounded half up to whole people. A figure
that would round to 0 in 100 is given in 1,000 instead (0.19% -> "about 2 in 1,000").
When a study saw no deaths, "none of 55" is followed by the highest risk such a study is
still compatible with: Hanley's rule of three, at most about 3 in n (95% confidence, for n
over 30; Eypasch et al., BMJ 1995;311:619, source ``eypasch-1995``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Literal

from hsct.common.edss_value import format_step
from hsct.common.i18n import N_
from hsct.common.memo import ByIdentity
from hsct.common.text import Citation, Message
from hsct.knowledge.catalog import Catalog
from hsct.knowledge.evidence import check_person, type_label
from hsct.knowledge.schema import (
    Harm,
    MortalityCohort,
    RiskEvidence,
    RiskFactor,
    RiskFactorId,
    Study,
)

Applies = Literal["yes", "no", "unknown", "ask_centre"]

#: Rule of three (Eypasch 1995): with no event among n people, the risk is at most about
#: 3/n with 95% confidence; the authors give it for n over 30.
RULE_OF_THREE_SRC: Final = "eypasch-1995"
RULE_OF_THREE_MIN_N: Final = 31
INTENSITY_ORDER: Final = ("high", "intermediate", "low")

FINDINGS: Final = {
    "trm_higher_older_studies": N_(
        "In a meta-analysis of the published studies, deaths from the treatment were more "
        "common in the older studies."
    ),
    "trm_higher_fewer_rrms": N_(
        "In the same meta-analysis, deaths were more common in studies with fewer people with "
        "relapsing-remitting MS, that is with more people with progressive MS."
    ),
    "trm_higher_higher_edss": N_(
        "Deaths were also more common in studies whose patients had higher EDSS scores."
    ),
    "ideal_age": N_(
        "The ECTRIMS and EBMT recommendations (2025) see people under {value} as the ideal "
        "candidates; older people who are biologically fit are considered one by one."
    ),
    "ideal_edss": N_(
        "The same recommendations see an EDSS under {value} as ideal; a higher score can be "
        "acceptable when a recent relapse caused it."
    ),
    "death_higher_small_centres": N_(
        "In transplants for autoimmune diseases in North and South America, the risk of death "
        "was higher at centres that had done few of them."
    ),
    "pfs_better_experienced_centres": N_(
        "In the European registry, results were better at centres that had done at least {n} "
        "transplants for autoimmune diseases, and at accredited (JACIE) centres."
    ),
    "early_high_intensity_more_deaths": N_(
        "The early high-intensity regimens (busulfan or total body irradiation) caused more "
        "toxicity and more deaths from the treatment."
    ),
}
RATIO_FEWER: Final = N_(
    "Centres that had done fewer than {n} such transplants: about {ratio} times the risk of "
    "death at centres that had done more than {reference} (95% CI: {low} to {high})."
)
RATIO_BETWEEN: Final = N_(
    "Centres that had done {first} to {last}: about {ratio} times that risk (95% CI: {low} to "
    "{high})."
)
FACTOR_LABELS: Final = {
    "age": N_("Older age"),
    "progressive_ms": N_("Progressive MS"),
    "edss": N_("Higher EDSS (more disability)"),
    "centre_volume": N_("A centre that has done few transplants"),
}
REASONS: Final = {
    ("age", "yes"): N_("You are {value}; the recommendations' ideal age is under {limit}."),
    ("age", "no"): N_("You are {value}, under {limit}."),
    ("age", "unknown"): N_("Your age was not given."),
    ("edss", "yes"): N_("Your EDSS is {value}; the ideal is under {limit}."),
    ("edss", "no"): N_("Your EDSS is {value}, under {limit}."),
    ("edss", "unknown"): N_("Your EDSS was not given."),
    ("progressive_ms", "yes"): N_("You have {value}."),
    ("progressive_ms", "no"): N_("You have {value}, which is not progressive."),
    ("progressive_ms", "unknown"): N_("Your MS type was not given."),
    ("centre_volume", "ask_centre"): N_(
        "This depends on the centre: ask how many people with MS it has treated with aHSCT, "
        "and whether it is accredited (JACIE)."
    ),
}
POOLED: Final = {
    100: N_(
        "Risk of dying from the treatment: about {n} in 100 people (between {low} and {high})."
    ),
    1000: N_(
        "Risk of dying from the treatment: about {n} in 1,000 people (between {low} and {high})."
    ),
}
POOLED_PER_1000: Final = N_(
    "Out of 1,000 people treated, about {n} died of causes related to the treatment."
)
POOLED_BASIS: Final = N_(
    "Pooled from {studies} studies with {patients} people treated from {first} to {last}."
)
DEATHS: Final = {
    100: N_(
        "{deaths} of {patients} people died of causes related to the treatment (about {n} in 100)."
    ),
    1000: N_(
        "{deaths} of {patients} people died of causes related to the treatment (about {n} "
        "in 1,000)."
    ),
}
NO_DEATHS: Final = N_("None of {patients} people died of causes related to the treatment.")
UPPER: Final = {
    100: N_(
        "With no deaths among {patients} people, the risk could still be up to about {n} in 100."
    ),
    1000: N_(
        "With no deaths among {patients} people, the risk could still be up to about {n} in 1,000."
    ),
}
PERIOD: Final = {
    (True, True): N_("treated {first} to {last}"),
    (False, True): N_("treated up to {last}"),
    (True, False): N_("treated from {first}"),
}
CAVEAT: Final = N_(
    "These studies differ in who was treated, when and where, so they do not compare the "
    "regimens like for like."
)
HARM_WORDS: Final = {
    "febrile_neutropenia": N_(
        "fever while their white blood cells were very low (febrile neutropenia)"
    ),
    "sepsis": N_("a blood infection (sepsis)"),
    "zoster": N_("shingles (herpes zoster)"),
    "hypothyroidism": N_("an underactive thyroid"),
    "hyperthyroidism": N_("an overactive thyroid (including Graves' disease)"),
    "itp": N_("a low platelet count caused by the immune system (ITP)"),
    "neurological_worsening": N_("a temporary worsening of their MS symptoms"),
}
HARM_GROUPS: Final = {
    "beam_atg": N_("with BEAM + ATG"),
    "alemtuzumab": N_("with alemtuzumab in the regimen"),
    "no_alemtuzumab": N_("with regimens without alemtuzumab"),
    "low_intensity_moscow": N_("low-intensity regimens in Moscow"),
}
HARM_KINDS: Final = {
    "infection": N_("Serious infection"),
    "autoimmunity": N_("New autoimmune disease (secondary autoimmunity)"),
    "fertility": N_("Fertility"),
    "neurological": N_("Temporary worsening"),
}
HARM: Final = {
    (False, 100): N_("Out of 100 people, about {n} had {harm}."),
    (False, 1000): N_("Out of 1,000 people, about {n} had {harm}."),
    (True, 100): N_("Out of 100 people ({group}), about {n} had {harm}."),
    (True, 1000): N_("Out of 1,000 people ({group}), about {n} had {harm}."),
}
HARM_UP_TO: Final = N_("Out of 100 people ({group}), up to about {n} had {harm}.")
PERIODS: Final = {
    (False, False): N_(
        "Out of 100 women, about {n} had their periods back after the treatment; about {rest} "
        "did not."
    ),
    (True, True): N_(
        "Out of 100 women aged {low} to {high}, about {n} had their periods back after the "
        "treatment; about {rest} did not."
    ),
    (False, True): N_(
        "Out of 100 women aged {high} or younger, about {n} had their periods back after the "
        "treatment; about {rest} did not."
    ),
}
PERIODS_ALL: Final = N_(
    "Women aged {high} or younger: all had their periods back after the treatment."
)


def round_half_up(value: float) -> int:
    """Round to a whole number, halves upwards (2.5 -> 3), unlike Python's ``round``.

    >>> round_half_up(2.5), round_half_up(2.1), round_half_up(0.49)
    (3, 2, 0)
    """
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Frequency:
    """A percentage as a natural frequency: about ``count`` out of ``per`` people."""

    count: int
    per: int


def natural_frequency(percent: float) -> Frequency:
    """Out of 100 people; out of 1,000 when that would round to 0 in 100 (but not 0%).

    >>> natural_frequency(2.1), natural_frequency(0.19), natural_frequency(0.0)
    (Frequency(count=2, per=100), Frequency(count=2, per=1000), Frequency(count=0, per=100))
    """
    count = round_half_up(percent)
    if count == 0 and percent > 0:
        return Frequency(round_half_up(percent * 10), 1000)
    return Frequency(count, 100)


def _in(per: int, percent: float) -> int:
    """``percent`` as a count out of ``per`` people."""
    return round_half_up(percent * per / 100)


@dataclass(frozen=True, slots=True)
class Sourced:
    """A sentence, its source and how well it was checked (the dossier's V/P/U tag)."""

    message: Message
    src: str
    citation: Citation
    tag: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class PooledRisk:
    """The pooled risk of dying from the treatment, with its 95% confidence interval."""

    percent: float
    ci_low: float | None
    ci_high: float | None
    frequency: Frequency
    interval: tuple[int, int] | None
    per_1000: int
    headline: Message
    per_1000_text: Message
    basis: Message
    study: Study
    src: str
    citation: Citation
    tag: str


@dataclass(frozen=True, slots=True)
class CohortDeaths:
    """Deaths from the treatment in one study, with its years and regimen intensity.

    ``upper`` is the highest risk a study with no deaths is still compatible with (rule of
    three), None when there were deaths or too few people.
    """

    study: Study
    deaths: int
    patients: int
    frequency: Frequency
    intensity: str | None
    treated_from: int | None
    treated_to: int | None
    message: Message
    period: Message | None
    upper: Frequency | None
    upper_text: Message | None
    upper_citation: Citation | None
    src: str
    citation: Citation
    tag: str


@dataclass(frozen=True, slots=True)
class FactorView:
    """A factor that raises the risk of death, and whether it applies to the person.

    ``applies``: ``yes``, ``no``, ``unknown`` (the person's value was not given) or
    ``ask_centre`` (it depends on the centre, not on the person).
    """

    id: RiskFactorId
    label: Message
    applies: Applies
    reason: Message
    evidence: tuple[Sourced, ...]
    threshold: float | None
    threshold_citation: Citation | None


@dataclass(frozen=True, slots=True)
class HarmView:
    """A harm that is not fatal, as a natural frequency, with its source."""

    harm: Harm
    kind: Message
    frequency: Frequency
    message: Message
    citation: Citation


@dataclass(frozen=True, slots=True)
class RiskSummary:
    """Everything an assessment says about risk, for the person's MS type, EDSS and age."""

    pooled: PooledRisk
    era_findings: tuple[Sourced, ...]
    older: tuple[CohortDeaths, ...]
    recent: tuple[CohortDeaths, ...]
    intensity_findings: tuple[Sourced, ...]
    by_intensity: tuple[CohortDeaths, ...]
    caveat: Message
    factors: tuple[FactorView, ...]
    harms: tuple[HarmView, ...]

    @property
    def your_factors(self) -> tuple[FactorView, ...]:
        """The factors that apply to the person."""
        return tuple(f for f in self.factors if f.applies == "yes")

    @property
    def citations(self) -> tuple[Citation, ...]:
        """Every source the summary cites, once each, in order of first use."""
        found: dict[str, Citation] = {}
        for item in self._cited():
            found.setdefault(item[0], item[1])
        return tuple(found.values())

    def _cited(self) -> list[tuple[str, Citation]]:
        cited = [(self.pooled.src, self.pooled.citation)]
        cited += [(s.src, s.citation) for s in (*self.era_findings, *self.intensity_findings)]
        for cohort in (*self.older, *self.recent, *self.by_intensity):
            cited.append((cohort.src, cohort.citation))
            if cohort.upper_citation is not None:
                cited.append((RULE_OF_THREE_SRC, cohort.upper_citation))
        for factor in self.factors:
            cited += [(s.src, s.citation) for s in factor.evidence]
        cited += [(h.harm.src, h.citation) for h in self.harms]
        return cited


def _number(value: float) -> str:
    return f"{value:g}"


def _sourced(catalog: Catalog, evidence: RiskEvidence, value: str | None) -> list[Sourced]:
    """The finding's sentence, then one sentence per centre-volume ratio.

    ``value`` is the factor's threshold as written (age "45", EDSS "6.0").
    """
    params: dict[str, str | int] = {}
    if "{value}" in FINDINGS[evidence.finding]:
        params["value"] = value or ""
    if evidence.min_transplants is not None:
        params["n"] = evidence.min_transplants
    citation = catalog.citation(evidence.src)
    lines = [
        Sourced(
            Message(FINDINGS[evidence.finding], params),
            evidence.src,
            citation,
            evidence.tag,
            evidence.note,
        )
    ]
    for ratio in evidence.ratios:
        interval = {
            "ratio": _number(ratio.ratio),
            "low": "" if ratio.ci_low is None else _number(ratio.ci_low),
            "high": "" if ratio.ci_high is None else _number(ratio.ci_high),
        }
        if ratio.min_transplants is None:
            message = Message(
                RATIO_FEWER,
                {
                    **interval,
                    "n": ratio.max_transplants + 1,
                    "reference": evidence.reference_above or 0,
                },
            )
        else:
            message = Message(
                RATIO_BETWEEN,
                {**interval, "first": ratio.min_transplants, "last": ratio.max_transplants},
            )
        lines.append(Sourced(message, evidence.src, citation, evidence.tag))
    return lines


def _pooled(catalog: Catalog) -> PooledRisk:
    pooled = catalog.risks.pooled
    study = catalog.studies[pooled.study]
    mortality = study.mortality
    assert mortality is not None  # noqa: S101 - checked when the catalog loads
    frequency = natural_frequency(mortality.percent)
    interval = None
    if mortality.ci_low is not None and mortality.ci_high is not None:
        interval = (
            _in(frequency.per, mortality.ci_low),
            _in(frequency.per, mortality.ci_high),
        )
    low, high = interval if interval else ("", "")
    per_1000 = _in(1000, mortality.percent)
    return PooledRisk(
        percent=mortality.percent,
        ci_low=mortality.ci_low,
        ci_high=mortality.ci_high,
        frequency=frequency,
        interval=interval,
        per_1000=per_1000,
        headline=Message(POOLED[frequency.per], {"n": frequency.count, "low": low, "high": high}),
        per_1000_text=Message(POOLED_PER_1000, {"n": per_1000}),
        basis=Message(
            POOLED_BASIS,
            {
                "studies": pooled.studies,
                "patients": study.n or 0,
                "first": pooled.first_year,
                "last": pooled.last_year,
            },
        ),
        study=study,
        src=pooled.src,
        citation=catalog.citation(pooled.src),
        tag=pooled.tag,
    )


def _cohort(catalog: Catalog, cohort: MortalityCohort) -> CohortDeaths:
    study = catalog.studies[cohort.study]
    mortality = study.mortality
    assert mortality is not None  # noqa: S101 - checked when the catalog loads
    deaths, patients = mortality.deaths or 0, mortality.patients or 1
    frequency = natural_frequency(100 * deaths / patients)
    upper = upper_text = upper_citation = None
    if deaths:
        message = Message(
            DEATHS[frequency.per],
            {"deaths": deaths, "patients": patients, "n": frequency.count},
        )
    else:
        message = Message(NO_DEATHS, {"patients": patients})
        if patients >= RULE_OF_THREE_MIN_N:
            upper = natural_frequency(300 / patients)
            upper_text = Message(UPPER[upper.per], {"patients": patients, "n": upper.count})
            upper_citation = catalog.citation(RULE_OF_THREE_SRC)
    years = (cohort.treated_from is not None, cohort.treated_to is not None)
    period = (
        Message(
            PERIOD[years], {"first": cohort.treated_from or "", "last": cohort.treated_to or ""}
        )
        if any(years)
        else None
    )
    return CohortDeaths(
        study=study,
        deaths=deaths,
        patients=patients,
        frequency=frequency,
        intensity=study.intensity[0] if len(study.intensity) == 1 else None,
        treated_from=cohort.treated_from,
        treated_to=cohort.treated_to,
        message=message,
        period=period,
        upper=upper,
        upper_text=upper_text,
        upper_citation=upper_citation,
        src=cohort.src,
        citation=catalog.citation(cohort.src),
        tag=cohort.tag,
    )


def _applies(
    factor: RiskFactor, ms_type: str | None, edss: float | None, age: float | None
) -> tuple[Applies, Message]:
    """Whether the factor applies to the person, and why, in words."""
    limit = factor.threshold.value if factor.threshold else None
    if factor.id == "centre_volume":
        return "ask_centre", Message(REASONS[("centre_volume", "ask_centre")])
    if factor.id == "progressive_ms":
        if ms_type is None:
            return "unknown", Message(REASONS[("progressive_ms", "unknown")])
        progressive = ms_type == "progressive" or ms_type in factor.ms_types
        state: Applies = "yes" if progressive else "no"
        return state, Message(REASONS[("progressive_ms", state)], {"value": type_label(ms_type)})
    value = age if factor.id == "age" else edss
    if value is None or limit is None:
        return "unknown", Message(REASONS[(factor.id, "unknown")])
    shown = format_step if factor.id == "edss" else _number
    state = "yes" if value >= limit else "no"
    return state, Message(
        REASONS[(factor.id, state)], {"value": shown(value), "limit": shown(limit)}
    )


def _factor_fixed(
    catalog: Catalog, factor: RiskFactor
) -> tuple[Message, tuple[Sourced, ...], float | None, Citation | None]:
    """A factor's label, evidence and threshold: the same for everyone."""
    threshold = factor.threshold
    shown = None
    if threshold is not None:
        shown = (format_step if factor.id == "edss" else _number)(threshold.value)
    return (
        Message(FACTOR_LABELS[factor.id]),
        tuple(line for evidence in factor.evidence for line in _sourced(catalog, evidence, shown)),
        threshold.value if threshold else None,
        catalog.citation(threshold.src) if threshold else None,
    )


#: Each factor's person-independent parts, once per catalogue (by factor id).
_factors_fixed: ByIdentity[
    Catalog, dict[str, tuple[Message, tuple[Sourced, ...], float | None, Citation | None]]
] = ByIdentity(lambda catalog: {f.id: _factor_fixed(catalog, f) for f in catalog.risks.factors})


def _factor(
    catalog: Catalog,
    factor: RiskFactor,
    ms_type: str | None,
    edss: float | None,
    age: float | None,
) -> FactorView:
    applies, reason = _applies(factor, ms_type, edss, age)
    label, evidence, threshold, citation = _factors_fixed(catalog)[factor.id]
    return FactorView(
        id=factor.id,
        label=label,
        applies=applies,
        reason=reason,
        evidence=evidence,
        threshold=threshold,
        threshold_citation=citation,
    )


def harm_message(harm: Harm) -> tuple[Frequency, Message]:
    """A harm as a natural frequency and a sentence."""
    frequency = natural_frequency(harm.percent)
    if harm.what == "periods_back":
        rest = 100 - frequency.count
        low = "" if harm.age_min is None else harm.age_min
        high = "" if harm.age_max is None else harm.age_max
        if rest == 0 and harm.age_max is not None and harm.age_min is None:
            return frequency, Message(PERIODS_ALL, {"high": high})
        key = (harm.age_min is not None, harm.age_max is not None)
        return frequency, Message(
            PERIODS[key], {"n": frequency.count, "rest": rest, "low": low, "high": high}
        )
    words = HARM_WORDS[harm.what]
    grouped = harm.group not in ("all", "women")
    group = HARM_GROUPS[harm.group] if grouped else ""
    if harm.percent_low is not None and frequency.per == 100:
        return frequency, Message(HARM_UP_TO, {"group": group, "n": frequency.count, "harm": words})
    params: dict[str, str | int] = {"n": frequency.count, "harm": words}
    if grouped:
        params["group"] = group
    return frequency, Message(HARM[(grouped, frequency.per)], params)


def _harm(catalog: Catalog, harm: Harm) -> HarmView:
    frequency, message = harm_message(harm)
    return HarmView(
        harm=harm,
        kind=Message(HARM_KINDS[harm.kind]),
        frequency=frequency,
        message=message,
        citation=catalog.citation(harm.src),
    )


def risk_summary(
    catalog: Catalog, *, ms_type: str | None, edss: float | None, age: float | None
) -> RiskSummary:
    """The risk of dying from aHSCT and its main harms, with the person's own factors marked.

    ``ms_type`` may also be ``"progressive"`` (either progressive type). Raises
    :class:`~hsct.common.errors.InvalidInput` for values that cannot be used.
    """
    check_person(ms_type=ms_type, edss=edss, age=age)
    general = _general_summary(catalog)
    factors = tuple(_factor(catalog, f, ms_type, edss, age) for f in catalog.risks.factors)
    return dataclasses.replace(general, factors=factors)


def _general(catalog: Catalog) -> RiskSummary:
    """Everything that does not depend on the person (cached per catalogue below)."""
    risks = catalog.risks

    def findings(evidence: tuple[RiskEvidence, ...]) -> tuple[Sourced, ...]:
        return tuple(line for e in evidence for line in _sourced(catalog, e, None))

    by_intensity = sorted(
        (_cohort(catalog, c) for c in risks.intensity.cohorts),
        key=lambda c: INTENSITY_ORDER.index(c.intensity or "low"),
    )
    return RiskSummary(
        pooled=_pooled(catalog),
        era_findings=findings(risks.era.evidence),
        older=tuple(_cohort(catalog, c) for c in risks.era.older),
        recent=tuple(_cohort(catalog, c) for c in risks.era.recent),
        intensity_findings=findings(risks.intensity.evidence),
        by_intensity=tuple(by_intensity),
        caveat=Message(CAVEAT),
        factors=(),
        harms=tuple(_harm(catalog, h) for h in risks.harms),
    )


_general_summary: ByIdentity[Catalog, RiskSummary] = ByIdentity(_general)


def _sourced_dict(line: Sourced) -> dict[str, Any]:
    return {
        "text": line.message.to_dict(),
        "source": line.citation.to_dict(),
        "tag": line.tag,
        "note": line.note,
    }


#: A factor's label and evidence lines as JSON, once per (catalogue-kept) object; shared
#: between answers and never changed.
_message_dict: ByIdentity[Message, dict[str, Any]] = ByIdentity(Message.to_dict)
_sourced_dict_of: ByIdentity[Sourced, dict[str, Any]] = ByIdentity(_sourced_dict)


def _cohort_dict(cohort: CohortDeaths) -> dict[str, Any]:
    return {
        "study": cohort.study.id,
        "label": cohort.study.label,
        "deaths": cohort.deaths,
        "patients": cohort.patients,
        "count": cohort.frequency.count,
        "per": cohort.frequency.per,
        "intensity": cohort.intensity,
        "treated_from": cohort.treated_from,
        "treated_to": cohort.treated_to,
        "text": cohort.message.to_dict(),
        "period": None if cohort.period is None else cohort.period.to_dict(),
        "upper": None
        if cohort.upper is None or cohort.upper_text is None or cohort.upper_citation is None
        else {
            "count": cohort.upper.count,
            "per": cohort.upper.per,
            "text": cohort.upper_text.to_dict(),
            "source": cohort.upper_citation.to_dict(),
        },
        "source": cohort.citation.to_dict(),
        "tag": cohort.tag,
    }


def risk_dict(summary: RiskSummary) -> dict[str, Any]:
    """Plain data for JSON: every figure, its sentence (with template) and its source.

    The parts that do not depend on the person are built once per summary of the catalogue
    (shared, never changed) and only the person's factors are built each time.
    """
    return {
        **_general_dict(summary),
        "factors": [
            {
                "id": f.id,
                "label": _message_dict(f.label),
                "applies": f.applies,
                "reason": f.reason.to_dict(),
                "threshold": f.threshold,
                "evidence": [_sourced_dict_of(s) for s in f.evidence],
            }
            for f in summary.factors
        ],
    }


_GENERAL_DICTS: dict[int, tuple[PooledRisk, dict[str, Any]]] = {}


def _general_dict(summary: RiskSummary) -> dict[str, Any]:
    """The person-independent part as JSON, built once per catalogue (keyed by the shared
    ``pooled`` part of its summary) and never changed afterwards."""
    found = _GENERAL_DICTS.get(id(summary.pooled))
    if found is not None and found[0] is summary.pooled:
        return found[1]
    pooled = summary.pooled
    general = {
        "pooled": {
            "percent": pooled.percent,
            "ci_low": pooled.ci_low,
            "ci_high": pooled.ci_high,
            "count": pooled.frequency.count,
            "per": pooled.frequency.per,
            "interval": None if pooled.interval is None else list(pooled.interval),
            "per_1000": pooled.per_1000,
            "text": pooled.headline.to_dict(),
            "per_1000_text": pooled.per_1000_text.to_dict(),
            "basis": pooled.basis.to_dict(),
            "source": pooled.citation.to_dict(),
            "tag": pooled.tag,
        },
        "era": {
            "findings": [_sourced_dict(s) for s in summary.era_findings],
            "older": [_cohort_dict(c) for c in summary.older],
            "recent": [_cohort_dict(c) for c in summary.recent],
        },
        "intensity": {
            "findings": [_sourced_dict(s) for s in summary.intensity_findings],
            "cohorts": [_cohort_dict(c) for c in summary.by_intensity],
            "caveat": summary.caveat.to_dict(),
        },
        "harms": [
            {
                "id": h.harm.id,
                "kind": h.harm.kind,
                "what": h.harm.what,
                "group": h.harm.group,
                "percent": h.harm.percent,
                "percent_low": h.harm.percent_low,
                "count": h.frequency.count,
                "per": h.frequency.per,
                "text": h.message.to_dict(),
                "source": h.citation.to_dict(),
                "tag": h.harm.tag,
                "note": h.harm.note,
            }
            for h in summary.harms
        ],
    }
    _GENERAL_DICTS[id(pooled)] = (pooled, general)
    return general
