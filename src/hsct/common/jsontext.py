"""JSON from people and programs, parsed so that no input can crash or stall the reader.

Python's ``json`` accepts ``NaN`` and ``Infinity``, integers of thousands of digits (slow to
convert, and an ``OverflowError`` when they reach a float), ``1e999`` (infinity), and nesting
deep enough to exhaust the stack. :func:`loads_checked` refuses each with a named
:class:`~hsct.common.errors.InvalidInput`, so the API answers 422, a page shows the field and
the command line prints one line.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

from hsct.common.errors import FieldError, InvalidInput

#: Deeper nesting than any of our inputs needs (a profile is 4 levels deep).
MAX_DEPTH: Final = 32
#: Digits in an integer literal; ids and counts never need more.
MAX_INT_DIGITS: Final = 30


class _RefusedError(ValueError):
    """A JSON token we refuse; carries the reason and what is allowed."""

    def __init__(self, problem: str, allowed: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.allowed = allowed


def _constant(name: str) -> Any:
    raise _RefusedError(f"contains {name}, which is not a number", "finite numbers")


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _RefusedError(
            f"contains a number of {len(text)} digits", f"at most {MAX_INT_DIGITS} digits"
        )
    return int(text)


def _real(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _RefusedError("contains a number too large to compute with", "finite numbers")
    return value


def depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (a scalar is 0).

    >>> depth({"a": [1, {"b": []}]})
    4
    """
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item)
    return deepest


def loads_checked(text: str | bytes, *, field: str = "body") -> Any:
    """Parsed JSON, or :class:`InvalidInput` on ``field`` naming what is wrong.

    >>> loads_checked('{"edss": 3.5}')
    {'edss': 3.5}
    >>> loads_checked('{"edss": NaN}', field="profile")
    Traceback (most recent call last):
    ...
    hsct.common.errors.InvalidInput: profile: contains NaN, which is not a number (allowed: ...)
    """
    try:
        data = json.loads(text, parse_constant=_constant, parse_int=_integer, parse_float=_real)
    except _RefusedError as exc:
        raise InvalidInput([FieldError(field, exc.problem, exc.allowed)]) from None
    except RecursionError:
        data = None
        found = MAX_DEPTH + 1
    except UnicodeDecodeError:
        raise InvalidInput([FieldError(field, "is not UTF-8 text", "UTF-8 JSON")]) from None
    except ValueError as exc:  # JSONDecodeError and the int-digits limit
        where = (
            f" at line {exc.lineno}, column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        raise InvalidInput([FieldError(field, f"is not valid JSON{where}", "JSON")]) from None
    else:
        found = depth(data)
    if found > MAX_DEPTH:
        raise InvalidInput(
            [FieldError(field, "is nested too deeply", f"at most {MAX_DEPTH} levels")]
        )
    return data
