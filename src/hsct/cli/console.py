"""Where commands print: Rich consoles made on first use.

A command module is imported to show its ``--help``; making its consoles at import would
import Rich (about 25 ms) for a help that never uses it (issue 17). A console looks up
``sys.stdout``/``sys.stderr`` when it writes, so one per process is enough.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


@functools.cache
def stdout() -> Console:
    """The console for results."""
    from rich.console import Console  # noqa: PLC0415 - only when a command prints

    return Console(highlight=False, soft_wrap=True)


@functools.cache
def stderr() -> Console:
    """The console for progress, warnings and summaries that must not mix with results."""
    from rich.console import Console  # noqa: PLC0415 - only when a command prints

    return Console(stderr=True, highlight=False, soft_wrap=True)
