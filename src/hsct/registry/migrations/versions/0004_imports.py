"""Clinic workspace: import runs, saved column mappings, each clinic's settings and data version.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hsct.registry.tables import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic") as batch:
        batch.add_column(sa.Column("settings", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("data_version", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "import_run",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("clinic_id", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("plan_digest", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinic.id"],
            name=op.f("fk_import_run_clinic_id_clinic"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_run")),
    )
    op.create_index(op.f("ix_import_run_clinic_id"), "import_run", ["clinic_id"], unique=False)
    op.create_table(
        "import_mapping",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("clinic_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinic.id"],
            name=op.f("fk_import_mapping_clinic_id_clinic"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_mapping")),
        sa.UniqueConstraint("clinic_id", "name", name=op.f("uq_import_mapping_clinic_id")),
    )
    op.create_index(
        op.f("ix_import_mapping_clinic_id"), "import_mapping", ["clinic_id"], unique=False
    )
    op.create_table(
        "entry_review",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("clinic_id", sa.String(length=32), nullable=False),
        sa.Column("share_id", sa.String(length=32), nullable=False),
        sa.Column("entry_id", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("patient_id", sa.String(length=32), nullable=True),
        sa.Column("copy_id", sa.String(length=32), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinic.id"],
            name=op.f("fk_entry_review_clinic_id_clinic"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["share_id"],
            ["record_share.id"],
            name=op.f("fk_entry_review_share_id_record_share"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_entry_review_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_review")),
        sa.UniqueConstraint("clinic_id", "entry_id", name=op.f("uq_entry_review_clinic_id")),
    )
    op.create_index(op.f("ix_entry_review_clinic_id"), "entry_review", ["clinic_id"], unique=False)
    op.create_index(
        op.f("ix_entry_review_patient_id"), "entry_review", ["patient_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_entry_review_patient_id"), table_name="entry_review")
    op.drop_index(op.f("ix_entry_review_clinic_id"), table_name="entry_review")
    op.drop_table("entry_review")
    with op.batch_alter_table("clinic") as batch:
        batch.drop_column("data_version")
        batch.drop_column("settings")
    op.drop_index(op.f("ix_import_mapping_clinic_id"), table_name="import_mapping")
    op.drop_table("import_mapping")
    op.drop_index(op.f("ix_import_run_clinic_id"), table_name="import_run")
    op.drop_table("import_run")
