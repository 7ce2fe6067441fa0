""" "Am I a candidate?": the wizard keeps answers across steps, results, summary, files."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

CASES = Path(__file__).resolve().parents[1] / "eligibility" / "profiles"


def hidden_profile(page: str) -> str:
    """The answers carried by the page's hidden field."""
    found = re.search(r'name="profile" value="([^"]*)"', page)
    assert found is not None
    return html.unescape(found.group(1))


def step(client: TestClient, profile: str, name: str, **fields: Any) -> str:
    """Submit one step and return the next page."""
    response = client.post(
        "/candidate/wizard", data={"profile": profile, "step": name, "go": "next", **fields}
    )
    assert response.status_code == 200, response.text
    return response.text


def heading(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page)
    assert found is not None
    return found.group(1)


def test_start_page_offers_the_questions_and_an_upload(client: TestClient) -> None:
    """No account, nothing stored: start, or upload saved answers."""
    page = client.get("/candidate").text

    assert 'href="/candidate/wizard"' in page
    assert 'action="/candidate/upload"' in page
    assert "Nothing you enter is stored on our server." in page


def test_answers_survive_next_and_back(client: TestClient) -> None:
    """Answers from earlier steps travel in the hidden field; Back refills the form."""
    page = client.get("/candidate/wizard").text
    page = step(client, hidden_profile(page), "about", birth_date="1981-04-02")
    page = step(client, hidden_profile(page), "disease", ms_type="SPMS")
    assert heading(page) == "Disability"

    back = client.post(
        "/candidate/wizard",
        data={"profile": hidden_profile(page), "step": "edss", "edss": "7.0", "go": "back"},
    ).text

    assert heading(back) == "Your MS"
    assert 'value="SPMS" checked' in back
    assert json.loads(hidden_profile(back)) == {
        "birth_date": "1981-04-02",
        "edss": 7.0,
        "ms_type": "SPMS",
    }


def test_a_bad_date_stays_on_its_step_with_the_field_named(client: TestClient) -> None:
    """30 February: 422, the same step, the message next to relapse 1, other answers kept."""
    response = client.post(
        "/candidate/wizard",
        data={
            "profile": json.dumps({"ms_type": "RRMS"}),
            "step": "relapses",
            "relapses_known": "listed",
            "relapse_date_0": "2026-02-30",
            "go": "next",
        },
    )

    assert response.status_code == 422
    assert heading(response.text) == "Relapses"
    assert "Relapse 1: please give a real date, such as 2024-03-31." in response.text
    assert 'id="f-relapse_date_0" type="date" name="relapse_date_0" value="2026-02-30"' in (
        response.text
    )
    assert json.loads(hidden_profile(response.text)) == {"ms_type": "RRMS"}


def test_add_another_adds_one_row_and_gives_it_the_focus(client: TestClient) -> None:
    """One blank row to start with; "Add another" keeps the step, adds one row and names
    its first field for the focus (issue 19: no dozens of blank fields to Tab through)."""
    first = client.post("/candidate/wizard", data={"go": "goto:relapses"}).text
    assert 'name="relapse_date_0"' in first
    assert 'name="relapse_date_1"' not in first
    assert "data-focus" not in first

    page = client.post(
        "/candidate/wizard",
        data={"profile": "{}", "step": "relapses", "relapse_date_0": "2026-01-01", "go": "more"},
    ).text

    assert heading(page) == "Relapses"
    assert 'name="relapse_date_1"' in page
    assert 'name="relapse_date_2"' not in page
    assert 'data-focus="f-relapse_date_1"' in page


def test_results_from_the_edss_7_case(client: TestClient) -> None:
    """The results page names Moscow's EDSS limit and links the source."""
    profile = json.loads((CASES / "edss-7-moscow.json").read_text())["profile"]

    page = client.post("/candidate/results", data={"profile": json.dumps(profile)}).text

    assert "EDSS: 7.0, above this clinic&#39;s limit of 6.5." in page
    assert 'id="r-moscow-pirogov"' in page
    assert "This compares your answers with published criteria." in page
    assert page.index('id="r-puebla-clinica-ruiz"') < page.index('id="r-moscow-pirogov"')


def test_download_then_upload_gives_the_same_results(client: TestClient) -> None:
    """The downloaded file is the profile JSON; uploading it shows the results again."""
    profile = json.loads((CASES / "alemtuzumab-two-months.json").read_text())["profile"]
    download = client.post("/candidate/download", data={"profile": json.dumps(profile)})

    assert download.headers["content-disposition"].startswith("attachment;")
    assert json.loads(download.text)["ms_type"] == "RRMS"
    upload = client.post(
        "/candidate/upload", files={"file": ("answers.json", download.content, "application/json")}
    )
    assert upload.status_code == 200
    assert heading(upload.text) == "Your results"


def test_uploading_something_else_is_a_clear_error(client: TestClient) -> None:
    """A photo or a broken file: 422 and a message, never a crash."""
    response = client.post(
        "/candidate/upload", files={"file": ("photo.jpg", b"\xff\xd8\xff", "image/jpeg")}
    )

    assert response.status_code == 422
    assert "Saved answers: this is not a saved answers file." in response.text


def test_summary_lists_records_to_send(client: TestClient) -> None:
    """The printable summary names what Puebla asks for, with the MRI's maximum age."""
    profile = json.loads((CASES / "edss-7-moscow.json").read_text())["profile"]

    page = client.post("/candidate/summary", data={"profile": json.dumps(profile)}).text

    assert "aHSCT: summary for my neurologist" in page
    assert "MRI report (at most 3 months old)" in page


def test_results_in_russian_and_spanish(client: TestClient) -> None:
    """Verdicts, reasons and headings are translated."""
    profile = json.dumps({"edss": 7.0, "ms_type": "SPMS", "as_of": "2026-11-23"})
    for language, expected in (
        ("ru", "выше предела этой клиники (6,5)"),
        ("es", "por encima del límite de esta clínica (6,5)"),
    ):
        page = client.post(
            "/candidate/results",
            data={"profile": profile},
            headers={"Accept-Language": language},
        ).text
        assert "Your results" not in page
        assert expected in page or expected.replace("6,5", "6.5") in page


def test_a_washout_already_over_is_said_so(client: TestClient) -> None:
    """Ocrelizumab stopped 1 June 2026: Puebla's 3 months ended on 1 September 2026."""
    profile = json.loads((CASES / "edss-7-moscow.json").read_text())["profile"]

    page = client.post("/candidate/results", data={"profile": json.dumps(profile)}).text

    assert "Washout of ocrelizumab already over (ended 1 September 2026)." in page


def test_results_show_drug_warnings_first_and_clinics_in_three_groups(
    client: TestClient,
) -> None:
    """Rebound warning before the clinics; unchecked and closed clinics apart, not counted."""
    profile = {
        "as_of": "2026-11-23",
        "age": 35,
        "ms_type": "RRMS",
        "edss": 3.0,
        "relapses": [{"date": "2026-03-01"}, {"date": "2026-09-01"}],
        "mri": [{"date": "2026-09-15", "gd_enhancing": 2, "new_t2": 3}],
        "treatments": [{"drug": "natalizumab", "start": "2024-01-01"}],
    }
    page = client.post("/candidate/results", data={"profile": json.dumps(profile)}).text

    warning = page.index("Stopping natalizumab can bring MS activity back")
    assert warning < page.index("Clinics, best match first")
    ask = page.index("Publish no criteria we can check: ask them")
    closed = page.index("Not an option now: closed, or MS programme not confirmed")
    assert page.index("Clinics, best match first") < ask < closed
    assert page.index("Jerusalem", ask) < closed
    assert "Northwestern" in page[closed:]
    assert "open clinics whose criteria could be checked" in page


def test_risks_stand_before_the_summary_and_in_the_printed_page(client: TestClient) -> None:
    """The risk of death is as prominent as any benefit: above the summary, and printed."""
    profile = {"as_of": "2026-11-23", "age": 40, "ms_type": "RRMS", "edss": 3.0}
    page = client.post("/candidate/results", data={"profile": json.dumps(profile)}).text
    summary = client.post("/candidate/summary", data={"profile": json.dumps(profile)}).text

    assert page.index("Risks of aHSCT") < page.index(">Summary<")
    assert "about 2 in 100 people (between 1 and 3)" in page
    assert "about 2 in 100 people (between 1 and 3)" in summary


def test_a_language_button_keeps_the_step_and_its_unsent_answers(client: TestClient) -> None:
    """The language buttons of a wizard step submit the step (issue 19): same step, in the
    new language, with what was typed (kept in the answers when valid), the choice
    remembered."""
    response = client.post(
        "/candidate/wizard",
        data={"profile": '{"age": 41}', "step": "disease", "ms_type": "SPMS", "lang": "ru"},
    )

    assert response.status_code == 200
    assert '<html lang="ru"' in response.text
    assert 'name="step" value="disease"' in response.text
    assert re.search(r'value="SPMS"[^>]*checked', response.text)
    assert json.loads(hidden_profile(response.text)) == {"age": 41, "ms_type": "SPMS"}
    assert response.cookies.get("hsct_lang") == "ru"


def test_a_language_button_on_the_results_keeps_them(client: TestClient) -> None:
    response = client.post(
        "/candidate/results", data={"profile": '{"age": 41, "ms_type": "SPMS"}', "lang": "es"}
    )

    assert response.status_code == 200
    assert '<html lang="es"' in response.text
    assert "Sus resultados" in response.text
    assert response.cookies.get("hsct_lang") == "es"


def test_a_step_has_an_address_without_answers(client: TestClient) -> None:
    """``?step=`` names the step only; unknown steps start at the beginning."""
    mri = client.get("/candidate/wizard?step=mri").text
    assert 'name="step" value="mri"' in mri
    assert "data-restore" in mri
    first = client.get("/candidate/wizard?step=nonsense").text
    assert 'name="step" value="about"' in first
    assert "data-restore>" not in first
    assert client.get("/candidate/results").status_code == 200


def test_a_diagnosis_year_is_enough(client: TestClient) -> None:
    """Issue 19: "diagnosed in 2009" goes through the wizard and into the results."""
    page = client.post(
        "/candidate/wizard",
        data={"profile": "{}", "step": "disease", "diagnosis_date": "2009", "go": "next"},
    )
    assert page.status_code == 200
    assert json.loads(hidden_profile(page.text))["diagnosis_date"] == "2009"
    wrong = client.post(
        "/candidate/wizard",
        data={"profile": "{}", "step": "disease", "diagnosis_date": "09/2009", "go": "next"},
    )
    assert wrong.status_code == 422
    assert "YYYY-MM or YYYY" in wrong.text
    summary = client.post(
        "/candidate/summary",
        data={"profile": '{"diagnosis_date": "2009-05", "as_of": "2026-11-23"}'},
    ).text
    assert "diagnosed May 2009" in summary
