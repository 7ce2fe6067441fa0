"""Registry storage: tables, engine and sessions, migrations, record services.

The only package that imports SQLAlchemy and Alembic (enforced by import-linter).
"""

from sqlalchemy.orm import Session

from hsct.registry.audit import audit_event_list, audit_event_record
from hsct.registry.db import (
    database_answers,
    display_url,
    make_engine,
    make_session_factory,
    session_scope,
)
from hsct.registry.migrate import (
    DatabaseUnavailableError,
    MigrationStatus,
    current_revision,
    downgrade_database,
    head_revision,
    upgrade_database,
)

__all__ = [
    "DatabaseUnavailableError",
    "MigrationStatus",
    "Session",
    "audit_event_list",
    "audit_event_record",
    "current_revision",
    "database_answers",
    "display_url",
    "downgrade_database",
    "head_revision",
    "make_engine",
    "make_session_factory",
    "session_scope",
    "upgrade_database",
]
