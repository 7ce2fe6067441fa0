"""Directory, facility, comparison, legitimacy and evidence pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from markupsafe import escape

from hsct.common.i18n import data_translations
from hsct.knowledge import load_catalog
from hsct.web.routes.knowledge import DIRECTORY_FIELDS, directory_key

ARTICLES = re.compile(r'<li class="card" id="facility-([a-z0-9-]+)"')


def card_ids(html: str) -> list[str]:
    """Facility ids in the order the directory lists them."""
    return ARTICLES.findall(html)


def test_directory_lists_every_facility_by_default(client: TestClient) -> None:
    """No filter: all 28 facilities, including those no longer taking patients."""
    html = client.get("/facilities").text

    assert "28 facilities." in html
    assert len(card_ids(html)) == 28
    assert "Closed to new patients" in html


def test_directory_filters_by_edss_and_ms_type(client: TestClient) -> None:
    """EDSS 7 with SPMS, unknown limits hidden: Artemis (case by case) and Puebla."""
    html = client.get("/facilities?edss=7&ms_type=SPMS&hide_unknown=1").text

    assert card_ids(html) == ["gurugram-artemis", "puebla-clinica-ruiz"]
    assert "Your EDSS: accepted only case by case" in html


def test_directory_sorts_by_price(client: TestClient) -> None:
    """Price sort puts the cheapest known treatment price first."""
    html = client.get("/facilities?sort=price&hide_unknown=1&max_price=10000000").text

    assert card_ids(html)[:2] == ["taguig-st-lukes", "gurugram-artemis"]


def test_directory_shows_the_rate_table_date(client: TestClient) -> None:
    """Conversions name the bundled rate table and its date."""
    html = client.get("/facilities?currency=EUR").text

    assert "European Central Bank rates of 28 June 2024" in html


def test_directory_bad_number_is_reported_next_to_the_field(client: TestClient) -> None:
    """A typo in the EDSS box: 422, the field named with what is allowed; nothing crashes."""
    response = client.get("/facilities?edss=abc")

    assert response.status_code == 422
    assert "Your EDSS: &#39;abc&#39; is not a number (allowed: a number)" in response.text
    assert 'aria-invalid="true"' in response.text


def test_directory_htmx_request_gets_only_the_results(client: TestClient) -> None:
    """htmx swaps the result list without reloading the page."""
    response = client.get("/facilities?country=MX", headers={"HX-Request": "true"})

    assert "<html" not in response.text
    assert card_ids(response.text) == ["puebla-clinica-ruiz"]


def test_facility_page_shows_each_fact_with_source_date_and_freshness(
    client: TestClient,
) -> None:
    """Pirogov: the 2016 price with its source link, its date and the stale badge."""
    html = client.get("/facilities/moscow-pirogov?currency=EUR").text

    assert "$45,000" in html
    assert "≈ €42,036" in html
    assert "as of 12 July 2016: older than 3 years" in html
    assert "Not verified" in html
    assert 'href="https://www.hsct-russia.com"' in html
    assert "Consistent with a legitimate aHSCT programme." in html


def test_clinic_page_shows_its_cautions_near_the_top(client: TestClient) -> None:
    """Clínica Ruiz: no JACIE or FACT found, and EDSS up to 8.0, above every guideline."""
    html = client.get("/facilities/puebla-clinica-ruiz").text
    cautions = html.split('<section class="callout warn" aria-labelledby="cautions">', 1)[1]
    cautions = cautions.split("</section>", 1)[0]

    assert html.index('id="cautions"') < html.index('id="glance"')
    assert '<h2 id="cautions">Cautions</h2>' in cautions
    assert re.findall(r'<li id="caution-([a-z_]+)">', cautions) == [
        "no_transplant_accreditation",
        "edss_beyond_guidelines",
    ]
    assert (
        "Accepts people with an EDSS up to 8.0 (usually up to 7.0; higher case by case), "
        "higher than any guideline allows (the most permissive, NHS London 2016, stops at "
        "6.5). The best evidence for aHSCT is at an EDSS of 5.5 or less: ask the clinic what "
        "benefit it expects at your EDSS."
    ) in cautions
    assert "No JACIE or FACT accreditation of the transplant unit was found." in cautions
    assert 'href="http://www.jacie.org/for-patients"' in cautions
    assert 'href="http://hsctmexico.com/inclusion-criteria.html"' in cautions


def test_closed_clinic_page_gives_the_date_and_source(client: TestClient) -> None:
    """Northwestern: closed as of 2019-09, with The Scientist as the source of that fact."""
    html = client.get("/facilities/chicago-northwestern").text

    assert (
        '<li id="caution-status_closed">Closed to new patients (as of 2019-09): this is not a '
        "programme to apply to."
    ) in html
    assert 'Fact from: <a translate="no" href="https://www.the-scientist.com/' in html


def test_clinic_without_cautions_has_no_caution_box(client: TestClient) -> None:
    """Sheffield: JACIE accredited, limits within the guidelines, accepting NHS patients."""
    html = client.get("/facilities/sheffield-royal-hallamshire").text

    assert 'id="cautions"' not in html


def test_unknown_facility_is_404(client: TestClient) -> None:
    """A wrong id gets the not-found page."""
    assert client.get("/facilities/no-such-clinic").status_code == 404


def test_compare_shows_the_chosen_facilities_side_by_side(client: TestClient) -> None:
    """Two clinics in one table, prices converted into the chosen currency."""
    html = client.get(
        "/facilities/compare?ids=moscow-pirogov&ids=puebla-clinica-ruiz&currency=EUR"
    ).text

    assert "Clínica Ruiz" in html
    assert "≈ €51,378" in html
    assert "usually up to 7.0; up to 8.0 in some cases" in html


def test_compare_needs_two_to_four(client: TestClient) -> None:
    """One clinic is not a comparison: 400 and a message naming the field."""
    response = client.get("/facilities/compare?ids=moscow-pirogov")

    assert response.status_code == 400
    assert "Facilities to compare: 1 given (allowed: 2 to 4 facilities)" in response.text


def test_legitimacy_page_rates_the_15500_euro_offer(client: TestClient) -> None:
    """Cells infused over days without chemotherapy: not aHSCT, with the reasons."""
    html = client.get("/legitimacy?chemotherapy=no&cells=mesenchymal&duration=hours_or_days").text

    assert "This is not aHSCT, or not a programme to trust." in html
    assert "No chemotherapy before the cells are given." in html
    assert "The product is mesenchymal, fat-derived, cord-blood or exosome material." in html
    assert "U.S. FDA: important patient and consumer information" in html


def test_legitimacy_page_a_treatment_of_days_is_decisive(client: TestClient) -> None:
    """A "stem cell" treatment over a few days, even with chemotherapy: not aHSCT."""
    html = client.get("/legitimacy?chemotherapy=yes&duration=hours_or_days").text

    assert "This is not aHSCT, or not a programme to trust." in html
    assert "<strong>Decisive:</strong> A treatment that lasts hours or a few days." in html


def test_legitimacy_page_marketing_a_cure_is_a_warning_sign(client: TestClient) -> None:
    """ "Cures all types of MS": one warning sign, with the National MS Society as a source."""
    html = client.get("/legitimacy?cure_claim=yes").text

    assert "Some concerns: one warning sign to clear up before going further." in html
    assert "The clinic markets a cure for MS, or one treatment for all types of MS." in html
    assert "National MS Society (US): stem cell clinics - questions to ask" in html


def test_legitimacy_page_without_answers_asks_the_questions(client: TestClient) -> None:
    """Nineteen questions: seventeen with choices (each with 'I don't know'), the price
    (currency and amount) and the country; no verdict yet."""
    html = client.get("/legitimacy").text

    assert html.count('<fieldset class="radios"') == 17
    assert html.count('value="unsure"') == 18
    assert 'name="price_currency"' in html
    assert 'name="price_amount"' in html
    assert '<select id="i-country" name="country"' in html
    assert "The result appears here as soon as you answer." in html
    assert "This is not aHSCT" not in html


def test_legitimacy_page_rejects_an_unknown_answer(client: TestClient) -> None:
    """An answer outside the choices is named; no verdict is made from it."""
    html = client.get("/legitimacy?chemotherapy=maybe").text

    assert "This answer is not one of the choices." in html
    assert "This is not aHSCT" not in html


def test_evidence_page_headlines_in_natural_frequencies(client: TestClient) -> None:
    """Muraro 2017 in plain words, with the mortality range and its source."""
    html = client.get("/evidence").text

    assert (
        "Out of 100 people (all patients), about 46 were free of confirmed disability "
        "progression after 5 years."
    ) in html
    assert "treatment-related deaths ranged from 0.0% to" in html
    assert "https://doi.org/10.1001/jamaneurol.2016.5867" in html


def test_evidence_page_filters_by_ms_type(client: TestClient) -> None:
    """Progressive MS leaves out studies of relapsing MS only, such as MIST."""
    everything = client.get("/evidence").text
    progressive = client.get("/evidence?population=progressive").text

    assert "MIST 2019 (randomised trial, JAMA)" in everything
    assert "MIST 2019 (randomised trial, JAMA)" not in progressive
    assert "Boffa 2021 (Italy, Neurology)" in progressive


def test_evidence_page_rejects_an_unknown_filter(client: TestClient) -> None:
    """A filter outside the choices is reported, and all studies are shown."""
    html = client.get("/evidence?population=XX").text

    assert "This value is not one of the choices." in html


def test_pages_exist_in_russian_and_spanish(client: TestClient) -> None:
    """Headings and verdicts are translated; no English left in the verdict."""
    url = "/legitimacy?chemotherapy=no"
    ru = client.get(url, headers={"Accept-Language": "ru"}).text
    es = client.get(url, headers={"Accept-Language": "es"}).text

    assert 'lang="ru"' in ru
    assert 'lang="es"' in es
    assert "This is not aHSCT" not in ru
    assert "This is not aHSCT" not in es
    for page in ("/facilities", "/facilities/moscow-pirogov", "/evidence"):
        for language in ("ru", "es"):
            response = client.get(page, headers={"Accept-Language": language})
            assert response.status_code == 200
            assert "Facilities" not in response.text.split("<main", 1)[1][:400]


def test_the_directory_keeps_no_page_with_personal_filters() -> None:
    """Only pages without age, EDSS or MS type are kept."""
    catalog = load_catalog()
    plain = dict.fromkeys(DIRECTORY_FIELDS, "")

    assert directory_key("en", plain, "", catalog) is not None
    for field in ("age", "edss", "ms_type"):
        assert directory_key("en", {**plain, field: "6"}, f"{field}=6", catalog) is None


def test_a_kept_directory_page_is_identical(client: TestClient) -> None:
    """The second answer is the first, byte for byte, in each language."""
    for language in ("en", "ru"):
        headers = {"accept-language": language}
        first = client.get("/facilities?country=RU", headers=headers)
        second = client.get("/facilities?country=RU", headers=headers)

        assert first.status_code == second.status_code == 200
        assert first.text == second.text
        assert second.headers["content-language"] == language


def test_clinic_notes_are_in_the_reader_s_language(client: TestClient) -> None:
    """The washout note of the Moscow clinic, in Russian and Spanish, no longer marked English;
    in English the page has no lang attribute on it."""
    note = load_catalog().facilities["moscow-pirogov"].washout.note
    assert note is not None
    english = client.get("/facilities/moscow-pirogov", headers={"Accept-Language": "en"}).text
    assert f'<p class="note-en">{escape(note)}</p>' in english
    for locale in ("ru", "es"):
        translated = data_translations(locale).gettext(note)
        assert translated != note
        page = client.get("/facilities/moscow-pirogov", headers={"Accept-Language": locale}).text
        assert f'<p class="note-en">{escape(translated)}</p>' in page
        assert escape(note) not in page


def test_the_drug_picker_lists_russian_names_and_brands(client: TestClient) -> None:
    def treatments(locale: str) -> str:
        response = client.post(
            "/candidate/wizard",
            data={"go": "goto:treatments"},
            headers={"Accept-Language": locale},
        )
        assert response.status_code == 200
        return response.text

    ocrelizumab = data_translations("ru").gettext("ocrelizumab")
    assert ocrelizumab != "ocrelizumab"
    assert f">{ocrelizumab} (Ocrevus, Окревус)</option>" in treatments("ru")
    english = treatments("en")
    assert ">ocrelizumab (Ocrevus)</option>" in english
    assert "Окревус" not in english


# ---------------------------------------------------------------- legitimacy: issue 19


def live_line(html: str) -> str:
    """The words of the short verdict (#legitimacy-live), tags and spacing removed."""
    found = re.search(
        r'<span id="legitimacy-live" role="status" aria-atomic="true">(.*?)</span>\s*'
        r'<a class="live-link"',
        html,
        re.DOTALL,
    )
    assert found is not None, "no #legitimacy-live on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_legitimacy_short_verdict_is_a_polite_live_region_at_the_foot_of_the_form(
    client: TestClient,
) -> None:
    """The verdict so far sits after the last question (where it stays without JavaScript),
    as a status, linking the full result."""
    html = client.get("/legitimacy?pressure=yes&chemotherapy=yes").text
    form = html.split('<form id="legitimacy-form"', 1)[1].split("</form>", 1)[0]

    assert '<span id="legitimacy-live" role="status" aria-atomic="true">' in form
    assert form.index('id="legitimacy-live"') > form.index('name="country"')
    assert form.index('id="legitimacy-live"') < form.index('type="submit"')
    assert '<a class="live-link" href="#legitimacy-result">See the full result</a>' in form
    assert live_line(html) == (
        "So far: some concerns. Warning signs: 1 · Reassuring signs: 1 · Answered: 2 of 19"
    )
    assert "aria-live" not in html.split('id="legitimacy-result"', 1)[1].split(">", 1)[0]


def test_legitimacy_short_verdict_before_any_answer(client: TestClient) -> None:
    """Without answers the short verdict says where it will appear."""
    html = client.get("/legitimacy").text

    assert live_line(html) == "The verdict appears here as soon as you answer."


def test_legitimacy_htmx_answer_updates_result_verdict_and_reporting_together(
    client: TestClient,
) -> None:
    """An answer sent by htmx returns the result, and out of band the short verdict, the
    price message and the reporting section (the live region itself is never replaced)."""
    html = client.get("/legitimacy?country=RU", headers={"HX-Request": "true"}).text

    assert "<html" not in html
    assert '<span id="legitimacy-live" hx-swap-oob="innerHTML">' in html
    assert '<p id="e-price_asked" hx-swap-oob="innerHTML"></p>' in html
    assert '<div id="legitimacy-report-routes" hx-swap-oob="innerHTML">' in html
    routes = html.split('id="legitimacy-report-routes"', 1)[1]
    assert routes.index("Roszdravnadzor") < routes.index("U.S. Food and Drug Administration")
    assert '<details class="regulator this-country" open>' in routes


def test_legitimacy_price_far_below_is_compared_with_documented_prices(
    client: TestClient,
) -> None:
    """USD 9,000: the warning sign, the price in euros, the lowest and highest found."""
    html = client.get("/legitimacy?price_currency=USD&price_amount=9000").text

    assert "Some concerns: one warning sign to clear up before going further." in html
    assert "The price asked is less than half the lowest price we have found for real" in html
    assert "You were asked $9,000, about €8,407." in html
    assert "Lowest price found:</strong> ₱1,600,000–₱2,000,000" in html
    assert 'href="/facilities/taguig-st-lukes"' in html
    assert "Highest price found:</strong> $100,000–$200,000" in html
    assert "with the European Central Bank rates of 28 June 2024." in html
    assert 'value="9000"' in html
    assert '<option value="USD" selected>USD · US Dollar</option>' in html


def test_legitimacy_price_in_roubles_is_compared_at_the_bank_of_russia_rate(
    client: TestClient,
) -> None:
    """The ECB has no rouble rate; the Bank of Russia's of the same day converts it, cited."""
    html = client.get(
        "/legitimacy?price_currency=RUB&price_amount=1000000", headers={"Accept-Language": "en"}
    ).text

    assert "We cannot compare this price" not in html
    assert "Bank of Russia official exchange rates for 28 June 2024" in html
    assert "Warning signs" in html.split('id="legitimacy-result"', 1)[1].split("<form", 1)[0]


def test_the_currency_follows_the_language_and_then_the_person(client: TestClient) -> None:
    """Issue 19: roubles for Russian, euros for Spanish, dollars for English, until the person
    picks one; the pick is remembered and used on the other pages."""

    def selected(html: str) -> str:
        found = re.search(r'<option value="([A-Z]{3})" selected', html)
        assert found is not None
        return found.group(1)

    assert selected(client.get("/facilities", headers={"Accept-Language": "ru"}).text) == "RUB"
    assert selected(client.get("/facilities", headers={"Accept-Language": "es"}).text) == "EUR"
    english = client.get("/facilities", headers={"Accept-Language": "en"})
    assert selected(english.text) == "USD"
    assert "hsct_currency" not in english.headers.get("set-cookie", "")

    chosen = client.get("/facilities?currency=GBP", headers={"Accept-Language": "ru"})
    assert "hsct_currency=GBP" in chosen.headers["set-cookie"]
    later = client.get("/facilities/moscow-pirogov", headers={"Accept-Language": "ru"}).text
    assert "≈" in later
    assert "£" in later
    assert selected(client.get("/facilities", headers={"Accept-Language": "ru"}).text) == "GBP"


def test_prices_in_roubles_name_the_bank_of_russia_rate(client: TestClient) -> None:
    html = client.get("/facilities?currency=RUB", headers={"Accept-Language": "ru"}).text
    assert "Bank of Russia official exchange rates for 28 June 2024" in html
    assert "₽" in html


def test_legitimacy_bad_price_is_named_next_to_the_field_and_the_rest_still_rated(
    client: TestClient,
) -> None:
    """'abc': named at the price and in the summary; the other answers still give a verdict."""
    html = client.get("/legitimacy?chemotherapy=no&price_currency=USD&price_amount=abc").text
    message = "&#39;abc&#39; is not an amount: write it in figures, for example 15000."

    assert f'<p class="field-error" id="e-price_asked">{message}</p>' in html
    assert f'<li><a href="#f-price_asked">{message}</a></li>' in html
    assert "This is not aHSCT, or not a programme to trust." in html
    assert 'aria-invalid="true"' in html.split('id="i-price_amount"', 1)[1].split(">", 1)[0]
    assert live_line(html) == (
        f"An answer cannot be used: {message} So far: not aHSCT, or not a programme to trust. "
        "Warning signs: 1 · Reassuring signs: 0 · Answered: 1 of 19"
    )


def test_legitimacy_price_without_currency_asks_for_it(client: TestClient) -> None:
    """An amount alone: the message asks for the currency; nothing is rated from it."""
    html = client.get("/legitimacy?price_amount=15000").text

    assert "Choose the currency of the price." in html
    assert "The price asked" not in html


def test_legitimacy_country_names_listed_programmes_and_the_regulator(client: TestClient) -> None:
    """Mexico: Clínica Ruiz, COFEPRIS with its 2015 action, and no reporting link."""
    html = client.get("/legitimacy?country=MX").text
    result = html.split('id="legitimacy-result"', 1)[1].split("<form", 1)[0]

    assert "The clinic is in Mexico" in result
    assert 'href="/facilities/puebla-clinica-ruiz"' in result
    assert "In December 2015 COFEPRIS suspended the mesenchymal stem cell treatments" in result
    assert "The country alone is neither a warning sign nor a reassuring one." in result
    assert "We cannot tell yet whether this is aHSCT" in result
    report = html.split('id="report"', 1)[1]
    assert report.index("COFEPRIS") < report.index("U.S. Food and Drug Administration")
    assert "No reporting link: we could not confirm the address of its reporting page." in report


def test_legitimacy_page_always_says_where_to_report(client: TestClient) -> None:
    """Without answers: the regulators with the confirmed reporting pages, and the ISSCR guide."""
    html = client.get("/legitimacy").text
    report = html.split('<section class="legitimacy-report" id="report"', 1)[1]

    assert "Report a suspect clinic" in report
    fda = (
        "https://www.fda.gov/vaccines-blood-biologics/consumers-biologics/"
        "reporting-adverse-events-related-stem-cells-exosomes-or-other-products-marketed-"
        "regenerative"
    )
    for url in (
        fda,
        "https://yellowcard.mhra.gov.uk/",
        "http://ema.europa.eu/en/partners-networks/eu-partners/eu-member-states",
        "http://www.closerlookatstemcells.org/What_to_Ask.html",
    ):
        assert f'href="{url}"' in report
    assert report.count("No reporting link") == 2
    assert '<details class="regulator" open>' not in report


def test_legitimacy_unknown_country_is_refused(client: TestClient) -> None:
    """A country outside the list is named at the question; no verdict from it."""
    html = client.get("/legitimacy?country=XX").text

    assert (
        '<p class="field-error" id="e-country">This answer is not one of the choices.</p>' in html
    )
    assert "The clinic is in" not in html


def test_legitimacy_new_questions_in_russian_and_spanish(client: TestClient) -> None:
    """Country names in the page's language; the short verdict and the script are there."""
    ru = client.get("/legitimacy?cure_claim=yes", headers={"Accept-Language": "ru"}).text
    es = client.get("/legitimacy?cure_claim=yes", headers={"Accept-Language": "es"}).text

    assert '<option value="MX">Мексика</option>' in ru
    assert '<option value="MX">México</option>' in es
    assert 'class="live-verdict verdict-some_concerns"' in ru
    assert 'class="live-verdict verdict-some_concerns"' in es
    assert '<script src="/static/js/legitimacy.js?v=' in ru


def _apply_section(html: str) -> str:
    found = re.search(r'<section aria-labelledby="apply">(.*?)</section>', html, re.S)
    assert found is not None
    return found.group(1)


def test_every_clinic_says_how_to_apply(client: TestClient) -> None:
    """Issue 19: the route by status, the records, the contact route and the languages, each
    with its source; unknowns said as such; no steps where nobody can apply."""
    moscow = _apply_section(client.get("/facilities/moscow-pirogov").text)
    assert "you can apply directly" in moscow
    assert 'href="https://www.hsct-russia.com"' in moscow
    assert "MRI report" in moscow
    assert "Languages its team speaks with patients: Russian, English." in moscow
    assert 'href="/journey?facility=moscow-pirogov"' in moscow

    hammersmith = _apply_section(client.get("/facilities/london-hammersmith").text)
    assert "a referral from your neurologist" in hammersmith
    assert "We have no contact route for this clinic" in hammersmith
    assert "A practical suggestion, not from a source." in hammersmith

    closed = _apply_section(client.get("/facilities/hamburg-uke").text)
    assert "there is no way to apply" in closed
    assert "<ol" not in closed
    for facility_id in load_catalog().facilities:
        page = client.get(f"/facilities/{facility_id}")
        assert page.status_code == 200
        assert 'id="apply"' in page.text


def test_ask_the_questions_below_only_where_questions_follow(client: TestClient) -> None:
    """Issue 19: the directory's cards give the short verdict; the sentence that points to
    questions below is only on the clinic's page, above the questions to ask."""
    directory = client.get("/facilities").text
    assert "ask the questions below" not in directory
    assert "Real aHSCT? cannot tell yet" in directory
    page = client.get("/facilities/hamburg-uke").text
    legit = page[page.index('id="legit"') :]
    assert "ask the questions below" in legit
    assert "questions to ask the clinic" in legit[legit.index("ask the questions below") :]
