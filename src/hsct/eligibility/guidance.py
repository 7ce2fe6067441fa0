"""Protocol guidance and "people like me": it explains, it does not prescribe.

Each statement carries its source id next to it, so what the page says and where it comes
from stay together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from hsct.common.i18n import N_
from hsct.common.memo import ByIdentity
from hsct.common.text import Citation, Message
from hsct.eligibility.derive import Facts, Interval
from hsct.eligibility.profile import PatientProfile
from hsct.knowledge import Catalog, Facility
from hsct.knowledge.evidence import StudyMatches, match_studies
from hsct.knowledge.schema import Regimen


@dataclass(frozen=True, slots=True)
class Statement:
    """One sentence of guidance and where it comes from."""

    message: Message
    citation: Citation
    src: str


@dataclass(frozen=True, slots=True)
class RegimenUse:
    """A conditioning regimen, its intensity, and the listed facilities that use it."""

    regimen: Regimen
    facilities: tuple[Facility, ...]


@dataclass(frozen=True, slots=True)
class Guidance:
    """What the words mean, what the evidence says for this MS type, who uses what."""

    definitions: tuple[Statement, ...]
    for_ms_type: tuple[Statement, ...]
    regimens: tuple[RegimenUse, ...]


#: (text, source id). Definitions first.
DEFINITIONS: Final = (
    (
        N_(
            "Myeloablative conditioning (for example BEAM + ATG) destroys the bone marrow; "
            "the person's own stem cells, collected beforehand, are needed to restore it."
        ),
        "silfverberg-2024-bmt",
    ),
    (
        N_(
            "Non-myeloablative (lymphoablative) conditioning (for example cyclophosphamide "
            "with ATG, or with rituximab) removes the immune cells but spares the marrow; the "
            "returned stem cells shorten the recovery."
        ),
        "burt-2019-mist",
    ),
    (
        N_(
            "In a Swedish comparison, BEAM + ATG came with about twice as many severe side "
            "effects as cyclophosphamide + ATG (3.1 against 1.4 per patient) and 3 more days "
            "in hospital."
        ),
        "silfverberg-2024-bmt",
    ),
    (
        N_(
            "The early high-intensity regimens (busulfan or total body irradiation) carried "
            "more toxicity and more treatment-related deaths."
        ),
        "silfverberg-2024-bmt",
    ),
)
PROGRESSIVE: Final = (
    (
        N_(
            "Progressive MS does less well: about 46 of 100 people were free of progression "
            "after 5 years in a registry cohort that was mostly progressive."
        ),
        "muraro-2017",
    ),
    (
        N_(
            "ECTRIMS and EBMT (2025) accept progressive MS only with clinical and "
            "radiological inflammatory activity."
        ),
        "muraro-2025",
    ),
)
NOT_CONFIRMED_MS: Final = (
    (
        N_(
            "The guidelines cover confirmed MS; a clinically isolated syndrome, a "
            "radiologically isolated syndrome or suspected MS is not among their indications."
        ),
        "muraro-2025",
    ),
)
BY_MS_TYPE: Final = {
    "RRMS": (
        (
            N_(
                "Relapsing MS with recent inflammatory activity has the strongest evidence: in "
                "the MIST randomised trial, aHSCT delayed disability progression compared with "
                "continued drug treatment."
            ),
            "burt-2019-mist",
        ),
        (
            N_(
                "ECTRIMS and EBMT (2025): aggressive relapsing MS after a high-efficacy drug has "
                "failed is a generally accepted indication."
            ),
            "muraro-2025",
        ),
    ),
    "SPMS": PROGRESSIVE,
    "PPMS": (
        *PROGRESSIVE,
        (
            N_(
                "The NHS England criteria (2016) accepted primary-progressive MS only with "
                "oligoclonal bands in the spinal fluid."
            ),
            "london-2016",
        ),
    ),
    "CIS": NOT_CONFIRMED_MS,
    "RIS": NOT_CONFIRMED_MS,
    "suspected": NOT_CONFIRMED_MS,
}


def _statements(pairs: tuple[tuple[str, str], ...], catalog: Catalog) -> tuple[Statement, ...]:
    return tuple(Statement(Message(text), catalog.citation(src), src) for text, src in pairs)


def _guidance_for(ms_type: str | None, catalog: Catalog) -> Guidance:
    if ms_type is None:
        seen: dict[str, tuple[str, str]] = {}
        for pairs in BY_MS_TYPE.values():
            for pair in pairs:
                seen.setdefault(pair[0], pair)
        for_type = tuple(seen.values())
    else:
        for_type = BY_MS_TYPE[ms_type]
    regimens = tuple(
        RegimenUse(r, tuple(catalog.facilities_using(r.id))) for r in catalog.regimens.values()
    )
    return Guidance(_statements(DEFINITIONS, catalog), _statements(for_type, catalog), regimens)


#: The guidance for each MS type (and for an unknown type), made once per catalogue: it
#: depends on nothing else, and is immutable, so every answer shares it.
_guidance_table: ByIdentity[Catalog, dict[str | None, Guidance]] = ByIdentity(
    lambda catalog: {ms_type: _guidance_for(ms_type, catalog) for ms_type in (None, *BY_MS_TYPE)}
)


def guidance(profile: PatientProfile, catalog: Catalog) -> Guidance:
    """Definitions, evidence for the person's MS type (all types when unknown), regimens."""
    return _guidance_table(catalog)[profile.ms_type]


def similar_studies(profile: PatientProfile, facts: Facts, catalog: Catalog) -> StudyMatches:
    """Studies whose population includes the person, and the others with their reasons.

    The matching lives with the evidence (:func:`hsct.knowledge.evidence.match_studies`);
    an EDSS or age known only as a range is not compared (the result says so).
    """
    return match_studies(
        catalog,
        ms_type=profile.ms_type,
        edss=exact(facts["edss"].value),
        age=exact(facts["age"].value),
    )


def exact(value: object) -> float | None:
    """An exactly known number, or None (a range or an unknown is not compared)."""
    return value.low if isinstance(value, Interval) and value.exact else None
