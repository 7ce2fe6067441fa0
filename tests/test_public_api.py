"""Each package's ``__all__`` lists exactly what it exports, sorted; the web uses only that."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import hsct

SRC = Path(hsct.__file__).resolve().parent
TOP_LEVEL = sorted(info.name for info in pkgutil.iter_modules([str(SRC)]) if info.ispkg)
PACKAGES = ["hsct", *(f"hsct.{name}" for name in TOP_LEVEL), "hsct.web.api"]


def test_every_top_level_package_is_checked() -> None:
    """A new package under src/hsct is checked without anyone remembering to list it."""
    assert {
        "common",
        "edss",
        "knowledge",
        "eligibility",
        "journey",
        "outcomes",
        "registry",
        "web",
        "cli",
    } <= set(TOP_LEVEL)


def isort_order(name: str) -> tuple[int, str]:
    """The order ruff keeps ``__all__`` in: CONSTANTS, then Classes, then functions."""
    if name.isupper():
        return (0, name)
    return (1 if name[:1].isupper() else 2, name)


def is_private(name: str) -> bool:
    """``_name`` is private; dunders such as ``__version__`` are not."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_resolves(name: str) -> None:
    """Every name in ``__all__`` exists and is public, and the list is kept sorted."""
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    exported = list(module.__all__)

    assert exported, f"{name} exports nothing"
    assert exported == sorted(exported, key=isort_order)
    assert [n for n in exported if not hasattr(module, n)] == []
    assert [n for n in exported if is_private(n)] == []


def private_imports(source: str, own_package: str) -> list[str]:
    """Modules imported by ``source`` that are private to another ``hsct`` package.

    A module is private when a part of its path after ``hsct.<package>`` starts with "_".
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if len(parts) < 3 or parts[0] != "hsct" or parts[1] == own_package:
                continue
            if any(part.startswith("_") for part in parts[2:]):
                found.append(name)
    return found


def test_private_import_finder_sees_both_forms() -> None:
    """``from hsct.x._y import`` and ``import hsct.x._y`` both count; public paths do not."""
    source = (
        "from hsct.edss._tables import FS_MAX\n"
        "import hsct.knowledge._cache\n"
        "from hsct.edss import score\n"
        "from hsct.web._own import helper\n"
        "from ._sibling import thing\n"
    )

    assert private_imports(source, "web") == ["hsct.edss._tables", "hsct.knowledge._cache"]


def test_web_imports_no_private_module_of_another_package() -> None:
    """The web reaches the core only through each package's ``__all__``."""
    offenders = {
        str(path.relative_to(SRC)): found
        for path in sorted((SRC / "web").rglob("*.py"))
        if (found := private_imports(path.read_text(encoding="utf-8"), "web"))
    }

    assert offenders == {}
