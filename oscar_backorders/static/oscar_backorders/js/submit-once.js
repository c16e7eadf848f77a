/* Confirmation pages of the backorder console: a form marked data-submit-once disables its
 * submit buttons once submitted, so a second click sends nothing (the server refuses a replay
 * anyway). No inline script: this file is loaded with a src, so a strict CSP allows it. */
(function () {
  "use strict";

  function disable(form) {
    var label = form.getAttribute("data-busy-label");
    var buttons = form.querySelectorAll('input[type="submit"], button[type="submit"], button:not([type])');
    buttons.forEach(function (button) {
      button.disabled = true;
      button.setAttribute("aria-disabled", "true");
      if (label) {
        if (button.tagName === "INPUT") {
          button.value = label;
        } else {
          button.textContent = label;
        }
      }
    });
    form.setAttribute("aria-busy", "true");
  }

  function watch(form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-submitted") === "yes") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-submitted", "yes");
      // After this event: a disabled submitter would leave the form data set too early.
      window.setTimeout(function () { disable(form); }, 0);
    });
  }

  function start() {
    document.querySelectorAll("form[data-submit-once]").forEach(watch);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
