"""Reading ease of a text in English, Russian or Spanish: one Flesch-type score each.

All three are 206.835 minus a cost per word of sentence length (ASL, words per sentence)
and per syllable of word length (ASW, syllables per word); higher is easier.

* English, Flesch Reading Ease: 206.835 - 1.015 ASL - 84.6 ASW (Flesch R. A new
  readability yardstick. J Appl Psychol 1948;32(3):221-233). 60-70 is "plain English".
* Russian, Oborneva's adaptation: 206.835 - 1.3 ASL - 60.1 ASW (Oborneva IV. Automated
  assessment of the complexity of school texts from statistical parameters, PhD thesis,
  Moscow 2006; constants as used by Yoast's and ruTS's Russian scorers: not checked
  against the thesis). No validated band exists; this project holds Russian to 55, its
  own choice (docs/readability.md).
* Spanish, Szigriszt-Pazos perspicuity read on the INFLESZ scale: 206.835 - ASL -
  62.3 ASW (Szigriszt Pazos F., thesis, Madrid 1993; Barrio-Cantalejo IM et al. Validación
  de la Escala INFLESZ. An Sist Sanit Navar 2008;31(2):135-152). 55-65 is "normal";
  over 55 is the usual target for patient information.

Syllables are counted by rule, not from a dictionary: Russian by its vowel letters,
Spanish by vowel nuclei (a diphthong is one syllable, two strong vowels are two), English
by vowel groups less a silent final "e". The scores are a screening measure for plain
language, not a test of understanding.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Final

#: Per language: (sentence-length weight, word-length weight).
WEIGHTS: Final = {"en": (1.015, 84.6), "ru": (1.3, 60.1), "es": (1.0, 62.3)}
#: The plain-language target per language (see docs/readability.md).
TARGET: Final = {"en": 60.0, "ru": 55.0, "es": 55.0}

_WORD: Final = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SENTENCE_END: Final = re.compile(r"[.!?…]+(?=\s|$)|[\n\r]+|[;:](?=\s)")
_RU_VOWELS: Final = frozenset("аеёиоуыэюя")
_ES_STRONG: Final = frozenset("aeoáéóíú")
_ES_WEAK: Final = frozenset("iuü")
_EN_VOWELS: Final = re.compile(r"[aeiouy]+")


@dataclass(frozen=True, slots=True)
class Reading:
    """Counts and score of one text."""

    lang: str
    sentences: int
    words: int
    syllables: int
    score: float

    @property
    def words_per_sentence(self) -> float:
        """Average sentence length (ASL)."""
        return self.words / self.sentences if self.sentences else 0.0

    @property
    def syllables_per_word(self) -> float:
        """Average word length in syllables (ASW)."""
        return self.syllables / self.words if self.words else 0.0

    @property
    def meets_target(self) -> bool:
        """At or above the language's plain-language target."""
        return self.score >= TARGET[self.lang]


def syllables(word: str, lang: str) -> int:
    """The syllables of one word, by rule; at least 1.

    Examples
    --------
    >>> syllables("трансплантация", "ru"), syllables("стволовых", "ru")
    (5, 3)
    >>> syllables("quimioterapia", "es"), syllables("león", "es"), syllables("María", "es")
    (5, 2, 3)
    >>> syllables("treatment", "en"), syllables("make", "en"), syllables("table", "en")
    (2, 1, 2)
    """
    text = word.casefold()
    if lang == "ru":
        return max(1, sum(1 for ch in text if ch in _RU_VOWELS))
    if lang == "es":
        return _spanish_syllables(text)
    return _english_syllables(unicodedata.normalize("NFKD", text))


def _spanish_syllables(word: str) -> int:
    text = re.sub(r"(?<=[qg])u(?=[eiéí])", "", word)  # silent u in que, qui, gue, gui
    text = re.sub(r"y$", "i", text)  # hoy, muy: a final y is a vowel
    text = re.sub(r"y(?=[^aeiouáéíóúü]|$)", "i", text)
    text = text.replace("h", "")  # a silent h does not split vowels
    count = 0
    previous: str | None = None
    for ch in text:
        if ch in _ES_STRONG or ch in _ES_WEAK:
            if previous is None:
                count += 1
            elif previous in _ES_STRONG and ch in _ES_STRONG:
                count += 1  # hiatus: le-ón, Ma-rí-a
            previous = ch
        else:
            previous = None
    return max(1, count)


def _english_syllables(word: str) -> int:
    letters = re.sub(r"[^a-z]", "", word)
    if not letters:
        return 1
    count = len(_EN_VOWELS.findall(letters))
    if letters.endswith("e") and not letters.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(1, count)


def words(text: str) -> list[str]:
    """The words of ``text`` (letters only; numbers are not words here)."""
    return _WORD.findall(text)


def reading(text: str, lang: str) -> Reading:
    """Count sentences, words and syllables in ``text`` and score it for ``lang``.

    A sentence ends at . ! ? … followed by a space, at a line break, or at a semicolon or
    colon followed by a space, so that lists and headings count as short sentences.

    Examples
    --------
    >>> r = reading("The cat sat on the mat. It was happy.", "en")
    >>> (r.sentences, r.words, r.syllables, round(r.score, 1))
    (2, 9, 10, 108.3)
    """
    if lang not in WEIGHTS:
        raise ValueError(f"no readability formula for language {lang!r}")
    found = words(text)
    if not found:
        return Reading(lang, 0, 0, 0, 0.0)
    pieces = [piece for piece in _SENTENCE_END.split(text) if words(piece)]
    sentence_count = max(1, len(pieces))
    syllable_count = sum(syllables(word, lang) for word in found)
    length_weight, syllable_weight = WEIGHTS[lang]
    score = (
        206.835
        - length_weight * len(found) / sentence_count
        - syllable_weight * syllable_count / len(found)
    )
    return Reading(lang, sentence_count, len(found), syllable_count, score)


#: Elements whose text is not prose a person reads as sentences: code, pictures, forms'
#: machinery, navigation, and tables of numbers.
_SKIPPED_TAGS: Final = frozenset(
    {"script", "style", "svg", "nav", "header", "footer", "select", "table", "button", "title"}
)
#: Classes whose text is left out: citations ("prov"), which are references, not prose.
_SKIPPED_CLASSES: Final = frozenset({"prov", "no-readability"})
_BLOCK_TAGS: Final = frozenset(
    {
        "p",
        "li",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "div",
        "section",
        "article",
        "figcaption",
        "legend",
        "label",
        "summary",
        "br",
        "tr",
        "blockquote",
        "main",
    }
)
_VOID_TAGS: Final = frozenset({"br", "img", "input", "meta", "link", "hr", "source", "wbr"})


class _Prose(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth_skipped = 0
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []
        self.in_main = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.in_main = True
        if tag in _VOID_TAGS:
            if tag == "br":
                self.parts.append("\n")
            return
        classes = set((dict(attrs).get("class") or "").split())
        skip = tag in _SKIPPED_TAGS or bool(classes & _SKIPPED_CLASSES)
        self.stack.append((tag, skip))
        self.depth_skipped += skip
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        # Close back to the matching open tag, so that end tags HTML lets a page omit
        # (</td>, </tr>, </li>) cannot unbalance the count of skipped elements.
        if tag in _VOID_TAGS or tag not in (name for name, _ in self.stack):
            return
        while self.stack:
            name, skipped = self.stack.pop()
            self.depth_skipped -= skipped
            if name == tag:
                break
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "main":
            self.in_main = False

    def handle_data(self, data: str) -> None:
        if self.in_main and not self.depth_skipped:
            self.parts.append(data)


def prose(html: str) -> str:
    """The sentences a person reads in a page's ``<main>``: citations, navigation,
    pictures, buttons and tables of numbers left out; one line per block.

    Examples
    --------
    >>> prose('<main><h1>Title</h1><p>Text <span class="prov">Source</span></p></main>')
    'Title\\nText'
    >>> prose('<main><table><tr><td>12</table><p>Hello world.</p></main>')
    'Hello world.'
    """
    parser = _Prose()
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)
