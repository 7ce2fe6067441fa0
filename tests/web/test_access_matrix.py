"""Who may use which route: every route of the app, asked by every role, with exact answers.

The rows are written out by hand in :data:`EXPECTED` (one per method and path; ``HEAD``
is left out, it answers like ``GET``), and :func:`test_every_route_has_a_row` fails when
the app gains a route without a row, or keeps a row for a route it no longer has.

How each actor asks (see ``tests/support/world.py``):

- ``/api/v1`` routes: the actor's ``registry:write`` API token; "anonymous" sends nothing.
- Pages: a browser fully signed in as the actor (a new session per request, so signing out
  or ending other sessions cannot spoil the next request) with the CSRF header; "anonymous"
  is a visitor holding only the pre-session cookie the forms hand out, with its CSRF token.
- Path parameters name the world's clinic X, its patient record X-0001, a spare API token of
  staff_x, and the membership of X's only lead. Bodies are empty (a form or ``{}``) except
  where the route's rule is only reached with a valid one: a new study code, a new clinic's
  name, an invitation to a new address.

The answers this pins down: another clinic's or person's record is 404 (never 403), a role
that does not allow an action in one's own clinic is 403, the API says 401 without
credentials, and pages send a visitor to the sign-in page (303, coming back afterwards).
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import httpx2
import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from hsct import outcomes
from hsct.registry import accounts as account_services
from hsct.registry import patients as patient_services
from hsct.registry import record as record_services
from hsct.registry.fhir_import import CLINIC_CODE_SYSTEM
from hsct.registry.tables import Account
from tests.support.world import ACTORS, World, world_for

# ---------------------------------------------------------------- the table


@dataclass(frozen=True, slots=True)
class SeeOther:
    """A 303 to ``location``; ``None`` means the sign-in page, coming back to this path.

    ``{new}`` in a location stands for an id made by the request itself.
    """

    location: str | None = None


SIGN_IN: Final = SeeOther()
#: Clinic workspace redirects; ``{clinic_id}`` and ``{patient_id}`` are clinic X and its record.
NEW_RECORD: Final = SeeOther("/clinic/{clinic_id}/patients/{new}")
RECORD_X_DELETED: Final = SeeOther("/clinic/{clinic_id}/patients/{patient_id}?deleted=1")
RECORD_X_UNDONE: Final = SeeOther("/clinic/{clinic_id}/patients/{patient_id}?undone=1")
RECORD_X_SAVED: Final = SeeOther("/clinic/{clinic_id}/patients/{patient_id}?saved=1")
FHIR_DONE: Final = SeeOther("/clinic/{clinic_id}/imports?fhir=1")
Expect = int | SeeOther


def R(*answers: Expect) -> dict[str, Expect]:  # noqa: N802 - reads as a table row
    """One row, in the order of :data:`ACTORS`:
    anonymous, patient_a, patient_b, staff_x, staff_y, lead_x, monitor_x, site_admin."""
    assert len(answers) == len(ACTORS)
    return dict(zip(ACTORS, answers, strict=True))


def everyone(answer: Expect) -> dict[str, Expect]:
    """The same answer for every actor, signed in or not."""
    return dict.fromkeys(ACTORS, answer)


NO_SIGN_IN: Final = SeeOther("/account/sign-in")  # the handler's own redirect, no "next"
SETUP: Final = SeeOther("/account/two-factor/setup")

#: Public routes: the navigator's pages and its public API. Nobody is refused or sent to
#: sign in; each answers the same to every actor for the request sent (GET without a query
#: string, POST with an empty form or ``{}``).
PUBLIC: Final[dict[tuple[str, str], Expect]] = {
    ("GET", "/"): 200,
    ("GET", "/healthz"): 200,
    ("GET", "/readyz"): 200,  # the module fixture warms the outcomes kernel up first
    ("POST", "/language"): 400,
    ("GET", "/edss"): 200,
    ("GET", "/edss/examination"): 200,
    ("GET", "/edss/walking"): 200,
    ("GET", "/facilities"): 200,
    ("GET", "/facilities/compare"): 400,
    ("GET", "/facilities/{facility_id}"): 200,
    ("GET", "/legitimacy"): 200,
    ("GET", "/evidence"): 200,
    ("GET", "/about"): 200,
    ("GET", "/guide"): 200,
    ("GET", "/outcomes"): 200,
    ("GET", "/outcomes/analyse"): 200,
    ("POST", "/outcomes/analyse"): 422,  # no file chosen
    ("GET", "/outcomes/{publication_id}"): 404,  # no such version
    ("GET", "/glossary"): 200,
    ("GET", "/decide"): 200,
    ("POST", "/decide"): 200,
    ("POST", "/decide/summary"): 200,
    ("POST", "/decide/download"): 200,
    ("GET", "/candidate"): 200,
    ("GET", "/candidate/wizard"): 200,
    ("POST", "/candidate/wizard"): 200,
    ("GET", "/candidate/results"): 200,
    ("POST", "/candidate/results"): 200,
    ("POST", "/candidate/summary"): 200,
    ("POST", "/candidate/download"): 200,
    ("POST", "/candidate/upload"): 422,
    ("GET", "/journey"): 200,
    ("POST", "/journey"): 200,
    ("GET", "/journey/plan.ics"): 422,
    ("POST", "/journey/plan.ics"): 422,
    ("GET", "/api/v1/"): 200,
    ("GET", "/api/v1/openapi.json"): 200,
    ("GET", "/api/v1/docs"): 200,
    ("POST", "/api/v1/edss"): 200,
    ("GET", "/api/v1/facilities"): 200,
    ("GET", "/api/v1/facilities/compare"): 422,
    ("GET", "/api/v1/facilities/{facility_id}"): 200,
    ("GET", "/api/v1/facilities/{facility_id}/legitimacy"): 200,
    ("GET", "/api/v1/legitimacy/questions"): 200,
    ("POST", "/api/v1/legitimacy"): 422,
    ("GET", "/api/v1/rulesets"): 200,
    ("GET", "/api/v1/rulesets/{ruleset_id}"): 200,
    ("GET", "/api/v1/drugs"): 200,
    ("GET", "/api/v1/regimens"): 200,
    ("GET", "/api/v1/studies"): 200,
    ("GET", "/api/v1/studies/matches"): 200,
    ("GET", "/api/v1/risks"): 200,
    ("GET", "/api/v1/sources/{source_id}"): 200,
    ("GET", "/api/v1/exchange-rates"): 200,
    ("POST", "/api/v1/assessments"): 200,
    ("POST", "/api/v1/journeys"): 422,
    ("POST", "/api/v1/outcomes/progression"): 422,
}

RESOURCE_PATHS: Final = (
    "visits",
    "relapses",
    "mri",
    "transplants",
    "treatments",
    "adverse-events",
    "questionnaires",
)

#: The registry, the account pages and the clinic pages, actor by actor. Each R(...) reads
#: anonymous, patient_a, patient_b, staff_x, staff_y, lead_x, monitor_x, site_admin.
REGISTRY: Final[dict[tuple[str, str], dict[str, Expect]]] = {
    # ------------------------------------------------------------ JSON API (bearer tokens)
    ("GET", "/api/v1/me"): R(401, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/clinics"): R(401, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/clinics/{clinic_id}/patients"): R(401, 404, 404, 200, 404, 200, 200, 404),
    ("POST", "/api/v1/clinics/{clinic_id}/patients"): R(401, 404, 404, 201, 404, 201, 403, 404),
    ("GET", "/api/v1/patients/{patient_id}"): R(401, 404, 404, 200, 404, 200, 200, 404),
    ("GET", "/api/v1/clinics/{clinic_id}/shared-entries"): R(
        401, 404, 404, 200, 404, 200, 200, 404
    ),
    # {entry_id}: a fresh entry of record X, which nobody shared: not found for the staff.
    ("POST", "/api/v1/clinics/{clinic_id}/shared-entries/{entry_id}/accept"): R(
        401, 404, 404, 404, 404, 404, 403, 404
    ),
    ("POST", "/api/v1/clinics/{clinic_id}/shared-entries/{entry_id}/decline"): R(
        401, 404, 404, 404, 404, 404, 403, 404
    ),
    ("POST", "/api/v1/me/record"): R(401, 200, 200, 403, 403, 403, 403, 403),
    # ------------------------------------------------------------ follow-up records (record X)
    ("GET", "/api/v1/patients/{patient_id}/entries"): R(401, 404, 404, 200, 404, 200, 200, 404),
    ("POST", "/api/v1/patients/{patient_id}/entries"): R(401, 404, 404, 201, 404, 201, 403, 404),
    # {entry_id}: a fresh entry of record X for every request (see FRESH).
    ("GET", "/api/v1/patients/{patient_id}/entries/{entry_id}"): R(
        401, 404, 404, 200, 404, 200, 200, 404
    ),
    ("PUT", "/api/v1/patients/{patient_id}/entries/{entry_id}"): R(
        401, 404, 404, 200, 404, 200, 403, 404
    ),
    ("DELETE", "/api/v1/patients/{patient_id}/entries/{entry_id}"): R(
        401, 404, 404, 204, 404, 204, 403, 404
    ),
    ("POST", "/api/v1/patients/{patient_id}/undo"): R(401, 404, 404, 200, 404, 200, 403, 404),
    # A clinic's record is started from a clinic's own data, not a person's answers file:
    # an empty one is refused (422) for those who may write.
    ("POST", "/api/v1/patients/{patient_id}/import/candidate"): R(
        401, 404, 404, 422, 404, 422, 403, 404
    ),
    ("POST", "/api/v1/patients/{patient_id}/import/journey"): R(
        401, 404, 404, 422, 404, 422, 403, 404
    ),
    ("GET", "/api/v1/patients/{patient_id}/outcomes"): R(401, 404, 404, 200, 404, 200, 200, 404),
    ("GET", "/api/v1/patients/{patient_id}/export"): R(401, 404, 404, 200, 404, 200, 200, 404),
    ("GET", "/api/v1/patients/{patient_id}/shares"): R(401, 404, 404, 200, 404, 200, 200, 404),
    # Only the person whose record it is shares it: never clinic staff.
    ("POST", "/api/v1/patients/{patient_id}/shares"): R(401, 404, 404, 403, 404, 403, 403, 404),
    ("DELETE", "/api/v1/patients/{patient_id}/shares/{share_id}"): R(
        401, 404, 404, 404, 404, 404, 403, 404
    ),
    # The same entries by kind, under the names registries use (RESOURCE_KINDS).
    **{
        ("GET", f"/api/v1/patients/{{patient_id}}/{path}"): R(
            401, 404, 404, 200, 404, 200, 200, 404
        )
        for path in RESOURCE_PATHS
    },
    **{
        ("POST", f"/api/v1/patients/{{patient_id}}/{path}"): R(
            401, 404, 404, 201, 404, 201, 403, 404
        )
        for path in RESOURCE_PATHS
        if path not in ("transplants", "questionnaires")
    },
    # No body: refused field by field (422) for those who may write.
    ("POST", "/api/v1/patients/{patient_id}/transplants"): R(
        401, 404, 404, 422, 404, 422, 403, 404
    ),
    ("POST", "/api/v1/patients/{patient_id}/questionnaires"): R(
        401, 404, 404, 422, 404, 422, 403, 404
    ),
    # {patient_id}: a fresh, unlocked record of clinic X for every request. Leads lock and
    # unlock; unlocking an unlocked record is a 409.
    ("POST", "/api/v1/patients/{patient_id}/lock"): R(401, 404, 404, 403, 404, 200, 403, 404),
    # Staff and leads of the record's clinic; a monitor reads only.
    ("PUT", "/api/v1/patients/{patient_id}/birth-month"): R(401, 404, 404, 200, 404, 200, 403, 404),
    ("POST", "/api/v1/patients/{patient_id}/unlock"): R(401, 404, 404, 403, 404, 409, 403, 404),
    # ------------------------------------------------------------ a clinic's registry (X)
    ("POST", "/api/v1/clinics/{clinic_id}/imports"): R(401, 404, 404, 201, 404, 201, 403, 404),
    # No such pending import: 404 for those who may import.
    ("POST", "/api/v1/clinics/{clinic_id}/imports/{import_id}/commit"): R(
        401, 404, 404, 404, 404, 404, 403, 404
    ),
    ("DELETE", "/api/v1/clinics/{clinic_id}/imports/{import_id}"): R(
        401, 404, 404, 404, 404, 404, 403, 404
    ),
    ("GET", "/api/v1/clinics/{clinic_id}/imports"): R(401, 404, 404, 200, 404, 200, 200, 404),
    # A FHIR file holding one Patient with a new study code: a new record for who may write.
    ("POST", "/api/v1/clinics/{clinic_id}/fhir-imports"): R(401, 404, 404, 201, 404, 201, 403, 404),
    ("PUT", "/api/v1/clinics/{clinic_id}/mappings/{name}"): R(
        401, 404, 404, 200, 404, 200, 403, 404
    ),
    ("GET", "/api/v1/clinics/{clinic_id}/mappings"): R(401, 404, 404, 200, 404, 200, 200, 404),
    ("GET", "/api/v1/clinics/{clinic_id}/status"): R(401, 404, 404, 200, 404, 200, 200, 404),
    ("GET", "/api/v1/clinics/{clinic_id}/export"): R(401, 404, 404, 200, 404, 200, 200, 404),
    ("GET", "/api/v1/clinics/{clinic_id}/outcomes"): R(401, 404, 404, 200, 404, 200, 200, 404),
    ("GET", "/api/v1/clinics/{clinic_id}/settings"): R(401, 404, 404, 200, 404, 200, 200, 404),
    # Only a lead changes the settings; an empty change is allowed (nothing changes).
    ("PUT", "/api/v1/clinics/{clinic_id}/settings"): R(401, 404, 404, 403, 404, 200, 403, 404),
    # ------------------------------------------------------------ a person's own record pages
    ("GET", "/my"): R(SIGN_IN, 200, 200, 403, 403, 403, 403, 403),
    ("GET", "/my/add/{kind}"): R(SIGN_IN, 200, 200, 403, 403, 403, 403, 403),
    ("POST", "/my/add/{kind}"): R(SIGN_IN, 422, 422, 403, 403, 403, 403, 403),  # no date
    # {entry_id}: a fresh entry of patient_a's own record for every request.
    ("GET", "/my/entries/{entry_id}"): R(SIGN_IN, 200, 404, 403, 403, 403, 403, 403),
    ("POST", "/my/entries/{entry_id}"): R(SIGN_IN, 422, 404, 403, 403, 403, 403, 403),
    ("POST", "/my/entries/{entry_id}/delete"): R(
        SIGN_IN, SeeOther("/my?deleted=1"), 404, 403, 403, 403, 403, 403
    ),
    ("POST", "/my/entries/{entry_id}/done"): R(SIGN_IN, 409, 404, 403, 403, 403, 403, 403),
    # patient_a has a fresh change to undo; patient_b's record has none.
    ("POST", "/my/undo"): R(SIGN_IN, SeeOther("/my?undone=1"), 409, 403, 403, 403, 403, 403),
    ("POST", "/my/import/{source}"): R(SIGN_IN, 422, 422, 403, 403, 403, 403, 403),  # no file
    ("POST", "/my/plan"): R(SIGN_IN, 422, 422, 403, 403, 403, 403, 403),  # no clinic chosen
    ("GET", "/my/status"): R(SIGN_IN, 200, 200, 403, 403, 403, 403, 403),
    ("GET", "/my/summary"): R(SIGN_IN, 200, 200, 403, 403, 403, 403, 403),
    ("GET", "/my/reminders"): R(SIGN_IN, 200, 200, 403, 403, 403, 403, 403),
    # No transplant in their records: the schedule has no day 0 to count from.
    ("POST", "/my/reminders/schedule"): R(SIGN_IN, 409, 409, 403, 403, 403, 403, 403),
    ("POST", "/my/calendar"): R(SIGN_IN, 200, 200, 403, 403, 403, 403, 403),
    ("POST", "/my/calendar/revoke"): R(
        SIGN_IN, SeeOther("/my/reminders"), SeeOther("/my/reminders"), 403, 403, 403, 403, 403
    ),
    ("GET", "/my/sharing"): R(SIGN_IN, 200, 200, 403, 403, 403, 403, 403),
    ("POST", "/my/sharing"): R(SIGN_IN, 422, 422, 403, 403, 403, 403, 403),  # no clinic chosen
    ("POST", "/my/sharing/{share_id}/revoke"): R(SIGN_IN, 404, 404, 403, 403, 403, 403, 403),
    ("GET", "/my/data"): R(SIGN_IN, 200, 200, 403, 403, 403, 403, 403),
    ("POST", "/my/data/{name}"): R(SIGN_IN, 200, 200, 403, 403, 403, 403, 403),
    # The secret address is the credential; an unknown one is simply not found.
    ("GET", "/calendar/{token}.ics"): everyone(404),
    # ------------------------------------------------------------ account pages anyone uses
    ("GET", "/account/sign-up"): everyone(200),
    ("POST", "/account/sign-up"): everyone(422),  # no email given
    ("GET", "/account/verify"): everyone(200),  # shows a button only
    ("POST", "/account/verify"): everyone(400),  # no link token
    ("GET", "/account/sign-in"): everyone(200),
    ("POST", "/account/sign-in"): everyone(400),  # refused: no email or password
    ("GET", "/account/forgot"): everyone(200),
    ("POST", "/account/forgot"): everyone(422),  # no email given
    ("GET", "/account/reset"): everyone(400),  # no link token
    ("POST", "/account/reset"): everyone(400),
    ("GET", "/account/email/confirm"): everyone(200),
    ("POST", "/account/email/confirm"): everyone(400),
    # No second step is due for anyone here (sessions are fully signed in, or none).
    ("GET", "/account/two-factor"): everyone(NO_SIGN_IN),
    ("POST", "/account/two-factor"): everyone(NO_SIGN_IN),
    ("POST", "/account/sign-out"): everyone(SeeOther("/")),
    # ------------------------------------------------------------ the signed-in account page
    ("GET", "/account"): R(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/account/two-factor/setup"): R(NO_SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/account/two-factor/setup/start"): R(
        NO_SIGN_IN, SETUP, SETUP, SETUP, SETUP, SETUP, SETUP, SETUP
    ),
    ("POST", "/account/two-factor/setup"): R(NO_SIGN_IN, 422, 422, 422, 422, 422, 422, 422),
    # Clinic roles and the site admin must keep two-step sign-in (409); patients give a
    # wrong (empty) password (422).
    ("POST", "/account/two-factor/disable"): R(SIGN_IN, 422, 422, 409, 409, 409, 409, 409),
    ("POST", "/account/recovery-codes"): R(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/account/sessions/end-others"): R(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/account/sessions/end-all"): R(
        SIGN_IN, NO_SIGN_IN, NO_SIGN_IN, NO_SIGN_IN, NO_SIGN_IN, NO_SIGN_IN, NO_SIGN_IN, NO_SIGN_IN
    ),
    ("POST", "/account/password"): R(SIGN_IN, 422, 422, 422, 422, 422, 422, 422),
    ("POST", "/account/email"): R(SIGN_IN, 422, 422, 422, 422, 422, 422, 422),
    ("POST", "/account/tokens"): R(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    # staff_x's own token: only staff_x revokes it; for everyone else it does not exist.
    ("POST", "/account/tokens/{token_id}/revoke"): R(
        SIGN_IN, 404, 404, SeeOther("/account#tokens"), 404, 404, 404, 404
    ),
    ("POST", "/account/delete"): R(SIGN_IN, 422, 422, 422, 422, 422, 422, 422),  # unconfirmed
    # ------------------------------------------------------------ clinic pages
    ("GET", "/clinic"): R(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/clinic"): R(SIGN_IN, 403, 403, 403, 403, 403, 403, SeeOther("/clinic/{new}/staff")),
    ("GET", "/clinic/{clinic_id}/staff"): R(SIGN_IN, 404, 404, 403, 404, 200, 403, 200),
    ("POST", "/clinic/{clinic_id}/invitations"): R(SIGN_IN, 404, 404, 403, 404, 200, 403, 200),
    # The membership of X's only lead: whoever may remove it is told a clinic keeps a lead.
    ("POST", "/clinic/{clinic_id}/staff/{membership_id}/remove"): R(
        SIGN_IN, 404, 404, 403, 404, 409, 403, 409
    ),
    # ------------------------------------------------------------ the clinic workspace (X)
    ("GET", "/clinic/{clinic_id}"): R(SIGN_IN, 404, 404, 200, 404, 200, 200, 404),
    ("POST", "/clinic/{clinic_id}/patients"): R(
        SIGN_IN, 404, 404, NEW_RECORD, 404, NEW_RECORD, 403, 404
    ),
    ("GET", "/clinic/{clinic_id}/patients/{patient_id}"): R(
        SIGN_IN, 404, 404, 200, 404, 200, 200, 404
    ),
    # {patient_id}: a fresh, unlocked record of X for every request (see url_of).
    ("POST", "/clinic/{clinic_id}/patients/{patient_id}/lock"): R(
        SIGN_IN, 404, 404, 403, 404, NEW_RECORD, 403, 404
    ),
    ("POST", "/clinic/{clinic_id}/patients/{patient_id}/unlock"): R(
        SIGN_IN, 404, 404, 403, 404, 409, 403, 404
    ),
    ("POST", "/clinic/{clinic_id}/patients/{patient_id}/birth-month"): R(
        SIGN_IN, 404, 404, RECORD_X_SAVED, 404, RECORD_X_SAVED, 403, 404
    ),
    ("GET", "/clinic/{clinic_id}/patients/{patient_id}/add/{kind}"): R(
        SIGN_IN, 404, 404, 200, 404, 200, 403, 404
    ),
    # An empty form: the date is needed (422) for those who may write.
    ("POST", "/clinic/{clinic_id}/patients/{patient_id}/add/{kind}"): R(
        SIGN_IN, 404, 404, 422, 404, 422, 403, 404
    ),
    # {entry_id}: a fresh entry of record X for every request.
    ("GET", "/clinic/{clinic_id}/patients/{patient_id}/entries/{entry_id}"): R(
        SIGN_IN, 404, 404, 200, 404, 200, 200, 404
    ),
    # An empty form: the entry's date is needed (422) for those who may write.
    ("POST", "/clinic/{clinic_id}/patients/{patient_id}/entries/{entry_id}"): R(
        SIGN_IN, 404, 404, 422, 404, 422, 403, 404
    ),
    ("POST", "/clinic/{clinic_id}/patients/{patient_id}/entries/{entry_id}/delete"): R(
        SIGN_IN, 404, 404, RECORD_X_DELETED, 404, RECORD_X_DELETED, 403, 404
    ),
    ("POST", "/clinic/{clinic_id}/patients/{patient_id}/undo"): R(
        SIGN_IN, 404, 404, RECORD_X_UNDONE, 404, RECORD_X_UNDONE, 403, 404
    ),
    ("GET", "/clinic/{clinic_id}/imports"): R(SIGN_IN, 404, 404, 200, 404, 200, 200, 404),
    # A file: its dry run (200) for those who may import.
    ("POST", "/clinic/{clinic_id}/imports"): R(SIGN_IN, 404, 404, 200, 404, 200, 403, 404),
    ("POST", "/clinic/{clinic_id}/fhir-imports"): R(
        SIGN_IN, 404, 404, FHIR_DONE, 404, FHIR_DONE, 403, 404
    ),
    # No such pending import.
    ("POST", "/clinic/{clinic_id}/imports/{import_id}/confirm"): R(
        SIGN_IN, 404, 404, 404, 404, 404, 403, 404
    ),
    ("POST", "/clinic/{clinic_id}/imports/{import_id}/discard"): R(
        SIGN_IN, 404, 404, 404, 404, 404, 403, 404
    ),
    ("GET", "/clinic/{clinic_id}/outcomes"): R(SIGN_IN, 404, 404, 200, 404, 200, 200, 404),
    ("GET", "/clinic/{clinic_id}/shared"): R(SIGN_IN, 404, 404, 200, 404, 200, 200, 404),
    # {entry_id}: a fresh entry of record X, which nobody shared: no study code given (422);
    # declining finds no such shared entry (404).
    ("POST", "/clinic/{clinic_id}/shared/{entry_id}/accept"): R(
        SIGN_IN, 404, 404, 422, 404, 422, 403, 404
    ),
    ("POST", "/clinic/{clinic_id}/shared/{entry_id}/decline"): R(
        SIGN_IN, 404, 404, 404, 404, 404, 403, 404
    ),
    # {name}.csv: km-neda3.csv (see url_of).
    ("GET", "/clinic/{clinic_id}/outcomes/{name}.csv"): R(
        SIGN_IN, 404, 404, 200, 404, 200, 200, 404
    ),
    # Publishing: leads only; with clinic X's one record (no day 0) there is nothing to
    # publish (422), and a withdrawal without a reason is refused before anything else.
    ("GET", "/clinic/{clinic_id}/publish"): R(SIGN_IN, 404, 404, 200, 404, 200, 200, 404),
    ("POST", "/clinic/{clinic_id}/publish"): R(SIGN_IN, 404, 404, 403, 404, 422, 403, 404),
    ("POST", "/clinic/{clinic_id}/publish/{publication_id}/withdraw"): R(
        SIGN_IN, 404, 404, 403, 404, 422, 403, 404
    ),
    # FHIR Bulk Data: the kick-off without Prefer: respond-async is refused (422) once the
    # clinic is found; no such export ({export_id} is made up) is not found.
    ("GET", "/api/v1/fhir/Group/{clinic_id}/$export"): R(401, 404, 404, 422, 404, 422, 422, 404),
    ("GET", "/api/v1/fhir/bulk/{export_id}"): R(401, 404, 404, 404, 404, 404, 404, 404),
    ("DELETE", "/api/v1/fhir/bulk/{export_id}"): R(401, 404, 404, 404, 404, 404, 404, 404),
    ("GET", "/api/v1/fhir/bulk/{export_id}/{resource_type}.ndjson"): R(
        401, 404, 404, 404, 404, 404, 404, 404
    ),
    ("GET", "/invitation"): everyone(400),  # no link token
    ("POST", "/invitation"): everyone(400),
}

EXPECTED: Final[dict[tuple[str, str], dict[str, Expect]]] = {
    **{route: everyone(answer) for route, answer in PUBLIC.items()},
    **REGISTRY,
}
assert not PUBLIC.keys() & REGISTRY.keys(), "a route is both public and in the registry table"

#: Mounted apps that serve files, not routes with methods.
MOUNTS: Final = {"/static"}


def _fhir_patient_file() -> dict[str, Any]:
    """A FHIR NDJSON file holding one Patient with a new study code (a new record)."""
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": CLINIC_CODE_SYSTEM + "x", "value": f"F-{uuid.uuid4().hex[:12]}"}],
    }
    return {
        "files": {
            "files": ("Patient.ndjson", json.dumps(patient).encode(), "application/fhir+ndjson")
        }
    }


#: Requests that need a body to reach the rule being tested; others send none (or ``{}``).
BODIES: Final[dict[tuple[str, str], Callable[[], dict[str, Any]]]] = {
    ("POST", "/api/v1/clinics/{clinic_id}/patients"): lambda: {
        "json": {"code": f"M-{uuid.uuid4().hex[:12]}"}
    },
    ("POST", "/clinic"): lambda: {"data": {"name": f"Clinic {uuid.uuid4().hex[:8]}"}},
    ("POST", "/api/v1/patients/{patient_id}/entries"): lambda: {
        "json": {"kind": "relapse", "data": {"date": "2021-01-01"}}
    },
    ("PUT", "/api/v1/patients/{patient_id}/entries/{entry_id}"): lambda: {
        "json": {"data": {"date": "2021-02-01"}}
    },
    ("POST", "/api/v1/patients/{patient_id}/shares"): lambda: {
        "json": {"clinic_id": "0" * 32, "kinds": ["edss"]}
    },
    ("POST", "/api/v1/patients/{patient_id}/visits"): lambda: {
        "json": {"date": "2021-01-01", "value": 3.0, "rater": "neurologist"}
    },
    ("POST", "/api/v1/patients/{patient_id}/relapses"): lambda: {"json": {"date": "2021-01-01"}},
    ("POST", "/api/v1/patients/{patient_id}/mri"): lambda: {
        "json": {"date": "2021-01-01", "new_t2": 0, "gd_enhancing": 0}
    },
    ("POST", "/api/v1/patients/{patient_id}/treatments"): lambda: {
        "json": {"date": "2019-01-01", "drug": "ocrelizumab"}
    },
    ("POST", "/api/v1/patients/{patient_id}/adverse-events"): lambda: {
        "json": {"date": "2021-01-01", "category": "infection"}
    },
    ("POST", "/clinic/{clinic_id}/patients"): lambda: {
        "data": {"code": f"P-{uuid.uuid4().hex[:12]}"}
    },
    ("POST", "/clinic/{clinic_id}/patients/{patient_id}/lock"): lambda: {
        "data": {"reason": "database lock for the analysis"}
    },
    ("POST", "/clinic/{clinic_id}/patients/{patient_id}/unlock"): lambda: {
        "data": {"reason": "a correction was found"}
    },
    ("POST", "/clinic/{clinic_id}/imports"): lambda: {
        "files": {
            "files": (
                "patients.csv",
                f"patient_id\nI-{uuid.uuid4().hex[:12]}\n".encode(),
                "text/csv",
            )
        }
    },
    ("POST", "/api/v1/clinics/{clinic_id}/shared-entries/{entry_id}/accept"): lambda: {
        "json": {"patient_id": "0" * 32}
    },
    ("POST", "/api/v1/clinics/{clinic_id}/shared-entries/{entry_id}/decline"): lambda: {
        "json": {"reason": "not a relapse"}
    },
    ("POST", "/api/v1/patients/{patient_id}/lock"): lambda: {
        "json": {"reason": "database lock for the analysis"}
    },
    ("POST", "/api/v1/patients/{patient_id}/unlock"): lambda: {
        "json": {"reason": "a correction was found"}
    },
    ("POST", "/api/v1/clinics/{clinic_id}/imports"): lambda: {
        "files": {
            "files": (
                "patients.csv",
                f"patient_id\nI-{uuid.uuid4().hex[:12]}\n".encode(),
                "text/csv",
            )
        }
    },
    ("POST", "/api/v1/clinics/{clinic_id}/imports/{import_id}/commit"): lambda: {
        "json": {"digest": "0" * 64}
    },
    ("PUT", "/api/v1/clinics/{clinic_id}/settings"): lambda: {"json": {}},
    ("PUT", "/api/v1/patients/{patient_id}/birth-month"): lambda: {
        "json": {"birth_month": "1980-01"}
    },
    ("POST", "/clinic/{clinic_id}/patients/{patient_id}/birth-month"): lambda: {
        "data": {"birth_month": "1980-01"}
    },
    ("POST", "/api/v1/clinics/{clinic_id}/fhir-imports"): _fhir_patient_file,
    ("POST", "/clinic/{clinic_id}/fhir-imports"): _fhir_patient_file,
    ("PUT", "/api/v1/clinics/{clinic_id}/mappings/{name}"): lambda: {
        "json": {"tables": {"visits": {"patient_id": "id", "date": "d", "edss": "e"}}}
    },
    ("POST", "/clinic/{clinic_id}/invitations"): lambda: {
        "data": {"email": f"new-{uuid.uuid4().hex[:8]}@example.org", "role": "clinic_staff"}
    },
}

# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def world(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One world for the module; the outcomes kernel warm, so /readyz says 200."""
    outcomes.warm_up()
    with world_for(migrated_sqlite, tmp_path_factory.mktemp("access-matrix")) as built:
        yield built


@pytest.fixture(scope="module")
def path_values(world: World) -> dict[str, str]:
    """What each path parameter stands for in the matrix."""
    spare_token, _ = world.new_token("staff_x")
    return {
        "{clinic_id}": world.clinic_x,
        "{patient_id}": world.record_x,
        "{token_id}": spare_token,
        "{membership_id}": str(world.lead_membership_x),
        "{facility_id}": "moscow-pirogov",
        "{ruleset_id}": "nhs-london-2016",
        "{source_id}": "muraro-2025",
        "{kind}": "relapse",
        "{source}": "candidate",
        "{name}": "record.json",
        "{share_id}": "0" * 32,
        "{token}": "hsctcal_not-a-feed",
        "{import_id}": "0" * 32,
        "{publication_id}": "0" * 32,
        "{export_id}": "0" * 32,
        "{resource_type}": "Patient",
    }


def fresh_entry(world: World, who: str, patient_id: str) -> dict[str, str]:
    """A new relapse entry in ``patient_id``, made by ``who``: its id as ``{entry_id}``."""
    with world.db() as session:
        account = session.get(Account, world.people[who].account_id)
        assert account is not None
        actor = account_services.actor_for(session, account=account)
        row = record_services.entry_add(
            session,
            actor=actor,
            patient_id=patient_id,
            kind="relapse",
            data={"date": "2021-01-01"},
            now=world.now(),
        )
        return {"{entry_id}": row.id}


def fresh_record(world: World) -> str:
    """A new, unlocked record of clinic X (made by staff_x): its id."""
    with world.db() as session:
        account = session.get(Account, world.people["staff_x"].account_id)
        assert account is not None
        actor = account_services.actor_for(session, account=account)
        return patient_services.patient_create(
            session,
            actor=actor,
            clinic_id=world.clinic_x,
            code=f"L-{uuid.uuid4().hex[:12]}",
            now=world.now(),
        ).id


#: Routes whose request needs a state of its own, made before every request.
FRESH: Final[dict[str, Callable[[World], dict[str, str]]]] = {
    "/api/v1/": lambda w: fresh_entry(w, "staff_x", w.record_x),
    "/my/": lambda w: fresh_entry(w, "patient_a", w.people["patient_a"].own_record or ""),
}


def url_of(world: World, route: tuple[str, str], path_values: dict[str, str]) -> str:
    """The route's path filled in; routes with an entry or an undo get a fresh entry."""
    path = route[1]
    values = dict(path_values)
    if path.endswith(("/lock", "/unlock")):
        values["{patient_id}"] = fresh_record(world)
    if path.endswith("{name}.csv"):
        values["{name}"] = "km-neda3"
    if "{entry_id}" in path or path.endswith("/undo"):
        prefix = "/api/v1/" if path.startswith(("/api/", "/clinic/")) else "/my/"
        values.update(FRESH[prefix](world))
    return concrete(path, values)


_addresses = itertools.count(1)


def fresh_client(world: World) -> TestClient:
    """A client with its own address (the per-address limits on sign-in and mail cannot
    trip) and an empty cookie jar; redirects are returned, not followed."""
    number = next(_addresses)
    return TestClient(
        world.app,
        client=(f"10.{number // 250 % 250}.{number % 250}.1", 50000),
        follow_redirects=False,
        raise_server_exceptions=False,
    )


def app_routes(world: World) -> tuple[set[tuple[str, str]], set[str]]:
    """(method, path) of every route of the app, HEAD left out; and the mounted paths."""
    routes: set[tuple[str, str]] = set()
    mounts: set[str] = set()
    for context in iter_route_contexts(world.app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            mounts.add(route.path)
            continue
        methods = getattr(route, "methods", None)
        assert methods, f"a route of an unknown kind: {route!r}; give it a rule here"
        routes.update((method, str(context.path)) for method in methods - {"HEAD"})
    return routes, mounts


def concrete(path: str, values: dict[str, str]) -> str:
    """The path with its parameters filled in."""
    for name, value in values.items():
        path = path.replace(name, value)
    assert "{" not in path, f"no value for a parameter of {path}"
    return path


def concrete_location(answer: str, values: dict[str, str]) -> str:
    """An expected redirect with the world's clinic X and record X filled in."""
    for name in ("{clinic_id}", "{patient_id}"):
        answer = answer.replace(name, values[name])
    return answer


def shown(answer: Expect, path: str, method: str = "GET") -> str:
    """An expected answer as the test compares it: ``"404"`` or ``"303 → /where"``.

    The sign-in page comes back to a page that can be opened: the path itself after a GET,
    the account page after a form posted without a session.
    """
    if isinstance(answer, int):
        return str(answer)
    location = answer.location
    if location is None:
        back = path if method in ("GET", "HEAD") else "/account"
        location = f"/account/sign-in?next={quote(back, safe='/')}"
    return f"303 → {location}"


_HEX_ID: Final = re.compile(r"[0-9a-f]{32}")


def observed(response: httpx2.Response, world_ids: set[str]) -> str:
    """A response as the test compares it; ids the request made itself read ``{new}``."""
    if not 300 <= response.status_code < 400:
        return str(response.status_code)
    location = response.headers.get("location", "")
    location = _HEX_ID.sub(lambda m: m[0] if m[0] in world_ids else "{new}", location)
    return f"{response.status_code} → {location}"


def ask(world: World, actor: str, method: str, path: str, url: str) -> httpx2.Response:
    """Send the matrix's request for (method, path) as ``actor``."""
    api = path.startswith("/api/")
    headers = world.bearer(actor) if api else world.browser(actor)
    body = BODIES.get((method, path))
    kwargs = body() if body else {}
    if method == "POST" and api and not kwargs:
        kwargs = {"json": {}}
    return fresh_client(world).request(method, url, headers=headers, **kwargs)


def world_ids(world: World, values: dict[str, str]) -> set[str]:
    """Every id the world made, so they stay visible in compared redirects."""
    return {
        world.clinic_x,
        world.clinic_y,
        world.record_x,
        world.record_y,
        *values.values(),
        *(person.own_record for person in world.people.values() if person.own_record),
    }


def row_id(route: tuple[str, str]) -> str:
    """``GET /api/v1/me``."""
    return f"{route[0]} {route[1]}"


# ---------------------------------------------------------------- the matrix


def test_every_route_has_a_row(world: World) -> None:
    """A new route needs a row (and a decision about who may use it); old rows go."""
    routes, mounts = app_routes(world)

    assert sorted(routes - EXPECTED.keys()) == [], "routes without a row in EXPECTED"
    assert sorted(EXPECTED.keys() - routes) == [], "rows in EXPECTED for routes that are gone"
    assert mounts == MOUNTS


@pytest.mark.parametrize("route", sorted(EXPECTED), ids=row_id)
def test_route_answers_each_actor_as_expected(
    world: World, path_values: dict[str, str], route: tuple[str, str]
) -> None:
    """One row: every actor's answer, compared all at once so the diff shows the row."""
    method, path = route
    known = world_ids(world, path_values)
    answers, expected = {}, {}
    for actor in ACTORS:
        url = url_of(world, route, path_values)
        answers[actor] = observed(ask(world, actor, method, path, url), known)
        expected[actor] = _HEX_ID.sub(
            lambda m: m[0] if m[0] in known else "{new}",
            concrete_location(shown(EXPECTED[route][actor], url, method), path_values),
        )

    assert answers == expected


API_ROWS: Final = sorted(route for route in REGISTRY if route[1].startswith("/api/"))


@pytest.mark.parametrize("route", API_ROWS, ids=row_id)
def test_the_registry_api_answers_a_browser_session_like_a_token(
    world: World, path_values: dict[str, str], route: tuple[str, str]
) -> None:
    """The pages' own scripts use the API with the session cookie (and the CSRF header):
    the same answers as with a write token; a visitor with only a pre-session gets 401."""
    method = route[0]
    known = world_ids(world, path_values)
    answers = {}
    for actor in ACTORS:
        url = url_of(world, route, path_values)
        body = BODIES.get(route)
        kwargs = body() if body else ({"json": {}} if method == "POST" else {})
        response = fresh_client(world).request(method, url, headers=world.browser(actor), **kwargs)
        answers[actor] = observed(response, known)

    assert answers == {actor: shown(REGISTRY[route][actor], "", route[0]) for actor in ACTORS}


POST_ROWS: Final = sorted(route for route in EXPECTED if route[0] == "POST")


@pytest.mark.parametrize("route", POST_ROWS, ids=row_id)
def test_every_post_with_a_session_but_no_csrf_token_is_refused(
    world: World, path_values: dict[str, str], route: tuple[str, str]
) -> None:
    """A forged request riding on the session cookie: 403 on every route, before anything."""
    url = url_of(world, route, path_values)
    headers = world.browser("staff_x", csrf=False)

    response = fresh_client(world).post(url, headers=headers)

    assert response.status_code == 403


STATEFUL_POSTS: Final = sorted(
    route for route in POST_ROWS if route[1].startswith(("/account", "/clinic", "/invitation"))
)


@pytest.mark.parametrize("route", STATEFUL_POSTS, ids=row_id)
def test_account_and_clinic_forms_need_a_cookie(
    world: World, path_values: dict[str, str], route: tuple[str, str]
) -> None:
    """Without even a pre-session cookie there is no CSRF token to check: refused (403),
    so a sign-in form cannot be forged from another site either."""
    url = url_of(world, route, path_values)

    response = fresh_client(world).post(url)

    assert response.status_code == 403


# ---------------------------------------------------------------- records and tokens


def test_a_patient_reads_their_own_record_and_no_one_elses(world: World) -> None:
    """patient_a's own record: theirs only; patient_b, clinic roles and the admin get 404."""
    own = world.people["patient_a"].own_record
    url = f"/api/v1/patients/{own}"
    client = fresh_client(world)

    mine = client.get(url, headers=world.bearer("patient_a"))
    answers = {
        actor: client.get(url, headers=world.bearer(actor)).status_code
        for actor in ACTORS
        if actor != "patient_a"
    }

    assert mine.status_code == 200
    assert mine.json()["id"] == own
    assert mine.json()["own"] is True
    assert mine.json()["clinic_id"] is None
    assert answers == {
        "anonymous": 401,
        "patient_b": 404,
        "staff_x": 404,
        "staff_y": 404,
        "lead_x": 404,
        "monitor_x": 404,
        "site_admin": 404,
    }


def test_a_patient_cannot_read_a_clinic_record(world: World) -> None:
    """Clinic X's record is not found for a patient, whoever's it is."""
    response = fresh_client(world).get(
        f"/api/v1/patients/{world.record_x}", headers=world.bearer("patient_a")
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("actor", "method", "path", "json"),
    [
        ("staff_x", "POST", "/api/v1/clinics/{X}/patients", {"code": "R-1"}),
        ("lead_x", "POST", "/api/v1/clinics/{X}/patients", {"code": "R-2"}),
        ("patient_a", "POST", "/api/v1/me/record", None),
    ],
)
def test_a_read_token_cannot_write_even_for_a_role_that_may(
    world: World, actor: str, method: str, path: str, json: dict[str, str] | None
) -> None:
    """registry:read limits the token to reading: 403, though the role would allow it."""
    url = path.replace("{X}", world.clinic_x)
    client = fresh_client(world)

    refused = client.request(method, url, json=json, headers=world.bearer(actor, read_only=True))
    allowed = client.request(method, url, json=json, headers=world.bearer(actor))

    assert refused.status_code == 403
    assert allowed.status_code in (200, 201)


def test_a_read_token_still_reads(world: World) -> None:
    """The same read-only token lists and opens clinic X's records."""
    headers = world.bearer("staff_x", read_only=True)
    client = fresh_client(world)

    listed = client.get(f"/api/v1/clinics/{world.clinic_x}/patients", headers=headers)
    opened = client.get(f"/api/v1/patients/{world.record_x}", headers=headers)
    me = client.get("/api/v1/me", headers=headers)

    assert listed.status_code == 200
    assert opened.status_code == 200
    assert me.json()["token_scope"] == "registry:read"


@pytest.mark.parametrize("name", ["access_token", "api_key", "apikey", "bearer", "ACCESS_TOKEN"])
@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/patients/{record}", "/account"])
def test_a_token_in_the_address_is_refused(world: World, name: str, path: str) -> None:
    """?access_token=…: 400, even when the header carries a good token too."""
    url = path.replace("{record}", world.record_x)
    token = world.token("staff_x")
    client = fresh_client(world)

    alone = client.get(url, params={name: token})
    with_header = client.get(url, params={name: token}, headers=world.bearer("staff_x"))

    assert alone.status_code == 400
    assert with_header.status_code == 400


def test_a_revoked_token_is_401(world: World) -> None:
    """The token worked until it was revoked; after that it is no credential at all."""
    token_id, token = world.new_token("staff_x")
    client = fresh_client(world)
    headers = {"Authorization": f"Bearer {token}"}
    before = client.get("/api/v1/me", headers=headers)

    world.revoke_token("staff_x", token_id)
    after = client.get("/api/v1/me", headers=headers)
    record = client.get(f"/api/v1/patients/{world.record_x}", headers=headers)

    assert before.status_code == 200
    assert after.status_code == 401
    assert after.headers["www-authenticate"] == "Bearer"
    assert record.status_code == 401


@pytest.mark.parametrize(
    "authorization", ["Bearer hsct_not-a-real-token", "Bearer ", "Basic dXNlcjpwdw==", "Bearer x"]
)
def test_a_bad_authorization_header_is_401(world: World, authorization: str) -> None:
    """Unknown tokens and other schemes are not credentials."""
    response = fresh_client(world).get("/api/v1/me", headers={"Authorization": authorization})

    assert response.status_code == 401


def test_a_wrong_password_when_switching_two_step_sign_in_off_is_a_422(world: World) -> None:
    """Like every other form on the account page, a refused form is a 422."""
    response = fresh_client(world).post(
        "/account/two-factor/disable",
        data={"password": "not the password at all"},
        headers=world.browser("patient_a"),
    )

    assert response.status_code == 422
