/* Progress page of a console job: polls the job's JSON endpoint and shows done/total, then the
 * result and any refusals. Loaded with a src (no inline script). */
(function () {
  "use strict";

  function text(element, value) {
    if (element) {
      element.textContent = value;
    }
  }

  function render(root, data) {
    var bar = root.querySelector("progress");
    if (bar) {
      bar.max = data.total || 1;
      bar.value = data.done;
    }
    text(root.querySelector("[data-job-done]"), data.done);
    text(root.querySelector("[data-job-total]"), data.total);
    text(root.querySelector("[data-job-status]"), data.status_display);
    text(root.querySelector("[data-job-message]"), data.message);
    var list = root.querySelector("[data-job-refusals]");
    if (list) {
      list.replaceChildren();
      data.refusals.forEach(function (refusal) {
        var item = document.createElement("li");
        item.textContent = refusal;
        list.appendChild(item);
      });
    }
    root.setAttribute("data-job-finished", data.finished ? "yes" : "no");
  }

  function poll(root) {
    var url = root.getAttribute("data-status-url");
    var delay = parseInt(root.getAttribute("data-poll-ms") || "1000", 10);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        render(root, data);
        if (!data.finished) {
          window.setTimeout(function () { poll(root); }, delay);
        }
      })
      .catch(function () {
        window.setTimeout(function () { poll(root); }, delay * 5);
      });
  }

  function start() {
    document.querySelectorAll("[data-status-url]").forEach(function (root) {
      if (root.getAttribute("data-job-finished") !== "yes") {
        poll(root);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
