"""Files named on the command line, read and written with one named error per fault.

Whatever a person can get wrong with a path becomes :class:`InvalidInput` naming the
option (or argument), the file and, where there is one, the field: a folder, a missing
file, no permission, a file that is not UTF-8 text or is binary, an empty file, a list
where an object belongs, nesting too deep, numbers too long or not finite, a file too
large, an output whose folder is missing or is a file. Messages quote at most about 80
characters of a path and 40 of a key, never the whole of a file.
"""

from __future__ import annotations

import errno
import json
import math
import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from hsct.common.errors import FieldError, InvalidInput, excerpt

#: Profile and option files are small; a bigger file is a mistake (or ``/dev/zero``).
MAX_BYTES: Final = 1_000_000
#: Deeper nesting than this is no profile or option file we know.
MAX_DEPTH: Final = 32
#: Integers longer than this are refused (Python refuses above 4300 digits anyway).
MAX_DIGITS: Final = 100
#: At most this many characters of a path appear in a message.
PATH_CHARS: Final = 80
#: At most this many problems of one file are listed.
MAX_PROBLEMS: Final = 5

READABLE: Final = "a readable file"
WRITABLE: Final = "a file path in an existing folder"


def shown(path: Path | str) -> str:
    """A path for a message: quoted and, when long, cut at the front (the name is the end).

    >>> shown("profile.json")
    "'profile.json'"
    >>> shown("/data/" + "d" * 100 + "/profile.json")[-40:]
    "ddddddddd/profile.json' (119 characters)"
    """
    text = str(path)
    if len(text) <= PATH_CHARS:
        return repr(text)
    return f"{'…' + text[-(PATH_CHARS - 1) :]!r} ({len(text)} characters)"


def short(text: str) -> str:
    """A field name or key from input, shortened when long (quoted only then).

    >>> short("age"), short("k" * 50)
    ('age', "'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk…' (50 characters)")
    """
    return text if len(text) <= 40 else excerpt(text)


def os_reason(exc: OSError) -> str:
    """The system's words for a failed read or write (without the path it may quote)."""
    return exc.strerror or type(exc).__name__


def _problem(field: str, message: str, allowed: str | None = None) -> InvalidInput:
    return InvalidInput([FieldError(field, message, allowed)])


def read_text(
    path: Path, field: str, *, max_bytes: int | None = MAX_BYTES, empty_ok: bool = False
) -> str:
    """The file as UTF-8 text (a byte-order mark is dropped).

    A named FIFO without a writer reads as empty instead of waiting for ever.

    Raises
    ------
    InvalidInput
        Under ``field``, naming the file: unreadable, a folder, too large, empty, not
        UTF-8, or binary.
    """
    name = shown(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(-1 if max_bytes is None else max_bytes + 1)
    except OSError as exc:
        raise _problem(field, f"cannot read {name}: {os_reason(exc)}", READABLE) from None
    if max_bytes is not None and len(raw) > max_bytes:
        raise _problem(
            field, f"{name} is larger than {max_bytes:,} bytes", f"at most {max_bytes:,} bytes"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _problem(
            field,
            f"{name} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            "a UTF-8 text file",
        ) from None
    if "\x00" in text:
        raise _problem(field, f"{name} is a binary file, not text", "a UTF-8 text file")
    if not empty_ok and not text.strip():
        raise _problem(field, f"{name} is empty")
    return text


@dataclass(frozen=True, slots=True)
class _LongNumber:
    """An integer too long to be meant, kept so the check can name its field."""

    digits: int


def _parse_int(text: str) -> int | _LongNumber:
    digits = len(text.lstrip("-"))
    return _LongNumber(digits) if digits > MAX_DIGITS else int(text)


def read_object(path: Path, field: str, *, toml: bool = True) -> dict[str, Any]:
    """A JSON (or, by the ``.toml`` extension, TOML) file holding one object.

    Raises
    ------
    InvalidInput
        Under ``field``, naming the file (and the field inside it): everything
        :func:`read_text` refuses, malformed JSON or TOML, nesting deeper than
        :data:`MAX_DEPTH`, integers longer than :data:`MAX_DIGITS` digits, NaN or
        infinite numbers (``NaN``, ``Infinity``, ``1e999``), and a top level that is not an
        object.
    """
    text = read_text(path, field)
    name = shown(path)
    is_toml = toml and path.suffix.lower() == ".toml"
    kind = "a TOML table" if is_toml else "a JSON object"
    try:
        data = tomllib.loads(text) if is_toml else json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise _problem(field, f"{name} is not valid JSON at {where}: {exc.msg}", kind) from None
    except tomllib.TOMLDecodeError as exc:
        raise _problem(field, f"{name} is not valid TOML: {exc}", kind) from None
    except RecursionError:
        raise _problem(
            field, f"{name} is nested too deeply", f"{kind}, {MAX_DEPTH} levels or fewer"
        ) from None
    except ValueError:  # TOML: an integer of more than 4300 digits
        raise _problem(
            field, f"{name} holds a number that is too long", f"at most {MAX_DIGITS} digits"
        ) from None
    if not isinstance(data, dict):
        raise _problem(field, f"{name} holds {_kind(data)}, not an object", kind)
    problems = [
        FieldError(field, f"{short_path} in {name} {message}", allowed)
        for short_path, message, allowed in _bad_values(data)
    ]
    if problems:
        raise InvalidInput(problems)
    return data


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    return "a number"


def _bad_values(data: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(field, problem, allowed) for each unusable value, in file order, at most a few.

    Iterative, so a deep file cannot overflow the stack here.
    """
    found = 0
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack and found < MAX_PROBLEMS:
        value, where, depth = stack.pop()
        problem: tuple[str, str] | None = None
        if depth > MAX_DEPTH:
            problem = (f"is nested more than {MAX_DEPTH} levels deep", f"{MAX_DEPTH} or fewer")
        elif isinstance(value, dict):
            children = [(v, _join(where, short(str(k))), depth + 1) for k, v in value.items()]
            stack.extend(reversed(children))
        elif isinstance(value, list):
            items = [(v, _join(where, str(i)), depth + 1) for i, v in enumerate(value)]
            stack.extend(reversed(items))
        elif isinstance(value, _LongNumber):
            problem = (f"is a number of {value.digits} digits", f"at most {MAX_DIGITS} digits")
        elif isinstance(value, float) and not math.isfinite(value):
            problem = ("is not a finite number", "a finite number")
        if problem is not None:
            found += 1
            yield where or "the top level", *problem


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def check_writable(path: Path | None, field: str) -> None:
    """Refuse, before any work, an output path that cannot be written.

    Raises
    ------
    InvalidInput
        Under ``field``, naming the path: a folder, a missing folder, a folder that is a
        file, or no permission.
    """
    if path is None:
        return
    name = shown(path)
    folder = path.parent
    if path.is_dir():
        reason = "it is a folder"
    elif not folder.exists():
        reason = "its folder does not exist"
    elif not folder.is_dir():
        reason = "its folder is a file"
    elif not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        reason = "permission denied"
    else:
        return
    raise _problem(field, f"cannot write {name}: {reason}", WRITABLE)


@contextmanager
def writing(path: Path, field: str) -> Iterator[None]:
    """Turn a failed write (disk full, path changed since the check) into a named error."""
    try:
        yield
    except OSError as exc:
        raise _problem(field, f"cannot write {shown(path)}: {os_reason(exc)}", WRITABLE) from None


def check_readable(path: Path, field: str) -> None:
    """Refuse, before a library opens it, a path that is a folder or cannot be opened.

    Raises
    ------
    InvalidInput
        Under ``field``, naming the path with the system's reason.
    """
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        os.close(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)))
    except OSError as exc:
        raise _problem(field, f"cannot read {shown(path)}: {os_reason(exc)}", READABLE) from None


@contextmanager
def reading(path: Path, field: str) -> Iterator[None]:
    """Turn a failed read inside a library (a folder, no permission) into a named error."""
    try:
        yield
    except OSError as exc:
        raise _problem(field, f"cannot read {shown(path)}: {os_reason(exc)}", READABLE) from None
