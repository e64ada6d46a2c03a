// Foyer's service worker: turns a doorbell push into a notification, and its Open action
// into the unlock request (the signed token from the push, with the session cookie).
"use strict";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
  var options = {
    body: data.body || "",
    tag: data.tag || "doorbell",
    renotify: true,
    requireInteraction: true,
    icon: "/static/icons/foyer-192.png",
    data: { url: data.url || "/", open: data.open || null }
  };
  if (data.image) options.image = data.image;
  if (data.open) options.actions = [{ action: "open", title: "Open" }];
  // Every push must show a notification, even one Foyer can't read.
  event.waitUntil(self.registration.showNotification(data.title || "Someone is at the door", options));
});

function openDoor(open) {
  return fetch(open.url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: open.token })
  }).then(function (response) {
    return response.json().catch(function () { return {}; });
  }).catch(function () {
    return { message: "Foyer couldn't be reached: the door didn't open." };
  }).then(function (result) {
    return self.registration.showNotification(result.message || "Foyer answered.", { tag: "doorbell-result" });
  });
}

self.addEventListener("notificationclick", function (event) {
  var notification = event.notification;
  var data = notification.data || {};
  notification.close();
  if (event.action === "open" && data.open) {
    event.waitUntil(openDoor(data.open));
    return;
  }
  event.waitUntil(self.clients.openWindow(data.url || "/"));
});
