"""FHIR Bulk Data exports of a clinic's records: request, progress, output.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hsct.registry.tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulk_export",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("clinic_id", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("types", sa.JSON(), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=True),
        sa.Column("request", sa.String(length=500), nullable=False),
        sa.Column("output", sa.JSON(), nullable=True),
        sa.Column("files", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinic.id"],
            name=op.f("fk_bulk_export_clinic_id_clinic"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_export")),
    )
    op.create_index(op.f("ix_bulk_export_clinic_id"), "bulk_export", ["clinic_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_bulk_export_clinic_id"), table_name="bulk_export")
    op.drop_table("bulk_export")
