"""Candidate self-assessment: a patient profile checked against every rule set.

>>> from hsct.knowledge import load_catalog
>>> profile = parse_profile({"ms_type": "RRMS", "age": 35, "as_of": "2026-11-23"})
>>> assessment = evaluate(profile, load_catalog())
>>> sorted({r.verdict for r in assessment.guidelines}) != []
True
"""

from hsct.eligibility.criteria import CriterionResult, compare, judge
from hsct.eligibility.derive import Derived, Facts, Interval, Need, derive
from hsct.eligibility.engine import (
    VERDICTS,
    Assessment,
    RuleSetResult,
    Verdict,
    evaluate,
    evaluate_ruleset,
    verdict_of,
)
from hsct.eligibility.guidance import Guidance, RegimenUse, Statement
from hsct.eligibility.profile import (
    EdssInputs,
    EdssVisit,
    MriScan,
    PatientProfile,
    Relapse,
    Treatment,
    parse_profile,
)
from hsct.eligibility.timing import WashoutItem, Window
from hsct.knowledge.evidence import StudyMatch, StudyMatches

__all__ = [
    "VERDICTS",
    "Assessment",
    "CriterionResult",
    "Derived",
    "EdssInputs",
    "EdssVisit",
    "Facts",
    "Guidance",
    "Interval",
    "MriScan",
    "Need",
    "PatientProfile",
    "RegimenUse",
    "Relapse",
    "RuleSetResult",
    "Statement",
    "StudyMatch",
    "StudyMatches",
    "Treatment",
    "Verdict",
    "WashoutItem",
    "Window",
    "compare",
    "derive",
    "evaluate",
    "evaluate_ruleset",
    "judge",
    "parse_profile",
    "verdict_of",
]
