"""Languages: English (the source language), Russian and Spanish.

Catalogues live as ``hsct/locale/<lang>/LC_MESSAGES/messages.po``. They are compiled
in memory the first time a language is used, so no generated ``.mo`` file is kept in
the repository or needs a build step.

Strings in Python code that a person will read are marked with :func:`N_` (no
translation at definition time) and translated where they are shown.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Final, cast

SUPPORTED_LOCALES: Final = ("en", "ru", "es")
DEFAULT_LOCALE: Final = "en"
#: Each language named in itself, so a person can find their own.
LANGUAGE_NAMES: Final = {"en": "English", "ru": "Русский", "es": "Español"}
CATALOGUE_DOMAIN: Final = "messages"
#: The knowledge base's free text (notes, quoted criteria, findings): hsct.knowledge.texts.
DATA_DOMAIN: Final = "data"


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark ``message`` for extraction without translating it now."""
    return message


def normalise_locale(tag: str | None) -> str | None:
    """Map a language tag (``ru-RU``, ``es_MX``, ``EN``) to a supported locale, or None.

    Examples
    --------
    >>> normalise_locale("es-MX"), normalise_locale("de"), normalise_locale(None)
    ('es', None, None)
    """
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in SUPPORTED_LOCALES else None


#: Languages without a catalogue whose speakers usually read one of ours better than
#: English (issue 19): Russian where it is widely read (Ukrainian, Belarusian, Kazakh,
#: Kyrgyz), Spanish for Catalan, Galician and Portuguese. A neighbour counts like its
#: catalogue at the same weight, after an exact match of equal weight; the language
#: buttons change it, and the choice is remembered.
NEIGHBOURS: Final[Mapping[str, str]] = MappingProxyType(
    {"uk": "ru", "be": "ru", "kk": "ru", "ky": "ru", "ca": "es", "gl": "es", "pt": "es"}
)


def negotiate_locale(accept_language: str | None) -> str | None:
    """Pick the supported locale a browser prefers most, from an ``Accept-Language`` header.

    Follows RFC 9110 §12.5.4: entries are ranked by their ``q`` weight (default 1),
    ties keep the order given, and ``q=0`` means "not acceptable". A language we have no
    catalogue for stands for its neighbour (:data:`NEIGHBOURS`) at its own weight; at equal
    weight an exact match wins.

    Examples
    --------
    >>> negotiate_locale("de-DE,de;q=0.9,ru;q=0.8,en;q=0.7")
    'ru'
    >>> negotiate_locale("fr, *;q=0.1") is None
    True
    >>> negotiate_locale("uk-UA,uk;q=0.9,en-US;q=0.8,en;q=0.7"), negotiate_locale("pt-BR")
    ('ru', 'es')
    >>> negotiate_locale("ca, en")
    'en'
    """
    if not accept_language:
        return None
    ranked: list[tuple[float, int, int, str]] = []
    for index, entry in enumerate(accept_language.split(",")[:50]):
        tag, _, params = entry.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if not weight > 0:
            continue
        exact = normalise_locale(tag)
        if exact is not None:
            ranked.append((-weight, 0, index, exact))
            continue
        primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
        if primary in NEIGHBOURS:
            ranked.append((-weight, 1, index, NEIGHBOURS[primary]))
    return min(ranked)[3] if ranked else None


def translations(locale: str) -> gettext.NullTranslations:
    """The interface's compiled catalogue for ``locale`` (English needs none: it is the source).

    Raises
    ------
    ValueError
        For a locale that is not supported.
    """
    return _compiled(locale, CATALOGUE_DOMAIN)


def data_translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalogue of the knowledge base's free text for ``locale``.

    Raises
    ------
    ValueError
        For a locale that is not supported.
    """
    return _compiled(locale, DATA_DOMAIN)


@lru_cache(maxsize=2 * len(SUPPORTED_LOCALES))
def _compiled(locale: str, domain: str) -> gettext.NullTranslations:
    """The catalogue ``domain`` for ``locale``, compiled in memory.

    Raises
    ------
    ValueError
        For a locale that is not supported.
    """
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}; supported: {SUPPORTED_LOCALES}")
    if locale == DEFAULT_LOCALE:
        return gettext.NullTranslations()
    # Babel only when a catalogue is compiled: the command line's start (and --help) and
    # English pages never need it (about 50 ms of imports).
    from babel.messages.mofile import write_mo  # noqa: PLC0415
    from babel.messages.pofile import read_po  # noqa: PLC0415
    from babel.support import Translations  # noqa: PLC0415

    source = resources.files("hsct") / "locale" / locale / "LC_MESSAGES" / f"{domain}.po"
    with source.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return cast(gettext.NullTranslations, Translations(fp=compiled, domain=domain))
