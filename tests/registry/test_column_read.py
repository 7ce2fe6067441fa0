"""The pieces of PostgreSQL's column read (``hsct.registry.dashboard``) that the dashboard
comparison (``test_dashboard_columns.py``) cannot reach with ordinary data: any id written
into the patients' array literal, and dates far from 1970 in the one-number sort key."""

from __future__ import annotations

import numpy as np
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hsct.registry.dashboard import _day_keys, _postgres_text_array

# Any text PostgreSQL stores (no NUL), quotes, backslashes, braces and commas included.
_TEXT = st.text(
    alphabet=st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=12
)


@pytest.mark.postgres
# One database for every example: the test only reads.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(_TEXT, max_size=8))
def test_the_array_literal_gives_back_every_id_in_order(
    postgres_url: str, values: list[str]
) -> None:
    """What the server reads from the literal is the list itself, in order."""
    dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as connection:
        literal = _postgres_text_array(values)
        rows = connection.execute(
            f"SELECT v, n FROM unnest({literal}) WITH ORDINALITY AS t(v, n)"  # noqa: S608
        ).fetchall()

    assert [v for v, _ in rows] == values
    assert [n for _, n in rows] == list(range(1, len(values) + 1))


_DAYS = st.one_of(
    st.integers(-(1 << 17), (1 << 17) - 1),  # within 359 years of 1970: one key
    st.integers(-800_000, 3_000_000),  # year 1 to 9999: two keys
)


@settings(max_examples=200, deadline=None)
@given(
    groups=arrays(np.int64, st.integers(0, 40), elements=st.integers(0, 3 * 1_000_000)),
    data=st.data(),
)
def test_the_day_keys_sort_as_group_then_day(groups: np.ndarray, data: st.DataObject) -> None:
    """Whatever the days, the keys order rows by group, then day, then the last key."""
    days = data.draw(arrays(np.int64, groups.size, elements=_DAYS))
    written = data.draw(arrays(np.int64, groups.size, elements=st.integers(0, 3)))

    got = np.lexsort((written, *_day_keys(groups, days)))
    expected = np.lexsort((written, days, groups))

    assert [(groups[i], days[i], written[i]) for i in got] == [
        (groups[i], days[i], written[i]) for i in expected
    ]
