// The share view's Share buttons: the browser's share sheet where there is one, else a copy
// to the clipboard. Without JavaScript the text to send stays on the page.
document.querySelectorAll(".share-button").forEach((button) => {
  const text = document.getElementById(button.dataset.shareText).textContent.trim();
  if (!navigator.share && !(navigator.clipboard && window.isSecureContext)) {
    return;
  }
  button.textContent = navigator.share ? "Share" : "Copy";
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      if (navigator.share) {
        await navigator.share({ text });
      } else {
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
      }
    } catch (error) {
      // The resident closed the share sheet: nothing to do.
    }
  });
});
