"""'About this information': the IPDAS disclosure items (who made it, funding and conflicts,
how evidence was chosen, dates and update policy, how to report an error), with numbers
taken from the knowledge base itself, in every language."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from hsct.common.settings import Settings
from hsct.knowledge import load_catalog
from hsct.knowledge.check import check, iter_fact_records
from hsct.web.app import create_app


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('id="main"')[1]))


def test_the_numbers_are_the_knowledge_base_s_own(client: TestClient) -> None:
    catalog = load_catalog()
    counts = check(catalog, dt.datetime.now(dt.UTC).date()).counts
    papers = sum(1 for s in catalog.sources.values() if s.kind == "paper")
    records = list(iter_fact_records(catalog))
    # Only a fact with a value and a source counts as verified; an unknown value is not.
    verified = sum(1 for r in records if r.known and r.src and r.tag == "V")
    unknown = sum(1 for r in records if not (r.known and r.src))

    text = _text(client.get("/about").text)

    assert f"cites {len(catalog.sources)} sources" in text
    assert f"research papers: {papers}" in text
    assert f": {verified} verified in the source" in text
    assert f"{unknown} more are marked unknown" in text
    assert verified < counts["facts"] - unknown + 1
    assert f"({counts['stale']} now)" in text
    oldest = min(s.date for s in catalog.sources.values())
    assert oldest[:4] in text


@pytest.mark.parametrize(
    ("lang", "headings"),
    [
        ("en", ["Who made it", "Money and conflicts of interest", "Report an error"]),
        ("ru", ["Кто её подготовил", "Деньги и конфликт интересов", "Сообщить об ошибке"]),
        ("es", ["Quién la hizo", "Dinero y conflictos de intereses", "Informar de un error"]),
    ],
)
def test_every_disclosure_item_is_there_in_each_language(
    client: TestClient, lang: str, headings: list[str]
) -> None:
    html = client.get("/about", headers={"Accept-Language": lang}).text

    for heading in headings:
        assert f">{heading}</h2>" in html
    assert 'href="/about"' in html  # the footer links every page here


def test_the_operator_s_contact_is_shown_when_set(settings: Settings) -> None:
    with TestClient(
        create_app(settings.model_copy(update={"contact": "mailto:errors@example.org"}))
    ) as c:
        html = c.get("/about").text
    assert '<a href="mailto:errors@example.org">errors@example.org</a>' in html

    with TestClient(create_app(settings)) as c:
        assert "has no contact address set" in c.get("/about").text


@pytest.mark.parametrize(
    "contact", ["javascript:alert(1)", "http://plain.example", "errors@example.org"]
)
def test_a_contact_that_is_not_mail_or_https_is_refused(contact: str) -> None:
    with pytest.raises(ValidationError):
        Settings(contact=contact)
