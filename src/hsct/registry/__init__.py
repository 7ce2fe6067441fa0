"""Registry storage: tables, engine and sessions, migrations, record services.

The only package that imports SQLAlchemy and Alembic (enforced by import-linter).
"""

from sqlalchemy.orm import Session

from hsct.registry import accounts, clinics, patients, tokens
from hsct.registry.access import (
    CLINIC_ROLES,
    Actor,
    Grant,
    Permission,
    Role,
    TokenScope,
    patient_scope,
    require,
)
from hsct.registry.audit import (
    ChainHead,
    ChainReport,
    audit_chain_head,
    audit_chain_verify,
    audit_event_list,
    audit_event_record,
)
from hsct.registry.backup import (
    BackupError,
    BackupManifest,
    BackupRefusedError,
    RestoreResult,
    backup_manifest_read,
    database_audit_verify,
    database_backup,
    database_restore,
)
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
from hsct.registry.work import unit_of_work

__all__ = [
    "CLINIC_ROLES",
    "Actor",
    "BackupError",
    "BackupManifest",
    "BackupRefusedError",
    "ChainHead",
    "ChainReport",
    "DatabaseUnavailableError",
    "Grant",
    "MigrationStatus",
    "Permission",
    "RestoreResult",
    "Role",
    "Session",
    "TokenScope",
    "accounts",
    "audit_chain_head",
    "audit_chain_verify",
    "audit_event_list",
    "audit_event_record",
    "backup_manifest_read",
    "clinics",
    "current_revision",
    "database_answers",
    "database_audit_verify",
    "database_backup",
    "database_restore",
    "display_url",
    "downgrade_database",
    "head_revision",
    "make_engine",
    "make_session_factory",
    "patient_scope",
    "patients",
    "require",
    "session_scope",
    "tokens",
    "unit_of_work",
    "upgrade_database",
]
