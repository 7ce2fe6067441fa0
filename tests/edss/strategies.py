"""Hypothesis strategies for EDSS inputs."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from hsct.edss._tables import FS_KEYS, FS_MAX, MAX_AMBULATION_SCORE


def complete_grades() -> st.SearchStrategy[dict[str, int]]:
    """All seven raw grades, each within its range."""
    return st.fixed_dictionaries({key: st.integers(0, FS_MAX[key]) for key in FS_KEYS})


def partial_grades() -> st.SearchStrategy[dict[str, int | None]]:
    """Raw grades where any may be unknown (None)."""
    return st.fixed_dictionaries({key: st.none() | st.integers(0, FS_MAX[key]) for key in FS_KEYS})


def ambulation_scores() -> st.SearchStrategy[int]:
    """A Neurostatus ambulation score."""
    return st.integers(0, MAX_AMBULATION_SCORE)


def modes() -> st.SearchStrategy[Any]:
    """Either mode."""
    return st.sampled_from(["neurostatus", "kurtzke"])
