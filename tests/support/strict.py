"""Skip or fail when a test's outside tool is missing.

`make test` sets ``HSCT_TEST_STRICT=1`` after installing Chromium, PostgreSQL and
axe-core, so there a missing tool is a failure, never a silent skip. A developer
running plain ``pytest`` without them gets a skip with the reason.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

STRICT = os.environ.get("HSCT_TEST_STRICT") == "1"


def missing(tool: str, hint: str) -> NoReturn:
    """Fail (under `make test`) or skip (elsewhere) because ``tool`` is not available."""
    message = f"{tool} is not available: {hint}"
    if STRICT:
        pytest.fail(message)
    pytest.skip(message)
