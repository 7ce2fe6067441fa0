"""Criteria in words (in every language) and prices in the reader's conventions."""

from __future__ import annotations

import pytest

from hsct.common.i18n import translations
from hsct.knowledge import convert, describe, format_money, load_catalog
from hsct.knowledge.schema import Criterion


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"parameter": "age", "operator": "<", "threshold": 45}, "Age: under 45"),
        ({"parameter": "edss", "operator": "<=", "threshold": 6.5}, "EDSS: 6.5 or less"),
        ({"parameter": "edss", "operator": "between", "threshold": [2, 6]}, "EDSS: 2.0 to 6.0"),
        (
            {"parameter": "failed_dmts", "operator": ">=", "threshold": 2},
            "MS drugs that failed: at least 2",
        ),
        (
            {"parameter": "ms_type", "operator": "in", "threshold": ["RRMS", "SPMS"]},
            "MS type: relapsing-remitting MS or secondary-progressive MS",
        ),
        (
            {"parameter": "csf_oligoclonal_bands", "operator": "is_true"},
            "Oligoclonal bands in the spinal fluid: yes",
        ),
    ],
)
def test_describe(data: dict[str, object], text: str) -> None:
    """Each operator reads naturally."""
    assert describe(Criterion(id="c", **data)).text == text  # type: ignore[arg-type]


def test_describe_conditions_and_parts() -> None:
    """Conditional and composite criteria keep their structure."""
    london = {c.id: c for c in load_catalog().criteria("nhs-london-2016")}

    ppms = describe(london["ppms-oligoclonal-bands"])
    active = describe(london["active-disease"])

    assert ppms.condition == "Applies if MS type: primary-progressive MS"
    assert active.text == "At least one of these:"
    assert [p.text for p in active.parts] == [
        "Enhancing MRI lesions in the last 12 months: at least 1",
        "New T2 lesions in the last 12 months: at least 2",
    ]


def test_describe_in_russian() -> None:
    """Descriptions are built from translated parts, not translated data files."""
    criterion = Criterion(id="c", parameter="age", operator="between", threshold=[18, 65])

    assert describe(criterion, translations("ru").gettext).text == "Возраст: от 18 до 65"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "$55,000"), ("ru", "55\xa0000\xa0$"), ("es", "55.000\xa0US$")],
)
def test_money_in_each_language(locale: str, expected: str) -> None:
    """Whole units, grouped and placed as the language writes them."""
    assert format_money(55000, "USD", locale) == expected


def test_conversion_uses_the_bundled_rates_and_refuses_unknown_currencies() -> None:
    """Through the euro; no rate, no number."""
    rates = load_catalog().rates

    assert round(convert(55000, "USD", "MXN", rates) or 0) == 1005228
    assert convert(1000, "USD", "KZT", rates) is None
    # The rouble: the Bank of Russia's rate of the same day, not the ECB's (it has none).
    assert round(convert(1000, "USD", "RUB", rates) or 0) == round(1000 / 1.0705 * 90.9874)
    assert rates.others["RUB"].src == "cbr-2024-06-28"
    assert rates.date == "2024-06-28"
