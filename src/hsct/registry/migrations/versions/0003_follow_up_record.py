"""The follow-up record: entries, their undo history, sharing with clinics, calendar feeds.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hsct.registry.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "uq_patient_own_record",
        "patient",
        ["person_id"],
        unique=True,
        sqlite_where=sa.text("clinic_id IS NULL"),
        postgresql_where=sa.text("clinic_id IS NULL"),
    )
    op.create_table(
        "record_entry",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("patient_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("provenance", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_record_entry_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_entry")),
    )
    op.create_index(
        "ix_record_entry_patient_kind_date",
        "record_entry",
        ["patient_id", "kind", "date"],
        unique=False,
    )
    op.create_index(
        "uq_record_entry_single",
        "record_entry",
        ["patient_id", "kind"],
        unique=True,
        sqlite_where=sa.text("kind IN ('diagnosis', 'transplant')"),
        postgresql_where=sa.text("kind IN ('diagnosis', 'transplant')"),
    )
    op.create_table(
        "record_change",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.String(length=32), nullable=False),
        sa.Column("entry_id", sa.String(length=32), nullable=False),
        sa.Column("operation", sa.String(length=10), nullable=False),
        sa.Column("batch", sa.String(length=32), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("undone_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_record_change_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_change")),
    )
    op.create_index(
        op.f("ix_record_change_patient_id"), "record_change", ["patient_id"], unique=False
    )
    op.create_table(
        "record_share",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("patient_id", sa.String(length=32), nullable=False),
        sa.Column("clinic_id", sa.String(length=32), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinic.id"],
            name=op.f("fk_record_share_clinic_id_clinic"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_record_share_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_share")),
    )
    op.create_index(op.f("ix_record_share_clinic_id"), "record_share", ["clinic_id"], unique=False)
    op.create_index(
        op.f("ix_record_share_patient_id"), "record_share", ["patient_id"], unique=False
    )
    op.create_table(
        "calendar_feed",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_calendar_feed_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_calendar_feed")),
    )
    op.create_index(
        op.f("ix_calendar_feed_patient_id"), "calendar_feed", ["patient_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("uq_patient_own_record", table_name="patient")
    op.drop_index(op.f("ix_calendar_feed_patient_id"), table_name="calendar_feed")
    op.drop_table("calendar_feed")
    op.drop_index(op.f("ix_record_share_patient_id"), table_name="record_share")
    op.drop_index(op.f("ix_record_share_clinic_id"), table_name="record_share")
    op.drop_table("record_share")
    op.drop_index(op.f("ix_record_change_patient_id"), table_name="record_change")
    op.drop_table("record_change")
    op.drop_index("uq_record_entry_single", table_name="record_entry")
    op.drop_index("ix_record_entry_patient_kind_date", table_name="record_entry")
    op.drop_table("record_entry")
