// Message boxes: Ctrl+B / Ctrl+I (Cmd on a Mac) wrap the selection in ** or *,
// or unwrap it when it is wrapped already; with nothing selected the pair is
// inserted with the caret inside.
(function () {
  "use strict";
  var MARKS = { b: "**", i: "*" };

  function isMessageBox(el) {
    return el && el.tagName === "TEXTAREA" && (el.id === "composer-input" || el.closest("form.editing"));
  }

  function toggle(box, mark) {
    var start = box.selectionStart, end = box.selectionEnd, value = box.value;
    var selected = value.slice(start, end);
    var before = value.slice(Math.max(0, start - mark.length), start);
    var after = value.slice(end, end + mark.length);
    // "*" must not take one star of a "**" for its own.
    var wrapped = before === mark && after === mark &&
      !(mark === "*" && value.charAt(start - 2) === "*" && value.charAt(end + 1) === "*" &&
        value.charAt(start - 3) !== "*");
    if (wrapped) {
      box.setRangeText(selected, start - mark.length, end + mark.length, "select");
    } else if (selected.length > mark.length * 2 && selected.startsWith(mark) && selected.endsWith(mark)) {
      box.setRangeText(selected.slice(mark.length, -mark.length), start, end, "select");
    } else {
      box.setRangeText(mark + selected + mark, start, end, "select");
      box.setSelectionRange(start + mark.length, start + mark.length + selected.length);
    }
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    var mark = MARKS[event.key.toLowerCase()];
    if (!mark || !isMessageBox(event.target)) return;
    event.preventDefault();
    toggle(event.target, mark);
  });
}());
