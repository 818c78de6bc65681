// Replies: "Reply" on a message puts the composer in reply mode (the link is
// the reply page without JavaScript); Escape in an empty box or the × leaves
// it; sending ends it. A reply's preview jumps to the original when it is on
// the page, and otherwise follows its link (the message's place in history).
(function () {
  "use strict";

  function bar() { return document.getElementById("reply-bar"); }

  function startReply(link) {
    var holder = bar();
    var input = document.getElementById("composer-input");
    if (!holder || !input) return false;
    holder.querySelector("[data-reply-to]").value = link.dataset.replyId;
    holder.querySelector("[data-reply-name]").textContent = link.dataset.replyName;
    holder.querySelector("[data-reply-notify]").checked = true;
    holder.hidden = false;
    input.focus();
    return true;
  }

  function endReply() {
    var holder = bar();
    if (!holder || holder.hidden) return;
    holder.hidden = true;
    holder.querySelector("[data-reply-to]").value = "";
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.action.reply[data-reply-id]");
    if (link && startReply(link)) { event.preventDefault(); return; }
    if (event.target.closest && event.target.closest("[data-reply-cancel]")) {
      endReply();
      var input = document.getElementById("composer-input");
      if (input) input.focus();
      return;
    }
    var jump = event.target.closest && event.target.closest(".reply-link[data-jump-to]");
    if (jump) {
      var original = document.getElementById(jump.dataset.jumpTo);
      if (!original || original.tagName !== "ARTICLE") return;  // not on the page: the link finds it
      event.preventDefault();
      original.scrollIntoView({ block: "center" });
      original.classList.add("highlighted");
      setTimeout(function () { original.classList.remove("highlighted"); }, 1600);
      original.focus({ preventScroll: true });
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.target.id !== "composer-input" || event.target.value) return;
    var holder = bar();
    if (holder && !holder.hidden) { endReply(); event.stopPropagation(); }
  }, true);

  document.addEventListener("htmx:after:request", function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (event.target.id === "composer" && ctx && ctx.response && ctx.response.status < 300) endReply();
  });
}());
