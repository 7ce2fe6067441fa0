"""``POST /api/v1/legitimacy``: the price asked, the clinic's country and where to report."""

from __future__ import annotations

from fastapi.testclient import TestClient


def rate(client: TestClient, **answers: str) -> dict[str, object]:
    """The API's answer for ``answers`` (which must be accepted)."""
    response = client.post("/api/v1/legitimacy", json={"answers": answers})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_price_far_below_documented_prices_is_a_soft_warning(client: TestClient) -> None:
    """USD 9,000: price_far_below with the lowest quote as evidence, and the comparison."""
    body = rate(client, price_asked="9000 USD")

    assert body["verdict"] == "some_concerns"
    assert body["answered"] == 1
    red = body["red_flags"]
    assert isinstance(red, list)
    assert [(f["id"], f["hard"]) for f in red] == [("price_far_below", False)]
    assert red[0]["evidence"]["label"].startswith("Inquirer Global Nation")
    price = body["price"]
    assert isinstance(price, dict)
    assert {k: price[k] for k in ("amount", "currency", "in_euros", "status")} == {
        "amount": 9000.0,
        "currency": "USD",
        "in_euros": 8407.29,
        "status": "far_below",
    }
    assert price["far_below_share"] == 0.5
    assert price["lowest"]["facility_id"] == "taguig-st-lukes"
    assert price["lowest"]["in_euros"] == 25575.45
    assert price["highest"]["facility_id"] == "chicago-northwestern"
    assert price["rates"]["date"] == "2024-06-28"


def test_the_country_gives_its_regulator_and_reporting_order(client: TestClient) -> None:
    """Russia: Roszdravnadzor (no reporting link), the Moscow programme, listed first."""
    body = rate(client, country="RU")

    country = body["country"]
    assert isinstance(country, dict)
    assert country["country"] == "RU"
    assert country["listed_facilities"] == ["moscow-pirogov"]
    assert country["regulator"]["id"] == "roszdravnadzor"
    assert country["regulator"]["report"] is None
    report = body["report"]
    assert isinstance(report, list)
    assert [r["id"] for r in report] == ["roszdravnadzor", "fda", "mhra", "eu_national", "cofepris"]
    assert report[1]["report"]["url"].startswith("https://www.fda.gov/")
    assert body["patient_guide"] == {
        "label": "ISSCR: a closer look at stem cells - what to ask",
        "date": "2026-11",
        "url": "http://www.closerlookatstemcells.org/What_to_Ask.html",
        "doi": None,
    }
    assert body["red_flags"] == body["green_flags"] == []


def test_without_price_or_country_both_are_null(client: TestClient) -> None:
    """Unknown stays unknown: no price check, no country check, the questions to ask."""
    body = rate(client, price_asked="unsure", country="unsure")

    assert (body["price"], body["country"], body["answered"]) == (None, None, 0)
    assert "What price does the clinic ask for the whole treatment?" in body["questions_to_ask"]
    assert "In which country is the clinic?" in body["questions_to_ask"]


def test_bad_prices_and_countries_are_refused_with_the_field(client: TestClient) -> None:
    """A price without a currency and an unknown country: 422, each naming its field."""
    response = client.post(
        "/api/v1/legitimacy", json={"answers": {"price_asked": "15000", "country": "XX"}}
    )

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [(d["loc"], d["msg"]) for d in detail] == [
        (["body", "price_asked"], "Choose the currency of the price."),
        (["body", "country"], "'XX' is not one of the answers"),
    ]
    assert "RUB" in detail[0]["allowed"]


def test_the_questionnaire_says_how_each_question_is_answered(client: TestClient) -> None:
    """Price: an amount and a currency (or unsure); country: a code, other or unsure."""
    body = client.get("/api/v1/legitimacy/questions").json()
    kinds = {q["id"]: (q["kind"], q["choices"][-2:]) for q in body}

    assert kinds["price_asked"] == ("price", ["unsure"])
    assert kinds["price_covers"] == ("choice", ["cells", "unsure"])
    assert kinds["country"] == ("country", ["other", "unsure"])
    assert kinds["chemotherapy"] == ("choice", ["no", "unsure"])
