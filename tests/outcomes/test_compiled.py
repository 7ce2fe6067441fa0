"""Issue 17: the kernel built ahead of time gives numba's results, and is used only when it
matches: the argument types it was built for, the sources it was built from.

Under ``make test`` (``HSCT_TEST_KERNEL_AOT=1``) the module must be built and in use; a
plain ``pytest`` run without it still checks the fallback.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from hsct.outcomes import NedaOptions, build_cohort, compiled, neda, progression
from hsct.outcomes.compiled import MANIFEST, MODULE, aot_calls, forced_jit, status
from hsct.outcomes.synthetic import generate
from hsct.outcomes.tables import Cohort
from tests.outcomes.test_parallel import OPTIONS, _edge_patients, _same

REQUIRED = os.environ.get("HSCT_TEST_KERNEL_AOT") == "1"
BUILT = status() == "ahead of time"


def _needs_module() -> None:
    if not BUILT:
        if REQUIRED:
            pytest.fail(f"the kernel is not built ahead of time under make test: {status()}")
        pytest.skip(f"kernel not built ahead of time here: {status()}")


def test_make_test_runs_the_kernel_built_ahead_of_time() -> None:
    _needs_module()

    assert status() == "ahead of time"


def _frames() -> tuple[pd.DataFrame, ...]:
    data = generate(1500, seed=23)
    visits, relapses, mri = _edge_patients()
    return (
        pd.concat([data.visits, visits, visits.iloc[[5]]], ignore_index=True),  # a same-day pair
        pd.concat([data.relapses, relapses], ignore_index=True),
        pd.concat([data.mri, mri], ignore_index=True),
        data.patients,
    )


def _same_cohort(got: Cohort, want: Cohort) -> None:
    for field in dataclasses.fields(Cohort):
        a, b = getattr(got, field.name), getattr(want, field.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=field.name)
            assert a.dtype == b.dtype, field.name


@pytest.mark.parametrize("name", list(OPTIONS))
def test_the_built_kernel_and_numba_give_identical_results(name: str) -> None:
    """Checking the tables, progression on one thread and NEDA-3 (with and without the MRI
    re-baseline): every array and table equal, and the built functions really answered."""
    _needs_module()
    frames = _frames()
    with forced_jit():
        before = aot_calls()
        cohort_jit = build_cohort(*frames, strict=False)
        by_jit = progression(cohort_jit, OPTIONS[name], threads=1)
        neda_jit = [neda(cohort_jit, NedaOptions(rebaseline=r), threads=1) for r in (False, True)]
        assert aot_calls() == before

    cohort = build_cohort(*frames, strict=False)
    result = progression(cohort, OPTIONS[name], threads=1)
    tables = [neda(cohort, NedaOptions(rebaseline=r), threads=1) for r in (False, True)]

    assert aot_calls() > before
    _same_cohort(cohort, cohort_jit)
    _same(result, by_jit)
    assert len(result.events) > 1000
    for got, want in zip(tables, neda_jit, strict=True):
        assert_frame_equal(got, want, check_exact=True)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), dates=st.booleans())
def test_any_small_cohort_gives_numbas_events(seed: int, n: int, dates: bool) -> None:
    """Random cohorts, as day numbers or dates: the same events either way."""
    _needs_module()
    data = generate(n, seed=seed, dates=dates)
    options = OPTIONS["multiple, roving, PIRA/RAW"]
    with forced_jit():
        want = progression(build_cohort(data.visits, data.relapses, strict=False), options)

    got = progression(build_cohort(data.visits, data.relapses, strict=False), options)

    _same(got, want)


def _arrays() -> dict[str, Any]:
    values = np.array([0.0, 1.5, 2.0, 2.25, 10.0, np.nan], dtype=np.float64)
    return {"values": values}


def test_an_argument_of_another_type_goes_to_numba() -> None:
    """float32, a read-only array, a strided view and a list are not what the module was
    built for: numba answers (with its own result), never the built function."""
    values = _arrays()["values"]
    want_ok, want_grid = compiled.jit("edss_grid")(values)
    readonly = values.copy()
    readonly.flags.writeable = False
    strided = np.repeat(values, 2)[::2]
    for other in (values.astype(np.float32), readonly, strided):
        before = aot_calls()
        ok, grid = compiled.edss_grid(other)
        assert aot_calls() == before, other
        np.testing.assert_array_equal(ok, want_ok)
        np.testing.assert_array_equal(grid, want_grid)
    if BUILT:
        before = aot_calls()
        ok, grid = compiled.edss_grid(values)
        assert aot_calls() == before + 1
        np.testing.assert_array_equal(ok, want_ok)
        np.testing.assert_array_equal(grid, want_grid)


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        (["int", 64], 5, True),
        (["int", 64], np.int64(5), True),
        (["int", 64], np.int32(5), False),
        (["int", 64], True, False),
        (["int", 64], 2**63, False),
        (["int", 64], 5.0, False),
        (["int", 64], np.timedelta64(3), False),  # a signed-integer subclass, typed otherwise
        (["int", 64], np.uint64(5), False),
        (["int", 32], np.int32(5), True),
        (["float", 64], 5.0, True),
        (["float", 64], np.float32(5.0), False),
        (["bool"], True, True),
        (["bool"], np.bool_(False), True),
        (["bool"], 1, False),
        (["array", "<i4", 1, "C", True, True], np.zeros(3, dtype=np.int32), True),
        (["array", "<i4", 1, "C", True, True], np.zeros(3, dtype=np.int64), False),
        (["array", "<i4", 1, "C", True, True], np.zeros((3, 1), dtype=np.int32), False),
        (["array", "<i4", 1, "C", True, True], [0, 0, 0], False),
        (["tuple", [["int", 64], ["bool"]]], (1, True), True),
        (["tuple", [["int", 64], ["bool"]]], (1, 2), False),
        (["tuple", [["int", 64], ["bool"]]], [1, True], False),
    ],
)
def test_argument_types_match_exactly(spec: list[Any], value: Any, expected: bool) -> None:
    assert compiled._matches(spec, value) is expected


def _copy_build(folder: Path) -> Path:
    for name in compiled.SOURCES:
        shutil.copy(compiled.HERE / name, folder / name)
    shutil.copy(MANIFEST, folder / MANIFEST.name)
    module = json.loads(MANIFEST.read_text(encoding="utf-8"))["module"]
    shutil.copy(compiled.HERE / module, folder / module)
    return folder / MANIFEST.name


def test_a_module_built_from_other_sources_or_numba_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _needs_module()
    manifest = _copy_build(tmp_path)
    assert compiled.load(manifest, MODULE) == ""

    with (tmp_path / "kernel.py").open("a", encoding="utf-8") as kernel:
        kernel.write("\n# changed after the build\n")
    assert compiled.load(manifest, MODULE) == "built from other sources (run make)"

    changes: list[tuple[dict[str, Any], str]] = [
        ({"versions": {"numba": "0.1"}}, "built by another numba or numpy (run make)"),
        ({"cpu": "another"}, "built for another processor (run make)"),
        (
            {"module_sha256": "0" * 64},
            "the module is not the one the manifest describes (run make)",
        ),
    ]
    for change, reason in changes:
        manifest = _copy_build(tmp_path)
        described = json.loads(manifest.read_text(encoding="utf-8"))
        manifest.write_text(json.dumps({**described, **change}), encoding="utf-8")
        assert compiled.load(manifest, MODULE).startswith(reason)

    assert compiled.load(tmp_path / "missing.json", MODULE) == "not built (run make)"
    monkeypatch.setenv("HSCT_KERNEL", "jit")
    assert compiled.load(_copy_build(tmp_path), MODULE) == "HSCT_KERNEL=jit"


def test_a_command_runs_without_loading_numba(tmp_path: Path) -> None:
    """`hsct outcomes progression` in a fresh process: the events of the in-process run,
    and numba never imported (about 0.5-0.8 s of start-up), nor pydantic (0.1 s), nor
    pyarrow's Parquet module for CSV files (11 ms), nor pandas (0.25-0.35 s): plain CSV
    files take the quick path (hsct.outcomes.quick)."""
    _needs_module()
    data = generate(40, seed=5)
    data.visits.to_csv(tmp_path / "visits.csv", index=False)
    data.relapses.to_csv(tmp_path / "relapses.csv", index=False)
    script = (
        "import sys\n"
        "from hsct.cli.main import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = ('numba', 'pydantic', 'pyarrow.parquet', 'pandas')\n"
        "print(*(name in sys.modules for name in loaded), file=sys.stderr)\n"
    )
    done = subprocess.run(  # this interpreter, a fixed script
        [
            sys.executable,
            "-c",
            script,
            "outcomes",
            "progression",
            "--visits",
            str(tmp_path / "visits.csv"),
            "--relapses",
            str(tmp_path / "relapses.csv"),
            "--out",
            str(tmp_path / "events.csv"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "HSCT_KERNEL"},
    )
    with forced_jit():
        cohort = build_cohort(
            pd.read_csv(tmp_path / "visits.csv", dtype={"patient_id": str}),
            pd.read_csv(tmp_path / "relapses.csv", dtype={"patient_id": str}),
        )
        want = progression(cohort).events

    # Neither numba nor pydantic (Typer's coercion of texts and paths; hsct.cli.main), nor
    # pyarrow.parquet, nor pandas.
    assert done.stderr.strip().splitlines()[-1] == "False False False False"
    got = pd.read_csv(tmp_path / "events.csv", dtype={"patient_id": str})
    assert len(got) == len(want) > 0
    assert got["patient_id"].tolist() == want["patient_id"].astype(str).tolist()


def test_forcing_numba_in_one_thread_leaves_the_others_alone() -> None:
    """The server's warm-up forces numba in its own thread; a request meanwhile is not."""
    _needs_module()
    values = _arrays()["values"]
    seen: list[int] = []

    def other() -> None:
        before = aot_calls()
        compiled.edss_grid(values)
        seen.append(aot_calls() - before)

    with forced_jit():
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        before = aot_calls()
        compiled.edss_grid(values)
        assert aot_calls() == before

    assert seen == [1]
