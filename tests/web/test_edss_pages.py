"""EDSS pages: two ways in, results as answers change, errors next to fields.

Also (issue 19): every grade and walking answer in plain words, the result's meaning, a
summary kept in view and announced, the question that narrows a range, and the way to
"Am I a candidate?" without the EDSS in an address.
"""

from __future__ import annotations

import html as html_lib
import json
import re

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

    assert '<div class="callout error">' in html
    assert '<a href="#f-unaided">' in html
    assert 'aria-describedby="h-unaided e-unaided" aria-invalid="true"' in html
    assert (
        '<div class="error-slot" id="err-unaided" data-error-for="unaided"><p class="field-error"'
        ' id="e-unaided">This distance does not fit with walking as far as healthy people of '
        "your age. Change one of the two answers.</p></div>"
    ) in html


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


# ---------------------------------------------------------------- issue 19


def _summary(page: str) -> str:
    found = re.search(r'<div id="edss-summary"[^>]*>(.*?)</div>', page, re.S)
    assert found is not None, "no summary on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def test_every_functional_system_grade_is_described_in_its_option(client: TestClient) -> None:
    """Each option reads the grade and what it means; the chosen one is repeated below."""
    html = client.get("/edss/examination?pyramidal=3").text

    assert (
        '<option value="3" selected>3 · Mild or moderate weakness of one side of the body or of '
        "both legs (usually strength 4 of 5 in more than two muscle groups, or 3 of 5 in one or "
        "two), or severe weakness of one limb (strength 2 of 5 or less in one muscle "
        "group).</option>"
    ) in html
    assert '<option value="6">6 · All four limbs paralysed (tetraplegia).</option>' in html
    assert '<option value="5">5 · Unable to swallow or to speak.</option>' in html
    assert (
        '<select id="f-pyramidal" name="pyramidal" data-meaning="h-pyramidal" '
        'aria-describedby="h-pyramidal">'
    ) in html
    assert re.search(
        r'<p class="hint grade-meaning" id="h-pyramidal">Mild or moderate weakness', html
    )
    assert '<p class="hint grade-meaning" id="h-visual"></p>' in html  # not known: nothing


def test_every_walking_answer_says_what_it_counts_as(client: TestClient) -> None:
    """The ambulation score and step of each answer, and the sources of the words."""
    html = client.get("/edss/walking").text

    notes = re.findall(r'<span class="option-note">([^<]+)</span>', html)
    assert notes == [
        "Ambulation score 0 · EDSS 0",
        "Ambulation score 1 or more · EDSS 2.0 or more",
        "Ambulation score 1 · EDSS 2.0",
        "Ambulation score 2 · EDSS 4.5",
        "Ambulation score 3 · EDSS 5.0",
        "Ambulation score 4 · EDSS 5.5",
        "Ambulation score 5 · EDSS 6.0",
        "Under 5 metres does not count as walking",
        "Ambulation score 6 · EDSS 6.0",
        "Ambulation score 8 · EDSS 6.5",
        "Under 5 metres does not count as walking",
        "Ambulation score 7 · EDSS 6.0",
        "Ambulation score 9 · EDSS 6.5",
        "Under 5 metres does not count as walking",
        "Ambulation score 10 · EDSS 7.0",
        "Ambulation score 11 · EDSS 7.5",
        "Ambulation score 12 · EDSS 8.0",
        "Ambulation score 12 · EDSS 8.5",
        "Ambulation score 12 · EDSS 9.0",
        "Ambulation score 12 · EDSS 9.5",
    ]
    assert "Where the descriptions come from" in html
    assert "https://github.com/adobrasinovic/edss#functional-systems-and-ambulation-score" in html
    assert "https://www.neurostatus.net/forum/main.php?topic=ambulation" in html


def test_the_result_says_what_the_step_means_with_its_source(client: TestClient) -> None:
    """6.5 reads as two sticks for about 20 m, from Kurtzke 1983."""
    html = client.get("/edss/walking?unaided=0&one_aid=0&two_aids=5").text

    assert "<strong>6.5</strong>" in html
    assert (
        '<p class="meaning">Needs two sticks, crutches or braces all the time to walk about 20 m'
        " without resting.</p>"
    ) in html
    assert (
        'Each step in plain words, from its definition in: <cite translate="no">Kurtzke JF. '
        "Rating neurologic impairment in multiple sclerosis: an expanded disability status "
        "scale (EDSS). Neurology 1983;33(11):1444-52</cite> (November 1983)"
    ) in html


def test_a_range_gives_the_meaning_of_both_ends(client: TestClient) -> None:
    """Between 4.5 and 5.0: both steps in words."""
    html = client.get("/edss/walking?unrestricted=no&unaided=300").text

    ends = re.findall(r'<dt><span translate="no">EDSS</span> ([0-9.]+)</dt>', html)
    assert ends == ["4.5", "5.0"]
    assert "Walks about 300 m without aid or rest;" in html
    assert "Walks about 200 m without aid or rest;" in html


def test_the_summary_is_live_and_links_to_the_full_result(client: TestClient) -> None:
    """One polite line, outside the result: value, meaning, link."""
    html = client.get("/edss/walking?unaided=5").text

    assert (
        '<div id="edss-summary" class="edss-summary no-print" role="status" aria-live="polite" '
        'aria-atomic="true">'
    ) in html
    assert _summary(html) == (
        "EDSS 6.0 Needs a stick, crutch or brace on one side, now and then or all the time, to "
        "walk about 100 m, with or without resting. Full result"
    )
    assert '<a class="summary-more" href="#result-title">Full result</a>' in html
    assert '<div id="edss-result">' in html  # the long result is no longer read out whole


def test_htmx_updates_the_summary_and_field_messages_out_of_band(client: TestClient) -> None:
    """The partial carries the summary and every field's message slot, emptied or filled."""
    ok = client.get("/edss/walking?unaided=5", headers={"HX-Request": "true"}).text
    refused = client.get(
        "/edss/walking?unrestricted=yes&unaided=100", headers={"HX-Request": "true"}
    ).text

    assert '<div id="edss-summary" hx-swap-oob="innerHTML"><p class="summary-line">' in ok
    assert '<div id="err-unaided" hx-swap-oob="innerHTML"></div>' in ok
    assert len(re.findall(r'<div id="err-[a-z_]+" hx-swap-oob="innerHTML">', ok)) == 12
    assert (
        '<div id="err-unaided" hx-swap-oob="innerHTML"><p class="field-error" id="e-unaided">'
    ) in refused
    assert _summary(refused.replace('hx-swap-oob="innerHTML"', "")) == (
        "Please check your answers This distance does not fit with walking as far as healthy "
        "people of your age. Change one of the two answers."
    )


def test_empty_page_summary_invites_an_answer(client: TestClient) -> None:
    """Before any answer the summary says where the result will show."""
    html = client.get("/edss/examination").text

    assert _summary(html) == "No result yet: it shows here as soon as you answer."


def test_a_wide_walking_range_asks_the_question_that_narrows_it_first(client: TestClient) -> None:
    """5 to 49 m with one stick: 'without any aid' is marked and asked first in the result."""
    grades = "visual=0&brainstem=0&pyramidal=0&cerebellar=0&sensory=0&bowel_bladder=0"
    html = client.get(f"/edss/walking?one_aid=5&{grades}&cerebral=4").text

    assert "<strong>between 4.0 and 6.5</strong>" in html
    assert '<fieldset class="radios walking-question is-next" id="f-unaided"' in html
    badges = re.findall(r'<span class="next-badge" data-next-badge( hidden)?>', html)
    assert badges == [" hidden", "", " hidden", " hidden", " hidden"]
    result = html[html.index('<section class="result"') :]
    assert result.index("One more answer would narrow this down") < result.index(
        'class="result-meaning"'
    )
    assert (
        '<section class="result" aria-labelledby="result-title" data-next-question="unaided">'
        in html
    )
    outcomes = re.findall(r"<li>([^<:]+): <span translate=\"no\">EDSS</span> ([^<]+)</li>", html)
    assert outcomes == [
        ("500 metres or more", "4.0"),
        ("300 to 499 metres", "4.5"),
        ("200 to 299 metres", "5.0"),
        ("100 to 199 metres", "5.5"),
        ("5 to 99 metres", "6.0"),
        ("Less than 5 metres", "between 6.0 and 6.5"),
    ]
    assert _summary(html) == (
        "EDSS between 4.0 and 6.5 Answer next: Without any aid and without resting, how far can "
        "you walk? Full result"
    )


def test_when_only_the_systems_are_left_the_page_says_so(client: TestClient) -> None:
    """400 m: walking is settled; the optional grades would narrow the rest."""
    html = client.get("/edss/walking?unrestricted=no&unaided=300").text

    assert "is-next" not in html
    assert "the rest of the range depends on the functional systems." in html
    assert '<a href="#fs-grades">' in html


def _candidate_form(page: str) -> dict[str, str]:
    form = re.search(r'<form class="candidate-link no-print"(.*?)</form>', page, re.S)
    assert form is not None, "no candidate form"
    assert 'method="post" action="/candidate/wizard"' in form.group(1)
    return {
        name: html_lib.unescape(value)
        for name, value in re.findall(r'name="([a-z_]+)" value="([^"]*)"', form.group(1))
    }


def test_a_settled_edss_can_be_used_in_am_i_a_candidate(client: TestClient) -> None:
    """A POST form with the profile and the step: never the EDSS in an address."""
    html = client.get("/edss/walking?unaided=0&one_aid=0&two_aids=5").text

    fields = _candidate_form(html)
    assert {k: v for k, v in fields.items() if k != "csrf_token"} == {
        "profile": '{"edss": 6.5}',
        "go": "goto:edss",
    }
    assert (
        '<button class="secondary" type="submit">Use this EDSS in "Am I a candidate?"</button>'
        in html
    )
    assert not re.search(r'href="[^"]*edss=', html)


def test_the_wizard_opens_the_edss_step_with_the_value(client: TestClient) -> None:
    """Posting the form opens 'Disability' with 6.5 chosen."""
    fields = _candidate_form(client.get("/edss/walking?unaided=0&one_aid=0&two_aids=5").text)

    response = client.post("/candidate/wizard", data=fields)

    assert response.status_code == 200
    assert str(response.url).endswith("/candidate/wizard")
    assert '<option value="6.5" selected>6.5</option>' in response.text
    assert json.loads(fields["profile"]) == {"edss": 6.5}


def test_a_range_cannot_be_taken_to_the_candidate_check(client: TestClient) -> None:
    """One value is needed: the page says what to do instead."""
    html = client.get("/edss/walking?one_aid=5").text

    assert "candidate-link" not in html
    assert "needs one EDSS value: answer more questions above" in html


def test_the_language_buttons_carry_the_answers(client: TestClient) -> None:
    """A language button submits the form: the page comes back in Russian, answers kept."""
    page = client.get("/edss/walking?one_aid=5").text
    response = client.get("/edss/walking?lang=ru&one_aid=5")

    assert 'form="edss-form" formaction="/edss/walking"' in page
    assert '<form id="edss-form" class="edss-form no-print" method="get"' in page
    assert response.headers["content-language"] == "ru"
    assert response.cookies.get("hsct_lang") == "ru"
    assert '<input type="radio" name="one_aid" value="5" checked>' in response.text


def test_meanings_answers_and_summary_in_russian_and_spanish(client: TestClient) -> None:
    """The new words read in the page's language (awaiting clinician review, hazard log)."""
    url = "/edss/walking?unaided=0&one_aid=0&two_aids=5&pyramidal=3"
    ru = client.get(url, headers={"Accept-Language": "ru"}).text
    es = client.get(url, headers={"Accept-Language": "es"}).text

    assert (
        "Чтобы пройти около 20 м без отдыха, постоянно нужны две трости, два костыля или ортезы."
    ) in ru
    assert "Балл ходьбы 8 · EDSS 6.5" in ru
    assert "Использовать этот EDSS в разделе «Подхожу ли я?»" in ru
    assert "Полный результат" in ru
    assert "Necesita siempre dos bastones, muletas u órtesis para caminar unos 20 m" in es
    assert "Puntuación de deambulación 8 · EDSS 6.5" in es
    assert "3 · Debilidad leve o moderada de un lado del cuerpo" in es
    assert "Usar esta EDSS en «¿Soy candidato?»" in es
