"""Choosing and loading languages."""

from __future__ import annotations

import pytest

from hsct.common.i18n import (
    DEFAULT_LOCALE,
    SUPPORTED_LOCALES,
    negotiate_locale,
    normalise_locale,
    translations,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(None, None, id="missing"),
        pytest.param("", None, id="empty"),
        pytest.param("ru", "ru", id="plain"),
        pytest.param("es-419", "es", id="region"),
        pytest.param("de-DE,de;q=0.9,ru;q=0.8,en;q=0.7", "ru", id="first-supported"),
        pytest.param("en;q=0.2, es;q=0.8", "es", id="weights-beat-order"),
        pytest.param("ru, es", "ru", id="ties-keep-order"),
        pytest.param("ru;q=0, es;q=0.1", "es", id="q-zero-is-refusal"),
        pytest.param("ru;q=abc, es;q=0.1", "es", id="bad-weight-ignored"),
        pytest.param("fr, *;q=0.5", None, id="nothing-supported"),
        pytest.param("EN-us", "en", id="case"),
        pytest.param("uk-UA,uk;q=0.9,en-US;q=0.8,en;q=0.7", "ru", id="ukrainian-reads-russian"),
        pytest.param("be", "ru", id="belarusian"),
        pytest.param("kk-KZ, de;q=0.5", "ru", id="kazakh"),
        pytest.param("pt-BR,pt;q=0.9", "es", id="portuguese-reads-spanish"),
        pytest.param("gl", "es", id="galician"),
        pytest.param("ca, en", "en", id="equal-weight-exact-wins"),
        pytest.param("ca;q=0.9, en;q=0.5", "es", id="neighbour-by-its-weight"),
        pytest.param("uk;q=0.3, es;q=0.8", "es", id="weights-still-rule"),
        pytest.param("fr, it", None, id="no-neighbour"),
    ],
)
def test_negotiate_locale(header: str | None, expected: str | None) -> None:
    """The preferred supported language wins, per RFC 9110 weights."""
    assert negotiate_locale(header) == expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("ru_RU", "ru"), (" es ", "es"), ("pt-BR", None), ("", None), (None, None)],
)
def test_normalise_locale(tag: str | None, expected: str | None) -> None:
    """Tags are reduced to their primary language."""
    assert normalise_locale(tag) == expected


def test_english_is_the_source_language() -> None:
    """English needs no catalogue: the message ids are the English text."""
    assert translations(DEFAULT_LOCALE).gettext("Facilities") == "Facilities"


@pytest.mark.parametrize(("locale", "expected"), [("ru", "Клиники"), ("es", "Centros")])
def test_catalogues_translate(locale: str, expected: str) -> None:
    """The compiled catalogues answer in their language."""
    assert translations(locale).gettext("Facilities") == expected


def test_unsupported_locale_is_refused() -> None:
    """Asking for a language we do not ship is a programming error, said clearly."""
    with pytest.raises(ValueError, match="unsupported locale 'de'"):
        translations("de")
    assert "de" not in SUPPORTED_LOCALES
