"""Each package's ``__all__`` lists exactly what it exports, sorted."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = ["hsct", "hsct.common", "hsct.registry", "hsct.web", "hsct.web.api", "hsct.cli"]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_resolves(name: str) -> None:
    """Every name in ``__all__`` exists, and the list is kept sorted."""
    module = importlib.import_module(name)
    exported = list(module.__all__)

    assert exported == sorted(exported)
    assert [n for n in exported if not hasattr(module, n)] == []
