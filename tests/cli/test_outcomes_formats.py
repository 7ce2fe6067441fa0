"""``hsct outcomes`` with Parquet in and out, and ``--engine dask`` on a 2-worker local cluster.

The commands run in this process (the ``hsct`` fixture). ``--scheduler local:2`` starts two
worker processes on 127.0.0.1, as a person's run does; each command starts and stops its own
cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from hsct.cli import outcomes as cli
from hsct.outcomes import ENDPOINTS, PRESETS, REBASELINE_WINDOW_MONTHS, read_csv
from hsct.outcomes.io import write_partitioned, write_table
from hsct.outcomes.synthetic import generate

Run = Callable[..., tuple[int, str, str]]
NAMES = ("visits", "relapses", "mri", "patients")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same cohort as CSV files, as Parquet files, and as Parquet folders by patient.

    The Parquet tables are the CSV files read as text, so that both give the same ids (text)
    and the same order of patients.
    """
    folder = tmp_path_factory.mktemp("formats")
    data = generate(160, seed=41)
    for name in NAMES:
        frame = getattr(data, name)
        if name == "visits":
            frame = frame.copy()
            frame.loc[10, "edss"] = 0.5  # one row that cannot be used
        csv = folder / f"{name}.csv"
        frame.to_csv(csv, index=False, date_format="%Y-%m-%d")
        text = read_csv(csv, name)
        write_table(text, folder / f"{name}.parquet")
        write_partitioned(
            text,
            folder / name,
            patients_per_file=50 if name == "visits" else 70,
            date=None if name == "patients" else "date",
        )
    return folder


def args(folder: Path, suffix: str, *names: str) -> list[str]:
    return [a for n in names for a in (f"--{n}", str(folder / f"{n}{suffix}"))]


def test_option_help_names_match_the_library() -> None:
    assert tuple(PRESETS) == cli.PRESET_NAMES
    assert tuple(ENDPOINTS) == cli.ENDPOINT_NAMES
    assert cli.REBASELINE_WINDOW == REBASELINE_WINDOW_MONTHS


def test_parquet_in_and_out_gives_the_csv_results(hsct: Run, inputs: Path) -> None:
    common = ["--event", "multiple", "--raw-pira", "--skip-invalid"]
    code, _, err = hsct(
        "outcomes",
        "progression",
        *args(inputs, ".csv", "visits", "relapses"),
        *common,
        "--out",
        "csv.csv",
        "--summary",
        "csv-summary.parquet",
        "--report",
        "csv-report.csv",
    )
    assert code == 0, err
    code, out, err = hsct(
        "outcomes",
        "progression",
        *args(inputs, ".parquet", "visits", "relapses"),
        *common,
        "--out",
        "pq.parquet",
        "--summary",
        "pq-summary.parquet",
        "--report",
        "pq-report.parquet",
    )
    assert code == 0, err
    assert "Wrote" in out
    events = pd.read_parquet("pq.parquet")
    assert events["onset_date"].dtype.kind == "M"  # dates stay dates in Parquet
    assert_frame_equal(
        pd.read_parquet("pq-summary.parquet"), pd.read_parquet("csv-summary.parquet")
    )
    code, _, err = hsct(
        "outcomes",
        "progression",
        *args(inputs, "", "visits", "relapses"),  # the folders
        *common,
        "--out",
        "folder.csv",
    )
    assert code == 0, err
    csv_text = Path("csv.csv").read_text(encoding="utf-8")
    assert Path("folder.csv").read_text(encoding="utf-8") == csv_text
    report = pd.read_parquet("pq-report.parquet")
    errors = report[report["severity"] == "error"]
    assert errors[["table", "row", "field"]].to_numpy().tolist() == [["visits", 12, "edss"]]
    csv_report = pd.read_csv("csv-report.csv", dtype={"value": str, "patient_id": str})
    assert_frame_equal(report, csv_report, check_dtype=False)  # row: int32 here, int64 read


def test_neda_and_km_tables_as_parquet(hsct: Run, inputs: Path) -> None:
    for suffix, out in ((".csv", "a"), ("", "b")):
        for command, option in (("neda", "--out"), ("km", "--table")):
            code, _, err = hsct(
                "outcomes",
                command,
                *args(inputs, suffix, *NAMES),
                "--skip-invalid",
                option,
                f"{command}-{out}.parquet",
                *(("--by", "facility") if command == "km" else ()),
            )
            assert code == 0, err
    for command in ("neda", "km"):
        assert_frame_equal(
            pd.read_parquet(f"{command}-a.parquet"),
            pd.read_parquet(f"{command}-b.parquet"),
            check_exact=True,
        )


@pytest.mark.slow  # three local clusters started and stopped: about 20 s on 2 busy cores
def test_dask_engine_writes_the_single_process_tables(hsct: Run, inputs: Path) -> None:
    """progression, neda and km with ``--engine dask --scheduler local:2``: the same files."""
    runs = {
        "progression": (("visits", "relapses"), ("--explain", "--summary")),
        "neda": (NAMES, ("--rebaseline", "--out")),
        "km": (NAMES, ("--by", "regimen", "--endpoint", "neda4", "--table")),
    }
    for command, (tables, options) in runs.items():
        for engine in ("single", "dask"):
            where = ("--scheduler", "local:2") if engine == "dask" else ()
            code, _, err = hsct(
                "outcomes",
                command,
                *args(inputs, "", *tables),
                "--skip-invalid",
                "--engine",
                engine,
                *where,
                *options,
                f"{command}-{engine}.parquet",
            )
            assert code == 0, err
        assert_frame_equal(
            pd.read_parquet(f"{command}-dask.parquet"),
            pd.read_parquet(f"{command}-single.parquet"),
            check_exact=True,
        )


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (
            ("--engine", "dask", "--visits", "visits.csv"),
            (
                "Error: --visits: 'visits.csv' is a CSV file; --engine dask reads Parquet "
                "(allowed: a folder of Parquet files partitioned by patient (see the guide))"
            ),
        ),
        (
            ("--visits", "visits.csv", "--scheduler", "local:2"),
            "Error: --scheduler: is for --engine dask (allowed: --engine dask --scheduler ...)",
        ),
        (
            ("--visits", "visits.csv", "--engine", "spark"),
            "Error: --engine: unknown engine 'spark' (allowed: single or dask)",
        ),
        (
            ("--visits", "split", "--engine", "dask", "--scheduler", "local:1"),
            (
                "Error: --visits: patient 'b' is in both 'a.parquet' and 'b.parquet' (allowed: "
                "each patient's rows in one file (see 'Partitioning the input' in the guide))"
            ),
        ),
        (
            ("--visits", "split", "--engine", "dask", "--scheduler", "tcp://nowhere"),
            (
                "Error: --scheduler: 'tcp://nowhere' is not a scheduler (allowed: tcp://HOST:PORT, "
                "or local:N with N from 1 to 256)"
            ),
        ),
        (
            ("--visits", "visits.csv", "--threads", "0"),
            "Error: --threads: 0 is not a number of threads (allowed: a whole number, 1 or more",
        ),
        (
            ("--visits", "broken.parquet"),
            (
                "Error: --visits: 'broken.parquet' is not a readable Parquet file (Parquet magic "
                "bytes not found in footer)"
            ),
        ),
        (
            ("--visits", "empty"),
            (
                "Error: --visits: the folder 'empty' has no .parquet files (allowed: a CSV or "
                "Parquet file, or a folder of Parquet files)"
            ),
        ),
    ],
)
def test_format_and_engine_faults_are_one_error_line(
    hsct: Run, words: tuple[str, ...], message: str
) -> None:
    Path("visits.csv").write_text("patient_id,date,edss\na,2020-01-01,1.0\n", encoding="utf-8")
    Path("broken.parquet").write_text("patient_id,date,edss\n", encoding="utf-8")
    Path("empty").mkdir()
    Path("split").mkdir()
    frame = pd.DataFrame(
        {"patient_id": ["a", "b", "b", "c"], "date": ["2020-01-01"] * 4, "edss": [1.0] * 4}
    )
    write_table(frame.iloc[:2], Path("split/a.parquet"))
    write_table(frame.iloc[2:], Path("split/b.parquet"))

    code, out, err = hsct("outcomes", "progression", *words)

    assert (code, out) == (1, "")
    assert err.count("\n") == 1, err
    assert err.startswith(message), err
