"""Field-level errors and settings from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.settings import Settings, load_settings


def test_invalid_input_names_every_field() -> None:
    """All bad fields are reported at once, in order, in one readable message."""
    error = InvalidInput(
        [FieldError("visual", "must be a whole number", "0 to 6"), FieldError("age", "missing")]
    )

    assert error.fields == ("visual", "age")
    assert str(error) == "visual: must be a whole number (allowed: 0 to 6); age: missing"


def test_invalid_input_needs_an_error() -> None:
    """An empty error list is a bug, not a validation result."""
    with pytest.raises(ValueError, match="at least one"):
        InvalidInput([])


def test_defaults_point_at_var_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out of the box: SQLite under ./var, listening on 127.0.0.1:8000."""
    monkeypatch.chdir(tmp_path)

    settings = load_settings()

    assert settings == Settings(
        database_url=f"sqlite:///{tmp_path}/var/hsct.sqlite3",
        host="127.0.0.1",
        port=8000,
        debug=False,
    )


def test_environment_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """HSCT_* variables are read; explicit overrides win; None overrides are ignored."""
    monkeypatch.setenv("HSCT_PORT", "9000")
    monkeypatch.setenv("HSCT_HOST", "0.0.0.0")  # noqa: S104 - a value, not a bind
    monkeypatch.setenv("HSCT_DATABASE_URL", "postgresql+psycopg://h/db")

    settings = load_settings(port=None, host="127.0.0.2")

    assert (settings.port, settings.host, settings.database_url) == (
        9000,
        "127.0.0.2",
        "postgresql+psycopg://h/db",
    )


def test_bad_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad value is reported with the variable a person would fix."""
    monkeypatch.setenv("HSCT_PORT", "70000")

    with pytest.raises(InvalidInput) as caught:
        load_settings()

    assert caught.value.fields == ("HSCT_PORT",)
    assert str(caught.value) == "HSCT_PORT: input should be less than or equal to 65535"
