// Formatted messages: spoilers as toggles (Enter, Space or a click reveals),
// and long messages folded behind "Show more". Without JavaScript a spoiler
// shows while focused and a long message is shown in full.
(function () {
  "use strict";
  document.documentElement.classList.add("spoilers-js");
  var LONG_PX = 320;  // about 15 lines
  var labels = document.currentScript ? document.currentScript.dataset : {};

  function prepare(root) {
    root.querySelectorAll(".spoiler:not([role])").forEach(function (spoiler) {
      spoiler.setAttribute("role", "button");
      spoiler.setAttribute("aria-expanded", "false");
      spoiler.setAttribute("aria-label", labels.spoiler || "Spoiler");
    });
    root.querySelectorAll("#message-list .content:not([data-measured])").forEach(function (content) {
      content.setAttribute("data-measured", "");
      if (content.getBoundingClientRect().height <= LONG_PX * 1.3) return;
      content.classList.add("collapsed");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "show-more";
      button.textContent = labels.more || "Show more";
      button.setAttribute("aria-expanded", "false");
      content.after(button);
    });
  }

  // A toggle: hidden, it is a button named "Spoiler"; shown, its words are its
  // name again. A link inside a shown spoiler is followed, not toggled.
  function toggle(spoiler) {
    var shown = spoiler.classList.toggle("revealed");
    spoiler.setAttribute("aria-expanded", String(shown));
    if (shown) spoiler.removeAttribute("aria-label");
    else spoiler.setAttribute("aria-label", labels.spoiler || "Spoiler");
  }

  document.addEventListener("click", function (event) {
    var spoiler = event.target.closest && event.target.closest(".spoiler");
    if (spoiler) {
      var link = event.target.closest("a");
      if (spoiler.classList.contains("revealed") && link && spoiler.contains(link)) return;
      event.preventDefault();
      toggle(spoiler);
      return;
    }
    var button = event.target.closest && event.target.closest(".show-more");
    if (!button) return;
    var content = button.previousElementSibling;
    var open = content.classList.toggle("collapsed") === false;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? (labels.less || "Show less") : (labels.more || "Show more");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    if (!event.target.classList || !event.target.classList.contains("spoiler")) return;
    event.preventDefault();
    event.stopPropagation();
    toggle(event.target);
  }, true);

  prepare(document);
  document.addEventListener("htmx:after:swap", function () { prepare(document); });
  document.addEventListener("htmx:sse:after:message", function () { prepare(document); });
}());
