"""``hsct knowledge check``, ``hsct facilities list|show|compare`` and ``hsct legitimacy``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hsct.knowledge import catalog as catalog_module
from tests.cli.test_cli import run_hsct

DATA = Path(catalog_module.__file__).parent / "data"


def test_knowledge_check_passes_on_the_shipped_data(tmp_path: Path) -> None:
    """The bundled knowledge base is valid; the summary counts what it holds."""
    result = run_hsct("knowledge", "check", "--today", "2026-11-23", cwd=tmp_path)

    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert lines[0].startswith("Knowledge base is valid: 28 facilities, 33 rule sets, 24 drugs,")
    assert " 0 without a source," in lines[1]
    assert "Older than 3 years:" in result.stdout


def test_knowledge_check_json_lists_each_finding(tmp_path: Path) -> None:
    """JSON: counts and one record per stale, unsourced, unverified fact."""
    result = run_hsct("knowledge", "check", "--today", "2026-11-23", "--json", cwd=tmp_path)

    body = json.loads(result.stdout)
    assert body["valid"] is True
    assert body["counts"]["unsourced"] == 0 == len(body["unsourced"])
    assert body["counts"]["stale"] == len(body["stale"]) > 0
    assert all(r["src"] and r["date"] for r in body["stale"])


def test_knowledge_check_exits_non_zero_on_invalid_data(tmp_path: Path) -> None:
    """An unknown field in a facility file: exit 1, the file and field named."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    facility = data / "facilities" / "moscow-pirogov.yaml"
    facility.write_text(
        facility.read_text(encoding="utf-8").replace(
            "  city: Moscow\n", "  city: Moscow\n  colour: red\n"
        ),
        encoding="utf-8",
    )

    result = run_hsct("knowledge", "check", "--data", str(data), cwd=tmp_path)

    assert result.returncode == 1
    assert "facilities/moscow-pirogov.yaml" in result.stderr
    assert "colour: Extra inputs are not permitted" in result.stderr


def test_knowledge_check_reports_a_missing_folder(tmp_path: Path) -> None:
    """A wrong --data path is one clear line, exit 1."""
    result = run_hsct("knowledge", "check", "--data", str(tmp_path / "nope"), cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip().endswith("nope: no such folder")


def test_facilities_list_filters(tmp_path: Path) -> None:
    """EDSS 7, SPMS, unknown hidden: Artemis and Puebla, as JSON."""
    result = run_hsct(
        "facilities",
        "list",
        "--edss",
        "7",
        "--ms-type",
        "SPMS",
        "--hide-unknown",
        "--json",
        cwd=tmp_path,
    )

    assert [f["id"] for f in json.loads(result.stdout)] == [
        "gurugram-artemis",
        "puebla-clinica-ruiz",
    ]


def test_facilities_list_rejects_an_impossible_edss(tmp_path: Path) -> None:
    """EDSS 12 does not exist: exit 1 and one line naming the option."""
    result = run_hsct("facilities", "list", "--edss", "12", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip() == "Error: --edss: 12 is out of range (allowed: 0 to 10)"


def test_facilities_show_prints_each_fact_with_its_source(tmp_path: Path) -> None:
    """Pirogov: the 2016 price with the article it came from."""
    result = run_hsct("facilities", "show", "moscow-pirogov", cwd=tmp_path)

    assert result.returncode == 0
    assert "$45,000 (2016)" in result.stdout
    assert "HSCT for MS patients almost doubles in Moscow" in result.stdout
    assert "Legitimacy: Consistent with a legitimate aHSCT programme." in result.stdout


def test_facilities_show_json_dates_every_fact(tmp_path: Path) -> None:
    """In JSON every fact has an as-of date, its own or its source's."""
    result = run_hsct("facilities", "show", "chicago-northwestern", "--json", cwd=tmp_path)

    body = json.loads(result.stdout)
    assert body["id"] == "chicago-northwestern"
    assert body["status"]["as_of"]
    assert all(q["as_of"] for q in body["costs"])


def test_facilities_show_unknown_id(tmp_path: Path) -> None:
    """A wrong id names the argument and where to find ids."""
    result = run_hsct("facilities", "show", "nope", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: FACILITY_ID: unknown facility 'nope' (allowed: an id from `hsct facilities list`)"
    )


def test_facilities_compare(tmp_path: Path) -> None:
    """Two facilities side by side; one alone is refused."""
    good = run_hsct("facilities", "compare", "moscow-pirogov", "puebla-clinica-ruiz", cwd=tmp_path)
    bad = run_hsct("facilities", "compare", "moscow-pirogov", cwd=tmp_path)

    assert good.returncode == 0
    assert "moscow-pirogov" in good.stdout
    assert "puebla-clinica-ruiz" in good.stdout
    assert bad.returncode == 1
    assert bad.stderr.strip() == "Error: FACILITY_IDS: 1 given (allowed: 2 to 4 facilities)"


def test_legitimacy_answers_give_a_verdict(tmp_path: Path) -> None:
    """The EUR 15,500 offer, answered on the command line: not aHSCT."""
    result = run_hsct(
        "legitimacy",
        "--answer",
        "chemotherapy=no",
        "--answer",
        "cells=mesenchymal",
        "--json",
        cwd=tmp_path,
    )

    body = json.loads(result.stdout)
    assert body["verdict"] == "not_ahsct"
    assert [f["id"] for f in body["red_flags"]] == ["no_chemotherapy", "non_haematopoietic_product"]


def test_legitimacy_of_a_listed_facility(tmp_path: Path) -> None:
    """`--facility` rates a listed clinic from its facts."""
    result = run_hsct("legitimacy", "--facility", "moscow-pirogov", cwd=tmp_path)

    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "Consistent with a legitimate aHSCT programme."


def test_legitimacy_rejects_an_unknown_question(tmp_path: Path) -> None:
    """`--answer price=15500` is not a question: exit 1, the allowed questions listed."""
    result = run_hsct("legitimacy", "--answer", "price=15500", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith("Error: --answer price: is not a question of the questionnaire")


def test_legitimacy_asks_again_after_an_unknown_reply(tmp_path: Path) -> None:
    """`--ask`: a reply outside the choices is asked again, never a crash."""
    result = run_hsct(
        "legitimacy",
        "--ask",
        "--answer",
        "cells=unsure",
        cwd=tmp_path,
        stdin="perhaps\nno\n" + "\n" * 17,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Does the treatment include chemotherapy") == 2
    assert "This is not aHSCT, or not a programme to trust." in result.stdout
