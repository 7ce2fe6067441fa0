// Small behaviours shared by every page. Loaded as a file: the CSP forbids inline scripts.
"use strict";
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (target) {
    window.print();
  }
});

// Printed pages show everything: open every collapsed section (timeline steps, sources,
// "more" sections) before printing, and restore the reader's view afterwards. Sections
// marked print-closed (each clinic's criteria on the results) print as their one-line
// summary, so the results stay a few pages (the neurologist's summary has the detail).
var openedForPrint = [];
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details:not([open]):not(.print-closed)").forEach(function (details) {
    details.open = true;
    openedForPrint.push(details);
  });
});
window.addEventListener("afterprint", function () {
  openedForPrint.forEach(function (details) {
    details.open = false;
  });
  openedForPrint = [];
});

// "Last dose" is asked only for drugs given in courses or infusions (data-course on the
// option); without JavaScript the field stays visible with a hint saying so.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select || !select.matches || !select.matches("select[data-course-drug]")) {
    return;
  }
  var field = document.querySelector('[data-course-field="' + select.dataset.courseDrug + '"]');
  if (!field) {
    return;
  }
  var option = select.options[select.selectedIndex];
  field.hidden = Boolean(select.value) && !(option && option.dataset.course === "1");
});

// Answers that survive Back and reload (issue 19). The candidate wizard and its results
// keep the answers only in the page (a hidden field), never on the server or in an
// address. Each such page copies them into this tab's session storage (gone when the tab
// closes) and gives itself a plain address without answers (?step=...), so that Back or
// reload fetches that address instead of a "resubmit the form?" error. That page then posts
// the kept answers in the background and puts the answer in its place: the same history
// entry, so Back keeps working as the person expects.
var ANSWERS_KEY = "hsct.candidate.answers";

function keptAnswers() {
  try {
    var kept = JSON.parse(window.sessionStorage.getItem(ANSWERS_KEY) || "null");
    return kept && typeof kept.profile === "string" && kept.profile !== "{}" ? kept : null;
  } catch (error) {
    return null;
  }
}

function cameBack() {
  var entries = window.performance && performance.getEntriesByType
    ? performance.getEntriesByType("navigation") : [];
  return entries.length > 0 && (entries[0].type === "back_forward" || entries[0].type === "reload");
}

function restoreAnswers(action, values) {
  var token = document.querySelector('input[name="csrf_token"]');
  if (token) {
    values.csrf_token = token.value;
  }
  return window.htmx.ajax("POST", action, {
    source: document.body, target: "body", swap: "innerHTML", values: values
  });
}

function keepAnswers() {
  var page = document.querySelector("form[data-keep-answers]");
  var kept = keptAnswers();
  if (page && page.dataset.step && kept && page.elements.profile.value === "{}"
      && (page.hasAttribute("data-restore") || cameBack())) {
    // Until the kept answers are back, the step's questions cannot be answered: the answer
    // replaces this page, and a choice made meanwhile would be lost with it (a slow phone
    // connection can take seconds). Should the request fail, the questions come back.
    var fields = Array.prototype.slice.call(page.elements).filter(function (field) {
      return !field.disabled;
    });
    page.setAttribute("aria-busy", "true");
    fields.forEach(function (field) { field.disabled = true; });
    var settle = function () {
      if (document.body.contains(page)) {
        page.removeAttribute("aria-busy");
        fields.forEach(function (field) { field.disabled = false; });
      }
    };
    restoreAnswers("/candidate/wizard", { profile: kept.profile, go: "goto:" + page.dataset.step })
      .then(settle, settle);
    return;
  }
  if (page) {
    try {
      window.sessionStorage.setItem(ANSWERS_KEY, JSON.stringify({ profile: page.elements.profile.value }));
    } catch (error) {
      // Storage refused (private mode, quota): Back then shows the questions empty.
    }
    window.history.replaceState(null, "", page.dataset.keepAnswers);
    return;
  }
  var results = document.querySelector("[data-restore-results]");
  if (results && kept && window.htmx) {
    results.querySelector("[data-restoring]").hidden = false;
    results.querySelector("[data-restore-failed]").hidden = true;
    restoreAnswers("/candidate/results", { profile: kept.profile });
  }
}

// Where a wizard step puts the keyboard focus (issue 19): on the error summary when an
// answer was refused (it names each field and what is allowed), on the first field of a
// row just added, else on the step's heading, so a screen reader starts with the question.
function focusStep() {
  var wizard = document.querySelector("form.wizard");
  var heading = document.querySelector("main h1");
  if (!wizard || !heading) {
    return;
  }
  var summary = document.querySelector("main .callout.error[role=alert]");
  var added = wizard.dataset.focus ? document.getElementById(wizard.dataset.focus) : null;
  var target = summary || added || heading;
  if (target !== added) {
    target.setAttribute("tabindex", "-1");
  }
  target.focus();
}

document.addEventListener("DOMContentLoaded", function () {
  keepAnswers();
  focusStep();
});
document.addEventListener("htmx:afterSettle", function (event) {
  if (event.detail && event.detail.target === document.body) {
    keepAnswers();
    focusStep();
  }
});
