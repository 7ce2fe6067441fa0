"""The web shell: home, health, API root, error pages, language choice, security headers."""

from __future__ import annotations

import gc
import importlib
import pkgutil
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

import hsct
from hsct.common.settings import Settings
from hsct.web import create_app
from hsct.web.app import GC_THRESHOLDS, _ServingThresholds
from hsct.web.locale import LOCALE_COOKIE
from hsct.web.security import CONTENT_SECURITY_POLICY


def test_home_page_explains_the_tool(client: TestClient) -> None:
    """The home page says what aHSCT is, links its sources, and lists every coming section."""
    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    assert "<h1>Stem cell transplantation for MS, explained</h1>" in html
    assert "https://doi.org/10.1038/s41582-024-01050-x" in html
    for section in (
        "EDSS calculator",
        "Am I a candidate?",
        "Facilities",
        "Journey planner",
        "Outcomes",
    ):
        assert section in html
    assert "This tool gives information, not medical advice." in html


def test_base_layout_has_skip_link_landmarks_and_viewport(client: TestClient) -> None:
    """Every page starts with a skip link to ``main`` and is sized for phones."""
    html = client.get("/").text

    assert html.index('class="skip-link" href="#main"') < html.index("<header")
    assert '<main id="main"' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'media="print"' in html
    assert "<footer" in html


def test_healthz_answers_ok(client: TestClient) -> None:
    """Liveness needs nothing but the process."""
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": hsct.__version__}


def test_api_root_links_to_openapi_and_docs(client: TestClient) -> None:
    """``/api/v1/`` is an index of the API's own description."""
    response = client.get("/api/v1/")

    assert response.json() == {
        "name": "HSCT Navigator API",
        "api_version": "1",
        "software_version": hsct.__version__,
        "openapi": "/api/v1/openapi.json",
        "docs": "/api/v1/docs",
    }


def test_openapi_document_describes_only_the_api(client: TestClient) -> None:
    """Pages and health checks stay out of the OpenAPI document."""
    document = client.get("/api/v1/openapi.json").json()

    assert document["info"]["title"] == "HSCT Navigator API"
    assert all(path.startswith("/api/v1/") for path in document["paths"])
    assert "/api/v1/" in document["paths"]


def test_api_docs_page_uses_vendored_swagger(client: TestClient) -> None:
    """The interactive docs load Swagger UI from this site, not a CDN."""
    html = client.get("/api/v1/docs").text

    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert 'data-openapi-url="/api/v1/openapi.json"' in html
    assert "cdn" not in html.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_unknown_page_gets_a_friendly_404(client: TestClient) -> None:
    """A person who mistypes an address gets a page with a way home."""
    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.text
    assert 'href="/"' in response.text


def test_unknown_api_path_gets_json_404(client: TestClient) -> None:
    """API clients get JSON, not HTML."""
    response = client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def _failing_app(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    @app.get("/api/v1/boom")
    def api_boom() -> None:
        raise RuntimeError("secret internal detail")

    return app


def test_server_error_page_has_no_traceback(settings: Settings) -> None:
    """A crash shows an apology in the person's language, never the exception."""
    with TestClient(_failing_app(settings), raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"Accept-Language": "es"})

    assert response.status_code == 500
    assert "<h1>Algo salió mal</h1>" in response.text
    assert "Traceback" not in response.text
    assert "secret internal detail" not in response.text


def test_api_server_error_is_json_without_detail(settings: Settings) -> None:
    """API clients get a generic JSON 500."""
    with TestClient(_failing_app(settings), raise_server_exceptions=False) as client:
        response = client.get("/api/v1/boom")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error"}


@pytest.mark.parametrize(
    ("accept_language", "heading"),
    [
        pytest.param("ru-RU,ru;q=0.9,en;q=0.8", "Трансплантация стволовых клеток при РС", id="ru"),
        pytest.param("es-MX,es;q=0.9", "El trasplante de células madre en la EM", id="es"),
        pytest.param("de-DE,fr;q=0.8", "Stem cell transplantation for MS", id="unsupported"),
        pytest.param("en;q=0.5,es;q=0.9", "El trasplante de células madre en la EM", id="q-order"),
    ],
)
def test_accept_language_is_honoured(
    client: TestClient, accept_language: str, heading: str
) -> None:
    """Without a remembered choice, the browser's preferred supported language is used."""
    response = client.get("/", headers={"Accept-Language": accept_language})

    assert heading in response.text
    # Compressed for the test client (it accepts gzip), so the encoding is named too.
    assert response.headers["vary"] == "Accept-Language, Cookie, Accept-Encoding"


def test_language_switch_sets_cookie_and_returns_to_the_page(client: TestClient) -> None:
    """Choosing a language remembers it for a year and goes back where the person was."""
    response = client.post(
        "/language", data={"lang": "ru", "next": "/?x=1"}, follow_redirects=False
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/?x=1"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{LOCALE_COOKIE}=ru;")
    assert "Max-Age=31536000" in cookie
    page = client.get("/", headers={"Accept-Language": "es"})
    assert '<html lang="ru"' in page.text
    assert page.headers["content-language"] == "ru"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil", ""])
def test_language_switch_never_redirects_off_site(client: TestClient, target: str) -> None:
    """The ``next`` field cannot send a person to another site."""
    response = client.post("/language", data={"lang": "es", "next": target}, follow_redirects=False)

    assert response.headers["location"] == "/"


def test_unsupported_language_is_refused_with_a_message(client: TestClient) -> None:
    """A language the site does not offer gets a 400 page naming what is allowed."""
    response = client.post("/language", data={"lang": "de"}, follow_redirects=False)

    assert response.status_code == 400
    assert "is not a language this site offers" in response.text
    assert LOCALE_COOKIE not in response.headers.get("set-cookie", "")


def test_security_headers_forbid_other_hosts(client: TestClient) -> None:
    """Every response carries a policy that loads scripts and styles from this site only."""
    for path in ("/", "/healthz", "/api/v1/", "/nope", "/static/css/site.css"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY


def test_pages_reference_only_local_assets(client: TestClient) -> None:
    """No ``src`` or stylesheet ``href`` points at another host."""
    for path in ("/", "/api/v1/docs", "/nope"):
        html = client.get(path).text
        assert 'src="http' not in html
        assert 'src="//' not in html
        assert 'rel="stylesheet" href="http' not in html


def test_factory_builds_independent_apps(settings: Settings) -> None:
    """Two apps from the factory share no engine or state."""
    first, second = create_app(settings), create_app(settings)

    assert first is not second
    assert first.state.engine is not second.state.engine
    first.state.engine.dispose()
    second.state.engine.dispose()


def test_nothing_is_built_at_import_time() -> None:
    """No module of the package holds an app, engine or settings object at module level."""
    for module_info in pkgutil.walk_packages(hsct.__path__, prefix="hsct."):
        if module_info.name.startswith("hsct.registry.migrations") or module_info.name in (
            "hsct.__main__",
        ):
            continue  # Alembic's env runs only inside a migration; __main__ runs the CLI
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            assert not isinstance(value, FastAPI | Engine | Settings), (
                f"{module_info.name}.{name} is built at import time"
            )


def test_serving_collects_young_garbage_less_often_and_restores_the_default(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While serving, the collector's young threshold is raised (a request's objects are
    freed by reference counting; see GC_THRESHOLDS); after shut-down it is what it was.
    Its own counter, so a server another test keeps running (the browser tests' live
    server) does not count."""
    monkeypatch.setattr("hsct.web.app._serving_thresholds", _ServingThresholds())
    outside = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # Python's default, whatever an earlier test left
    try:
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
            assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*outside)


def test_overlapping_applications_keep_the_serving_thresholds_until_the_last_stops(
    app: FastAPI, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two applications started A, B and stopped A, B (as tests do): B still serves with
    the raised threshold after A stops, and the default returns only after B stops."""
    monkeypatch.setattr("hsct.web.app._serving_thresholds", _ServingThresholds())
    outside = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    first, second = TestClient(app), TestClient(create_app(settings))
    try:
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)
        assert gc.get_threshold() == GC_THRESHOLDS
        assert second.get("/healthz").status_code == 200
        second.__exit__(None, None, None)
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*outside)


def test_the_assessment_is_matched_before_the_pages_and_page_names_still_resolve_to_pages(
    app: FastAPI,
) -> None:
    """Only the assessment route goes before the pages: ``url_for`` of a name a page and
    an API route share still gives the page."""

    def paths(route: Any) -> set[str]:
        inner = getattr(getattr(route, "original_router", route), "routes", None)
        if inner is None:
            return {getattr(route, "path", "")}
        prefix = getattr(getattr(route, "original_router", route), "prefix", "")
        return {prefix + path for child in inner for path in paths(child)}

    order = [paths(route) for route in app.router.routes]
    assessment = next(i for i, found in enumerate(order) if "/api/v1/assessments" in found)
    assert order[assessment] == {"/api/v1/assessments"}
    assert assessment < next(i for i, found in enumerate(order) if "/" in found)
    assert assessment < next(i for i, found in enumerate(order) if "/api/v1/edss" in found)
    assert app.url_path_for("assess") == "/api/v1/assessments"
    assert app.url_path_for("my_record") == "/my"
