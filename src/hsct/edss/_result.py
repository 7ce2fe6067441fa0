"""The result of an EDSS calculation: the value or range, and everything that explains it.

The shape never depends on the input: a partial input gives the same fields, with
``value`` set to ``None`` and ``low``/``high`` apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from hsct.common.edss_value import format_step
from hsct.common.text import Citation, Message
from hsct.edss._alternatives import Alternative
from hsct.edss._tables import Mode

DecidedBy = Literal["functional_systems", "ambulation", "both", "range"]


@dataclass(frozen=True, slots=True)
class Grade:
    """One functional system as entered (``raw``) and as counted for the step (``counted``)."""

    system: str
    label: str
    raw: int | None
    counted: int | None


@dataclass(frozen=True, slots=True)
class Finding:
    """A consistency warning: an input combination that is unusual and worth checking."""

    id: str
    message: Message


@dataclass(frozen=True, slots=True)
class EdssResult:
    """An EDSS with the steps that produced it, its sources and its caveats."""

    value: float | None
    low: float
    high: float
    mode: Mode
    grades: tuple[Grade, ...]
    fs_step: float | None
    fs_low: float
    fs_high: float
    fs_rule_id: str | None
    ambulation_score: int | None
    ambulation_step: float | None
    ambulation_low: float
    ambulation_high: float
    walking_used: bool
    decided_by: DecidedBy
    rule_id: str
    rule: Message
    explanation: tuple[Message, ...]
    contested: bool
    alternatives: tuple[Alternative, ...]
    warnings: tuple[Finding, ...]
    sources: tuple[Citation, ...]

    @property
    def determined(self) -> bool:
        """True when the facts give one EDSS value."""
        return self.value is not None

    @property
    def display(self) -> str:
        """``4.5``, or ``2.0 to 5.0`` for a range."""
        if self.value is not None:
            return format_step(self.value)
        return f"{format_step(self.low)} to {format_step(self.high)}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, used by the API and ``hsct edss --json``."""
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "determined": self.determined,
            "display": self.display,
            "mode": self.mode,
            "functional_systems": [
                {"system": g.system, "raw": g.raw, "counted": g.counted} for g in self.grades
            ],
            "fs_step": self.fs_step,
            "fs_range": [self.fs_low, self.fs_high],
            "fs_rule_id": self.fs_rule_id,
            "ambulation_score": self.ambulation_score,
            "ambulation_step": self.ambulation_step,
            "ambulation_range": [self.ambulation_low, self.ambulation_high],
            "walking_used": self.walking_used,
            "decided_by": self.decided_by,
            "rule_id": self.rule_id,
            "rule": self.rule.to_dict(),
            "explanation": [step.to_dict() for step in self.explanation],
            "contested": self.contested,
            "alternatives": [
                {
                    "reading": alt.reading,
                    "name": alt.name,
                    "value": alt.value,
                    "reason": alt.reason.to_dict(),
                    "source": alt.source.to_dict(),
                }
                for alt in self.alternatives
            ],
            "warnings": [{"id": w.id, "message": w.message.to_dict()} for w in self.warnings],
            "sources": [source.to_dict() for source in self.sources],
        }
