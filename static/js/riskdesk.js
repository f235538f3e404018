/* riskdesk: the little behaviour the pages need. No inline scripts (CSP). */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // Forms with data-confirm="question" ask before they are sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // <select data-autosubmit>, or any <select> in a <form data-autosubmit>
  // (the list filters), sends its form as soon as it changes. Text fields
  // wait for Enter or the submit button.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.tagName === "SELECT" && field.form &&
        (field.hasAttribute("data-autosubmit") || field.form.hasAttribute("data-autosubmit"))) {
      if (field.form.requestSubmit) {
        field.form.requestSubmit();
      } else {
        field.form.submit();
      }
    }
  });

  // Drop-down menus (<details class="dropdown">) close on a click outside or Escape.
  function closeDropdowns(except) {
    document.querySelectorAll("details.dropdown[open]").forEach(function (menu) {
      if (menu !== except) {
        menu.removeAttribute("open");
      }
    });
  }
  document.addEventListener("click", function (event) {
    closeDropdowns(event.target.closest ? event.target.closest("details.dropdown") : null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var open = document.querySelector("details.dropdown[open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    }
  });

  // The sidebar menu is always shown on wide screens. Browsers that style
  // ::details-content do it in CSS; older ones get it opened here.
  var wide = window.matchMedia("(min-width: 60rem)");
  var cssOpens = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");
  function openWide() {
    if (cssOpens) {
      return;
    }
    document.querySelectorAll("details[data-open-wide]").forEach(function (menu) {
      if (wide.matches) {
        menu.setAttribute("open", "");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", openWide);
  if (document.readyState !== "loading") {
    openWide();
  }
  if (wide.addEventListener) {
    wide.addEventListener("change", openWide);
  }

  // <time data-relative datetime="…"> reads "3 minutes ago" or "in 2 hours", in the page's
  // language, kept fresh while the page stays open (cached inbox rows never age). An SLA
  // clock ([data-sla-due]) turns to its overdue label once its time has passed.
  var relative = window.Intl && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(document.documentElement.lang || undefined, {numeric: "auto"})
    : null;
  var UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
    ["hour", 3600], ["minute", 60]];
  function relativeText(seconds) {
    for (var i = 0; i < UNITS.length; i++) {
      if (Math.abs(seconds) >= UNITS[i][1]) {
        return relative.format(Math.trunc(seconds / UNITS[i][1]), UNITS[i][0]);
      }
    }
    return relative.format(0, "second");
  }
  function refreshTimes(root) {
    var now = Date.now();
    if (relative) {
      root.querySelectorAll("time[data-relative]").forEach(function (time) {
        var when = Date.parse(time.getAttribute("datetime"));
        if (!isNaN(when)) {
          time.textContent = relativeText((when - now) / 1000);
        }
      });
    }
    root.querySelectorAll("[data-sla-due]:not(.sla--breached)").forEach(function (clock) {
      if (Date.parse(clock.getAttribute("data-sla-due")) <= now) {
        clock.classList.remove("sla--ok", "sla--warn");
        clock.classList.add("sla--breached");
        clock.querySelector("[data-sla-label]").textContent = clock.getAttribute("data-overdue-label");
        var row = clock.closest(".inbox-row");
        if (row) {
          row.classList.add("is-breached");
        }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    refreshTimes(document);
  });
  document.addEventListener("htmx:load", function (event) {
    refreshTimes(event.detail.elt);
  });
  window.setInterval(function () {
    refreshTimes(document);
  }, 30000);
})();
