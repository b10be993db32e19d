// The fairness assessment, refreshed while a department or the council types the inputs
// (issue 15: "showing the assessment ... as the inputs change"). It sends the form's own
// "assess" request in the background and shows the answer's assessment in the live
// region; without this script the "assess" button does the same with a page load.
(function () {
  "use strict";
  var form = document.getElementById("adopt-form");
  var region = document.getElementById("assessment-region");
  var button = form && form.querySelector("button[data-assess]");
  if (!form || !region || !button || !window.fetch || !window.DOMParser) {
    return;
  }
  var timer = null;
  var latest = 0;

  function refresh() {
    var mine = ++latest;
    fetch(button.getAttribute("formaction"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
    })
      .then(function (answer) {
        return answer.text();
      })
      .then(function (html) {
        if (mine !== latest) {
          return; // a later change is on its way
        }
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("assessment-region");
        // Inputs the service refuses give no assessment: the button then shows why.
        region.innerHTML = fresh ? fresh.innerHTML : "";
        if (fresh && fresh.querySelector("#assessment")) {
          clearErrors(); // the service took every input: no message stands any more
        }
      })
      .catch(function () {
        /* the button still works */
      });
  }

  function clearErrors() {
    form.querySelectorAll(".error-message").forEach(function (message) {
      message.remove();
    });
    form.querySelectorAll(".invalid").forEach(function (field) {
      field.classList.remove("invalid");
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (input) {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
