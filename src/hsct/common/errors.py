"""Errors a person can act on.

Every error raised by the core for bad input is an :class:`HsctError`. Its ``str()``
is a complete, plain sentence that the CLI prints on one line and the web shows
beside the form. :class:`InvalidInput` carries one :class:`FieldError` per bad
field, so the API can answer 422 with field-level details.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


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

    @property
    def fields(self) -> tuple[str, ...]:
        """The names of the bad fields, in the order they were found."""
        return tuple(error.field for error in self.errors)
