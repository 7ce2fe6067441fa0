"""One person's history in, their events and NEDA out: the pipeline every caller shares.

The JSON API (``POST /api/v1/outcomes/progression``), the registry's status page
(``/my/status``, ``GET /api/v1/patients/{id}/outcomes``) and ``hsct registry status`` all
call :func:`person_report`, so the same rows give the same events, NEDA and sources
wherever they are asked for (the same definitions as ``hsct outcomes progression`` and
``hsct outcomes neda`` on a cohort, checked by tests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hsct.common.errors import InvalidInput
from hsct.common.text import Citation, Message
from hsct.outcomes.neda import NedaOptions, neda, neda_sources
from hsct.outcomes.options import ProgressionOptions
from hsct.outcomes.progression import explain_messages, progression
from hsct.outcomes.tables import build_cohort, history_frames, to_records


@dataclass(frozen=True, slots=True)
class PersonReport:
    """What the engine found in one person's history (plain values, JSON-ready).

    ``events`` are the rows of ``hsct outcomes progression`` without ``patient_id``;
    ``explanations`` the same events in words, as translatable messages (one list per
    event); ``neda`` the row of ``hsct outcomes neda`` (``None`` when no MRI table was
    given); ``warnings`` rows that were read but are worth a look (field, message).
    """

    summary: dict[str, Any]
    events: list[dict[str, Any]]
    explanations: list[list[Message]]
    options: ProgressionOptions
    neda: dict[str, Any] | None
    sources: list[Citation]
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The API's answer: events with their explanation in English."""
        events = [
            {**event, "explanation": [str(m) for m in lines]}
            for event, lines in zip(self.events, self.explanations, strict=True)
        ]
        payload: dict[str, Any] = {
            "summary": self.summary,
            "events": events,
            "options": self.options.to_dict(),
            "sources": [c.to_dict() for c in self.sources],
            "warnings": [{"field": f, "message": m} for f, m in self.warnings],
        }
        if self.neda is not None:
            payload["neda"] = self.neda
        return payload


def person_report(
    *,
    visits: Sequence[Mapping[str, Any]],
    relapses: Sequence[Mapping[str, Any]] = (),
    mri: Sequence[Mapping[str, Any]] | None = None,
    transplant_date: dt.date | None = None,
    options: ProgressionOptions | None = None,
    neda_options: NedaOptions | None = None,
) -> PersonReport:
    """Confirmed worsening and improvement (with PIRA/RAW) and, given MRI rows, NEDA.

    ``visits`` have ``date`` and ``edss``; ``relapses`` ``date``; ``mri`` ``date``,
    ``gd_enhancing``, ``new_t2`` (optionally ``brain_volume_change``). ``neda_options``
    default to the progression options without re-baselining.

    Raises
    ------
    InvalidInput
        One error per bad row, named by table, row and column (``visits.2.edss``).
    """
    options = options or ProgressionOptions()
    tables = history_frames(
        [dict(v) for v in visits],
        [dict(r) for r in relapses],
        None if mri is None else [dict(m) for m in mri],
        transplant_date,
        patient_id=0,  # a number: the id checks for text ids have nothing to do here
    )
    cohort = build_cohort(*tables, strict=False)
    errors = cohort.report.errors(limit=None, positions=True)
    if errors:
        raise InvalidInput(errors)
    result = progression(cohort, options, threads=1)
    events = to_records(result.events.drop(columns=["patient_id"]))
    explanations = [explain_messages(result, i) for i in range(len(events))]
    sources = result.sources()
    status = None
    if mri is not None:
        neda_options = neda_options or NedaOptions(options)
        frame = neda(cohort, neda_options, result=result, threads=1)
        status = to_records(frame.drop(columns=["patient_id"]))[0]
        sources += neda_sources(
            brain_volume=cohort.has_brain_volume,
            rebaseline=neda_options.window_months() is not None,
        )
    return PersonReport(
        summary=to_records(result.summary.drop(columns=["patient_id"]))[0],
        events=events,
        explanations=explanations,
        options=options,
        neda=status,
        sources=sources,
        warnings=[(w.field, w.message) for w in cohort.report.warnings()],
    )
