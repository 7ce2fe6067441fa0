// The legitimacy check (/legitimacy): the short verdict moves next to the question just
// answered and is scrolled into view, while the question itself stays where it was on the
// screen as the result above the questions grows or shrinks (issue 19). Loaded as a file:
// the CSP forbids inline scripts. Without JavaScript the short verdict stays at the end of
// the form and the "Show the result" button gives the whole page.
"use strict";
var answered = null; // the question just answered, the control used, and its screen position
var MARGIN = 8;

function scrollByPixels(pixels) {
  window.scrollBy({ top: pixels, left: 0, behavior: "instant" });
}

function settle() {
  var line = document.getElementById("legitimacy-live-bar");
  if (!answered || !line || !answered.question.isConnected) {
    return;
  }
  var moved = answered.question.getBoundingClientRect().top - answered.top;
  if (Math.abs(moved) >= 1) {
    scrollByPixels(moved);
  }
  // Bring the short verdict up into view, but never scroll the answer itself off the top.
  var hidden = line.getBoundingClientRect().bottom + MARGIN - window.innerHeight;
  var room = answered.control.getBoundingClientRect().top - MARGIN;
  var by = Math.min(hidden, room);
  if (by >= 1) {
    scrollByPixels(by);
    answered.top = answered.question.getBoundingClientRect().top;
  }
}

document.addEventListener("change", function (event) {
  var form = document.getElementById("legitimacy-form");
  var line = document.getElementById("legitimacy-live-bar");
  var target = event.target;
  if (!form || !line || !(target instanceof Element) || !form.contains(target)) {
    return;
  }
  var question = target.closest(
    "#legitimacy-form > fieldset, #legitimacy-form > .country-question"
  );
  if (!question) {
    return;
  }
  answered = {
    question: question,
    control: target.closest("label") || target,
    top: question.getBoundingClientRect().top
  };
  if (question.nextElementSibling !== line) {
    question.after(line);
  }
  settle();
});

// The result above the questions changes height with each answer: scroll by as much.
document.addEventListener("htmx:afterSettle", settle);
