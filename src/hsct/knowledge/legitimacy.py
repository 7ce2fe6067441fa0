"""Is it real aHSCT? Red and green flags, each with its source, and a verdict.

Real aHSCT gives high-dose chemotherapy ("conditioning") to remove the immune system, then
returns the person's own blood-forming stem cells as a rescue, over weeks in a transplant
unit. Unproven "stem cell" clinics inject mesenchymal, fat-derived, cord-blood or exosome
products, usually without chemotherapy, in hours or days ("no chemo, no cure").

Sources: FDA consumer information on regenerative medicine (2021); the ISSCR's questions to
ask; the US National MS Society's and UK MS Society's questions; EBMT guidelines (Sharrack
2020) and patient position statement (Jessop 2019); the StemGenex case (2019); JACIE.

:func:`facility_cautions` lists, for a listed facility, what a person should check before
going further: a programme that is closed or not confirmed, no JACIE or FACT accreditation
found, and EDSS or age limits beyond every guideline in the knowledge base.

The price asked is compared with the prices documented for listed aHSCT programmes
(:func:`price_check`); the clinic's country names the regulator to check with and report
to, with any warning that regulator gave about unproven cell treatments
(:data:`REGULATORS`, :func:`report_routes`). Neither says anything when not answered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from hsct.common.errors import FieldError, InvalidInput, excerpt
from hsct.common.i18n import N_
from hsct.common.text import Citation, Message
from hsct.knowledge.catalog import Catalog
from hsct.knowledge.labels import format_value
from hsct.knowledge.money import convert
from hsct.knowledge.schema import CostQuote, Criterion, Facility, RuleSet

Verdict = Literal[
    "not_ahsct",
    "serious_concerns",
    "some_concerns",
    "unclear",
    "check_more",
    "consistent_with_ahsct",
]
Colour = Literal["red", "green"]
#: How a question is answered: one of its choices, a price (amount and currency, or
#: "unsure"), or a country (an ISO code from its choices, "other" or "unsure").
QuestionKind = Literal["choice", "price", "country"]

YES, NO, UNSURE = "yes", "no", "unsure"


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer a person can give."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Question:
    """One question of the questionnaire."""

    id: str
    text: str
    choices: tuple[Choice, ...]
    hint: str | None = None
    kind: QuestionKind = "choice"


@dataclass(frozen=True, slots=True)
class Flag:
    """A warning sign (red: hard or soft) or a reassuring sign (green), with sources."""

    id: str
    colour: Colour
    hard: bool
    text: str
    sources: tuple[str, ...]


_YES_NO = (Choice(YES, N_("Yes")), Choice(NO, N_("No")), Choice(UNSURE, N_("I don't know")))

#: EU and EEA member states: their national competent authorities regulate medicines,
#: cell therapies included, with the EMA (ema-member-states).
EU_EEA: Final = (
    *("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"),
    *("IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"),
    *("IS", "LI", "NO"),
)
#: The countries the country question offers: every country of a listed programme, and
#: every country whose regulator :data:`REGULATORS` names (a test keeps this complete).
COUNTRIES: Final = tuple(
    sorted({*EU_EEA, "AU", "CH", "GB", "IL", "IN", "MX", "PH", "RU", "SG", "US", "ZA"})
)
OTHER_COUNTRY: Final = "other"
#: The price question's answer: an amount and an ISO currency code ("15000 USD").
PRICE_QUESTION: Final = "price_asked"

QUESTIONS: Final = (
    Question(
        "chemotherapy",
        N_(
            "Does the treatment include chemotherapy to remove the immune system (called "
            "conditioning) before the cells are given back?"
        ),
        _YES_NO,
    ),
    Question(
        "cells",
        N_("Which cells are given?"),
        (
            Choice(
                "own_blood_stem_cells",
                N_("My own blood-forming stem cells, collected from my blood"),
            ),
            Choice("mesenchymal", N_("Mesenchymal or stromal stem cells")),
            Choice("fat", N_("Cells taken from fat (adipose tissue, SVF)")),
            Choice("cord", N_("Cells from umbilical cord, placenta or amniotic fluid")),
            Choice("exosomes", N_("Exosomes or a cell extract")),
            Choice(UNSURE, N_("I was not told")),
        ),
    ),
    Question(
        "duration",
        N_(
            "How long does the whole treatment at the clinic take, from the first injection "
            "until you may go home?"
        ),
        (
            Choice(
                "hours_or_days",
                N_("A few hours or a few days, with no stay of several weeks"),
            ),
            Choice(
                "weeks",
                N_("Several weeks, with a time of very low blood counts spent in isolation"),
            ),
            Choice(UNSURE, N_("I don't know")),
        ),
        N_(
            "aHSCT takes weeks, even where people stay in a flat near the clinic rather than "
            "in hospital."
        ),
    ),
    Question(
        "price_covers",
        N_("What does the price pay for?"),
        (
            Choice(
                "whole_treatment",
                N_(
                    "The whole treatment: collecting my own stem cells, chemotherapy and the "
                    "weeks of care until I can go home"
                ),
            ),
            Choice(
                "cells",
                N_('"Stem cells" or injections, priced by the dose or by the number of cells'),
            ),
            Choice(UNSURE, N_("I don't know")),
        ),
    ),
    Question(
        PRICE_QUESTION,
        N_("What price does the clinic ask for the whole treatment?"),
        (Choice(UNSURE, N_("I don't know")),),
        N_(
            "Write the amount and choose its currency. Leave it empty if you do not know it, "
            "or if a public health system or an insurer pays."
        ),
        kind="price",
    ),
    Question(
        "criteria",
        N_(
            "Does the clinic publish whom it can treat (limits for EDSS, age "
            "or MS type), and does it turn some people down?"
        ),
        _YES_NO,
    ),
    Question(
        "pressure",
        N_('Are you pressed to decide or pay quickly (discounts, "only a few places left")?'),
        _YES_NO,
    ),
    Question(
        "many_diseases",
        N_(
            "Does the clinic treat many unrelated conditions (for example "
            "autism, ALS, joint pain) with the same treatment?"
        ),
        _YES_NO,
    ),
    Question(
        "cure_claim",
        N_("Does the clinic say its treatment cures MS, or that it works for all types of MS?"),
        _YES_NO,
    ),
    Question(
        "claims",
        N_(
            "Does the clinic promise results, claim there are no side effects or "
            "perfect satisfaction ratings, or rely on testimonials?"
        ),
        _YES_NO,
    ),
    Question(
        "pay_for_trial", N_('Are you asked to pay to take part in a "clinical trial"?'), _YES_NO
    ),
    Question(
        "registration_badge",
        N_(
            'Does the clinic present "FDA registered" or a '
            "ClinicalTrials.gov listing as proof that it is "
            "approved?"
        ),
        _YES_NO,
    ),
    Question(
        "accreditation",
        N_("Is the transplant unit accredited by JACIE or FACT?"),
        _YES_NO,
        N_(
            "JACIE and FACT accredit transplant units; general hospital labels "
            "such as JCI do not cover transplants."
        ),
    ),
    Question(
        "registry",
        N_("Does the clinic report its transplants to the EBMT or CIBMTR registry?"),
        _YES_NO,
    ),
    Question(
        "published_results",
        N_("Has the clinic published results for its MS patients in medical journals?"),
        _YES_NO,
    ),
    Question(
        "named_team",
        N_("Are a transplant haematologist and an MS neurologist named as your doctors?"),
        _YES_NO,
    ),
    Question(
        "follow_up",
        N_(
            "Is there a follow-up plan with your own doctors (vaccinations, "
            "infection prevention, MRI)?"
        ),
        _YES_NO,
    ),
    Question(
        "risks_explained",
        N_(
            "Did the clinic explain the risks, including infections, "
            "infertility and a small risk of death?"
        ),
        _YES_NO,
    ),
    Question(
        "country",
        N_("In which country is the clinic?"),
        (
            *(Choice(code, code) for code in COUNTRIES),
            Choice(OTHER_COUNTRY, N_("Another country")),
            Choice(UNSURE, N_("I don't know")),
        ),
        N_(
            "The country tells you which regulator to check the clinic with, and where to "
            "report it."
        ),
        kind="country",
    ),
)
QUESTION_IDS: Final = tuple(question.id for question in QUESTIONS)

_FDA, _ISSCR, _NMSS, _MSS = "fda-2021", "isscr-handbook", "nmss-questions", "mssociety-outside-nhs"
_EBMT, _EBMT_PATIENTS = "sharrack-2020", "jessop-2019"
_MSS_WHAT_TO_EXPECT, _MSS_ISOLATION = "mssociety-what-to-expect", "mssociety-hsct-isolation"

FLAGS: Final = {
    flag.id: flag
    for flag in (
        Flag(
            "no_chemotherapy",
            "red",
            True,
            N_(
                "No chemotherapy before the cells are given. aHSCT works by removing the immune "
                "system with chemotherapy; cells alone are not aHSCT."
            ),
            ("hsctlooksgoodonme", _EBMT, _FDA),
        ),
        Flag(
            "non_haematopoietic_product",
            "red",
            True,
            N_(
                "The product is mesenchymal, fat-derived, cord-blood or exosome material. None "
                "is approved for MS; such cells belong only in clinical trials."
            ),
            (_FDA, _EBMT),
        ),
        Flag(
            "hard_sell_without_criteria",
            "red",
            True,
            N_(
                "Pressure to decide or pay quickly, with no published criteria for whom the "
                "clinic can treat."
            ),
            (_FDA, _NMSS, "stemgenex-2019"),
        ),
        # Collecting the cells takes about 10 days of mobilisation, chemotherapy several
        # days, then blood counts stay very low until the returned cells grow (MS Society
        # "what to expect"); people spend weeks in isolation or in a flat near the clinic.
        Flag(
            "too_short",
            "red",
            True,
            N_(
                "A treatment that lasts hours or a few days. aHSCT takes weeks: stem cells are "
                "collected, chemotherapy is given, and blood counts then stay very low, in "
                'isolation, until they recover. A "stem cell" treatment this short is not '
                "aHSCT."
            ),
            (_EBMT, _EBMT_PATIENTS, _MSS_WHAT_TO_EXPECT, _MSS_ISOLATION),
        ),
        Flag("pressure", "red", False, N_("Pressure to decide or pay quickly."), (_FDA, _NMSS)),
        Flag(
            "no_criteria",
            "red",
            False,
            N_("No published criteria: legitimate programmes turn some people down."),
            (_MSS, _ISSCR),
        ),
        Flag(
            "many_diseases",
            "red",
            False,
            N_("One treatment for many unrelated diseases."),
            (_FDA, _ISSCR),
        ),
        # NMSS: for-profit clinics "advertise curing people with MS"; FDA: unapproved products
        # marketed "for the treatment or cure of a wide range of diseases", none approved for
        # MS; MS Society: aHSCT reduces relapses "for some people with, mainly, relapsing MS";
        # ECTRIMS-EBMT 2025: progressive MS only with inflammatory activity.
        Flag(
            "cure_claim",
            "red",
            False,
            N_(
                "The clinic markets a cure for MS, or one treatment for all types of MS. No "
                "treatment is proven to cure MS; aHSCT helps mainly active relapsing MS, and "
                "progressive MS only when there are signs of inflammation."
            ),
            (_NMSS, _FDA, _MSS_WHAT_TO_EXPECT, "muraro-2025"),
        ),
        Flag(
            "claims",
            "red",
            False,
            N_(
                'Promises, "no side effects", perfect satisfaction ratings or testimonials instead '
                "of published results."
            ),
            ("stemgenex-2019", _NMSS),
        ),
        Flag(
            "pay_for_trial", "red", False, N_('Being charged to take part in a "trial".'), (_FDA,)
        ),
        Flag(
            "registration_badge",
            "red",
            False,
            N_(
                '"FDA registered" or a ClinicalTrials.gov listing presented as approval; '
                "neither means the treatment is approved."
            ),
            (_FDA,),
        ),
        Flag(
            "no_published_results",
            "red",
            False,
            N_("No published results for MS patients."),
            (_ISSCR, _MSS),
        ),
        Flag(
            "no_named_team",
            "red",
            False,
            N_("No named transplant haematologist and MS neurologist."),
            (_EBMT,),
        ),
        Flag(
            "no_follow_up",
            "red",
            False,
            N_("No follow-up plan with your own doctors."),
            (_EBMT_PATIENTS, _MSS),
        ),
        Flag(
            "risks_not_explained",
            "red",
            False,
            N_(
                "Risks not explained. Consent for aHSCT includes infections, infertility and a "
                "small risk of death."
            ),
            (_EBMT_PATIENTS,),
        ),
        Flag(
            "regulator_warning",
            "red",
            False,
            N_("A regulator has issued a warning to this programme."),
            ("ipscell-2017",),
        ),
        # The documented prices are those of the listed programmes (each quote with its own
        # source, shown as the evidence); what aHSCT involves is Sharrack 2020; the MS
        # Society asks people to check what a price includes. "Less than half" is this
        # tool's own margin (PRICE_FAR_BELOW_SHARE), not a published threshold.
        Flag(
            "price_far_below",
            "red",
            False,
            N_(
                "The price asked is less than half the lowest price we have found for real "
                "aHSCT (see the price comparison). aHSCT means collecting your own stem cells, "
                "chemotherapy and weeks of care in a transplant unit; a price this low may mean "
                "that part of it is missing, or that the treatment is not aHSCT. Ask exactly "
                "what the price includes."
            ),
            (_EBMT, _MSS),
        ),
        # EBMT: the person's own haematopoietic cells are a rescue after chemotherapy; FDA:
        # stem cell products sold by clinics are unapproved; StemGenex sold adipose "stem
        # cell" treatments at US$14,900 each.
        Flag(
            "pay_for_cells",
            "red",
            False,
            N_(
                'A price for "stem cells" or injections. In aHSCT the stem cells are your own, '
                "collected from your blood, and you pay for collecting them, the chemotherapy "
                "and weeks of care in a transplant unit. Selling cells by the dose is how "
                'unproven "stem cell" clinics price their products.'
            ),
            (_EBMT, _FDA, "stemgenex-2019"),
        ),
        Flag(
            "chemotherapy",
            "green",
            False,
            N_("Conditioning chemotherapy before the person's own stem cells are returned."),
            (_EBMT,),
        ),
        Flag(
            "own_stem_cells",
            "green",
            False,
            N_("The person's own blood-forming stem cells are used."),
            (_EBMT,),
        ),
        Flag(
            "weeks_long",
            "green",
            False,
            N_("A treatment of several weeks with time in isolation, as expected for aHSCT."),
            (_EBMT,),
        ),
        Flag(
            "criteria",
            "green",
            False,
            N_("Published criteria for whom the clinic can treat."),
            (_MSS, _ISSCR),
        ),
        Flag(
            "accredited",
            "green",
            False,
            N_("Transplant accreditation (JACIE or FACT)."),
            (_EBMT, _MSS),
        ),
        Flag(
            "registry",
            "green",
            False,
            N_("Reports transplants to the EBMT or CIBMTR registry."),
            (_EBMT, _EBMT_PATIENTS),
        ),
        Flag(
            "published_results",
            "green",
            False,
            N_("Published results for MS patients."),
            (_ISSCR, _MSS),
        ),
        Flag(
            "named_team",
            "green",
            False,
            N_("A named transplant haematologist and MS neurologist."),
            (_EBMT,),
        ),
        Flag(
            "follow_up",
            "green",
            False,
            N_("A follow-up plan with the person's own doctors."),
            (_EBMT_PATIENTS, _MSS),
        ),
        Flag(
            "risks_explained",
            "green",
            False,
            N_("Risks explained, including infections, infertility and a small risk of death."),
            (_EBMT_PATIENTS,),
        ),
    )
}

#: For yes/no questions: the flag raised by "yes" and the flag raised by "no".
_YES_NO_FLAGS: Final = {
    "chemotherapy": ("chemotherapy", "no_chemotherapy"),
    "criteria": ("criteria", "no_criteria"),
    "pressure": ("pressure", None),
    "many_diseases": ("many_diseases", None),
    "cure_claim": ("cure_claim", None),
    "claims": ("claims", None),
    "pay_for_trial": ("pay_for_trial", None),
    "registration_badge": ("registration_badge", None),
    "accreditation": ("accredited", None),
    "registry": ("registry", None),
    "published_results": ("published_results", "no_published_results"),
    "named_team": ("named_team", "no_named_team"),
    "follow_up": ("follow_up", "no_follow_up"),
    "risks_explained": ("risks_explained", "risks_not_explained"),
}
_NON_HAEMATOPOIETIC: Final = ("mesenchymal", "fat", "cord", "exosomes")
#: Green flags beyond chemotherapy and own cells needed to call a programme consistent.
GREEN_FLAGS_NEEDED: Final = 3

VERDICT_TEXT: Final[dict[Verdict, str]] = {
    "not_ahsct": N_("This is not aHSCT, or not a programme to trust."),
    "serious_concerns": N_("Serious concerns: several warning signs."),
    "some_concerns": N_("Some concerns: one warning sign to clear up before going further."),
    "unclear": N_("We cannot tell yet whether this is aHSCT: ask the questions below."),
    "check_more": N_("This looks like aHSCT, but several safeguards are not known yet."),
    "consistent_with_ahsct": N_("Consistent with a legitimate aHSCT programme."),
}
#: The verdict in a few words, for the short verdict kept in view while answering.
VERDICT_SHORT: Final[dict[Verdict, str]] = {
    "not_ahsct": N_("not aHSCT, or not a programme to trust"),
    "serious_concerns": N_("serious concerns"),
    "some_concerns": N_("some concerns"),
    "unclear": N_("cannot tell yet"),
    "check_more": N_("looks like aHSCT, safeguards not known yet"),
    "consistent_with_ahsct": N_("consistent with a legitimate aHSCT programme"),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """A flag that was raised, why, and where the rule comes from."""

    flag: Flag
    message: Message
    sources: tuple[Citation, ...]
    evidence: Citation | None = None


# ---------------------------------------------------------------- the price asked

#: A price asked below this share of the lowest price documented for a listed aHSCT
#: programme raises the "price_far_below" warning sign. The share is this tool's own margin
#: for cheaper real programmes the knowledge base does not list, not a published threshold;
#: between it and the lowest documented price the comparison is shown without a warning.
PRICE_FAR_BELOW_SHARE: Final = 0.5
#: Prices at or above this are refused as typing errors (10 billion in any currency).
PRICE_MAX: Final = 10_000_000_000
#: Currencies accepted beside those of the rate table (none today: the rouble, which the
#: ECB has not published since 1 March 2022, has the Bank of Russia's rate of the same
#: day in exchange_rates.yaml). A currency listed here and missing from the table is kept
#: with the price but not compared.
EXTRA_CURRENCIES: Final = ("RUB",)
PriceStatus = Literal["far_below", "below_lowest", "not_below", "not_comparable"]
_PRICE_SOURCES: Final = (_EBMT, _MSS)
_AMOUNT: Final = re.compile(r"(?P<whole>\d+(?:[.,]\d{3})*)(?:[.,](?P<fraction>\d{1,2}))?")
_SPACES: Final = re.compile(r"[\s'\u00a0\u202f]")
_PRICE_CHARS: Final = 60  # longer text is not a price (and is never matched)
_PRICE: Final = re.compile(r"(?P<amount>.*?)\s*(?P<currency>[A-Za-z]{3})?", re.DOTALL)
PRICE_EXAMPLE: Final = "15000 USD"


@dataclass(frozen=True, slots=True)
class PriceQuote:
    """A price documented for a listed aHSCT programme, and about how much it is in euros."""

    facility_id: str
    facility_name: str
    quote: CostQuote
    in_euros: float
    source: Citation

    @property
    def upper_in_euros(self) -> float:
        """The top of a quoted range in euros (the amount itself when not a range)."""
        return self.in_euros * (self.quote.amount_max or self.quote.amount) / self.quote.amount


@dataclass(frozen=True, slots=True)
class PriceCheck:
    """The price asked beside the prices documented for real aHSCT.

    ``status``: ``far_below`` (less than :data:`PRICE_FAR_BELOW_SHARE` of the lowest
    documented price: a warning sign), ``below_lowest`` (below every documented price, but
    not that far), ``not_below`` (at or above the lowest), ``not_comparable`` (no rate for
    the currency, or no documented price). ``in_euros`` uses the bundled ECB table
    (``rates``); documented quotes are of different years and are not adjusted.
    """

    amount: float
    currency: str
    in_euros: float | None
    status: PriceStatus
    lowest: PriceQuote | None
    highest: PriceQuote | None
    rates: Citation
    sources: tuple[Citation, ...]
    #: Rates from outside the ECB table that the conversion used (the rouble's).
    other_rates: tuple[Citation, ...] = ()


def price_currencies(catalog: Catalog) -> tuple[str, ...]:
    """The currencies a price may be given in: the rate table's and :data:`EXTRA_CURRENCIES`."""
    return tuple(sorted({*catalog.rates.table, *EXTRA_CURRENCIES}))


def _price_error(message: Message, allowed: Message | None = None) -> InvalidInput:
    return InvalidInput([FieldError.translatable(PRICE_QUESTION, message, allowed)])


def parse_price(text: str, currencies: tuple[str, ...]) -> tuple[float, str]:
    """An amount and its currency from ``"15000 USD"`` (also ``15,000 usd``, ``15 000,50 EUR``).

    Separators between thousands may be spaces, commas, dots or apostrophes; a comma or dot
    followed by one or two final digits is the decimal separator. The amount is checked
    first, then the currency.

    >>> parse_price("15.000 eur", ("EUR", "USD"))
    (15000.0, 'EUR')
    >>> parse_price("1 234,5 USD", ("EUR", "USD"))
    (1234.5, 'USD')
    """
    parts = _PRICE.fullmatch(text.strip()) if len(text) <= _PRICE_CHARS else None
    amount_text, currency = (parts["amount"], parts["currency"]) if parts else (text, None)
    if not amount_text and currency:  # letters only: an amount that is not one
        amount_text, currency = currency, None
    compact = _SPACES.sub("", amount_text)
    found = _AMOUNT.fullmatch(compact) if len(compact) <= 40 else None
    if found is None:
        raise _price_error(
            Message(
                N_("{text} is not an amount: write it in figures, for example 15000."),
                {"text": excerpt(amount_text.strip())},
            ),
            Message(
                N_("an amount in figures and a currency, for example {example}"),
                {"example": PRICE_EXAMPLE},
            ),
        )
    amount = float(f"{re.sub(r'[.,]', '', found['whole'])}.{found['fraction'] or '0'}")
    if not 0 < amount < PRICE_MAX:
        raise _price_error(
            Message(
                N_(
                    "The amount must be more than 0 and less than 10 billion; leave it empty "
                    "if you pay nothing."
                )
            )
        )
    if currency is None:
        raise _price_error(
            Message(N_("Choose the currency of the price.")), Message(", ".join(currencies))
        )
    if currency.upper() not in currencies:
        raise _price_error(
            Message(N_("{currency} is not a currency on the list."), {"currency": currency}),
            Message(", ".join(currencies)),
        )
    return amount, currency.upper()


def documented_prices(catalog: Catalog) -> tuple[PriceQuote, ...]:
    """Every treatment price of a listed programme that has a source and a euro rate,
    cheapest first (a range counts by its lower end)."""
    found = []
    for facility in catalog.facilities.values():
        for fact in facility.costs:
            quote = fact.value
            if quote is None or quote.kind != "treatment" or not fact.src:
                continue
            in_euros = convert(quote.amount, quote.currency, "EUR", catalog.rates)
            if in_euros is not None:
                source = catalog.citation(fact.src, fact.as_of)
                found.append(PriceQuote(facility.id, facility.name, quote, in_euros, source))
    return tuple(sorted(found, key=lambda q: (q.in_euros, q.facility_id)))


def price_check(amount: float, currency: str, catalog: Catalog) -> PriceCheck:
    """Compare a price asked with the prices documented for listed aHSCT programmes.

    Unknown stays unknown: without a euro rate for ``currency`` (or without any documented
    price) the status is ``not_comparable`` and no warning is raised.
    """
    quotes = documented_prices(catalog)
    lowest = quotes[0] if quotes else None
    highest = max(quotes, key=lambda q: q.upper_in_euros) if quotes else None
    in_euros = convert(amount, currency, "EUR", catalog.rates)
    status: PriceStatus
    if in_euros is None or lowest is None:
        status = "not_comparable"
    elif in_euros < PRICE_FAR_BELOW_SHARE * lowest.in_euros:
        status = "far_below"
    elif in_euros < lowest.in_euros:
        status = "below_lowest"
    else:
        status = "not_below"
    return PriceCheck(
        amount=amount,
        currency=currency,
        in_euros=in_euros,
        status=status,
        lowest=lowest,
        highest=highest,
        rates=catalog.citation(catalog.rates.src),
        sources=tuple(catalog.citation(s) for s in _PRICE_SOURCES),
        other_rates=tuple(
            catalog.citation(other.src)
            for code, other in catalog.rates.others.items()
            if code == currency
        ),
    )


# ---------------------------------------------------------------- the country: regulators


@dataclass(frozen=True, slots=True)
class Regulator:
    """A regulator to check a clinic with and to report it to, with its sources.

    ``report_src`` is the source whose address is the regulator's reporting page; None when
    no reporting page could be confirmed (the regulator is then named without a link).
    ``warning`` is a warning the regulator gave about unproven cell treatments, with its
    sources; None when none was found (which does not mean there was none).
    """

    id: str
    name: str
    countries: tuple[str, ...]
    how: str
    sources: tuple[str, ...]
    report_src: str | None = None
    warning: str | None = None
    warning_srcs: tuple[str, ...] = ()


REGULATORS: Final = (
    Regulator(
        "fda",
        N_("U.S. Food and Drug Administration (FDA)"),
        ("US",),
        N_(
            "If you were harmed by a stem cell, exosome or other product sold as regenerative "
            "medicine, report it to the FDA's MedWatch programme; you can fill in the form "
            "yourself. The FDA asks what happened and when, the product's name or "
            "description, who made it, and whether it was made from your own cells."
        ),
        ("fda-stem-cell-reporting",),
        report_src="fda-stem-cell-reporting",
        warning=N_(
            "The FDA warns that clinics sell unapproved stem cell and exosome products. The "
            "only approved stem cell products are blood-forming cells from umbilical cord "
            "blood, for disorders of blood production; none is approved for MS."
        ),
        warning_srcs=("fda-consumer-alert-2020", _FDA),
    ),
    Regulator(
        "mhra",
        N_("Medicines and Healthcare products Regulatory Agency (MHRA), United Kingdom"),
        ("GB",),
        N_(
            "Report a suspected side effect of, or a problem with, a medicine or medical "
            "device through the MHRA's Yellow Card scheme, online, by phone or with its app."
        ),
        ("mhra-yellow-card",),
        report_src="mhra-yellow-card",
    ),
    Regulator(
        "eu_national",
        N_("The national medicines authority of the country (EU and EEA)"),
        EU_EEA,
        N_(
            "Each EU and EEA country has a national authority that regulates medicines, cell "
            "therapies included, together with the European Medicines Agency (EMA). Report "
            "a clinic to the authority of the country where it is; the EMA's page on the "
            "member states is where to start."
        ),
        ("ema-member-states",),
        report_src="ema-member-states",
        warning=N_(
            "In 2020 the EMA warned patients not to use unregulated cell therapies advertised "
            "in the EU as remedies for many diseases: serious, sometimes fatal, side effects "
            "have been reported."
        ),
        warning_srcs=("famhp-ema-2020",),
    ),
    Regulator(
        "roszdravnadzor",
        N_("Roszdravnadzor (Federal Service for Surveillance in Healthcare), Russia"),
        ("RU",),
        N_(
            "Roszdravnadzor is Russia's federal service for surveillance in healthcare; it "
            "takes appeals from citizens and organisations."
        ),
        ("roszdravnadzor-faq",),
    ),
    Regulator(
        "cofepris",
        N_("COFEPRIS (Federal Commission for the Protection against Sanitary Risks), Mexico"),
        ("MX",),
        N_(
            "COFEPRIS is Mexico's federal health regulator; research with stem cell "
            "treatments needs its authorisation."
        ),
        ("jornada-cofepris-2015",),
        warning=N_(
            "In December 2015 COFEPRIS suspended the mesenchymal stem cell treatments of a "
            "Mexico City clinic, which had no authorised research protocol and no clinical "
            "studies behind them."
        ),
        warning_srcs=("jornada-cofepris-2015",),
    ),
)
#: What a person can do for a clinic in a country without a regulator listed here.
OTHER_COUNTRY_TEXT: Final = N_(
    "We list no regulator for this country. Ask the clinic which authority licenses it and "
    "its cell product, check with that authority, and report a suspect clinic to the "
    "medicines regulator of the country where it is."
)


@dataclass(frozen=True, slots=True)
class RegulatorRoute:
    """A regulator with its sources resolved: where to report, and any warning it gave."""

    regulator: Regulator
    sources: tuple[Citation, ...]
    report: Citation | None
    warning_sources: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class CountryCheck:
    """What the clinic's country tells: its regulator (if listed) and our listed programmes.

    It raises no flag: a country says nothing about one clinic.
    """

    country: str
    regulator: RegulatorRoute | None
    listed: tuple[Facility, ...]


def regulator_for(country: str) -> Regulator | None:
    """The regulator :data:`REGULATORS` names for an ISO country code, if any."""
    return next((r for r in REGULATORS if country in r.countries), None)


def _route(regulator: Regulator, catalog: Catalog) -> RegulatorRoute:
    return RegulatorRoute(
        regulator,
        tuple(catalog.citation(s) for s in regulator.sources),
        catalog.citation(regulator.report_src) if regulator.report_src else None,
        tuple(catalog.citation(s) for s in regulator.warning_srcs),
    )


def report_routes(catalog: Catalog, country: str | None = None) -> tuple[RegulatorRoute, ...]:
    """Every regulator to report a suspect clinic to; the one for ``country`` first."""
    first = regulator_for(country) if country else None
    ordered = sorted(REGULATORS, key=lambda r: r is not first)
    return tuple(_route(regulator, catalog) for regulator in ordered)


def patient_guide(catalog: Catalog) -> Citation:
    """The ISSCR's patient guide, "A Closer Look at Stem Cells" (questions to ask)."""
    return catalog.citation(_ISSCR)


def country_check(country: str, catalog: Catalog) -> CountryCheck:
    """The regulator for ``country`` (an ISO code or ``other``) and our programmes there."""
    regulator = regulator_for(country)
    listed = tuple(
        sorted(
            (f for f in catalog.facilities.values() if f.country == country),
            key=lambda f: (f.city, f.name),
        )
    )
    return CountryCheck(country, _route(regulator, catalog) if regulator else None, listed)


# ---------------------------------------------------------------- the rating


@dataclass(frozen=True, slots=True)
class Rating:
    """The verdict, the flags behind it, and the questions still to ask.

    ``price`` and ``country`` are what the price asked and the clinic's country tell, when
    answered; they are None for a listed facility's rating.
    """

    verdict: Verdict
    summary: Message
    red: tuple[Reason, ...]
    green: tuple[Reason, ...]
    unanswered: tuple[Question, ...]
    price: PriceCheck | None = None
    country: CountryCheck | None = None

    @property
    def short(self) -> str:
        """The verdict in a few words (a marked string, translated where shown)."""
        return VERDICT_SHORT[self.verdict]

    @property
    def answered(self) -> int:
        """How many questions have an answer other than "I don't know"."""
        return len(QUESTIONS) - len(self.unanswered)


def validate_answers(answers: Mapping[str, str], *, currencies: tuple[str, ...]) -> dict[str, str]:
    """Answers keyed by question id; unknown questions or choices are named.

    A price (:data:`PRICE_QUESTION`) is an amount and a currency from ``currencies``, or
    "unsure"; it is kept as given and read by :func:`parse_price`.
    """
    errors = []
    allowed = {question.id: {c.value for c in question.choices} for question in QUESTIONS}
    for key, value in answers.items():
        if key not in allowed:
            errors.append(
                FieldError(key, "is not a question of the questionnaire", ", ".join(QUESTION_IDS))
            )
        elif key == PRICE_QUESTION and value != UNSURE:
            try:
                parse_price(value, currencies)
            except InvalidInput as exc:
                errors.extend(exc.errors)
        elif value not in allowed[key]:
            errors.append(
                FieldError(
                    key, f"{value!r} is not one of the answers", ", ".join(sorted(allowed[key]))
                )
            )
    if errors:
        raise InvalidInput(errors)
    return dict(answers)


def rate(
    answers: Mapping[str, str],
    catalog: Catalog,
    evidence: Mapping[str, Citation] | None = None,
    extra_flags: tuple[str, ...] = (),
) -> Rating:
    """Rate a clinic from questionnaire answers (missing or "unsure" count as unknown).

    ``evidence`` optionally gives, per question or flag id, the source an answer was taken
    from, and ``extra_flags`` flags known from sources rather than asked (a regulator's
    warning); both are used when rating a listed facility from its facts.
    """
    currencies = price_currencies(catalog)
    answers = validate_answers(answers, currencies=currencies)
    evidence = dict(evidence or {})
    raised: list[tuple[str, str]] = []  # (flag id, question id)
    for question, (on_yes, on_no) in _YES_NO_FLAGS.items():
        answer = answers.get(question)
        if answer == YES:
            raised.append((on_yes, question))
        elif answer == NO and on_no is not None:
            raised.append((on_no, question))
    cells = answers.get("cells")
    if cells == "own_blood_stem_cells":
        raised.append(("own_stem_cells", "cells"))
    elif cells in _NON_HAEMATOPOIETIC:
        raised.append(("non_haematopoietic_product", "cells"))
    duration = answers.get("duration")
    if duration == "hours_or_days":
        raised.append(("too_short", "duration"))
    elif duration == "weeks":
        raised.append(("weeks_long", "duration"))
    if answers.get("pressure") == YES and answers.get("criteria") == NO:
        raised.append(("hard_sell_without_criteria", "pressure"))
    if answers.get("price_covers") == "cells":
        raised.append(("pay_for_cells", "price_covers"))
    price = None
    if answers.get(PRICE_QUESTION, UNSURE) != UNSURE:
        price = price_check(*parse_price(answers[PRICE_QUESTION], currencies), catalog)
        if price.status == "far_below" and price.lowest is not None:
            raised.append(("price_far_below", PRICE_QUESTION))
            evidence[PRICE_QUESTION] = price.lowest.source
    raised.extend((flag, flag) for flag in extra_flags)
    country = answers.get("country", UNSURE)

    reasons = [_reason(FLAGS[flag], catalog, evidence.get(question)) for flag, question in raised]
    red = tuple(r for r in reasons if r.flag.colour == "red")
    green = tuple(r for r in reasons if r.flag.colour == "green")
    verdict = _verdict(answers, red, green)
    unanswered = tuple(
        question for question in QUESTIONS if answers.get(question.id, UNSURE) == UNSURE
    )
    return Rating(
        verdict,
        Message(VERDICT_TEXT[verdict]),
        red,
        green,
        unanswered,
        price=price,
        country=None if country == UNSURE else country_check(country, catalog),
    )


def _reason(flag: Flag, catalog: Catalog, evidence: Citation | None) -> Reason:
    return Reason(
        flag, Message(flag.text), tuple(catalog.citation(s) for s in flag.sources), evidence
    )


def _verdict(
    answers: Mapping[str, str], red: tuple[Reason, ...], green: tuple[Reason, ...]
) -> Verdict:
    if any(reason.flag.hard for reason in red):
        return "not_ahsct"
    if len(red) >= 2:
        return "serious_concerns"
    if red:
        return "some_concerns"
    core = answers.get("chemotherapy") == YES and answers.get("cells") == "own_blood_stem_cells"
    if not core:
        return "unclear"
    safeguards = [
        r for r in green if r.flag.id not in ("chemotherapy", "own_stem_cells", "weeks_long")
    ]
    return "consistent_with_ahsct" if len(safeguards) >= GREEN_FLAGS_NEEDED else "check_more"


def facility_answers(
    facility: Facility, catalog: Catalog
) -> tuple[dict[str, str], dict[str, Citation]]:
    """Questionnaire answers read from a listed facility's sourced facts, with evidence.

    Only what the facts show is answered; everything else stays unknown.
    """
    answers: dict[str, str] = {}
    evidence: dict[str, Citation] = {}

    def answer(question: str, value: str, src: str | None, as_of: str | None = None) -> None:
        answers[question] = value
        if src:
            evidence[question] = catalog.citation(src, as_of)

    chemo_flag = facility.flags.get("chemotherapy")
    if facility.regimens.known:
        answer("chemotherapy", YES, facility.regimens.src)
        answer("cells", "own_blood_stem_cells", facility.regimens.src)
    elif chemo_flag is not None and chemo_flag.value == YES:
        answer("chemotherapy", YES, chemo_flag.src)
        answer("cells", "own_blood_stem_cells", chemo_flag.src)
    if facility.stay_days.value is not None and (facility.stay_days.value.min or 0) >= 14:
        answer("duration", "weeks", facility.stay_days.src)
    if any(a in ("JACIE", "FACT") for a in facility.accreditation.value or ()):
        answer("accreditation", YES, facility.accreditation.src)
    if any(r in ("EBMT", "CIBMTR") for r in facility.registry_reporting.value or ()):
        answer("registry", YES, facility.registry_reporting.src)
    studies = [s for s in catalog.studies.values() if facility.id in s.facilities]
    if studies:
        answer("published_results", YES, studies[0].src)
    ruleset = catalog.facility_ruleset(facility.id)
    if ruleset is not None and any(
        c.assessed_by == "profile" for c in catalog.criteria(ruleset.id)
    ):
        answer("criteria", YES, ruleset.src)
    roles = {c.role for c in facility.lead_clinicians.value or ()}
    if {"haematologist", "neurologist"} <= roles:
        answer("named_team", YES, facility.lead_clinicians.src)
    if facility.follow_up.known:
        answer("follow_up", YES, facility.follow_up.src)
    return answers, evidence


def rate_facility(facility: Facility, catalog: Catalog) -> Rating:
    """Rate a listed facility from what its sourced facts show."""
    answers, evidence = facility_answers(facility, catalog)
    warning = facility.flags.get("regulator_warning")
    extra: tuple[str, ...] = ()
    if warning is not None and warning.known:
        extra = ("regulator_warning",)
        if warning.src:
            evidence["regulator_warning"] = catalog.citation(warning.src)
    return rate(answers, catalog, evidence, extra)


# ---------------------------------------------------------------- cautions for listed clinics

_JACIE = "jacie-patients"
_TRANSPLANT_ACCREDITATIONS: Final = ("JACIE", "FACT")
#: The best evidence for aHSCT: people under 45 with an EDSS of 5.5 or less (EBMT 2020 as
#: summarised by the MS Society; ECTRIMS-EBMT 2025's ideal profile is also under 45).
BEST_EVIDENCE_EDSS: Final = 5.5
BEST_EVIDENCE_AGE: Final = 45
_BEST_EVIDENCE_SOURCES: Final = ("mssociety-ebmt-summary", _EBMT)
#: EBMT patient statement: treatment "in accredited transplant centres"; NMSS: "only at
#: accredited stem cell centers"; MS Society: check the centre is regulated to international
#: standards (JACIE map); JACIE: what accreditation means and the list of centres.
_ACCREDITATION_SOURCES: Final = (_EBMT_PATIENTS, _NMSS, _MSS, _JACIE)

# Each text ends with the same advice; kept as whole literals so they can be translated.
ACCREDITATION_TEXT: Final = {
    # The facility names only other labels (JCI accredits whole hospitals, not transplants).
    "other": N_(
        "Accredited as {labels}, which is general hospital accreditation; no JACIE or FACT "
        "accreditation of the transplant unit was found. JACIE and FACT inspect transplant "
        "units against international standards, and the EBMT advises having aHSCT in an "
        "accredited centre: ask the clinic, and check their lists of accredited centres."
    ),
    # The knowledge base records that it was looked for and not found.
    "not_found": N_(
        "No JACIE or FACT accreditation of the transplant unit was found. JACIE and FACT "
        "inspect transplant units against international standards, and the EBMT advises having "
        "aHSCT in an accredited centre: ask the clinic, and check their lists of accredited "
        "centres."
    ),
    # Nothing is recorded either way.
    "not_recorded": N_(
        "We have no record of JACIE or FACT accreditation for this transplant unit. JACIE and "
        "FACT inspect transplant units against international standards, and the EBMT advises "
        "having aHSCT in an accredited centre: ask the clinic, and check their lists of "
        "accredited centres."
    ),
}
#: Facility status -> (caution id, text); {date} is the status fact's date (its own "as of",
#: else its source's). Other statuses give no caution.
STATUS_CAUTIONS: Final = {
    "closed": (
        "status_closed",
        N_("Closed to new patients (as of {date}): this is not a programme to apply to."),
    ),
    "historical": (
        "status_historical",
        N_(
            "This programme treated people with MS in the past (source dated {date}); no "
            "current programme was found."
        ),
    ),
    "programme_not_confirmed": (
        "status_not_confirmed",
        N_(
            "No current aHSCT programme for MS could be confirmed at this hospital; the latest "
            "source found is dated {date}. Ask the hospital whether it treats MS before "
            "planning anything."
        ),
    ),
}
EDSS_TEXT: Final = N_(
    "Accepts people with an EDSS up to {limit}, higher than any guideline allows (the most "
    "permissive, {guideline}, stops at {guideline_limit}). The best evidence for aHSCT is at "
    "an EDSS of {best} or less: ask the clinic what benefit it expects at your EDSS."
)
EDSS_CASE_BY_CASE_TEXT: Final = N_(
    "Accepts people with an EDSS up to {limit} (usually up to {usual}; higher case by case), "
    "higher than any guideline allows (the most permissive, {guideline}, stops at "
    "{guideline_limit}). The best evidence for aHSCT is at an EDSS of {best} or less: ask the "
    "clinic what benefit it expects at your EDSS."
)
AGE_TEXT: Final = N_(
    "Accepts people up to age {limit}, older than any guideline allows (the most permissive, "
    "{guideline}, stops at {guideline_limit}). The best evidence for aHSCT is in people under "
    "{best}: ask the clinic how it weighs the risks at your age."
)
DATE_NOT_STATED: Final = N_("date not stated")
CAUTION_IDS: Final = (
    "status_closed",
    "status_historical",
    "status_not_confirmed",
    "no_transplant_accreditation",
    "edss_beyond_guidelines",
    "age_beyond_guidelines",
)


@dataclass(frozen=True, slots=True)
class Caution:
    """Something to check about a listed facility before going further, with its sources.

    ``sources`` back the rule (why it matters); ``evidence`` are the sources of the
    facility's own facts it was read from (its status, accreditation or criteria).
    """

    id: str
    message: Message
    sources: tuple[Citation, ...]
    evidence: tuple[Citation, ...] = ()

    @property
    def citations(self) -> tuple[Citation, ...]:
        """Every source, those of the rule first, each once."""
        return tuple(dict.fromkeys((*self.sources, *self.evidence)))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: id, the message in English, the sources of rule and facts."""
        return {
            "id": self.id,
            "message": str(self.message),
            "sources": [s.to_dict() for s in self.sources],
            "evidence": [s.to_dict() for s in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class GuidelineLimit:
    """The highest limit any guideline sets for a parameter, and where it is set."""

    value: float
    ruleset: RuleSet
    src: str


def _upper(criterion: Criterion) -> float | None:
    """The highest value a simple criterion allows (None: no upper end)."""
    if criterion.operator == "between":
        return float(criterion.threshold[1])
    if criterion.operator in ("<", "<=", "=="):
        return float(criterion.threshold)
    return None


def guideline_limit(catalog: Catalog, parameter: Literal["edss", "age"]) -> GuidelineLimit | None:
    """The most permissive upper limit for ``parameter`` in any guideline rule set.

    Every rule set of kind ``guideline`` counts, superseded ones too, and soft limits as
    well as hard ones, so a limit beyond it is beyond every guideline however read.
    Conditional criteria (those with ``when``) are left out. The first guideline in
    catalogue order wins a tie.
    """
    found: GuidelineLimit | None = None
    for ruleset in catalog.rulesets.values():
        if ruleset.kind != "guideline":
            continue
        for criterion in catalog.criteria(ruleset.id):
            if criterion.parameter != parameter or criterion.when is not None:
                continue
            high = _upper(criterion)
            if high is not None and (found is None or high > found.value):
                found = GuidelineLimit(high, ruleset, criterion.src or ruleset.src)
    return found


def _criterion_src(catalog: Catalog, facility_id: str, parameter: str, value: float) -> str:
    """The source of the facility criterion that sets this upper limit."""
    for criterion in catalog.criteria(facility_id):
        simple = criterion.parameter == parameter and criterion.when is None
        if simple and criterion.src and _upper(criterion) == value:
            return criterion.src
    return catalog.rulesets[facility_id].src


def _status_caution(facility: Facility, catalog: Catalog) -> Caution | None:
    status = facility.status
    if status.value not in STATUS_CAUTIONS:
        return None
    caution_id, text = STATUS_CAUTIONS[status.value]
    date = catalog.fact_date(status)
    evidence = (catalog.citation(status.src, status.as_of),) if status.src else ()
    params = {"date": date if date else Message(DATE_NOT_STATED)}
    return Caution(caution_id, Message(text, params), (), evidence)


def _accreditation_caution(facility: Facility, catalog: Catalog) -> Caution | None:
    fact = facility.accreditation
    labels = fact.value or ()
    if any(label in _TRANSPLANT_ACCREDITATIONS for label in labels):
        return None
    if labels:
        message = Message(ACCREDITATION_TEXT["other"], {"labels": ", ".join(labels)})
    elif fact.value is not None or fact.note is not None or fact.tag == "GAP":
        message = Message(ACCREDITATION_TEXT["not_found"])
    else:
        message = Message(ACCREDITATION_TEXT["not_recorded"])
    evidence = (catalog.citation(fact.src, fact.as_of),) if fact.src else ()
    sources = tuple(catalog.citation(s) for s in _ACCREDITATION_SOURCES)
    return Caution("no_transplant_accreditation", message, sources, evidence)


def _limit_cautions(facility: Facility, catalog: Catalog) -> list[Caution]:
    if facility.id not in catalog.rulesets:
        return []
    limits = catalog.limits(facility.id)
    best_sources = tuple(catalog.citation(s) for s in _BEST_EVIDENCE_SOURCES)
    cautions = []
    edss = limits.edss_max if limits.edss_max is not None else limits.edss_soft_max
    top = guideline_limit(catalog, "edss")
    if edss is not None and top is not None and edss > top.value:
        params: dict[str, str | Message] = {
            "limit": format_value("edss", edss),
            "guideline": top.ruleset.short_title,
            "guideline_limit": format_value("edss", top.value),
            "best": format_value("edss", BEST_EVIDENCE_EDSS),
        }
        text = EDSS_TEXT
        if limits.edss_max is not None and limits.edss_soft_max is not None:
            text = EDSS_CASE_BY_CASE_TEXT
            params["usual"] = format_value("edss", limits.edss_soft_max)
        cautions.append(
            Caution(
                "edss_beyond_guidelines",
                Message(text, params),
                (catalog.citation(top.src), *best_sources),
                (catalog.citation(_criterion_src(catalog, facility.id, "edss", edss)),),
            )
        )
    age = limits.age_max
    top = guideline_limit(catalog, "age")
    if age is not None and top is not None and age > top.value:
        message = Message(
            AGE_TEXT,
            {
                "limit": format_value("age", age),
                "guideline": top.ruleset.short_title,
                "guideline_limit": format_value("age", top.value),
                "best": format_value("age", BEST_EVIDENCE_AGE),
            },
        )
        cautions.append(
            Caution(
                "age_beyond_guidelines",
                message,
                (catalog.citation(top.src), *best_sources),
                (catalog.citation(_criterion_src(catalog, facility.id, "age", age)),),
            )
        )
    return cautions


def facility_cautions(facility: Facility, catalog: Catalog) -> tuple[Caution, ...]:
    """What to check about a listed facility before going further, most important first.

    - its programme is closed, historical or not confirmed (with the status date and source);
    - no JACIE or FACT accreditation of the transplant unit is recorded;
    - it accepts an EDSS above the highest EDSS limit of any guideline;
    - it accepts people older than the highest age limit of any guideline.

    Limits the facility does not publish give no caution: unknown is not a warning sign.
    """
    found = [
        _status_caution(facility, catalog),
        _accreditation_caution(facility, catalog),
        *_limit_cautions(facility, catalog),
    ]
    return tuple(caution for caution in found if caution is not None)
