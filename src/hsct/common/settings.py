"""Settings, read from ``HSCT_*`` environment variables when asked for, never at import.

``HSCT_DATABASE_URL``
    SQLAlchemy URL. Default: an SQLite file ``var/hsct.sqlite3`` under the directory
    the program was started from. PostgreSQL: ``postgresql+psycopg://user:pw@host/db``.
``HSCT_HOST``, ``HSCT_PORT``
    Where ``hsct serve`` listens. Default ``127.0.0.1:8000``.
``HSCT_DEBUG``
    ``true`` shows more detail in logs; error pages never show tracebacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from hsct.common.errors import FieldError, InvalidInput

ENV_PREFIX = "HSCT_"
DEFAULT_SQLITE_PATH = Path("var") / "hsct.sqlite3"


def default_database_url() -> str:
    """The embedded SQLite database under ``var/`` in the current directory."""
    return f"sqlite:///{DEFAULT_SQLITE_PATH.resolve()}"


class Settings(BaseSettings):
    """Run-time configuration of the web app, the CLI and the registry."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    database_url: str = Field(default_factory=default_database_url, min_length=1)
    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=8000, ge=1, le=65535)
    debug: bool = False


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment, with explicit overrides winning.

    Overrides whose value is ``None`` are ignored, so CLI options that were not given
    fall back to the environment.

    Raises
    ------
    InvalidInput
        Naming each bad variable (``HSCT_PORT``) and what it allows.
    """
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise InvalidInput(
            FieldError(
                field=_variable_name(error["loc"], given),
                message=error["msg"][:1].lower() + error["msg"][1:],
            )
            for error in exc.errors()
        ) from None


def _variable_name(location: tuple[int | str, ...], given: dict[str, Any]) -> str:
    name = str(location[0]) if location else "settings"
    if name in given:
        return name
    return f"{ENV_PREFIX}{name.upper()}"
