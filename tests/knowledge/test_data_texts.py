"""The knowledge base's free text exists in Russian and Spanish, numbers intact (issue 19)."""

from __future__ import annotations

from importlib import resources

import pytest
from babel.messages.catalog import Catalog as PoCatalog
from babel.messages.pofile import read_po

from hsct.common.i18n import DATA_DOMAIN, data_translations
from hsct.knowledge import load_catalog
from hsct.knowledge.texts import numbers, reader_texts

TRANSLATED = ("ru", "es")


def _po(locale: str) -> PoCatalog:
    path = resources.files("hsct") / "locale" / locale / "LC_MESSAGES" / f"{DATA_DOMAIN}.po"
    with path.open("rb") as po_file:
        return read_po(po_file, locale=locale, domain=DATA_DOMAIN)


def test_reader_texts_are_the_free_text_and_nothing_else() -> None:
    catalog = load_catalog()
    texts = reader_texts(catalog)

    pirogov = catalog.facilities["moscow-pirogov"]
    assert pirogov.washout.note in texts
    assert texts[pirogov.washout.note] == "facilities/moscow-pirogov.washout.note"
    assert catalog.rulesets["astct-2019"].title in texts
    assert catalog.drugs["interferon-beta"].name in texts
    assert all(n.value in texts for n in pirogov.notes)
    # Ids, codes, source ids, URLs, brand names and proper names are not for translation.
    for not_text in ("moscow-pirogov", "accepting_patients", "cohen-2019", "Lemtrada", "Moscow"):
        assert not_text not in texts
    assert not any(text.startswith("http") for text in texts)
    assert len(texts) > 300


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_data_text_is_translated(locale: str) -> None:
    """The count of untranslated data strings is zero in each language."""
    po = _po(locale)
    translated = {m.id for m in po if m.id and m.string and not m.fuzzy}
    missing = [text for text in reader_texts(load_catalog()) if text not in translated]

    assert not missing, f"{len(missing)} untranslated in {locale}, e.g. {missing[:3]}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_every_number(locale: str) -> None:
    """A dose, age, EDSS, percentage or year changed in translation is a clinical error."""
    changed = [
        (m.id, m.string)
        for m in _po(locale)
        if m.id and isinstance(m.string, str) and m.string and numbers(m.id) != numbers(m.string)
    ]

    assert not changed


@pytest.mark.parametrize("locale", TRANSLATED)
def test_the_catalogue_holds_no_stale_entries(locale: str) -> None:
    """Every entry is a text the data still hold (``make messages`` drops the others)."""
    texts = reader_texts(load_catalog())

    assert [m.id for m in _po(locale) if m.id and m.id not in texts] == []


def test_numbers_ignore_separators_but_not_digits() -> None:
    assert numbers("3-6 months; EDSS 5.5; US$33,000") == ["3", "6", "55", "33000"]
    assert numbers("3–6 месяцев; EDSS 5,5; 33 000 долларов США") == ["3", "6", "55", "33000"]
    assert numbers("EDSS 6.5") != numbers("EDSS 5,5")
    assert numbers("under 45") != numbers("младше 55")


def test_drugs_are_found_by_russian_brand_and_name() -> None:
    catalog = load_catalog()
    ocrelizumab = catalog.drugs["ocrelizumab"]
    russian_name = data_translations("ru").gettext(ocrelizumab.name)

    assert russian_name != ocrelizumab.name
    for name in ("Окревус", "окревус", "ОКРЕВУС", russian_name, "Ocrevus", "ocrelizumab"):
        assert catalog.find_drug(name) is ocrelizumab, name
    assert catalog.find_drug("Лемтрада") is catalog.drugs["alemtuzumab"]
    assert catalog.find_drug("Тизабри") is catalog.drugs["natalizumab"]


def test_brands_for_a_language_add_its_script_once() -> None:
    drug = load_catalog().drugs["interferon-beta"]

    assert drug.brands_for("en") == drug.brands
    russian = drug.brands_for("ru")
    assert russian[: len(drug.brands)] == drug.brands
    assert "Авонекс" in russian
    assert len(set(russian)) == len(russian)
