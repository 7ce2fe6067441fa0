"""What stopping a drug risks, in one wording for the results and the journey plan.

Which drugs carry which risk is data (``stopping_risks`` in ``drugs.yaml``, each with its
source); the words are here, so every page and the command line say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from hsct.common.i18n import N_
from hsct.common.text import Citation, Message
from hsct.knowledge.catalog import Catalog
from hsct.knowledge.schema import Drug

STOPPING_TEXT: Final = {
    "rebound": N_(
        "Stopping {drug} can bring MS activity back, sometimes worse than before it was "
        "started (rebound). When to stop it, and whether to bridge the gap with another "
        "treatment, are your treating team's decision."
    ),
    "pml_check": N_(
        "After {drug}, the team checks for PML (progressive multifocal leukoencephalopathy, a "
        "brain infection) before the next treatment, usually with an MRI and a JC virus test."
    ),
}


@dataclass(frozen=True, slots=True)
class StoppingWarning:
    """One risk of stopping a drug, in words, with its source."""

    message: Message
    citation: Citation
    src: str


def stopping_warnings(drug: Drug, catalog: Catalog) -> tuple[StoppingWarning, ...]:
    """The drug's stopping risks (rebound, PML check) as warnings; none without a source."""
    risks = drug.stopping_risks
    if risks.src is None:
        return ()
    citation = catalog.citation(risks.src, catalog.fact_date(risks))
    return tuple(
        StoppingWarning(Message(STOPPING_TEXT[risk], {"drug": drug.name}), citation, risks.src)
        for risk in ("rebound", "pml_check")
        if risk in (risks.value or ())
    )
