// Formatted messages: spoilers as toggles (Enter, Space or a click), and long
// messages folded behind "Show more". Without JavaScript a spoiler shows while
// focused (a click or Tab) and a long message is shown in full.
(function () {
  "use strict";
  document.documentElement.classList.add("spoilers-js");
  var LONG_PX = 320;  // about 15 lines
  var labels = document.currentScript ? document.currentScript.dataset : {};

  function prepare(root) {
    root.querySelectorAll(".spoiler:not([role]):not([data-spoiler-done])").forEach(function (spoiler) {
      var words = document.createElement("span");
      words.className = "spoiler-words";
      while (spoiler.firstChild) words.appendChild(spoiler.firstChild);
      spoiler.appendChild(words);
      spoiler.setAttribute("role", "button");
      show(spoiler, false);
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

  // A toggle. Hidden, it is a button named "Spoiler" whose words are hidden
  // (CSS visibility) from eyes, assistive technology and the tab order alike;
  // shown, its words are its name again. A spoiler with a link in it stops
  // being a button once shown, so that the link is reachable (a control
  // inside a control is not).
  function show(spoiler, shown) {
    var words = spoiler.querySelector(".spoiler-words");
    spoiler.classList.toggle("revealed", shown);
    var link = words.querySelector("a");
    if (shown && link) {
      var focused = document.activeElement === spoiler;
      ["role", "aria-expanded", "aria-label", "tabindex"].forEach(function (name) {
        spoiler.removeAttribute(name);
      });
      spoiler.setAttribute("data-spoiler-done", "");
      if (focused) link.focus();
      return;
    }
    spoiler.setAttribute("aria-expanded", String(shown));
    if (shown) spoiler.removeAttribute("aria-label");
    else spoiler.setAttribute("aria-label", labels.spoiler || "Spoiler");
  }

  function toggle(spoiler) {
    show(spoiler, !spoiler.classList.contains("revealed"));
  }

  document.addEventListener("click", function (event) {
    var spoiler = event.target.closest && event.target.closest(".spoiler[role]");
    if (spoiler) {
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
    if (!event.target.matches || !event.target.matches(".spoiler[role]")) return;
    event.preventDefault();
    event.stopPropagation();
    toggle(event.target);
  }, true);

  prepare(document);
  document.addEventListener("htmx:after:swap", function () { prepare(document); });
  document.addEventListener("htmx:sse:after:message", function () { prepare(document); });
}());
