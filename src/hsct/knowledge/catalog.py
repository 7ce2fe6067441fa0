"""Load the knowledge base from its YAML files, validate it once, and serve it read-only.

Every problem found while loading (a file that is not valid YAML, a field of the wrong
shape, a reference to a source, regimen, drug or rule set that does not exist, an
inheritance cycle) is collected with the file and place it occurs, and reported together
as one :class:`CatalogError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from hsct.common.errors import HsctError
from hsct.common.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, data_translations
from hsct.common.text import Citation
from hsct.knowledge.schema import (
    Criterion,
    Drug,
    ExchangeRates,
    Facility,
    Fact,
    Guide,
    Intensity,
    MsType,
    Regimen,
    RiskData,
    RuleSet,
    Source,
    Study,
)

M = TypeVar("M", bound=BaseModel)


#: The languages whose translated drug names :meth:`Catalog.find_drug` also knows.
TRANSLATED = tuple(lang for lang in SUPPORTED_LOCALES if lang != DEFAULT_LOCALE)


class CatalogError(HsctError):
    """The knowledge base is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            f"{len(problems)} problem(s) in the knowledge base: " + "; ".join(problems)
        )


@dataclass(frozen=True, slots=True)
class Limits:
    """A facility's limits as its criteria state them (None: no such criterion).

    ``edss_max`` is the hard ceiling; ``edss_soft_max`` a lower ceiling above which
    acceptance is soft or case by case (Clínica Ruiz: 7.0, up to 8.0 after review).
    ``durations`` are the hard criteria on years since diagnosis (London: 15 or fewer), shown
    in words by the directory so that it states every limit the candidate check applies.
    """

    ms_types: tuple[MsType, ...] | None
    edss_max: float | None
    edss_soft_max: float | None
    age_min: float | None
    age_max: float | None
    durations: tuple[Criterion, ...] = ()


@dataclass(frozen=True)
class Catalog:
    """The whole knowledge base, validated and cross-referenced."""

    sources: Mapping[str, Source]
    facilities: Mapping[str, Facility]
    rulesets: Mapping[str, RuleSet]
    drugs: Mapping[str, Drug]
    regimens: Mapping[str, Regimen]
    studies: Mapping[str, Study]
    rates: ExchangeRates
    risks: RiskData
    guide: Guide = field(default_factory=Guide)

    @cached_property
    def _citations(self) -> dict[str, Citation]:
        return {
            key: Citation(label=s.label, date=s.date, url=s.url, doi=s.doi)
            for key, s in self.sources.items()
        }

    @cached_property
    def _criteria(self) -> dict[str, tuple[Criterion, ...]]:
        return {}

    @cached_property
    def _drug_names(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for drug in self.drugs.values():
            local = (brand for brands in drug.local_brands.values() for brand in brands)
            translated = (data_translations(lang).gettext(drug.name) for lang in TRANSLATED)
            for name in (drug.id, drug.name, *drug.brands, *local, *translated):
                index[name.casefold()] = drug.id
                # "interferon beta (1a, 1b, peginterferon)" is also found as "interferon beta"
                index.setdefault(name.split(" (")[0].casefold(), drug.id)
        return index

    def find_drug(self, name: str) -> Drug | None:
        """A drug by id, name or brand, whatever the case and script ("Ocrevus", "Окревус",
        "ocrelizumab", "окрелизумаб")."""
        drug_id = self._drug_names.get(name.strip().casefold())
        return None if drug_id is None else self.drugs[drug_id]

    def citation(self, src: str, as_of: str | None = None) -> Citation:
        """The citation for source ``src``, dated ``as_of`` or the source's own date."""
        citation = self._citations[src]
        if as_of and as_of != citation.date:
            return Citation(label=citation.label, date=as_of, url=citation.url, doi=citation.doi)
        return citation

    def fact_date(self, fact: Fact[Any]) -> str | None:
        """When a fact was true: its own as-of date, else its source's date."""
        if fact.as_of:
            return fact.as_of
        return self.sources[fact.src].date if fact.src else None

    def criteria(self, ruleset_id: str) -> tuple[Criterion, ...]:
        """A rule set's criteria, inherited ones first."""
        found = self._criteria.get(ruleset_id)
        if found is None:
            ruleset = self.rulesets[ruleset_id]
            inherited = tuple(c for parent in ruleset.inherits for c in self.criteria(parent))
            found = self._criteria[ruleset_id] = inherited + ruleset.criteria
        return found

    def facility_ruleset(self, facility_id: str) -> RuleSet | None:
        """The facility's own criteria (rule-set id = facility id), if published."""
        return self.rulesets.get(facility_id)

    def facilities_using(self, regimen_id: str) -> tuple[Facility, ...]:
        """Facilities whose regimens include ``regimen_id``."""
        return tuple(
            facility
            for facility in self.facilities.values()
            if regimen_id in (facility.regimens.value or ())
        )

    def intensities(self, facility: Facility) -> tuple[Intensity, ...]:
        """The intensity classes of the regimens a facility uses (empty when unknown)."""
        found = [self.regimens[r].intensity.value for r in facility.regimens.value or ()]
        return tuple(sorted({value for value in found if value is not None}))

    def limits(self, facility_id: str) -> Limits:
        """MS types, EDSS and age limits, read from the facility's own criteria."""
        if facility_id not in self.rulesets:
            return Limits(None, None, None, None, None)
        ms_types: tuple[MsType, ...] | None = None
        edss_hard: list[float] = []
        edss_soft: list[float] = []
        ages: list[tuple[float | None, float | None]] = []
        durations: list[Criterion] = []
        for criterion in self.criteria(facility_id):
            if criterion.when is not None:
                continue
            low, high = _bounds(criterion)
            if criterion.parameter == "ms_type" and criterion.strength == "hard":
                ms_types = tuple(criterion.threshold)
            elif criterion.parameter == "edss" and high is not None:
                (edss_hard if criterion.strength == "hard" else edss_soft).append(high)
            elif criterion.parameter == "age" and criterion.strength == "hard":
                ages.append((low, high))
            elif criterion.parameter == "disease_duration_years" and criterion.strength == "hard":
                durations.append(criterion)
        hard = min(edss_hard) if edss_hard else None
        soft = min(edss_soft) if edss_soft else None
        return Limits(
            ms_types=ms_types,
            edss_max=hard,
            edss_soft_max=soft if soft is not None and (hard is None or soft < hard) else None,
            age_min=max((lo for lo, _ in ages if lo is not None), default=None),
            age_max=min((hi for _, hi in ages if hi is not None), default=None),
            durations=tuple(durations),
        )


def _bounds(criterion: Criterion) -> tuple[float | None, float | None]:
    """The numeric range a simple criterion allows (ends None when open)."""
    op, value = criterion.operator, criterion.threshold
    if op == "between":
        return float(value[0]), float(value[1])
    if op in ("<=", "<"):
        return None, float(value)
    if op in (">=", ">"):
        return float(value), None
    if op == "==":
        return float(value), float(value)
    return None, None


DATA_PACKAGE = "hsct.knowledge"


def data_root() -> Path:
    """The folder of YAML files shipped in the package."""
    return Path(str(resources.files(DATA_PACKAGE).joinpath("data")))


@cache
def load_catalog() -> Catalog:
    """The knowledge base shipped in the package, loaded and validated once."""
    return load_catalog_from(data_root())


def load_catalog_from(root: Path) -> Catalog:
    """Load and validate the knowledge base in ``root``; raise CatalogError listing all problems."""
    if not root.is_dir():
        raise CatalogError([f"{root}: no such folder"])
    problems: list[str] = []
    reader = _Reader(root, problems)
    sources: dict[str, Source | None] = {}
    # sources.yaml, then one file per topic under sources/ (risk, drugs, ...).
    source_files = ["sources.yaml"] + [
        f"sources/{path.name}" for path in sorted((root / "sources").glob("*.yaml"))
    ]
    for name in source_files:
        for key, value in reader.mapping(name).items():
            if key in sources:
                problems.append(f"{name}:{key}: duplicate source id")
                continue
            sources[key] = reader.model(Source, {"id": key, **(value or {})}, f"{name}:{key}")
    regimens = reader.listed("regimens.yaml", Regimen)
    drugs = reader.listed("drugs.yaml", Drug)
    studies = reader.listed("studies.yaml", Study)
    rulesets: dict[str, RuleSet | None] = {}
    for path in sorted((root / "rulesets").glob("*.yaml")):
        data = reader.mapping(f"rulesets/{path.name}")
        rulesets[str(data.get("id", path.stem))] = reader.model(
            RuleSet, data, f"rulesets/{path.name}"
        )
    facilities: dict[str, Facility | None] = {}
    for path in sorted((root / "facilities").glob("*.yaml")):
        where = f"facilities/{path.name}"
        data = reader.mapping(where)
        facility = reader.model(Facility, data.get("facility"), f"{where}:facility")
        key = facility.id if facility else path.stem
        facilities[key] = facility
        if facility is not None and facility.id != path.stem:
            problems.append(f"{where}: id {facility.id!r} differs from the file name")
        if "ruleset" in data:
            own = {
                "id": key,
                "kind": "facility",
                "short_title": facility.name if facility else key,
                **(data["ruleset"] or {}),
            }
            rulesets[key] = reader.model(RuleSet, own, f"{where}:ruleset")
    rates = reader.model(
        ExchangeRates, reader.mapping("exchange_rates.yaml"), "exchange_rates.yaml"
    )
    risks = reader.model(RiskData, reader.mapping("risks.yaml"), "risks.yaml")
    guide = _read_guide(reader)
    if problems or rates is None or risks is None:
        raise CatalogError(problems or ["exchange_rates.yaml or risks.yaml: missing"])
    catalog = Catalog(
        sources=MappingProxyType({k: v for k, v in sources.items() if v is not None}),
        facilities=MappingProxyType({k: v for k, v in facilities.items() if v is not None}),
        rulesets=MappingProxyType({k: v for k, v in rulesets.items() if v is not None}),
        drugs=MappingProxyType(drugs),
        regimens=MappingProxyType(regimens),
        studies=MappingProxyType(studies),
        rates=rates,
        risks=risks,
        guide=guide or Guide(),
    )
    problems.extend(reference_problems(catalog))
    if problems:
        raise CatalogError(problems)
    return catalog


#: The decision aid's files under ``guide/``: each a mapping of Guide fields, except the
#: glossary, which is a list of terms.
GUIDE_FILES = ("guide/stages.yaml", "guide/decision.yaml")


def _read_guide(reader: _Reader) -> Guide | None:
    data: dict[str, Any] = {}
    for name in GUIDE_FILES:
        data.update(reader.mapping(name))
    data["glossary"] = reader._load("guide/glossary.yaml", list, "a list")
    return reader.model(Guide, data, "guide")


class _Reader:
    def __init__(self, root: Path, problems: list[str]) -> None:
        self.root = root
        self.problems = problems

    def _load(self, name: str, expected: type[Any], shape: str) -> Any:
        """The parsed file, or ``expected()`` with the problem recorded."""
        try:
            loaded = yaml.safe_load((self.root / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.problems.append(f"{name}: file missing")
            return expected()
        except yaml.YAMLError as exc:
            self.problems.append(f"{name}: {_yaml_problem(exc)}")
            return expected()
        if not isinstance(loaded, expected):
            self.problems.append(f"{name}: expected {shape} at the top")
            return expected()
        return loaded

    def mapping(self, name: str) -> dict[str, Any]:
        loaded: dict[str, Any] = self._load(name, dict, "a mapping")
        return loaded

    def model(self, cls: type[M], data: Any, where: str) -> M | None:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                location = ".".join(str(part) for part in error["loc"])
                self.problems.append(f"{where}: {location}: {error['msg']}")
            return None

    def listed(self, name: str, cls: type[M]) -> dict[str, M]:
        loaded: list[Any] = self._load(name, list, "a list")
        found: dict[str, M] = {}
        for index, item in enumerate(loaded):
            model = self.model(cls, item, f"{name}[{index}]")
            if model is None:
                continue
            key = str(getattr(model, "id", index))
            if key in found:
                self.problems.append(f"{name}[{index}]: duplicate id {key!r}")
            found[key] = model
        return found


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return f"not valid YAML: {problem}"
    return f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}"


def reference_problems(catalog: Catalog) -> list[str]:
    """Every reference to something that does not exist, and every inheritance cycle."""
    problems = [
        f"{path}: unknown source {src!r}"
        for path, src in _source_references(catalog)
        if src not in catalog.sources
    ]
    problems += _facility_problems(catalog)
    problems += _study_problems(catalog)
    problems += _risk_problems(catalog)
    problems += _guide_problems(catalog)
    for ruleset in catalog.rulesets.values():
        problems += _inheritance_problems(catalog, ruleset.id, ())
        if ruleset.kind == "facility" and ruleset.id not in catalog.facilities:
            problems.append(f"rulesets/{ruleset.id}: facility rule set without a facility")
    if not problems:
        problems += _duplicate_criteria(catalog)
    return problems


def _facility_problems(catalog: Catalog) -> list[str]:
    problems = []
    for facility in catalog.facilities.values():
        problems += [
            f"facilities/{facility.id}: unknown regimen {regimen!r}"
            for regimen in facility.regimens.value or ()
            if regimen not in catalog.regimens
        ]
        washout = facility.washout.value
        problems += [
            f"facilities/{facility.id}: washout for unknown drug {drug!r}"
            for drug in (washout.by_drug if washout else {})
            if drug not in catalog.drugs
        ]
    return problems


def _study_problems(catalog: Catalog) -> list[str]:
    problems = []
    for study in catalog.studies.values():
        problems += [
            f"studies/{study.id}: unknown regimen {regimen!r}"
            for regimen in study.regimens
            if regimen not in catalog.regimens
        ]
        problems += [
            f"studies/{study.id}: unknown facility {facility_id!r}"
            for facility_id in study.facilities
            if facility_id not in catalog.facilities
        ]
    return problems


def _risk_problems(catalog: Catalog) -> list[str]:
    """risks.yaml names studies with counted deaths; intensity cohorts have one intensity."""
    risks = catalog.risks
    problems = []
    named = [
        ("pooled", risks.pooled.study),
        *(("era.older", c.study) for c in risks.era.older),
        *(("era.recent", c.study) for c in risks.era.recent),
        *(("intensity.cohorts", c.study) for c in risks.intensity.cohorts),
    ]
    for where, study_id in named:
        study = catalog.studies.get(study_id)
        if study is None:
            problems.append(f"risks.yaml:{where}: unknown study {study_id!r}")
        elif study.mortality is None:
            problems.append(f"risks.yaml:{where}: study {study_id!r} reports no mortality")
        elif where != "pooled" and (study.mortality.deaths is None or not study.mortality.patients):
            problems.append(f"risks.yaml:{where}: study {study_id!r} gives no deaths and patients")
    problems += [
        f"risks.yaml:intensity.cohorts: study {c.study!r} needs exactly one intensity"
        for c in risks.intensity.cohorts
        if c.study in catalog.studies and len(catalog.studies[c.study].intensity) != 1
    ]
    return problems


def _guide_problems(catalog: Catalog) -> list[str]:
    """The guide names regimens and options that exist, and its ids do not repeat."""
    guide = catalog.guide
    problems = [
        f"guide/stages.yaml:intensities.{term.id}: unknown regimen {regimen!r}"
        for term in guide.intensities
        for regimen in term.regimens
        if regimen not in catalog.regimens
    ]
    options = {option.id for option in guide.options}
    problems += [
        f"guide/decision.yaml:frames.{frame.id}: unknown option {option!r}"
        for frame in guide.frames
        for option in frame.options
        if option not in options
    ]
    groups: list[tuple[str, list[str]]] = [
        ("guide/stages.yaml:stages", [stage.id for stage in guide.stages]),
        ("guide/glossary.yaml", [term.id for term in guide.glossary]),
        ("guide/decision.yaml:options", [option.id for option in guide.options]),
        ("guide/decision.yaml:frames", [frame.id for frame in guide.frames]),
        ("guide/decision.yaml:values", [value.id for value in guide.values]),
    ]
    for where, ids in groups:
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            problems.append(f"{where}: ids repeat {repeated}")
    return problems


def _duplicate_criteria(catalog: Catalog) -> list[str]:
    problems = []
    for ruleset in catalog.rulesets.values():
        ids = [criterion.id for criterion in catalog.criteria(ruleset.id)]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            problems.append(f"rulesets/{ruleset.id}: criterion ids repeat {duplicates}")
    return problems


def _inheritance_problems(catalog: Catalog, ruleset_id: str, chain: tuple[str, ...]) -> list[str]:
    if ruleset_id in chain:
        return [f"rulesets/{chain[0]}: inheritance cycle {' -> '.join((*chain, ruleset_id))}"]
    ruleset = catalog.rulesets.get(ruleset_id)
    if ruleset is None:
        return [f"rulesets/{chain[-1]}: inherits unknown rule set {ruleset_id!r}"]
    problems = []
    for parent in ruleset.inherits:
        problems.extend(_inheritance_problems(catalog, parent, (*chain, ruleset_id)))
    return problems


def _source_references(catalog: Catalog) -> Iterator[tuple[str, str]]:
    for path, model in iter_models(catalog):
        src = getattr(model, "src", None)
        if isinstance(src, str):
            yield path, src


def iter_models(catalog: Catalog) -> Iterator[tuple[str, BaseModel]]:
    """Every model in the catalog, with a readable path, depth first."""
    tops: list[tuple[str, Mapping[str, BaseModel]]] = [
        ("facilities", catalog.facilities),
        ("rulesets", catalog.rulesets),
        ("drugs", catalog.drugs),
        ("regimens", catalog.regimens),
        ("studies", catalog.studies),
    ]
    for folder, items in tops:
        for key, model in items.items():
            yield from _walk(f"{folder}/{key}", model)
    yield from _walk("exchange_rates", catalog.rates)
    yield from _walk("risks", catalog.risks)
    yield from _walk("guide", catalog.guide)


def _walk(path: str, value: Any) -> Iterator[tuple[str, BaseModel]]:
    if isinstance(value, BaseModel):
        yield path, value
        for name in type(value).model_fields:
            yield from _walk(f"{path}.{name}", getattr(value, name))
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            yield from _walk(f"{path}[{index}]", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(f"{path}.{key}", item)
