// Small behaviours shared by every page. Loaded as a file: the CSP forbids inline scripts.
"use strict";
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (target) {
    window.print();
  }
});
