"""Every visible string goes through gettext, and the Russian and Spanish catalogues cover it."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import ClassVar

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment

from hsct.common.i18n import SUPPORTED_LOCALES, translations

PACKAGE = Path(resources.files("hsct").joinpath(""))  # type: ignore[arg-type]
TEMPLATES = PACKAGE / "web" / "templates"
TRANSLATED = [locale for locale in SUPPORTED_LOCALES if locale != "en"]
LETTER = re.compile(r"[^\W\d_]")
# Attributes whose text a person reads or hears.
READ_ATTRIBUTES = {"alt", "title", "aria-label", "aria-description", "placeholder", "label"}


def _source_messages() -> set[str]:
    """Message ids found in the code and templates, exactly as `make messages` finds them."""
    method_map = [
        ("**.py", "python"),
        ("web/templates/**.html", "jinja2"),
        ("web/templates/mail/**.txt", "jinja2"),
    ]
    jinja = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}
    options = {"web/templates/**.html": jinja, "web/templates/mail/**.txt": jinja}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map, options_map=options, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(locale: str):  # type: ignore[no-untyped-def]
    path = PACKAGE / "locale" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po_file:
        return read_po(po_file, locale=locale)


def test_the_source_has_messages() -> None:
    """Extraction works at all (guards the tests below from passing on an empty set)."""
    messages = _source_messages()

    assert "Skip to main content" in messages
    assert "EDSS calculator" in messages  # marked with N_ in Python
    assert len(messages) > 40


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalogue_translates_every_message(locale: str) -> None:
    """Nothing in the code or templates is missing, empty or fuzzy in the catalogue."""
    catalog = _catalog(locale)
    translated = {
        (message.id if isinstance(message.id, str) else message.id[0])
        for message in catalog
        if message.id
        and message.string
        and "fuzzy" not in message.flags
        and (isinstance(message.string, str) or all(message.string))
    }

    assert sorted(_source_messages() - translated) == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalogue_has_no_stale_entries(locale: str) -> None:
    """Entries whose English no longer exists are removed (`make messages` does it)."""
    catalog = _catalog(locale)
    ids = {message.id if isinstance(message.id, str) else message.id[0] for message in catalog}

    assert sorted(ids - {""} - _source_messages()) == []
    assert not catalog.obsolete


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalogue_compiles_with_matching_placeholders(locale: str) -> None:
    """Babel's checks pass (placeholders like %(date)s kept) and the catalogue compiles."""
    catalog = _catalog(locale)
    problems = [(message.id, errors) for message, errors in catalog.check() if errors]
    write_mo(io.BytesIO(), catalog)

    assert problems == []
    assert translations(locale).gettext("Skip to main content") != "Skip to main content"


BRACES = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("locale", TRANSLATED)
def test_brace_placeholders_survive_translation(locale: str) -> None:
    """``{name}`` placeholders (used by Message templates) appear in every translation."""
    mismatched = [
        message.id
        for message in _catalog(locale)
        if isinstance(message.id, str)
        and message.string
        and sorted(BRACES.findall(message.id)) != sorted(BRACES.findall(str(message.string)))
    ]

    assert mismatched == []


class _VisibleText(HTMLParser):
    """Collects text a person would read, skipping <script>, <style> and translate="no"."""

    SKIP: ClassVar = frozenset({"script", "style"})
    VOID: ClassVar = frozenset(
        [
            "area",
            "base",
            "br",
            "col",
            "embed",
            "hr",
            "img",
            "input",
            "link",
            "meta",
            "source",
            "track",
            "wbr",
        ]
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.found: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = tag in self.SKIP or values.get("translate") == "no"
        if not self._skipping() and not skip:
            for name in READ_ATTRIBUTES & values.keys():
                if LETTER.search(values[name] or ""):
                    self.found.append(f'{name}="{values[name]}"')
            description = values.get("content") if values.get("name") == "description" else None
            if tag == "meta" and LETTER.search(description or ""):
                self.found.append(f'meta description "{description}"')
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._skipping() and LETTER.search(data):
            self.found.append(data.strip())


def _literal_markup(source: str) -> str:
    """The template's literal HTML outside ``{% trans %}`` blocks, expressions blanked out."""
    environment = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    parts: list[str] = []
    in_trans = False
    block: list[str] = []
    for _line, token_type, value in environment.lex(source):
        if token_type == "block_begin":
            block = []
        elif token_type == "name" and block == []:
            block.append(value)
            if value == "trans":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        elif token_type == "data" and not in_trans:
            parts.append(value)
        elif token_type == "variable_begin" and parts and parts[-1].endswith(("<", "</")):
            parts.append("span")  # a computed tag name, as in <{{ main_tag }} ...>
    return "".join(parts)


@pytest.mark.parametrize(
    "template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))
)
def test_no_template_text_is_outside_gettext(template: str) -> None:
    """Visible words in templates come from ``_()`` or ``{% trans %}``, never bare HTML."""
    parser = _VisibleText()
    parser.feed(_literal_markup((TEMPLATES / template).read_text(encoding="utf-8")))

    assert parser.found == []


def test_the_template_check_catches_bare_text() -> None:
    """The checker itself flags a bare sentence, a bare attribute, and ignores trans blocks."""
    parser = _VisibleText()
    parser.feed(
        _literal_markup(
            '<p>Hello there</p><img alt="A chart"><p>{% trans %}Fine{% endtrans %}</p>'
            '<cite translate="no">Muraro 2025</cite><p>{{ _("Also fine") }}</p>'
        )
    )

    assert parser.found == ["Hello there", 'alt="A chart"']


def test_russian_dates_never_end_in_a_double_full_stop() -> None:
    """A Russian long date ends in the abbreviation for "year" and its full stop: a
    sentence that ends with a date must not add a second full stop after it."""
    path = resources.files("hsct") / "locale" / "ru" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    doubled = [
        m.id
        for m in catalogue
        if isinstance(m.string, str) and re.search(r"%\((date|day)\)s\.$", m.string)
    ]
    assert doubled == []
