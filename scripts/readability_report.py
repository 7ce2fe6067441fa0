"""Measure the reading ease of the decision aid's pages in each language and write the
table into ``docs/readability.md`` (between the ``readability-table`` markers)::

    python scripts/readability_report.py          # rewrite the table
    python scripts/readability_report.py --check  # exit 1 when the table is out of date

``tests/web/test_guide_pages.py`` runs the same measurement and fails when the table in the
docs differs or a page falls below its language's target.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi.testclient import TestClient

from hsct.common.readability import TARGET, Reading, prose, reading
from hsct.web.app import create_app

PAGES = ("/guide", "/glossary", "/decide", "/about")
LANGUAGES = ("en", "ru", "es")
DOC = Path(__file__).resolve().parents[1] / "docs" / "readability.md"
START, END = "<!-- readability-table -->", "<!-- /readability-table -->"


def measure() -> dict[tuple[str, str], Reading]:
    """Each page's prose in each language, measured."""
    client = TestClient(create_app())
    found = {}
    for lang in LANGUAGES:
        for page in PAGES:
            html = client.get(page, headers={"Accept-Language": lang}).text
            found[(page, lang)] = reading(prose(html), lang)
    return found


def table(found: dict[tuple[str, str], Reading]) -> str:
    """The Markdown table of scores, with words per sentence and syllables per word."""
    lines = [
        "| Page | Language | Score | Target | Words | Words per sentence | Syllables per word |",
        "|---|---|---|---|---|---|---|",
    ]
    for (page, lang), r in found.items():
        verdict = "meets" if r.meets_target else "below"
        lines.append(
            f"| `{page}` | {lang} | {r.score:.1f} | {TARGET[lang]:.0f} ({verdict}) | {r.words} "
            f"| {r.words_per_sentence:.1f} | {r.syllables_per_word:.2f} |"
        )
    return "\n".join(lines)


def with_table(document: str, rendered: str) -> str:
    """``document`` with the text between the markers replaced by ``rendered``."""
    head, rest = document.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{rendered}\n{END}{tail}"


def main(argv: list[str]) -> int:
    document = DOC.read_text(encoding="utf-8")
    updated = with_table(document, table(measure()))
    if "--check" in argv:
        if updated != document:
            sys.stderr.write(f"Error: {DOC} is out of date; run scripts/readability_report.py\n")
            return 1
        return 0
    DOC.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
