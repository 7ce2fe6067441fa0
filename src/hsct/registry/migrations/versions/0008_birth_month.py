"""A clinic record's birth year and month (``YYYY-MM``), never the day.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patient") as batch:
        batch.add_column(sa.Column("birth_month", sa.String(length=7), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patient") as batch:
        batch.drop_column("birth_month")
