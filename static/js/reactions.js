// Reactions: the chips the reader is in are marked here (live frames are the
// same for every reader), and the picker closes once an emoji is chosen,
// giving focus back to the message.
(function () {
  "use strict";

  function me() { var live = document.getElementById("live"); return live ? live.dataset.userId : null; }

  function markMine(root) {
    var id = me();
    if (!id) return;
    (root || document).querySelectorAll(".reactions .chip[data-users]").forEach(function (chip) {
      var mine = chip.dataset.users.split(" ").indexOf(id) !== -1;
      chip.classList.toggle("mine", mine);
      chip.setAttribute("aria-pressed", String(mine));
    });
  }

  document.addEventListener("htmx:after:request", function (event) {
    var source = event.target;
    var picker = source && source.closest && source.closest("#profile-card .picker");
    if (!picker || !source.matches("form[hx-post]")) return;
    var message = document.getElementById("message-" + picker.dataset.messageId);
    document.getElementById("profile-card").replaceChildren();
    if (message) message.focus({ preventScroll: true });
  });

  // Arrow keys move through the picker's grid (Tab still walks it too).
  document.addEventListener("keydown", function (event) {
    var button = event.target.closest && event.target.closest(".emoji-grid .emoji-choice");
    if (!button) return;
    var all = Array.prototype.slice.call(button.closest(".emoji-grid").querySelectorAll(".emoji-choice"));
    var index = all.indexOf(button);
    var step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 8, ArrowUp: -8 }[event.key];
    if (!step) return;
    event.preventDefault();
    var next = all[Math.max(0, Math.min(all.length - 1, index + step))];
    if (next) next.focus();
  });

  document.addEventListener("DOMContentLoaded", function () { markMine(document); });
  document.addEventListener("htmx:after:swap", function () { markMine(document); });
  document.addEventListener("htmx:sse:after:message", function () { markMine(document); });
}());
