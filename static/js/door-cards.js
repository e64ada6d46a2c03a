// The door cards. A tap still unanswered after two seconds says so on its card, and the
// keyboard focus stays on a card that htmx swaps (after a tap, a pin, or the card's reset).
const STILL_WAITING_MS = 2000;
let focusBack = null;

document.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail.elt;
  const card = elt.closest && elt.closest(".door-card");
  if (!card) {
    return;
  }
  const tapped = elt.classList.contains("unlock-form");
  if (tapped || card.contains(document.activeElement)) {
    const pin = document.activeElement && document.activeElement.closest(".pin-form");
    focusBack = { list: card.parentElement, id: card.id, button: pin ? ".pin-button" : ".unlock-button" };
  }
  if (!tapped) {
    return;
  }
  const name = card.querySelector(".door-name").textContent;
  elt.dataset.waiting = window.setTimeout(() => {
    let status = card.querySelector(".door-status");
    if (!status) {
      status = document.createElement("span");
      status.className = "door-status";
      card.querySelector(".door-text").append(status);
    }
    status.textContent = "Still waiting for ButterflyMX…";
    const announcer = document.getElementById("unlock-announcer");
    if (announcer) {
      announcer.textContent = `${name}: still waiting for ButterflyMX…`;
    }
  }, STILL_WAITING_MS);
});

document.addEventListener("htmx:afterRequest", (event) => {
  const elt = event.detail.elt;
  if (elt.dataset && elt.dataset.waiting) {
    window.clearTimeout(Number(elt.dataset.waiting));
    delete elt.dataset.waiting;
  }
});

document.addEventListener("htmx:afterSettle", () => {
  if (!focusBack) {
    return;
  }
  const { list, id, button } = focusBack;
  const card = Array.from(list.children).find((element) => element.id === id);
  if (card) {
    focusBack = null;
    const target = card.querySelector(button);
    if (target) {
      target.focus();
    }
  }
});
