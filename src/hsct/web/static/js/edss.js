// EDSS calculator pages. Loaded as a file (the CSP forbids inline scripts); everything here
// is an enhancement: without JavaScript the server renders the same marks and texts.
"use strict";
(function () {
  // Below each functional system, the meaning of the grade just chosen.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select || !select.matches || !select.matches("select[data-meaning]")) {
      return;
    }
    var target = document.getElementById(select.dataset.meaning);
    var option = select.options[select.selectedIndex];
    if (!target || !option) {
      return;
    }
    target.textContent = option.value === "" ? "" : option.textContent.replace(/^\s*\d+\s*·\s*/, "");
  });

  // A field whose message slot holds a message is marked invalid and described by it.
  function markInvalid() {
    document.querySelectorAll("[data-error-for]").forEach(function (slot) {
      var name = slot.dataset.errorFor;
      var control = document.getElementById("f-" + name);
      if (!control) {
        return;
      }
      var wrong = slot.querySelector(".field-error") !== null;
      var ids = (control.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
        return id && id !== "e-" + name;
      });
      if (wrong) {
        ids.push("e-" + name);
        control.setAttribute("aria-invalid", "true");
      } else {
        control.removeAttribute("aria-invalid");
      }
      if (ids.length) {
        control.setAttribute("aria-describedby", ids.join(" "));
      } else {
        control.removeAttribute("aria-describedby");
      }
    });
  }

  // After each new result: update the fields' messages, and mark the walking question that
  // would narrow the range most.
  document.addEventListener("htmx:afterSettle", function (event) {
    var region = document.getElementById("edss-result");
    if (!region || !event.target || !region.contains(event.target)) {
      return;
    }
    markInvalid();
    var holder = region.querySelector("[data-next-question]");
    var next = holder ? holder.dataset.nextQuestion : "";
    document.querySelectorAll("fieldset[data-question]").forEach(function (fieldset) {
      var chosen = fieldset.dataset.question === next;
      fieldset.classList.toggle("is-next", chosen);
      var badge = fieldset.querySelector("[data-next-badge]");
      if (badge) {
        badge.hidden = !chosen;
      }
    });
  });
})();
