// Small things that keep input from being lost. No inline script: the CSP forbids it.
(function () {
  "use strict";

  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  var NEAR_LIMIT = 0.9;  // the counter shows from 90% of the limit on

  // Said politely once as a box goes over the limit or back within it, not at every key.
  function announce(text) {
    var region = document.getElementById("live-announcer");
    if (!region || !text) return;
    var line = document.createElement("p");
    line.textContent = text;
    region.replaceChildren(line);
  }

  // A message box with data-max-chars: no maxlength (it cuts a long paste
  // silently), but a counter near the limit and sending refused past it.
  function checkLength(box) {
    var max = parseInt(box.dataset.maxChars, 10);
    var counter = document.getElementById(box.dataset.counter);
    // As the server counts: characters (not UTF-16 units), blanks around the text left out.
    var length = Array.from(box.value.replace(/\r\n?/g, "\n").trim()).length;
    var over = length > max;
    var excess = length - max;
    var message = over ? (excess === 1 ? box.dataset.tooLongOne : box.dataset.tooLong)
      .replace("{over}", numbers.format(excess)) : "";
    box.setCustomValidity(message);
    if (over !== Boolean(box.dataset.lengthInvalid)) announce(over ? message : box.dataset.lengthOk);
    if (over) {
      box.setAttribute("aria-invalid", "true");
      box.dataset.lengthInvalid = "1";
    } else if (box.dataset.lengthInvalid) {
      box.removeAttribute("aria-invalid");
      delete box.dataset.lengthInvalid;
    }
    if (!counter) return;
    counter.hidden = length < max * NEAR_LIMIT;
    counter.classList.toggle("over", over);
    counter.textContent = over ? message : numbers.format(length) + " / " + numbers.format(max);
    var described = (box.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== counter.id;
    });
    if (over) described.push(counter.id);
    if (described.length) box.setAttribute("aria-describedby", described.join(" "));
    else box.removeAttribute("aria-describedby");
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-max-chars]")) checkLength(event.target);
  });
  // A box swapped in with text already in it (a refused send, an edit).
  function checkAll() {
    document.querySelectorAll("textarea[data-max-chars]").forEach(function (box) {
      if (box.value) checkLength(box);
    });
  }
  document.addEventListener("DOMContentLoaded", checkAll);
  document.addEventListener("reset", function (event) {  // the composer after a send
    var boxes = event.target.querySelectorAll("textarea[data-max-chars]");
    setTimeout(function () { boxes.forEach(checkLength); });  // once the form holds its reset values
  });
  document.addEventListener("htmx:after:swap", checkAll);

  // The avatar step: "Continue" with a picture chosen saves it first (the
  // server then sends the browser on), instead of leaving it behind.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-continue-with]");
    if (!link) return;
    var input = document.getElementById(link.dataset.continueWith);
    if (!input || !input.files || !input.files.length) return;
    var flag = input.form.querySelector("[data-avatar-continue]");
    if (!flag) return;
    event.preventDefault();
    flag.value = "1";
    input.form.requestSubmit();
  });
})();
