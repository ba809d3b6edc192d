// Live Markdown preview: sends the text to /api/preview and shows the sanitised HTML it returns.
// Without JavaScript the form's "Preview" button does the same through a normal submit.
document.addEventListener("DOMContentLoaded", () => {
  const tokenMeta = document.querySelector('meta[name="csrf-token"]');
  if (!tokenMeta) return;
  document.querySelectorAll("textarea[data-preview]").forEach((area) => {
    const box = document.querySelector(`[data-preview-for="${area.id}"]`);
    if (!box) return;
    const target = box.querySelector(".preview-body");
    let timer = null;
    let last = null;
    const update = async () => {
      const text = area.value;
      if (text === last) return;
      last = text;
      if (!text.trim()) {
        box.hidden = true;
        return;
      }
      try {
        const response = await fetch("/api/preview", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": tokenMeta.content },
          body: JSON.stringify({ text }),
        });
        if (!response.ok) return;
        const data = await response.json();
        // The server sanitised this HTML with the same allow-list used when saving.
        target.innerHTML = data.html;
        box.hidden = false;
      } catch (error) {
        // Offline or server error: the submit-button preview still works.
      }
    };
    area.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(update, 400);
    });
    // The form's Preview button (caseform.js) asks for it at once instead of submitting.
    area.addEventListener("preview-now", () => {
      clearTimeout(timer);
      last = null;
      update();
    });
  });
});
