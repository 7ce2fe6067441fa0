"""The examples in docstrings run and give the output they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import hsct

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(hsct.__path__, prefix="hsct.")
    if not info.name.startswith("hsct.registry.migrations") and info.name != "hsct.__main__"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    """Every ``>>>`` example in the module passes."""
    module = importlib.import_module(name)

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)

    assert result.failed == 0


def test_examples_exist() -> None:
    """Guard: the examples are found at all (a broken finder would pass every module)."""
    attempted = sum(
        doctest.testmod(importlib.import_module(name), verbose=False).attempted for name in MODULES
    )

    assert attempted >= 5
