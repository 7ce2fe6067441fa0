"""A person's own follow-up record: entries, status, reminders, sharing, their data.

Pages under ``/my`` (signed in as a patient); the calendar feed at ``/calendar/{token}.ics``
(the secret address is the credential: calendar apps cannot sign in). Every form posts a
CSRF token; answers are never cached (a session cookie makes every answer ``no-store``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Annotated, Any, Final, NamedTuple

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from icalendar import Calendar, Event
from starlette.concurrency import run_in_threadpool

from hsct.common.edss_value import LEGAL_VALUES, format_step
from hsct.common.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from hsct.common.i18n import N_
from hsct.common.jsontext import loads_checked
from hsct.common.text import Message
from hsct.knowledge import load_catalog
from hsct.knowledge.labels import INTENSITY_LABELS, MS_TYPE_LABELS
from hsct.outcomes.qol import PUBLISHED_QOL_REPORTS, RAND36_ITEMS, RAND36_SCALES
from hsct.registry import Permission, clinics, patients
from hsct.registry import export as record_export
from hsct.registry import fhir as record_fhir
from hsct.registry import record as services
from hsct.registry.entries import KINDS, RAND36, configured_instruments
from hsct.registry.status import RecordStatus, follow_up_schedule, record_status
from hsct.web.auth import CurrentActor, NowDep
from hsct.web.deps import DbSession
from hsct.web.forms import form_errors, form_page
from hsct.web.locale import Locale
from hsct.web.routes.candidate import flat_form
from hsct.web.routes.journey import build_timeline
from hsct.web.templating import Pages

FormText = Annotated[str, Form(max_length=4000)]
#: Questionnaires shown side by side on the status page (the newest; all are in "My data").
QOL_SHOWN: Final = 6
#: The largest answers or plan file accepted (a full profile is under 20 kB).
MAX_UPLOAD: Final = 256 * 1024

KIND_LABELS: Final = {
    "diagnosis": N_("Diagnosis"),
    "transplant": N_("Transplant"),
    "edss": N_("EDSS"),
    "relapse": N_("Relapse"),
    "mri": N_("MRI"),
    "drug": N_("Drug"),
    "adverse_event": N_("Problem after transplant"),
    "death": N_("Death"),
    "qol": N_("Quality of life (RAND-36)"),
    "todo": N_("To-do"),
}
CHOICES: Final[dict[str, dict[str, str]]] = {
    "ms_type": dict(MS_TYPE_LABELS),
    "intensity": dict(INTENSITY_LABELS),
    "rater": {
        "self": N_("Myself"),
        "nurse": N_("A nurse"),
        "neurologist": N_("A neurologist"),
        "unknown": N_("Not stated"),
    },
    "region": {
        "brain": N_("Brain"),
        "spine": N_("Spinal cord"),
        "brain_and_spine": N_("Brain and spinal cord"),
        "not_stated": N_("Not stated"),
    },
    "serotherapy": {
        "rabbit_atg": N_("Rabbit ATG (thymoglobulin)"),
        "horse_atg": N_("Horse ATG"),
        "alemtuzumab": N_("Alemtuzumab"),
        "rituximab": N_("Rituximab"),
        "none": N_("None"),
        "other": N_("Other"),
    },
    "category": {
        "infection": N_("Infection"),
        "thyroid": N_("Thyroid disease"),
        "itp": N_("Low platelets (ITP)"),
        "other_autoimmune": N_("Other autoimmune disease"),
        "other": N_("Other"),
    },
    "todo_category": {
        "mri": N_("MRI"),
        "edss": N_("EDSS visit"),
        "vaccine": N_("Vaccine"),
        "questionnaire": N_("Questionnaire"),
        "blood_test": N_("Blood test"),
        "other": N_("Other"),
    },
    "reason_stopped": {
        "ineffective": N_("It did not work well enough"),
        "side_effects": N_("Side effects"),
        "planned": N_("Planned (for example before the transplant)"),
        "pregnancy": N_("Pregnancy"),
        "other": N_("Other"),
    },
    "yesno": {"yes": N_("Yes"), "no": N_("No")},
}
#: Each kind's form: (field, widget, label, hint). Widgets: date, text, textarea, number,
#: select:<choices>, yesno, check, edss, facility, regimen, drug.
FIELDS: Final[dict[str, tuple[tuple[str, str, str, str | None], ...]]] = {
    "diagnosis": (
        ("date", "date", N_("Date of diagnosis"), None),
        ("first_symptoms", "date", N_("Date of your first MS symptoms"), N_("If you know it.")),
        ("ms_type", "select:ms_type", N_("Type of MS"), None),
    ),
    "transplant": (
        ("date", "date", N_("Day 0"), N_("The day your stem cells were given back.")),
        ("facility_id", "facility", N_("Clinic"), None),
        ("clinic_name", "text", N_("Clinic, if it is not in the list"), None),
        ("regimen", "regimen", N_("Regimen (conditioning)"), None),
        ("intensity", "select:intensity", N_("Intensity"), None),
        (
            "cd34_dose",
            "number",
            N_("CD34+ cells given (million per kg)"),
            N_("From your discharge letter, for example 5.7."),
        ),
        ("serotherapy", "select:serotherapy", N_("Antibody treatment (serotherapy)"), None),
    ),
    "edss": (
        ("date", "date", N_("Date"), None),
        ("value", "edss", N_("EDSS"), N_("Or leave it empty and use the calculator below.")),
        ("rater", "select:rater", N_("Who rated it"), None),
    ),
    "relapse": (
        ("date", "date", N_("When it began"), None),
        ("symptoms", "textarea", N_("Symptoms"), None),
        ("steroids", "yesno", N_("Treated with steroids"), None),
        ("confirmed", "check", N_("A clinician confirmed it was a relapse"), None),
    ),
    "mri": (
        ("date", "date", N_("Date of the scan"), None),
        ("region", "select:region", N_("What was scanned"), None),
        (
            "new_t2",
            "number",
            N_("New or enlarging T2 lesions"),
            N_("From the report; 0 if it says no new lesions."),
        ),
        ("gd_enhancing", "number", N_("Enhancing (gadolinium) lesions"), None),
        ("report_text", "textarea", N_("The report's own words (optional)"), None),
    ),
    "drug": (
        ("date", "date", N_("Started"), None),
        ("drug", "drug", N_("Drug"), N_("Its name or brand, for example ocrelizumab or Ocrevus.")),
        ("stop", "date", N_("Stopped"), None),
        ("last_dose", "date", N_("Last dose or infusion"), None),
        ("reason_stopped", "select:reason_stopped", N_("Why it was stopped"), None),
    ),
    "adverse_event": (
        ("date", "date", N_("When it began"), None),
        ("category", "select:category", N_("What it was"), None),
        ("end", "date", N_("When it ended"), None),
        ("description", "textarea", N_("Details"), None),
        ("serious", "yesno", N_("Needed a hospital stay or was life-threatening"), None),
    ),
    "death": (
        ("date", "date", N_("Date of death"), None),
        ("cause", "text", N_("Cause, as known"), None),
        (
            "treatment_related",
            "yesno",
            N_("Related to the transplant"),
            N_("For treatment-related mortality: as judged by the transplant team."),
        ),
    ),
    "qol": (("date", "date", N_("Date you answered"), None),),
    "todo": (
        ("date", "date", N_("Due"), None),
        ("title", "text", N_("What"), None),
        ("category", "select:todo_category", N_("Kind"), None),
        ("done_on", "date", N_("Done on"), None),
    ),
}
FS_SYSTEMS: Final = (
    ("visual", N_("Visual")),
    ("brainstem", N_("Brainstem")),
    ("pyramidal", N_("Pyramidal (strength)")),
    ("cerebellar", N_("Cerebellar (coordination)")),
    ("sensory", N_("Sensory")),
    ("bowel_bladder", N_("Bowel and bladder")),
    ("cerebral", N_("Cerebral (thinking, mood)")),
)
COMPONENT_LABELS: Final = {
    "relapse": N_("No relapses"),
    "mri": N_("No new MRI activity"),
    "cdw": N_("No confirmed disability worsening"),
}
LOST_BY: Final = {
    "relapse": N_("a relapse"),
    "mri": N_("new MRI activity"),
    "cdw": N_("confirmed disability worsening"),
}


class Dated(NamedTuple):
    """An entry's date and fields, as the status templates read them."""

    date: dt.date
    data: dict[str, Any]


def form_data(kind: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """A kind's form as entry data: empty fields left out, yes/no as booleans."""
    data: dict[str, Any] = {}
    for name, widget, _, _ in FIELDS[kind]:
        value = str(form.get(name, "")).strip()
        if widget == "check":
            data[name] = value == "yes"
        elif widget == "yesno":
            if value:
                data[name] = {"yes": True, "no": False}.get(value, value)
        elif value:
            data[name] = value
    if kind == "edss" and "value" not in data:
        inputs = _calculator_inputs(form)
        if inputs:
            data["inputs"] = inputs
    if kind == "qol":
        data.update(_answers(form))
    return data


def _text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name, "")).strip()


def _calculator_inputs(form: Mapping[str, Any]) -> dict[str, Any]:
    """The EDSS calculator's inputs from the form: grades, walking, metres walked."""
    inputs: dict[str, Any] = {s: g for s, _ in FS_SYSTEMS if (g := _text(form, f"fs_{s}"))}
    walking: dict[str, Any] = {}
    if how := _text(form, "walking"):
        walking["unrestricted"] = how == "unrestricted"
    if metres := _text(form, "walking_unaided_m"):
        walking["unaided_m"] = metres
    if walking:
        inputs["walking"] = walking
    return inputs


def _answers(form: Mapping[str, Any]) -> dict[str, Any]:
    """A questionnaire's instrument and answers from the form (item ``k`` is field ``qk``)."""
    instrument = _text(form, "instrument") or RAND36
    definition = configured_instruments().get(instrument)
    keys = (
        [str(item.number) for item in RAND36_ITEMS]
        if definition is None
        else [item.id for item in definition.items]
    )
    return {
        "instrument": instrument,
        "answers": {key: answer for key in keys if (answer := _text(form, f"q{key}"))},
    }


def _values(kind: str, data: Mapping[str, Any]) -> dict[str, str]:
    """Entry data as form values (to show an entry for editing)."""
    values: dict[str, str] = {}
    for name, widget, _, _ in FIELDS[kind]:
        value = data.get(name)
        if value is None:
            continue
        if widget in ("yesno", "check"):
            values[name] = "yes" if value else "no"
        elif widget == "edss" and data.get("computed"):
            continue
        else:
            values[name] = format_step(value) if widget == "edss" else str(value)
    inputs = data.get("inputs") or {}
    for system, _ in FS_SYSTEMS:
        grade = inputs.get(system)
        if grade is not None:
            values[f"fs_{system}"] = str(grade)
    walking = inputs.get("walking") or {}
    if walking.get("unrestricted") is not None:
        values["walking"] = "unrestricted" if walking["unrestricted"] else "limited"
    if walking.get("unaided_m") is not None:
        values["walking_unaided_m"] = f"{walking['unaided_m']:g}"
    for key, answer in (data.get("answers") or {}).items():
        values[f"q{key}"] = str(answer)
    return values


#: Values computed from the fields, never kept from the form.
DERIVED_KEYS: Final = frozenset({"computed", "scores"})
#: Calculator inputs the form shows (others, such as an API's ambulation score, are kept).
FORM_INPUTS: Final = frozenset({system for system, _ in FS_SYSTEMS} | {"walking"})
FORM_WALKING: Final = frozenset({"unrestricted", "unaided_m"})


def merged_data(kind: str, before: Mapping[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
    """An edited entry: the form's fields, and the stored fields the form does not show (a
    to-do's journey step, calculator inputs given through the API) kept as they were."""
    data = form_data(kind, form)
    shown = {name for name, *_ in FIELDS[kind]} | {"inputs", "instrument", "answers"}
    for key, value in before.items():
        if key not in shown and key not in DERIVED_KEYS:
            data.setdefault(key, value)
    old_inputs = before.get("inputs")
    if kind == "edss" and isinstance(old_inputs, Mapping) and "inputs" in data:
        kept = {k: v for k, v in old_inputs.items() if k not in FORM_INPUTS}
        inputs = {**kept, **data["inputs"]}
        old_walking = old_inputs.get("walking")
        if isinstance(old_walking, Mapping):
            extra = {k: v for k, v in old_walking.items() if k not in FORM_WALKING}
            if extra:
                inputs["walking"] = {**extra, **inputs.get("walking", {})}
        data["inputs"] = inputs
    return data


def _control(field: str) -> str:
    if field.startswith("inputs.walking"):
        return "walking_unaided_m" if field.endswith("unaided_m") else "walking"
    if field.startswith("inputs."):
        return "fs_" + field.split(".")[1]
    if field.startswith("answers."):
        return "q" + field.split(".")[1]
    return field


def page_base() -> dict[str, Any]:
    """What every record page's template uses: labels, choices, the form's fields."""
    return {
        "kind_labels": KIND_LABELS,
        "choices": CHOICES,
        "fields": FIELDS,
        "fs_systems": FS_SYSTEMS,
        "edss_values": [format_step(v) for v in LEGAL_VALUES],
        "component_labels": COMPONENT_LABELS,
        "lost_by_labels": LOST_BY,
        "base_path": "/my",
        "nav_template": "my/_nav.html",
    }


def entry_context(
    kind: str,
    *,
    entry: Any = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    instrument: str | None = None,
) -> dict[str, Any]:
    """The entry form's context (``my/entry.html``), for a person's record or a clinic's."""
    catalog = load_catalog()
    chosen = instrument or (entry.data.get("instrument") if entry is not None else None)
    definition = configured_instruments().get(chosen or RAND36)
    if chosen not in (None, RAND36) and definition is None:
        raise NotFound("questionnaire", chosen)
    return {
        "kind": kind,
        "entry": entry,
        "values": values or {},
        "errors": errors or {},
        "facilities": sorted(
            ((f.id, f.name) for f in catalog.facilities.values()), key=lambda x: x[1]
        ),
        "regimens": sorted((r.id, r.name) for r in catalog.regimens.values()),
        "drugs": sorted(catalog.drugs.values(), key=lambda d: d.name.casefold()),
        "rand36_items": RAND36_ITEMS,
        "instrument": definition,
    }


def record_router(pages: Pages) -> APIRouter:  # noqa: C901, PLR0915 - one closure per page
    """Routes under ``/my`` and the calendar feed."""
    router = APIRouter(include_in_schema=False)

    def page(
        request: Request,
        locale: str,
        template: str,
        context: dict[str, Any] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        return form_page(
            pages,
            request,
            f"my/{template}",
            locale=locale,
            context={**page_base(), **(context or {})},
            status_code=status_code,
        )

    def own_id(db: Any, actor: Any, now: dt.datetime, *, create: bool) -> str | None:
        found = patients.patient_own_find(db, actor=actor)
        if found is None and create:
            found = patients.patient_own(db, actor=actor, now=now)
        return None if found is None else found.id

    def rows_of(db: Any, actor: Any, patient_id: str | None) -> list[Any]:
        if patient_id is None:
            return []
        return services.entry_list(db, actor=actor, patient_id=patient_id)

    def require_patient(actor: Any) -> None:
        if not actor.can(Permission.OWN_RECORD_READ):
            raise PermissionDenied("this page is for people keeping their own record")

    def mine(db: Any, actor: Any, now: dt.datetime, what: str, key: str) -> str:
        """The person's own record, which must exist already (else ``what`` is not found)."""
        require_patient(actor)
        patient_id = own_id(db, actor, now, create=False)
        if patient_id is None:
            raise NotFound(what, key)
        return patient_id

    def mine_made(db: Any, actor: Any, now: dt.datetime) -> str:
        """The person's own record, made now if it does not exist yet."""
        require_patient(actor)
        patient_id = own_id(db, actor, now, create=True)
        if patient_id is None:  # pragma: no cover - own_id(create=True) always gives one
            raise Conflict("the record could not be made")
        return patient_id

    # ------------------------------------------------------------ the record

    def overview(
        request: Request,
        locale: str,
        actor: Any,
        db: Any,
        now: dt.datetime,
        *,
        notice: str | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        patient_id = own_id(db, actor, now, create=False)
        rows = rows_of(db, actor, patient_id)
        undo = (
            None
            if patient_id is None
            else services.entry_undo_available(db, actor=actor, patient_id=patient_id)
        )
        years: dict[int, list[Any]] = {}
        for row in reversed(rows):
            years.setdefault(row.date.year, []).append(row)
        return page(
            request,
            locale,
            "index.html",
            {
                "years": list(years.items()),
                "count": len(rows),
                "undo": undo,
                "notice": notice,
                "errors": errors or {},
                "kinds": [k for k in KINDS if k != "death"],
                "instruments": sorted(
                    configured_instruments().values(), key=lambda d: d.name.casefold()
                ),
                "catalog": load_catalog(),
            },
            status_code,
        )

    @router.get("/my", response_class=HTMLResponse)
    def my_record(
        request: Request, locale: Locale, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> HTMLResponse:
        require_patient(actor)
        return overview(request, locale, actor, db, now)

    def entry_form(
        request: Request,
        locale: str,
        kind: str,
        *,
        entry: Any = None,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
        instrument: str | None = None,
    ) -> HTMLResponse:
        context = entry_context(
            kind, entry=entry, values=values, errors=errors, instrument=instrument
        )
        return page(request, locale, "entry.html", context, status_code)

    def bad_kind(kind: str) -> None:
        if kind not in KINDS:
            raise NotFound("kind of entry", kind)

    @router.get("/my/add/{kind}", response_class=HTMLResponse)
    def add_form(
        request: Request,
        kind: str,
        locale: Locale,
        actor: CurrentActor,
        instrument: Annotated[str | None, Query(max_length=50)] = None,
    ) -> HTMLResponse:
        require_patient(actor)
        bad_kind(kind)
        return entry_form(request, locale, kind, instrument=instrument)

    def entry_failed(
        request: Request,
        locale: str,
        kind: str,
        exc: InvalidInput,
        form: Mapping[str, Any],
        entry: Any = None,
    ) -> HTMLResponse:
        gettext = pages.gettext(locale)
        # The summary at the top names each field (a link to it); messages stay bare.
        errors = form_errors(exc, gettext, control=_control)
        values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
        chosen = values.get("instrument") if kind == "qol" else None
        if chosen is not None and chosen != RAND36 and chosen not in configured_instruments():
            chosen = None  # a questionnaire no longer offered: show the built-in one
        return entry_form(
            request,
            locale,
            kind,
            entry=entry,
            values=values,
            errors=errors,
            status_code=422,
            instrument=chosen,
        )

    @router.post("/my/add/{kind}", response_model=None)
    async def add(
        request: Request,
        kind: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> Response:
        require_patient(actor)
        bad_kind(kind)
        form = await request.form(max_files=0, max_fields=200)
        data = form_data(kind, form)
        patient_id = mine_made(db, actor, now)
        try:
            with db.begin_nested():
                services.entry_add(
                    db, actor=actor, patient_id=patient_id, kind=kind, data=data, now=now
                )
        except InvalidInput as exc:
            return entry_failed(request, locale, kind, exc, form)
        return RedirectResponse(
            "/my?saved=1", status_code=303
        )  # no kind: nothing of the entry in the URL

    @router.get("/my/entries/{entry_id}", response_class=HTMLResponse)
    def edit_form(
        request: Request,
        entry_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> HTMLResponse:
        patient_id = mine(db, actor, now, "entry", entry_id)
        row = services.entry_get(db, actor=actor, patient_id=patient_id, entry_id=entry_id)
        return entry_form(request, locale, row.kind, entry=row, values=_values(row.kind, row.data))

    @router.post("/my/entries/{entry_id}", response_model=None)
    async def edit(
        request: Request,
        entry_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> Response:
        patient_id = mine(db, actor, now, "entry", entry_id)
        row = services.entry_get(db, actor=actor, patient_id=patient_id, entry_id=entry_id)
        form = await request.form(max_files=0, max_fields=200)
        try:
            with db.begin_nested():
                services.entry_update(
                    db,
                    actor=actor,
                    patient_id=patient_id,
                    entry_id=entry_id,
                    data=merged_data(row.kind, row.data, form),
                    now=now,
                )
        except InvalidInput as exc:
            return entry_failed(request, locale, row.kind, exc, form, entry=row)
        return RedirectResponse("/my?changed=1", status_code=303)

    @router.post("/my/entries/{entry_id}/delete", response_model=None)
    def delete(entry_id: str, actor: CurrentActor, db: DbSession, now: NowDep) -> Response:
        patient_id = mine(db, actor, now, "entry", entry_id)
        services.entry_delete(db, actor=actor, patient_id=patient_id, entry_id=entry_id, now=now)
        return RedirectResponse("/my?deleted=1", status_code=303)

    @router.post("/my/undo", response_model=None)
    async def undo(request: Request, actor: CurrentActor, db: DbSession, now: NowDep) -> Response:
        require_patient(actor)
        patient_id = own_id(db, actor, now, create=False)
        if patient_id is None:
            raise Conflict("there is no change to undo")
        shown = _text(flat_form(await request.form(max_files=0, max_fields=5)), "change")
        services.entry_undo(
            db,
            actor=actor,
            patient_id=patient_id,
            now=now,
            expected=int(shown) if shown.isdigit() and len(shown) < 15 else None,
        )
        return RedirectResponse("/my?undone=1", status_code=303)

    async def read_upload(upload: UploadFile | None, field: str) -> Any:
        raw = b"" if upload is None else await upload.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD or not raw:
            raise InvalidInput(
                [
                    FieldError.translatable(
                        field,
                        Message(N_("the file is empty or too large.")),
                        Message(
                            N_("a file saved by this site, at most {kb} kB"),
                            {"kb": MAX_UPLOAD // 1024},
                        ),
                    )
                ]
            )
        return loads_checked(raw, field=field)

    @router.post("/my/import/{source}", response_model=None)
    async def import_file(
        request: Request,
        source: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        file: Annotated[UploadFile | None, File()] = None,
    ) -> Response:
        require_patient(actor)
        if source not in ("candidate", "journey"):
            raise NotFound("import", source)
        field = "candidate_file" if source == "candidate" else "journey_file"
        try:
            data = await read_upload(file, field)
            patient_id = mine_made(db, actor, now)
            with db.begin_nested():
                if source == "candidate":
                    added = services.record_import_profile(
                        db, actor=actor, patient_id=patient_id, data=data, now=now
                    )
                else:
                    added = services.record_import_journey(
                        db, actor=actor, patient_id=patient_id, data=data, now=now
                    )
        except InvalidInput as exc:
            gettext = pages.gettext(locale)
            errors = form_errors(exc, gettext, shown=[field])
            return overview(request, locale, actor, db, now, errors=errors, status_code=422)
        return RedirectResponse(f"/my?imported={len(added)}", status_code=303)

    @router.post("/my/plan", response_model=None)
    async def import_plan(
        request: Request, locale: Locale, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> Response:
        """The journey page's plan (its form fields, sent again) as to-dos in the record."""
        require_patient(actor)
        values = flat_form(await request.form(max_files=0, max_fields=20))
        timeline, errors = await run_in_threadpool(build_timeline, values, load_catalog())
        gettext = pages.gettext(locale)
        if timeline is None:
            problems = errors or [FieldError("facility", "is missing", "a clinic")]
            shown = form_errors(problems, gettext, shown=["journey_file"])
            return overview(request, locale, actor, db, now, errors=shown, status_code=422)
        plan_data = {
            "milestones": [
                {
                    "id": m.id,
                    "group": m.group,
                    "start": m.start.isoformat(),
                    "title": m.title.translate(gettext),
                }
                for m in timeline.milestones
            ]
        }
        patient_id = mine_made(db, actor, now)
        try:
            with db.begin_nested():
                added = services.record_import_journey(
                    db, actor=actor, patient_id=patient_id, data=plan_data, now=now
                )
        except InvalidInput as exc:
            shown = form_errors(exc, gettext, shown=["journey_file"])
            return overview(request, locale, actor, db, now, errors=shown, status_code=422)
        return RedirectResponse(f"/my?imported={len(added)}", status_code=303)

    # ------------------------------------------------------------ status and summary

    def status_context(db: Any, actor: Any, now: dt.datetime) -> dict[str, Any]:
        patient_id = own_id(db, actor, now, create=False)
        facts = (
            []
            if patient_id is None
            else services.entry_facts(db, actor=actor, patient_id=patient_id)
        )
        status = record_status(facts, today=now.date())
        rand36 = [
            (kind, day, data)
            for kind, day, data in facts
            if kind == "qol" and data.get("instrument", RAND36) == RAND36
        ]
        qol = [Dated(day, data) for _, day, data in rand36][-QOL_SHOWN:]
        others = [
            Dated(day, data)
            for kind, day, data in facts
            if kind == "qol" and data.get("instrument", RAND36) != RAND36
        ][-QOL_SHOWN:]
        return {
            "status": status,
            "chart": edss_chart(status),
            "qol_charts": qol_charts(rand36, status.transplant_date),
            "other_qol": others,
            "instrument_names": {d.id: d.name for d in configured_instruments().values()},
            "qol_rows": qol,
            "scales": RAND36_SCALES,
            "qol_reports": PUBLISHED_QOL_REPORTS,
            "last_mri": next((Dated(d, x) for k, d, x in reversed(facts) if k == "mri"), None),
            "transplant": next((Dated(d, x) for k, d, x in facts if k == "transplant"), None),
        }

    @router.get("/my/status", response_class=HTMLResponse)
    def my_status(
        request: Request, locale: Locale, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> HTMLResponse:
        require_patient(actor)
        return page(request, locale, "status.html", status_context(db, actor, now))

    @router.get("/my/summary", response_class=HTMLResponse)
    def my_summary(
        request: Request, locale: Locale, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> HTMLResponse:
        require_patient(actor)
        return page(request, locale, "summary.html", status_context(db, actor, now))

    # ------------------------------------------------------------ reminders and calendar

    def reminders_page(
        request: Request,
        locale: str,
        actor: Any,
        db: Any,
        now: dt.datetime,
        *,
        feed_url: str | None = None,
    ) -> HTMLResponse:
        patient_id = own_id(db, actor, now, create=False)
        rows = rows_of(db, actor, patient_id)
        todos = [r for r in rows if r.kind == "todo"]
        today = now.date()
        open_items = [r for r in todos if not r.data.get("done_on")]
        return page(
            request,
            locale,
            "reminders.html",
            {
                "overdue": [r for r in open_items if r.date < today],
                "due": [r for r in open_items if r.date >= today],
                "done": [r for r in todos if r.data.get("done_on")],
                "has_transplant": any(r.kind == "transplant" for r in rows),
                "feed_active": patient_id is not None
                and services.feed_active(db, actor=actor, patient_id=patient_id),
                "feed_url": feed_url,
                "today": today,
            },
        )

    @router.get("/my/reminders", response_class=HTMLResponse)
    def reminders(
        request: Request, locale: Locale, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> HTMLResponse:
        require_patient(actor)
        return reminders_page(request, locale, actor, db, now)

    @router.post("/my/reminders/schedule", response_model=None)
    def schedule(locale: Locale, actor: CurrentActor, db: DbSession, now: NowDep) -> Response:
        patient_id = mine_made(db, actor, now)
        rows = services.entry_list(db, actor=actor, patient_id=patient_id)
        transplant = next((r for r in rows if r.kind == "transplant"), None)
        if transplant is None:
            raise Conflict("add your transplant first: the schedule counts from day 0")
        gettext = pages.gettext(locale)
        have = {(r.date, r.data.get("category")) for r in rows if r.kind == "todo"}
        for due, category, title in follow_up_schedule(transplant.date):
            if due < now.date() or (due, category) in have:
                continue
            services.entry_add(
                db,
                actor=actor,
                patient_id=patient_id,
                kind="todo",
                data={
                    "date": due.isoformat(),
                    "title": title.translate(gettext)[:200],
                    "category": category,
                },
                now=now,
            )
        return RedirectResponse("/my/reminders", status_code=303)

    @router.post("/my/entries/{entry_id}/done", response_model=None)
    def mark_done(entry_id: str, actor: CurrentActor, db: DbSession, now: NowDep) -> Response:
        patient_id = mine(db, actor, now, "entry", entry_id)
        row = services.entry_get(db, actor=actor, patient_id=patient_id, entry_id=entry_id)
        if row.kind != "todo":
            raise Conflict("only a to-do can be marked done")
        services.entry_update(
            db,
            actor=actor,
            patient_id=patient_id,
            entry_id=entry_id,
            data={**row.data, "done_on": now.date().isoformat()},
            now=now,
        )
        return RedirectResponse("/my/reminders", status_code=303)

    @router.post("/my/calendar", response_class=HTMLResponse)
    def calendar_create(
        request: Request, locale: Locale, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> HTMLResponse:
        patient_id = mine_made(db, actor, now)
        token = services.feed_create(db, actor=actor, patient_id=patient_id, now=now)
        base = (request.app.state.settings.public_url or str(request.base_url)).rstrip("/")
        return reminders_page(
            request, locale, actor, db, now, feed_url=f"{base}/calendar/{token}.ics"
        )

    @router.post("/my/calendar/revoke", response_model=None)
    def calendar_revoke(actor: CurrentActor, db: DbSession, now: NowDep) -> Response:
        require_patient(actor)
        patient_id = own_id(db, actor, now, create=False)
        if patient_id is not None:
            services.feed_revoke(db, actor=actor, patient_id=patient_id, now=now)
        return RedirectResponse("/my/reminders", status_code=303)

    @router.get("/calendar/{token}.ics", response_model=None)
    def calendar_feed(token: str, db: DbSession) -> Response:
        todos = services.feed_todos(db, token=token)
        if todos is None:
            raise NotFound("calendar")
        return Response(
            ics_text(list(todos)),
            media_type="text/calendar; charset=utf-8",
            headers={"Cache-Control": "no-store"},
        )

    # ------------------------------------------------------------ sharing

    def sharing_page(
        request: Request,
        locale: str,
        actor: Any,
        db: Any,
        now: dt.datetime,
        *,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        patient_id = own_id(db, actor, now, create=False)
        shares = (
            []
            if patient_id is None
            else services.share_list(db, actor=actor, patient_id=patient_id)
        )
        registry_clinics = clinics.clinic_directory(db)
        names = {c.id: c.name for c in registry_clinics}
        return page(
            request,
            locale,
            "sharing.html",
            {
                "shares": shares,
                "clinics": registry_clinics,
                "clinic_names": names,
                "kinds": [k for k in KINDS if k != "todo"],
                "errors": errors or {},
            },
            status_code,
        )

    @router.get("/my/sharing", response_class=HTMLResponse)
    def sharing(
        request: Request, locale: Locale, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> HTMLResponse:
        require_patient(actor)
        return sharing_page(request, locale, actor, db, now)

    @router.post("/my/sharing", response_model=None)
    async def share(
        request: Request, locale: Locale, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> Response:
        require_patient(actor)
        form = await request.form(max_files=0, max_fields=50)
        patient_id = mine_made(db, actor, now)
        try:
            with db.begin_nested():
                services.share_create(
                    db,
                    actor=actor,
                    patient_id=patient_id,
                    clinic_id=str(form.get("clinic_id", ""))[:32],
                    kinds=[str(k) for k in form.getlist("kinds")],
                    now=now,
                )
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale), shown=["clinic_id", "kinds"])
            return sharing_page(request, locale, actor, db, now, errors=errors, status_code=422)
        return RedirectResponse("/my/sharing", status_code=303)

    @router.post("/my/sharing/{share_id}/revoke", response_model=None)
    def share_revoke(share_id: str, actor: CurrentActor, db: DbSession, now: NowDep) -> Response:
        patient_id = mine(db, actor, now, "share", share_id)
        services.share_revoke(db, actor=actor, patient_id=patient_id, share_id=share_id, now=now)
        return RedirectResponse("/my/sharing", status_code=303)

    # ------------------------------------------------------------ my data

    @router.get("/my/data", response_class=HTMLResponse)
    def my_data(
        request: Request, locale: Locale, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> HTMLResponse:
        require_patient(actor)
        patient_id = own_id(db, actor, now, create=False)
        return page(request, locale, "data.html", {"count": len(rows_of(db, actor, patient_id))})

    @router.post("/my/data/{name}", response_model=None)
    def download(name: str, actor: CurrentActor, db: DbSession, now: NowDep) -> Response:
        # POST, not GET: a download is an audited export, never fetched by a prefetching
        # browser or left as a link in history.
        require_patient(actor)
        formats = {"record.json": "json", "record-csv.zip": "csv", "record-fhir.json": "fhir"}
        if name not in formats:
            raise NotFound("download", name)
        patient_id = mine_made(db, actor, now)
        document = record_export.record_export(
            db, actor=actor, patient_id=patient_id, now=now, fmt=formats[name]
        )
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if name == "record.json":
            body = json.dumps(document, ensure_ascii=False, indent=1).encode()
            return Response(body, media_type="application/json", headers=headers)
        if name == "record-fhir.json":
            body = json.dumps(
                record_fhir.fhir_bundle(document), ensure_ascii=False, indent=1
            ).encode()
            return Response(body, media_type="application/fhir+json", headers=headers)
        return Response(
            record_export.export_zip(document, fhir=record_fhir.fhir_bundle(document)),
            media_type="application/zip",
            headers=headers,
        )

    return router


def ics_text(todos: list[Any]) -> bytes:
    """The open to-dos as an iCalendar file (RFC 5545: escaped, folded), one all-day event
    each; the entry id is the event's UID, so a changed to-do replaces its event."""
    calendar = Calendar()
    calendar.add("prodid", "-//HSCT Navigator//My record//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "HSCT follow-up")
    stamp = dt.datetime.now(dt.UTC)
    for row in todos:
        if row.data.get("done_on"):
            continue
        event = Event()
        event.add("uid", f"{row.id}@hsct-navigator")
        event.add("dtstamp", stamp)
        event.add("summary", str(row.data.get("title", "")))
        event.add("dtstart", row.date)
        event.add("dtend", row.date + dt.timedelta(days=1))
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


#: The chart's drawing area (SVG user units); the SVG scales to the page's width.
CHART_W: Final = 400
CHART_H: Final = 240
PAD_L: Final = 32
PAD_R: Final = 12
PAD_T: Final = 12
PAD_B: Final = 34


def edss_chart(status: RecordStatus) -> dict[str, Any] | None:
    """Coordinates of the EDSS chart: points, the day-0 line, relapse and MRI marks, ticks."""
    points = status.visits
    if not points:
        return None
    dates = [p.date for p in points] + list(status.relapse_dates) + [d for d, _ in status.mri_dates]
    if status.transplant_date:
        dates.append(status.transplant_date)
    first, last = min(dates), max(dates)
    span = max((last - first).days, 1)

    def x(day: dt.date) -> float:
        return round(PAD_L + (day - first).days / span * (CHART_W - PAD_L - PAD_R), 1)

    def y(value: float) -> float:
        return round(PAD_T + (10 - value) / 10 * (CHART_H - PAD_T - PAD_B), 1)

    years = list(range(first.year + (first.month > 1 or first.day > 1), last.year + 1))
    step = max(1, -(-len(years) // 6))  # at most 6 year labels: they must not overlap
    return {
        "width": CHART_W,
        "height": CHART_H,
        "left": PAD_L,
        "right": CHART_W - PAD_R,
        "bottom": CHART_H - PAD_B,
        "top": PAD_T,
        "points": [(x(p.date), y(p.value), p) for p in points],
        "line": " ".join(f"{x(p.date)},{y(p.value)}" for p in points),
        "day0": None if status.transplant_date is None else x(status.transplant_date),
        "relapses": [x(d) for d in status.relapse_dates],
        "scans": [(x(d), active) for d, active in status.mri_dates],
        "y_ticks": [(v, y(v)) for v in (0, 2, 4, 6, 8, 10)],
        "x_ticks": [(yr, x(dt.date(yr, 1, 1))) for yr in years[::step]],
    }


#: One small QoL chart per scale (SVG user units).
QOL_W: Final = 180
QOL_H: Final = 110
QOL_PAD: Final = (34, 10, 8, 24)  # left, right, top, bottom


def qol_charts(
    facts: list[tuple[str, dt.date, dict[str, Any]]], day0: dt.date | None
) -> dict[str, Any] | None:
    """Small charts of each RAND-36 scale against months after day 0, and the window in
    which the verified studies report improvement (shaded)."""
    answered = [(day, data["scores"]) for kind, day, data in facts if kind == "qol"]
    if day0 is None or not answered:
        return None

    def months(day: dt.date) -> float:
        return (day - day0).days / 30.44

    xs = [months(day) for day, _ in answered]
    windows = [r.months for r in PUBLISHED_QOL_REPORTS if r.verified and r.months]
    low = min([0.0, *xs])
    high = max([24.0, *xs, *(w[1] for w in windows)])
    left, right, top, bottom = QOL_PAD
    width, height = QOL_W - left - right, QOL_H - top - bottom

    def x(value: float) -> float:
        return round(left + (value - low) / (high - low) * width, 1)

    def y(score: float) -> float:
        return round(top + (100 - score) / 100 * height, 1)

    band = None
    if windows:
        start, end = min(w[0] for w in windows), max(w[1] for w in windows)
        band = {"x": x(start), "width": max(x(end) - x(start), 2), "start": start, "end": end}
    charts = []
    for scale in RAND36_SCALES:
        points = [
            (x(months(day)), y(value), value)
            for day, scores in answered
            if (value := scores["scales"][scale.key]["score"]) is not None
        ]
        charts.append(
            {
                "scale": scale,
                "points": points,
                "line": " ".join(f"{px},{py}" for px, py, _ in points),
            }
        )
    return {
        "width": QOL_W,
        "height": QOL_H,
        "left": left,
        "right": QOL_W - right,
        "top": top,
        "bottom": QOL_H - bottom,
        "day0": x(0),
        "band": band,
        "charts": charts,
        "x_ticks": [(m, x(m)) for m in range(0, int(high) + 1, 12 if high <= 72 else 24)],
        "y_ticks": [(v, y(v)) for v in (0, 50, 100)],
    }
