"""A transplant table and a yearly follow-up table that EBMT and CIBMTR items can be mapped to.

Made from a clinic's export document (:func:`hsct.registry.cohort.cohort_export`, audited)
and each record's NEDA-3 from the outcomes engine. What each column holds, where it comes
from, and which registry item it is meant to map to is :data:`COLUMNS` (also written as
``ebmt_mapping.csv`` into the export). **Every mapping is provisional**: the EBMT MED-A/MED-B
forms for MS and CIBMTR's items for MS were not available when this was written
(``../shared/dossier/registry.md`` section 1, [GAP]); the items are the "provisional minimal
EBMT/CIBMTR-mappable dataset" of that section, inferred from what the registries analyse
(Muraro 2017, OMST, Snowden 2017). Items this registry does not collect (sex,
mobilisation, engraftment days, malignancy) are columns left empty, so a registry sees the
gap instead of a guess; the birth year and month is filled where the clinic recorded it.
See ``docs/registry/ebmt-cibmtr-mapping.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

#: Clinician ratings only, as in the registries' analyses.
CLINICIAN_RATERS: Final = frozenset({"neurologist", "nurse"})
AUTOIMMUNE: Final = frozenset({"thyroid", "itp", "other_autoimmune"})
YEAR_DAYS: Final = 365.25
#: "At transplant": the clinician EDSS nearest day 0 within this many days.
AT_TRANSPLANT_DAYS: Final = 30
#: A yearly EDSS: the clinician EDSS nearest the anniversary within this many days.
ANNIVERSARY_DAYS: Final = 90
TRM_DAYS: Final = 100


@dataclass(frozen=True, slots=True)
class Column:
    """One exported column: its table, name, meaning, source here, and intended items."""

    table: str
    name: str
    meaning: str
    source: str
    ebmt: str
    cibmtr: str
    status: str = "provisional"


def _c(*fields: str) -> Column:
    """A column from its table, name, meaning, source, EBMT item and CIBMTR item."""
    return Column(*fields)


T, Y = "transplants", "yearly"
NOT_COLLECTED: Final = "not collected by this registry (left empty)"
COLUMNS: Final[tuple[Column, ...]] = (
    _c(
        T,
        "centre",
        "The clinic's name",
        "clinic.name",
        "MED-A centre",
        "centre (CIBMTR centre number)",
    ),
    _c(
        T,
        "centre_facility_id",
        "The transplant's facility in the directory",
        "transplant.facility_id",
        "MED-A centre",
        "centre (CIBMTR centre number)",
    ),
    _c(
        T,
        "pseudonym",
        "The clinic's study code",
        "patient.code",
        "MED-A patient code",
        "CRID (CIBMTR research id, assigned by CIBMTR)",
    ),
    _c(T, "record_id", "The registry's record id (a pseudonym)", "patient.id", "none", "none"),
    _c(T, "sex", "Sex", NOT_COLLECTED, "MED-A sex", "Pre-TED 2400 recipient sex"),
    _c(
        T,
        "birth_year_month",
        "Birth year and month (YYYY-MM; never the day)",
        "patient.birth_month (empty when not recorded)",
        "MED-A date of birth",
        "Pre-TED 2400 date of birth",
    ),
    _c(
        T,
        "first_symptoms",
        "Date of first symptoms",
        "diagnosis.first_symptoms",
        "MED-B disease: onset",
        "2402 disease classification",
    ),
    _c(
        T,
        "diagnosis_date",
        "Date of diagnosis",
        "diagnosis.date",
        "MED-A date of diagnosis",
        "Pre-TED 2400 date of diagnosis",
    ),
    _c(
        T,
        "ms_type",
        "Phenotype: RRMS, SPMS, PPMS, CIS, RIS or suspected",
        "diagnosis.ms_type",
        "MED-B disease: MS subtype",
        "2402 autoimmune disease (IUIS 2022)",
    ),
    _c(
        T,
        "edss_before_day0",
        "Last clinician EDSS in the year before day 0 (stands in for 'before mobilisation')",
        "edss entries",
        "MED-B pre-HSCT: EDSS before mobilisation",
        "none found",
    ),
    _c(T, "edss_before_day0_date", "Its date", "edss entries", "MED-B pre-HSCT", "none found"),
    _c(
        T,
        "edss_at_transplant",
        f"Clinician EDSS nearest day 0, within {AT_TRANSPLANT_DAYS} days",
        "edss entries",
        "MED-B pre-HSCT: EDSS at HSCT",
        "none found",
    ),
    _c(
        T,
        "relapses_12m_before",
        "Relapses in the 12 months before day 0",
        "relapse entries",
        "MED-B pre-HSCT: relapses",
        "none found",
    ),
    _c(
        T,
        "relapses_24m_before",
        "Relapses in the 24 months before day 0",
        "relapse entries",
        "OMST: relapse rate 2 years before",
        "none found",
    ),
    _c(
        T,
        "gd_mri_12m_before",
        "A gadolinium-enhancing lesion on a scan in the 12 months before day 0: yes, no, or "
        "empty (no scan with a count)",
        "mri entries",
        "MED-B pre-HSCT: MRI activity",
        "none found",
    ),
    _c(
        T,
        "prior_drugs",
        "Drugs started before day 0 (ids, ';'-separated)",
        "drug entries",
        "MED-B pre-HSCT: prior treatments",
        "Pre-TED 2400 prior therapy",
    ),
    _c(
        T,
        "last_drug_stop",
        "Latest stop date of a drug before day 0 (the washout)",
        "drug.stop",
        "MED-B pre-HSCT",
        "none found",
    ),
    _c(
        T,
        "mobilisation",
        "Mobilisation (cyclophosphamide, G-CSF)",
        NOT_COLLECTED,
        "MED-A mobilisation",
        "Pre-TED 2400 (item to confirm)",
    ),
    _c(
        T,
        "cd34_dose",
        "CD34+ cells x10^6/kg",
        "transplant.cd34_dose",
        "MED-A cell dose",
        "Pre-TED 2400 (item to confirm)",
    ),
    _c(
        T,
        "conditioning",
        "Conditioning regimen id (the directory's regimens)",
        "transplant.regimen",
        "MED-A conditioning",
        "Pre-TED 2400 preparative regimen",
    ),
    _c(
        T,
        "intensity",
        "Myeloablative, intermediate, lymphoablative or non-myeloablative",
        "transplant.intensity",
        "MED-A conditioning intensity",
        "Pre-TED 2400 intensity",
    ),
    _c(
        T,
        "serotherapy",
        "Serotherapy: rabbit or horse ATG, alemtuzumab, rituximab, none, other",
        "transplant.serotherapy",
        "MED-A serotherapy",
        "Pre-TED 2400 ATG/alemtuzumab",
    ),
    _c(
        T,
        "day0",
        "Day 0: the date of the stem-cell infusion",
        "transplant.date",
        "MED-A date of HSCT",
        "Pre-TED 2400 date of infusion",
    ),
    _c(
        T,
        "engraftment_anc_day",
        "Day of neutrophil engraftment (ANC > 0.5)",
        NOT_COLLECTED,
        "MED-A engraftment",
        "Post-TED 2450 ANC recovery",
    ),
    _c(
        T,
        "engraftment_platelet_day",
        "Day of platelet engraftment (> 20)",
        NOT_COLLECTED,
        "MED-A engraftment",
        "Post-TED 2450 platelet recovery",
    ),
    _c(
        T,
        "day100_status",
        "alive, dead, or empty when not followed to day 100",
        "death entry, last entry",
        "MED-A day 100 survival",
        "Post-TED 2450 survival status",
    ),
    _c(
        T,
        "secondary_autoimmunity",
        "yes when a thyroid, ITP or other autoimmune event is recorded after day 0, else empty",
        "adverse_event entries",
        "MED-B follow-up: secondary autoimmune disease",
        "Post-TED 2450 new autoimmune disease",
    ),
    _c(
        T,
        "secondary_autoimmunity_first",
        "Its first date",
        "adverse_event.date",
        "MED-B follow-up",
        "Post-TED 2450",
    ),
    _c(
        T,
        "malignancy",
        "New malignancy",
        NOT_COLLECTED,
        "MED-B follow-up: secondary malignancy",
        "Post-TED 2450 new malignancy",
    ),
    _c(
        T, "death_date", "Date of death", "death.date", "MED-A death", "Post-TED 2450 date of death"
    ),
    _c(
        T,
        "death_cause",
        "Cause of death as recorded (free text)",
        "death.cause",
        "MED-A cause of death",
        "Post-TED 2450 primary cause of death",
    ),
    _c(
        T,
        "death_treatment_related",
        "Related to the transplant: yes, no or empty",
        "death.treatment_related; within 100 days counts as yes",
        "MED-A transplant-related mortality",
        "Post-TED 2450",
    ),
    _c(
        T,
        "last_follow_up",
        "Date of the last entry",
        "all entries",
        "MED-A last follow-up",
        "Post-TED 2450 date of contact",
    ),
    _c(Y, "pseudonym", "The clinic's study code", "patient.code", "MED-A patient code", "CRID"),
    _c(
        Y,
        "year",
        "Years after day 0 (1 = the first year)",
        "computed",
        "MED-B follow-up: annual",
        "Post-TED 2450 (item to confirm)",
    ),
    _c(
        Y,
        "edss",
        f"Clinician EDSS nearest the anniversary, within {ANNIVERSARY_DAYS} days",
        "edss entries",
        "MED-B follow-up: EDSS",
        "none found",
    ),
    _c(
        Y,
        "relapses",
        "Relapses during the year",
        "relapse entries",
        "MED-B follow-up: relapses",
        "none found",
    ),
    _c(
        Y,
        "mri_active",
        "A new T2 or enhancing lesion during the year: yes, no, or empty (no scan with a count)",
        "mri entries",
        "MED-B follow-up: MRI activity",
        "none found",
    ),
    _c(
        Y,
        "neda3",
        "NEDA-3 kept to the year's end: yes, no, or empty (followed less)",
        "the outcomes engine (the dashboard's options)",
        "analyses: NEDA-3",
        "none found",
    ),
    _c(
        Y,
        "new_drug",
        "Drugs started during the year (ids, ';'-separated)",
        "drug entries",
        "MED-B follow-up: new DMT",
        "none found",
    ),
)


def columns_of(table: str) -> tuple[str, ...]:
    """The columns of ``transplants`` or ``yearly``, in order."""
    return tuple(c.name for c in COLUMNS if c.table == table)


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def _nearest(
    points: Sequence[tuple[dt.date, float]], target: dt.date, window: int
) -> tuple[dt.date, float] | None:
    near = [(abs((d - target).days), d, v) for d, v in points if abs((d - target).days) <= window]
    if not near:
        return None
    _, day, value = min(near)
    return day, value


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _record_rows(
    record: Mapping[str, Any], clinic_name: str, neda: Mapping[str, Any] | None, today: dt.date
) -> tuple[dict[str, str] | None, list[dict[str, str]]]:
    entries = record["entries"]
    by_kind: dict[str, list[Mapping[str, Any]]] = {}
    for entry in entries:
        by_kind.setdefault(entry["kind"], []).append(entry)
    transplants = by_kind.get("transplant", [])
    if not transplants:
        return None, []
    transplant = transplants[-1]
    day0 = _day(transplant["date"])
    data = transplant["data"]
    diagnosis = (by_kind.get("diagnosis") or [{"data": {}, "date": ""}])[0]
    edss = sorted(
        (_day(e["date"]), float(e["data"]["value"]))
        for e in by_kind.get("edss", [])
        if e["data"].get("value") is not None and e["data"].get("rater") in CLINICIAN_RATERS
    )
    before = [(d, v) for d, v in edss if day0 - dt.timedelta(days=365) <= d < day0]
    at = _nearest(edss, day0, AT_TRANSPLANT_DAYS)
    relapses = sorted(_day(e["date"]) for e in by_kind.get("relapse", []))
    scans = [
        (_day(e["date"]), e["data"].get("new_t2"), e["data"].get("gd_enhancing"))
        for e in by_kind.get("mri", [])
    ]
    gd_before = [
        g for d, _, g in scans if day0 - dt.timedelta(days=365) <= d < day0 and g is not None
    ]
    drugs = by_kind.get("drug", [])
    prior = sorted({e["data"]["drug"] for e in drugs if _day(e["date"]) < day0})
    stops = [
        e["data"]["stop"]
        for e in drugs
        if e["data"].get("stop") and _day(e["data"]["stop"]) <= day0
    ]
    deaths = by_kind.get("death") or []
    death = deaths[0] if deaths else None
    death_day = _day(death["date"]) if death else None
    last = max(_day(e["date"]) for e in entries if e["kind"] != "todo")
    if death_day is not None and (death_day - day0).days <= TRM_DAYS:
        day100 = "dead"
    elif (last - day0).days >= TRM_DAYS or (death_day is not None):
        day100 = "alive"
    else:
        day100 = ""
    autoimmune = sorted(
        _day(e["date"])
        for e in by_kind.get("adverse_event", [])
        if e["data"].get("category") in AUTOIMMUNE and _day(e["date"]) >= day0
    )
    related: bool | None = None
    if death:
        flag = death["data"].get("treatment_related")
        related = True if death_day is not None and (death_day - day0).days <= TRM_DAYS else flag
    row = {
        "centre": clinic_name,
        "centre_facility_id": str(data.get("facility_id") or ""),
        "pseudonym": record["patient"]["code"] or "",
        "record_id": record["patient"]["id"],
        "sex": "",
        "birth_year_month": str(record["patient"].get("birth_month") or ""),
        "first_symptoms": str(diagnosis["data"].get("first_symptoms") or ""),
        "diagnosis_date": str(diagnosis.get("date") or ""),
        "ms_type": str(diagnosis["data"].get("ms_type") or ""),
        "edss_before_day0": _number(before[-1][1]) if before else "",
        "edss_before_day0_date": before[-1][0].isoformat() if before else "",
        "edss_at_transplant": _number(at[1]) if at else "",
        "relapses_12m_before": str(
            sum(1 for d in relapses if day0 - dt.timedelta(days=365) <= d < day0)
        ),
        "relapses_24m_before": str(
            sum(1 for d in relapses if day0 - dt.timedelta(days=730) <= d < day0)
        ),
        "gd_mri_12m_before": _yes_no(any(g > 0 for g in gd_before) if gd_before else None),
        "prior_drugs": ";".join(prior),
        "last_drug_stop": max(stops) if stops else "",
        "mobilisation": "",
        "cd34_dose": _number(data.get("cd34_dose")),
        "conditioning": str(data.get("regimen") or ""),
        "intensity": str(data.get("intensity") or ""),
        "serotherapy": str(data.get("serotherapy") or ""),
        "day0": day0.isoformat(),
        "engraftment_anc_day": "",
        "engraftment_platelet_day": "",
        "day100_status": day100,
        "secondary_autoimmunity": "yes" if autoimmune else "",
        "secondary_autoimmunity_first": autoimmune[0].isoformat() if autoimmune else "",
        "malignancy": "",
        "death_date": death_day.isoformat() if death_day else "",
        "death_cause": str(death["data"].get("cause") or "") if death else "",
        "death_treatment_related": _yes_no(related),
        "last_follow_up": last.isoformat(),
    }
    yearly = []
    end = min(last, death_day or last, today)
    years = int((end - day0).days // YEAR_DAYS)
    for year in range(1, years + 1):
        start = day0 + dt.timedelta(days=round((year - 1) * YEAR_DAYS))
        stop = day0 + dt.timedelta(days=round(year * YEAR_DAYS))
        visit = _nearest(edss, stop, ANNIVERSARY_DAYS)
        counted = [
            (t2, g) for d, t2, g in scans if start < d <= stop and (t2 is not None or g is not None)
        ]
        active = any((t2 or 0) > 0 or (g or 0) > 0 for t2, g in counted) if counted else None
        kept: bool | None = None
        if neda is not None and neda.get("neda3_years") is not None:
            lost, span = bool(neda.get("neda3_lost")), float(neda["neda3_years"])
            if lost and span <= year:
                kept = False
            elif span >= year:
                kept = True
        yearly.append(
            {
                "pseudonym": row["pseudonym"],
                "year": str(year),
                "edss": _number(visit[1]) if visit else "",
                "relapses": str(sum(1 for d in relapses if start < d <= stop)),
                "mri_active": _yes_no(active),
                "neda3": _yes_no(kept),
                "new_drug": ";".join(
                    sorted({e["data"]["drug"] for e in drugs if start < _day(e["date"]) <= stop})
                ),
            }
        )
    return row, yearly


def ebmt_tables(
    document: Mapping[str, Any], neda: Mapping[str, Mapping[str, Any]], *, today: dt.date
) -> dict[str, list[dict[str, str]]]:
    """The ``transplants`` table (one row per record with a transplant) and the ``yearly``
    table (one row per completed year after day 0) from a clinic's export document and
    each record's NEDA-3 (``neda3_lost`` and ``neda3_years`` by study code)."""
    clinic_name = str(document["clinic"]["name"])
    transplants: list[dict[str, str]] = []
    yearly: list[dict[str, str]] = []
    for record in document["records"]:
        code = record["patient"]["code"]
        row, years = _record_rows(record, clinic_name, neda.get(code) if code else None, today)
        if row is not None:
            transplants.append(row)
            yearly.extend(years)
    return {"transplants": transplants, "yearly": yearly}


def ebmt_csv_files(tables: Mapping[str, Sequence[Mapping[str, str]]]) -> dict[str, str]:
    """The two tables and the mapping as CSV files (cells that a spreadsheet would run as a
    formula start with ``'``, as in every export)."""
    from hsct.registry.export import csv_cell  # noqa: PLC0415 - the exports' cell rule

    files = {}
    for name, header in (
        ("transplants", columns_of(T)),
        ("yearly", columns_of(Y)),
        ("ebmt_mapping", MAPPING_COLUMNS),
    ):
        rows = mapping_rows() if name == "ebmt_mapping" else tables[name]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([csv_cell(row.get(column, "")) for column in header])
        files[f"{name}.csv"] = out.getvalue()
    return files


MAPPING_COLUMNS: Final = (
    "table",
    "column",
    "meaning",
    "source",
    "ebmt_item",
    "cibmtr_item",
    "status",
)


def mapping_rows() -> list[dict[str, str]]:
    """The mapping as rows (``ebmt_mapping.csv``)."""
    return [
        {
            "table": c.table,
            "column": c.name,
            "meaning": c.meaning,
            "source": c.source,
            "ebmt_item": c.ebmt,
            "cibmtr_item": c.cibmtr,
            "status": c.status,
        }
        for c in COLUMNS
    ]
