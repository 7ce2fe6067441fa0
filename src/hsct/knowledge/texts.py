"""The knowledge base's free text that people read, for translation (issue 19).

The YAML files are written in English. Their labels (statuses, intensities, record kinds)
are translated through the interface's catalogue; their free text (notes, quoted
criteria, what a price includes, study findings, guideline titles, drug names with their
English qualifiers) is translated through a second catalogue, the ``data`` domain
(``hsct/locale/<lang>/LC_MESSAGES/data.po``), keyed by the English text. When the English
changes, its translation is missing until a translator updates it, and the interface
shows the English, marked ``lang="en"``, rather than an out-of-date translation.

``make messages`` writes the catalogue's template from :func:`reader_texts`;
``tests/knowledge/test_data_texts.py`` fails when any of these texts has no Russian or
Spanish translation, or when a translation drops or changes a number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from pydantic import BaseModel

from hsct.knowledge.catalog import Catalog, iter_models
from hsct.knowledge.schema import (
    Drug,
    Facility,
    Fact,
    Frame,
    FrameOutcome,
    Harm,
    IntensityTerm,
    Option,
    RuleSet,
    Stage,
    Term,
    ValueQuestion,
)

#: Fields whose strings are free text a person reads, whatever model holds them.
READER_FIELDS: Final = frozenset(
    {
        "note",
        "text",
        "what",
        "includes",
        "window",
        "summary",
        "follow_up",
        "notes",
    }
)
#: The decision aid's own free-text fields (guide/*.yaml), read only from its models.
GUIDE_FIELDS: Final = frozenset(
    {"title", "term", "also", "label", "labels", "span", "question", "low", "high"}
)
GUIDE_MODELS: Final = (Stage, IntensityTerm, Term, Option, Frame, FrameOutcome, ValueQuestion)
#: Fields of those names that hold codes, not text (a harm's ``what`` is a key whose words
#: are in the interface's catalogue).
CODE_FIELDS: Final = frozenset({(Harm, "what")})

#: Digit runs, with thousands or decimal separators between digits removed ("33,000",
#: "33 000" and "33000" are the same number; so are "0.02" and "0,02").
_NUMBER: Final = re.compile(r"\d+(?:[.,\s\u00a0\u202f]\d+)*")


def reader_texts(catalog: Catalog) -> dict[str, str]:
    """Every free text in ``catalog`` a person reads, mapped to where it first occurs.

    The order is the catalogue's own (facilities, rule sets, drugs, regimens, studies,
    risks), so the translation template reads like the data.
    """
    found: dict[str, str] = {}

    def add(text: str | None, where: str) -> None:
        if text and text.strip():
            found.setdefault(text, where)

    for path, model in iter_models(catalog):
        fields = READER_FIELDS | (GUIDE_FIELDS if isinstance(model, GUIDE_MODELS) else set())
        for name in fields.intersection(type(model).model_fields):
            if (type(model), name) in CODE_FIELDS:
                continue
            for text in _strings(getattr(model, name)):
                add(text, f"{path}.{name}")
        if isinstance(model, Facility):
            add(_string_value(model.follow_up), f"{path}.follow_up")
            for index, fact in enumerate(model.notes):
                add(_string_value(fact), f"{path}.notes[{index}]")
        elif isinstance(model, RuleSet):
            add(model.title, f"{path}.title")
        elif isinstance(model, Drug):
            add(model.name, f"{path}.name")
    return found


def numbers(text: str) -> list[str]:
    """The numbers in ``text``, separators removed, in order.

    A translation must keep every number of its source: a changed dose, age or
    percentage is a clinical error, not a matter of style.

    Examples
    --------
    >>> numbers("US$33,000 for 33 days; below 0.02 mg/l")
    ['33000', '33', '002']
    >>> numbers("33 000 долларов США за 33 дня; ниже 0,02 мг/л")
    ['33000', '33', '002']
    """
    return [re.sub(r"\D", "", match) for match in _NUMBER.findall(text)]


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple | list):
        yield from (item for item in value if isinstance(item, str))
    elif isinstance(value, dict):
        yield from (item for item in value.values() if isinstance(item, str))


def _string_value(fact: Fact[object] | BaseModel) -> str | None:
    value = getattr(fact, "value", None)
    return value if isinstance(value, str) else None
