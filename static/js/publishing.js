/* publishing: moving posts on the calendar (drag, or Alt+arrows), the live preview of the
   post form, and the confirmation before dropping a held post. No inline scripts (CSP).
   Every action here also exists without JavaScript: the post page's reschedule form, and
   the preview rendered when the form is saved. */
(function () {
  "use strict";

  // The token of the page's forms (every signed-in page has one: the sign-out form).
  function csrfToken() {
    var field = document.querySelector("input[name='csrfmiddlewaretoken']");
    return field ? field.value : "";
  }

  function post(url, data, token) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false }; }).then(function (body) {
        body.status = response.status;
        return body;
      });
    });
  }

  // --- The calendar ------------------------------------------------------------------------

  var calendar = document.querySelector("[data-calendar]");
  var announcer = document.querySelector("[data-announce]");

  function announce(text, isError) {
    if (!announcer) { return; }
    announcer.classList.toggle("is-error", !!isError);
    announcer.textContent = "";
    // A fresh text node after a tick, so screen readers read a repeated message again.
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function addDays(iso, days) {
    var parts = iso.split("-").map(Number);
    var day = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2] + days));
    return day.toISOString().slice(0, 10);
  }

  function moveChip(chip, targetDay, focusAfter) {
    if (!calendar || chip.classList.contains("is-moving")) { return; }
    var from = chip.getAttribute("data-date");
    if (!from || targetDay === from) { return; }
    if (chip.hasAttribute("data-needs-legal") &&
        !window.confirm(calendar.getAttribute("data-confirm-legal"))) {
      return;
    }
    var data = new FormData();
    data.append("date", targetDay);
    data.append("version", chip.getAttribute("data-version"));
    chip.classList.add("is-moving");
    post(chip.getAttribute("data-move-url"), data, csrfToken()).then(function (answer) {
      chip.classList.remove("is-moving");
      if (!answer.ok) {
        announce(answer.error || calendar.getAttribute("data-failed"), true);
        return;
      }
      chip.setAttribute("data-date", answer.date);
      chip.setAttribute("data-version", answer.version);
      var time = chip.querySelector("time");
      if (time) {
        time.setAttribute("datetime", answer.date + time.getAttribute("datetime").slice(10));
      }
      var cell = calendar.querySelector(".pub-day[data-day='" + answer.date + "']");
      var item = chip.parentElement;
      var oldCell = item.closest(".pub-day");
      var message = answer.message;
      if (cell) {
        var list = cell.querySelector(".pub-day__posts");
        // Keep the day in time order: before the first chip that starts later.
        var mine = time ? time.textContent : "";
        var before = null;
        Array.prototype.forEach.call(list.children, function (other) {
          var t = other.querySelector("time");
          if (!before && t && t.textContent > mine) { before = other; }
        });
        list.insertBefore(item, before);
        cell.classList.remove("pub-day--empty");
      } else {
        item.remove();
        message += " " + calendar.getAttribute("data-moved-outside");
      }
      if (oldCell && !oldCell.querySelector(".pub-chip")) { oldCell.classList.add("pub-day--empty"); }
      if (focusAfter && cell) { chip.focus(); }
      announce(message, false);
    }).catch(function () {
      chip.classList.remove("is-moving");
      announce(calendar.getAttribute("data-failed"), true);
    });
  }

  if (calendar) {
    var dragged = null;
    var KEYS = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };

    calendar.addEventListener("keydown", function (event) {
      var chip = event.target.closest && event.target.closest(".pub-chip[data-movable]");
      if (!chip || !event.altKey || !(event.key in KEYS)) { return; }
      event.preventDefault();
      moveChip(chip, addDays(chip.getAttribute("data-date"), KEYS[event.key]), true);
    });

    calendar.addEventListener("dragstart", function (event) {
      var chip = event.target.closest && event.target.closest(".pub-chip[data-movable]");
      if (!chip) { return; }
      dragged = chip;
      chip.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", chip.getAttribute("data-post"));
    });

    calendar.addEventListener("dragend", function () {
      if (dragged) { dragged.classList.remove("is-dragging"); }
      dragged = null;
      calendar.querySelectorAll(".is-drop-target").forEach(function (cell) {
        cell.classList.remove("is-drop-target");
      });
    });

    calendar.addEventListener("dragover", function (event) {
      var cell = dragged && event.target.closest && event.target.closest(".pub-day");
      if (!cell) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      calendar.querySelectorAll(".is-drop-target").forEach(function (other) {
        if (other !== cell) { other.classList.remove("is-drop-target"); }
      });
      cell.classList.add("is-drop-target");
    });

    calendar.addEventListener("drop", function (event) {
      var cell = dragged && event.target.closest && event.target.closest(".pub-day");
      if (!cell) { return; }
      event.preventDefault();
      cell.classList.remove("is-drop-target");
      moveChip(dragged, cell.getAttribute("data-day"), false);
    });
  }

  // --- The live preview ------------------------------------------------------------------

  var form = document.querySelector("form[data-post-form]");
  var preview = document.querySelector("[data-preview]");
  var previewError = document.querySelector("[data-preview-error]");
  if (form && preview) {
    var timer = null;
    var sent = 0;

    var refresh = function () {
      var ask = ++sent;
      post(form.getAttribute("data-preview-url"), new FormData(form), csrfToken())
        .then(function (answer) {
          if (ask !== sent) { return; } // an older answer arriving late
          if (answer.ok) {
            preview.innerHTML = answer.html; // rendered and escaped by the server
            previewError.hidden = true;
          } else {
            previewError.textContent = answer.error || "";
            previewError.hidden = !answer.error;
          }
        })
        .catch(function () { /* the preview waits for the next change */ });
    };

    var later = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 300);
    };

    form.addEventListener("input", later);
    form.addEventListener("change", later);
  }

  // --- Dropping a held post asks first --------------------------------------------------

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm-drop]");
    if (button && !window.confirm(button.getAttribute("data-confirm-drop"))) {
      event.preventDefault();
    }
  });
})();
