/* The triage inbox: keyboard shortcuts, selection, and the live poll's list of rows.
   Everything here is a shortcut for a link, a button or a form that also works by mouse. */
(function () {
  "use strict";

  var inbox = document.querySelector("[data-inbox]");
  var panel = document.getElementById("panel");
  if (!panel) { return; }

  function rows() { return Array.prototype.slice.call(document.querySelectorAll(".inbox-row")); }
  function current() { return document.querySelector(".inbox-row.is-current"); }

  function setCurrent(row) {
    rows().forEach(function (r) { r.classList.remove("is-current"); });
    if (row) {
      row.classList.add("is-current");
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var index = all.indexOf(current());
    var next = all[Math.min(Math.max(index + step, 0), all.length - 1)];
    if (index === -1) { next = all[0]; }
    setCurrent(next);
  }

  function openRow(row, then) {
    if (!row || !window.htmx) { return; }
    setCurrent(row);
    opening = true;
    window.htmx.ajax("GET", row.getAttribute("data-panel-url"), { target: "#panel" }).then(function () {
      if (then) { then(); }
    });
  }

  // On a narrow screen the list and the mention are two screens. Opening a mention from the
  // list turns the page to the mention (.is-reading) with a history entry of its own, after
  // noting the list's scroll position in the list's entry; "Back to the list" and the
  // browser's Back return to it, the list untouched (same rows, same selection, same place).
  var narrow = window.matchMedia("(max-width: 56rem)");
  var opening = false;

  function shownId() {
    var shown = panel.querySelector("[data-mention]");
    return shown ? shown.getAttribute("data-mention") : null;
  }

  function read() {
    var id = shownId();
    if (!inbox || !id) { return; }
    var url = "/inbox/" + id + "/";
    if (inbox.classList.contains("is-reading")) {
      // Another mention from inside the panel (the thread, the author's others): same screen.
      history.replaceState({ inboxMention: id }, "", url);
    } else {
      var state = Object.assign({}, history.state, { inboxScroll: window.scrollY });
      history.replaceState(state, "");
      history.scrollRestoration = "manual";
      history.pushState({ inboxMention: id }, "", url);
      inbox.classList.add("is-reading");
    }
    window.scrollTo(0, 0);
    panel.focus({ preventScroll: true });
  }

  function showList(scroll) {
    inbox.classList.remove("is-reading");
    var row = current();
    window.scrollTo(0, scroll || 0);
    if (row && scroll === undefined) { row.scrollIntoView({ block: "center" }); }
    history.scrollRestoration = "auto";
    var link = row && row.querySelector(".inbox-row__open");
    if (link) { link.focus({ preventScroll: true }); }
  }

  if (inbox) {
    // Registered before htmx's own history handler (it sets window.onpopstate once the page
    // is ready), so the steps between the list and a mention are ours and htmx restores nothing.
    window.addEventListener("popstate", function (event) {
      var state = event.state || {};
      if (state.inboxMention) {
        event.stopImmediatePropagation();
        var row = document.getElementById("m-" + state.inboxMention);
        if (shownId() === String(state.inboxMention)) {
          inbox.classList.add("is-reading");
          window.scrollTo(0, 0);
        } else if (row) {
          setCurrent(row);
          window.htmx.ajax("GET", row.getAttribute("data-panel-url"), { target: "#panel" }).then(function () {
            inbox.classList.add("is-reading");
            window.scrollTo(0, 0);
          });
        } else {
          window.location.reload();
        }
      } else if (inbox.classList.contains("is-reading")) {
        event.stopImmediatePropagation();
        showList(state.inboxScroll);
      }
    });

    document.addEventListener("click", function (event) {
      var back = event.target.closest("[data-inbox-back]");
      if (!back || !inbox.classList.contains("is-reading")) { return; }
      event.preventDefault();
      if (history.state && history.state.inboxMention) { history.back(); } else { showList(); }
    });

    // Wide again while reading: both panes are on screen, the list where it was.
    narrow.addEventListener("change", function () {
      if (!narrow.matches && inbox.classList.contains("is-reading")) {
        inbox.classList.remove("is-reading");
        history.scrollRestoration = "auto";
      }
    });

    document.body.addEventListener("htmx:beforeRequest", function (event) {
      var elt = event.detail.elt;
      if (event.detail.target === panel && elt && elt.closest && elt.closest("#inbox-list")) { opening = true; }
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target !== panel) { return; }
      var fromList = opening;
      opening = false;
      if (!narrow.matches) { return; }
      if (fromList || (inbox.classList.contains("is-reading") && history.state && history.state.inboxMention !== shownId())) {
        read();
      }
    });

    // Comfortable or compact rows, remembered in this browser (a year); the server reads it.
    var density = document.querySelector("[data-density-toggle]");
    if (density) {
      density.addEventListener("change", function () {
        var compact = density.checked;
        inbox.classList.toggle("inbox--compact", compact);
        document.cookie = "riskdesk_inbox_density=" + (compact ? "compact" : "comfortable") +
          "; path=/inbox/; max-age=31536000; SameSite=Lax";
        var row = current();
        if (row) { row.scrollIntoView({ block: "nearest" }); }
      });
    }
  }

  function openPanelAnd(then) {
    var row = current();
    var shown = panel.querySelector("[data-mention]");
    if (row && (!shown || shown.getAttribute("data-mention") !== row.getAttribute("data-id"))) {
      openRow(row, then);
    } else if (shown) {
      then();
    }
  }

  function selectedIds() {
    var boxes = document.querySelectorAll(".inbox-row__select:checked");
    var ids = Array.prototype.map.call(boxes, function (b) { return b.value; });
    if (!ids.length && current()) { ids = [current().getAttribute("data-id")]; }
    return ids;
  }

  function updateSelection() {
    var count = document.querySelectorAll(".inbox-row__select:checked").length;
    var label = document.querySelector("[data-selected-count]");
    rows().forEach(function (r) {
      var box = r.querySelector(".inbox-row__select");
      r.classList.toggle("is-selected", !!(box && box.checked));
    });
    if (label) { label.textContent = count ? count + " ✓" : label.getAttribute("data-empty") || label.textContent; }
    var toolbar = document.getElementById("bulk");
    if (toolbar) { toolbar.classList.toggle("has-selection", count > 0); }
  }

  // Bulk actions the shortcuts send: the toolbar form with its action and value set.
  function bulk(action, values) {
    var form = document.getElementById("bulk");
    if (!form || !window.htmx) { return; }
    var ids = selectedIds();
    if (!ids.length) { return; }
    var params = { action: action, ids: ids.join(",") };
    Object.keys(values || {}).forEach(function (k) { params[k] = values[k]; });
    window.htmx.ajax("POST", form.getAttribute("action"), { target: "#bulk-result", values: params }).then(function () {
      // The rows are fresh (out of band); so must the panel be when it shows one of them.
      var shown = panel.querySelector("[data-mention]");
      var row = shown && document.getElementById("m-" + shown.getAttribute("data-mention"));
      if (row && ids.indexOf(shown.getAttribute("data-mention")) !== -1) {
        window.htmx.ajax("GET", row.getAttribute("data-panel-url"), { target: "#panel" });
      }
    });
  }

  function me() {
    var option = document.querySelector("#bulk-assignee option");
    return option ? option.value : null;
  }

  function typing(target) {
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function viewLinks() {
    return Array.prototype.slice.call(document.querySelectorAll(".inbox-views a[href]"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape") {
      if (typing(event.target)) { event.target.blur(); }
      else if (inbox && inbox.classList.contains("is-reading")) {
        var back = document.querySelector("[data-inbox-back]");
        if (back) { back.click(); }
      }
      return;
    }
    if (typing(event.target)) { return; }
    var dialog = document.getElementById("shortcuts");
    var handled = true;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "Enter": case "o":
        // Enter on a focused link, button or summary is theirs: follow, press or toggle it.
        if (event.key === "Enter" && event.target.closest("a[href], button, summary")) { handled = false; }
        else if (current()) { openRow(current()); } else { handled = false; }
        break;
      case "x":
        var box = current() && current().querySelector(".inbox-row__select");
        if (box) { box.checked = !box.checked; updateSelection(); }
        break;
      case "a": if (me()) { bulk("assign", { assignee: me() }); } break;
      case "d": bulk("status", { status: "resolved" }); break;
      case "t":
        openPanelAnd(function () { var f = panel.querySelector("[data-panel-tags]"); if (f) { f.focus(); } });
        break;
      case "r":
        openPanelAnd(function () {
          var box = panel.querySelector("[data-panel-reply-box]");
          if (box) { box.open = true; }
          var f = panel.querySelector("[data-panel-reply]");
          if (f) { f.focus(); }
        });
        break;
      case "m":
        openPanelAnd(function () {
          var box = panel.querySelector("[data-panel-moderate]");
          if (box) { box.open = true; var first = box.querySelector("select"); if (first) { first.focus(); } }
        });
        break;
      case "e":
        openPanelAnd(function () {
          var box = panel.querySelector("[data-panel-escalate]");
          if (box) { box.open = true; var first = box.querySelector("a, select, button"); if (first) { first.focus(); } }
        });
        break;
      case "v":
        var view = document.querySelector(".inbox-views a[aria-current]") || viewLinks()[0];
        if (view) { view.focus(); } else { handled = false; }
        break;
      case "ArrowDown": case "ArrowUp":
        var links = viewLinks();
        var at = links.indexOf(event.target);
        if (at === -1) { handled = false; break; }
        var next = links[at + (event.key === "ArrowDown" ? 1 : -1)];
        if (next) { next.focus(); }
        break;
      case "/":
        var search = document.querySelector("[data-inbox-search]");
        if (search) { search.focus(); search.select(); } else { handled = false; }
        break;
      case "?":
        if (dialog && dialog.showModal) { dialog.showModal(); }
        break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-open]")) {
      var dialog = document.getElementById("shortcuts");
      if (dialog && dialog.showModal) { dialog.showModal(); }
      return;
    }
    var row = event.target.closest(".inbox-row");
    if (row && !event.target.closest("input, a, button, select")) { openRow(row); }
    else if (row && event.target.closest(".inbox-row__open")) { setCurrent(row); }
  });

  document.addEventListener("change", function (event) {
    if (event.target.classList.contains("inbox-row__select")) { updateSelection(); }
    if (event.target.hasAttribute("data-bulk-action")) { showBulkFields(); }
  });

  // The toolbar's pickers arrive swapped in (inbox_toolbar): Chromium then shows a swapped
  // select's last option, and Apply would act for it. Show the first ("Me" for people).
  document.body.addEventListener("htmx:oobAfterSwap", function (event) {
    var select = event.detail.target;
    if (select && select.tagName === "SELECT" && select.closest("#bulk")) { select.selectedIndex = 0; }
  });

  // Only the toolbar field the chosen action needs is shown.
  function showBulkFields() {
    var action = document.querySelector("[data-bulk-action]");
    if (!action) { return; }
    document.querySelectorAll("#bulk [data-for]").forEach(function (field) {
      var wanted = field.getAttribute("data-for").split(" ").indexOf(action.value) !== -1;
      field.hidden = !wanted;
    });
  }
  showBulkFields();

  // Closed, the shortcuts list hands the focus back: Chromium leaves it on the hidden
  // Close button when nothing had it before, and Enter would then press that button.
  var shortcuts = document.getElementById("shortcuts");
  if (shortcuts) {
    shortcuts.addEventListener("close", function () {
      if (shortcuts.contains(document.activeElement)) { document.activeElement.blur(); }
    });
  }

  var label = document.querySelector("[data-selected-count]");
  if (label) { label.setAttribute("data-empty", label.textContent); }

  // The live poll tells the server which rows are on screen, so it can send their changes.
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "inbox-poller") {
      event.detail.parameters.ids = rows().map(function (r) { return r.getAttribute("data-id"); }).join(",");
    }
  });

  // Keep the current row and the selection across swaps of the list and of single rows.
  var keep = null;
  document.body.addEventListener("htmx:beforeSwap", function () {
    var row = current();
    keep = {
      current: row ? row.getAttribute("data-id") : null,
      checked: Array.prototype.map.call(document.querySelectorAll(".inbox-row__select:checked"), function (b) { return b.value; })
    };
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    if (!keep) { return; }
    // A row made current while the swap settled (a click) wins over the one noted before it.
    var restore = !current();
    rows().forEach(function (r) {
      var id = r.getAttribute("data-id");
      if (restore && id === keep.current) { r.classList.add("is-current"); }
      var box = r.querySelector(".inbox-row__select");
      if (box && keep.checked.indexOf(id) !== -1) { box.checked = true; }
    });
    updateSelection();
  });

  // A button pressed in the panel is swapped away with it: keep the focus in the panel
  // rather than losing it to the top of the page (htmx already keeps fields with an id).
  var focusInPanel = false;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target === panel) { focusInPanel = panel.contains(document.activeElement); }
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === panel && focusInPanel && !panel.contains(document.activeElement)) {
      panel.focus({ preventScroll: true });
    }
  });
  if (inbox && rows().length) { rows()[0].classList.add("is-current"); }
})();
