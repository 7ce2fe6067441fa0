"""Questionnaires a deploying clinic supplies: their definition, checked, and their scoring.

Licensed instruments (EQ-5D-5L, MSIS-29, MSWS-12, PROMIS/Neuro-QoL; see
``docs/user-guide/quality-of-life.md``) may not ship with this software: their item text and
scoring belong to their owners. A clinic that holds a licence writes a definition file (JSON)
with the items, the answers and the scales, and attests the licence in it; the registry then
offers the questionnaire and scores it by the definition's rules. The same route serves a
validated translation of the RAND-36 into another language.

Scales are scored one of two ways, then optionally rescaled:

- ``mean``: the average of the answered items' values (RAND's rule for missing items);
- ``sum``: the sum of the answered items' values, prorated to all items when some are
  missing (``sum * items / answered``), the usual rule of summed scales;

and a scale needs ``min_answered`` items answered (default: all), else it is unknown. The
``transform`` then gives ``(raw + add) * multiply``; MSWS-12's published 0-100 form, for
example, is ``(sum - 12) / 48 * 100``, i.e. ``add=-12, multiply=100/48``.

No definition of a licensed instrument is in this repository (a test checks the names).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.i18n import N_
from hsct.common.text import Message

#: Instrument ids: short, lower case; ``rand36`` is the built-in one.
INSTRUMENT_ID: Final = r"^[a-z0-9][a-z0-9_.-]{1,40}$"
ITEM_ID: Final = r"^[A-Za-z0-9_.-]{1,20}$"
#: Licensed instruments whose definitions must never be committed here (names, any case).
LICENSED_NAMES: Final = (
    "eq-5d",
    "eq5d",
    "msis-29",
    "msis29",
    "msws-12",
    "msws12",
    "promis",
    "neuro-qol",
    "neuroqol",
    "msqol-54",
    "msqol54",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptionDef(_Model):
    """One answer: the number stored, the words shown, the value scored."""

    code: Annotated[int, Field(ge=0, le=100)]
    label: Annotated[str, Field(min_length=1, max_length=300)]
    value: Annotated[float, Field(allow_inf_nan=False)]


class ItemDef(_Model):
    """One question and its answers."""

    id: Annotated[str, Field(pattern=ITEM_ID)]
    text: Annotated[str, Field(min_length=1, max_length=1000)]
    options: Annotated[tuple[OptionDef, ...], Field(min_length=2, max_length=20)]

    @model_validator(mode="after")
    def _codes_differ(self) -> ItemDef:
        codes = [o.code for o in self.options]
        if len(set(codes)) != len(codes):
            raise ValueError(f"item {self.id}: two answers share a code")
        return self


class Transform(_Model):
    """``(raw + add) * multiply``."""

    add: Annotated[float, Field(allow_inf_nan=False)] = 0.0
    multiply: Annotated[float, Field(allow_inf_nan=False)] = 1.0


class ScaleDef(_Model):
    """A score made of items."""

    key: Annotated[str, Field(pattern=ITEM_ID)]
    label: Annotated[str, Field(min_length=1, max_length=200)]
    items: Annotated[tuple[str, ...], Field(min_length=1, max_length=200)]
    method: Literal["mean", "sum"]
    min_answered: Annotated[int | None, Field(ge=1)] = None
    transform: Transform | None = None


class Attestation(_Model):
    """Who holds the licence to use the instrument here, and on what terms."""

    licence: Annotated[str, Field(min_length=3, max_length=500)]
    holder: Annotated[str, Field(min_length=2, max_length=200)]
    date: dt.date


class InstrumentDef(_Model):
    """A questionnaire supplied by a clinic, with its licence attested."""

    id: Annotated[str, Field(pattern=INSTRUMENT_ID)]
    name: Annotated[str, Field(min_length=2, max_length=200)]
    version: Annotated[str, Field(min_length=1, max_length=50)]
    language: Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
    source: Annotated[str, Field(min_length=3, max_length=500)]
    attestation: Attestation
    items: Annotated[tuple[ItemDef, ...], Field(min_length=1, max_length=200)]
    scales: Annotated[tuple[ScaleDef, ...], Field(min_length=1, max_length=50)]

    @model_validator(mode="after")
    def _consistent(self) -> InstrumentDef:
        if self.id == "rand36":
            raise ValueError("rand36 is built in; give the definition another id")
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("two items share an id")
        for scale in self.scales:
            unknown = sorted(set(scale.items) - set(ids))
            if unknown:
                raise ValueError(f"scale {scale.key}: no item {unknown[0]}")
            if scale.min_answered is not None and scale.min_answered > len(scale.items):
                raise ValueError(f"scale {scale.key}: min_answered exceeds its items")
        return self

    @property
    def scoring_version(self) -> str:
        """What the scores were computed by (kept with them)."""
        return f"{self.id} {self.version}: clinic-supplied definition"


def instrument_score(definition: InstrumentDef, *, answers: Mapping[str, int]) -> dict[str, Any]:
    """Scores by the definition's rules, in the shape of the RAND-36 scores' ``to_dict``.

    Raises :class:`InvalidInput` naming ``answers.<item>`` for an unknown item or answer.
    """
    items = {item.id: item for item in definition.items}
    problems: list[FieldError] = []
    values: dict[str, float] = {}
    for key, code in answers.items():
        item = items.get(key)
        if item is None:
            problems.append(
                FieldError.translatable(
                    f"answers.{key}",
                    Message(N_("this is not an item of the questionnaire.")),
                    Message(N_("an item of {name}"), {"name": definition.name}),
                )
            )
            continue
        option = next((o for o in item.options if o.code == code and type(code) is int), None)
        if option is None:
            problems.append(
                FieldError.translatable(
                    f"answers.{key}",
                    Message(N_("this is not one of the item's answers.")),
                    Message(
                        N_("one of {codes}"),
                        {"codes": ", ".join(str(o.code) for o in item.options)},
                    ),
                )
            )
            continue
        values[key] = option.value
    if problems:
        raise InvalidInput(problems)
    scales: dict[str, dict[str, Any]] = {}
    for scale in definition.scales:
        answered = [values[i] for i in scale.items if i in values]
        needed = scale.min_answered or len(scale.items)
        score: float | None = None
        if answered and len(answered) >= needed:
            raw = (
                sum(answered) / len(answered)
                if scale.method == "mean"
                else sum(answered) * len(scale.items) / len(answered)
            )
            if scale.transform is not None:
                raw = (raw + scale.transform.add) * scale.transform.multiply
            score = round(raw, 4)
        scales[scale.key] = {"score": score, "answered": len(answered), "items": len(scale.items)}
    return {
        "instrument_version": f"{definition.name} {definition.version}",
        "scoring_version": definition.scoring_version,
        "scales": scales,
    }


def instrument_parse(data: Any, *, source: str = "definition") -> InstrumentDef:
    """A definition from JSON-like data, or :class:`InvalidInput` naming each bad field."""
    try:
        return InstrumentDef.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            FieldError(
                ".".join([source, *(str(p) for p in error["loc"])]),
                error["msg"].removeprefix("Value error, "),
                None,
            )
            for error in exc.errors(include_url=False, include_input=False)
        ) from None


def instruments_load(directory: Path | None) -> dict[str, InstrumentDef]:
    """Every ``*.json`` definition in ``directory`` by id (none when it is not given)."""
    if directory is None:
        return {}
    return dict(_load(str(directory)))


@lru_cache(maxsize=4)
def _load(directory: str) -> tuple[tuple[str, InstrumentDef], ...]:
    found: dict[str, InstrumentDef] = {}
    folder = Path(directory)
    if not folder.is_dir():
        raise InvalidInput(
            [FieldError("HSCT_QOL_DEFINITIONS", "is not a folder", "a folder of .json files")]
        )
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise InvalidInput(
                [FieldError(path.name, f"cannot be read as JSON ({type(exc).__name__})", None)]
            ) from None
        definition = instrument_parse(data, source=path.name)
        if definition.id in found:
            raise InvalidInput([FieldError(path.name, f"repeats the id {definition.id}", None)])
        found[definition.id] = definition
    return tuple(found.items())
