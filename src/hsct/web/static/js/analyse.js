// Analyse your own cohort (/outcomes/analyse): the upload's progress in per cent, then that
// the server is computing, then the result page in place of this one. Loaded as a file: the
// CSP forbids inline scripts. Without JavaScript the form posts as usual (no progress).
"use strict";
(function () {
  var form = document.getElementById("analyse-form");
  var box = document.getElementById("analyse-progress");
  if (!form || !box || !window.XMLHttpRequest || !window.FormData) {
    return;
  }
  var bar = document.getElementById("analyse-bar");
  var status = document.getElementById("analyse-status");
  var button = form.querySelector("button[type=submit]");

  function say(text) {
    status.textContent = text;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    box.hidden = false;
    bar.value = 0;
    button.disabled = true;
    say(box.dataset.uploading.replace("{n}", "0"));
    request.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable && progress.total > 0) {
        var percent = Math.floor((100 * progress.loaded) / progress.total);
        bar.value = percent;
        say(box.dataset.uploading.replace("{n}", String(percent)));
      }
    });
    request.upload.addEventListener("load", function () {
      bar.removeAttribute("value"); // no value: the bar shows work without an end
      say(box.dataset.computing);
    });
    request.addEventListener("load", function () {
      document.open();
      document.write(request.responseText);
      document.close();
      window.scrollTo(0, 0);
    });
    request.addEventListener("error", function () {
      button.disabled = false;
      say(box.dataset.failed);
    });
    request.send(new FormData(form));
  });
})();
