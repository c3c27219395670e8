/* A marketplace object's status panel refreshes itself while its job is queued or running:
   the panel (#sync-status, data-open="1") is fetched again from its data-sync-status-url every
   data-poll-ms and replaced in place; polling stops once the fragment says no job is open.
   Buttons with data-confirm ask before their form is sent. No library. */
(function () {
  "use strict";

  var MAX_FAILURES = 5;

  function schedule(box, failures) {
    if (!box || box.getAttribute("data-open") !== "1") {
      return;
    }
    var wait = parseInt(box.getAttribute("data-poll-ms"), 10) || 1500;
    window.setTimeout(function () {
      refresh(box, failures);
    }, wait * (failures + 1));
  }

  function refresh(box, failures) {
    var url = box.getAttribute("data-sync-status-url");
    url += (url.indexOf("?") < 0 ? "?" : "&") + "watched=1";
    window
      .fetch(url, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { "X-Requested-With": "XMLHttpRequest" },
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var fresh = holder.querySelector("[data-sync-status-url]");
        if (!fresh) {
          throw new Error("no status panel in the answer");
        }
        box.parentNode.replaceChild(fresh, box);
        schedule(fresh, 0);
      })
      .catch(function () {
        if (failures + 1 < MAX_FAILURES) {
          schedule(box, failures + 1);
        } else {
          box.setAttribute("data-poll-stopped", "1");
        }
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("[data-sync-status-url]");
    for (var i = 0; i < boxes.length; i++) {
      schedule(boxes[i], 0);
    }
    var asking = document.querySelectorAll("button[data-confirm]");
    for (var j = 0; j < asking.length; j++) {
      asking[j].form.addEventListener("submit", function (event) {
        var button = this.querySelector("button[data-confirm]");
        if (button && !window.confirm(button.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    }
  });
})();
