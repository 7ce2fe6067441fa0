"""``hsct knowledge``, ``hsct facilities`` and ``hsct legitimacy``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hsct.cli.console import stdout
from hsct.cli.files import os_reason, read_text, shown
from hsct.common.edss_value import format_step
from hsct.common.errors import FieldError, InvalidInput, excerpt

# The knowledge base (pydantic, YAML, Babel) and Rich tables are imported by the commands
# that use them, so `hsct --help` stays fast.
if TYPE_CHECKING:
    from rich.console import Console

    from hsct.knowledge import Catalog, Facility
    from hsct.knowledge.catalog import Limits
    from hsct.knowledge.directory import SortKey
    from hsct.knowledge.schema import CostQuote, Fact

knowledge_app = typer.Typer(help="Check the knowledge base.", no_args_is_help=True)
facilities_app = typer.Typer(help="The facility directory.", no_args_is_help=True)


def _console() -> Console:
    return stdout()


def _print_json(data: Any) -> None:
    _console().print(json.dumps(data, indent=2, ensure_ascii=False, default=str), markup=False)


@knowledge_app.command("check")
def knowledge_check(
    today: Annotated[
        str | None, typer.Option(help="Date to judge freshness by (YYYY-MM-DD).")
    ] = None,
    data: Annotated[Path | None, typer.Option(help="Check this data folder instead.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Validate every file; list facts older than three years, unsourced and unverified facts.

    Exits 1 when the data are invalid (the problems are listed).
    """
    from hsct.knowledge import check, load_catalog  # noqa: PLC0415 - see the imports above

    day = _parse_day(today)
    catalog = _load_folder(data) if data else load_catalog()
    report = check(catalog, day)
    if as_json:
        _print_json(
            {
                "valid": True,
                "today": day.isoformat(),
                "counts": report.counts,
                "stale": [vars_of(r) for r in report.stale],
                "unsourced": [vars_of(r) for r in report.unsourced],
                "unverified": [vars_of(r) for r in report.unverified],
                "gaps": [vars_of(r) for r in report.gaps],
            }
        )
        return
    console = _console()
    console.print(
        f"Knowledge base is valid: {len(catalog.facilities)} facilities, "
        f"{len(catalog.rulesets)} rule sets, {len(catalog.drugs)} drugs, "
        f"{len(catalog.regimens)} regimens, {len(catalog.studies)} studies, "
        f"{len(catalog.sources)} sources."
    )
    counts = report.counts
    console.print(
        f"{counts['facts']} facts as of {day.isoformat()}: {counts['stale']} older than 3 years, "
        f"{counts['unsourced']} without a source, {counts['unverified']} unverified, "
        f"{counts['partly_verified']} partly verified, {counts['gaps']} looked for and not found."
    )
    for title, records in (
        ("Without a source", report.unsourced),
        ("Unverified", report.unverified),
        ("Looked for, not found", report.gaps),
        ("Older than 3 years", report.stale),
    ):
        if records:
            console.print(f"\n{title}:")
            for record in records:
                console.print(
                    f"  {record.path}  ({record.src or 'no source'}, {record.date})", markup=False
                )


def _load_folder(root: Path) -> Catalog:
    """The knowledge base in ``root``; a file that cannot be read or parsed is named."""
    from hsct.knowledge import load_catalog_from  # noqa: PLC0415 - see the imports above

    try:
        return load_catalog_from(root)
    except (OSError, UnicodeDecodeError, RecursionError, ValueError) as exc:
        raise _unreadable_file(root, exc) from None


def _unreadable_file(root: Path, exc: Exception) -> InvalidInput:
    """Which file of ``root`` the loader could not take, and why (found by reading them again)."""
    import yaml  # noqa: PLC0415 - see the imports above

    if isinstance(exc, OSError):
        where = shown(exc.filename) if exc.filename else shown(root)
        return InvalidInput([FieldError("--data", f"cannot read {where}: {os_reason(exc)}")])
    for path in sorted(root.rglob("*.y*ml")):
        try:
            yaml.safe_load(read_text(path, "--data", max_bytes=None, empty_ok=True))
        except InvalidInput as problem:  # not UTF-8, binary or unreadable
            return problem
        except yaml.YAMLError:
            continue  # the loader reports these itself
        except RecursionError:
            return InvalidInput([FieldError("--data", f"{shown(path)} is nested too deeply")])
        except ValueError:
            return InvalidInput(
                [FieldError("--data", f"{shown(path)} holds a number that is too long")]
            )
    reason = " ".join(str(exc).split())[:100] or type(exc).__name__
    return InvalidInput([FieldError("--data", f"cannot load {shown(root)}: {reason}")])


def vars_of(record: Any) -> dict[str, Any]:
    """A record as a plain dict."""
    return {"path": record.path, "src": record.src, "date": record.date, "tag": record.tag}


def _parse_day(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()  # noqa: DTZ011 - freshness is judged by the local calendar day
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            [FieldError("today", f"{excerpt(text)} is not a date", "YYYY-MM-DD")]
        ) from None


def _limits_text(limits: Limits) -> tuple[str, str, str]:
    types = ", ".join(limits.ms_types) if limits.ms_types else "not stated"
    if limits.edss_max is None:
        edss = "not stated"
    elif limits.edss_soft_max is not None:
        soft, hard = format_step(limits.edss_soft_max), format_step(limits.edss_max)
        edss = f"usually <= {soft}; <= {hard} in some cases"
    else:
        edss = f"<= {format_step(limits.edss_max)}"
    if limits.age_min is None and limits.age_max is None:
        age = "not stated"
    else:
        low = "" if limits.age_min is None else f"{limits.age_min:g}"
        high = "" if limits.age_max is None else f"{limits.age_max:g}"
        age = f"{low}-{high}"
    return types, edss, age


def _quote_text(quote: CostQuote) -> str:
    from hsct.knowledge import format_money  # noqa: PLC0415 - see the imports above

    amount = format_money(quote.amount, quote.currency, "en")
    if quote.amount_max is not None:
        amount += " to " + format_money(quote.amount_max, quote.currency, "en")
    year = f" ({quote.year})" if quote.year else " (year not stated)"
    return amount + year


@facilities_app.command("list")
def facilities_list(  # noqa: PLR0917 - Typer passes CLI options as parameters
    country: Annotated[str | None, typer.Option(help="Two-letter country code, e.g. MX.")] = None,
    ms_type: Annotated[str | None, typer.Option(help="RRMS, SPMS, PPMS or CIS.")] = None,
    edss: Annotated[
        float | None, typer.Option(help="Your EDSS: keep facilities that accept it.")
    ] = None,
    age: Annotated[
        float | None, typer.Option(help="Your age: keep facilities that accept it.")
    ] = None,
    intensity: Annotated[str | None, typer.Option(help="high, intermediate or low.")] = None,
    status: Annotated[str | None, typer.Option(help="e.g. accepting_patients.")] = None,
    max_price: Annotated[float | None, typer.Option(help="Highest price, in --currency.")] = None,
    currency: Annotated[str, typer.Option(help="Currency for prices.")] = "USD",
    hide_unknown: Annotated[
        bool, typer.Option(help="Hide facilities whose limits are not stated.")
    ] = False,
    sort: Annotated[
        str,
        typer.Option(
            help="open (accepting patients, with published criteria, first), "
            "country, name, price, edss or age."
        ),
    ] = "open",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List facilities, filtered and sorted. Limits not stated by a facility are shown as such."""
    from rich.table import Table  # noqa: PLC0415 - see the imports above

    from hsct.eligibility.directory import directory_search  # noqa: PLC0415
    from hsct.knowledge import DirectoryQuery, format_money, load_catalog  # noqa: PLC0415
    from hsct.knowledge.directory import SORT_KEYS  # noqa: PLC0415
    from hsct.knowledge.export import entry_dict  # noqa: PLC0415
    from hsct.knowledge.labels import STATUS_LABELS  # noqa: PLC0415

    catalog = load_catalog()
    if sort not in SORT_KEYS:
        raise InvalidInput(
            [FieldError("sort", f"unknown sort {excerpt(sort)}", ", ".join(SORT_KEYS))]
        )
    sort_key: SortKey = sort  # type: ignore[assignment]  # checked just above
    if len(currency) != 3 or not currency.isalpha():  # the core would quote all of it
        raise InvalidInput(
            [FieldError("currency", f"{excerpt(currency)} is not a currency code", "e.g. USD")]
        )
    query = DirectoryQuery(
        country=country,
        ms_type=ms_type,
        edss=edss,
        age=age,
        intensity=intensity,
        status=status,
        max_price=max_price,
        currency=currency.upper(),
        hide_unknown=hide_unknown,
        sort=sort_key,
    )
    entries = directory_search(catalog, query)
    if as_json:
        _print_json([entry_dict(e, query.currency) for e in entries])
        return
    table = Table(title=f"{len(entries)} facilities", show_lines=False)
    for column in ("id", "place", "status", "MS types", "EDSS", "age", "price"):
        table.add_column(column)
    for item in entries:
        types, edss_text, age_text = _limits_text(item.limits)
        price = "not stated"
        if item.cheapest and item.cheapest.value:
            price = _quote_text(item.cheapest.value)
            if item.cheapest.value.currency != query.currency and item.converted_price:
                price += f" ~{format_money(item.converted_price, query.currency, 'en')}"
        table.add_row(
            item.facility.id,
            f"{item.facility.city}, {item.facility.country}",
            STATUS_LABELS[item.facility.status.value or "programme_not_confirmed"],
            types,
            edss_text,
            age_text,
            price,
        )
    console = _console()
    console.print(table)
    console.print(
        f"Prices converted at ECB rates of {catalog.rates.date}; each price keeps its own year.",
        markup=False,
    )


def _fact_line(catalog: Catalog, label: str, fact: Fact[Any], value: str | None = None) -> str:
    from hsct.knowledge.labels import TAG_LABELS  # noqa: PLC0415 - see the imports above

    shown = "not known" if not fact.known else value if value is not None else str(fact.value)
    date = catalog.fact_date(fact)
    source = catalog.sources[fact.src].label if fact.src else None
    provenance = f"{source}, {date}, {TAG_LABELS[fact.tag].lower()}" if source else ""
    note = f" Note: {fact.note}" if fact.note else ""
    return f"  {label}: {shown}" + (f"  [{provenance}]" if provenance else "") + note


@facilities_app.command("show")
def facilities_show(
    facility_id: Annotated[str, typer.Argument(help="Facility id, e.g. moscow-pirogov.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Everything known about one facility, each fact with its source and date."""
    from hsct.knowledge import describe, load_catalog, rate_facility  # noqa: PLC0415
    from hsct.knowledge.export import facility_dict  # noqa: PLC0415
    from hsct.knowledge.labels import STATUS_LABELS  # noqa: PLC0415

    catalog = load_catalog()
    facility = _facility(catalog, facility_id, "FACILITY_ID")
    if as_json:
        _print_json(facility_dict(facility, catalog))
        return
    console = _console()
    console.print(f"[bold]{facility.name}[/bold] ({facility.city}, {facility.country})")
    lines = [
        _fact_line(
            catalog, "Status", facility.status, STATUS_LABELS.get(facility.status.value or "", None)
        ),
        _fact_line(
            catalog,
            "Clinicians",
            facility.lead_clinicians,
            ", ".join(f"{c.name} ({c.role})" for c in facility.lead_clinicians.value or ()),
        ),
        _fact_line(
            catalog,
            "Regimens",
            facility.regimens,
            ", ".join(catalog.regimens[r].name for r in facility.regimens.value or ()),
        ),
        _fact_line(catalog, "Stay (days)", facility.stay_days, _range(facility)),
        _fact_line(catalog, "Caregiver required", facility.caregiver_required),
        _fact_line(
            catalog,
            "Accreditation",
            facility.accreditation,
            ", ".join(facility.accreditation.value or ()),
        ),
        _fact_line(
            catalog,
            "Reports to registries",
            facility.registry_reporting,
            ", ".join(facility.registry_reporting.value or ()),
        ),
        _fact_line(catalog, "Contact", facility.contact_url),
        _fact_line(catalog, "Follow-up", facility.follow_up),
    ]
    for line in lines:
        console.print(line, markup=False)
    console.print("  Prices:" if facility.costs else "  Prices: not known")
    for quote in facility.costs:
        if quote.value is not None:
            line = _fact_line(catalog, "-", quote, _quote_text(quote.value))
            console.print("    " + line.strip().replace("-: ", "- ", 1), markup=False)
    if facility.id in catalog.rulesets:
        console.print("  Criteria:")
        for criterion in catalog.criteria(facility.id):
            text = describe(criterion)
            detail = " / ".join(p.text for p in text.parts)
            wording = f' "{text.quote}"' if text.quote else ""
            cond = f"{text.condition}: " if text.condition else ""
            console.print(
                f"    - {cond}{text.text}{' ' + detail if detail else ''}{wording} "
                f"[{criterion.strength}]",
                markup=False,
            )
    rating = rate_facility(facility, catalog)
    console.print(f"  Legitimacy: {rating.summary}", markup=False)


def _range(facility: Facility) -> str | None:
    value = facility.stay_days.value
    if value is None:
        return None
    if value.min == value.max:
        return f"{value.min:g}"
    return f"{value.min:g}-{value.max:g}"


def _facility(catalog: Catalog, facility_id: str, field: str = "facility") -> Facility:
    if facility_id not in catalog.facilities:
        raise InvalidInput(
            [
                FieldError(
                    field,
                    f"unknown facility {excerpt(facility_id)}",
                    "an id from `hsct facilities list`",
                )
            ]
        )
    return catalog.facilities[facility_id]


@facilities_app.command("compare")
def facilities_compare(
    facility_ids: Annotated[list[str], typer.Argument(help="2 to 4 facility ids.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Two to four facilities side by side, each price in its own currency and year."""
    from rich.table import Table  # noqa: PLC0415 - see the imports above

    from hsct.knowledge import compare, load_catalog, rate_facility  # noqa: PLC0415
    from hsct.knowledge.export import facility_dict  # noqa: PLC0415
    from hsct.knowledge.labels import INTENSITY_LABELS, STATUS_LABELS  # noqa: PLC0415

    catalog = load_catalog()
    try:
        chosen = compare(catalog, facility_ids)
    except InvalidInput as exc:  # name the argument as the help shows it
        raise InvalidInput(
            [FieldError("FACILITY_IDS", e.message, e.allowed) for e in exc.errors]
        ) from None
    if as_json:
        _print_json([facility_dict(f, catalog) for f in chosen])
        return
    table = Table(show_lines=True)
    table.add_column("")
    for facility in chosen:
        table.add_column(facility.id)
    rows: dict[str, list[str]] = {
        name: []
        for name in (
            "place",
            "status",
            "MS types",
            "EDSS",
            "age",
            "intensity",
            "price",
            "stay (days)",
            "caregiver",
            "legitimacy",
        )
    }
    for facility in chosen:
        types, edss_text, age_text = _limits_text(catalog.limits(facility.id))
        prices = [q for q in facility.costs if q.value is not None and q.value.kind == "treatment"]
        rows["place"].append(f"{facility.city}, {facility.country}")
        rows["status"].append(STATUS_LABELS[facility.status.value or "programme_not_confirmed"])
        rows["MS types"].append(types)
        rows["EDSS"].append(edss_text)
        rows["age"].append(age_text)
        rows["intensity"].append(
            ", ".join(INTENSITY_LABELS[i] for i in catalog.intensities(facility)) or "not known"
        )
        rows["price"].append(
            "; ".join(_quote_text(q.value) for q in prices if q.value) or "not known"
        )
        rows["stay (days)"].append(_range(facility) or "not known")
        rows["caregiver"].append(
            {True: "required", False: "not required", None: "not known"}[
                facility.caregiver_required.value
            ]
        )
        rows["legitimacy"].append(str(rate_facility(facility, catalog).summary))
    for name, values in rows.items():
        table.add_row(name, *values)
    _console().print(table)


def _parse_answers(pairs: list[str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    errors = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            errors.append(
                FieldError("answer", f"{excerpt(pair)} is not KEY=VALUE", "question=answer")
            )
        else:
            answers[key.strip()] = value.strip()
    if errors:
        raise InvalidInput(errors)
    return answers


def _ask_the_rest(answers: dict[str, str]) -> None:
    """Prompt for every unanswered question; a reply outside the choices is asked again."""
    from hsct.knowledge import QUESTIONS  # noqa: PLC0415 - see the imports above

    for question in QUESTIONS:
        if question.id in answers:
            continue
        allowed = [choice.value for choice in question.choices]
        reply = ""
        while reply not in allowed:
            reply = typer.prompt(f"{question.text} [{'/'.join(allowed)}]", default="unsure")
            reply = reply.strip()
        answers[question.id] = reply


def legitimacy_command(
    facility: Annotated[
        str | None, typer.Option(help="Rate a listed facility from its facts.")
    ] = None,
    answer: Annotated[
        list[str] | None, typer.Option(help="An answer, QUESTION=ANSWER (repeatable).")
    ] = None,
    ask: Annotated[bool, typer.Option("--ask", help="Ask the questions one by one.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Is it real aHSCT? Rate a clinic by the warning signs and safeguards it shows.

    Questions: chemotherapy, cells, duration, criteria, pressure, many_diseases, claims,
    cure_claim, pay_for_trial, registration_badge, accreditation, registry, published_results,
    named_team, follow_up, risks_explained. Answers: yes, no, unsure (cells: own_blood_stem_cells,
    mesenchymal, fat, cord, exosomes, unsure; duration: hours_or_days, weeks, unsure).
    """
    from hsct.knowledge import load_catalog, rate, rate_facility  # noqa: PLC0415
    from hsct.knowledge.export import rating_dict  # noqa: PLC0415

    catalog = load_catalog()
    if facility is not None:
        rating = rate_facility(_facility(catalog, facility), catalog)
    else:
        answers = _parse_answers(answer or [])
        if ask:
            _ask_the_rest(answers)
        try:
            rating = rate(answers, catalog)
        except InvalidInput as exc:  # name the option the answer came from
            raise InvalidInput(
                [FieldError(f"--answer {e.field}", e.message, e.allowed) for e in exc.errors]
            ) from None
    if as_json:
        _print_json(rating_dict(rating))
        return
    console = _console()
    console.print(f"[bold]{rating.summary}[/bold]")
    for title, reasons in (("Warning signs", rating.red), ("Reassuring signs", rating.green)):
        if reasons:
            console.print(f"\n{title}:")
            for reason in reasons:
                hard = " (decisive)" if reason.flag.hard else ""
                console.print(f"  - {reason.message}{hard}", markup=False)
                for source in reason.sources:
                    console.print(f"      source: {source.label} ({source.date})", markup=False)
    if rating.unanswered:
        console.print("\nQuestions to ask the clinic:")
        for question in rating.unanswered:
            console.print(f"  - {question.text}", markup=False)
