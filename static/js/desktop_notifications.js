// Desktop notifications. The server sends a "charla:desktop" event only to users who
// turned them on, and only for what their per-server level asks for; here we add
// "the tab is in the background and the browser allows it". Permission is asked only
// when the user ticks the setting in the profile, never on page load.
(function () {
  "use strict";
  var supported = "Notification" in window;

  function showStatus(toggle) {
    var status = document.getElementById("desktop-notifications-status");
    if (!status) return;
    var denied = supported && toggle.checked && Notification.permission === "denied";
    status.textContent = denied ? status.dataset.deniedText : "";
  }

  document.addEventListener("change", function (event) {
    var toggle = event.target;
    if (!toggle.matches || !toggle.matches("[data-desktop-notifications-toggle]")) return;
    if (toggle.checked && supported && Notification.permission === "default") {
      Notification.requestPermission().then(function () { showStatus(toggle); });
    }
    showStatus(toggle);
  });

  document.addEventListener("charla:desktop", function (event) {
    if (!supported || Notification.permission !== "granted" || document.visibilityState !== "hidden") return;
    var notice;
    try { notice = JSON.parse(event.detail.data); } catch (error) { return; }
    var shown = new Notification(notice.title, { body: notice.body, tag: notice.tag });
    shown.addEventListener("click", function () {
      window.focus();
      shown.close();
      window.location.assign(notice.url);
    });
  });

  var toggle = document.querySelector("[data-desktop-notifications-toggle]");
  if (toggle) showStatus(toggle);
})();
