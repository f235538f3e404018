/* compliance: the sponsored post form and the printable evidence record. No inline scripts (CSP). */
(function () {
  "use strict";

  // The brand account field only matters when the post goes out from a brand account.
  function syncAccount(form) {
    var checked = form.querySelector("input[name='account_kind']:checked");
    var kind = checked ? checked.value : "brand";
    form.querySelectorAll("[data-when-account]").forEach(function (block) {
      block.hidden = block.getAttribute("data-when-account") !== kind;
    });
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-post-form]");
    if (form && event.target.name === "account_kind") {
      syncAccount(form);
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });

  function init() {
    document.querySelectorAll("form[data-post-form]").forEach(syncAccount);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
