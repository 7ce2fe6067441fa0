"""Analyse your own cohort: upload tables, get the engine's events, NEDA-3 and curves.

The numbers on the page are checked against the engine run directly on the same tables;
bad files are named; nothing of the upload is stored or cached.
"""

from __future__ import annotations

import base64
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from starlette.formparsers import MultiPartParser

from hsct.outcomes import NedaOptions, build_cohort, km_fit, neda, parse_options, progression
from hsct.outcomes.synthetic import generate
from hsct.web.routes import analyse
from tests.support.world import World, world_for


def _csv(frame: pd.DataFrame) -> bytes:
    out = frame.copy()
    for column in out.columns:
        if str(out[column].dtype).startswith("datetime64"):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return bytes(out.to_csv(index=False), "utf-8")


COHORT = generate(300, seed=4)
FILES = {
    "visits": _csv(COHORT.visits),
    "relapses": _csv(COHORT.relapses),
    "mri": _csv(COHORT.mri),
    "patients": _csv(COHORT.patients),
}


@pytest.fixture(scope="module")
def world(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world_for(migrated_sqlite, tmp_path_factory.mktemp("analyse")) as built:
        yield built


def _post(world: World, files: dict[str, bytes], *, language: str = "en", **form: str) -> Any:
    client = TestClient(world.app, headers={"Accept-Language": language})
    page = client.get("/outcomes/analyse")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return client.post(
        "/outcomes/analyse",
        data={"csrf_token": token[1], **form},
        files={name: (f"{name}.csv", data, "text/csv") for name, data in files.items()},
    )


def test_the_page_gives_what_the_engine_gives(world: World) -> None:
    answer = _post(world, FILES, by="regimen")
    assert answer.status_code == 200, answer.text[:3000]
    assert answer.headers["cache-control"] == "no-store"
    cohort = build_cohort(COHORT.visits, COHORT.relapses, COHORT.mri, COHORT.patients)
    options = parse_options({}, preset="default")
    result = progression(cohort, options)
    frame = neda(cohort, NedaOptions(options), result=result)
    text = answer.text
    assert f"<dt>Patients</dt><dd>{cohort.n_patients}</dd>" in text
    cdw = result.events[result.events["event"] == "CDW"]["patient_id"].nunique()
    assert f"<dt>First confirmed worsening</dt><dd>{cdw} (" in text
    assert f"<dt>NEDA-3 lost</dt><dd>{int(frame['neda3_lost'].sum())}</dd>" in text
    # the 3-year NEDA-3 of each regimen, as the engine's Kaplan-Meier gives it
    groups = pd.Series(
        COHORT.patients.set_index("patient_id")["regimen"].reindex(frame["patient_id"]).to_numpy(),
        index=frame.index,
    )
    table = km_fit(frame, "neda3", groups).table()
    for row in table[table["years"] == 3.0].itertuples():
        assert f"{row.survival * 100:.1f}%" in text
    assert text.count('class="km-chart"') == 4
    # the tables behind it, offered in the page without being stored
    found = re.search(
        r'href="data:text/csv;charset=utf-8;base64,([^"]+)" download="events.csv"', text
    )
    assert found is not None
    events = base64.b64decode(found[1]).decode()
    assert events.count("\n") == len(result.events) + 1


def test_an_options_file_is_used_as_hsct_outcomes_uses_it(world: World) -> None:
    options = b'{"conf_days": [168], "threshold": "pymsprog"}'
    answer = _post(world, {**FILES, "options": options})
    assert answer.status_code == 200
    engine = progression(
        build_cohort(COHORT.visits, COHORT.relapses, COHORT.mri, COHORT.patients),
        parse_options({"conf_days": [168], "threshold": "pymsprog"}),
    )
    cdw = engine.events[engine.events["event"] == "CDW"]["patient_id"].nunique()
    assert f"<dt>First confirmed worsening</dt><dd>{cdw} (" in answer.text


@pytest.mark.parametrize(
    ("files", "form", "field"),
    [
        ({"visits": FILES["visits"]}, {}, "mri"),
        ({"visits": b"\xff\xfe\x00bad", "mri": FILES["mri"]}, {}, "visits"),
        ({**FILES}, {"by": "postcode"}, "by"),
        ({**FILES}, {"preset": "nope"}, "preset"),
        ({**FILES, "options": b"[1, 2]"}, {}, "options"),
        ({**FILES, "options": b'{"conf_days": "soon"}'}, {}, "conf_days"),
        ({"visits": b"patient_id,date\nA,2020-01-01\n", "mri": FILES["mri"]}, {}, "visits"),
    ],
)
def test_bad_input_is_named(
    world: World, files: dict[str, bytes], form: dict[str, str], field: str
) -> None:
    answer = _post(world, files, **form)
    assert answer.status_code == 422, answer.text[:2000]
    assert "Please check these answers" in answer.text
    assert field in answer.text


def test_rows_that_cannot_be_used_are_listed_and_left_out(world: World) -> None:
    visits = FILES["visits"] + b"1,2020-02-30,3.0\n1,2020-03-01,11\n"
    answer = _post(world, {**FILES, "visits": visits})
    assert answer.status_code == 200
    assert "<dt>Rows that could not be used</dt><dd>2" in answer.text


def test_a_long_curve_is_drawn_with_one_step_per_half_pixel() -> None:
    from hsct.web.routes.workspace import CHART_W, km_chart  # noqa: PLC0415

    # 20,000 steps over 4 years, falling by equal amounts: far more steps than pixels
    points = [[4 * k / 20_000, 1 - k / 20_001, 0.0, 1.0] for k in range(20_001)]
    chart = km_chart(
        {"groups": [{"group": "all", "n": 20_000, "points": points}], "benchmarks": []}
    )
    path = chart["series"][0]["path"]
    assert path.count("L") <= 4 * CHART_W  # a vertical and a horizontal move per half pixel
    last_y = float(path.split()[-1].split(",")[1])
    assert last_y == pytest.approx(14 + (300 - 14 - 40) * (1 - points[-1][1]), abs=0.06)


def test_an_upload_is_never_written_to_disk(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Starlette spools a file part over 1 MB to a temporary file on disk; here every upload
    (health data) stays in memory. The same upload under Starlette's default does spill,
    so the check cannot pass by not looking."""
    big = generate(6000, seed=5)
    files = {"visits": _csv(big.visits), "mri": _csv(big.mri)}
    assert len(files["visits"]) > 2 * 1024 * 1024
    spilled: list[int] = []
    rollover = tempfile.SpooledTemporaryFile.rollover

    def watched(self: Any) -> None:
        spilled.append(1)
        rollover(self)

    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "rollover", watched)

    assert _post(world, files).status_code == 200
    assert spilled == []

    monkeypatch.setattr(MultiPartParser, "spool_max_size", 1024 * 1024)
    assert _post(world, files).status_code == 200
    assert spilled


def test_one_cohort_at_a_time_and_the_next_visitor_is_told_to_wait(world: World) -> None:
    """While a worker computes one cohort, another upload is answered 503 with Retry-After
    and a message in the reader's language; a failed analysis frees the worker too."""
    small = {"visits": FILES["visits"], "mri": FILES["mri"]}
    assert analyse._COMPUTING.acquire(blocking=False)
    try:
        busy = _post(world, small)
        busy_ru = _post(world, small, language="ru")
    finally:
        analyse._COMPUTING.release()
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == str(analyse.RETRY_AFTER_S)
    assert "The server is busy" in busy.text
    assert "Another cohort is being analysed on this server." in busy.text
    # Not a problem with the answers: no "check these answers", no field marked invalid.
    assert "Please check these answers" not in busy.text
    assert 'aria-invalid="true"' not in busy.text
    assert busy_ru.status_code == 503
    assert "Сервер занят" in busy_ru.text
    assert "анализируется другая когорта" in busy_ru.text
    bad = {"visits": b"patient_id,date\nA,2020-01-01\n", "mri": FILES["mri"]}
    assert _post(world, bad).status_code == 422
    assert _post(world, small).status_code == 200
