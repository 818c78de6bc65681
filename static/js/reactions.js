// Reactions: marks the reader's own chips (live frames are the same for
// everyone, so the server cannot), and runs the picker popover: Escape closes
// it, the arrows move through its grid, picking closes it; focus goes back to
// the message.
(function () {
  "use strict";

  function myId() { var live = document.getElementById("live"); return live ? live.dataset.userId : null; }

  function markMine(root) {
    var me = myId();
    if (!me) return;  // no stream: the page's own marks stand
    (root || document).querySelectorAll(".reaction[data-users]").forEach(function (chip) {
      var mine = chip.dataset.users.split(" ").indexOf(me) !== -1;
      chip.classList.toggle("mine", mine);
      chip.setAttribute("aria-pressed", mine ? "true" : "false");
    });
  }

  function pickers() { return document.querySelectorAll(".reaction-picker"); }

  function closePicker(picker, refocus) {
    var article = document.getElementById("message-" + picker.dataset.messageId);
    picker.remove();
    if (refocus && article) article.focus({ preventScroll: true });
  }

  document.addEventListener("DOMContentLoaded", function () { markMine(document); });
  document.addEventListener("htmx:sse:after:message", function () { markMine(document); });
  document.addEventListener("htmx:after:swap", function () {
    markMine(document);
    var fresh = document.querySelector(".reaction-picker:not([data-opened])");
    if (fresh) {
      fresh.setAttribute("data-opened", "");
      var search = fresh.querySelector("[data-reaction-search]");
      if (search) search.focus();
    }
  });

  // The React link and the "+" chip open the picker under the bar (their href is
  // the picker's page); one picker at a time.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("a.react, a.reaction-add");
    var article = opener && opener.closest("article.message");
    if (article && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      pickers().forEach(function (p) { closePicker(p, false); });
      var bar = "#reactions-" + article.id.replace("message-", "");
      htmx.ajax("GET", opener.getAttribute("href"), { source: bar, target: bar, swap: "afterend" });
    }
    var close = event.target.closest("[data-reaction-close]");
    if (close) closePicker(close.closest(".reaction-picker"), true);
  });

  // An emoji picked: the bar is swapped, the picker's work is done.
  document.addEventListener("htmx:after:request", function (event) {
    var picker = event.target.closest && event.target.closest(".reaction-picker");
    var ctx = event.detail && event.detail.ctx;
    if (picker && event.target.tagName === "FORM" && event.target.method === "post" &&
        ctx && ctx.response && ctx.response.status < 300) closePicker(picker, true);
  });

  function choices(picker) { return Array.prototype.slice.call(picker.querySelectorAll(".reaction-choice")); }

  // The button straight above or below `from` (same column, nearest row).
  function vertical(list, from, down) {
    var box = from.getBoundingClientRect();
    var best = null, bestScore = Infinity;
    list.forEach(function (b) {
      var r = b.getBoundingClientRect();
      var dy = down ? r.top - box.top : box.top - r.top;
      if (dy < box.height / 2) return;
      var score = dy * 1000 + Math.abs(r.left - box.left);
      if (score < bestScore) { best = b; bestScore = score; }
    });
    return best;
  }

  document.addEventListener("keydown", function (event) {
    var picker = event.target.closest && event.target.closest(".reaction-picker");
    if (!picker) return;
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      closePicker(picker, true);
      return;
    }
    var list = choices(picker);
    if (!list.length) return;
    var index = list.indexOf(event.target);
    var next = null;
    if (event.target.matches("[data-reaction-search]")) {
      if (event.key === "ArrowDown") next = list[0];
    } else if (index !== -1) {
      if (event.key === "ArrowRight") next = list[Math.min(index + 1, list.length - 1)];
      else if (event.key === "ArrowLeft") next = list[Math.max(index - 1, 0)];
      else if (event.key === "Home") next = list[0];
      else if (event.key === "End") next = list[list.length - 1];
      else if (event.key === "ArrowDown") next = vertical(list, event.target, true);
      else if (event.key === "ArrowUp") {
        next = vertical(list, event.target, false) || picker.querySelector("[data-reaction-search]");
      }
    }
    if (next) { event.preventDefault(); next.focus(); }
  }, true);  // capture: Escape here closes the picker, nothing else
})();
