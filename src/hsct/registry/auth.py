"""Secrets of the registry: password hashes and rules, random tokens, two-factor codes.

- Passwords are hashed with argon2id (pwdlib's defaults: t=3, m=64 MiB, p=4; OWASP ASVS
  5.0 appendix C) and checked against NIST SP 800-63B rev. 4 rules: length, not
  composition; at least 64 characters accepted, never truncated; a bundled list of common
  passwords and words from the person's own email refused.
- Session ids, API tokens, mail links and recovery codes are random (at least 128 bits) and
  only their SHA-256 is stored (ASVS 6.5.2 allows a fast hash for high-entropy secrets).
- TOTP (RFC 6238, 30 s, 6 digits, one step of drift) seeds are encrypted with AES-GCM
  under a key derived from the site's secret; a code is accepted once only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import Final

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.i18n import N_
from hsct.common.text import Message

#: NIST SP 800-63B rev. 4 (2025), 3.1.1.2: at least 15 characters for a password used alone.
PASSWORD_MIN: Final = 15
#: Far above the 64 the standard asks us to accept; a bound keeps hashing cheap to refuse.
PASSWORD_MAX: Final = 1024
#: Fewer distinct characters than this is a repetition ("aaaa…", "abab…").
DISTINCT_MIN: Final = 5

TOTP_DIGITS: Final = 6
TOTP_PERIOD_S: Final = 30
RECOVERY_CODES: Final = 10

_HASHER: Final = PasswordHash((Argon2Hasher(),))


# ---------------------------------------------------------------- passwords


def password_hash(password: str) -> str:
    """The argon2id hash of ``password`` (``$argon2id$v=19$m=65536,t=3,p=4$…``)."""
    return _HASHER.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` fits ``stored_hash``; with no hash, spends the same time and fails.

    Verifying against a dummy hash when there is no account keeps the time of a failed
    sign-in the same whether or not the email exists.
    """
    if stored_hash is None:
        _HASHER.verify(password, _dummy_hash())
        return False
    try:
        return _HASHER.verify(password, stored_hash)
    except (ValueError, UnknownHashError):  # not a hash pwdlib knows: treat as no match
        return False


@cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common and breached passwords, lower case (see its README)."""
    text = (files("hsct.registry") / "data" / "common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def password_problems(password: str, *, email: str = "", display_name: str = "") -> list[Message]:
    """What makes ``password`` unsafe, as translatable messages (empty when it is fine).

    No rule about kinds of characters: length and unpredictability only (NIST SP 800-63B).
    """
    problems: list[Message] = []
    if len(password) < PASSWORD_MIN:
        problems.append(
            Message(
                N_(
                    "use at least {minimum} characters; three or four words you will "
                    "remember work well"
                ),
                {"minimum": PASSWORD_MIN},
            )
        )
    if len(password) > PASSWORD_MAX:
        problems.append(Message(N_("use at most {maximum} characters"), {"maximum": PASSWORD_MAX}))
    lowered = password.lower()
    if lowered in common_passwords() or lowered.strip(" 0123456789!.") in common_passwords():
        problems.append(Message(N_("this password is on a list of common or leaked passwords")))
    elif len(set(password)) < DISTINCT_MIN:
        problems.append(Message(N_("this password repeats too few different characters")))
    for word in _context_words(email, display_name):
        if word in lowered:
            problems.append(
                Message(N_("do not use your name, your email or the name of this site in it"))
            )
            break
    return problems


def _context_words(email: str, display_name: str) -> list[str]:
    local = email.split("@", 1)[0].lower()
    words = [local, *display_name.lower().split(), "hsct", "navigator"]
    return [word for word in words if len(word) >= 4]


def password_check(
    password: str, *, field: str = "password", email: str = "", display_name: str = ""
) -> None:
    """Raise :class:`InvalidInput` naming ``field`` when the password breaks a rule."""
    problems = password_problems(password, email=email, display_name=display_name)
    if problems:
        raise InvalidInput(FieldError.translatable(field, problem) for problem in problems)


# ---------------------------------------------------------------- random tokens


def token_digest(token: str) -> str:
    """SHA-256 (hex) of a high-entropy token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_new(prefix: str) -> str:
    """``<prefix>_`` and 32 random bytes (256 bits) in URL-safe base64."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def recovery_codes_new(count: int = RECOVERY_CODES) -> list[str]:
    """Single-use codes like ``k7qm-3xwd-p2ta`` (60 bits each), easy to copy by hand."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return [
        "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
        for _ in range(count)
    ]


def recovery_code_normalise(code: str) -> str:
    """Lower case, spaces and dashes ignored, then dashed in threes of four."""
    plain = "".join(ch for ch in code.lower() if ch.isalnum())
    return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def hmac_text(key: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA-256 of ``value`` for one ``purpose`` (hex), e.g. a CSRF token for a session."""
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


def digests_equal(a: str, b: str) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


# ---------------------------------------------------------------- two-factor codes


def totp_secret_new() -> str:
    """A new base32 TOTP seed (160 bits, RFC 4226's recommendation)."""
    return pyotp.random_base32(32)


def _seal_key(site_key: bytes) -> bytes:
    return hashlib.sha256(b"hsct totp seed\x00" + site_key).digest()


def secret_seal(secret: str, site_key: bytes) -> str:
    """Encrypt a TOTP seed for storage (AES-GCM, random nonce), as URL-safe base64."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_seal_key(site_key)).encrypt(nonce, secret.encode("ascii"), b"totp")
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def secret_unseal(sealed: str, site_key: bytes) -> str | None:
    """The seed, or None when it was sealed under another key or altered."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
        return AESGCM(_seal_key(site_key)).decrypt(raw[:12], raw[12:], b"totp").decode("ascii")
    except (InvalidTag, ValueError):
        return None


def totp_uri(secret: str, *, account_label: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account_label, issuer_name="HSCT Navigator")


def totp_accept(secret: str, code: str, *, now: datetime, last_timecode: int | None) -> int | None:
    """The time step a code belongs to, or None when it is wrong or was used before.

    One step of drift either way is allowed (RFC 6238 section 5.2); a step at or before
    ``last_timecode`` (the last one accepted) is refused, so a code works once.
    """
    digits = "".join(ch for ch in code if not ch.isspace())
    if len(digits) != TOTP_DIGITS or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD_S)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if last_timecode is not None and step <= last_timecode:
            continue
        if digests_equal(totp.generate_otp(step), digits):
            return step
    return None


def totp_code(secret: str, *, at: datetime) -> str:
    """The code an authenticator app shows at ``at`` (for tests and the set-up check)."""
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD_S).at(at)
