"""Write the translation template of the knowledge base's free text (the ``data`` domain).

``make messages`` runs it, then updates ``src/hsct/locale/<lang>/LC_MESSAGES/data.po``
from the template with ``pybabel update``. Each entry carries, as an extracted comment,
the file and field where the text first occurs, so a translator can read it in context::

    python scripts/data_texts_pot.py OUTPUT.pot
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog as PoCatalog
from babel.messages.pofile import write_po

from hsct.common.i18n import DATA_DOMAIN
from hsct.knowledge import load_catalog
from hsct.knowledge.texts import reader_texts


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("Error: give one argument, the .pot file to write\n")
        return 2
    template = PoCatalog(domain=DATA_DOMAIN, project="HSCT Navigator", fuzzy=False)
    texts = reader_texts(load_catalog())
    for text, where in texts.items():
        message = template.add(text, auto_comments=[where])
        # "83% in" is prose, not a format string: data texts are never %-formatted.
        message.flags.discard("python-format")
    with Path(argv[0]).open("wb") as pot:
        write_po(pot, template, width=100, no_location=True, sort_output=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
