// Charla's small behaviours. No inline script anywhere: the CSP forbids it.
(function () {
  "use strict";

  var lang = document.documentElement.lang || undefined;
  var formats = {
    time: new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" }),
    datetime: new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short" })
  };

  // Times are rendered in UTC by the server; show them in the reader's zone.
  function localiseTimes(root) {
    (root || document).querySelectorAll("time[data-format]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      var format = formats[el.dataset.format];
      if (format && !isNaN(date)) {
        el.textContent = format.format(date);
        el.title = formats.datetime.format(date);
      }
    });
  }

  function dismissLater(toast) {
    setTimeout(function () { toast.remove(); }, 8000);
  }

  function scrollToNewest() {
    var scroller = document.getElementById("message-scroller");
    // The scroller is flex column-reverse: 0 is the bottom.
    if (scroller) scroller.scrollTop = 0;
  }

  function focusAtEnd(textarea) {
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
  }

  function newNonce() {
    // getRandomValues works on plain http too (randomUUID needs a secure context).
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function autosize(textarea) {
    textarea.style.height = "auto";
    textarea.style.height = Math.min(textarea.scrollHeight, 240) + "px";
  }

  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!(el instanceof HTMLTextAreaElement)) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && el.hasAttribute("data-enter-submits")) {
      event.preventDefault();
      var files = el.form && el.form.querySelector("input[type=file]");
      if ((el.value.trim() || (files && files.files.length)) && el.form) el.form.requestSubmit();
    } else if (event.key === "Escape" && el.hasAttribute("data-escape-cancels")) {
      var cancel = el.form && el.form.querySelector("[data-cancel]");
      if (cancel) { event.preventDefault(); cancel.click(); }
    }
  });

  document.addEventListener("input", function (event) {
    if (event.target.id === "composer-input") autosize(event.target);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss-toast]");
    if (button) button.closest(".toast").remove();
  });

  document.addEventListener("htmx:after:request", function (event) {
    var form = event.target;
    var ctx = event.detail && event.detail.ctx;
    if (form.id === "composer" && ctx && ctx.response && ctx.response.status < 300) {
      form.reset();
      // A new message gets a new nonce; a retry of this one kept the old.
      var nonce = form.querySelector("[data-nonce]");
      if (nonce) nonce.value = newNonce();
      var input = form.querySelector("textarea");
      autosize(input);
      input.focus();
      scrollToNewest();
    }
  });

  document.addEventListener("htmx:after:swap", function (event) {
    var target = (event.detail && event.detail.ctx && event.detail.ctx.target) || document;
    localiseTimes(target.isConnected ? target : document);
    document.querySelectorAll("#toasts .toast:not([data-timer])").forEach(function (toast) {
      toast.dataset.timer = "1";
      dismissLater(toast);
    });
    // htmx focuses [autofocus] itself, caret first; put the caret at the end once.
    var editing = document.querySelector("form.editing textarea[autofocus]:not([data-caret-set])");
    if (editing) { editing.setAttribute("data-caret-set", ""); focusAtEnd(editing); }
    if (target.id === "message-list") scrollToNewest();
  });


  // ---- Live updates (one SSE stream per tab, element #live) -----------------
  var lastEventId = 0;
  var lastContentEventId = 0;  // the last frame that changed more than unread marks

  function onlyMarks(data) {
    var targets = data.match(/hx-target="[^"]*"/g) || [];
    return targets.length > 0 && targets.every(function (t) { return /-(unread|mentions)-(\d+|all)"$/.test(t); });
  }
  // Whether a region swapped in meanwhile may have missed the frame: unnamed frames
  // with more than marks, and named frames whose rules depend on what is open.
  function changesOpenRegions(message) {
    if (!message || !message.data) return false;
    if (!message.event) return !onlyMarks(message.data);
    try {
      return JSON.parse(message.data).some(function (rule) { return Boolean(rule.when); });
    } catch (error) { return false; }
  }
  var reconnectDelay = 1000;
  var wasAtBottom = true;

  function scroller() { return document.getElementById("message-scroller"); }
  function atBottom() { var s = scroller(); return !s || s.scrollTop > -40; }

  function fetchRegion(target) {
    // The server answers with the region named by the target (HX-Target), from
    // the region's own data-refresh-url or else the current page. The region is
    // also the source: requests from one source cancel each other.
    var region = document.querySelector(target);
    if (!region) return Promise.resolve();
    var url = region.dataset.refreshUrl || location.pathname + location.search;
    return htmx.ajax("GET", url, { source: target, target: target, swap: "outerHTML" });
  }

  // A named frame's data is a list of rules from the server; the first whose
  // `when` selector matches this page applies (see app/realtime/render.py).
  function applyRules(data) {
    var rules;
    try { rules = JSON.parse(data); } catch (error) { rules = null; }
    if (!Array.isArray(rules)) { console.error("Charla: a live frame without rules", data); return; }
    var rule = rules.find(function (r) { return !r.when || document.querySelector(r.when); });
    if (!rule) return;
    if (rule.go) {
      var url = new URL(rule.go, location.href);
      if (url.origin === location.origin) location.assign(url);
      return;
    }
    (rule.remove || []).forEach(function (selector) {
      document.querySelectorAll(selector).forEach(function (el) { el.remove(); });
    });
    (rule.refresh || []).forEach(fetchRegion);
  }

  function reconnectLater() {
    // htmx does not retry a failed first connect: start a new stream ourselves.
    var jitter = reconnectDelay * (0.7 + Math.random() * 0.6);
    reconnectDelay = Math.min(reconnectDelay * 2, 30000);
    setTimeout(function () {
      var old = document.getElementById("live");
      if (!old) return;
      var fresh = old.cloneNode(false);
      var url = new URL(old.getAttribute("hx-sse:connect"), location.href);
      url.searchParams.set("after", String(Math.max(lastEventId, parseInt(old.dataset.cursor || "0", 10))));
      fresh.setAttribute("hx-sse:connect", url.pathname + url.search);
      old.replaceWith(fresh);
      htmx.process(fresh);
    }, jitter);
  }

  document.addEventListener("htmx:sse:after:connection", function () { reconnectDelay = 1000; });
  ["htmx:error", "htmx:response:error"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (event.target && event.target.id === "live") reconnectLater();
    });
  });

  // A live frame changes only what it must. A new message, or a version of one,
  // already on the page (the author's own, put there by the POST's answer) is
  // left alone: replacing it would drop focus, or cancel an edit just asked for. A message the
  // reader is editing keeps its edit form against an edit from another tab;
  // saving or cancelling fetches the current version anyway.
  function withoutKnownFrames(data) {
    if (data.indexOf("hx-upsert") === -1 && data.indexOf("hx-partial") === -1) return data;
    var template = document.createElement("template");
    template.innerHTML = data;
    var changed = false;
    template.content.querySelectorAll("hx-upsert > [id]").forEach(function (item) {
      if (document.getElementById(item.id)) { item.remove(); changed = true; }
    });
    // The same version of a message the page shows already (its author's own edit, answered by the POST).
    template.content.querySelectorAll("hx-partial").forEach(function (partial) {
      var incoming = partial.querySelector("article[data-version]");
      var shown = incoming && incoming.id && document.getElementById(incoming.id);
      if (shown && shown.dataset.version && shown.dataset.version === incoming.dataset.version) {
        partial.remove(); changed = true;
      }
    });
    document.querySelectorAll("#message-list form.editing[id]").forEach(function (form) {
      template.content.querySelectorAll("hx-partial[hx-target='#" + form.id + "']").forEach(function (partial) {
        partial.remove(); changed = true;
      });
    });
    return changed ? template.innerHTML : data;
  }

  document.addEventListener("htmx:sse:before:message", function (event) {
    wasAtBottom = atBottom();
    var message = event.detail && event.detail.message;
    if (message && message.data && !message.event) message.data = withoutKnownFrames(message.data);
  });
  document.addEventListener("htmx:sse:after:message", function (event) {
    var message = event.detail && event.detail.message;
    var id = message ? parseInt(message.id, 10) : NaN;
    if (id > lastEventId) lastEventId = id;
    if (id > lastContentEventId && changesOpenRegions(message)) lastContentEventId = id;
    if (message && message.data && message.data.indexOf("hx-upsert") !== -1) {
      markMentions(document);
      readSoon();
      var marker = document.getElementById("new-messages");
      if (wasAtBottom) { var s = scroller(); if (s) s.scrollTop = 0; }
      else if (marker) marker.hidden = false;
    }
    localiseTimes(document);
  });

  // ---- Read marks and mentions ------------------------------------------------
  // A message that arrives in the open channel while the tab is visible is
  // read: tell the server (one request per burst), which clears the marks in
  // every tab of the user.
  var readTimer = null;
  var lastReadSent = {};

  function myId() { var live = document.getElementById("live"); return live ? live.dataset.userId : null; }

  function markMentions(root) {
    var me = myId();
    if (!me) return;
    (root || document).querySelectorAll(".message[data-mentions]").forEach(function (el) {
      el.classList.toggle("mentions-me", el.dataset.mentions.split(" ").indexOf(me) !== -1);
    });
  }

  // The tab's title counts unread mentions, "(2) #general · Book Club · Charla",
  // or starts with a dot when only messages are unread: from the marks on the page.
  function titleMarks() {
    var mentions = 0;
    document.querySelectorAll("#servers-column .mention-badge:not([hidden])").forEach(function (badge) {
      mentions += parseInt(badge.textContent, 10) || 0;
    });
    var unread = document.querySelector("#servers-column .unread-flag:not([hidden])");
    var base = document.title.replace(/^(\(\d+\)|\u2022) /, "");
    document.title = (mentions ? "(" + mentions + ") " : unread ? "\u2022 " : "") + base;
  }
  document.addEventListener("htmx:after:swap", titleMarks);
  document.addEventListener("htmx:sse:after:message", titleMarks);
  document.addEventListener("DOMContentLoaded", titleMarks);

  function sendRead() {
    readTimer = null;
    var list = document.getElementById("message-list");
    if (!list || document.visibilityState !== "visible") return;
    var newest = null;
    list.querySelectorAll(".message").forEach(function (el) {
      if (el.dataset.authorId !== myId()) newest = el;
    });
    if (!newest) return;
    var id = parseInt(newest.id.replace("message-", ""), 10);
    var channel = list.dataset.channelId;
    if (!(id > (lastReadSent[channel] || 0))) return;
    lastReadSent[channel] = id;
    var token = document.querySelector("meta[name=csrf-token]");
    // Its own source element: requests from the same element (body) would cancel each other.
    htmx.ajax("POST", list.dataset.readUrl, {
      source: list, target: list, swap: "none", values: { up_to: String(id) },
      headers: { "X-CSRFToken": token ? token.content : "" }
    });
  }

  function readSoon() {
    if (!readTimer) readTimer = setTimeout(sendRead, 1000);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") readSoon();
  });
  document.addEventListener("htmx:after:swap", function () {
    markMentions(document);
    // Opening a channel read it on the server: start counting from its newest message.
    var list = document.getElementById("message-list");
    if (list && !list.dataset.readFrom) {
      list.dataset.readFrom = "1";
      var last = list.querySelector(".message:last-of-type");
      if (last) lastReadSent[list.dataset.channelId] = parseInt(last.id.replace("message-", ""), 10);
    }
  });

  document.addEventListener("charla:resync", function () {
    // Too much was missed to replay: fetch the page afresh (a new stream comes with it).
    htmx.ajax("GET", location.pathname + location.search, { target: "body", swap: "innerHTML" });
  });
  ["charla:servers", "charla:channels", "charla:server", "charla:channel", "charla:channel-removed",
    "charla:removed", "charla:notifications"].forEach(function (name) {
    document.addEventListener(name, function (event) { applyRules(event.detail.data); });
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("#new-messages")) {
      var s = scroller(); if (s) s.scrollTop = 0;
      event.target.closest("#new-messages").hidden = true;
    }
  });
  document.addEventListener("scroll", function (event) {
    if (event.target.id === "message-scroller" && atBottom()) {
      var marker = document.getElementById("new-messages");
      if (marker) marker.hidden = true;
    }
  }, true);

  // After a channel is swapped in, catch up on events that arrived while it
  // was on its way (their parts had no target then and were dropped).
  document.addEventListener("htmx:after:swap", function () {
    var column = document.getElementById("messages-column");
    if (!column || column.dataset.caughtUp) return;
    column.dataset.caughtUp = "1";
    // Read marks (opening the channel makes one) need no catch-up.
    if (parseInt(column.dataset.cursor || "0", 10) < lastContentEventId) fetchRegion("#messages-column");
  });

  // ---- "@" and ":" suggestions in the composer ---------------------------------------
  // Typing "@" and the start of a username lists matching members, ":" and two
  // letters of a shortcode lists emoji (HTML from the server); arrows move,
  // Enter or Tab inserts, Escape closes.
  var suggestSeq = 0;

  function mentionBeforeCaret(input) {
    var before = input.value.slice(0, input.selectionStart);
    var match = before.match(/(?:^|\s)@([A-Za-z0-9._-]{0,32})$/);
    if (match) return { prefix: match[1], start: before.length - match[1].length - 1, url: input.dataset.suggestUrl };
    match = before.match(/(?:^|\s):([A-Za-z0-9_+-]{2,30})$/);
    if (match && input.dataset.emojiUrl) {
      return { prefix: match[1], start: before.length - match[1].length - 1, url: input.dataset.emojiUrl };
    }
    return null;
  }

  function suggestionList() { return document.getElementById("mention-suggestions"); }

  function closeSuggestions() {
    var list = suggestionList();
    var input = document.getElementById("composer-input");
    if (list) { list.hidden = true; list.replaceChildren(); }
    if (input) input.removeAttribute("aria-activedescendant");
    suggestSeq++;
  }

  function showSuggestions(input, found) {
    var seq = ++suggestSeq;
    var url = new URL(found.url, location.href);
    url.searchParams.set("q", found.prefix);
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var list = suggestionList();
        if (seq !== suggestSeq || !list || !html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("mention-suggestions");
        if (!fresh) return;
        list.replaceWith(fresh);
        var selected = fresh.querySelector("[aria-selected=true]");
        if (selected) input.setAttribute("aria-activedescendant", selected.id);
      });
  }

  function moveSelection(step) {
    var options = Array.prototype.slice.call(suggestionList().querySelectorAll("[role=option]"));
    var index = options.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    var next = options[(index + step + options.length) % options.length];
    options.forEach(function (o) { o.setAttribute("aria-selected", String(o === next)); });
    document.getElementById("composer-input").setAttribute("aria-activedescendant", next.id);
  }

  function insertMention(option) {
    var input = document.getElementById("composer-input");
    var found = input && mentionBeforeCaret(input);
    if (!found) { closeSuggestions(); return; }
    var text = (option.dataset.emoji || "@" + option.dataset.username) + " ";
    input.value = input.value.slice(0, found.start) + text + input.value.slice(input.selectionStart);
    var caret = found.start + text.length;
    input.setSelectionRange(caret, caret);
    input.focus();
    closeSuggestions();
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.id !== "composer-input" || !input.dataset.suggestUrl) return;
    var found = mentionBeforeCaret(input);
    if (found) showSuggestions(input, found); else closeSuggestions();
  });
  document.addEventListener("keydown", function (event) {
    var list = suggestionList();
    if (event.target.id !== "composer-input" || !list || list.hidden || !list.children.length) return;
    var handled = true;
    if (event.key === "ArrowDown") moveSelection(1);
    else if (event.key === "ArrowUp") moveSelection(-1);
    else if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
      insertMention(list.querySelector("[aria-selected=true]") || list.firstElementChild);
    } else if (event.key === "Escape") closeSuggestions();
    else handled = false;
    if (handled) { event.preventDefault(); event.stopImmediatePropagation(); }
  }, true);  // capture: before Enter sends the message
  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest("#mention-suggestions [role=option]");
    if (option) { event.preventDefault(); insertMention(option); }
  });
  document.addEventListener("focusout", function (event) {
    if (event.target.id === "composer-input") setTimeout(closeSuggestions, 150);
  });
  document.addEventListener("htmx:after:request", function (event) {
    if (event.target.id === "composer") closeSuggestions();
  });

  // ---- Profile: avatar preview, profile cards, signed out elsewhere ------------
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-preview]") || !input.files[0]) return;
    var holder = input.form.querySelector("[data-avatar-preview]");
    if (!holder) return;
    var img = document.createElement("img");
    img.className = "avatar avatar-xl";
    img.alt = "";
    img.src = URL.createObjectURL(input.files[0]);
    holder.replaceChildren(img);
  });

  var POPOVERS = ["profile-card", "notifications-host"];
  function closeCard() {
    POPOVERS.forEach(function (id) {
      var host = document.getElementById(id);
      if (host) host.replaceChildren();
    });
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-card]")) { closeCard(); return; }
    POPOVERS.forEach(function (id) {
      var host = document.getElementById(id);
      if (host && host.firstElementChild && !event.target.closest("#" + id) &&
          !event.target.closest("[hx-target='#" + id + "']")) host.replaceChildren();
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeCard();
  });
  document.addEventListener("charla:signed-out", function () { location.reload(); });

  document.addEventListener("DOMContentLoaded", function () {
    var column = document.getElementById("messages-column");
    if (column) column.dataset.caughtUp = "1";
    localiseTimes(document);
    markMentions(document);
    var list = document.getElementById("message-list");
    if (list) {
      list.dataset.readFrom = "1";
      var last = list.querySelector(".message:last-of-type");
      if (last) lastReadSent[list.dataset.channelId] = parseInt(last.id.replace("message-", ""), 10);
    }
    document.querySelectorAll("#toasts .toast").forEach(function (toast) {
      toast.dataset.timer = "1";
      dismissLater(toast);
    });
    if (location.hash.indexOf("#message-") === 0) {
      var target = document.querySelector(location.hash);
      if (target) target.scrollIntoView({ block: "center" });
    }
  });

  // Messages of people the reader blocked fold behind "Blocked message · Show" (the ids come with the page).
  function foldBlocked() {
    var live = document.getElementById("live");
    var ids = live && live.dataset.blocked ? live.dataset.blocked.split(" ") : [];
    if (!ids.length) return;
    ids.forEach(function (id) {
      document.querySelectorAll('.message[data-author-id="' + id + '"]:not(.is-blocked):not(.shown-anyway)').forEach(function (message) {
        message.classList.add("is-blocked");
        var bar = document.createElement("p");
        bar.className = "blocked-bar";
        bar.textContent = live.dataset.blockedLabel + " ";
        var show = document.createElement("button");
        show.type = "button";
        show.className = "button subtle small";
        show.textContent = live.dataset.showLabel;
        show.addEventListener("click", function () {
          message.classList.remove("is-blocked");
          message.classList.add("shown-anyway");
          bar.remove();
        });
        bar.appendChild(show);
        message.prepend(bar);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", foldBlocked);
  document.addEventListener("htmx:after:swap", foldBlocked);
  document.addEventListener("htmx:sse:after:message", foldBlocked);
})();
