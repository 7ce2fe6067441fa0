"""Reading-ease scores: syllable rules per language and the three published formulas."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hsct.common.readability import TARGET, WEIGHTS, reading, syllables


@pytest.mark.parametrize(
    ("word", "lang", "count"),
    [
        ("рассеянный", "ru", 4),
        ("склероз", "ru", 2),
        ("ёлка", "ru", 2),
        ("подъезд", "ru", 2),
        ("esclerosis", "es", 4),
        ("trasplante", "es", 3),
        ("autólogo", "es", 4),  # au- is one syllable (a diphthong)
        ("leucemia", "es", 3),  # leu-ce-mia: two diphthongs
        ("país", "es", 2),  # í breaks the diphthong
        ("queso", "es", 2),  # the u of "que" is silent
        ("hoy", "es", 1),
        ("ahora", "es", 3),  # a silent h does not join a-o
        ("stem", "en", 1),
        ("chemotherapy", "en", 5),
        ("disease", "en", 2),
        ("people", "en", 2),
    ],
)
def test_syllables_by_rule(word: str, lang: str, count: int) -> None:
    assert syllables(word, lang) == count


def test_the_three_formulas() -> None:
    en = reading("Stem cells help. The drug is strong.", "en")
    ru = reading("Это лечение. Оно помогает людям.", "ru")
    es = reading("El tratamiento ayuda. Es fuerte.", "es")

    # en: 7 words of one syllable each, 2 sentences
    assert (en.words, en.sentences, en.syllables) == (7, 2, 7)
    assert en.score == pytest.approx(206.835 - 1.015 * 7 / 2 - 84.6 * 7 / 7)
    # ru: это(2) лечение(4) оно(2) помогает(4) людям(2): 14 syllables in 5 words
    assert (ru.words, ru.sentences, ru.syllables) == (5, 2, 14)
    assert ru.score == pytest.approx(206.835 - 1.3 * 5 / 2 - 60.1 * 14 / 5)
    # es: el(1) tratamiento(4) ayuda(3) es(1) fuerte(2): 11 syllables in 5 words
    assert (es.words, es.sentences, es.syllables) == (5, 2, 11)
    assert es.score == pytest.approx(206.835 - 5 / 2 - 62.3 * 11 / 5)


def test_lists_and_headings_count_as_sentences() -> None:
    assert reading("Tests before treatment\nWhat happens\nDoctors check you.", "en").sentences == 3


def test_an_empty_text_and_an_unknown_language() -> None:
    assert reading("", "en").words == 0
    assert reading("12 345", "ru").score == 0.0
    with pytest.raises(ValueError, match="no readability formula"):
        reading("text", "de")


@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюя .,\n", max_size=200))
def test_longer_words_never_read_easier(text: str) -> None:
    """The score falls as the same words get more syllables (a property of every formula)."""
    plain = reading(text, "ru")
    if plain.words == 0:
        return
    longer = reading(text.replace("а", "аа"), "ru")
    assert longer.score <= plain.score + 1e-9


def test_every_language_has_a_formula_and_a_target() -> None:
    assert set(WEIGHTS) == set(TARGET) == {"en", "ru", "es"}
