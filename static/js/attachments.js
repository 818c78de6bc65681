// Attachments: files picked, dropped on the channel or pasted into the composer;
// previews with alt text and remove buttons; upload progress; the image viewer.
// Without this script the composer's plain file input sends the same form.
(function () {
  "use strict";
  var labels = (document.currentScript && document.currentScript.dataset) || {};

  var chosen = [];  // File objects, in the order they are sent (the server pairs alt[i] with files[i])
  var alts = [];

  function composer() { return document.getElementById("composer"); }
  function fileInput() { return document.getElementById("composer-files"); }

  function say(text) {
    var form = composer();
    if (!form) return;
    var error = form.querySelector("#composer-files-error");
    if (!error) {
      error = document.createElement("p");
      error.id = "composer-files-error";
      error.className = "field-error";
      error.setAttribute("role", "alert");
      form.appendChild(error);
    }
    error.textContent = text;
    error.hidden = !text;
  }

  function sync() {
    // The input carries exactly the chosen files, so htmx's FormData (and a plain submit) sends them.
    var input = fileInput();
    if (!input) return;
    var transfer = new DataTransfer();
    chosen.forEach(function (file) { transfer.items.add(file); });
    input.files = transfer.files;
    render();
  }

  function render() {
    var list = document.getElementById("attachment-previews");
    var input = fileInput();
    if (!list || !input) return;
    list.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
    list.textContent = "";
    chosen.forEach(function (file, index) {
      var item = document.createElement("li");
      item.className = "attachment-preview";
      if (/^image\//.test(file.type)) {
        var img = document.createElement("img");
        img.src = URL.createObjectURL(file);
        img.alt = "";
        item.appendChild(img);
      }
      var name = document.createElement("span");
      name.className = "file-name";
      name.textContent = file.name;
      item.appendChild(name);
      // Every file has an alt field (empty for non-images) so alt[i] stays with files[i].
      var alt = document.createElement("input");
      alt.type = /^image\//.test(file.type) ? "text" : "hidden";
      alt.name = "alt";
      alt.maxLength = 500;
      alt.value = alts[index] || "";
      alt.placeholder = input.dataset.altLabel;
      alt.setAttribute("aria-label", input.dataset.altLabel + ": " + file.name);
      alt.addEventListener("input", function () { alts[index] = alt.value; });
      item.appendChild(alt);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", input.dataset.removeLabel.replace("{name}", file.name));
      remove.addEventListener("click", function () {
        chosen.splice(index, 1);
        alts.splice(index, 1);
        sync();
        var next = list.querySelector(".remove") || document.getElementById("composer-input");
        if (next) next.focus();
      });
      item.appendChild(remove);
      list.appendChild(item);
    });
    list.hidden = chosen.length === 0;
  }

  function add(files) {
    var input = fileInput();
    var form = composer();
    if (!input || !form) return;
    var maxFile = Number(form.dataset.maxFile), maxTotal = Number(form.dataset.maxTotal);
    var maxCount = Number(form.dataset.maxCount);
    var total = chosen.reduce(function (sum, file) { return sum + file.size; }, 0);
    var problem = "";
    Array.prototype.forEach.call(files, function (file) {
      if (file.size > maxFile) { problem = input.dataset.tooBig.replace("{name}", file.name); return; }
      if (chosen.length >= maxCount) { problem = input.dataset.tooMany; return; }
      if (total + file.size > maxTotal) { problem = input.dataset.tooMuch; return; }
      total += file.size;
      chosen.push(file);
      alts.push("");
    });
    say(problem);
    sync();
  }

  function clear() {
    chosen = [];
    alts = [];
    say("");
    sync();
    var progress = document.getElementById("upload-progress");
    if (progress) progress.hidden = true;
  }

  document.addEventListener("change", function (event) {
    if (event.target.id !== "composer-files") return;
    // Picking replaces the input's files: add them to what was chosen before.
    var picked = Array.prototype.slice.call(event.target.files).filter(function (file) {
      return chosen.indexOf(file) < 0;
    });
    add(picked);
  });

  document.addEventListener("paste", function (event) {
    if (event.target.id !== "composer-input" || !event.clipboardData) return;
    var files = event.clipboardData.files;
    if (files && files.length) {
      event.preventDefault();
      add(files);
    }
  });

  function dropZone(event) {
    return event.target.closest && event.target.closest("#messages-column") && composer();
  }
  function carriesFiles(event) {
    return event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0;
  }
  document.addEventListener("dragover", function (event) {
    if (!carriesFiles(event) || !dropZone(event)) return;
    event.preventDefault();
    event.target.closest("#messages-column").classList.add("dropping");
  });
  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest("#messages-column");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("dropping");
  });
  document.addEventListener("drop", function (event) {
    if (!carriesFiles(event) || !dropZone(event)) return;
    event.preventDefault();
    event.target.closest("#messages-column").classList.remove("dropping");
    add(event.dataTransfer.files);
    var input = document.getElementById("composer-input");
    if (input) input.focus();
  });

  // Uploads go through XMLHttpRequest (fetch reports no upload progress); htmx handles the answer as usual.
  function fetchWithProgress(progress) {
    return function (url, init) {
      return new Promise(function (resolve, reject) {
        var xhr = new XMLHttpRequest();
        xhr.open(init.method || "POST", url);
        new Headers(init.headers || {}).forEach(function (value, name) { xhr.setRequestHeader(name, value); });
        xhr.upload.addEventListener("progress", function (event) {
          if (event.lengthComputable) progress.value = Math.round(100 * event.loaded / event.total);
        });
        xhr.onload = function () {
          var headers = new Headers();
          xhr.getAllResponseHeaders().trim().split(/[\r\n]+/).forEach(function (line) {
            var at = line.indexOf(":");
            if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
          });
          var empty = xhr.status === 204 || xhr.status === 304;
          resolve(new Response(empty ? null : xhr.responseText, { status: xhr.status, headers: headers }));
        };
        xhr.onerror = function () { reject(new TypeError("Upload failed")); };
        xhr.onabort = function () { reject(new DOMException("Aborted", "AbortError")); };
        if (init.signal) init.signal.addEventListener("abort", function () { xhr.abort(); });
        xhr.send(init.body);
      });
    };
  }

  document.addEventListener("htmx:before:request", function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (!ctx || event.target.id !== "composer" || chosen.length === 0) return;
    var progress = document.getElementById("upload-progress");
    progress.value = 0;
    progress.hidden = false;
    ctx.fetch = fetchWithProgress(progress);
  });

  document.addEventListener("htmx:after:request", function (event) {
    if (event.target.id !== "composer") return;
    var ctx = event.detail && event.detail.ctx;
    var progress = document.getElementById("upload-progress");
    if (progress) progress.hidden = true;
    if (ctx && ctx.response && ctx.response.status < 300) clear();
  });

  // A composer swapped in after a refusal has an empty file input: give it the chosen files back.
  document.addEventListener("htmx:after:swap", function () {
    var input = fileInput();
    if (input && chosen.length && input.files.length !== chosen.length) sync();
  });

  // Placeholder colours (no inline styles under our CSP: set through the CSSOM).
  function paint(root) {
    (root || document).querySelectorAll("[data-colour]:not([data-painted])").forEach(function (el) {
      el.setAttribute("data-painted", "");
      if (/^#[0-9a-f]{6}$/.test(el.dataset.colour)) el.style.backgroundColor = el.dataset.colour;
    });
  }
  paint(document);
  document.addEventListener("htmx:after:settle", function () { paint(document); });
  document.addEventListener("htmx:after:swap", function () { paint(document); });

  // ---- The viewer: full size, arrows for the channel's other images, Escape closes ----
  var viewer = null, shown = [], at = 0, opener = null;

  function buildViewer() {
    var dialog = document.createElement("dialog");
    dialog.className = "viewer";
    dialog.setAttribute("aria-label", labels.viewer || "Image");
    dialog.innerHTML = '<figure><img alt=""><figcaption><button type="button" data-step="-1">&larr;</button>' +
      '<a data-open target="_blank" rel="noopener"></a><button type="button" data-step="1">&rarr;</button>' +
      '<button type="button" data-close>×</button></figcaption></figure>';
    dialog.querySelector('[data-step="-1"]').setAttribute("aria-label", labels.previous || "Previous");
    dialog.querySelector('[data-step="1"]').setAttribute("aria-label", labels.next || "Next");
    dialog.querySelector("[data-close]").setAttribute("aria-label", labels.close || "Close");
    dialog.addEventListener("click", function (event) {
      var step = event.target.closest("[data-step]");
      if (step) { show(at + Number(step.dataset.step)); return; }
      if (event.target.closest("[data-close]") || event.target === dialog) dialog.close();
    });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight") { event.preventDefault(); show(at + 1); }
      else if (event.key === "ArrowLeft") { event.preventDefault(); show(at - 1); }
    });
    dialog.addEventListener("close", function () {
      if (opener && opener.isConnected) opener.focus();
    });
    document.body.appendChild(dialog);
    return dialog;
  }

  function show(index) {
    if (!shown.length) return;
    at = (index + shown.length) % shown.length;
    var link = shown[at];
    var img = viewer.querySelector("img");
    var thumb = link.querySelector("img");
    img.src = link.href;
    img.alt = thumb ? thumb.alt : "";
    img.width = Number(link.dataset.fullWidth) || 0;
    img.height = Number(link.dataset.fullHeight) || 0;
    var open = viewer.querySelector("[data-open]");
    open.href = link.href;
    open.textContent = link.dataset.name + " (" + (at + 1) + "/" + shown.length + ")";
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-viewer]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    viewer = viewer && viewer.isConnected ? viewer : buildViewer();
    var scope = link.closest("#message-list") || document;
    shown = Array.prototype.slice.call(scope.querySelectorAll("a[data-viewer]"));
    opener = link;
    show(shown.indexOf(link));
    viewer.showModal();
    viewer.querySelector("[data-close]").focus();
  });

  window.charlaAttachments = { chosenCount: function () { return chosen.length; } };
})();
