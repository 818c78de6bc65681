// Who is here, from live signals that are never replayed. Typing: tell the server (at most every few
// seconds) while the composer is typed in, and show who else is typing in the open channel. Presence:
// keep every dot ([data-presence-user]) current, and say (at most once a minute) that this tab is in use.
(function () {
  "use strict";
  var config = (document.currentScript && document.currentScript.dataset) || {};
  var EVERY_MS = 3000;
  var lastSent = 0;
  var typists = {};  // user id -> {name, until}
  var timer = null;

  function csrf() {
    var token = document.querySelector("meta[name=csrf-token]");
    return token ? token.content : "";
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.id !== "composer-input" || !input.dataset.typingUrl || !input.value.trim()) return;
    var now = Date.now();
    if (now - lastSent < EVERY_MS) return;
    lastSent = now;
    fetch(input.dataset.typingUrl, { method: "POST", headers: { "X-CSRFToken": csrf() }, credentials: "same-origin" })
      .catch(function () { /* a lost signal is only a missed "typing…" */ });
  });
  document.addEventListener("htmx:after:request", function (event) {
    if (event.target.id === "composer") lastSent = 0;  // the next message announces itself again
  });

  function render() {
    var line = document.getElementById("typing-indicator");
    if (!line) return;
    var now = Date.now();
    var names = [];
    Object.keys(typists).forEach(function (id) {
      if (typists[id].until <= now || typists[id].channel !== line.dataset.channelId) delete typists[id];
      else names.push(typists[id].name);
    });
    names.sort();
    line.textContent = names.length === 0 ? "" :
      names.length === 1 ? line.dataset.one.replace("{a}", names[0]) :
      names.length === 2 ? line.dataset.two.replace("{a}", names[0]).replace("{b}", names[1]) :
      line.dataset.many;
    if (names.length && !timer) timer = setInterval(render, 1000);
    if (!names.length && timer) { clearInterval(timer); timer = null; }
  }

  document.addEventListener("charla:typing", function (event) {
    var data;
    try { data = JSON.parse(event.detail.data); } catch (error) { return; }
    typists[data.user] = { name: String(data.name), channel: String(data.channel), until: Date.now() + 1000 * data.seconds };
    render();
  });

  // A message from someone ends their "typing…".
  document.addEventListener("htmx:sse:after:message", function () {
    var list = document.getElementById("message-list");
    if (!list) return;
    var changed = false;
    Object.keys(typists).forEach(function (id) {
      var last = list.querySelector(".message:last-of-type");
      if (last && last.dataset.authorId === id) { delete typists[id]; changed = true; }
    });
    if (changed) render();
  });
  document.addEventListener("htmx:after:swap", render);

  document.addEventListener("charla:presence", function (event) {
    var data;
    try { data = JSON.parse(event.detail.data); } catch (error) { return; }
    (data.changes || []).forEach(function (change) {
      var state = ["online", "idle", "offline"].indexOf(change.state) >= 0 ? change.state : "offline";
      var label = config[state] || state;
      document.querySelectorAll('[data-presence-user="' + Number(change.user) + '"]').forEach(function (dot) {
        dot.className = "presence presence-" + state;
        dot.setAttribute("aria-label", label);
        dot.title = label;
      });
      document.querySelectorAll('[data-presence-text="' + Number(change.user) + '"]').forEach(function (text) {
        text.textContent = label;
      });
    });
  });

  // The member sidebar: the header's toggle opens it (htmx fetches it), a second press or its close button hides it.
  function closeSidebar() {
    var sidebar = document.getElementById("member-sidebar");
    if (sidebar) { sidebar.hidden = true; sidebar.replaceChildren(); }
    var toggle = document.querySelector("[data-members-toggle]");
    if (toggle) { toggle.setAttribute("aria-expanded", "false"); toggle.focus(); }
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-sidebar]")) { closeSidebar(); return; }
    var toggle = event.target.closest("[data-members-toggle]");
    var sidebar = document.getElementById("member-sidebar");
    if (toggle && sidebar && !sidebar.hidden) { event.preventDefault(); event.stopImmediatePropagation(); closeSidebar(); }
  }, true);
  document.addEventListener("htmx:after:swap", function () {
    var sidebar = document.getElementById("member-sidebar");
    var toggle = document.querySelector("[data-members-toggle]");
    if (sidebar && toggle) toggle.setAttribute("aria-expanded", sidebar.hidden ? "false" : "true");
    var header = document.querySelector("#messages-column .channel-header");
    if (sidebar && header && !sidebar.hidden) sidebar.style.top = header.offsetHeight + "px";
  });

  var lastActive = 0;
  function inUse() {
    var now = Date.now();
    if (!config.activeUrl || document.hidden || now - lastActive < 60000 || !document.getElementById("live")) return;
    lastActive = now;
    fetch(config.activeUrl, { method: "POST", headers: { "X-CSRFToken": csrf() }, credentials: "same-origin" })
      .catch(function () { /* shown idle a little early at worst */ });
  }
  ["keydown", "pointerdown", "focus"].forEach(function (name) { window.addEventListener(name, inUse, true); });
  document.addEventListener("visibilitychange", inUse);
})();
