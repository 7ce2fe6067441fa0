"""Errors a person can act on.

Every error raised by the core for bad input is an :class:`HsctError`. Its ``str()``
is a complete, plain sentence that the CLI prints on one line and the web shows
beside the form. :class:`InvalidInput` carries one :class:`FieldError` per bad
field, so the API can answer 422 with field-level details.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Final

from hsct.common.i18n import N_
from hsct.common.text import Message

ALLOWED: Final = N_("{problem} (allowed: {allowed})")
#: Error messages quote at most this many characters of what a person typed or sent.
EXCERPT_CHARS: Final = 40


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """``repr(value)``, cut to a short excerpt for error messages (never the whole of it).

    >>> excerpt("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' (100 characters)"
    >>> excerpt("Ocrevus"), excerpt(5.5)
    ("'Ocrevus'", '5.5')
    """
    if not isinstance(value, str):
        text = repr(value)
        return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}"[:-1] + f"…' ({len(value)} characters)"


class HsctError(Exception):
    """Base class for errors whose message is meant for the person using the tool."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One bad field: its name, what is wrong, and what is allowed.

    Examples
    --------
    >>> str(FieldError("visual", "must be a whole number", "0, 1, 2, 3, 4, 5 or 6"))
    'visual: must be a whole number (allowed: 0, 1, 2, 3, 4, 5 or 6)'
    """

    field: str
    message: str
    allowed: str | None = None
    #: The same problem as translatable messages, when the core has them.
    message_text: Message | None = None
    allowed_text: Message | None = None

    @classmethod
    def translatable(
        cls, field: str, message: Message, allowed: Message | None = None
    ) -> FieldError:
        """An error whose words pages can show in the reader's language."""
        return cls(field, str(message), None if allowed is None else str(allowed), message, allowed)

    def translate(self, gettext: Callable[[str], str]) -> str:
        """What is wrong and what is allowed, in the language of ``gettext`` (no field name).

        Errors made without translatable messages stay in English.
        """
        problem = self.message_text.translate(gettext) if self.message_text else self.message
        if self.allowed is None:
            return problem
        allowed = self.allowed_text.translate(gettext) if self.allowed_text else self.allowed
        return gettext(ALLOWED).format(problem=problem, allowed=allowed)

    def __str__(self) -> str:
        if self.allowed is None:
            return f"{self.field}: {self.message}"
        return f"{self.field}: {self.message} (allowed: {self.allowed})"


class InvalidInput(HsctError):  # noqa: N818 - reads better at call sites than InvalidInputError
    """Input that failed validation; carries every bad field, not just the first."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        if not self.errors:
            raise ValueError("InvalidInput needs at least one FieldError")
        super().__init__("; ".join(str(error) for error in self.errors))

    def within(self, prefix: str, *, keep: Iterable[str] = ()) -> InvalidInput:
        """The same errors with fields named inside ``prefix`` (``profile.age``).

        Fields listed in ``keep`` stay as they are (a sibling of the nested object).

        >>> InvalidInput([FieldError("age", "too low")]).within("profile").fields
        ('profile.age',)
        """
        return InvalidInput(
            replace(e, field=e.field if e.field in keep else f"{prefix}.{e.field}")
            for e in self.errors
        )

    @property
    def fields(self) -> tuple[str, ...]:
        """The names of the bad fields, in the order they were found."""
        return tuple(error.field for error in self.errors)


class NotFound(HsctError):  # noqa: N818 - names the answer, like HTTP's "Not Found"
    """A thing asked for by id or name that does not exist.

    The message names the kind of thing and quotes only an excerpt of the key asked for.

    >>> str(NotFound("facility", "x" * 50))
    "No facility 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' (50 characters)"
    >>> str(NotFound("page"))
    'No page'
    """

    def __init__(self, what: str, key: object = None) -> None:
        self.what = what
        self.key = key
        super().__init__(f"No {what}" if key is None else f"No {what} {excerpt(key)}")


class PermissionDenied(HsctError):  # noqa: N818 - reads better at call sites
    """The person may not do what they asked; the message says what was refused.

    >>> str(PermissionDenied("Only the record's owner may delete it"))
    "Only the record's owner may delete it"
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)


class Conflict(HsctError):  # noqa: N818 - names the answer, like HTTP's "Conflict"
    """The request clashes with the current state (a duplicate, a stale edit).

    >>> str(Conflict("A cohort named 'pilot' already exists"))
    "A cohort named 'pilot' already exists"
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
