"""Glossary links: each glossary term linked to its entry the first time it appears on a
page, in the page's language (issue 18).

:class:`hsct.web.templating.Pages` gives every page a fresh ``gloss`` function, so that
"first time" means once per rendered page, whichever template the text is in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

from hsct.common.i18n import data_translations
from hsct.knowledge.guide import link_terms, term_pattern
from hsct.knowledge.schema import Guide


@dataclass(frozen=True, slots=True)
class _Terms:
    pattern: re.Pattern[str] | None
    index: Mapping[str, str]


#: Built once per language and knowledge base (the guide is immutable but not hashable).
_TERMS: dict[tuple[str, int], tuple[Guide, _Terms]] = {}


def _terms(locale: str, guide: Guide) -> _Terms:
    """The glossary's words in ``locale`` (each term and its other forms, translated)."""
    cached = _TERMS.get((locale, id(guide)))
    if cached is not None and cached[0] is guide:
        return cached[1]
    catalogue = data_translations(locale)
    pairs: list[tuple[str, str]] = []
    for term in guide.glossary:
        for word in (term.term, *term.also):
            pairs.append((term.id, catalogue.gettext(word)))
            pairs.append((term.id, word))  # English abbreviations stay in every language
    index = {word.casefold(): term_id for term_id, word in reversed(pairs)}
    terms = _Terms(term_pattern(pairs), index)
    if len(_TERMS) >= 16:  # another knowledge base (tests load copies): start again
        _TERMS.clear()
    _TERMS[(locale, id(guide))] = (guide, terms)
    return terms


def glosser(locale: str, guide: Guide) -> Callable[[str], Markup]:
    """A function for one page: text in, escaped HTML out, each glossary term linked the
    first time it appears on the page."""
    terms = _terms(locale, guide)
    seen: set[str] = set()

    def gloss(text: str) -> Markup:
        parts = []
        for piece, term_id in link_terms(text, terms.pattern, terms.index, seen):
            if term_id is None:
                parts.append(escape(piece))
            else:
                parts.append(
                    Markup('<a class="term" href="/glossary#term-{}">{}</a>').format(term_id, piece)
                )
        return Markup("").join(parts)

    return gloss
