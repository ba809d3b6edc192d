// The case form: the status list follows the kind, the dilemma questions show for a dilemma
// only, and "Preview" shows the live preview without sending the form (so a chosen file stays
// chosen). Without JavaScript the server picks the kind's first status and the preview button
// submits the form.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.case-form");
  if (!form) return;
  const status = form.querySelector("select[name=status]");
  const dilemma = form.querySelector(".dilemma-fields");
  let statuses = {};
  try {
    statuses = JSON.parse(status.dataset.kindStatuses || "{}");
  } catch (error) {
    statuses = {};
  }
  const apply = () => {
    const checked = form.querySelector("input[name=kind]:checked");
    if (!checked) return;
    const allowed = statuses[checked.value] || [];
    for (const option of status.options) {
      if (!option.value) continue;
      const fits = allowed.includes(option.value);
      option.hidden = !fits;
      option.disabled = !fits;
    }
    for (const group of status.querySelectorAll("optgroup")) {
      group.hidden = !Array.from(group.children).some((option) => !option.hidden);
    }
    if (!allowed.includes(status.value) && allowed.length) status.value = allowed[0];
    if (dilemma) dilemma.hidden = checked.value !== "dilemma";
  };
  form.querySelectorAll("input[name=kind]").forEach((radio) => radio.addEventListener("change", apply));
  apply();

  const previewButton = form.querySelector("[name=preview]");
  const body = form.querySelector("textarea[data-preview]");
  const live = body ? document.querySelector(`[data-preview-for="${body.id}"]`) : null;
  if (previewButton && body && live) {
    previewButton.addEventListener("click", (event) => {
      event.preventDefault();
      body.dispatchEvent(new Event("preview-now"));
      live.scrollIntoView({ block: "nearest" });
    });
  }
});
