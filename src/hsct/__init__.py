"""HSCT Navigator: information and outcomes for aHSCT in multiple sclerosis.

The package has two faces that share one core: the public *navigator* (EDSS
calculator, candidate self-assessment, facility directory, legitimacy check,
evidence, journey planner) and the *registry* (follow-up data turned into
confirmed progression, NEDA and survival curves). See ``docs/`` for the guide.
"""

from typing import Any

__all__ = ["__version__"]

__version__: str  # declared for type checkers; the value comes from __getattr__ below


def __getattr__(name: str) -> Any:
    """``__version__``, read from the installed metadata on first use.

    ``importlib.metadata`` and the look-up cost about 30 ms, which every ``hsct --help``
    would pay; only ``hsct version``, the web app and backups need the version.
    """
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 - see above

    try:
        found = version("hsct-navigator")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        found = "0.0.0+unknown"
    globals()[name] = found
    return found
