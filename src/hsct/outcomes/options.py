"""Every option of the confirmed-progression search, its allowed values, and the named presets.

The options follow the definitions of the reference tool (pymsprog 1.0.7, the Python port of
R msprog; Montobbio et al., Mult Scler 2024) so results can be compared option by option.
Where our default differs from the reference, the difference is named here and in the user
guide (docs/user-guide/outcomes.md): the minimum EDSS change follows the MSBase/Kalincik
convention unless ``threshold="pymsprog"`` is chosen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Final, Literal

import numpy as np

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.i18n import N_
from hsct.common.text import Citation

BaselineScheme = Literal["fixed", "roving", "roving_impr", "roving_wors"]
EventMode = Literal["firstCDW", "firstCDI", "first", "firstPIRA", "firstRAW", "multiple"]
ProceedFrom = Literal["firstconf", "event"]
PrecType = Literal["baseline", "last", "last_delta"]

BASELINE_SCHEMES: Final = ("fixed", "roving", "roving_impr", "roving_wors")
EVENT_MODES: Final = ("firstCDW", "firstCDI", "first", "firstPIRA", "firstRAW", "multiple")
PROCEED_FROM: Final = ("firstconf", "event")
PREC_TYPES: Final = ("baseline", "last", "last_delta")

MONTOBBIO_2024: Final = Citation(
    "Montobbio N et al. Automated evaluation of disability progression in MS (msprog). "
    "Mult Scler 2024;30(9):1185-1192",
    "2024",
    doi="10.1177/13524585241243157",
)
KALINCIK_2015: Final = Citation(
    "Kalincik T et al. Defining reliable disability outcomes in multiple sclerosis. "
    "Brain 2015;138(11):3287-3298 (as implemented in CRAN MSoutcomes CDW.R / CDI.R)",
    "2015",
    doi="10.1093/brain/awv258",
)
LORSCHEIDER_2016: Final = Citation(
    "Lorscheider J et al. Defining secondary progressive MS. Brain 2016 "
    "(threshold used by pymsprog/msprog compute_delta)",
    "2016",
    doi="10.1093/brain/aww173",
)
MULLER_2023: Final = Citation(
    "Müller J et al. Harmonizing definitions for progression independent of relapse "
    "activity in MS. JAMA Neurol 2023;80:1232-1245",
    "2023",
    doi="10.1001/jamaneurol.2023.3331",
)
KAPPOS_2018: Final = Citation(
    "Kappos L et al. Greater sensitivity to multiple sclerosis disability worsening and "
    "progression events using a roving versus a fixed reference value. Mult Scler 2018",
    "2018",
    doi="10.1177/1352458517709619",
)


def _table(rule: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Minimum change for every half step 0, 0.5, ... 10 (index = 2 x baseline)."""
    return np.array([rule(i / 2) for i in range(21)], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Threshold:
    """A minimum-change convention: how far EDSS must move from the reference to count."""

    name: str
    worsening: str
    improvement: str
    source: Citation
    worsening_table: np.ndarray[Any, np.dtype[np.float64]] = field(repr=False, compare=False)
    improvement_table: np.ndarray[Any, np.dtype[np.float64]] = field(repr=False, compare=False)


#: The conventions by name. ``worsening``/``improvement`` are the rules in words.
THRESHOLDS: Final[Mapping[str, Threshold]] = {
    "msbase": Threshold(
        "msbase",
        N_("+1.5 from a baseline of 0; +1.0 from 1.0-5.5; +0.5 from 6.0 or more"),
        N_("-1.5 from a baseline of 1.5 or less; -1.0 from 2.0-6.0; -0.5 above 6.0"),
        KALINCIK_2015,
        _table(lambda b: 1.5 if b == 0 else (1.0 if b < 6.0 else 0.5)),
        _table(lambda b: 1.5 if b <= 1.5 else (1.0 if b <= 6.0 else 0.5)),
    ),
    "pymsprog": Threshold(
        "pymsprog",
        N_("+1.5 from a baseline of 0; +1.0 from 1.0-5.0; +0.5 from 5.5 or more"),
        N_("the same sizes downwards: -1.0 from 1.0-5.0; -0.5 from 5.5 or more"),
        LORSCHEIDER_2016,
        _table(lambda b: 1.5 if b == 0 else (1.0 if b <= 5.0 else 0.5)),
        _table(lambda b: 1.5 if b == 0 else (1.0 if b <= 5.0 else 0.5)),
    ),
}
#: ``improvement_threshold`` may also name "mirror": the worsening sizes, downwards
#: (what pymsprog does with one ``delta_fun`` for both directions).
IMPROVEMENT_THRESHOLDS: Final = (*THRESHOLDS, "mirror")


def _json_days(value: Any) -> Any:
    return "inf" if isinstance(value, float) and math.isinf(value) else value


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


@dataclass(frozen=True, slots=True)
class RelapseIndependence:
    """Relapse-free windows for PIRA, in days (before, after) each point; ``None`` = open.

    As in pymsprog: a window whose "before" is ``None`` starts where the previous window of
    the list started, so ``prec=(0, None), event=(None, 30)`` means "from the reference
    visit to 30 days after onset" (Kappos 2020).
    """

    prec: tuple[float | None, float | None] = (0, 0)
    event: tuple[float | None, float | None] = (90, 30)
    conf: tuple[float | None, float | None] = (90, 30)
    prec_type: PrecType = "baseline"

    def as_array(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        return np.array(
            [[_nan(a), _nan(b)] for a, b in (self.prec, self.event, self.conf)], dtype=np.float64
        )


#: Named PIRA windows (pymsprog's vignette_PIRA.Rmd gives them as relapse_indep values).
PIRA_WINDOWS: Final[Mapping[str, RelapseIndependence]] = {
    # No relapse from 90 days before to 30 days after onset and confirmation (the default).
    "muller2023": RelapseIndependence(),
    # From the reference to 30 days after onset, and within 30 days of confirmation.
    "kappos2020": RelapseIndependence((0, None), (None, 30), (30, 30)),
    # High specificity: no relapse at all between the reference and confirmation.
    "muller2023-specific": RelapseIndependence((0, None), (None, None), (None, 0)),
}


@dataclass(frozen=True, slots=True)
class ProgressionOptions:
    """How confirmed worsening (CDW) and improvement (CDI) are found.

    Days throughout. Names and meanings follow pymsprog 1.0.7 (see the user guide for each
    option in words, with sources).
    """

    event: EventMode = "firstCDW"
    baseline: BaselineScheme = "fixed"
    proceed_from: ProceedFrom = "firstconf"
    threshold: str = "msbase"
    improvement_threshold: str | None = None  # None: the same convention as `threshold`
    conf_days: tuple[float, ...] = (84,)
    conf_tol_days: tuple[float, float] = (7, 730.5)
    require_sust_days: float = 0
    check_intermediate: bool = True
    relapse_to_bl: tuple[float, float] = (30, 0)
    relapse_to_event: tuple[float, float] = (0, 0)
    relapse_to_conf: tuple[float, float] = (30, 0)
    relapse_assoc: tuple[float, float] = (90, 0)
    relapse_indep: RelapseIndependence = field(default_factory=RelapseIndependence)
    raw_pira: bool = False
    impute_last_visit: float = 0  # 0 never, 1 always, N > 1: only within N days of follow-up

    @property
    def labels_pira_raw(self) -> bool:
        """Whether worsening events get a PIRA/RAW/undefined type (always for firstPIRA/RAW)."""
        if self.event in ("firstPIRA", "firstRAW"):
            return True
        return self.raw_pira and self.event != "firstCDI"

    @property
    def worsening_rule(self) -> Threshold:
        return THRESHOLDS[self.threshold]

    def improvement_table(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        name = self.improvement_threshold or self.threshold
        if name == "mirror":
            return THRESHOLDS[self.threshold].worsening_table
        return THRESHOLDS[name].improvement_table

    def improvement_words(self) -> str:
        name = self.improvement_threshold or self.threshold
        if name == "mirror":
            return N_("the worsening sizes, downwards")
        return THRESHOLDS[name].improvement

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, every option by name (an open-ended number of days is "inf")."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, RelapseIndependence):
                value = {
                    "prec": list(value.prec),
                    "event": list(value.event),
                    "conf": list(value.conf),
                    "prec_type": value.prec_type,
                }
            elif isinstance(value, tuple):
                value = [_json_days(v) for v in value]
            out[f.name] = _json_days(value)
        return out


#: Named presets. "pymsprog-1.0.7" reproduces the reference's defaults exactly.
PRESETS: Final[Mapping[str, ProgressionOptions]] = {
    "default": ProgressionOptions(),
    "pymsprog-1.0.7": ProgressionOptions(threshold="pymsprog"),
}


def _pair(name: str, value: Any, errors: list[FieldError], *, allow_none: bool = False) -> Any:
    """A number or a [before, after] pair; one number means (number, 0) as in pymsprog."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = (value, 0)
    if not isinstance(value, list | tuple) or len(value) != 2:
        errors.append(FieldError(name, "must be a number of days or a pair [before, after]"))
        return None
    out: list[float | None] = []
    for item in value:
        if item is None and allow_none:
            out.append(None)
        elif isinstance(item, int | float) and not isinstance(item, bool) and item >= 0:
            out.append(float(item))
        else:
            allowed = "numbers of days, 0 or more" + (", or null" if allow_none else "")
            errors.append(FieldError(name, f"{item!r} is not a number of days", allowed))
            return None
    return tuple(out)


def _choice(name: str, value: Any, allowed: tuple[str, ...], errors: list[FieldError]) -> Any:
    if value not in allowed:
        errors.append(FieldError(name, f"unknown value {value!r}", ", ".join(allowed)))
    return value


def _days(name: str, value: Any, errors: list[FieldError]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        errors.append(FieldError(name, f"{value!r} is not a number of days", "0 or more"))
        return 0.0
    return float(value)


def _conf_days(value: Any, errors: list[FieldError]) -> tuple[float, ...]:
    items = value if isinstance(value, list | tuple) else [value]
    if not items:
        errors.append(FieldError("conf_days", "needs at least one period", "days, e.g. 84"))
    out = tuple(_days("conf_days", item, errors) for item in items)
    if len(set(out)) != len(out):
        errors.append(FieldError("conf_days", "lists a period twice", "distinct periods"))
    if len(out) > 8:
        errors.append(FieldError("conf_days", "lists more than 8 periods", "1 to 8 periods"))
    return out


def _indep(value: Any, errors: list[FieldError]) -> RelapseIndependence:
    if isinstance(value, RelapseIndependence):
        return value
    if isinstance(value, str):
        if value in PIRA_WINDOWS:
            return PIRA_WINDOWS[value]
        errors.append(
            FieldError("relapse_indep", f"unknown window set {value!r}", ", ".join(PIRA_WINDOWS))
        )
        return RelapseIndependence()
    if not isinstance(value, Mapping):
        errors.append(
            FieldError("relapse_indep", "must be a table of windows", "prec, event, conf")
        )
        return RelapseIndependence()
    unknown = set(value) - {"prec", "event", "conf", "prec_type"}
    if unknown:
        errors.append(
            FieldError(
                f"relapse_indep.{sorted(unknown)[0]}", "unknown key", "prec, event, conf, prec_type"
            )
        )
    base = RelapseIndependence()
    parts = {
        key: _pair(
            f"relapse_indep.{key}", value.get(key, getattr(base, key)), errors, allow_none=True
        )
        for key in ("prec", "event", "conf")
    }
    prec_type = _choice(
        "relapse_indep.prec_type", value.get("prec_type", "baseline"), PREC_TYPES, errors
    )
    if any(part is None for part in parts.values()):
        return base
    return RelapseIndependence(parts["prec"], parts["event"], parts["conf"], prec_type)


def _flag(name: str, value: Any, errors: list[FieldError]) -> bool:
    if not isinstance(value, bool):
        errors.append(FieldError(name, f"{value!r} is not true or false", "true, false"))
        return False
    return value


def parse_options(
    raw: Mapping[str, Any] | None = None, *, preset: str = "default"
) -> ProgressionOptions:
    """Options from a plain mapping (JSON, CLI), on top of a named preset.

    Raises :class:`InvalidInput` naming every bad option and what it allows.
    """
    errors: list[FieldError] = []
    if preset not in PRESETS:
        raise InvalidInput([FieldError("preset", f"unknown preset {preset!r}", ", ".join(PRESETS))])
    base = PRESETS[preset]
    raw = dict(raw or {})
    known = {f.name for f in fields(ProgressionOptions)}
    for name in sorted(set(raw) - known):
        errors.append(FieldError(name, "unknown option", ", ".join(sorted(known))))
    changes: dict[str, Any] = {}
    parsers: dict[str, Any] = {
        "event": lambda v: _choice("event", v, EVENT_MODES, errors),
        "baseline": lambda v: _choice("baseline", v, BASELINE_SCHEMES, errors),
        "proceed_from": lambda v: _choice("proceed_from", v, PROCEED_FROM, errors),
        "threshold": lambda v: _choice("threshold", v, tuple(THRESHOLDS), errors),
        "improvement_threshold": lambda v: (
            None
            if v is None
            else _choice("improvement_threshold", v, IMPROVEMENT_THRESHOLDS, errors)
        ),
        "conf_days": lambda v: _conf_days(v, errors),
        "conf_tol_days": lambda v: (
            _pair("conf_tol_days", v, errors)
            if not isinstance(v, int | float)
            else _pair("conf_tol_days", (v, v), errors)
        ),
        "require_sust_days": lambda v: _days("require_sust_days", v, errors),
        "check_intermediate": lambda v: _flag("check_intermediate", v, errors),
        "relapse_to_bl": lambda v: _pair("relapse_to_bl", v, errors),
        "relapse_to_event": lambda v: _pair("relapse_to_event", v, errors),
        "relapse_to_conf": lambda v: _pair("relapse_to_conf", v, errors),
        "relapse_assoc": lambda v: _pair("relapse_assoc", v, errors),
        "relapse_indep": lambda v: _indep(v, errors),
        "raw_pira": lambda v: _flag("raw_pira", v, errors),
        "impute_last_visit": lambda v: _impute(v, errors),
    }
    for name, value in raw.items():
        if name in parsers:
            changes[name] = parsers[name](value)
    if errors:
        raise InvalidInput(errors)
    return replace(base, **changes)


def _impute(value: Any, errors: list[FieldError]) -> float:
    days = _days("impute_last_visit", value, errors)
    if 0 < days < 1:
        errors.append(
            FieldError(
                "impute_last_visit",
                "a probability would make results change from run to run",
                "0 (never), 1 (always) or a number of days above 1",
            )
        )
    return days
