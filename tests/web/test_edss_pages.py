"""EDSS pages: two ways in, results as answers change, errors next to fields."""

from __future__ import annotations

from fastapi.testclient import TestClient

CONTESTED = (
    "/edss/examination?visual=0&brainstem=0&pyramidal=4&cerebellar=2&sensory=2"
    "&bowel_bladder=0&cerebral=0&ambulation_score=0"
)


def test_landing_offers_two_ways_in(client: TestClient) -> None:
    """The calculator starts from examination scores or from walking."""
    html = client.get("/edss").text

    assert 'href="/edss/examination"' in html
    assert 'href="/edss/walking"' in html


def test_empty_form_has_no_result_yet(client: TestClient) -> None:
    """Before any answer the result region invites one."""
    html = client.get("/edss/examination").text

    assert "The result appears here as soon as you answer." in html
    assert 'aria-live="polite"' in html


def test_examination_result_with_contested_flag(client: TestClient) -> None:
    """The full page shows the value, the rule, who disagrees, and sources."""
    html = client.get(CONTESTED).text

    assert "<strong>4.5</strong>" in html
    assert "Contested: published calculators disagree here" in html
    assert "jirimotyl/edss (R): 4.0." in html
    assert "MSpectrum (JavaScript): 5.0." in html
    assert "https://doi.org/10.1212/WNL.33.11.1444" in html


def test_htmx_request_gets_only_the_result(client: TestClient) -> None:
    """htmx swaps the result region without reloading the page."""
    response = client.get(CONTESTED, headers={"HX-Request": "true"})

    assert "<strong>4.5</strong>" in response.text
    assert "<html" not in response.text


def test_walking_result_is_labelled_an_estimate(client: TestClient) -> None:
    """Self-reported walking gives a range and the caveat with its source."""
    html = client.get("/edss/walking?unrestricted=no&unaided=300").text

    assert "between 4.5 and 5.0" in html
    assert "This is an estimate from what you reported." in html
    assert "Sarnataro A et al." in html


def test_contradiction_is_shown_beside_the_field(client: TestClient) -> None:
    """The message links to the field, which is marked invalid and described by it."""
    html = client.get("/edss/walking?unrestricted=yes&unaided=100").text

    assert 'role="alert"' in html
    assert '<a href="#f-unaided">' in html
    assert 'aria-describedby="h-unaided e-unaided" aria-invalid="true"' in html
    assert '<p class="field-error" id="e-unaided">' in html


def test_tampered_value_gets_a_message_not_a_crash(client: TestClient) -> None:
    """A grade outside the form's choices is refused politely."""
    response = client.get("/edss/examination?visual=9&pyramidal=x")

    assert response.status_code == 200
    assert "Visual: this value cannot be used (allowed: 0, 1, 2, 3, 4, 5, 6)" in response.text
    assert (
        "Pyramidal (strength): this value cannot be used (allowed: a whole number)" in response.text
    )


def test_result_in_russian(client: TestClient) -> None:
    """Rules, steps and contested readings are translated."""
    html = client.get(CONTESTED, headers={"Accept-Language": "ru"}).text

    assert "Спорный случай" in html
    assert "Одна функциональная система оценена в 4 балла" in html
    assert "Пирамидные функции (сила)" in html


def test_print_view_lists_the_inputs(client: TestClient) -> None:
    """A printed result carries what was entered."""
    html = client.get(CONTESTED).text

    assert '<table class="print-only inputs">' in html
    assert "data-print" in html
