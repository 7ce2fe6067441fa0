"""Password rules and hashes, random tokens and two-factor codes (pure functions, no database)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest

from hsct.common.errors import InvalidInput
from hsct.registry import auth

PASSWORD = "correct horse battery staple 42"
NOW = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)
#: RFC 6238 appendix B's seed ("12345678901234567890") in base32.
RFC_SEED = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

TOO_SHORT = "use at least 15 characters; three or four words you will remember work well"
TOO_LONG = "use at most 1024 characters"
COMMON = "this password is on a list of common or leaked passwords"
REPEATS = "this password repeats too few different characters"
PERSONAL = "do not use your name, your email or the name of this site in it"


def problems(password: str, *, email: str = "", display_name: str = "") -> list[str]:
    return [
        str(p) for p in auth.password_problems(password, email=email, display_name=display_name)
    ]


# ---------------------------------------------------------------- password hashes


def test_hash_is_argon2id_with_owasp_parameters_and_a_fresh_salt() -> None:
    first = auth.password_hash(PASSWORD)
    second = auth.password_hash(PASSWORD)

    assert re.match(r"^\$argon2id\$v=19\$m=65536,t=3,p=4\$", first)
    assert first != second  # a new salt each time
    assert PASSWORD not in first
    assert auth.password_matches(first, PASSWORD) is True
    assert auth.password_matches(second, PASSWORD) is True
    assert auth.password_matches(first, PASSWORD + " ") is False


def test_long_passwords_are_kept_whole_never_truncated() -> None:
    """64 and 200 characters hash and verify exactly: a change to the last one fails."""
    p64 = "".join(chr(ord("a") + i % 26) for i in range(63)) + "!"
    p200 = ("a long sentence is a fine password, " * 6)[:199] + "Z"
    assert (len(p64), len(p200)) == (64, 200)
    assert problems(p64) == []
    assert problems(p200) == []

    h64 = auth.password_hash(p64)
    h200 = auth.password_hash(p200)

    assert auth.password_matches(h64, p64) is True
    assert auth.password_matches(h64, p64[:63] + "?") is False
    assert auth.password_matches(h200, p200) is True
    assert auth.password_matches(h200, p200[:199] + "Y") is False
    assert auth.password_matches(h200, p200[:72]) is False  # no bcrypt-style 72-byte cut


def test_no_hash_or_a_foreign_hash_never_matches() -> None:
    assert auth.password_matches(None, PASSWORD) is False
    assert auth.password_matches("not a hash at all", PASSWORD) is False
    assert auth.password_matches("", PASSWORD) is False


# ---------------------------------------------------------------- password rules


def test_length_fifteen_to_1024() -> None:
    assert problems("qwkd nvbz pelt") == [TOO_SHORT]  # 14 characters
    assert problems("qwkd nvbz pelts") == []  # 15
    exactly_max = ("lmnopqrstu" * 103)[:1024]
    assert len(exactly_max) == 1024
    assert problems(exactly_max) == []
    assert problems(exactly_max + "v") == [TOO_LONG]


def test_short_password_is_refused_with_an_invalid_input_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        auth.password_check("qwkd nvbz pelt", field="new_password")

    assert caught.value.fields == ("new_password",)
    assert caught.value.errors[0].message == TOO_SHORT
    auth.password_check("qwkd nvbz pelts", field="new_password")  # no exception


def test_no_composition_rule() -> None:
    """Lower-case letters only, no digit or symbol: fine when long and not predictable."""
    assert problems("correcthorsebatterystaple") == []
    assert problems("correct horse battery staple") == []


@pytest.mark.parametrize(
    "password",
    [
        "qazwsxedcrfvtgb",  # on the list as it is (15 characters)
        "QAZWSXEDCRFVTGB",  # case does not matter
        "password1234567",  # "password" with digits added
        "Password2024!!!",  # ... capitalised, with a year and punctuation
        "  dragon 12345!.",  # surrounding spaces, digits and dots are stripped too
    ],
)
def test_common_passwords_are_refused(password: str) -> None:
    assert "qazwsxedcrfvtgb" in auth.common_passwords()
    assert "password" in auth.common_passwords()
    assert problems(password) == [COMMON]


def test_common_word_inside_a_phrase_is_fine() -> None:
    """Only the whole password (give or take trailing digits) is compared with the list."""
    assert problems("my password is long enough") == []


def test_words_of_the_email_name_and_site_are_refused() -> None:
    assert problems("margarethe walks far today", email="Margarethe@example.org") == [PERSONAL]
    assert problems("ingrid climbs the mountain", display_name="Ingrid Bergman") == [PERSONAL]
    assert problems("my hsct diary entry", email="x@example.org") == [PERSONAL]
    assert problems("the navigator of ships") == [PERSONAL]
    # parts shorter than four letters are too common to refuse
    assert problems("bo and the long walk", email="bo@example.org", display_name="Bo Li") == []
    # another person's email is no problem
    assert problems("margarethe walks far today", email="ingrid@example.org") == []


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaaaaaaaaaaaa", "abababababababab", "abcdabcdabcdabcd", "1111222233334444"]
)
def test_repetition_is_refused(password: str) -> None:
    assert problems(password) == [REPEATS]


def test_five_different_characters_are_enough() -> None:
    assert problems("abcdeabcdeabcde") == []


def test_every_problem_is_reported_at_once() -> None:
    assert problems("hsct", email="hsct@example.org") == [TOO_SHORT, REPEATS, PERSONAL]


# ---------------------------------------------------------------- random tokens


def test_tokens_are_random_prefixed_and_stored_as_sha256() -> None:
    token = auth.token_new("hsct")
    other = auth.token_new("hsct")

    assert re.fullmatch(r"hsct_[A-Za-z0-9_-]{43}", token)
    assert token != other
    assert auth.token_digest(token) == hashlib.sha256(token.encode()).hexdigest()
    assert auth.token_digest("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_recovery_codes_are_ten_distinct_hand_copyable_codes() -> None:
    codes = auth.recovery_codes_new()

    assert len(codes) == 10
    assert len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(r"[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}", code)
    assert auth.recovery_code_normalise(" K7QM 3XWD-p2ta ") == "k7qm-3xwd-p2ta"


# ---------------------------------------------------------------- TOTP


def test_totp_code_matches_rfc_6238_test_vectors() -> None:
    """Appendix B of RFC 6238 (SHA-1), cut to the last six of its eight digits."""
    assert auth.totp_code(RFC_SEED, at=datetime.fromtimestamp(59, UTC)) == "287082"
    assert auth.totp_code(RFC_SEED, at=datetime.fromtimestamp(1111111109, UTC)) == "081804"
    assert auth.totp_code(RFC_SEED, at=datetime.fromtimestamp(2000000000, UTC)) == "279037"


def test_totp_accepts_the_current_code_and_returns_its_step() -> None:
    step = int(NOW.timestamp()) // 30
    code = auth.totp_code(RFC_SEED, at=NOW)

    assert auth.totp_accept(RFC_SEED, code, now=NOW, last_timecode=None) == step
    # anywhere inside the same 30 s
    assert auth.totp_accept(
        RFC_SEED, code, now=NOW + timedelta(seconds=29), last_timecode=None
    ) == (step)
    # spaces an app shows in the middle are ignored
    spaced = f"{code[:3]} {code[3:]}"
    assert auth.totp_accept(RFC_SEED, spaced, now=NOW, last_timecode=None) == step


def test_totp_code_works_once() -> None:
    step = int(NOW.timestamp()) // 30
    code = auth.totp_code(RFC_SEED, at=NOW)

    assert auth.totp_accept(RFC_SEED, code, now=NOW, last_timecode=step) is None
    # an older code is refused once a newer one was used
    earlier = auth.totp_code(RFC_SEED, at=NOW - timedelta(seconds=30))
    assert auth.totp_accept(RFC_SEED, earlier, now=NOW, last_timecode=step) is None
    # the next code still works
    later = auth.totp_code(RFC_SEED, at=NOW + timedelta(seconds=30))
    assert auth.totp_accept(RFC_SEED, later, now=NOW, last_timecode=step) == step + 1


def test_totp_allows_one_step_of_drift_either_way_and_no_more() -> None:
    step = int(NOW.timestamp()) // 30

    def code_at(seconds: int) -> str:
        return auth.totp_code(RFC_SEED, at=NOW + timedelta(seconds=seconds))

    codes = {offset: code_at(offset * 30) for offset in (-2, -1, 0, 1, 2)}
    assert len(set(codes.values())) == 5  # the fixed seed gives five different codes here

    def accept(code: str) -> int | None:
        return auth.totp_accept(RFC_SEED, code, now=NOW, last_timecode=None)

    assert accept(codes[-1]) == step - 1
    assert accept(codes[1]) == step + 1
    assert accept(codes[-2]) is None
    assert accept(codes[2]) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12345a", "abcdef", "１２３４５６"])
def test_totp_refuses_what_is_not_six_digits(code: str) -> None:
    assert auth.totp_accept(RFC_SEED, code, now=NOW, last_timecode=None) is None


def test_fullwidth_digits_of_the_right_code_are_refused() -> None:
    code = auth.totp_code(RFC_SEED, at=NOW)
    wide = "".join(chr(ord(ch) - ord("0") + ord("０")) for ch in code)
    assert auth.totp_accept(RFC_SEED, wide, now=NOW, last_timecode=None) is None


def test_totp_seed_seal_round_trip_and_wrong_key() -> None:
    key = b"site secret key, 32 bytes long!!"
    secret = auth.totp_secret_new()

    sealed = auth.secret_seal(secret, key)
    again = auth.secret_seal(secret, key)

    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert secret not in sealed
    assert sealed != again  # a fresh nonce each time
    assert auth.secret_unseal(sealed, key) == secret
    assert auth.secret_unseal(again, key) == secret
    assert auth.secret_unseal(sealed, b"another site's key") is None
    flipped = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    assert auth.secret_unseal(flipped, key) is None
    assert auth.secret_unseal("not base64 at all!", key) is None
    assert auth.secret_unseal("", key) is None


def test_totp_uri_names_the_site_and_the_account() -> None:
    uri = auth.totp_uri(RFC_SEED, account_label="alice@example.org")

    assert uri == (
        "otpauth://totp/HSCT%20Navigator:alice%40example.org"
        "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=HSCT%20Navigator"
    )
