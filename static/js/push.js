// The account page's "Turn on notifications": registers the service worker and subscribes
// this device to Web Push, only after a tap (iPhones allow the permission request no other way).
(function () {
  "use strict";
  var controls = document.getElementById("push-controls");
  if (!controls) return;
  var button = document.getElementById("push-enable");
  var status = document.getElementById("push-status");

  function say(text) { status.textContent = text; }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function deviceLabel() {
    var agent = navigator.userAgent;
    var browser = /Edg\//.test(agent) ? "Edge" : /Firefox\//.test(agent) ? "Firefox" : /Chrome\//.test(agent) ? "Chrome" : /Safari\//.test(agent) ? "Safari" : "Browser";
    var system = /iPhone|iPad/.test(agent) ? "iOS" : /Android/.test(agent) ? "Android" : /Mac OS X/.test(agent) ? "macOS" : /Windows/.test(agent) ? "Windows" : /Linux/.test(agent) ? "Linux" : "";
    return system ? browser + " on " + system : browser;
  }

  var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) {
    document.getElementById("push-unavailable").hidden = false;
    if (/iPhone|iPad|iPod/.test(navigator.userAgent)) document.getElementById("push-iphone").hidden = false;
    return;
  }
  button.hidden = false;

  button.addEventListener("click", function () {
    button.disabled = true;
    say("Asking your browser…");
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw new Error("Notifications are blocked for Foyer in this browser's settings.");
      return navigator.serviceWorker.register("/sw.js", { scope: "/" });
    }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(controls.dataset.publicKey) });
    }).then(function (subscription) {
      var body = subscription.toJSON();
      body.label = deviceLabel();
      return fetch(controls.dataset.subscribeUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": controls.dataset.csrf },
        body: JSON.stringify(body)
      });
    }).then(function (response) {
      if (!response.ok) throw new Error("Foyer couldn't save this device. Try again.");
      say("Notifications are on for this device.");
      window.location.reload();
    }).catch(function (error) {
      button.disabled = false;
      say(error && error.message ? error.message : "Notifications couldn't be turned on.");
    });
  });
})();
