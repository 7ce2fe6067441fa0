"""Knowledge base API: facilities, rule sets, drugs, regimens, studies, risks, legitimacy."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from hsct.common.errors import NotFound
from hsct.common.text import Citation
from hsct.eligibility.directory import directory_search
from hsct.knowledge import (
    QUESTIONS,
    Catalog,
    DirectoryQuery,
    compare,
    rate,
    rate_facility,
)
from hsct.knowledge.directory import SortKey
from hsct.knowledge.evidence import match_studies, matches_dict
from hsct.knowledge.export import entry_dict, facility_dict, rating_dict
from hsct.knowledge.labels import INTENSITY_LABELS, MS_TYPE_LABELS, STATUS_LABELS, describe
from hsct.knowledge.legitimacy import (
    PRICE_FAR_BELOW_SHARE,
    QUESTION_IDS,
    PriceQuote,
    Rating,
    RegulatorRoute,
    facility_cautions,
    patient_guide,
    report_routes,
)
from hsct.knowledge.risk import risk_dict, risk_summary
from hsct.knowledge.schema import (
    CostQuote,
    Drug,
    ExchangeRates,
    Facility,
    Regimen,
    RuleSet,
    Source,
    Study,
)
from hsct.web.api.schemas import MessageOut, ValidationProblem
from hsct.web.deps import CatalogDep

TAG = "knowledge"
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such item"}}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ValidationProblem, "description": "A filter value cannot be used"}
}


class LimitsOut(BaseModel):
    """Limits read from the facility's own criteria (null: not stated)."""

    ms_types: list[str] | None
    edss_max: float | None
    edss_soft_max: float | None = Field(description="Above this, only soft or case by case.")
    age_min: float | None
    age_max: float | None


class CitationOut(BaseModel):
    """A source and its date."""

    label: str
    date: str
    url: str | None
    doi: str | None


class FlagOut(BaseModel):
    """A warning sign or safeguard, why it matters, and the sources of the rule."""

    id: str
    hard: bool = False
    reason: str
    sources: list[CitationOut]
    evidence: CitationOut | None = Field(description="Where the facility fact came from.")


class RatingOut(BaseModel):
    """Legitimacy verdict with its reasons and the questions still to ask."""

    verdict: Literal[
        "not_ahsct",
        "serious_concerns",
        "some_concerns",
        "unclear",
        "check_more",
        "consistent_with_ahsct",
    ]
    summary: str
    red_flags: list[FlagOut]
    green_flags: list[FlagOut]
    questions_to_ask: list[str]


class CautionOut(BaseModel):
    """Something to check about a facility before going further, with its sources."""

    id: str = Field(
        description="status_closed, status_historical, status_not_confirmed, "
        "no_transplant_accreditation, edss_beyond_guidelines or age_beyond_guidelines."
    )
    message: str
    sources: list[CitationOut] = Field(description="Where the rule comes from.")
    evidence: list[CitationOut] = Field(description="Where the facility's facts came from.")


class CriterionOut(BaseModel):
    """A criterion as data, with a plain-words description."""

    model_config = ConfigDict(extra="allow")

    id: str
    description: str


class FacilityOut(Facility):
    """A facility with its limits, regimen intensities, criteria, legitimacy and cautions."""

    limits: LimitsOut
    intensities: list[str]
    criteria: list[CriterionOut]
    legitimacy: RatingOut
    cautions: list[CautionOut] = Field(
        description="Closed or unconfirmed programme, no JACIE or FACT accreditation found, "
        "EDSS or age limits beyond every guideline; most important first."
    )


class DirectoryEntryOut(BaseModel):
    """One facility as the directory lists it."""

    id: str
    name: str
    country: str
    city: str
    status: str | None
    ms_types: list[str] | None
    edss_max: float | None
    edss_soft_max: float | None
    age_min: float | None
    age_max: float | None
    intensities: list[str]
    price: CostQuote | None = Field(description="The lowest treatment price, as quoted.")
    price_converted: int | None = Field(description="Approximately, in the requested currency.")
    currency: str
    matches: dict[str, str] = Field(description="Per filter: yes, case_by_case or not_stated.")
    legitimacy: str


class RuleSetOut(RuleSet):
    """A rule set with its criteria resolved (inherited ones first) and described."""

    resolved_criteria: list[CriterionOut]


class RegimenOut(Regimen):
    """A regimen and the listed facilities that use it."""

    facilities: list[str]


class QuestionOut(BaseModel):
    """A legitimacy question and its allowed answers."""

    id: str
    text: str
    kind: Literal["choice", "price", "country"] = Field(
        description="choice: one of the choices; price: an amount and an ISO currency code "
        "('15000 USD') or 'unsure'; country: an ISO country code from the choices, 'other' "
        "or 'unsure'."
    )
    choices: list[str]


class DocumentedPriceOut(BaseModel):
    """A treatment price documented for a listed programme, as quoted."""

    facility_id: str
    facility_name: str
    amount: float
    amount_max: float | None
    currency: str
    year: int | None = Field(description="The year of the quote; null when not stated.")
    what: str | None
    in_euros: float = Field(description="About, at the bundled ECB rates (lower end).")
    source: CitationOut


class PriceCheckOut(BaseModel):
    """The price asked beside the prices documented for real aHSCT."""

    amount: float
    currency: str
    in_euros: float | None = Field(description="Null without a rate for the currency.")
    status: Literal["far_below", "below_lowest", "not_below", "not_comparable"] = Field(
        description="far_below (a warning sign): less than far_below_share of the lowest "
        "documented price; below_lowest: below every documented price, not that far; "
        "not_below: at or above the lowest; not_comparable: no rate or no documented price."
    )
    far_below_share: float
    lowest: DocumentedPriceOut | None
    highest: DocumentedPriceOut | None
    rates: CitationOut
    sources: list[CitationOut] = Field(description="Where the rule comes from.")


class RegulatorOut(BaseModel):
    """A regulator to check a clinic with and to report it to."""

    id: str
    name: str
    countries: list[str]
    how: str
    report: CitationOut | None = Field(
        description="Its reporting page; null when no reporting page could be confirmed."
    )
    warning: str | None = Field(description="A warning it gave about unproven cell treatments.")
    sources: list[CitationOut]
    warning_sources: list[CitationOut]


class CountryCheckOut(BaseModel):
    """What the clinic's country tells (never a flag): its regulator and listed programmes."""

    country: str
    regulator: RegulatorOut | None
    listed_facilities: list[str]


class LegitimacyOut(RatingOut):
    """The verdict from answers, the price and country checks, and where to report."""

    answered: int = Field(description="Questions answered other than 'unsure'.")
    price: PriceCheckOut | None
    country: CountryCheckOut | None
    report: list[RegulatorOut] = Field(
        description="Every regulator to report a suspect clinic to; the clinic's country's first."
    )
    patient_guide: CitationOut = Field(
        description="The ISSCR's patient guide, A Closer Look at Stem Cells."
    )


class LegitimacyIn(BaseModel):
    """Answers to the legitimacy questions, by question id ("unsure" or missing = unknown)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "answers": {
                        "chemotherapy": "no",
                        "cells": "mesenchymal",
                        "duration": "hours_or_days",
                    }
                }
            ]
        },
    )

    answers: dict[str, str] = Field(
        json_schema_extra={"propertyNames": {"enum": list(QUESTION_IDS)}},
        description="Answer by question id (see GET /api/v1/legitimacy/questions).",
    )


PersonType = Literal["RRMS", "SPMS", "PPMS", "CIS", "RIS", "suspected", "progressive"]
IntensityQuery = Literal["high", "intermediate", "low"]
TYPE_QUERY = Query(description="Your MS type; 'progressive' means SPMS or PPMS.")
EDSS_QUERY = Query(description="Your EDSS (0, or 1.0 to 10 in steps of 0.5).")
AGE_QUERY = Query(gt=0, le=120, description="Your age in years.")


class StudyMatchOut(BaseModel):
    """A study, its figures for your population, and why it does not match (if so)."""

    id: str
    label: str
    design: str
    n: int | None
    ms_types: list[str]
    intensity: list[str]
    age: dict[str, float | None] | None
    edss: dict[str, float | None] | None
    age_range_reported: bool
    edss_range_reported: bool
    headlines: list[MessageOut]
    mortality_percent: float | None
    reasons: list[MessageOut] = Field(description="Why it does not match; empty when it does.")
    source: CitationOut
    tag: str


class StudyMatchesOut(BaseModel):
    """Studies whose population includes you, and the others with their reasons."""

    populations: list[str] = Field(description="Outcome populations shown for your MS type.")
    not_compared: list[MessageOut] = Field(description="Your values not given, not compared.")
    matching: list[StudyMatchOut]
    other: list[StudyMatchOut]


class SourcedOut(BaseModel):
    """A sentence with its source and verification tag (V, P, U)."""

    text: MessageOut
    source: CitationOut
    tag: str
    note: str | None


class UpperOut(BaseModel):
    """With no deaths in a study, the highest risk it is still compatible with."""

    count: int
    per: int
    text: MessageOut
    source: CitationOut


class CohortOut(BaseModel):
    """Treatment-related deaths in one study, as a natural frequency."""

    study: str
    label: str
    deaths: int
    patients: int
    count: int
    per: int
    intensity: str | None
    treated_from: int | None
    treated_to: int | None
    text: MessageOut
    period: MessageOut | None
    upper: UpperOut | None
    source: CitationOut
    tag: str


class PooledOut(BaseModel):
    """The pooled risk of dying from the treatment: ``count`` in ``per`` people."""

    percent: float
    ci_low: float | None
    ci_high: float | None
    count: int
    per: int
    interval: list[int] | None
    per_1000: int
    text: MessageOut
    per_1000_text: MessageOut
    basis: MessageOut
    source: CitationOut
    tag: str


class EraOut(BaseModel):
    """How the risk changed over time."""

    findings: list[SourcedOut]
    older: list[CohortOut]
    recent: list[CohortOut]


class IntensityOut(BaseModel):
    """The risk by regimen intensity."""

    findings: list[SourcedOut]
    cohorts: list[CohortOut]
    caveat: MessageOut


class FactorOut(BaseModel):
    """What raises the risk of dying, and whether it applies to you."""

    id: str
    label: MessageOut
    applies: Literal["yes", "no", "unknown", "ask_centre"]
    reason: MessageOut
    threshold: float | None
    evidence: list[SourcedOut]


class HarmOut(BaseModel):
    """A harm that is not fatal, as a natural frequency."""

    id: str
    kind: str
    what: str
    group: str
    percent: float
    percent_low: float | None
    count: int
    per: int
    text: MessageOut
    source: CitationOut
    tag: str
    note: str | None


class RiskSummaryOut(BaseModel):
    """The risk of dying from aHSCT and its main harms, each with its source."""

    pooled: PooledOut
    era: EraOut
    intensity: IntensityOut
    factors: list[FactorOut]
    harms: list[HarmOut]


def _citation(citation: Citation) -> CitationOut:
    return CitationOut.model_validate(citation.to_dict())


def _documented_price(item: PriceQuote) -> DocumentedPriceOut:
    quote = item.quote
    return DocumentedPriceOut(
        facility_id=item.facility_id,
        facility_name=item.facility_name,
        amount=quote.amount,
        amount_max=quote.amount_max,
        currency=quote.currency,
        year=quote.year,
        what=quote.what,
        in_euros=round(item.in_euros, 2),
        source=_citation(item.source),
    )


def _regulator(route: RegulatorRoute) -> RegulatorOut:
    regulator = route.regulator
    return RegulatorOut(
        id=regulator.id,
        name=regulator.name,
        countries=list(regulator.countries),
        how=regulator.how,
        report=_citation(route.report) if route.report else None,
        warning=regulator.warning,
        sources=[_citation(s) for s in route.sources],
        warning_sources=[_citation(s) for s in route.warning_sources],
    )


def legitimacy_out(rating: Rating, catalog: Catalog) -> LegitimacyOut:
    """A rating from answers as the API gives it, with price, country and reporting."""
    price, country = rating.price, rating.country
    return LegitimacyOut(
        **rating_dict(rating),
        answered=rating.answered,
        price=None
        if price is None
        else PriceCheckOut(
            amount=price.amount,
            currency=price.currency,
            in_euros=None if price.in_euros is None else round(price.in_euros, 2),
            status=price.status,
            far_below_share=PRICE_FAR_BELOW_SHARE,
            lowest=_documented_price(price.lowest) if price.lowest else None,
            highest=_documented_price(price.highest) if price.highest else None,
            rates=_citation(price.rates),
            sources=[_citation(s) for s in price.sources],
        ),
        country=None
        if country is None
        else CountryCheckOut(
            country=country.country,
            regulator=_regulator(country.regulator) if country.regulator else None,
            listed_facilities=[f.id for f in country.listed],
        ),
        report=[
            _regulator(r) for r in report_routes(catalog, country.country if country else None)
        ],
        patient_guide=_citation(patient_guide(catalog)),
    )


def _criteria(catalog: Catalog, ruleset_id: str) -> list[CriterionOut]:
    return [
        CriterionOut(**c.model_dump(mode="json", exclude_none=True), description=describe(c).text)
        for c in catalog.criteria(ruleset_id)
    ]


def _facility_out(facility: Facility, catalog: Catalog) -> FacilityOut:
    """A facility in full, with the cautions to check before going further."""
    cautions = [caution.to_dict() for caution in facility_cautions(facility, catalog)]
    return FacilityOut.model_validate({**facility_dict(facility, catalog), "cautions": cautions})


def knowledge_api_router() -> APIRouter:  # noqa: C901 - one small handler per endpoint
    """Routes under ``/api/v1`` for the knowledge base."""
    router = APIRouter(tags=[TAG])

    @router.get("/facilities", summary="Facility directory", responses=INVALID)
    def list_facilities(
        catalog: CatalogDep,
        country: Annotated[
            str | None, Query(pattern=r"^[A-Za-z]{2}$", description="Two letters, such as MX.")
        ] = None,
        ms_type: Annotated[
            str | None, Query(json_schema_extra={"enum": list(MS_TYPE_LABELS)})
        ] = None,
        edss: Annotated[float | None, Query(description="Keep facilities that accept it.")] = None,
        age: Annotated[float | None, Query(description="Keep facilities that accept it.")] = None,
        intensity: Annotated[
            str | None, Query(json_schema_extra={"enum": list(INTENSITY_LABELS)})
        ] = None,
        status: Annotated[
            str | None, Query(json_schema_extra={"enum": list(STATUS_LABELS)})
        ] = None,
        max_price: Annotated[float | None, Query(gt=0)] = None,
        currency: Annotated[
            str, Query(pattern=r"^[A-Za-z]{3}$", description="ISO 4217, such as EUR.")
        ] = "USD",
        hide_unknown: bool = False,
        sort: SortKey = "open",
    ) -> list[DirectoryEntryOut]:
        """Facilities filtered and sorted; limits a facility does not state do not exclude it
        unless ``hide_unknown`` is set."""
        query = DirectoryQuery(
            country=country,
            ms_type=ms_type,
            edss=edss,
            age=age,
            intensity=intensity,
            status=status,
            max_price=max_price,
            currency=currency.upper(),
            hide_unknown=hide_unknown,
            sort=sort,
        )
        return [
            DirectoryEntryOut.model_validate(entry_dict(e, query.currency))
            for e in directory_search(catalog, query)
        ]

    @router.get("/facilities/compare", summary="Compare 2 to 4 facilities", responses=INVALID)
    def compare_facilities(
        catalog: CatalogDep, ids: Annotated[list[str], Query(description="2 to 4 ids.")]
    ) -> list[FacilityOut]:
        """The chosen facilities in full, in the order given."""
        return [_facility_out(f, catalog) for f in compare(catalog, ids)]

    @router.get("/facilities/{facility_id}", summary="One facility", responses=NOT_FOUND)
    def get_facility(catalog: CatalogDep, facility_id: str) -> FacilityOut:
        """Every fact with its source and date, the criteria, the legitimacy rating and the
        cautions (closed programme, no JACIE or FACT, limits beyond every guideline)."""
        facility = catalog.facilities.get(facility_id)
        if facility is None:
            raise NotFound("facility", facility_id)
        return _facility_out(facility, catalog)

    @router.get(
        "/facilities/{facility_id}/legitimacy",
        summary="Legitimacy of a facility",
        responses=NOT_FOUND,
    )
    def facility_legitimacy(catalog: CatalogDep, facility_id: str) -> RatingOut:
        """The rating computed from the facility's sourced facts."""
        facility = catalog.facilities.get(facility_id)
        if facility is None:
            raise NotFound("facility", facility_id)
        return RatingOut.model_validate(rating_dict(rate_facility(facility, catalog)))

    @router.get("/legitimacy/questions", summary="The legitimacy questionnaire")
    def legitimacy_questions() -> list[QuestionOut]:
        """Questions and the answers each accepts."""
        return [
            QuestionOut(id=q.id, text=q.text, kind=q.kind, choices=[c.value for c in q.choices])
            for q in QUESTIONS
        ]

    @router.post("/legitimacy", summary="Rate a clinic from answers", responses=INVALID)
    def rate_clinic(catalog: CatalogDep, body: LegitimacyIn) -> LegitimacyOut:
        """Red and green flags from the answers, with sources, and a verdict; the price
        asked beside documented prices; the clinic's country's regulator; where to report."""
        return legitimacy_out(rate(body.answers, catalog), catalog)

    @router.get("/rulesets", summary="Guidelines, trials and clinic criteria")
    def list_rulesets(
        catalog: CatalogDep, kind: Literal["guideline", "trial", "facility"] | None = None
    ) -> list[RuleSetOut]:
        """Every rule set, each criterion as data with its source."""
        return [
            RuleSetOut(**r.model_dump(), resolved_criteria=_criteria(catalog, r.id))
            for r in catalog.rulesets.values()
            if kind is None or r.kind == kind
        ]

    @router.get("/rulesets/{ruleset_id}", summary="One rule set", responses=NOT_FOUND)
    def get_ruleset(catalog: CatalogDep, ruleset_id: str) -> RuleSetOut:
        """A rule set with inherited criteria resolved."""
        ruleset = catalog.rulesets.get(ruleset_id)
        if ruleset is None:
            raise NotFound("rule set", ruleset_id)
        return RuleSetOut(**ruleset.model_dump(), resolved_criteria=_criteria(catalog, ruleset_id))

    @router.get("/drugs", summary="Disease-modifying drugs")
    def list_drugs(catalog: CatalogDep) -> list[Drug]:
        """Class, efficacy group, whether cell-depleting, lab conditions."""
        return list(catalog.drugs.values())

    @router.get("/regimens", summary="Conditioning regimens")
    def list_regimens(catalog: CatalogDep) -> list[RegimenOut]:
        """Intensity class and which listed facilities use each."""
        return [
            RegimenOut(**r.model_dump(), facilities=[f.id for f in catalog.facilities_using(r.id)])
            for r in catalog.regimens.values()
        ]

    @router.get("/studies", summary="Published outcomes")
    def list_studies(
        catalog: CatalogDep,
        ms_type: Literal["RRMS", "SPMS", "PPMS"] | None = None,
        intensity: IntensityQuery | None = None,
    ) -> list[Study]:
        """Studies including the MS type and regimen intensity asked for."""
        found = match_studies(catalog, ms_type=ms_type, edss=None, age=None, intensity=intensity)
        return [m.study for m in found.matching]

    @router.get("/studies/matches", summary="Studies of people like me", responses=INVALID)
    def study_matches(
        catalog: CatalogDep,
        ms_type: Annotated[PersonType | None, TYPE_QUERY] = None,
        edss: Annotated[float | None, EDSS_QUERY] = None,
        age: Annotated[float | None, AGE_QUERY] = None,
        intensity: IntensityQuery | None = None,
    ) -> StudyMatchesOut:
        """Studies whose population included your MS type and EDSS (and age where they
        report one); the others with why. A study without an EDSS range does not match."""
        found = match_studies(catalog, ms_type=ms_type, edss=edss, age=age, intensity=intensity)
        return StudyMatchesOut.model_validate(matches_dict(found))

    @router.get("/risks", summary="Risks of aHSCT", responses=INVALID)
    def risks(
        catalog: CatalogDep,
        ms_type: Annotated[PersonType | None, TYPE_QUERY] = None,
        edss: Annotated[float | None, EDSS_QUERY] = None,
        age: Annotated[float | None, AGE_QUERY] = None,
    ) -> RiskSummaryOut:
        """The risk of dying from the treatment (pooled, by era, by intensity), what raises it
        (your own factors marked) and the main harms that are not fatal, with sources."""
        summary = risk_summary(catalog, ms_type=ms_type, edss=edss, age=age)
        return RiskSummaryOut.model_validate(risk_dict(summary))

    @router.get("/sources/{source_id}", summary="One source", responses=NOT_FOUND)
    def get_source(catalog: CatalogDep, source_id: str) -> Source:
        """A source with its date, kind and reliability."""
        source = catalog.sources.get(source_id)
        if source is None:
            raise NotFound("source", source_id)
        return source

    @router.get("/exchange-rates", summary="The bundled exchange-rate table")
    def exchange_rates(catalog: CatalogDep) -> ExchangeRates:
        """ECB euro reference rates on the date given; used for approximate conversions."""
        return catalog.rates

    return router
