/* advocacy: open the network's share dialog, copy the text to share. No inline scripts (CSP). */
(function () {
  "use strict";

  function copied(button, status) {
    var label = button.getAttribute("data-copied");
    if (status && label) {
      status.textContent = label;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) {
      return;
    }
    var field = document.querySelector(button.getAttribute("data-copy"));
    var status = document.querySelector("[data-copy-status]");
    if (!field) {
      return;
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () {
        copied(button, status);
      });
    } else {
      field.select();
      document.execCommand("copy");
      copied(button, status);
    }
  });

  // After "Share on X" (Mastodon, Bluesky): go on to the network's dialog, prefilled.
  function openNow() {
    var link = document.querySelector("a[data-open-now]");
    if (link) {
      window.location.assign(link.href);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openNow);
  } else {
    openNow();
  }
})();
