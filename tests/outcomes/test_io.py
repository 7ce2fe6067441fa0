"""CSV and Parquet in and out, Arrow tables, patient order, and Parquet folders split by patient."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from hsct.common.errors import InvalidInput
from hsct.outcomes import (
    NedaOptions,
    build_cohort,
    neda,
    parse_options,
    progression,
    read_csv,
)
from hsct.outcomes.io import (
    as_frame,
    is_patient_sorted,
    load_cohort,
    parquet_parts,
    patient_split,
    read_table,
    table_format,
    write_partitioned,
    write_table,
)
from hsct.outcomes.synthetic import SyntheticCohort, generate

NAMES = ("visits", "relapses", "mri", "patients")
OPTIONS = parse_options({"event": "multiple", "baseline": "roving", "raw_pira": True})


@pytest.fixture(scope="module")
def data() -> SyntheticCohort:
    return generate(150, seed=21)


def outcomes(*frames: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Events, summary and NEDA rows of one cohort."""
    cohort = build_cohort(*frames, strict=False)
    result = progression(cohort, OPTIONS)
    return result.events, result.summary, neda(cohort, NedaOptions(OPTIONS), result=result)


def assert_same(left: tuple[pd.DataFrame, ...], right: tuple[pd.DataFrame, ...]) -> None:
    for a, b in zip(left, right, strict=True):
        assert_frame_equal(a, b, check_exact=True)


def test_parquet_of_the_csv_text_gives_the_csv_results(
    data: SyntheticCohort, tmp_path: Path
) -> None:
    """CSV -> text columns -> Parquet -> the same events, summary and NEDA, to the bit."""
    csv, parquet = {}, {}
    for name in NAMES:
        getattr(data, name).to_csv(tmp_path / f"{name}.csv", index=False, date_format="%Y-%m-%d")
        csv[name] = read_csv(tmp_path / f"{name}.csv", name)
        write_table(csv[name], tmp_path / f"{name}.parquet")
        parquet[name] = read_table(tmp_path / f"{name}.parquet", name)
    assert_frame_equal(parquet["visits"], csv["visits"])
    assert_same(outcomes(*parquet.values()), outcomes(*csv.values()))


def test_typed_parquet_gives_the_dataframe_results(data: SyntheticCohort, tmp_path: Path) -> None:
    """Whole-number ids, timestamps and floats keep their types through Parquet."""
    frames = [getattr(data, name) for name in NAMES]
    for name, frame in zip(NAMES, frames, strict=True):
        write_table(frame, tmp_path / f"{name}.pq")
    cohort = load_cohort(*(tmp_path / f"{name}.pq" for name in NAMES))
    assert cohort.ids.dtype == np.int64
    assert pa.types.is_timestamp(pq.read_schema(tmp_path / "visits.pq").field("date").type)
    result = progression(cohort, OPTIONS)
    expected = outcomes(*frames)
    assert_frame_equal(result.events, expected[0], check_exact=True)


def test_arrow_tables_are_accepted_and_numbers_are_not_copied(data: SyntheticCohort) -> None:
    tables = [pa.Table.from_pandas(getattr(data, n), preserve_index=False) for n in NAMES]

    frame = as_frame(tables[0])
    assert np.shares_memory(frame["edss"].to_numpy(), tables[0].column("edss").chunk(0).to_numpy())
    assert frame["date"].dtype.kind == "M"  # dates as datetime64, not Python objects
    cohort = load_cohort(*tables)
    assert_same(
        (progression(cohort, OPTIONS).events,),
        (outcomes(*(getattr(data, n) for n in NAMES))[0],),
    )


def test_unsorted_parquet_is_sorted_once_and_rows_keep_their_numbers(
    data: SyntheticCohort, tmp_path: Path
) -> None:
    shuffled = data.visits.sample(frac=1.0, random_state=3)
    in_order = data.visits.copy()
    for frame in (shuffled, in_order):  # not on the EDSS grid: row 9 of the shuffled file
        frame.loc[shuffled.index[7], "edss"] = 0.5
    write_table(shuffled, tmp_path / "visits.parquet")

    read = read_table(tmp_path / "visits.parquet", "visits")
    assert not is_patient_sorted(read)
    assert is_patient_sorted(in_order)
    cohort = build_cohort(read, data.relapses, strict=False)
    errors = cohort.report.frame().query("severity == 'error'")
    assert errors[["table", "row", "field"]].to_numpy().tolist() == [["visits", 9, "edss"]]
    expected = progression(build_cohort(in_order, data.relapses, strict=False), OPTIONS)
    assert_frame_equal(progression(cohort, OPTIONS).events, expected.events, check_exact=True)


def test_patient_order_check() -> None:
    frame = pd.DataFrame(
        {
            "patient_id": [1, 1, 2, 2],
            "date": ["2020-01-01", "2020-06-01", "2019-01-01", "2019-02-01"],
        }
    )
    assert is_patient_sorted(frame)
    assert not is_patient_sorted(frame.iloc[[1, 0, 2, 3]])  # dates out of order in patient 1
    assert is_patient_sorted(frame.iloc[[1, 0, 2, 3]], date=None)  # patients still in order
    assert not is_patient_sorted(frame.iloc[[2, 3, 0, 1]])
    assert not is_patient_sorted(frame.assign(date=["2020-01-01", "bad", "x", "y"]))
    assert is_patient_sorted(pa.Table.from_pandas(frame.assign(date=pd.to_datetime(frame["date"]))))
    assert not is_patient_sorted(pd.DataFrame({"patient_id": [1, "a"], "date": ["x", "y"]}))


def test_a_folder_reads_as_one_table_with_rows_counted_across_files(
    data: SyntheticCohort, tmp_path: Path
) -> None:
    visits = data.visits.copy()
    paths = write_partitioned(visits, tmp_path / "visits", patients_per_file=40)
    assert [p.name for p in paths] == [f"part-0000{i}.parquet" for i in range(4)]
    (tmp_path / "visits" / "_SUCCESS").write_text("", encoding="utf-8")  # ignored

    whole = read_table(tmp_path / "visits", "visits")
    assert is_patient_sorted(whole)
    expected = visits.sort_values(["patient_id", "date"], kind="stable", ignore_index=True)
    assert_frame_equal(whole, expected.astype({"date": "datetime64[ms]"}))
    parts = parquet_parts(tmp_path / "visits", "visits")
    assert [(p.low, p.high) for p in parts] == [(1, 40), (41, 80), (81, 120), (121, 150)]
    assert parts[1].first_row == 2 + parts[0].rows

    # A bad value in the second file is reported with its row in the whole folder.
    table = pq.read_table(paths[1]).to_pandas()
    table.loc[4, "edss"] = 11.0
    write_table(table, paths[1])
    report = build_cohort(read_table(tmp_path / "visits", "visits"), strict=False).report
    errors = report.frame().query("severity == 'error'")
    assert errors["row"].tolist() == [parts[1].first_row + 4]


def test_a_patient_in_two_files_is_merged_by_one_process_and_named_for_dask(
    data: SyntheticCohort, tmp_path: Path
) -> None:
    folder = tmp_path / "visits"
    folder.mkdir()
    visits = data.visits.sort_values(["patient_id", "date"], ignore_index=True)
    cut = int(np.flatnonzero(visits["patient_id"].to_numpy() == 60)[3])  # inside patient 60
    write_table(visits.iloc[:cut], folder / "a.parquet")
    write_table(visits.iloc[cut:], folder / "b.parquet")

    merged = progression(build_cohort(read_table(folder, "visits")), OPTIONS)
    assert_frame_equal(merged.events, progression(build_cohort(visits), OPTIONS).events)
    with pytest.raises(InvalidInput) as caught:
        patient_split(parquet_parts(folder, "visits"), "visits", folder)
    assert str(caught.value) == (
        "visits: patient 60 is in both 'a.parquet' and 'b.parquet' (allowed: each patient's "
        "rows in one file (see 'Partitioning the input' in the guide))"
    )


def test_interleaved_files_are_refused_and_separate_ranges_pass(tmp_path: Path) -> None:
    def part(name: str, ids: list[int]) -> None:
        frame = pd.DataFrame({"patient_id": ids, "date": ["2020-01-01"] * len(ids), "edss": 1.0})
        write_table(frame, tmp_path / name)

    part("a.parquet", [1, 3, 5])
    part("b.parquet", [7, 9])
    patient_split(parquet_parts(tmp_path, "visits"), "visits", tmp_path)
    part("c.parquet", [2, 4])
    with pytest.raises(InvalidInput, match=r"'a.parquet' \(1 to 5\) and 'c.parquet' \(2 to 4\)"):
        patient_split(parquet_parts(tmp_path, "visits"), "visits", tmp_path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda d: pq.write_table(pa.table({"patient_id": [1], "date": ["2020-01-01"]}), d),
            "visits.edss: column is missing in",
            id="missing-column",
        ),
        pytest.param(
            lambda d: pq.write_table(
                pa.table(
                    {
                        "patient_id": [1],
                        "date": pa.array(
                            [dt.datetime(2020, 1, 1, tzinfo=dt.UTC)], pa.timestamp("s", tz="UTC")
                        ),
                        "edss": [1.0],
                    }
                ),
                d,
            ),
            "visits.date: is timestamp[ms, tz=UTC] in",  # Parquet has no seconds
            id="time-zone",
        ),
        pytest.param(
            lambda d: pq.write_table(
                pa.table({"patient_id": [1.5], "date": ["2020-01-01"], "edss": [1.0]}), d
            ),
            "visits.patient_id: is double in",
            id="float-ids",
        ),
        pytest.param(
            lambda d: d.write_text("patient_id,date,edss\n", encoding="utf-8"),
            "is not a readable Parquet file",
            id="not-parquet",
        ),
    ],
)
def test_parquet_that_cannot_be_read_is_one_named_error(
    tmp_path: Path, make: object, message: str
) -> None:
    path = tmp_path / "visits.parquet"
    make(path)  # type: ignore[operator]
    with pytest.raises(InvalidInput) as caught:
        read_table(path, "visits")
    assert message in str(caught.value)
    assert len(caught.value.errors) == 1


def test_files_of_a_folder_must_agree_and_an_empty_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput, match=r"the folder '.*empty' has no .parquet files"):
        read_table(tmp_path / "empty", "visits")
    folder = tmp_path / "mixed"
    folder.mkdir()
    pq.write_table(
        pa.table({"patient_id": [1], "date": ["2020-01-01"], "edss": [1.0]}), folder / "a.parquet"
    )
    pq.write_table(
        pa.table({"patient_id": ["2"], "date": ["2020-01-01"], "edss": [1.0]}), folder / "b.parquet"
    )
    with pytest.raises(
        InvalidInput, match=r"'.*b.parquet' has patient_id as string, '.*a.parquet' as int64"
    ):
        read_table(folder, "visits")


def test_dictionary_columns_are_decoded_and_missing_whole_number_ids_are_reported() -> None:
    table = pa.table(
        {
            "patient_id": pa.array([1, 1, None, 2, 2], pa.int64()),
            "date": ["2020-01-01", "2021-01-01", "2021-01-01", "2020-01-01", "2021-01-01"],
            "edss": [1.0, 2.0, 2.0, 1.0, 1.0],
        }
    )
    cohort = build_cohort(as_frame(table), strict=False)
    assert cohort.report.frame()[["row", "field"]].to_numpy().tolist() == [[4, "patient_id"]]
    assert cohort.ids.tolist() == ["1", "2"]

    patients = pa.table(
        {"patient_id": [1, 2], "transplant_date": ["2020-02-01"] * 2, "facility": ["x", "y"]}
    )
    patients = patients.set_column(2, "facility", patients.column("facility").dictionary_encode())
    frame = as_frame(patients)
    assert frame["facility"].dtype == object


def test_format_by_extension_folder_or_magic_bytes(tmp_path: Path) -> None:
    write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.dat", format="parquet")
    (tmp_path / "t.csv").write_text("a\n1\n", encoding="utf-8")
    assert table_format(tmp_path / "t.dat") == "parquet"
    assert table_format(tmp_path / "t.csv") == "csv"
    assert table_format(tmp_path) == "parquet"
    assert table_format(tmp_path / "missing.txt") == "csv"
    assert table_format(tmp_path / "t.csv", "parquet") == "parquet"

    frame = pd.DataFrame({"patient_id": ["a"], "when": pd.to_datetime(["2020-01-01"])})
    write_table(frame, tmp_path / "out.parquet")
    write_table(frame, tmp_path / "out.csv")
    assert_frame_equal(pd.read_parquet(tmp_path / "out.parquet"), frame, check_dtype=False)
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "patient_id,when\na,2020-01-01\n"
