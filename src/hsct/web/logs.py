"""Server logs: JSON lines in UTC, with no health answers, personal data or secrets.

- The access log keeps the method, the path without its query string, and the status;
  not the client's address (personal data under the GDPR) and never a query string, since
  filters on the directory, the EDSS calculator and the journey form can travel there.
- Every record passes :func:`scrub`, which blanks email addresses and anything shaped like
  our tokens (``hsct_…``, session ``s_…``, mail links ``l_…``) as a last line of defence;
  the code itself logs pseudonymous ids only (OWASP Logging Cheat Sheet; ASVS 16.2.5).

``log_config()`` is the uvicorn logging configuration ``hsct serve`` uses, workers
included (they are separate processes, so classes are named by their import path).
"""

from __future__ import annotations

import copy
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any, Final

from uvicorn.config import LOGGING_CONFIG

_EMAIL: Final = re.compile(r"[^\s@\"'<>(),;:]+@[^\s@\"'<>(),;:]+\.[A-Za-z]{2,}")
_TOKEN: Final = re.compile(r"\b(?:hsctcal|hsct|s|l)_[A-Za-z0-9_-]{20,}")


def scrub(text: str) -> str:
    """``text`` with email addresses and tokens replaced.

    >>> scrub("sent to ana@example.org with hsct_" + "x" * 43)
    'sent to [email] with [token]'
    """
    return _TOKEN.sub("[token]", _EMAIL.sub("[email]", text))


class DropQueryString(logging.Filter):
    """Cut ``?...`` from the request path of uvicorn's access records."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2].split("?", 1)[0]
            record.args = (*args[:2], path, *args[3:])
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: UTC time, level, logger, message (scrubbed)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) >= 5:
            # uvicorn passes (client, method, path, http version, status)
            entry.update(
                method=str(args[1]),
                path=scrub(str(args[2]).split("?", 1)[0]),
                status=args[4],
            )
        else:
            entry["message"] = scrub(record.getMessage())
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
            entry["trace"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def log_config() -> dict[str, Any]:
    """uvicorn's logging with JSON lines and :class:`DropQueryString` on the access log."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["no_query_string"] = {"()": f"{__name__}.DropQueryString"}
    config["formatters"] = {
        "json": {"()": f"{__name__}.JsonFormatter"},
    }
    for handler in config["handlers"].values():
        handler["formatter"] = "json"
    config["handlers"]["access"]["filters"] = ["no_query_string"]
    # The application's own loggers (hsct.*) go to the same place, in the same shape.
    config["loggers"]["hsct"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
