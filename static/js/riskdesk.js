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
})();
