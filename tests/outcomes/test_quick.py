"""The quick path (clean CSV files, no pandas) gives byte for byte what the full path gives,
and leaves every file with something to report, or in an unusual form, to the full path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsct.cli import outcomes as cli_outcomes
from hsct.outcomes import build_cohort, parse_options, progression
from hsct.outcomes.layout import NO_VISIT
from hsct.outcomes.quick import events_csv, quick_cohort
from hsct.outcomes.search import event_columns, search
from hsct.outcomes.synthetic import generate
from hsct.outcomes.tables import read_csv
from tests.cli.test_cli import run_hsct

_OPTIONS: tuple[dict[str, object], ...] = (
    {},
    {"event": "multiple", "baseline": "roving", "raw_pira": True},
    {"event": "firstCDI", "baseline": "roving_impr", "conf_days": [84, 168]},
    {"event": "multiple", "proceed_from": "event", "impute_last_visit": 1, "raw_pira": True},
)


def _write(folder: Path, visits: pd.DataFrame, relapses: pd.DataFrame) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    v, r = folder / "visits.csv", folder / "relapses.csv"
    visits.to_csv(v, index=False, date_format="%Y-%m-%d")
    relapses.to_csv(r, index=False, date_format="%Y-%m-%d")
    return v, r


def _both(
    v: Path, r: Path | None, raw: dict[str, object], p: Path | None = None
) -> tuple[str, str, list[tuple[Any, ...]]]:
    """(quick CSV, full CSV, full problem counts); the quick path must apply."""
    options = parse_options(raw, preset="pymsprog-1.0.7")
    cohort = quick_cohort(v, r, p)
    assert cohort is not None
    slots, start = search(cohort, options, threads=1)
    quick = events_csv(event_columns(cohort, options, slots, start).columns)
    full_cohort = build_cohort(
        read_csv(v, "visits"),
        None if r is None else read_csv(r, "relapses"),
        None,
        None if p is None else read_csv(p, "patients"),
    )
    full = progression(full_cohort, options, threads=1).events.to_csv(index=False)
    counts = [tuple(row) for row in full_cohort.report.counts().itertuples(index=False)]
    assert list(cohort.problems) == counts
    assert cohort.n_patients == full_cohort.n_patients
    assert cohort.n_visits == full_cohort.n_visits
    np.testing.assert_array_equal(cohort.t0, full_cohort.t0)
    return quick, full, counts


@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 60),
    raw=st.sampled_from(_OPTIONS),
    shuffle=st.booleans(),
    strangers=st.integers(0, 3),
    time_zero=st.sampled_from(["none", "all", "some"]),
)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_quick_path_writes_what_the_full_path_writes(
    tmp_path: Path,
    *,
    seed: int,
    n: int,
    raw: dict[str, object],
    shuffle: bool,
    strangers: int,
    time_zero: str,
) -> None:
    """Random cohorts (rows shuffled or not, relapses and transplants of patients without
    visits, second visits on a day, relapses before time zero, time zero for every patient,
    some or none): the same events file, byte for byte, the same warnings, the same time
    zero."""
    data = generate(n, seed=seed)
    visits, relapses, patients = data.visits, data.relapses, data.patients
    if shuffle:
        visits = visits.sample(frac=1, random_state=seed)
        relapses = relapses.sample(frac=1, random_state=seed)
        patients = patients.sample(frac=1, random_state=seed)
    if strangers:
        extra = pd.DataFrame(
            {
                "patient_id": [f"nobody-{i}" for i in range(strangers)],
                "date": pd.Timestamp("2015-03-01"),
            }
        )
        relapses = pd.concat([relapses.astype({"patient_id": str}), extra], ignore_index=True)
        patients = pd.concat(
            [
                patients.astype({"patient_id": str}),
                extra.rename(columns={"date": "transplant_date"}),
            ],
            ignore_index=True,
        )
    v, r = _write(tmp_path / f"{seed}-{n}", visits, relapses)
    p = None
    if time_zero != "none":
        p = v.with_name("patients.csv")
        kept = patients if time_zero == "all" else patients.iloc[::2]
        kept.to_csv(p, index=False, date_format="%Y-%m-%d")
    quick, full, counts = _both(v, r, raw, p)
    assert quick == full
    if strangers:
        assert ("relapses", "warning", NO_VISIT, strangers) in counts


def test_two_rows_of_one_patient_take_the_full_path(tmp_path: Path) -> None:
    """A patient given two transplant dates is an error the full path reports."""
    v, _ = _write(tmp_path, generate(3, seed=1).visits, generate(3, seed=1).relapses)
    p = tmp_path / "patients.csv"
    p.write_text("patient_id,transplant_date\n1,2010-01-01\n1,2011-01-01\n", encoding="utf-8")
    assert quick_cohort(v, None, p) is None
    p.write_text("patient_id,transplant_date\n1,2010-01-01\n2,2011-01-01\n", encoding="utf-8")
    assert quick_cohort(v, None, p) is not None


def test_ids_quotes_and_commas_and_a_byte_order_mark(tmp_path: Path) -> None:
    """Ids with commas, quotes and non-Latin letters are written back quoted as pandas
    quotes them; a UTF-8 byte order mark (Excel) is read as pandas reads it."""
    rows = [
        ("Иванов, А.", "2015-01-01", "2.0"),
        ("Иванов, А.", "2015-07-01", "3.5"),
        ("Иванов, А.", "2016-01-01", "3.5"),
        ('say "x"', "2015-01-01", "1"),
        ('say "x"', "2015-07-01", "2.5"),
        ('say "x"', "2016-02-01", "02.50"),
        ("NA", "2015-01-01", "0"),
    ]
    v = tmp_path / "visits.csv"
    v.write_bytes(
        b"\xef\xbb\xbf"
        + pd.DataFrame(rows, columns=["patient_id", "date", "edss"]).to_csv(index=False).encode()
    )
    quick, full, _ = _both(v, None, {})
    assert quick == full
    assert '"Иванов, А."' in quick
    assert '"say ""x"""' in quick


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("patient_id,date,edss\n a,2020-01-01,3\n", "an id with a space before it"),
        ("patient_id,date,edss\n,2020-01-01,3\n", "no id"),
        ("patient_id,date,edss\na,2020-01-01,\n", "no EDSS"),
        ('patient_id,date,edss\na,2020-01-01,"3,5"\n', "a decimal comma"),
        ("patient_id,date,edss\na,2020-01-01,0.5\n", "off the EDSS grid"),
        ("patient_id,date,edss\na,2020-01-01,1_0\n", "a number Python reads and pandas does not"),
        ("patient_id,date,edss\na,2020/01/01,3\n", "another date form"),
        ("patient_id,date,edss\na,2021-02-30,3\n", "no such day"),
        ("patient_id,date,edss\na,1600-01-01,3\n", "a year pandas cannot hold"),
        ("patient_id,date,edss\na,2020-01-01 ,3\n", "a space after the date"),
        ("patient_id,date\na,2020-01-01\n", "no EDSS column"),
        ("patient_id,date,edss,date\na,2020-01-01,3,2020-01-02\n", "a column twice"),
        ("patient_id,date,edss\na,2020-01-01\n", "a short line"),
        ("patient_id,date,edss\na,2020-01-01,3,4\n", "a long line"),
        ("patient_id,date,edss\n", "no rows"),
    ],
)
def test_anything_to_report_or_unusual_takes_the_full_path(
    tmp_path: Path, text: str, why: str
) -> None:
    v = tmp_path / "visits.csv"
    v.write_text(text, encoding="utf-8")
    assert quick_cohort(v) is None, why


def test_bytes_that_are_not_utf8_take_the_full_path(tmp_path: Path) -> None:
    v = tmp_path / "visits.csv"
    v.write_bytes("patient_id,date,edss\nMüller,2020-01-01,3\n".encode("latin-1"))
    assert quick_cohort(v) is None
    # Far into the file, in a column the quick read does not convert: pandas refuses the
    # file, so the quick read must not take it either.
    clean = "".join(f"p{i},2020-01-01,2.0,note\n" for i in range(2_000))
    v.write_bytes(
        ("patient_id,date,edss,note\n" + clean).encode()
        + "Q,2020-01-01,2.0,Müller\n".encode("latin-1")
    )
    assert quick_cohort(v) is None


@pytest.mark.parametrize(
    "text",
    [
        # pandas cuts a field at NUL ("a\0x" is "a"), Arrow keeps it: 1 patient or 2.
        "patient_id,date,edss\na,2020-01-01,2.0\na,2020-07-01,3.0\na\0x,2021-01-01,3.0\n",
        "patient_id,date,edss\n\0a,2020-01-01,2.0\n",
        "patient_id\0,date,edss,patient_id\na,2020-01-01,2.0,b\n",
    ],
)
def test_a_nul_byte_takes_the_full_path(tmp_path: Path, text: str) -> None:
    v = tmp_path / "visits.csv"
    v.write_text(text, encoding="utf-8")
    assert quick_cohort(v) is None


def test_a_relapse_file_to_report_takes_the_full_path(tmp_path: Path) -> None:
    v, r = _write(
        tmp_path, generate(3, seed=1).visits, pd.DataFrame({"patient_id": ["1"], "date": ["soon"]})
    )
    assert quick_cohort(v, r) is None
    assert quick_cohort(v) is not None


def test_the_command_line_gives_the_same_files_and_counts_on_both_paths(tmp_path: Path) -> None:
    """``--report`` sends the run the full way: the events file and the counts are the same."""
    data = generate(80, seed=11)
    v, r = _write(tmp_path, data.visits, data.relapses)
    p = tmp_path / "patients.csv"
    data.patients.iloc[::2].to_csv(p, index=False, date_format="%Y-%m-%d")
    args = ["outcomes", "progression", "--visits", str(v), "--relapses", str(r), "--raw-pira"]
    args += ["--patients", str(p)]
    quick = run_hsct(*args, "--out", str(tmp_path / "quick.csv"), cwd=tmp_path)
    full = run_hsct(
        *args,
        "--out",
        str(tmp_path / "full.csv"),
        "--report",
        str(tmp_path / "report.csv"),
        cwd=tmp_path,
    )
    assert quick.returncode == full.returncode == 0, quick.stderr + full.stderr
    assert (tmp_path / "quick.csv").read_bytes() == (tmp_path / "full.csv").read_bytes()

    def shown(text: str) -> list[str]:
        return [
            line.replace("quick.csv", "X").replace("full.csv", "X")
            for line in text.splitlines()
            if "seconds" not in line
        ]

    assert shown(quick.stdout) == shown(full.stdout)
    assert quick.stderr == full.stderr
    # And to stdout: the same text.
    to_stdout = run_hsct(*args, cwd=tmp_path)
    assert to_stdout.stdout == (tmp_path / "full.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["events.parquet", "events.csv.gz", "events.CSV"])
def test_events_to_a_file_that_is_not_plain_csv_go_the_full_way(tmp_path: Path, name: str) -> None:
    """The full path writes Parquet or compressed CSV by the name; the quick one only
    plain CSV (``.CSV`` too)."""
    data = generate(20, seed=2)
    v, r = _write(tmp_path, data.visits, data.relapses)
    out = tmp_path / name
    files = (v, r, None, None)
    applies = cli_outcomes._quick_applies(files, engine="single", plain=True, out=out)
    assert applies == (name == "events.CSV")
    done = run_hsct("outcomes", "progression", "--visits", str(v), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    head = out.read_bytes()[:4]
    expected = {"events.parquet": b"PAR1", "events.csv.gz": b"\x1f\x8b\x08\x08"}
    assert head == expected.get(name, b"pati")


@pytest.mark.parametrize("name", ["visits.csv.gz", "visits.CSV.ZIP", "visits.tar", "visits.xz"])
def test_a_name_pandas_reads_as_compressed_goes_the_full_way(tmp_path: Path, name: str) -> None:
    """pandas takes the compression from the name (and refuses plain text under it): the
    quick read does not judge such a file."""
    path = tmp_path / name
    files = (path, None, None, None)
    assert not cli_outcomes._quick_applies(files, engine="single", plain=True, out=None)
    plain = (tmp_path / "visits.csv", None, None, None)
    assert cli_outcomes._quick_applies(plain, engine="single", plain=True, out=None)


def test_bytes_that_start_like_parquet_go_the_full_way(tmp_path: Path) -> None:
    v = tmp_path / "visits.csv"
    v.write_text("PAR1,patient_id,date,edss\n1,a,2020-01-01,3\n", encoding="utf-8")
    assert quick_cohort(v) is None


def test_event_columns_are_what_the_events_table_holds() -> None:
    """The columns the quick path writes are the events table's, in its order and types."""
    data = generate(30, seed=3)
    cohort = build_cohort(data.visits, data.relapses)
    options = parse_options({"conf_days": [84, 168]})
    slots, start = search(cohort, options, threads=1)
    columns = event_columns(cohort, options, slots, start).columns
    events = progression(cohort, options, threads=1).events
    assert list(columns) == list(events.columns)
    for name, column in columns.items():
        np.testing.assert_array_equal(column, events[name].to_numpy(), err_msg=name)
