// Small behaviours shared by every page. Loaded as a file: the CSP forbids inline scripts.
"use strict";
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (target) {
    window.print();
  }
});

// Printed pages show everything: open every collapsed section (criteria, timeline steps,
// sources) before printing, and restore the reader's view afterwards.
var openedForPrint = [];
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details:not([open])").forEach(function (details) {
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
