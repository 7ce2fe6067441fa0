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
from typing import Any, TypeAlias, final

Param: TypeAlias = "str | int | float | Message"


@lru_cache(maxsize=1024)
def _placeholders(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in Formatter().parse(template) if name)


@lru_cache(maxsize=1024)
def _plain(template: str) -> bool:
    """True when every field of ``template`` is a bare name (no format spec, conversion,
    attribute or index): then ``format(v, "")``, which is ``str(v)`` for text, numbers and
    messages, fills it in as ``str`` would."""
    return all(
        name is None or (name.isidentifier() and not spec and conversion is None)
        for _, name, spec, conversion in Formatter().parse(template)
    )


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


_NO_VALUES: Mapping[str, Any] = MappingProxyType({})
_set = object.__setattr__


@final  # to_dict tests ``type(value) is Message``
@dataclass(frozen=True, slots=True)
class Message:
    """An English template with ``{name}`` placeholders, and the values to fill in.

    Examples
    --------
    >>> str(Message("Visual grade {raw} counts as {converted}.", {"raw": 5, "converted": 3}))
    'Visual grade 5 counts as 3.'
    """

    template: str
    params: Mapping[str, Param] = field(default_factory=lambda: _NO_VALUES)
    # A value may itself be a Message (a criterion's description inside a reason): it is
    # formatted and translated in turn.

    def __init__(self, template: str, params: Mapping[str, Param] = _NO_VALUES) -> None:
        # Written out rather than generated with a __post_init__: a request makes a few
        # hundred messages, and this is half the generated pair's time.
        names = _placeholders(template)
        if names and not names <= params.keys():
            missing = sorted(names - params.keys())
            raise ValueError(f"message {template!r} lacks values for {missing}")
        _set(self, "template", template)
        # A dict is taken over: the message holds it read-only from here.
        _set(self, "params", MappingProxyType(params) if type(params) is dict else params)

    def __str__(self) -> str:
        if _plain(self.template):  # the usual case, without a copy of the values
            return self.template.format_map(self.params)
        return self.template.format(**{k: str(v) for k, v in self.params.items()})

    def translate(self, gettext: Callable[[str], str]) -> str:
        """The message in the language of ``gettext``.

        Text values are translated too, so a value that is itself a marked string (the
        name of a functional system, an ambulation label) reads in the same language.
        """
        params = {
            name: value.translate(gettext)
            if isinstance(value, Message)
            else gettext(value)
            if isinstance(value, str) and value
            else value
            for name, value in self.params.items()
        }
        return gettext(self.template).format(**params)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the English text plus template and values for translation."""
        params: dict[str, Any] = dict(self.params)
        for name, value in params.items():
            if type(value) is Message:  # final: no subclass to miss
                params[name] = value.to_dict()
        return {"text": str(self), "template": self.template, "params": params}
