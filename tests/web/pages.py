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


PAGES: tuple[Page, ...] = (
    Page("/"),
    Page("/api/v1/docs"),
    Page("/this-page-does-not-exist", route="(404)", status=404),
    Page("/__test__/server-error", status=500),  # added by the browser fixture
)
