"""PostgreSQL: the four entry fields the outcomes engine reads, kept as generated columns.

A clinic's cohort is read for the engine in columns (``hsct.registry.dashboard``). Taking
the EDSS value and rater and the MRI's new T2 and gadolinium counts out of each entry's JSON
at read time made PostgreSQL parse every entry's JSON text four times per read: about two
thirds of the read at 100,000 patients (``benchmarks/bench_registry_engine.py``). Stored
generated columns take them out once, when the entry is written, and stay right whatever
writes the row: the JSON stays the only thing the application writes.

Each is NULL unless the entry is of its kind and the field is a JSON value of the right type
(a number, or text for the rater), so a column can never refuse a row the application has
checked. SQLite does not need them: its column read parses the JSON in Python (orjson),
which is faster there than asking SQLite for each field; so the tables in code do not name
them (``tests/registry/test_migrations.py`` knows them by name, from
:data:`hsct.registry.tables.POSTGRES_READ_COLUMNS`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: Column, type, kind, JSON field, JSON type, and the cast from the field's text.
_COLUMNS = (
    ("edss_value", "double precision", "edss", "value", "number", "::double precision"),
    ("edss_rater", "varchar(20)", "edss", "rater", "string", "::varchar(20)"),
    ("mri_new_t2", "double precision", "mri", "new_t2", "number", "::double precision"),
    ("mri_gd", "double precision", "mri", "gd_enhancing", "number", "::double precision"),
)


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    added = ",\n".join(
        f"ADD COLUMN {name} {type_} GENERATED ALWAYS AS (CASE WHEN kind = '{kind}' AND "
        f"json_typeof(data -> '{field}') = '{json_type}' THEN (data ->> '{field}'){cast} END) "
        "STORED"
        for name, type_, kind, field, json_type, cast in _COLUMNS
    )
    op.execute(f"ALTER TABLE record_entry\n{added}")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    dropped = ", ".join(f"DROP COLUMN {name}" for name, *_ in _COLUMNS)
    op.execute(f"ALTER TABLE record_entry {dropped}")
