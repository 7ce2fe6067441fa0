"""The proposed admission date, late steps, and the steps before admission (issue 19).

Without a date the plan proposes the earliest admission the known constraints allow and
names the one that decided it; a date the person gives is kept, and steps whose deadline
has passed are flagged late instead of being dated silently in the past.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hsct.eligibility import parse_profile
from hsct.journey import Milestone, Timeline, plan
from hsct.knowledge import load_catalog

TODAY = dt.date(2026, 11, 23)
CATALOG = load_catalog()
OPEN = sorted(
    f.id for f in CATALOG.facilities.values() if f.status.value not in ("closed", "historical")
)
WAITING = (
    "This clinic's waiting time is not in our data. Ask the clinic when it could admit you: "
    "its answer replaces this date."
)
DURATIONS = (
    "No source gives how long the referral, the clinic's review of your records and arranging "
    "the funding take; each can make the date later."
)
FUNDING_SOURCE = (
    "https://www.mssociety.org.uk/about-ms/treatments-and-therapies/"
    "disease-modifying-therapies/hsct/having-hsct-outside-the-nhs"
)
NO_DRUGS = "Your MS drugs are not included: a drug's washout can make the date later."


def at(facility: str, **options: Any) -> Timeline:
    """A plan at ``facility`` made on 23 November 2026."""
    return plan(facility, today=TODAY, catalog=CATALOG, **options)


def item(timeline: Timeline, key: str) -> Milestone:
    """The milestone with this id."""
    return next(m for m in timeline.milestones if m.id == key)


def current(drug: str) -> Any:
    """A profile that takes ``drug`` now."""
    return parse_profile({"treatments": [{"drug": drug, "start": "2022-01-01"}]}, CATALOG)


def test_without_a_date_the_vaccine_deadline_decides_at_moscow() -> None:
    """A live vaccine given today allows day 0 on 21 December at the earliest: admission on
    day 1 of 13, 9 December. Said as proposed, with the reason, its source and what is not
    known."""
    timeline = at("moscow-pirogov")
    proposal = timeline.proposal

    assert (timeline.proposed, timeline.admission, timeline.day0) == (
        True,
        dt.date(2026, 12, 9),
        dt.date(2026, 12, 21),
    )
    assert proposal.admission == timeline.admission
    assert proposal.decided_by.id == "vaccines-before"
    assert str(proposal.decided_by.reason) == (
        "A live vaccine, if you need one, must be given at least 4 weeks before day 0: given "
        "today, day 0 could come no earlier than 2026-12-21."
    )
    assert [c.url for c in proposal.decided_by.sources] == [
        "https://clinicaltrials.gov/study/NCT04047628"
    ]
    assert [(c.id, c.earliest) for c in proposal.constraints] == [
        ("vaccines-before", dt.date(2026, 12, 9)),
        ("today", dt.date(2026, 11, 25)),
    ]
    assert [str(m) for m in proposal.unknown] == [WAITING, DURATIONS, NO_DRUGS]


def test_a_drug_taken_now_decides_by_its_washout() -> None:
    """Ocrelizumab now, 6 months at Moscow: even stopped today, admission from 24 May 2027."""
    timeline = at("moscow-pirogov", profile=current("Ocrevus"))

    assert timeline.admission == dt.date(2027, 5, 24)
    assert timeline.proposal.decided_by.id == "washout-ocrelizumab"
    assert str(timeline.proposal.decided_by.reason) == (
        "You take ocrelizumab now and this clinic asks for 6 months without it: even stopped "
        "today, admission could come no earlier."
    )
    assert item(timeline, "washout-ocrelizumab").start == TODAY + dt.timedelta(days=1)
    assert [str(m) for m in timeline.proposal.unknown] == [WAITING, DURATIONS]


def test_a_stopped_drug_decides_when_its_washout_ends() -> None:
    """Alemtuzumab stopped on 23 September 2026: Moscow's 6 months end on 23 March 2027."""
    profile = parse_profile(
        {"treatments": [{"drug": "alemtuzumab", "start": "2021-06-01", "stop": "2026-09-23"}]},
        CATALOG,
    )

    timeline = at("moscow-pirogov", profile=profile)

    assert timeline.admission == dt.date(2027, 3, 23)
    assert str(timeline.proposal.decided_by.reason) == (
        "The alemtuzumab washout ends on 2027-03-23: this clinic asks for 6 months without it."
    )


def test_a_drug_without_a_published_washout_is_named_as_unknown() -> None:
    """Moscow's table does not list ofatumumab: the plan says to ask, and invents nothing."""
    timeline = at("moscow-pirogov", profile=current("ofatumumab"))

    assert timeline.proposal.decided_by.id == "vaccines-before"
    assert [str(m) for m in timeline.proposal.unknown] == [
        WAITING,
        DURATIONS,
        (
            "This clinic publishes no washout for ofatumumab: ask it how long before admission "
            "to stop it."
        ),
    ]


def test_the_clinics_payment_deadline_decides_at_puebla() -> None:
    """Clínica Ruiz: full payment 2 months before arrival, so admission from 23 January."""
    timeline = at("puebla-clinica-ruiz")
    payment = item(timeline, "payment")

    assert timeline.admission == dt.date(2027, 1, 23)
    assert timeline.proposal.decided_by.id == "payment"
    assert str(timeline.proposal.decided_by.reason) == (
        "This clinic asks for full payment 2 months before arrival."
    )
    assert (payment.start, payment.todo, payment.late) == (TODAY, True, False)
    assert [c.url for c in payment.sources] == ["https://hsctmexico.com/faqs"]


@pytest.mark.parametrize("facility", OPEN)
@pytest.mark.parametrize("drug", [None, "Ocrevus", "natalizumab", "teriflunomide"])
def test_no_step_falls_in_the_past_at_the_proposed_date(facility: str, drug: str | None) -> None:
    """At every clinic that treats people, with or without a drug taken now: nothing is
    late, and every to-do is shown today or later."""
    timeline = at(facility, profile=None if drug is None else current(drug))

    assert timeline.late == ()
    assert [m.id for m in timeline.milestones if m.todo and m.end < TODAY] == []
    assert min(timeline.placed(m) for m in timeline.milestones) == TODAY


def test_a_date_that_leaves_too_little_time_is_kept_and_flags_late_steps() -> None:
    """Admission on 1 December at Moscow: day 0 on 13 December, so a live vaccine was due by
    15 November. The date stands; the vaccines step is late, shown today, not in the past."""
    timeline = at("moscow-pirogov", admission_date=dt.date(2026, 12, 1))
    vaccines = item(timeline, "vaccines-before")

    assert (timeline.proposed, timeline.admission) == (False, dt.date(2026, 12, 1))
    assert [m.id for m in timeline.late] == ["vaccines-before"]
    assert (vaccines.start, vaccines.end, vaccines.asap) == (
        dt.date(2026, 11, 15),
        dt.date(2026, 11, 15),
        True,
    )
    assert timeline.placed(vaccines) == TODAY
    assert timeline.proposal.admission == dt.date(2026, 12, 9)  # nothing late from here


def test_a_payment_deadline_already_passed_is_late() -> None:
    """Puebla on 20 December: payment was due on 20 October."""
    timeline = at("puebla-clinica-ruiz", admission_date=dt.date(2026, 12, 20))

    assert [(m.id, m.end) for m in timeline.late] == [("payment", dt.date(2026, 10, 20))]


def test_a_wished_for_day_0_is_not_a_proposal() -> None:
    """Day 0 given: the admission follows from it, and the proposal is only the earliest."""
    timeline = at("moscow-pirogov", transplant_date=dt.date(2027, 3, 13))

    assert (timeline.proposed, timeline.admission) == (False, dt.date(2027, 3, 1))
    assert timeline.late == ()


def test_referral_screening_and_funding_come_before_admission() -> None:
    """In the order a person meets them, each "as soon as you can", due before the travel day
    (vaccines: 4 weeks before day 0), each cited or marked as a suggestion."""
    timeline = at("moscow-pirogov", admission_date=dt.date(2027, 3, 1))
    before = [m for m in timeline.milestones if m.group == "before"]

    assert [(m.id, m.start, m.end, m.asap, m.todo) for m in before] == [
        ("referral", TODAY, dt.date(2027, 2, 27), True, True),
        ("records", TODAY, dt.date(2027, 2, 27), True, True),
        ("screening", TODAY, dt.date(2027, 2, 27), True, False),
        ("funding", TODAY, dt.date(2027, 2, 27), True, True),
        ("fertility", TODAY, dt.date(2027, 2, 27), True, True),
        ("vaccines-before", TODAY, dt.date(2027, 2, 13), True, True),
        ("infections", TODAY, dt.date(2027, 2, 27), True, True),
        ("travel-documents", TODAY, dt.date(2027, 2, 27), True, True),
        ("travel", dt.date(2027, 2, 28), dt.date(2027, 2, 28), False, True),
    ]
    assert str(item(timeline, "records").description) == (
        "This clinic asks for: the clinic's questionnaire, MRI report, neurologist's report. "
        "Ask whether it needs anything more."
    )
    sources = {m.id: [c.link for c in m.sources] for m in before}
    assert sources["referral"] == ["https://doi.org/10.1038/s41409-019-0430-7"]
    assert sources["records"] == sources["screening"] == ["https://www.hsct-russia.com"]
    assert sources["funding"] == [FUNDING_SOURCE]
    assert sources["travel-documents"] == sources["travel"] == []


def test_a_clinics_own_referral_rule_is_cited() -> None:
    """The Alfred takes people on a neurologist's referral (MS Australia)."""
    referral = item(at("melbourne-alfred"), "referral")

    assert [c.link for c in referral.sources] == [
        "https://doi.org/10.1038/s41409-019-0430-7",
        "https://www.msaustralia.org.au/ahsct/",
    ]


def test_a_clinic_for_its_own_country_has_no_travel_documents_step() -> None:
    """Hammersmith treats NHS patients only: no passport or visa step."""
    ids = [m.id for m in at("london-hammersmith").milestones]

    assert "travel-documents" not in ids
    assert "referral" in ids


def test_only_things_the_person_does_are_to_dos() -> None:
    """Hospital phases, the clinic's review and what studies report are not to-dos."""
    timeline = at("moscow-pirogov", admission_date=dt.date(2027, 3, 1))

    assert [m.id for m in timeline.milestones if m.todo and m.group != "before"] == [
        "rehabilitation",
        "vaccine-shingrix",
        "vaccine-pneumococcal",
        "vaccine-flu",
        "vaccine-childhood-1",
        "mri-6",
        "vaccine-childhood-2",
        "vaccine-childhood-3",
        "vaccine-ppsv23",
        "mri-12",
        "vaccine-live",
        "mri-24",
        "mri-36",
        "mri-48",
    ]
