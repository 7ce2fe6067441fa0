"""The knowledge base: facilities, guideline and trial rule sets, drugs, regimens, studies,
risks.

Pure core: shipped as YAML in the package (``hsct/knowledge/data``), validated by pydantic
models when loaded, then served read-only. Every fact carries its source and date.
"""

from hsct.knowledge.catalog import Catalog, CatalogError, Limits, load_catalog, load_catalog_from
from hsct.knowledge.check import Report, check
from hsct.knowledge.directory import DirectoryQuery, Entry, compare, search
from hsct.knowledge.evidence import StudyMatch, StudyMatches, match_studies, population_for
from hsct.knowledge.labels import Description, describe
from hsct.knowledge.legitimacy import FLAGS, QUESTIONS, Rating, rate, rate_facility
from hsct.knowledge.money import convert, format_money
from hsct.knowledge.risk import RiskSummary, risk_summary
from hsct.knowledge.schema import (
    Criterion,
    Drug,
    Facility,
    Fact,
    Regimen,
    RuleSet,
    Source,
    Study,
)

__all__ = [
    "FLAGS",
    "QUESTIONS",
    "Catalog",
    "CatalogError",
    "Criterion",
    "Description",
    "DirectoryQuery",
    "Drug",
    "Entry",
    "Facility",
    "Fact",
    "Limits",
    "Rating",
    "Regimen",
    "Report",
    "RiskSummary",
    "RuleSet",
    "Source",
    "Study",
    "StudyMatch",
    "StudyMatches",
    "check",
    "compare",
    "convert",
    "describe",
    "format_money",
    "load_catalog",
    "load_catalog_from",
    "match_studies",
    "population_for",
    "rate",
    "rate_facility",
    "risk_summary",
    "search",
]
