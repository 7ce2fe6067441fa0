"""The journey's steps as data: what happens, when (relative to admission or day 0), source.

Generic values apply when a facility's own schedule does not give a phase; they are marked
generic in the timeline. Each row carries the source it comes from and the dossier's tag.

Steps before admission give only what a source gives: a deadline with its source where one
exists (live vaccines at least 4 weeks before day 0), otherwise "as soon as you can, before
you travel". How long a referral, a clinic's review or arranging the money takes is not
published, so no step invents a start date or a duration for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from hsct.common.i18n import N_

Anchor = Literal["admission", "day0", "discharge"]


@dataclass(frozen=True, slots=True)
class Step:
    """A step placed relative to an anchor date: ``start``/``end`` in days or months.

    ``start`` None: no source says when to begin or how long it takes, so the step starts
    "as soon as you can" (the day the plan is made) and ends by ``end``. ``deadline_src``
    names the source of ``end`` when the deadline itself is sourced: such a deadline limits
    the earliest admission date the plan proposes. ``todo``: something the person does (a
    calendar reminder), not something that happens to them or that the clinic does.
    """

    id: str
    title: str
    description: str
    anchor: Anchor
    start: int | None  # days after the anchor (negative: before); None: as soon as you can
    end: int
    src: tuple[str, ...]
    tag: Literal["V", "P", "U"] = "V"
    unit: Literal["days", "months"] = "days"
    todo: bool = False
    deadline_src: tuple[str, ...] = ()


#: Generic in-hospital phase lengths in days, with where they come from.
GENERIC_DAYS: Final = {
    "evaluation": (4, ("hsct-russia-stages", "artemis-package")),  # 3-4 days on site
    "mobilisation": (4, ("hsct-russia-stages",)),  # G-CSF for 4 days
    "apheresis": (1, ("ruiz-cohort",)),  # 1-3 days, median 1
    "conditioning": (4, ("hsct-russia-stages",)),  # about 4 days
    "day0": (1, ("hsct-russia-stages",)),  # reinfusion takes one day
    "aplasia": (14, ("hsct-russia-stages",)),  # about 2 weeks
}
#: Neutrophil recovery after day 0 when the facility gives none: day 8 (outpatient Cy +
#: rituximab, median) to 3 weeks (BEAM + ATG).
GENERIC_ENGRAFTMENT: Final = ((8, 21), ("ruiz-cohort", "hsct4ms-protocols"))

PHASE_TEXT: Final = {
    "evaluation": (
        N_("Tests before treatment"),
        N_(
            "Blood tests, heart and lung checks, MRI and consultations to confirm you can be "
            "treated."
        ),
    ),
    "mobilisation": (
        N_("Stem cell mobilisation"),
        N_("Daily injections of G-CSF move stem cells from the bone marrow into the blood."),
    ),
    "apheresis": (
        N_("Stem cell collection (apheresis)"),
        N_(
            "A machine collects stem cells from your blood, in one to three sessions of some hours."
        ),
    ),
    "conditioning": (
        N_("Chemotherapy (conditioning)"),
        N_("Chemotherapy removes the immune system that attacks your nerves."),
    ),
    "day0": (
        N_("Day 0: your stem cells are returned"),
        N_("Your own stem cells are given back through a drip, like a transfusion."),
    ),
    "aplasia": (
        N_("Low blood counts and isolation"),
        N_("Until the new cells grow, you are very prone to infection and stay protected."),
    ),
    "engraftment": (
        N_("Blood counts expected to recover"),
        N_("White cells usually return within this window (engraftment)."),
    ),
    "discharge": (
        N_("Discharge"),
        N_("You leave the transplant unit."),
    ),
    "home": (
        N_("Travel home"),
        N_("When the clinic agrees you are well enough to fly."),
    ),
}

#: The suggested travel day: the day before admission (a practical suggestion, no source).
TRAVEL_DAY: Final = -1
#: Steps with no sourced deadline are due before the suggested travel day.
BEFORE_TRAVEL: Final = TRAVEL_DAY - 1

#: Before admission, in the order a person meets them. Referral, the clinic's review and
#: funding come first; none has a published duration (the plan says so).
BEFORE: Final = (
    Step(
        "referral",
        N_("Ask your neurologist for a referral letter"),
        N_(
            "A letter that sums up your MS, your drugs and why a transplant is considered. "
            "Guidelines ask the MS and transplant specialists to decide together with you."
        ),
        "admission",
        None,
        BEFORE_TRAVEL,
        ("jessop-2019",),
        "P",
        todo=True,
    ),
    Step(
        "records",
        N_("Send your records to the clinic"),
        N_("Ask the clinic which records it needs and send them."),
        "admission",
        None,
        BEFORE_TRAVEL,
        (),
        "U",
        todo=True,
    ),
    Step(
        "screening",
        N_("The clinic reviews your records"),
        N_(
            "The clinic decides from your records, sometimes after a video call or tests, "
            "whether it can treat you, and offers a date. How long this takes is not known "
            "here: ask the clinic."
        ),
        "admission",
        None,
        BEFORE_TRAVEL,
        (),
        "U",
    ),
    Step(
        "funding",
        N_("Arrange how the treatment is paid for"),
        N_(
            "Whether the health service, an insurer, fundraising or you pay: get the price in "
            "writing, with what it includes (tests, medicines, the stay, intensive care if "
            "needed, a carer's stay, travel)."
        ),
        "admission",
        None,
        BEFORE_TRAVEL,
        ("mssociety-outside-nhs",),
        "P",
        todo=True,
    ),
    Step(
        "fertility",
        N_("Fertility counselling"),
        N_(
            "Chemotherapy can cause infertility. Ask about preserving eggs, sperm or embryos "
            "before treatment: it takes weeks to arrange."
        ),
        "admission",
        None,
        BEFORE_TRAVEL,
        ("hsct-russia-before", "jessop-2019"),
        "P",
        todo=True,
    ),
    Step(
        "vaccines-before",
        N_("Vaccinations needed before treatment"),
        N_(
            "Check varicella-zoster (shingles/chickenpox) and COVID-19 vaccination with your "
            "doctor; live vaccines must be given at least 4 weeks before the transplant."
        ),
        "day0",
        None,
        -28,
        ("beat-ms-registry",),
        "P",
        todo=True,
        deadline_src=("beat-ms-registry",),
    ),
    Step(
        "infections",
        N_("Treat infections before travelling"),
        N_(
            "Infections, including in the teeth and gums, must be treated before the "
            "transplant; ask your dentist and doctor for a check."
        ),
        "admission",
        None,
        BEFORE_TRAVEL,
        ("hsct-russia-before",),
        "P",
        todo=True,
    ),
    Step(
        "travel-documents",
        N_("Travel documents and tickets"),
        N_(
            "If the clinic is in another country: a passport valid for the whole stay, a visa "
            "if you need one (ask the clinic for an invitation letter), travel insurance, and "
            "tickets for you and your carer."
        ),
        "admission",
        None,
        BEFORE_TRAVEL,
        (),
        "U",
        todo=True,
    ),
    Step(
        "travel",
        N_("Travel to the clinic"),
        N_("Arrive the day before admission if you can; travel with your carer."),
        "admission",
        TRAVEL_DAY,
        TRAVEL_DAY,
        (),
        "U",
        todo=True,
    ),
)

#: Payment deadlines clinics publish, in months before arrival, with the source. Read from
#: the facility's notes (``puebla-clinica-ruiz.yaml``: "Full payment 2 months before
#: arrival"); the facility schema has no field for it yet.
PAYMENT_DUE_MONTHS: Final = {"puebla-clinica-ruiz": (2, "ruiz-faqs")}
PAYMENT_TEXT: Final = (
    N_("Full payment due"),
    N_(
        "This clinic asks for full payment {months} months before arrival; if it finds you "
        "unfit for treatment, it refunds the payment minus the costs already used."
    ),
)

AFTER: Final = (
    Step(
        "rehabilitation",
        N_("Rehabilitation"),
        N_(
            "Muscles weaken during treatment and disability can briefly get worse; a "
            "rehabilitation plan for the first months helps recovery."
        ),
        "discharge",
        0,
        3,
        ("roberts-2020",),
        "V",
        "months",
        todo=True,
    ),
    Step(
        "fatigue",
        N_("Tiredness is common"),
        N_("Fatigue is often strongest 2 to 3 months after the transplant."),
        "day0",
        2,
        3,
        ("katjas-chance-moscow",),
        "U",
        "months",
    ),
    Step(
        "hair",
        N_("Hair loss"),
        N_("Hair often falls out about 4 to 5 months after treatment, and grows back."),
        "day0",
        4,
        5,
        ("katjas-chance-moscow",),
        "U",
        "months",
    ),
    Step(
        "infection-precautions",
        N_("Infection precautions"),
        N_(
            "Antiviral (acyclovir) and anti-pneumocystis tablets as your team prescribes, "
            "often 3 to 12 months; avoid crowds and raw food while counts are low. Contact "
            "your team for any fever."
        ),
        "day0",
        0,
        12,
        ("ismail-2019",),
        "P",
        "months",
    ),
    Step(
        "vaccine-shingrix",
        N_("Shingles vaccine (recombinant, Shingrix)"),
        N_("The non-live shingles vaccine can start 50 to 70 days after the transplant."),
        "day0",
        50,
        70,
        ("emn-2020-vaccination",),
        todo=True,
    ),
    Step(
        "vaccine-pneumococcal",
        N_("Pneumococcal vaccine, first of 3 doses"),
        N_("The pneumococcal conjugate vaccine starts 3 to 6 months after the transplant."),
        "day0",
        3,
        6,
        ("rubin-2013-idsa",),
        "V",
        "months",
        todo=True,
    ),
    Step(
        "vaccine-flu",
        N_("Flu vaccine"),
        N_("Inactivated flu vaccine from 6 months (4 in an outbreak), then every year."),
        "day0",
        6,
        6,
        ("rubin-2013-idsa",),
        "V",
        "months",
        todo=True,
    ),
    Step(
        "vaccine-childhood-1",
        N_("Tetanus, diphtheria, pertussis, Hib, hepatitis B, polio: dose 1"),
        N_("Three doses, at 6, 8 and 12 months after the transplant."),
        "day0",
        6,
        6,
        ("nci-pdq-vaccination",),
        "V",
        "months",
        todo=True,
    ),
    Step(
        "vaccine-childhood-2",
        N_("Tetanus, diphtheria, pertussis, Hib, hepatitis B, polio: dose 2"),
        N_("Second of three doses."),
        "day0",
        8,
        8,
        ("nci-pdq-vaccination",),
        "V",
        "months",
        todo=True,
    ),
    Step(
        "vaccine-childhood-3",
        N_("Tetanus, diphtheria, pertussis, Hib, hepatitis B, polio: dose 3"),
        N_("Third of three doses."),
        "day0",
        12,
        12,
        ("nci-pdq-vaccination",),
        "V",
        "months",
        todo=True,
    ),
    Step(
        "vaccine-ppsv23",
        N_("Pneumococcal polysaccharide vaccine (PPSV23)"),
        N_("From 12 months after the transplant."),
        "day0",
        12,
        12,
        ("rubin-2013-idsa",),
        "V",
        "months",
        todo=True,
    ),
    Step(
        "vaccine-live",
        N_("Live vaccines (MMR, chickenpox)"),
        N_(
            "Not before 24 months, only if blood tests show you are not immune and you take "
            "no immunosuppressive drugs."
        ),
        "day0",
        24,
        24,
        ("rubin-2013-idsa", "nci-pdq-vaccination"),
        "V",
        "months",
        todo=True,
    ),
    Step(
        "mri-6",
        N_("MRI: new baseline"),
        N_(
            "A brain MRI about 6 months after treatment becomes the new baseline; some "
            "activity in the first 6 months can occur and settle."
        ),
        "day0",
        6,
        6,
        ("mri-followup-italy-2026", "das-2021"),
        "V",
        "months",
        todo=True,
    ),
    Step(
        "mri-12",
        N_("MRI at 12 months"),
        N_("Then a brain MRI every year."),
        "day0",
        12,
        12,
        ("mri-followup-italy-2026",),
        "V",
        "months",
        todo=True,
    ),
    Step(
        "mri-24",
        N_("Yearly MRI"),
        N_("Yearly brain MRI and neurology review."),
        "day0",
        24,
        24,
        ("mri-followup-italy-2026",),
        "V",
        "months",
        todo=True,
    ),
    Step(
        "mri-36",
        N_("Yearly MRI"),
        N_("Yearly brain MRI and neurology review."),
        "day0",
        36,
        36,
        ("mri-followup-italy-2026",),
        "V",
        "months",
        todo=True,
    ),
    Step(
        "mri-48",
        N_("Yearly MRI"),
        N_("Yearly brain MRI and neurology review."),
        "day0",
        48,
        48,
        ("mri-followup-italy-2026",),
        "V",
        "months",
        todo=True,
    ),
    Step(
        "improvement",
        N_("When improvement is reported"),
        N_(
            "In studies of mostly relapsing MS, many people's disability was stable or better "
            "2 years after treatment; in Sweden 54 of 100 people with relapsing MS and some "
            "disability improved over the follow-up."
        ),
        "day0",
        24,
        24,
        ("burt-2015", "silfverberg-2024-jnnp"),
        "V",
        "months",
    ),
    Step(
        "five-years",
        N_("Five years"),
        N_(
            "The point at which studies report long-term results: in Sweden, about 73 of 100 "
            "people with relapsing MS had no disease activity (NEDA) after 5 years. Some "
            "clinicians speak of remission from here."
        ),
        "day0",
        60,
        60,
        ("silfverberg-2024-jnnp",),
        "P",
        "months",
    ),
)


#: For progressive MS the benefit figures of relapsing MS are not the person's: the aim is
#: to stop worsening, and improvement is less common (Boffa 2021; Muraro 2017).
_PROGRESSIVE_AFTER: Final = (
    Step(
        "improvement",
        N_("What studies report for progressive MS"),
        N_(
            "In progressive MS the aim is to stop disability from getting worse; improvement "
            "is less common than in relapsing MS. In an Italian cohort, about 71 of 100 "
            "people with progressive MS had no worsening of disability 5 years after "
            "treatment. Rehabilitation helps whatever the result."
        ),
        "day0",
        24,
        24,
        ("boffa-2021", "amatya-2019"),
        "V",
        "months",
    ),
    Step(
        "five-years",
        N_("Five years"),
        N_(
            "The point at which studies report long-term results. For progressive MS: about "
            "71 of 100 free of disability worsening in an Italian cohort, and about 46 of "
            "100 free of progression in an older European registry that was mostly "
            "progressive."
        ),
        "day0",
        60,
        60,
        ("boffa-2021", "muraro-2017"),
        "P",
        "months",
    ),
)
AFTER_PROGRESSIVE: Final = tuple(
    next((p for p in _PROGRESSIVE_AFTER if p.id == step.id), step) for step in AFTER
)
