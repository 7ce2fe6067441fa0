"""Server logs without health answers: the access log never records a query string.

Filters on the directory (age, EDSS, MS type), the EDSS calculator and the journey form can
travel in a page's address; the access log keeps only the path. ``log_config()`` is the
uvicorn logging configuration ``hsct serve`` uses, workers included (they are separate
processes, so the filter is named by its import path).
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG


class DropQueryString(logging.Filter):
    """Cut ``?...`` from the request path of uvicorn's access records."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2].split("?", 1)[0]
            record.args = (*args[:2], path, *args[3:])
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's default logging, with :class:`DropQueryString` on the access log."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["no_query_string"] = {"()": f"{__name__}.DropQueryString"}
    config["handlers"]["access"]["filters"] = ["no_query_string"]
    return config
