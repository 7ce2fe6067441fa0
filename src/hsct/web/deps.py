"""Request dependencies shared by the pages and the API: catalog, settings, database session.

Pages and API routes both import them from here, so neither depends on the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from hsct.common.settings import Settings
from hsct.knowledge import Catalog
from hsct.registry import Session, session_scope


def get_catalog(request: Request) -> Catalog:
    """The catalog loaded when the app started."""
    catalog: Catalog = request.app.state.catalog
    return catalog


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def get_db_session(request: Request) -> Iterator[Session]:
    """One session and one transaction per request, from ``app.state.session_factory``.

    The transaction is committed when the handler returns and rolled back when it raises
    (any error, including a 404); services never commit. It ends before the response is
    sent, so a failed commit is answered with an error, not a false success.
    """
    with session_scope(request.app.state.session_factory) as session:
        yield session


async def _catalog(request: Request) -> Catalog:
    # Trivial lookups run on the event loop as dependencies: no worker-thread hop each.
    return get_catalog(request)


async def _settings(request: Request) -> Settings:
    return get_settings(request)


CatalogDep = Annotated[Catalog, Depends(_catalog)]
SettingsDep = Annotated[Settings, Depends(_settings)]
DbSession = Annotated[Session, Depends(get_db_session, scope="function")]
