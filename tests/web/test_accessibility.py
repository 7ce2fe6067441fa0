"""axe-core finds no serious or critical problem on any page, in any language."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from playwright.sync_api import Browser

from hsct.common.i18n import SUPPORTED_LOCALES
from hsct.common.settings import Settings
from tests.web.conftest import app_for_browser
from tests.web.pages import DOWNLOADS, PAGES, Page

BLOCKING_IMPACTS = {"serious", "critical"}


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [node["target"] for node in violation["nodes"]][:5]
        lines.append(f"{violation['impact']}: {violation['id']} — {violation['help']} at {targets}")
    return "\n".join(lines)


@pytest.mark.browser
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("target", PAGES, ids=lambda page: page.url)
def test_page_has_no_serious_accessibility_violations(
    browser: Browser, base_url: str, axe_source: str, target: Page, locale: str
) -> None:
    """WCAG 2.x A/AA rules, as axe-core checks them, on the rendered page."""
    context = browser.new_context(
        locale=locale, extra_http_headers={"Accept-Language": locale}, bypass_csp=True
    )
    try:
        page = context.new_page()
        response = page.goto(base_url + target.url)
        assert response is not None
        assert response.status == target.status
        page.wait_for_load_state("networkidle")
        page.add_script_tag(content=axe_source)
        results = page.evaluate(
            """async () => await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                 'wcag22aa', 'best-practice']},
                resultTypes: ['violations'],
            })"""
        )
    finally:
        context.close()

    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert blocking == [], _describe(blocking)


def html_routes(tmp_path: Any) -> set[str]:
    """Paths of every GET route outside the OpenAPI document, except the health checks."""
    app = app_for_browser(Settings(database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}"))
    found = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if (
            isinstance(route, APIRoute)
            and "GET" in route.methods
            and not route.include_in_schema
            and context.path not in ("/healthz", "/readyz")
        ):
            found.add(str(context.path))
    app.state.engine.dispose()
    return found


def test_every_html_route_is_listed(tmp_path: Any) -> None:
    """A new page route must be added to ``tests/web/pages.py`` to be checked."""
    routes = html_routes(tmp_path)
    listed = {page.route or page.url.split("?")[0] for page in PAGES}

    assert {"/", "/api/v1/docs", "/__test__/server-error"} <= routes  # the walk finds routes
    assert sorted(routes - listed - DOWNLOADS) == []
