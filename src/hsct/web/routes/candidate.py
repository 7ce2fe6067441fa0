""" "Am I a candidate?": a step-by-step wizard, the results, a printable summary.

Nothing is stored on the server. The answers travel with the form as one hidden JSON field
(the same JSON shape as the API and ``hsct assess``), so Back and Next never lose them,
and the person can download the file and upload it later. Forms use POST so that health
facts never appear in URLs or server logs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from hsct.common.edss_value import LEGAL_VALUES, format_step
from hsct.common.errors import FieldError, InvalidInput
from hsct.common.i18n import N_
from hsct.common.jsontext import loads_checked
from hsct.common.text import Message
from hsct.eligibility import Assessment, evaluate, parse_profile
from hsct.eligibility.profile import MAX_ROWS, ROWS_PROBLEM
from hsct.knowledge import Catalog
from hsct.knowledge.labels import (
    INTENSITY_LABELS,
    MS_TYPE_LABELS,
    PARAMETER_LABELS,
    RECORD_LABELS,
    STATUS_LABELS,
    STRENGTH_LABELS,
)
from hsct.web.deps import CatalogDep
from hsct.web.forms import form_errors
from hsct.web.locale import Locale, remember_locale, switched_locale
from hsct.web.templating import Pages

Gettext = Callable[[str], str]
MAX_UPLOAD: Final = 256 * 1024


@dataclass(frozen=True, slots=True)
class Step:
    """One screen of the wizard: its id, title, and the profile fields it asks for."""

    id: str
    title: str
    fields: tuple[str, ...]


STEPS: Final = (
    Step("about", N_("About you"), ("birth_date", "age", "as_of")),
    Step(
        "disease",
        N_("Your MS"),
        (
            "ms_type",
            "ms_activity",
            "ms_worsening",
            "diagnosis_date",
            "onset_date",
            "csf_oligoclonal_bands",
        ),
    ),
    Step("edss", N_("Disability"), ("edss", "edss_inputs", "disability_worsening_12m")),
    Step("relapses", N_("Relapses"), ("relapses",)),
    Step("mri", N_("MRI"), ("mri",)),
    Step("treatments", N_("MS drugs"), ("treatments",)),
    Step("other", N_("Other facts"), ("prior_hsct", "comorbidities", "edss_history")),
)
STEP_IDS: Final = tuple(s.id for s in STEPS)
FIELD_LABELS: Final = {
    "birth_date": N_("Date of birth"),
    "age": N_("Age"),
    "as_of": N_("Date to assess for"),
    "ms_type": N_("MS type"),
    "ms_activity": N_("MS active"),
    "ms_worsening": N_("Progressive MS worsening"),
    "diagnosis_date": N_("Date of diagnosis"),
    "onset_date": N_("First symptoms"),
    "csf_oligoclonal_bands": N_("Oligoclonal bands"),
    "edss": N_("EDSS"),
    "edss_inputs": N_("EDSS"),
    "disability_worsening_12m": N_("Disability worsened in the last 12 months"),
    "relapses": N_("Relapse"),
    "mri": N_("MRI"),
    "treatments": N_("MS drug"),
    "prior_hsct": N_("Had aHSCT before"),
    "comorbidities": N_("Other conditions"),
    "edss_history": N_("Earlier EDSS"),
    "profile": N_("Saved answers"),
}
REASONS_STOPPED: Final = {
    "ineffective": N_("It did not work (relapses or MRI activity)"),
    "side_effects": N_("Side effects"),
    "planned": N_("Planned stop"),
    "pregnancy": N_("Pregnancy"),
    "other": N_("Another reason"),
}
VERDICT_LABELS: Final = {
    "meets": N_("Criteria met"),
    "needs_review": N_("Needs review"),
    "insufficient_information": N_("More information needed"),
    "does_not_meet": N_("Criteria not met"),
    "no_checkable_criteria": N_("No criteria we can check: ask them"),
    "unavailable": N_("Not an option now"),
}
STATUS_MARKS: Final = {
    "met": ("✓", N_("Met")),
    "not_met": ("✗", N_("Not met")),
    "unknown": ("?", N_("Not known yet")),
    "clinic": ("·", N_("Checked by the clinic")),
    "not_applicable": ("–", N_("Does not apply")),
}
#: Blank rows shown for relapses, scans and drugs: one, and one more per "Add another"
#: (issue 19: a keyboard user should not Tab through dozens of empty fields).
MIN_ROWS: Final = 1
#: The first field of a row, per step, which takes the focus when a row is added.
ROW_FIELDS: Final = {"relapses": "relapse_date_", "mri": "mri_date_", "treatments": "drug_"}


def _tri(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _text(form: Mapping[str, str], name: str) -> str | None:
    return form.get(name, "").strip() or None


def _rows(form: Mapping[str, str], prefix: str) -> list[int]:
    """Row indexes present in the form for a list step (``prefix_<n>`` fields)."""
    found = set()
    for key in form:
        if key.startswith(prefix):
            tail = key.removeprefix(prefix).rsplit("_", 1)[-1]
            if tail.isdigit():
                found.add(int(tail))
    return sorted(found)


def _copy(form: Mapping[str, str], *names: str) -> dict[str, Any]:
    return {name: value for name in names if (value := _text(form, name)) is not None}


def _yes_no(form: Mapping[str, str], *names: str) -> dict[str, Any]:
    return {name: value for name in names if (value := _tri(form.get(name))) is not None}


def _list_answer(step: str, form: Mapping[str, str]) -> dict[str, Any]:
    known = form.get(f"{step}_known")
    rows = _list_rows(step, form)
    if known == "none":
        return {step: []}
    if known == "listed" or rows:  # dates typed in count even if the radio was skipped
        return {step: rows}
    return {}


def _other(form: Mapping[str, str]) -> dict[str, Any]:
    answers = _yes_no(form, "prior_hsct")
    conditions = [line.strip() for line in form.get("comorbidities", "").splitlines()]
    if any(conditions):
        answers["comorbidities"] = [c for c in conditions if c]
    return answers


STEP_READERS: Final[dict[str, Callable[[Mapping[str, str]], dict[str, Any]]]] = {
    "about": lambda form: _copy(form, "birth_date", "age", "as_of"),
    "disease": lambda form: (
        _copy(form, "ms_type", "ms_activity", "ms_worsening", "diagnosis_date", "onset_date")
        | _yes_no(form, "csf_oligoclonal_bands")
    ),
    "edss": lambda form: _copy(form, "edss") | _yes_no(form, "disability_worsening_12m"),
    "relapses": lambda form: _list_answer("relapses", form),
    "mri": lambda form: _list_answer("mri", form),
    "treatments": lambda form: _list_answer("treatments", form),
    "other": _other,
}


def step_answers(step: str, form: Mapping[str, str]) -> dict[str, Any]:
    """The profile fields a step's form gives (a field left out means "not known")."""
    return STEP_READERS[step](form)


def _list_rows(step: str, form: Mapping[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if step == "relapses":
        for i in _rows(form, "relapse_date_"):
            if date := _text(form, f"relapse_date_{i}"):
                rows.append({"date": date})
    elif step == "mri":
        for i in _rows(form, "mri_date_"):
            date = _text(form, f"mri_date_{i}")
            gd, t2 = _text(form, f"mri_gd_{i}"), _text(form, f"mri_t2_{i}")
            if date or gd or t2:
                row: dict[str, Any] = {"date": date}
                row.update({k: v for k, v in (("gd_enhancing", gd), ("new_t2", t2)) if v})
                rows.append(row)
    else:
        for i in _rows(form, "drug_"):
            drug = _text(form, f"drug_{i}")
            start, stop = _text(form, f"start_{i}"), _text(form, f"stop_{i}")
            reason, last = _text(form, f"reason_{i}"), _text(form, f"last_dose_{i}")
            if drug or start or stop:
                course: dict[str, Any] = {"drug": drug or ""}
                course.update(
                    {
                        k: v
                        for k, v in (
                            ("start", start),
                            ("stop", stop),
                            ("last_dose", last),
                            ("reason_stopped", reason),
                        )
                        if v
                    }
                )
                rows.append(course)
    return rows


def form_values(profile: Mapping[str, Any]) -> dict[str, str]:
    """A profile as flat form values, to fill the wizard's fields."""
    values: dict[str, str] = {}
    for name in (
        "birth_date",
        "age",
        "as_of",
        "ms_type",
        "ms_activity",
        "ms_worsening",
        "diagnosis_date",
        "onset_date",
        "edss",
    ):
        if profile.get(name) is not None:
            values[name] = str(profile[name])
    for name in ("csf_oligoclonal_bands", "disability_worsening_12m", "prior_hsct"):
        if profile.get(name) is not None:
            values[name] = "yes" if profile[name] else "no"
    for step in ("relapses", "mri", "treatments"):
        rows = profile.get(step)
        values[f"{step}_known"] = "unknown" if rows is None else "listed" if rows else "none"
    values.update(_row_values(profile))
    if profile.get("comorbidities"):
        values["comorbidities"] = "\n".join(profile["comorbidities"])
    if profile.get("edss") is not None:
        values["edss"] = format_step(float(profile["edss"]))
    return values


def _row_values(profile: Mapping[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for i, relapse in enumerate(profile.get("relapses") or ()):
        values[f"relapse_date_{i}"] = str(relapse.get("date") or "")
    for i, scan in enumerate(profile.get("mri") or ()):
        values[f"mri_date_{i}"] = str(scan.get("date") or "")
        for key, name in (("gd_enhancing", "mri_gd"), ("new_t2", "mri_t2")):
            if scan.get(key) is not None:
                values[f"{name}_{i}"] = str(scan[key])
    for i, course in enumerate(profile.get("treatments") or ()):
        for key, name in (
            ("drug", "drug"),
            ("start", "start"),
            ("stop", "stop"),
            ("last_dose", "last_dose"),
            ("reason_stopped", "reason"),
        ):
            if course.get(key):
                values[f"{name}_{i}"] = str(course[key])
    return values


def _row_count(values: Mapping[str, str], prefix: str, extra: int) -> int:
    present = [i for i in _rows(values, prefix) if i < MAX_ROWS]
    return min(max((present[-1] + 1) if present else 0, MIN_ROWS) + extra, MAX_ROWS)


def messages(errors: list[FieldError], gettext: Gettext) -> dict[str, str]:
    """One translated message per bad answer, keyed by its form control (see ``form_errors``)."""

    def label(field: str) -> str:
        parts = field.split(".")
        name = gettext(FIELD_LABELS.get(parts[0], parts[0]))
        if len(parts) > 1 and parts[1].isdigit():
            name = f"{name} {int(parts[1]) + 1}"
        return name

    return form_errors(
        errors, gettext, labels=label, control=lambda field: _form_name(field.split("."))
    )


def _form_name(parts: list[str]) -> str:
    """The form control of a profile field (``relapses.0.date`` -> ``relapse_date_0``)."""
    if len(parts) >= 2 and parts[1].isdigit():
        index, leaf = parts[1], parts[2] if len(parts) > 2 else ""
        if parts[0] == "relapses":
            return f"relapse_date_{index}"
        if parts[0] == "mri":
            return {"gd_enhancing": "mri_gd", "new_t2": "mri_t2"}.get(
                leaf, "mri_date"
            ) + f"_{index}"
        if parts[0] == "treatments":
            return {"reason_stopped": "reason"}.get(leaf, leaf or "drug") + f"_{index}"
    return parts[0]


def load_profile(text: str | None) -> dict[str, Any]:
    """The hidden answers field back as a dict, checked like any input.

    Raises
    ------
    InvalidInput
        On ``profile`` when the field is not a JSON object (nested too deeply, huge numbers,
        NaN), so tampering is a 422 with the field named, never a crash.
    """
    if not text:
        return {}
    data = loads_checked(text, field="profile")
    if not isinstance(data, dict):
        raise InvalidInput(
            [FieldError("profile", "is not a saved answers object", "a JSON object")]
        )
    return data


def _rows_within_limit(form: Mapping[str, str]) -> list[FieldError]:
    """Repeating rows beyond :data:`MAX_ROWS` are refused, never rendered."""
    errors = []
    for prefix, field in (
        ("relapse_date_", "relapses"),
        ("mri_date_", "mri"),
        ("drug_", "treatments"),
    ):
        rows = _rows(form, prefix)
        if rows and rows[-1] >= MAX_ROWS:
            errors.append(FieldError.translatable(field, ROWS_PROBLEM))
    return errors


def candidate_router(pages: Pages) -> APIRouter:  # noqa: C901, PLR0915 - one handler per page
    """Routes for the wizard, the results and the summary."""
    router = APIRouter(include_in_schema=False)

    def step_context(
        step: Step,
        profile: Mapping[str, Any],
        values: Mapping[str, str],
        errors: Mapping[str, str],
        catalog: Catalog,
        *,
        extra_rows: int = 0,
    ) -> dict[str, Any]:
        index = STEP_IDS.index(step.id)
        rows = {
            "relapse_rows": _row_count(values, "relapse_date_", extra_rows),
            "mri_rows": _row_count(values, "mri_date_", extra_rows),
            "drug_rows": _row_count(values, "drug_", extra_rows),
        }
        prefix = ROW_FIELDS.get(step.id)
        added = {"relapses": "relapse_rows", "mri": "mri_rows", "treatments": "drug_rows"}
        focus = (
            f"f-{prefix}{rows[added[step.id]] - 1}" if extra_rows and prefix is not None else None
        )
        return {
            "focus": focus,
            "steps": STEPS,
            "step": step,
            "number": index + 1,
            "previous": STEP_IDS[index - 1] if index else None,
            "following": STEP_IDS[index + 1] if index + 1 < len(STEPS) else None,
            "profile_json": json.dumps(profile, ensure_ascii=False, sort_keys=True),
            "values": values,
            "errors": errors,
            "edss_values": [format_step(v) for v in LEGAL_VALUES],
            "ms_types": MS_TYPE_LABELS,
            "drugs": sorted(catalog.drugs.values(), key=lambda d: d.name.casefold()),
            "reasons": REASONS_STOPPED,
            **rows,
            "today": dt.date.today().isoformat(),  # noqa: DTZ011 - a calendar date
            "restore": False,
        }

    @router.get("/candidate", response_class=HTMLResponse)
    def start(request: Request, locale: Locale) -> HTMLResponse:
        return pages.render(request, "candidate/index.html", locale=locale, context={"errors": {}})

    @router.get("/candidate/wizard", response_class=HTMLResponse)
    def first_step(
        request: Request, locale: Locale, catalog: CatalogDep, step: str | None = None
    ) -> HTMLResponse:
        """The first step, or the named one (``?step=``, the address the page gives itself so
        that Back works). The answers are never in the address: the page brings them back
        from the tab's session storage, where the previous page kept them."""
        known = step in STEP_IDS
        context = step_context(STEPS[STEP_IDS.index(step) if known else 0], {}, {}, {}, catalog)
        context["restore"] = known
        return pages.render(request, "candidate/step.html", locale=locale, context=context)

    @router.get("/candidate/results", response_class=HTMLResponse)
    def results_again(request: Request, locale: Locale) -> HTMLResponse:
        """Back or reload on the results: the page asks the tab for the answers it kept."""
        return pages.render(request, "candidate/restore.html", locale=locale)

    @router.post("/candidate/wizard", response_class=HTMLResponse)
    async def wizard(request: Request, locale: Locale, catalog: CatalogDep) -> HTMLResponse:
        form = flat_form(await request.form())
        switched = switched_locale(form)
        if switched is None:
            return await run_in_threadpool(wizard_step, request, locale, form, catalog)
        # A language button: the same step in the new language, with the answers as typed.
        response = await run_in_threadpool(
            wizard_step, request, switched, {**form, "go": "stay"}, catalog
        )
        remember_locale(response, switched)
        return response

    def wizard_step(
        request: Request, locale: str, form: dict[str, str], catalog: Catalog
    ) -> HTMLResponse:
        try:
            profile = load_profile(form.get("profile"))
            if profile:
                parse_profile(profile, catalog)  # tampered answers are named, never trusted
        except InvalidInput as exc:
            return _upload_failed(request, locale, exc)
        step_id = form.get("step") if form.get("step") in STEP_IDS else STEP_IDS[0]
        step = STEPS[STEP_IDS.index(step_id)]
        go = form.get("go", "next")
        if go.startswith("goto:") and "step" not in form:  # from the results page
            target = go.removeprefix("goto:")
            step = STEPS[STEP_IDS.index(target)] if target in STEP_IDS else STEPS[0]
            context = step_context(step, profile, form_values(profile), {}, catalog)
            return pages.render(request, "candidate/step.html", locale=locale, context=context)
        too_many = _rows_within_limit(form)
        if too_many:
            updated, errors = profile, too_many
        else:
            updated = {k: v for k, v in profile.items() if k not in step.fields}
            updated.update(step_answers(step.id, form))
            updated, errors = _check_step(updated, step, catalog)
        if errors or go in ("more", "stay"):
            shown = messages(errors, pages.gettext(locale))
            context = step_context(
                step,
                profile if errors else updated,
                {} if too_many else form,
                shown,
                catalog,
                extra_rows=1 if go == "more" else 0,
            )
            status = 422 if errors else 200
            return pages.render(
                request, "candidate/step.html", locale=locale, context=context, status_code=status
            )
        if go == "results":
            return _results(request, locale, updated, catalog)
        index = STEP_IDS.index(step.id)
        if go == "back":
            index = max(index - 1, 0)
        elif go.startswith("goto:") and go.removeprefix("goto:") in STEP_IDS:
            index = STEP_IDS.index(go.removeprefix("goto:"))
        elif index + 1 < len(STEPS):
            index += 1
        else:
            return _results(request, locale, updated, catalog)
        context = step_context(STEPS[index], updated, form_values(updated), {}, catalog)
        return pages.render(request, "candidate/step.html", locale=locale, context=context)

    def _results(
        request: Request,
        locale: str,
        profile: dict[str, Any],
        catalog: Catalog,
        page: str = "candidate/results.html",
    ) -> HTMLResponse:
        assessment = evaluate(parse_profile(profile, catalog), catalog)
        context = results_context(assessment, profile, catalog)
        return pages.render(request, page, locale=locale, context=context)

    def _checked_results(
        request: Request, locale: str, form: dict[str, str], catalog: Catalog, page: str
    ) -> HTMLResponse:
        try:
            profile = load_profile(form.get("profile"))
            return _results(request, locale, profile, catalog, page)
        except InvalidInput as exc:
            return _upload_failed(request, locale, exc)

    @router.post("/candidate/results", response_class=HTMLResponse)
    async def results(request: Request, locale: Locale, catalog: CatalogDep) -> HTMLResponse:
        form = flat_form(await request.form())
        switched = switched_locale(form)
        response = await run_in_threadpool(
            _checked_results, request, switched or locale, form, catalog, "candidate/results.html"
        )
        if switched is not None:
            remember_locale(response, switched)
        return response

    @router.post("/candidate/summary", response_class=HTMLResponse)
    async def summary(request: Request, locale: Locale, catalog: CatalogDep) -> HTMLResponse:
        form = flat_form(await request.form())
        return await run_in_threadpool(
            _checked_results, request, locale, form, catalog, "candidate/summary.html"
        )

    @router.post("/candidate/download")
    async def download(request: Request, catalog: CatalogDep) -> Response:
        form = flat_form(await request.form())
        profile = load_profile(form.get("profile"))
        await run_in_threadpool(parse_profile, profile, catalog)  # only valid answers
        body = json.dumps(profile, ensure_ascii=False, indent=2, sort_keys=True)
        return Response(
            body + "\n",
            media_type="application/json",
            headers={
                "Content-Disposition": 'attachment; filename="hsct-navigator-answers.json"',
                "Cache-Control": "no-store",
            },
        )

    @router.post("/candidate/upload", response_class=HTMLResponse)
    async def upload(request: Request, locale: Locale, catalog: CatalogDep) -> HTMLResponse:
        async with request.form(max_files=1, max_fields=10) as form:
            try:
                data = await read_upload(form.get("file"))
            except InvalidInput as exc:
                return _upload_failed(request, locale, exc)
        try:
            return await run_in_threadpool(_results, request, locale, data, catalog)
        except InvalidInput as exc:
            return _upload_failed(request, locale, exc)

    def _upload_failed(request: Request, locale: str, exc: InvalidInput) -> HTMLResponse:
        errors = messages(list(exc.errors), pages.gettext(locale))
        return pages.render(
            request,
            "candidate/index.html",
            locale=locale,
            context={"errors": errors},
            status_code=422,
        )

    return router


async def read_upload(file: Any) -> dict[str, Any]:
    """A saved answers file as a dict; a missing, huge or foreign file is a named error."""
    if not isinstance(file, UploadFile):
        raise InvalidInput(
            [
                FieldError.translatable(
                    "profile",
                    Message(N_("please choose your saved answers file.")),
                    Message(N_("a .json file")),
                )
            ]
        )
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "profile", Message(N_("the file is too large.")), Message(N_("256 kB"))
                )
            ]
        )
    try:
        data = loads_checked(content, field="profile")
    except InvalidInput:
        data = None
    if not isinstance(data, dict):
        raise InvalidInput(
            [
                FieldError.translatable(
                    "profile",
                    Message(N_("this is not a saved answers file.")),
                    Message(N_("a .json file")),
                )
            ]
        )
    return data


def flat_form(form: FormData) -> dict[str, str]:
    """The text fields of a submitted form (files left out)."""
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _check_step(
    profile: dict[str, Any], step: Step, catalog: Catalog
) -> tuple[dict[str, Any], list[FieldError]]:
    """The answers in their canonical JSON form, or problems in this step's fields."""
    try:
        parsed = parse_profile(profile, catalog)
    except InvalidInput as exc:
        mine = [e for e in exc.errors if e.field.split(".")[0] in step.fields]
        return profile, mine or list(exc.errors)
    return parsed.model_dump(mode="json", exclude_none=True), []


def results_context(
    assessment: Assessment, profile: Mapping[str, Any], catalog: Catalog
) -> dict[str, Any]:
    """What the results and the summary show."""
    needs: dict[str, Any] = {}
    for result in assessment.results:
        for need in result.needs:
            needs.setdefault(str(need.message), need)
    return {
        "assessment": assessment,
        "catalog": catalog,
        "profile_json": json.dumps(profile, ensure_ascii=False, sort_keys=True),
        "needs": list(needs.values()),
        "met_facilities": list(assessment.fits),
        "verdict_labels": VERDICT_LABELS,
        "status_marks": STATUS_MARKS,
        "strength_labels": STRENGTH_LABELS,
        "status_labels": STATUS_LABELS,
        "intensity_labels": INTENSITY_LABELS,
        "parameter_labels": PARAMETER_LABELS,
        "record_labels": RECORD_LABELS,
        "reasons": REASONS_STOPPED,
        "steps": STEPS,
    }
