// An error answer is swapped into the page only when the server rendered a partial for it
// (it names its target with HX-Retarget). Anything else, such as a proxy's error page,
// stays out of the page, and the notice area says what to do.
document.addEventListener("htmx:beforeSwap", (event) => {
  const xhr = event.detail.xhr;
  if (xhr.status < 400 || xhr.getResponseHeader("HX-Retarget")) {
    return;
  }
  event.detail.shouldSwap = false;
  const notice = document.getElementById("notice");
  if (notice) {
    const message = document.createElement("p");
    message.className = "page-notice";
    message.setAttribute("role", "alert");
    message.textContent = "That didn't work. Reload the page and try again.";
    notice.replaceChildren(message);
  }
});
