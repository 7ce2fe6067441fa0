"""Prices: shown as quoted, with an approximate conversion using the bundled rate table."""

from __future__ import annotations

from babel import Locale
from babel.numbers import format_currency

from hsct.knowledge.schema import ExchangeRates


def convert(amount: float, source: str, target: str, rates: ExchangeRates) -> float | None:
    """``amount`` in ``source`` currency as ``target`` currency, or None without a rate.

    Examples
    --------
    >>> rates = ExchangeRates(date="2024-06-28", src="x", rates={"EUR": 1.0, "USD": 1.25})
    >>> convert(100, "USD", "EUR", rates), convert(100, "USD", "RUB", rates)
    (80.0, None)
    """
    table = rates.table
    if source not in table or target not in table:
        return None
    return amount / table[source] * table[target]


def format_money(amount: float, currency: str, locale: str) -> str:
    """A whole-unit price in the reader's conventions: ``$55,000``, ``55 000 $``."""
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    whole = pattern.split(";")[0].replace("#,##0.00", "#,##0")
    return str(
        format_currency(round(amount), currency, format=whole, locale=locale, currency_digits=False)
    )
