"""Settings, read from ``HSCT_*`` environment variables when asked for, never at import.

``HSCT_DATABASE_URL``
    SQLAlchemy URL. Default: an SQLite file ``var/hsct.sqlite3`` under the directory
    the program was started from. PostgreSQL: ``postgresql+psycopg://user:pw@host/db``.
``HSCT_HOST``, ``HSCT_PORT``
    Where ``hsct serve`` listens. Default ``127.0.0.1:8000``.
``HSCT_DEBUG``
    ``true`` shows more detail in logs; error pages never show tracebacks.
``HSCT_SECRET_KEY``
    At least 32 characters; signs CSRF tokens and encrypts two-factor seeds. Default: a random
    key created once in ``secret.key`` beside the SQLite database (mode 600).
``HSCT_PUBLIC_URL``
    The address people reach the site at, for links in mail (``https://…`` also turns on
    HSTS). Default ``http://HOST:PORT``.
``HSCT_SMTP_URL``
    ``smtp://``, ``smtp+starttls://`` or ``smtps://user:password@host:port``. Default: none,
    and each message is written as an ``.eml`` file under ``HSCT_MAIL_DIR`` (``var/mail``).
``HSCT_MAIL_FROM``
    The sender of mail. Default ``HSCT Navigator <no-reply@localhost>``.
``HSCT_SESSION_IDLE_MINUTES``, ``HSCT_SESSION_ABSOLUTE_HOURS``
    A signed-in session ends after this long without a request (30), or this long after
    sign-in whatever happens (12).
``HSCT_CONTACT``
    Where people report an error in the information: ``mailto:address`` or an ``https://``
    page, shown on "About this information". Default: none (the page says so).
``HSCT_API_DOCS``
    ``false`` switches off the interactive API documentation page (the OpenAPI document stays).
"""

from __future__ import annotations

import os
import secrets
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
    secret_key: str | None = Field(default=None, min_length=32)
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
    smtp_url: str | None = None
    mail_from: str = Field(default="HSCT Navigator <no-reply@localhost>", min_length=3)
    mail_dir: Path = Field(default_factory=lambda: Path("var") / "mail")
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_absolute_hours: int = Field(default=12, ge=1, le=24 * 30)
    api_docs: bool = True
    contact: str | None = Field(default=None, pattern=r"^(mailto:[^\s@/]+@[^\s@/]+|https://\S+)$")
    #: A folder of questionnaire definitions a clinic supplies (licensed instruments, or
    #: validated translations): see hsct.outcomes.instruments.
    qol_definitions: Path | None = None

    @property
    def base_url(self) -> str:
        """Where links in mail point: ``HSCT_PUBLIC_URL``, or this server's own address."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def served_over_tls(self) -> bool:
        """True when people reach the site over HTTPS (HSTS is sent then)."""
        return self.base_url.startswith("https://")

    def secret_key_file(self) -> Path:
        """Where the generated secret key lives: beside the SQLite file, else under ``var/``."""
        if self.database_url.startswith("sqlite:///") and not self.database_url.endswith(
            ":memory:"
        ):
            return Path(self.database_url.removeprefix("sqlite:///")).parent / "secret.key"
        return Path("var") / "secret.key"


def secret_key_bytes(settings: Settings) -> bytes:
    """The site's secret key: ``HSCT_SECRET_KEY``, or one made once and kept in a private file.

    The file is created with mode 600 and never overwritten, so sessions and two-factor
    seeds survive restarts.
    """
    if settings.secret_key is not None:
        return settings.secret_key.encode("utf-8")
    path = settings.secret_key_file()
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode("ascii")
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it first: use theirs
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key


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
