"""``/api/v1`` knowledge endpoints: facilities, legitimacy, rule sets, studies, sources."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hsct.knowledge import load_catalog


def test_facility_list_filters_and_reports_matches(client: TestClient) -> None:
    """EDSS 7 and SPMS, unknown limits hidden: two clinics, each saying how it matched."""
    body = client.get("/api/v1/facilities?edss=7&ms_type=SPMS&hide_unknown=true").json()

    assert [(f["id"], f["matches"]["edss"]) for f in body] == [
        ("gurugram-artemis", "case_by_case"),
        ("puebla-clinica-ruiz", "yes"),
    ]
    assert body[1]["price"] == {
        "amount": 55000.0,
        "amount_max": None,
        "currency": "USD",
        "year": 2016,
        "kind": "treatment",
        "includes": ["28 days in a two-bedroom apartment for the patient and a caregiver"],
        "what": None,
    }


def test_facility_list_converts_prices(client: TestClient) -> None:
    """US$30,000 in euros at the bundled ECB rate of 1.0705: 28,024."""
    body = client.get("/api/v1/facilities?currency=EUR&country=IN").json()

    artemis = next(f for f in body if f["id"] == "gurugram-artemis")
    assert (artemis["price_converted"], artemis["currency"]) == (28024, "EUR")


def test_facility_list_every_facility_without_filters(client: TestClient) -> None:
    """All facilities in the catalogue, closed ones included."""
    body = client.get("/api/v1/facilities").json()

    assert len(body) == len(load_catalog().facilities) == 28
    assert {"moscow-pirogov", "chicago-northwestern"} <= {f["id"] for f in body}


def test_bad_query_value_is_422_with_its_location(client: TestClient) -> None:
    """A non-number EDSS is named, with where it came from; the input is not echoed."""
    response = client.get("/api/v1/facilities?edss=abc")

    detail = response.json()["detail"]
    assert response.status_code == 422
    assert detail[0]["loc"] == ["query", "edss"]
    assert "abc" not in response.text


def test_out_of_range_edss_is_422(client: TestClient) -> None:
    """EDSS 11 is not a value the scale has."""
    response = client.get("/api/v1/facilities?edss=11")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "edss"]


def test_facility_detail_carries_source_and_tag_on_every_fact(client: TestClient) -> None:
    """Each field is a fact: value, source id, as-of date where known, confidence tag."""
    body = client.get("/api/v1/facilities/moscow-pirogov").json()

    assert body["status"]["value"] == "accepting_patients"
    assert body["status"]["src"] == "hsct-russia-site"
    assert body["status"]["tag"] == "U"
    assert body["costs"][0]["value"]["amount"] == 45000.0
    assert body["costs"][0]["as_of"] == "2016-07-12"


def test_unknown_facility_is_404(client: TestClient) -> None:
    """A wrong id is 404 with a message naming it."""
    response = client.get("/api/v1/facilities/nope")

    assert response.status_code == 404
    assert response.json() == {"detail": "No facility 'nope'"}


def test_compare_two_to_four(client: TestClient) -> None:
    """Two facilities come back in the order asked; one is a 422 naming the field."""
    good = client.get("/api/v1/facilities/compare?ids=chicago-northwestern&ids=moscow-pirogov")
    bad = client.get("/api/v1/facilities/compare?ids=moscow-pirogov")

    assert [f["id"] for f in good.json()] == ["chicago-northwestern", "moscow-pirogov"]
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "ids"]
    assert bad.json()["detail"][0]["allowed"] == "2 to 4 facilities"


def test_legitimacy_of_the_15500_euro_offer(client: TestClient) -> None:
    """No chemotherapy, mesenchymal cells, hours or days: not aHSCT, three decisive red flags."""
    body = client.post(
        "/api/v1/legitimacy",
        json={
            "answers": {"chemotherapy": "no", "cells": "mesenchymal", "duration": "hours_or_days"}
        },
    ).json()

    assert body["verdict"] == "not_ahsct"
    assert [(f["id"], f["hard"]) for f in body["red_flags"]] == [
        ("no_chemotherapy", True),
        ("non_haematopoietic_product", True),
        ("too_short", True),
    ]
    assert all(f["sources"] for f in body["red_flags"])


def test_legitimacy_rejects_unknown_answers(client: TestClient) -> None:
    """An unknown answer and an unknown question are each named, with what is allowed."""
    answer = client.post("/api/v1/legitimacy", json={"answers": {"chemotherapy": "perhaps"}})
    question = client.post("/api/v1/legitimacy", json={"answers": {"price": "15500"}})

    assert answer.status_code == question.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "chemotherapy"]
    assert answer.json()["detail"][0]["allowed"] == "no, unsure, yes"
    assert question.json()["detail"][0]["loc"] == ["body", "price"]


def test_every_listed_facility_is_rated(client: TestClient) -> None:
    """Each facility has a verdict from its facts."""
    verdicts = {
        f["id"]: client.get(f"/api/v1/facilities/{f['id']}/legitimacy").json()["verdict"]
        for f in client.get("/api/v1/facilities").json()
    }

    assert len(verdicts) == 28
    assert verdicts["moscow-pirogov"] == "consistent_with_ahsct"
    assert "not_ahsct" not in verdicts.values()


def test_questionnaire_lists_every_question(client: TestClient) -> None:
    """The questions, their answers and which are red or green flags."""
    body = client.get("/api/v1/legitimacy/questions").json()

    assert len(body) == 19
    assert body[0]["id"] == "chemotherapy"
    assert "cure_claim" in [q["id"] for q in body]


def test_a_clinic_shows_its_cautions(client: TestClient) -> None:
    """Clínica Ruiz: no JACIE/FACT accreditation found, EDSS beyond every guideline."""
    body = client.get("/api/v1/facilities/puebla-clinica-ruiz").json()

    assert [c["id"] for c in body["cautions"]] == [
        "no_transplant_accreditation",
        "edss_beyond_guidelines",
    ]


def test_rulesets_by_kind_and_required_ids(client: TestClient) -> None:
    """Every guideline and trial named in the issue is present under its id."""
    guidelines = {r["id"] for r in client.get("/api/v1/rulesets?kind=guideline").json()}
    trials = {r["id"] for r in client.get("/api/v1/rulesets?kind=trial").json()}

    assert guidelines == {
        "ectrims-ebmt-2025",
        "ebmt-2020",
        "astct-2019",
        "nmss-2021",
        "nhs-london-2016",
        "heidelberg",
        "nmdp-referral",
    }
    assert trials == {"mist", "beat-ms", "ram-ms", "net-ms", "starms"}


def test_ruleset_criteria_are_data(client: TestClient) -> None:
    """Each resolved criterion has parameter, operator, threshold, strength and source."""
    body = client.get("/api/v1/rulesets/ram-ms").json()

    edss = next(c for c in body["resolved_criteria"] if c.get("parameter") == "edss")
    assert {k: edss.get(k) for k in ("operator", "threshold", "strength", "src")} == {
        "operator": "between",
        "threshold": [0, 5.5],
        "strength": "hard",
        "src": "ram-ms-registry",
    }
    assert edss["description"] == "EDSS: 0 to 5.5"


def test_studies_filter_by_ms_type_and_intensity(client: TestClient) -> None:
    """PPMS and low intensity: only studies that include both."""
    body = client.get("/api/v1/studies?ms_type=PPMS&intensity=low").json()

    assert body
    assert all("PPMS" in s["ms_types"] and "low" in s["intensity"] for s in body)


def test_sources_and_rates(client: TestClient) -> None:
    """A source by id; the rate table with its date; unknown source is 404."""
    fda = client.get("/api/v1/sources/fda-2021").json()
    rates = client.get("/api/v1/exchange-rates").json()

    assert fda["kind"] == "regulator"
    assert (rates["date"], rates["base"], rates["rates"]["USD"]) == ("2024-06-28", "EUR", 1.0705)
    assert client.get("/api/v1/sources/nope").status_code == 404


def test_regimens_list_facilities_using_them(client: TestClient) -> None:
    """BEAM + ATG is used at Shaare Zedek."""
    body = client.get("/api/v1/regimens").json()

    beam = next(r for r in body if r["id"] == "beam-atg")
    assert beam["intensity"]["value"] == "intermediate"
    assert "jerusalem-shaare-zedek" in beam["facilities"]
