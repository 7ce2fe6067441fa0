"""The EDSS as a value: its legal grid and how people write it. Used by every layer."""

from __future__ import annotations

from typing import Final

#: Every value the EDSS can take: 0, then 1.0 to 9.5 in half steps, then 10.
#: (0.5 does not exist; Kurtzke 1983 split each step 1 to 9 into two.)
LEGAL_VALUES: Final = (0.0, *(step / 2 for step in range(2, 20)), 10.0)


def format_step(step: float) -> str:
    """An EDSS value as people write it: ``0``, ``4.5``, ``6.0``, ``10``.

    Examples
    --------
    >>> [format_step(s) for s in (0.0, 1.0, 4.5, 10.0)]
    ['0', '1.0', '4.5', '10']
    """
    if step in (0.0, 10.0):
        return str(int(step))
    return f"{step:.1f}"
