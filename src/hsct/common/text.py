"""Value types for what a person reads: sources with dates, and translatable messages.

A :class:`Message` keeps its English template (marked with ``N_`` where it is defined)
apart from its values, so each interface can show it in the reader's language:
``message.translate(gettext)``. ``str(message)`` is the English sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from string import Formatter
from types import MappingProxyType
from typing import Any

Param = str | int | float


@lru_cache(maxsize=1024)
def _placeholders(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in Formatter().parse(template) if name)


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a rule or fact comes from, and how old it is.

    ``date`` is the publication or "as of" date, as precise as the source allows
    (``1983-11``, ``2025-01-15``, ``2015-12-14``).
    """

    label: str
    date: str
    url: str | None = None
    doi: str | None = None

    @property
    def link(self) -> str | None:
        """A URL a person can open: the DOI resolver when there is a DOI."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return self.url

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready form."""
        return {"label": self.label, "date": self.date, "url": self.link, "doi": self.doi}


@dataclass(frozen=True, slots=True)
class Message:
    """An English template with ``{name}`` placeholders, and the values to fill in.

    Examples
    --------
    >>> str(Message("Visual grade {raw} counts as {converted}.", {"raw": 5, "converted": 3}))
    'Visual grade 5 counts as 3.'
    """

    template: str
    params: Mapping[str, Param] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        missing = _placeholders(self.template) - self.params.keys()
        if missing:
            raise ValueError(f"message {self.template!r} lacks values for {sorted(missing)}")
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def __str__(self) -> str:
        return self.template.format(**self.params)

    def translate(self, gettext: Callable[[str], str]) -> str:
        """The message in the language of ``gettext``.

        Text values are translated too, so a value that is itself a marked string (the
        name of a functional system, an ambulation label) reads in the same language.
        """
        params = {
            name: gettext(value) if isinstance(value, str) and value else value
            for name, value in self.params.items()
        }
        return gettext(self.template).format(**params)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the English text plus template and values for translation."""
        return {"text": str(self), "template": self.template, "params": dict(self.params)}
