"""``hsct outcomes``: events, NEDA and curves from CSV files; bad rows stop the run, named."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from hsct.outcomes.synthetic import generate
from tests.cli.test_cli import run_hsct


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("csv")
    data = generate(120, seed=5)
    for name in ("visits", "relapses", "mri", "patients"):
        getattr(data, name).to_csv(folder / f"{name}.csv", index=False, date_format="%Y-%m-%d")
    return folder


def inputs(folder: Path, *names: str) -> list[str]:
    return [arg for n in names for arg in (f"--{n}", str(folder / f"{n}.csv"))]


def test_progression_writes_events_and_prints_a_summary(files: Path, tmp_path: Path) -> None:
    out = tmp_path / "events.csv"
    result = run_hsct(
        "outcomes",
        "progression",
        *inputs(files, "visits", "relapses"),
        "--event",
        "multiple",
        "--baseline",
        "roving",
        "--raw-pira",
        "--explain",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    events = pd.read_csv(out)
    assert list(events.columns[:8]) == [
        "patient_id",
        "event",
        "onset_date",
        "edss",
        "baseline_date",
        "baseline_edss",
        "confirmation_date",
        "type",
    ]
    assert set(events["type"].dropna()) <= {"PIRA", "RAW", "undefined"}
    assert (
        events["explanation"].str.startswith(("Worsening from EDSS", "Improvement from EDSS")).all()
    )
    assert f"│ CDW events        │ {int((events['event'] == 'CDW').sum()):>5} │" in result.stdout


def test_progression_json_lists_options_and_sources(files: Path, tmp_path: Path) -> None:
    result = run_hsct(
        "outcomes",
        "progression",
        *inputs(files, "visits", "relapses"),
        "--preset",
        "pymsprog-1.0.7",
        "--conf-days",
        "168",
        "--conf-tol",
        "7,inf",
        "--json",
        cwd=tmp_path,
    )
    body = json.loads(result.stdout)
    assert body["options"]["threshold"] == "pymsprog"
    assert body["options"]["conf_tol_days"] == [7, "inf"]
    assert body["patients"] == 120
    assert len(body["events"]) == body["counts"]["CDW events"]
    assert any("msprog" in s["label"] for s in body["sources"])


def test_bad_rows_stop_the_run_unless_skipped(tmp_path: Path) -> None:
    (tmp_path / "v.csv").write_text(
        "patient_id,date,edss\na,2020-01-01,2.0\na,2020-13-01,3.0\na,2020-07-01,3.3\n"
        "a,2021-01-01,3.0\na,2021-07-01,3.0\n",
        encoding="utf-8",
    )
    result = run_hsct("outcomes", "progression", "--visits", "v.csv", cwd=tmp_path)
    assert result.returncode == 1
    assert "visits row 3 (patient a): date '2020-13-01' is not a date" in result.stderr
    assert "visits row 4 (patient a): edss '3.3' is not on the EDSS grid" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: 2 input rows cannot be used")

    skipped = run_hsct(
        "outcomes",
        "progression",
        "--visits",
        "v.csv",
        "--skip-invalid",
        "--report",
        "r.csv",
        cwd=tmp_path,
    )
    assert skipped.returncode == 0, skipped.stderr
    assert pd.read_csv(tmp_path / "r.csv")["row"].tolist() == [3, 4]
    assert skipped.stdout.splitlines()[0].startswith("patient_id,event,onset_date")


def test_bad_option_is_named(files: Path, tmp_path: Path) -> None:
    result = run_hsct(
        "outcomes", "progression", *inputs(files, "visits"), "--baseline", "rolling", cwd=tmp_path
    )
    assert result.returncode == 1
    assert (
        "--baseline: unknown value 'rolling' (allowed: fixed, roving, roving_impr, roving_wors)"
        in result.stderr
    )


def test_neda_and_km(files: Path, tmp_path: Path) -> None:
    neda = run_hsct(
        "outcomes",
        "neda",
        *inputs(files, "visits", "relapses", "mri", "patients"),
        "--rebaseline-months",
        "6",
        "--out",
        "neda.csv",
        cwd=tmp_path,
    )
    assert neda.returncode == 0, neda.stderr
    frame = pd.read_csv(tmp_path / "neda.csv")
    assert len(frame) == 120
    assert set(frame["durable_remission"]) <= {"yes", "no", "not yet known"}

    km = run_hsct(
        "outcomes",
        "km",
        *inputs(files, "visits", "relapses", "mri", "patients"),
        "--by",
        "facility",
        "--out",
        "curves.svg",
        "--table",
        "km.csv",
        "--json",
        cwd=tmp_path,
    )
    assert km.returncode == 0, km.stderr
    body = json.loads(km.stdout)
    assert {e["years"] for e in body["estimates"]} == {1, 2, 3, 5, 10}
    assert (tmp_path / "curves.svg").read_text(encoding="utf-8").startswith("<?xml")

    wrong = run_hsct(
        "outcomes",
        "km",
        *inputs(files, "visits", "mri", "patients"),
        "--by",
        "hospital",
        cwd=tmp_path,
    )
    assert wrong.returncode == 1
    assert (
        "--by: no column 'hospital' in the patients table (allowed: facility, regimen, ms_type)"
        in wrong.stderr
    )


@pytest.mark.parametrize("suffix", [".zip", ".tar", ".xz", ".zst"])
def test_plain_text_under_a_compressed_name_is_one_named_error(tmp_path: Path, suffix: str) -> None:
    """pandas reads ``.zip``, ``.tar``, ``.xz``... as compressed: plain text under such a
    name is refused naming the option, never as an unexpected error."""
    path = tmp_path / f"visits.csv{suffix}"
    path.write_text("patient_id,date,edss\na,2020-01-01,3\n", encoding="utf-8")
    result = run_hsct("outcomes", "progression", "--visits", str(path), cwd=tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("Error: --visits: ")
    assert "please report" not in result.stderr
    assert "Traceback" not in result.stderr
