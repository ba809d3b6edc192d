// Registration: show the "propose a new organisation" fields only when that option is chosen.
document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("organisation");
  const fieldset = document.querySelector(".new-organisation");
  if (!select || !fieldset) return;
  const hasErrors = fieldset.querySelector(".has-error") !== null;
  const update = () => { fieldset.hidden = select.value !== "new" && !hasErrors; };
  select.addEventListener("change", update);
  update();
});
