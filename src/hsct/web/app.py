"""The web application factory. Nothing is built at import time."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

import anyio.to_thread
from fastapi import Depends, FastAPI

from hsct import __version__
from hsct.common.settings import Settings, load_settings, secret_key_bytes
from hsct.knowledge import load_catalog
from hsct.outcomes import start_warm_up
from hsct.outcomes.instruments import instruments_load
from hsct.registry import make_engine, make_session_factory
from hsct.web.api import OPENAPI_URL, api_router, assessment_api_router
from hsct.web.assets import CachedStaticFiles, CompressionMiddleware
from hsct.web.auth import csrf_protect
from hsct.web.errors import install_error_handlers
from hsct.web.limits import RequestGuardMiddleware, keep_uploads_in_memory
from hsct.web.mail import mailer_from
from hsct.web.routes.account import account_router
from hsct.web.routes.analyse import analyse_router
from hsct.web.routes.candidate import candidate_router
from hsct.web.routes.clinic import clinic_router
from hsct.web.routes.edss import edss_router
from hsct.web.routes.guide import guide_router
from hsct.web.routes.health import health_router
from hsct.web.routes.journey import journey_router
from hsct.web.routes.knowledge import knowledge_router
from hsct.web.routes.pages import page_router
from hsct.web.routes.published import published_router
from hsct.web.routes.record import record_router
from hsct.web.routes.workspace import workspace_router
from hsct.web.security import SecurityHeadersMiddleware
from hsct.web.templating import Pages

#: Threads for CPU-bound handlers in each worker process (one request per core is the most
#: that can make progress; a few more cover waiting on the database).
WORKER_THREADS: Final = 4
SWITCH_INTERVAL_S: Final = 0.001
#: The cyclic collector's thresholds while serving: a request makes and frees thousands of
#: objects, nearly all freed at once by reference counting, so the default (a young
#: collection every 700 net allocations) spent 5-7% of an assessment finding nothing.
#: Over HTTP (2 workers, alternating 20 s runs) 5,000 did best: 643/814/654/528
#: requests/s against 592/498 at 700 and 552/585/501/525 at 50,000.
GC_THRESHOLDS: Final = (5_000, 20, 100)


class _ServingThresholds:
    """:data:`GC_THRESHOLDS` while any application of this process serves (tests start
    several, not always one inside another); the thresholds from before, after the last."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._serving = 0
        self._before: tuple[int, int, int] = gc.get_threshold()

    def start(self) -> None:
        with self._lock:
            if self._serving == 0:
                self._before = gc.get_threshold()
                gc.set_threshold(*GC_THRESHOLDS)
            self._serving += 1

    def stop(self) -> None:
        with self._lock:
            self._serving -= 1
            if self._serving == 0:
                gc.set_threshold(*self._before)


_serving_thresholds: Final = _ServingThresholds()


API_DESCRIPTION = """\
JSON API of HSCT Navigator. It gives information, not medical advice: every result
names the source and date of the rules it applies, and the treating team decides.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web application for ``settings`` (read from ``HSCT_*`` when not given)."""
    settings = settings or load_settings()
    keep_uploads_in_memory()  # health data never spooled to a temporary file on disk
    # A clinic's questionnaire definitions are checked now: a bad file stops the start with
    # its name and field, not the first person who opens the questionnaire.
    instruments_load(settings.qol_definitions)
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The catalogue and templates live as long as the process: move them out of the
        # garbage collector's way, so collections during requests stay short.
        gc.collect()
        gc.freeze()
        _serving_thresholds.start()
        try:
            # Compile or load the outcomes kernel off the event loop; /readyz says when.
            start_warm_up()
            # CPU-bound handlers run on a few threads only: more would just fight over the
            # GIL and keep the event loop (and /healthz) waiting; switch threads every
            # millisecond. Measured with benchmarks/bench_load.py: /healthz p99 from
            # seconds to ~150 ms.
            anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
            sys.setswitchinterval(SWITCH_INTERVAL_S)
            yield
        finally:
            _serving_thresholds.stop()
            gc.unfreeze()
            engine.dispose()

    app = FastAPI(
        title="HSCT Navigator API",
        version=__version__,
        description=API_DESCRIPTION,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        debug=False,  # never show tracebacks to users, whatever settings.debug says
        lifespan=lifespan,
        # Every unsafe request from a browser with a session proves it came from our pages.
        dependencies=[Depends(csrf_protect)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.catalog = load_catalog()  # validated once; a bad file fails here, not per request
    app.state.site_key = secret_key_bytes(settings)
    app.state.mailer = mailer_from(settings)
    app.state.clock = None  # tests set a function returning the (frozen) time

    pages = Pages()
    app.state.pages = pages
    app.add_middleware(RequestGuardMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.served_over_tls)
    app.add_middleware(CompressionMiddleware)
    install_error_handlers(app, pages)
    app.mount("/static", CachedStaticFiles(packages=[("hsct.web", "static")]), name="static")
    app.include_router(health_router())
    app.include_router(assessment_api_router())  # before the pages: see its docstring
    app.include_router(page_router(pages))
    app.include_router(edss_router(pages))
    app.include_router(knowledge_router(pages))
    app.include_router(guide_router(pages))
    app.include_router(candidate_router(pages))
    app.include_router(journey_router(pages))
    app.include_router(account_router(pages))
    app.include_router(clinic_router(pages))
    app.include_router(record_router(pages))
    app.include_router(workspace_router(pages))
    app.include_router(analyse_router(pages))  # before /outcomes/{publication_id}
    app.include_router(published_router(pages))
    app.include_router(api_router(pages, docs=settings.api_docs))
    return app
