"""``POST /api/v1/edss``: JSON in, the full result out, 422 with field details."""

from __future__ import annotations

from fastapi.testclient import TestClient

FULL = {
    "visual": 2,
    "brainstem": 1,
    "pyramidal": 3,
    "cerebellar": 2,
    "sensory": 1,
    "bowel_bladder": 1,
    "cerebral": 0,
    "ambulation_score": 1,
}


def test_complete_input_gives_the_full_result(client: TestClient) -> None:
    """Value, rule, explanation, alternatives and sources are all in the answer."""
    response = client.post("/api/v1/edss", json=FULL)

    body = response.json()
    assert response.status_code == 200
    assert (body["value"], body["determined"], body["fs_rule_id"]) == (
        3.5,
        True,
        "fs.one_grade3_grade2",
    )
    assert body["rule"]["text"] == (
        "One functional system is at grade 3 and one or two are at grade 2: step 3.5."
    )
    assert [alt["reading"] for alt in body["alternatives"]] == ["kurtzke"]
    assert body["sources"][0]["doi"] == "10.1212/WNL.33.11.1444"
    assert body["functional_systems"][0] == {"system": "visual", "raw": 2, "counted": 2}


def test_walking_only_gives_a_range(client: TestClient) -> None:
    """Someone who only knows their walking gets the range it implies."""
    body = client.post("/api/v1/edss", json={"walking": {"unaided_m": 400}}).json()

    assert (body["value"], body["low"], body["high"], body["display"]) == (
        None,
        4.5,
        5.0,
        "4.5 to 5.0",
    )


def test_schema_errors_name_each_field(client: TestClient) -> None:
    """Out-of-range grades and unknown fields are 422 with a location per field."""
    response = client.post("/api/v1/edss", json={"visual": 9, "pyramidal": 2.5, "colour": "red"})

    assert response.status_code == 422
    locations = [tuple(problem["loc"]) for problem in response.json()["detail"]]
    assert locations == [("body", "visual"), ("body", "pyramidal"), ("body", "colour")]
    assert all("input" not in problem for problem in response.json()["detail"])  # never echoed


def test_contradictions_are_422_with_allowed_values(client: TestClient) -> None:
    """Facts that cannot all be true are named, with what would be allowed."""
    response = client.post(
        "/api/v1/edss", json={"walking": {"unrestricted": True, "unaided_m": 100}}
    )

    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "walking", "unaided_m"],
                "msg": "100 m contradicts unrestricted walking",
                "type": "invalid_input",
                "allowed": "500 or more when walking is unrestricted",
            }
        ]
    }


def test_not_a_number_distance_is_refused(client: TestClient) -> None:
    """NaN and infinity are not distances."""
    response = client.post(
        "/api/v1/edss",
        content=b'{"walking": {"unaided_m": NaN}}',
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 422


def test_openapi_documents_the_endpoint_with_ranges(client: TestClient) -> None:
    """The request schema shows the allowed range of each grade."""
    document = client.get("/api/v1/openapi.json").json()
    schema = document["components"]["schemas"]["EdssIn"]["properties"]

    assert "/api/v1/edss" in document["paths"]
    assert schema["visual"]["anyOf"][0] == {"type": "integer", "maximum": 6, "minimum": 0}
    assert schema["brainstem"]["anyOf"][0]["maximum"] == 5


def test_the_result_says_what_the_step_means(client: TestClient) -> None:
    """One meaning for a value, with Kurtzke 1983 as its source."""
    grades = dict.fromkeys(
        ("visual", "brainstem", "pyramidal", "cerebellar", "sensory", "bowel_bladder", "cerebral"),
        0,
    )
    body = client.post(
        "/api/v1/edss",
        json={**grades, "walking": {"unaided_m": 0, "one_aid_m": 0, "two_aids_m": 20}},
    ).json()

    assert body["display"] == "6.5"
    assert body["meanings"] == [
        {
            "step": 6.5,
            "meaning": {
                "text": (
                    "Needs two sticks, crutches or braces all the time to walk about 20 m "
                    "without resting."
                ),
                "template": (
                    "Needs two sticks, crutches or braces all the time to walk about 20 m "
                    "without resting."
                ),
                "params": {},
            },
            "source": {
                "label": (
                    "Kurtzke JF. Rating neurologic impairment in multiple sclerosis: an "
                    "expanded disability status scale (EDSS). Neurology 1983;33(11):1444-52"
                ),
                "date": "1983-11",
                "url": "https://doi.org/10.1212/WNL.33.11.1444",
                "doi": "10.1212/WNL.33.11.1444",
            },
        }
    ]
    assert body["next_question"] is None


def test_a_walking_range_names_the_question_that_narrows_it(client: TestClient) -> None:
    """Both ends' meanings, and each answer's range with the facts it would add."""
    body = client.post(
        "/api/v1/edss",
        json={
            "visual": 0,
            "brainstem": 0,
            "pyramidal": 0,
            "cerebellar": 0,
            "sensory": 0,
            "bowel_bladder": 0,
            "cerebral": 4,
            "walking": {"one_aid_m": 20},
        },
    ).json()

    assert [m["step"] for m in body["meanings"]] == [4.0, 6.5]
    assert body["next_question"] == {
        "question": "unaided",
        "outcomes": [
            {"answer": "500", "adds": {"unaided_m": 500.0}, "low": 4.0, "high": 4.0},
            {"answer": "300", "adds": {"unaided_m": 300.0}, "low": 4.5, "high": 4.5},
            {"answer": "200", "adds": {"unaided_m": 200.0}, "low": 5.0, "high": 5.0},
            {"answer": "100", "adds": {"unaided_m": 100.0}, "low": 5.5, "high": 5.5},
            {"answer": "5", "adds": {"unaided_m": 5.0}, "low": 6.0, "high": 6.0},
            {"answer": "0", "adds": {"unaided_m": 0.0}, "low": 6.0, "high": 6.5},
        ],
    }


def test_a_given_ambulation_score_asks_no_walking_question(client: TestClient) -> None:
    """The score already settles walking; the range left is the systems'."""
    body = client.post(
        "/api/v1/edss", json={"ambulation_score": 1, "walking": {"unaided_m": 600}}
    ).json()

    assert (body["low"], body["high"], body["next_question"]) == (2.0, 5.0, None)


def test_wheelchair_with_walking_is_422_naming_both_fields(client: TestClient) -> None:
    """Contradictory walking answers are refused with the field and what it allows."""
    response = client.post(
        "/api/v1/edss", json={"walking": {"one_aid_m": 20, "wheelchair": "independent"}}
    )

    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "walking", "wheelchair"],
                "msg": "contradicts walking 20 m (one_aid_m)",
                "type": "invalid_input",
                "allowed": "only for people who cannot walk 5 m even with aids",
            }
        ]
    }
