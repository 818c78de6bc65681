// Screen readers: messages from others that arrive live are spoken politely,
// one short line each ("Ana: text"), instead of a whole list being re-read.
(function () {
  "use strict";

  var before = null;  // ids of the messages on the page when a live frame came in

  function myId() {
    var live = document.getElementById("live");
    return live ? live.dataset.userId : null;
  }

  function messageIds() {
    var ids = new Set();
    document.querySelectorAll("#message-list .message").forEach(function (el) { ids.add(el.id); });
    return ids;
  }

  function describe(message) {
    var author = document.getElementById(message.id + "-author");
    var content = message.querySelector(".content");
    var files = Array.prototype.map.call(message.querySelectorAll(".attachments img, .attachments .file-name"),
      function (el) { return el.alt || el.textContent.trim(); });
    if (!author || (!content && !files.length)) return null;
    return author.textContent.trim() + ": " + [content ? content.textContent.trim() : ""].concat(files)
      .filter(Boolean).join(", ");
  }

  function announce(lines) {
    var region = document.getElementById("live-announcer");
    if (!region || !lines.length) return;
    // A fresh node per announcement: screen readers speak additions.
    var line = document.createElement("p");
    line.textContent = lines.join(". ");
    region.replaceChildren(line);
  }

  document.addEventListener("htmx:sse:before:message", function () { before = messageIds(); });
  document.addEventListener("htmx:sse:after:message", function () {
    if (!before) return;
    var seen = before;
    before = null;
    var me = myId();
    var lines = [];
    document.querySelectorAll("#message-list .message").forEach(function (el) {
      if (seen.has(el.id) || el.dataset.authorId === me) return;
      var text = describe(el);
      if (text) lines.push(text);
    });
    announce(lines);
  });
})();
