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

  function autosize(textarea) {
    textarea.style.height = "auto";
    textarea.style.height = Math.min(textarea.scrollHeight, 240) + "px";
  }

  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!(el instanceof HTMLTextAreaElement)) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && el.hasAttribute("data-enter-submits")) {
      event.preventDefault();
      if (el.value.trim() && el.form) el.form.requestSubmit();
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
      var input = form.querySelector("textarea");
      autosize(input);
      input.focus();
    }
  });

  document.addEventListener("htmx:after:swap", function (event) {
    var target = (event.detail && event.detail.ctx && event.detail.ctx.target) || document;
    localiseTimes(target.isConnected ? target : document);
    document.querySelectorAll("#toasts .toast:not([data-timer])").forEach(function (toast) {
      toast.dataset.timer = "1";
      dismissLater(toast);
    });
    var editing = document.querySelector("form.editing textarea[autofocus]");
    if (editing && document.activeElement !== editing) focusAtEnd(editing);
    if (target.id === "message-list") scrollToNewest();
  });

  document.addEventListener("DOMContentLoaded", function () {
    localiseTimes(document);
    document.querySelectorAll("#toasts .toast").forEach(function (toast) {
      toast.dataset.timer = "1";
      dismissLater(toast);
    });
    if (location.hash.indexOf("#message-") === 0) {
      var target = document.querySelector(location.hash);
      if (target) target.scrollIntoView({ block: "center" });
    }
  });
})();
