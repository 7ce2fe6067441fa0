"""Is my MS still stopped? A record's entries through the outcomes engine, in plain terms.

The engine's rows come from the record like this (``docs/user-guide/my-record.md``):

- **visits**: every EDSS entry; two on one day keep the one rated by the most qualified
  rater (neurologist, nurse, not stated, self).
- **relapses**: every relapse entry, confirmed by a clinician or not (the page says which).
- **MRI**: scans whose new/enlarging T2 and enhancing counts are both known, and scans with
  one count above 0 (activity whatever the other); a scan with no counts cannot show NEDA
  and is listed as missing.
- **time zero**: the transplant's day 0.

:func:`hsct.outcomes.person_report` then gives the same events and NEDA as
``hsct outcomes progression`` and ``hsct outcomes neda`` on those rows exported as CSV
(tested), with the default options (the MSBase thresholds, roving baseline, PIRA/RAW).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from hsct.common.dates import add_months
from hsct.common.i18n import N_
from hsct.common.text import Citation, Message
from hsct.outcomes import PersonReport, person_report
from hsct.outcomes.neda import NedaOptions
from hsct.outcomes.options import ProgressionOptions

#: The engine's options for a person's status: every confirmed worsening and improvement
#: (not only the first), from a roving baseline, labelled PIRA or RAW; otherwise the
#: defaults (MSBase thresholds, 12-week confirmation). ``hsct outcomes progression
#: --event multiple --baseline roving --raw-pira`` gives the same events on the same rows.
STATUS_OPTIONS: Final = ProgressionOptions(event="multiple", baseline="roving", raw_pira=True)
#: Who rated an EDSS, most qualified first (two on one day: the first of these wins).
RATER_ORDER: Final = ("neurologist", "nurse", "unknown", "self")
#: After this long without a scan or an EDSS visit, the page says NEDA cannot be confirmed:
#: follow-up after aHSCT is yearly after the first year (EBMT registration at day 0, day 100,
#: then yearly: :data:`SCHEDULE_SOURCE`; the journey plan's yearly MRI), so a year without
#: one means the next is due or missed.
STALE_MONTHS: Final = 12
#: Years of NEDA some clinicians call durable remission (Sormani 2017 reports NEDA at 5 years).
FIVE_YEARS: Final = 5
FIVE_YEAR_SOURCE: Final = Citation(
    label="Sormani MP et al. Autologous hematopoietic stem cell transplantation in multiple "
    "sclerosis: a meta-analysis. Neurology 2017;88:2115-2122 (NEDA 83% at 2 years, 67% at 5)",
    date="2017-05-30",
    doi="10.1212/WNL.0000000000003987",
)
#: The registries' follow-up time points: day 100, month 6, then yearly (EBMT registration).
SCHEDULE_SOURCE: Final = Citation(
    label="EBMT registry data collection: registration at day 0, day 100, then yearly",
    date="2025",
    url="https://www.ebmt.org/registry/data-collection",
)


#: reached: NEDA known to at least five years; to_confirm: five years have passed but NEDA is
#: known only to an earlier date; ahead: five years not yet passed; lost_before / lost_after:
#: NEDA ended before / after the five-year mark.
FIVE_YEAR_STATES: Final = ("reached", "to_confirm", "ahead", "lost_before", "lost_after")


@dataclass(frozen=True, slots=True)
class Component:
    """One part of NEDA-3: when it was last assessed and what ended it, if anything."""

    name: str  # relapse, mri, cdw
    event_date: dt.date | None
    last_assessed: dt.date | None
    missing: Message | None


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """An EDSS on the chart: its date, value, who rated it."""

    date: dt.date
    value: float
    rater: str


@dataclass(frozen=True, slots=True)
class RecordStatus:
    """What the status page, its API and ``hsct registry status`` show."""

    today: dt.date
    transplant_date: dt.date | None
    report: PersonReport | None
    components: tuple[Component, ...] = ()
    neda_kept: bool | None = None
    neda_years: float | None = None
    neda_lost_on: dt.date | None = None
    neda_lost_by: tuple[str, ...] = ()
    neda_known_until: dt.date | None = None
    five_year_date: dt.date | None = None
    #: One of :data:`FIVE_YEAR_STATES`.
    five_year_state: str | None = None
    visits: tuple[ChartPoint, ...] = ()
    relapse_dates: tuple[dt.date, ...] = ()
    mri_dates: tuple[tuple[dt.date, bool], ...] = ()
    baseline_edss: ChartPoint | None = None
    latest_edss: ChartPoint | None = None
    needs: tuple[Message, ...] = ()
    sources: tuple[Citation, ...] = field(default=())

    @property
    def edss_change(self) -> float | None:
        """Latest EDSS minus the last one on or before day 0 (negative: improved)."""
        if self.baseline_edss is None or self.latest_edss is None:
            return None
        return round(self.latest_edss.value - self.baseline_edss.value, 1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the API's ``/patients/{id}/outcomes``."""

        def day(value: dt.date | None) -> str | None:
            return None if value is None else value.isoformat()

        if self.report is None:
            return {
                "today": day(self.today),
                "transplant_date": day(self.transplant_date),
                "neda3": None,
                "five_years": None,
                "edss": None,
                "report": None,
                "needs": [str(m) for m in self.needs],
            }
        return {
            "today": day(self.today),
            "transplant_date": day(self.transplant_date),
            "neda3": {
                "kept": self.neda_kept,
                "years": None if self.neda_years is None else round(self.neda_years, 2),
                "lost_on": day(self.neda_lost_on),
                "lost_by": list(self.neda_lost_by),
                "known_until": day(self.neda_known_until),
                "components": [
                    {
                        "name": c.name,
                        "event_date": day(c.event_date),
                        "last_assessed": day(c.last_assessed),
                        "missing": None if c.missing is None else str(c.missing),
                    }
                    for c in self.components
                ],
            },
            "five_years": {
                "date": day(self.five_year_date),
                "state": self.five_year_state,
                "source": FIVE_YEAR_SOURCE.to_dict(),
            },
            "edss": {
                "baseline": None
                if self.baseline_edss is None
                else {"date": day(self.baseline_edss.date), "value": self.baseline_edss.value},
                "latest": None
                if self.latest_edss is None
                else {"date": day(self.latest_edss.date), "value": self.latest_edss.value},
                "change_since_transplant": self.edss_change,
            },
            "report": self.report.to_dict(),
            "needs": [str(m) for m in self.needs],
        }


@dataclass(frozen=True, slots=True)
class Rows:
    """The engine's rows taken from a record (see the module's docstring)."""

    visits: list[dict[str, Any]]
    relapses: list[dict[str, Any]]
    mri: list[dict[str, Any]]
    unusable_scans: list[dt.date]
    transplant_date: dt.date | None
    chart: list[ChartPoint]


def engine_rows(entries: Sequence[tuple[str, dt.date, dict[str, Any]]]) -> Rows:
    """(kind, date, data) entries as the engine's visits, relapses and MRI rows."""
    best: dict[dt.date, ChartPoint] = {}
    relapses, mri, unusable = [], [], []
    transplant = None
    for kind, date, data in entries:
        if kind == "edss" and data.get("value") is not None:
            point = ChartPoint(date=date, value=float(data["value"]), rater=data.get("rater", ""))
            held = best.get(date)
            if held is None or _rank(point.rater) < _rank(held.rater):
                best[date] = point
        elif kind == "relapse":
            relapses.append({"date": date.isoformat()})
        elif kind == "mri":
            new_t2, gd = data.get("new_t2"), data.get("gd_enhancing")
            known = [c for c in (new_t2, gd) if c is not None]
            if len(known) < 2 and not any(known):
                unusable.append(date)
                continue
            mri.append({"date": date.isoformat(), "gd_enhancing": gd or 0, "new_t2": new_t2 or 0})
        elif kind == "transplant":
            transplant = date
    chart = [best[d] for d in sorted(best)]
    visits = [{"date": p.date.isoformat(), "edss": p.value} for p in chart]
    return Rows(visits, relapses, mri, unusable, transplant, chart)


def _rank(rater: str) -> int:
    return RATER_ORDER.index(rater) if rater in RATER_ORDER else len(RATER_ORDER)


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    return dt.date.fromisoformat(str(value)[:10])


def record_status(
    entries: Sequence[tuple[str, dt.date, dict[str, Any]]],
    *,
    today: dt.date,
    options: ProgressionOptions | None = None,
) -> RecordStatus:
    """The status of a record from its (kind, date, data) entries (pure: no database)."""
    rows = engine_rows(entries)
    chart = tuple(rows.chart)
    relapse_dates = tuple(sorted(_date(r["date"]) or today for r in rows.relapses))
    scans = tuple(
        sorted(
            [(_date(m["date"]) or today, bool(m["gd_enhancing"] or m["new_t2"])) for m in rows.mri]
        )
    )
    t0 = rows.transplant_date
    partial = RecordStatus(
        today=today,
        transplant_date=t0,
        report=None,
        visits=chart,
        relapse_dates=relapse_dates,
        mri_dates=scans,
    )
    needs: list[Message] = []
    if t0 is None:
        needs.append(Message(N_("Add your transplant (day 0): NEDA is counted from it.")))
    if not chart:
        needs.append(Message(N_("Add an EDSS: disability worsening is judged from EDSS visits.")))
    if needs:
        return replace(partial, needs=tuple(needs))
    options = options or STATUS_OPTIONS
    report = person_report(
        visits=rows.visits,
        relapses=rows.relapses,
        mri=rows.mri,
        transplant_date=t0,
        options=options,
        neda_options=NedaOptions(options),
    )
    assert t0 is not None  # noqa: S101 - checked above
    neda = report.neda or {}
    before = [p for p in chart if p.date <= t0]
    baseline = before[-1] if before else None
    latest = chart[-1] if chart[-1].date > t0 else None
    last_visit = chart[-1].date
    after_scans = [d for d, _ in scans if d > t0]
    last_scan = after_scans[-1] if after_scans else None
    stale = add_months(today, -STALE_MONTHS)
    components = (
        Component(
            "relapse",
            _first(relapse_dates, t0) if neda.get("relapse_event") else None,
            last_visit if last_visit > t0 else None,
            None
            if last_visit > t0
            else Message(
                N_("No EDSS visit since the transplant: relapses are counted up to the last visit.")
            ),
        ),
        Component(
            "mri",
            _first_active(scans, t0) if neda.get("mri_event") else None,
            last_scan,
            _scan_missing(last_scan, stale, rows.unusable_scans),
        ),
        Component(
            "cdw",
            _first_cdw(report, t0),
            last_visit if last_visit > t0 else None,
            _visit_missing(last_visit, t0, stale),
        ),
    )
    lost = bool(neda.get("neda3_lost"))
    lost_on = _date(neda.get("neda3_event_date"))
    lost_by = tuple(str(neda.get("neda3_component") or "").split("+")) if lost else ()
    known_until = None if lost else _date(neda.get("neda3_censor_date"))
    if not lost and (known_until is None or known_until <= t0):
        known_until = None  # nothing assessed after day 0: not "kept", not yet known
    years = neda.get("neda3_years")
    five = add_months(t0, 12 * FIVE_YEARS)
    return replace(
        partial,
        report=report,
        components=components,
        neda_kept=False if lost else (None if known_until is None else True),
        neda_years=None if years is None or (not lost and known_until is None) else float(years),
        neda_lost_on=lost_on,
        neda_lost_by=lost_by,
        neda_known_until=known_until,
        five_year_date=five,
        five_year_state=_five_year_state(
            lost=lost, lost_on=lost_on, known_until=known_until, five=five, today=today
        ),
        baseline_edss=baseline,
        latest_edss=latest,
        sources=(*report.sources, FIVE_YEAR_SOURCE),
    )


def _five_year_state(
    *,
    lost: bool,
    lost_on: dt.date | None,
    known_until: dt.date | None,
    five: dt.date,
    today: dt.date,
) -> str:
    """Where the person stands at the five-year mark (see :data:`FIVE_YEAR_STATES`)."""
    if lost:
        return "lost_after" if lost_on is not None and lost_on >= five else "lost_before"
    if known_until is not None and known_until >= five:
        return "reached"
    return "to_confirm" if five <= today else "ahead"


def _first(dates: Sequence[dt.date], t0: dt.date) -> dt.date | None:
    return next((d for d in dates if d > t0), None)


def _first_active(scans: Sequence[tuple[dt.date, bool]], t0: dt.date) -> dt.date | None:
    return next((d for d, active in scans if active and d > t0), None)


def _first_cdw(report: PersonReport, t0: dt.date) -> dt.date | None:
    for event in report.events:
        onset = _date(event.get("onset_date"))
        if event.get("event") == "CDW" and onset is not None and onset > t0:
            return onset
    return None


def _scan_missing(
    last_scan: dt.date | None, stale: dt.date, unusable: Sequence[dt.date]
) -> Message | None:
    if last_scan is None:
        if unusable:
            return Message(
                N_(
                    "Your scans have no lesion counts: add the new or enlarging T2 and "
                    "enhancing lesion counts from the report."
                )
            )
        return Message(N_("No MRI since the transplant: NEDA cannot be confirmed yet."))
    if last_scan < stale:
        return Message(
            N_("No MRI since {date}: NEDA cannot be confirmed after that date."),
            {"date": last_scan.isoformat()},
        )
    return None


def _visit_missing(last_visit: dt.date, t0: dt.date, stale: dt.date) -> Message | None:
    if last_visit <= t0:
        return Message(N_("No EDSS since the transplant: worsening cannot be judged yet."))
    if last_visit < stale:
        return Message(
            N_("No EDSS since {date}: worsening cannot be judged after that date."),
            {"date": last_visit.isoformat()},
        )
    return None


def follow_up_schedule(day0: dt.date) -> list[tuple[dt.date, str, Message]]:
    """The usual follow-up after day 0: (due date, category, title), day 100 to year 5.

    EDSS visits and MRI at month 6 and then yearly, the RAND-36 at months 3, 6, 12 and
    yearly; the registries' time points (:data:`SCHEDULE_SOURCE`) and the re-baseline scan
    about 6 months after day 0 (Das 2021; see ``hsct.outcomes.neda``).
    """
    out: list[tuple[dt.date, str, Message]] = []
    for months in (6, 12, 24, 36, 48, 60):
        out.append(
            (
                add_months(day0, months),
                "edss",
                Message(N_("EDSS visit, {months} months after day 0"), {"months": months}),
            )
        )
        out.append(
            (
                add_months(day0, months),
                "mri",
                Message(N_("MRI, {months} months after day 0"), {"months": months}),
            )
        )
    for months in (3, 6, 12, 24, 36, 48, 60):
        out.append(
            (
                add_months(day0, months),
                "questionnaire",
                Message(
                    N_("Quality-of-life questionnaire (RAND-36), {months} months after day 0"),
                    {"months": months},
                ),
            )
        )
    return sorted(out, key=lambda item: (item[0], item[1]))
