"""Every page the app serves to people, in one place.

The accessibility check runs on each of these in every language, and
``test_every_html_route_is_listed`` fails when a new page route is not added here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """A URL to open, the route it exercises, and the status it should answer with."""

    url: str
    route: str | None = None  # the route template, when it differs from the URL
    status: int = 200


_CONTESTED = (
    "/edss/examination?visual=0&brainstem=0&pyramidal=4&cerebellar=2&sensory=2"
    "&bowel_bladder=0&cerebral=0&ambulation_score=0"
)

PAGES: tuple[Page, ...] = (
    Page("/"),
    Page("/about"),
    Page("/guide"),
    Page("/glossary"),
    Page("/decide"),
    Page("/api/v1/docs"),
    Page("/edss"),
    Page("/edss/examination"),
    Page(_CONTESTED, route="/edss/examination"),
    Page("/edss/examination?pyramidal=6&ambulation_score=0", route="/edss/examination"),
    Page("/edss/walking"),
    Page("/edss/walking?unrestricted=no&unaided=300", route="/edss/walking"),
    Page("/edss/walking?unrestricted=yes&unaided=100", route="/edss/walking"),
    Page("/facilities"),
    Page("/facilities?edss=7&ms_type=SPMS&currency=EUR&sort=price", route="/facilities"),
    Page("/facilities?edss=abc", route="/facilities", status=422),
    Page("/facilities/moscow-pirogov", route="/facilities/{facility_id}"),
    Page("/facilities/chicago-northwestern?currency=EUR", route="/facilities/{facility_id}"),
    Page("/facilities/compare?ids=moscow-pirogov&ids=puebla-clinica-ruiz&ids=gurugram-artemis"),
    Page("/facilities/compare?ids=moscow-pirogov", route="/facilities/compare", status=400),
    Page("/legitimacy"),
    Page(
        "/legitimacy?chemotherapy=no&cells=mesenchymal&duration=hours_or_days",
        route="/legitimacy",
    ),
    Page("/legitimacy?chemotherapy=maybe", route="/legitimacy"),
    Page("/evidence"),
    Page("/evidence?population=progressive&intensity=intermediate", route="/evidence"),
    Page("/candidate"),
    Page("/candidate/wizard"),
    Page("/candidate/wizard?step=treatments", route="/candidate/wizard"),
    Page("/candidate/results"),  # Back or reload with nothing kept: what to do next
    Page("/journey"),
    Page("/journey?facility=moscow-pirogov&admission_date=2030-03-01", route="/journey"),
    Page("/journey?facility=jerusalem-shaare-zedek", route="/journey"),
    Page(
        "/journey?facility=moscow-pirogov&admission_date=2020-01-01", route="/journey", status=422
    ),
    Page("/outcomes"),
    Page("/outcomes/analyse"),
    Page("/outcomes/no-such-version", route="/outcomes/{publication_id}", status=404),
    Page("/this-page-does-not-exist", route="(404)", status=404),
    Page("/__test__/server-error", status=500),  # added by the browser fixture
)

#: GET routes that answer a file, not a page (checked by their own tests).
DOWNLOADS: frozenset[str] = frozenset(
    {"/journey/plan.ics", "/calendar/{token}.ics", "/clinic/{clinic_id}/outcomes/{name}.csv"}
)
