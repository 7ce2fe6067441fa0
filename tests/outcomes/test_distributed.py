"""The Dask engine on a 2-worker local cluster gives the single-process tables, to the bit.

The cluster is real: two worker processes (spawned, one thread each) on 127.0.0.1, started
once for the module. Processes rather than threads (``processes=False``) because that is
what ``--scheduler local:N`` runs, and what would break first: the partition function and
its inputs must pickle, and the workers must import the engine and load the compiled kernel
themselves. pytest's own entry point guards its main module, so spawning works here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from hsct.common.errors import InvalidInput
from hsct.outcomes import (
    NedaOptions,
    build_cohort,
    explain,
    groups_of,
    km_fit,
    neda,
    parse_options,
    progression,
)
from hsct.outcomes.distributed import INSTALL, connect, parse_scheduler, run
from hsct.outcomes.io import read_table, write_partitioned, write_table
from hsct.outcomes.synthetic import generate

NAMES = ("visits", "relapses", "mri", "patients")
OPTIONS = parse_options({"event": "multiple", "baseline": "roving", "raw_pira": True})
NEDA = NedaOptions(OPTIONS, rebaseline=True)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with connect("local:2") as started:
        assert len(started.scheduler_info()["workers"]) == 2
        yield started


@pytest.fixture(scope="module")
def cohort_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 patients; visits in files of 90 patients, the other tables split differently.

    Some rows cannot be used (an EDSS of 0.5, a second row for one patient in the patients
    table), and no scan of the first 100 patients has a brain-volume value: the first
    partition alone would not compute NEDA-4.
    """
    folder = tmp_path_factory.mktemp("dask")
    data = generate(400, seed=31)
    visits = data.visits.copy()
    visits.loc[[5, 2000, 7000], "edss"] = 0.5
    mri = data.mri.copy()
    mri.loc[mri["patient_id"] <= 100, "brain_volume_change"] = np.nan
    patients = pd.concat([data.patients, data.patients.iloc[[250]]], ignore_index=True)
    per_file = {"visits": 90, "relapses": 150, "mri": 400, "patients": 64}
    for name, frame in zip(NAMES, (visits, data.relapses, mri, patients), strict=True):
        write_partitioned(
            frame,
            folder / name,
            patients_per_file=per_file[name],
            date=None if name == "patients" else "date",
        )
    return folder


def single(folder: Path) -> tuple[Any, Any, pd.DataFrame]:
    cohort = build_cohort(*(read_table(folder / n, n) for n in NAMES), strict=False)
    result = progression(cohort, OPTIONS)
    return cohort, result, neda(cohort, NEDA, result=result)


def test_events_neda_km_and_report_are_those_of_one_process(
    client: Any, cohort_files: Path
) -> None:
    cohort, result, frame = single(cohort_files)
    done: list[tuple[int, int]] = []
    on_dask = run(
        *(cohort_files / n for n in NAMES),
        options=OPTIONS,
        neda_options=NEDA,
        explain_events=True,
        client=client,
        progress=lambda i, n: done.append((i, n)),
    )

    assert on_dask.partitions == 5  # one per visits file
    assert done[:5] == [(i, 5) for i in range(1, 6)]
    assert done[5:] == [(1, 1)]  # the first partition, without brain volume, again
    assert "neda4_lost" in frame
    events = result.events.assign(
        explanation=[" ".join(explain(result, i)) for i in range(len(result.events))]
    )
    assert_frame_equal(on_dask.events, events, check_exact=True)
    assert_frame_equal(on_dask.summary, result.summary, check_exact=True)
    assert_frame_equal(on_dask.neda, frame, check_exact=True)
    assert_frame_equal(on_dask.attributes, cohort.attributes, check_exact=True)
    assert_frame_equal(on_dask.report.frame(), cohort.report.frame(), check_exact=True)
    assert on_dask.report.n_errors == 5  # three EDSS values, the patient given twice (2 rows)
    assert (on_dask.n_patients, on_dask.n_visits) == (cohort.n_patients, cohort.n_visits)
    assert on_dask.sources == tuple(result.sources())
    for endpoint, by in (("neda3", None), ("neda4", "facility"), ("cdw", "regimen")):
        ours = km_fit(on_dask.neda, endpoint, groups_of(on_dask.neda, on_dask.attributes, by))
        theirs = km_fit(frame, endpoint, groups_of(frame, cohort.attributes, by))
        assert_frame_equal(ours.table(), theirs.table(), check_exact=True)


def test_text_ids_and_a_single_file_table(client: Any, tmp_path: Path) -> None:
    data = generate(120, seed=32)
    for name in ("visits", "relapses"):
        frame = getattr(data, name)
        frame = frame.assign(patient_id=[f"P{i:04d}" for i in frame["patient_id"]])
        if name == "visits":
            write_partitioned(frame, tmp_path / name, patients_per_file=50)
        else:
            write_table(frame, tmp_path / "relapses.parquet")
    on_dask = run(  # two threads of the kernel in each worker: the same events
        tmp_path / "visits",
        tmp_path / "relapses.parquet",
        options=OPTIONS,
        client=client,
        threads=2,
    )
    expected = progression(
        build_cohort(
            read_table(tmp_path / "visits", "visits"),
            read_table(tmp_path / "relapses.parquet", "relapses"),
        ),
        OPTIONS,
    )
    assert on_dask.partitions == 3
    assert_frame_equal(on_dask.events, expected.events, check_exact=True)
    assert on_dask.neda is None


def test_a_patient_in_two_files_and_mixed_id_types_are_refused(tmp_path: Path) -> None:
    visits = generate(30, seed=33).visits
    cut = int(np.flatnonzero(visits["patient_id"].to_numpy() == 12)[2])
    (tmp_path / "visits").mkdir()
    write_table(visits.iloc[:cut], tmp_path / "visits" / "part-0.parquet")
    write_table(visits.iloc[cut:], tmp_path / "visits" / "part-1.parquet")
    with pytest.raises(InvalidInput, match=r"patient 12 is in both 'part-0\.parquet' and 'part-1"):
        run(tmp_path / "visits", options=OPTIONS, client=object())

    write_table(visits, tmp_path / "v.parquet")
    relapses = pd.DataFrame({"patient_id": ["1"], "date": ["2010-01-01"]})
    write_table(relapses, tmp_path / "r.parquet")
    with pytest.raises(InvalidInput) as caught:
        run(tmp_path / "v.parquet", tmp_path / "r.parquet", client=object())
    assert str(caught.value) == (
        "relapses.patient_id: is text but the visits' patient_id is whole numbers "
        "(allowed: the same type of patient id in every table)"
    )


def test_rows_without_a_patient_are_refused(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"patient_id": ["a", None, "b"], "date": ["2020-01-01"] * 3, "edss": [1.0, 2.0, 3.0]}
    )
    write_table(frame, tmp_path / "v.parquet")
    with pytest.raises(InvalidInput, match=r"1 rows of 'v\.parquet' have no patient_id"):
        run(tmp_path / "v.parquet", client=object())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("local:2", ("local", 2)),
        ("local", ("local", os.cpu_count() or 1)),
        ("tcp://10.1.2.3:8786", ("remote", "tcp://10.1.2.3:8786")),
        ("tls://scheduler.example:8786", ("remote", "tls://scheduler.example:8786")),
    ],
)
def test_scheduler_addresses(text: str, expected: tuple[str, Any]) -> None:
    assert parse_scheduler(text) == expected


@pytest.mark.parametrize("text", ["local:0", "local:x", "10.1.2.3:8786", "http://h:1", "local:999"])
def test_bad_scheduler_is_named(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"^scheduler: .* is not a scheduler \(allowed: tcp://"):
        parse_scheduler(text)


def test_without_the_extra_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as when not installed
    with pytest.raises(InvalidInput) as caught:
        run(tmp_path / "visits.parquet")
    assert str(caught.value) == (
        f"engine: the Dask engine is not installed; {INSTALL} (allowed: single)"
    )
