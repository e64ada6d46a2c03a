// The new-pass form shows only the fields of the "When" chosen; without JavaScript every
// field stays on the page and the server reads only those of the chosen kind.
(function () {
  const form = document.querySelector(".pass-form");
  if (!form) {
    return;
  }
  const fields = {
    hours: ["hours"],
    range: ["starts_at", "ends_at"],
    once: ["starts_at", "ends_at"],
    weekly: ["weekdays", "time_from", "time_to", "start_date", "end_date"],
  };
  const all = new Set(Object.values(fields).flat());
  function show() {
    const chosen = form.querySelector('input[name="when"]:checked');
    const wanted = new Set(fields[chosen ? chosen.value : "hours"]);
    all.forEach((name) => {
      const field = form.querySelector(".field-" + name);
      if (field) {
        field.hidden = !wanted.has(name);
      }
    });
  }
  form.querySelectorAll('input[name="when"]').forEach((radio) => {
    radio.addEventListener("change", show);
  });
  show();
})();
