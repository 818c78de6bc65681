// Charla from the keyboard: moving through messages, shortcuts, the quick
// switcher and the shortcuts dialog, focus kept after swaps, composer drafts
// kept across live refetches. Loaded for signed-in pages only.
(function () {
  "use strict";

  var script = document.currentScript;
  var SWITCH_URL = script.dataset.switchUrl;
  var SHORTCUTS_URL = script.dataset.shortcutsUrl;
  var FOCUS_COMPOSER = "charla:focus-composer";

  function byId(id) { return document.getElementById(id); }
  function myId() { var live = byId("live"); return live ? live.dataset.userId : null; }
  function composerInput() { return byId("composer-input"); }
  function isTyping(el) {
    return Boolean(el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)));
  }
  function focusQuietly(el) {
    if (!el) return;
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "nearest" });
  }

  // ---- Messages: one tab stop, arrows move (roving tabindex) ---------------------
  var currentMessageId = null;

  function messages() {
    var list = byId("message-list");
    return list ? Array.prototype.slice.call(list.querySelectorAll("article.message")) : [];
  }

  function setCurrent(article) {
    currentMessageId = article ? article.id : null;
    messages().forEach(function (el) {
      var current = el === article;
      el.setAttribute("tabindex", current ? "0" : "-1");
      // Only the current message's own links are tab stops (author, Edit, Delete).
      el.querySelectorAll("a:not(.avatar-link), button").forEach(function (control) {
        if (current) control.removeAttribute("tabindex"); else control.setAttribute("tabindex", "-1");
      });
    });
  }

  var rovingList = null;  // the list the current message belongs to (a channel swap brings a new one)
  var chosen = false;      // whether the reader picked the current message; if not, it is the newest

  function syncRoving() {
    var all = messages();
    var list = byId("message-list");
    if (list !== rovingList) { rovingList = list; chosen = false; }
    if (!all.length) return;
    var current = chosen && currentMessageId ? byId(currentMessageId) : null;
    if (!current || all.indexOf(current) === -1) current = all[all.length - 1];
    setCurrent(current);
    // The messages are the way into the history; the scroller needs no stop of its own.
    var scroller = byId("message-scroller");
    if (scroller) scroller.setAttribute("tabindex", "-1");
  }

  // The message's Edit or Delete link, when the message is the reader's.
  function action(article, kind) {
    if (article.dataset.authorId !== myId()) return null;
    return article.querySelector(kind === "delete" ? ".message-actions a.action.danger"
      : ".message-actions a.action.edit");
  }

  function onMessageKey(event, article) {
    var all = messages();
    var index = all.indexOf(article);
    var next = null;
    switch (event.key) {
      case "ArrowUp": {
        if (index === 0) {  // the oldest shown: ask for older history, focus stays put
          var older = document.querySelector("#message-list .history-more a");
          if (older) older.click();
        }
        next = all[Math.max(index - 1, 0)];
        break;
      }
      case "ArrowDown": next = all[Math.min(index + 1, all.length - 1)]; break;
      case "Home": next = all[0]; break;
      case "End": next = all[all.length - 1]; break;
      case "Enter": case "e": case "E": {
        var edit = action(article, "edit");
        if (edit) edit.click(); else if (event.key !== "Enter") return;
        break;
      }
      case "r": case "R": {
        var reply = article.querySelector(".message-actions a.action.reply");
        if (reply) reply.click(); else return;
        break;
      }
      case "+": {  // react: the emoji picker opens
        var react = article.querySelector(".message-actions a.action.react");
        if (react) react.click(); else return;
        break;
      }
      case "Delete": case "Backspace": {
        var remove = action(article, "delete");
        if (remove) remove.click(); else return;
        break;
      }
      case "Escape": focusQuietly(composerInput()); break;
      default: return;
    }
    event.preventDefault();
    event.stopPropagation();
    if (next) { setCurrent(next); focusQuietly(next); }
  }

  document.addEventListener("focusin", function (event) {
    var article = event.target.closest && event.target.closest("#message-list article.message");
    if (article) { chosen = true; if (article.id !== currentMessageId) setCurrent(article); }
  });

  // ---- Focus after swaps ---------------------------------------------------------
  // A message (or its edit form) that goes away while focus is in it (saved,
  // cancelled, deleted, replaced by a live frame) hands focus to what replaces
  // it, else to a neighbour, else to the message box: never to <body>.
  var focusedItem = null;
  var draft = {};  // composer text per channel (form action), kept across refetches

  document.addEventListener("focusin", function (event) {
    focusedItem = event.target.closest ? event.target.closest("#message-list .message") : null;
  });
  document.addEventListener("pointerdown", function (event) {
    // The reader clicked elsewhere: nothing to restore. (htmx itself blurs a form
    // it is about to swap, so a blur alone does not say the reader left.)
    if (focusedItem && !focusedItem.contains(event.target)) focusedItem = null;
  });

  function nearestMessage(node, direction) {
    for (var el = node; el; el = el[direction]) {
      if (el.nodeType === 1 && el.matches("article.message") && el.isConnected) return el;
    }
    return null;
  }

  function refocus(records) {
    var active = document.activeElement;
    if (!focusedItem || focusedItem.isConnected || (active && active !== document.body)) return;
    var lost = focusedItem;
    focusedItem = null;
    var replacement = byId(lost.id);
    if (replacement && replacement.matches("article.message")) { setCurrent(replacement); focusQuietly(replacement); return; }
    if (replacement) return;  // an edit form: its [autofocus] box takes the focus
    var record = records.find(function (r) { return Array.prototype.indexOf.call(r.removedNodes, lost) !== -1; });
    var neighbour = record && (nearestMessage(record.nextSibling, "nextSibling") ||
                               nearestMessage(record.previousSibling, "previousSibling"));
    if (neighbour) { setCurrent(neighbour); focusQuietly(neighbour); } else focusQuietly(composerInput());
  }

  // Messages come and go by many roads (swaps, live frames, history restore):
  // after any change to the page, one message is the tab stop again.
  var syncQueued = false;
  new MutationObserver(function (records) {
    refocus(records);
    if (!syncQueued) {
      syncQueued = true;
      queueMicrotask(function () { syncQueued = false; syncRoving(); });
    }
  }).observe(document.documentElement, { childList: true, subtree: true });

  document.addEventListener("htmx:before:swap", function (event) {
    var target = event.detail && event.detail.ctx && event.detail.ctx.target;
    if (!(target instanceof Element)) return;
    var input = target.querySelector("#composer-input");
    if (input && input.value && input.value !== sent[input.form.getAttribute("action")]) {
      draft[input.form.getAttribute("action")] = {
        value: input.value, start: input.selectionStart, end: input.selectionEnd,
        focused: input === document.activeElement
      };
    }
  });

  document.addEventListener("htmx:after:swap", function () {
    syncRoving();
    restoreDraft();
    var input = composerInput();
    if (composerBeforeSwitch && input && input !== composerBeforeSwitch) {
      composerBeforeSwitch = null;
      input.focus();
    }
  });

  function restoreDraft() {
    var input = composerInput();
    if (!input || input.value) return;
    var kept = draft[input.form.getAttribute("action")];
    if (!kept) return;
    input.value = kept.value;
    input.setSelectionRange(kept.start, kept.end);
    if (kept.focused) input.focus();
    input.dispatchEvent(new Event("input", { bubbles: true }));  // app.js sizes the box
  }

  document.addEventListener("input", function (event) {
    if (event.target.id === "composer-input") {
      draft[event.target.form.getAttribute("action")] = null;  // the box is the truth while it is there
    }
  });
  // What is on its way is no draft, even if the box is swapped before the answer comes.
  var sent = {};
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "composer") return;
    draft[form.getAttribute("action")] = null;
    sent[form.getAttribute("action")] = form.querySelector("#composer-input").value;
  }, true);

  // ---- Popovers (notifications, profile card): Escape gives focus back ------------
  var popoverOpener = null;
  var popoverOpenerWhere = null;  // to find it again if a live frame replaced its message meanwhile
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[hx-target='#notifications-host'], [hx-target='#profile-card']");
    if (!opener) return;
    popoverOpener = opener;
    var message = opener.closest("#message-list .message");
    popoverOpenerWhere = message && opener.getAttribute("href")
      ? "#" + message.id + " [href='" + opener.getAttribute("href") + "']" : null;
  });
  var popoverWasOpen = false;
  // Capture: before app.js closes the popover on Escape.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var popover = ["notifications-host", "profile-card"].map(byId).find(function (host) {
      return host && host.firstElementChild;
    });
    popoverWasOpen = Boolean(popover);
    var back = popoverOpener;
    if (popover && back && popover.contains(event.target)) {
      var where = popoverOpenerWhere;
      setTimeout(function () {
        if (!back.isConnected && where) back = document.querySelector(where) || back;
        if (!back.isConnected) return;
        // A message's actions show only on hover or focus: then the message itself takes focus.
        var holder = back.offsetParent === null && back.closest("#message-list .message");
        (holder || back).focus();
      }, 0);
    }
  }, true);

  // ---- Channels ----------------------------------------------------------------------
  var composerBeforeSwitch = null;  // set when a shortcut changes channel: focus the new channel's box

  function goToChannel(step, unreadOnly) {
    var links = Array.prototype.slice.call(document.querySelectorAll("#channels-column .channel-link"));
    var index = links.findIndex(function (a) { return a.getAttribute("aria-current") === "page"; });
    for (var i = index + step; i >= 0 && i < links.length; i += step) {
      var unread = links[i].querySelector(".unread-flag:not([hidden]), .mention-badge:not([hidden])");
      if (!unreadOnly || unread) {
        var active = document.activeElement;
        if (isTyping(active) || !active || active === document.body) composerBeforeSwitch = composerInput();
        links[i].click();
        return;
      }
    }
  }

  function markChannelRead() {
    var list = byId("message-list");
    var all = messages();
    if (!list || !all.length) return;
    var token = document.querySelector("meta[name=csrf-token]");
    htmx.ajax("POST", list.dataset.readUrl, {
      source: list, target: list, swap: "none",
      values: { up_to: all[all.length - 1].id.replace("message-", "") },
      headers: { "X-CSRFToken": token ? token.content : "" }
    });
  }

  function editLastMessage() {
    var mine = messages().filter(function (el) { return el.dataset.authorId === myId(); });
    var edit = mine.length && action(mine[mine.length - 1], "edit");
    if (!edit) return false;
    edit.click();
    return true;
  }

  // ---- Dialog: the quick switcher and the shortcuts, fragments of real pages --------
  var opener = null;

  function dialog() {
    var existing = byId("keys-dialog");
    if (existing) return existing;
    var el = document.createElement("dialog");
    el.id = "keys-dialog";
    el.className = "keys-dialog";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "button subtle small keys-dialog-close";
    close.setAttribute("data-close-dialog", "");
    close.textContent = script.dataset.closeLabel || "×";
    var body = document.createElement("div");
    body.id = "keys-dialog-body";
    el.append(close, body);
    el.addEventListener("close", function () {
      body.replaceChildren();
      if (opener && opener.isConnected) opener.focus();
      opener = null;
    });
    el.addEventListener("click", function (event) {
      if (event.target === el || event.target.closest("[data-close-dialog]")) el.close();
    });
    document.body.appendChild(el);
    return el;
  }

  function openDialog(url, labelledBy, focusSelector) {
    var el = dialog();
    if (!el.open) opener = document.activeElement;
    return htmx.ajax("GET", url, { source: el, target: "#keys-dialog-body", swap: "innerHTML" }).then(function () {
      el.setAttribute("aria-labelledby", labelledBy);
      if (!el.open) el.showModal();
      var first = el.querySelector(focusSelector);
      if (first) first.focus();
    });
  }

  // Keys typed while the switcher is on its way go into its box when it comes.
  var typedAhead = null;
  function openSwitcher() {
    typedAhead = "";
    return openDialog(SWITCH_URL, "switcher-title", "[data-switcher-input]").finally(function () {
      var input = document.querySelector("#keys-dialog [data-switcher-input]");
      if (input && typedAhead) {
        input.value += typedAhead;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
      typedAhead = null;
    });
  }
  function openShortcuts() { return openDialog(SHORTCUTS_URL, "shortcuts-title", "[data-close-dialog]"); }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.target.closest("[data-open-switcher]")) { event.preventDefault(); openSwitcher(); }
    else if (event.target.closest("[data-open-shortcuts]")) { event.preventDefault(); openShortcuts(); }
    else if (event.target.closest(".switcher-link")) sessionStorage.setItem(FOCUS_COMPOSER, "1");
  });

  function switcherLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("#switcher-results .switcher-link"));
  }

  function onSwitcherKey(event) {
    var links = switcherLinks();
    var input = document.querySelector("[data-switcher-input]");
    var index = links.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && links.length) {
      links[Math.min(index + 1, links.length - 1)].focus();
    } else if (event.key === "ArrowUp" && index !== -1) {
      if (index === 0) input.focus(); else links[index - 1].focus();
    } else if (event.key === "Enter" && event.target === input) {
      // The results shown are for what is typed: go to the first; otherwise the form asks the server.
      var results = byId("switcher-results");
      if (!links.length || !results || results.dataset.query !== input.value) return;
      sessionStorage.setItem(FOCUS_COMPOSER, "1");
      links[0].click();
    } else if (event.key === "Enter" && index !== -1) {
      sessionStorage.setItem(FOCUS_COMPOSER, "1");
      return;  // the link follows itself
    } else return;
    event.preventDefault();
  }

  // ---- Skip links ------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-skip-to]");
    if (!link) return;
    var target = link.dataset.skipTo === "composer" ? composerInput()
      : document.querySelector("#channels-column .channel-link[aria-current=page]") ||
        document.querySelector("#channels-column a, #channels-column summary");
    if (target) { event.preventDefault(); target.focus(); }
  });

  // ---- The keys ----------------------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    if (event.isComposing || event.defaultPrevented) return;
    var el = event.target;
    var key = event.key;
    var command = event.ctrlKey || event.metaKey;

    if (typedAhead !== null && key.length === 1 && !command && !event.altKey) {
      typedAhead += key; event.preventDefault(); return;
    }
    if (command && !event.altKey && (key === "k" || key === "K")) {
      event.preventDefault(); openSwitcher(); return;
    }
    if (command && !event.altKey && (key === "/" || key === "?")) {
      event.preventDefault(); openShortcuts(); return;
    }
    if (el.closest && el.closest("#switcher-panel")) { onSwitcherKey(event); return; }
    if (el.closest && el.closest("#keys-dialog")) return;

    if (event.altKey && !command && (key === "ArrowUp" || key === "ArrowDown") && !el.closest("form.editing")) {
      event.preventDefault();
      goToChannel(key === "ArrowUp" ? -1 : 1, event.shiftKey);
      return;
    }
    if (command || event.altKey) return;

    var article = el.matches && el.matches("#message-list article.message") ? el : null;
    if (article) { onMessageKey(event, article); return; }

    if (el.id === "composer-input" && key === "ArrowUp" && !event.shiftKey && el.value === "") {
      if (editLastMessage()) event.preventDefault();
      return;
    }
    if (key === "Escape") {
      if (el.closest && el.closest("form.editing")) return;  // app.js cancels the edit
      if (!popoverWasOpen && byId("message-list")) markChannelRead();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    syncRoving();
    if (sessionStorage.getItem(FOCUS_COMPOSER)) {
      sessionStorage.removeItem(FOCUS_COMPOSER);
      var input = composerInput();
      if (input) input.focus();
    }
  });
})();
