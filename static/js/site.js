// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to an error summary so screen reader users hear what went wrong.
  const summary = document.querySelector(".error-summary[tabindex]");
  if (summary) summary.focus();
});
