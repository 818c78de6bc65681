// The phone and tablet drawer: servers and channels over the messages.
// Without this file the toggle is a link to #channels-column, shown by :target.
(function () {
  "use strict";

  var OPEN = "nav-open";

  function toggle() { return document.getElementById("nav-toggle"); }
  function isOpen() { return document.body.classList.contains(OPEN); }

  function syncToggle() {
    var button = toggle();
    if (button) button.setAttribute("aria-expanded", isOpen() ? "true" : "false");
  }

  function openDrawer() {
    document.body.classList.add(OPEN);
    syncToggle();
    var column = document.getElementById("channels-column");
    var first = column && (column.querySelector('a[aria-current="page"]') || column.querySelector("a, button, summary"));
    if (first) first.focus();
  }

  function closeDrawer(returnFocus) {
    document.body.classList.remove(OPEN);
    syncToggle();
    var button = toggle();
    if (returnFocus && button) button.focus();
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("#nav-toggle")) {
      event.preventDefault();
      if (isOpen()) closeDrawer(true); else openDrawer();
      return;
    }
    if (!isOpen()) return;
    if (event.target.closest(".channel-link")) closeDrawer(false);
    else if (!event.target.closest("#servers-column, #channels-column")) closeDrawer(true);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen()) {
      event.preventDefault();
      closeDrawer(true);
    }
  });

  // Tabbing out of the drawer closes it, so focus never sits under the dimmed layer.
  document.addEventListener("focusin", function (event) {
    if (isOpen() && !event.target.closest("#servers-column, #channels-column, #nav-toggle")) closeDrawer(false);
  });

  window.addEventListener("popstate", function () { if (isOpen()) closeDrawer(false); });

  function openChannelId() {
    var list = document.getElementById("message-list");
    return list ? list.dataset.channelId : null;
  }

  // A form sent from the drawer (a new channel) closes it once its channel is open.
  var channelBeforeSubmit = null;
  document.addEventListener("submit", function (event) {
    if (isOpen() && event.target.closest("#channels-column")) channelBeforeSubmit = openChannelId();
  });

  // A swap may bring a new toggle (another server or channel): keep its state true.
  document.addEventListener("htmx:after:swap", function () {
    if (channelBeforeSubmit !== null && openChannelId() !== channelBeforeSubmit) {
      channelBeforeSubmit = null;
      closeDrawer(false);
    }
    syncToggle();
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (location.hash === "#channels-column" && toggle()) {
      history.replaceState(history.state, "", location.pathname + location.search);
      openDrawer();
    }
  });
})();
