"""HSCT Navigator: information and outcomes for aHSCT in multiple sclerosis.

The package has two faces that share one core: the public *navigator* (EDSS
calculator, candidate self-assessment, facility directory, legitimacy check,
evidence, journey planner) and the *registry* (follow-up data turned into
confirmed progression, NEDA and survival curves). See ``docs/`` for the guide.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hsct-navigator")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
