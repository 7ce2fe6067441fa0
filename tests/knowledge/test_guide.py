"""The decision aid's content and arithmetic (issue 18): natural frequencies with their
uncertainty, whether the people studied are like the reader, the values reflection, the
glossary links, and the rules the content itself must keep (every sentence sourced or an
explicit gap; every option described in the same format; frames compare like with like).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy.stats import binomtest

from hsct.knowledge import load_catalog
from hsct.knowledge.catalog import CatalogError, data_root, load_catalog_from
from hsct.knowledge.check import check, iter_fact_records
from hsct.knowledge.guide import (
    Frequency,
    frame_match,
    frames_for,
    frequency,
    link_terms,
    options_for,
    parse_answers,
    reflect,
    term_pattern,
    wilson,
)
from hsct.knowledge.schema import ASPECTS, Count, Option, Said

GUIDE = load_catalog().guide


@pytest.mark.parametrize(("events", "patients"), [(3, 55), (34, 55), (0, 55), (1, 51), (55, 55)])
def test_wilson_interval_matches_scipy(events: int, patients: int) -> None:
    """An independent implementation (scipy's binomtest) gives the same 95% interval."""
    expected = binomtest(events, patients).proportion_ci(confidence_level=0.95, method="wilson")

    low, high = wilson(events, patients)

    assert low == pytest.approx(expected.low * 100, abs=1e-9)
    assert high == pytest.approx(expected.high * 100, abs=1e-9)


def test_mist_counts_read_as_natural_frequencies() -> None:
    """MIST: 3 of 55 worsened after aHSCT and 34 of 55 on drugs (Burt 2019)."""
    assert frequency(Count(events=3, patients=55)) == Frequency(5, 2, 15, 3, 55, True)
    assert frequency(Count(events=34, patients=55)) == Frequency(62, 49, 73, 34, 55, True)
    # No deaths is not "no risk": the range reaches 7 in 100.
    assert frequency(Count(events=0, patients=55)) == Frequency(0, 0, 7, 0, 55, True)
    # A published interval is kept as published; an option not studied is not known.
    assert frequency(Count(percent=73, ci_low=66, ci_high=81)) == Frequency(73, 66, 81)
    assert frequency(Count(percent=71.0)) == Frequency(71)
    assert not frequency(Count(note="No drug group.")).known
    # Events happened: a number that rounds to 0 is "less than 1", never 0.
    one_in_507 = frequency(Count(events=1, patients=507))
    assert (one_in_507.per100, one_in_507.under_one, one_in_507.low_under_one) == (0, True, True)
    three_in_210 = frequency(Count(events=3, patients=210))
    assert (three_in_210.per100, three_in_210.low) == (1, 0)
    assert three_in_210.low_under_one
    assert not three_in_210.under_one
    none_in_55 = frequency(Count(events=0, patients=55))
    assert not none_in_55.under_one
    assert not none_in_55.low_under_one


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_a_frequency_lies_inside_its_range(pair: tuple[int, int]) -> None:
    events, patients = pair
    f = frequency(Count(events=events, patients=patients))

    assert f.low is not None
    assert f.high is not None
    assert f.per100 is not None
    assert 0 <= f.low <= f.per100 <= f.high <= 100


def test_count_refuses_impossible_numbers() -> None:
    with pytest.raises(ValidationError, match="more events than patients"):
        Count(events=5, patients=4)
    with pytest.raises(ValidationError, match="both events and patients"):
        Count(events=5)
    with pytest.raises(ValidationError, match="interval needs its percent"):
        Count(ci_low=1, ci_high=2)


def test_the_reader_is_like_the_studied_people_only_when_every_point_is_known() -> None:
    mist = next(f for f in GUIDE.frames if f.id == "mist")

    inside = frame_match(mist, ms_type="RRMS", edss=4.0, age=36)
    outside = frame_match(mist, ms_type="SPMS", edss=6.5, age=36)
    nothing = frame_match(mist, ms_type=None, edss=None, age=None)

    # MIST took only people with 2 relapses in the year before on a drug: never "like you".
    assert inside.differs == ()
    assert inside.unknown == ("entry",)
    assert not inside.like_you
    assert outside.differs == ("ms_type", "edss")
    assert nothing.differs == ()
    assert set(nothing.unknown) == {"ms_type", "edss", "age", "entry"}
    assert frame_match(mist, ms_type="CIS", edss=2.0, age=30).differs == ("ms_type",)
    assert frame_match(mist, ms_type="RRMS", edss=2.0, age=56).differs == ("age",)
    # Without an entry rule the page cannot check, inside every range is "like you".
    plain = mist.model_copy(update={"entry": None})
    assert frame_match(plain, ms_type="RRMS", edss=2.0, age=55).like_you
    assert not frame_match(plain, ms_type="RRMS", edss=2.0, age=None).like_you


def test_frames_about_the_reader_s_ms_type_come_first() -> None:
    progressive = [m.frame.id for m in frames_for(GUIDE, ms_type="PPMS", edss=None, age=None)]
    relapsing = [m.frame.id for m in frames_for(GUIDE, ms_type="RRMS", edss=None, age=None)]

    assert progressive[0] == "progressive"
    assert relapsing[:2] == ["mist", "sweden"]
    assert sorted(progressive) == sorted(relapsing) == sorted(f.id for f in GUIDE.frames)


def test_options_follow_the_ms_type() -> None:
    assert [o.id for o in options_for(GUIDE, "RRMS")] == ["ahsct", "drug", "trial"]
    assert [o.id for o in options_for(GUIDE, "PPMS")] == ["ahsct", "drug", "rehab"]
    assert len(options_for(GUIDE, None)) == len(GUIDE.options)
    # Not confirmed MS: no option is written for it, so all are shown (with a warning).
    assert len(options_for(GUIDE, "CIS")) == len(GUIDE.options)


def test_every_option_is_described_in_the_same_format() -> None:
    """IPDAS C1: benefits and harms in equal detail; every burden named for every option."""
    for option in GUIDE.options:
        assert set(option.burdens) == set(ASPECTS), option.id
        assert option.benefits, option.id
        assert option.harms, option.id
        assert len(option.benefits) >= 2, option.id
        assert len(option.harms) >= 2, option.id
    # aHSCT and its main comparator, a drug, are told in the same detail.
    ahsct, drug = (next(o for o in GUIDE.options if o.id == i) for i in ("ahsct", "drug"))
    assert abs(len(ahsct.benefits) - len(drug.benefits)) <= 1
    assert abs(len(ahsct.harms) - len(drug.harms)) <= 1


def test_an_option_without_a_burden_is_refused() -> None:
    said = Said(text="x", src="muraro-2025")
    burdens = {aspect: said for aspect in ASPECTS if aspect != "fertility"}
    with pytest.raises(ValidationError, match="fertility"):
        Option(
            id="x",
            title="x",
            ms_types=("RRMS",),
            summary=said,
            benefits=(said,),
            harms=(said,),
            death=(said,),
            burdens=burdens,
        )


def test_a_sentence_without_a_source_must_be_a_gap() -> None:
    with pytest.raises(ValidationError, match="needs a source"):
        Said(text="HSCT stops progression in all types of MS.")
    assert Said(text="Not known.", tag="GAP").src is None


def test_every_guide_sentence_is_checked_by_knowledge_check() -> None:
    """`hsct knowledge check` counts the guide's sentences; a gap is unknown, not unsourced."""
    catalog = load_catalog()
    records = [r for r in iter_fact_records(catalog) if r.path.startswith("guide")]
    report = check(catalog, __import__("datetime").date(2026, 12, 3))

    assert len(records) > 150
    assert all(r.src or not r.known for r in records)
    assert not [r for r in report.unsourced if r.path.startswith("guide")]
    gaps = [r for r in records if r.tag == "GAP"]
    assert gaps
    assert all(r.src is None and not r.known for r in gaps)


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(data_root(), root)
    return root


_OUTCOMES = "\n    outcomes:\n      - id: worsening"
BROKEN = [
    ("guide/stages.yaml", "[beam-atg, bu-cy-atg]", "[beam-xx]", "unknown regimen 'beam-xx'"),
    (
        "guide/decision.yaml",
        f"[ahsct, drug]{_OUTCOMES}",
        f"[ahsct, pill]{_OUTCOMES}",
        "not in the frame",
    ),
    ("guide/decision.yaml", "burt-2019-mist}\n    options", "nope}\n    options", "source 'nope'"),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "problem"), BROKEN, ids=["regimen", "option", "source"]
)
def test_broken_guide_data_is_refused(
    tmp_path: Path, file: str, old: str, new: str, problem: str
) -> None:
    root = _copy(tmp_path)
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")

    with pytest.raises(CatalogError, match=problem):
        load_catalog_from(root)


def test_values_answers_are_reflected_most_important_first_and_never_scored() -> None:
    answers, invalid = parse_answers(
        GUIDE, {"value-death-risk": "5", "value-cost": "2", "value-work": "9", "value-x": "1"}
    )
    options = options_for(GUIDE, "RRMS")

    found = reflect(GUIDE, answers, options)

    assert answers == {"death-risk": 5, "cost": 2}
    assert invalid == ["work"]
    assert [r.question.id for r in found] == ["death-risk", "cost"]
    assert found[0].matters
    assert not found[1].matters
    death = {o.id: points for o, points in found[0].by_option}
    # The question on the risk of dying is set beside each option's own risk of dying.
    assert death["ahsct"] == next(o for o in options if o.id == "ahsct").death
    assert death["drug"] == next(o for o in options if o.id == "drug").death
    cost = {o.id: points for o, points in found[1].by_option}
    assert cost["drug"] == (next(o for o in options if o.id == "drug").burdens["cost"],)


WORDS = st.sampled_from(["aplasia", "EDSS", "febrile neutropenia", "neutropenia", "day 0"])


@given(st.dictionaries(st.sampled_from([f"value-{q.id}" for q in GUIDE.values]), st.text()))
def test_any_typed_answer_is_accepted_or_named_never_a_crash(form: dict[str, str]) -> None:
    answers, invalid = parse_answers(GUIDE, form)

    for key, raw in form.items():
        value_id = key.removeprefix("value-")
        if raw.strip() in {"1", "2", "3", "4", "5"}:
            assert answers[value_id] == int(raw.strip())
        elif raw.strip():
            assert value_id in invalid
    assert parse_answers(GUIDE, {"value-cost": "²"}) == ({}, ["cost"])


@given(st.lists(st.one_of(WORDS, st.text(" ,.;aeiouxyz", max_size=6)), max_size=20))
def test_linking_terms_keeps_the_text_and_links_each_term_once(parts: list[str]) -> None:
    terms = [
        ("aplasia", "aplasia"),
        ("edss", "EDSS"),
        ("fn", "febrile neutropenia"),
        ("neut", "neutropenia"),
        ("day0", "day 0"),
    ]
    pattern = term_pattern(terms)
    index = {word.casefold(): term_id for term_id, word in terms}
    text = " ".join(parts)
    seen: set[str] = set()

    pieces = link_terms(text, pattern, index, seen) + link_terms(text, pattern, index, seen)

    assert "".join(piece for piece, _ in pieces) == text + text
    linked = [term_id for _, term_id in pieces if term_id]
    assert len(linked) == len(set(linked))
    assert set(linked) == seen


def test_every_glossary_term_has_a_checked_definition() -> None:
    catalog = load_catalog()
    assert len(GUIDE.glossary) >= 30
    for term in GUIDE.glossary:
        assert term.definition.src in catalog.sources or term.definition.tag == "GAP"
