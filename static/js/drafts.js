// Drafts of long texts kept in this browser (as Discourse does): a textarea with
// data-draft-key is saved while typing and restored when the page is opened again, until the
// text has been submitted successfully (the next page shows a success message).
(() => {
  const PREFIX = "smartsociety-draft:";
  const store = (() => {
    try {
      const probe = PREFIX + "probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null; // private mode or storage off: the forms work as before
    }
  })();
  if (!store) return;

  document.addEventListener("DOMContentLoaded", () => {
    // After a submit: a success message means the text is saved, so its draft can go.
    const saved = document.querySelector(".flash-success");
    const failed = document.querySelector(".error-summary");
    for (let i = store.length - 1; i >= 0; i -= 1) {
      const name = store.key(i);
      if (!name || !name.startsWith(PREFIX) || !name.endsWith(":sent")) continue;
      if (saved && !failed) store.removeItem(name.slice(0, -":sent".length));
      store.removeItem(name);
    }

    document.querySelectorAll("textarea[data-draft-key]").forEach((area) => {
      const key = PREFIX + area.dataset.draftKey;
      const stored = store.getItem(key);
      if (stored && stored !== area.value && (!area.value.trim() || area.value === area.defaultValue)) {
        const original = area.value;
        area.value = stored;
        area.dispatchEvent(new Event("input", { bubbles: true }));
        const note = document.createElement("p");
        note.className = "draft-note meta";
        note.setAttribute("role", "status");
        note.textContent = area.dataset.draftRestored || "";
        const discard = document.createElement("button");
        discard.type = "button";
        discard.className = "link-button";
        discard.textContent = area.dataset.draftDiscard || "×";
        discard.addEventListener("click", () => {
          area.value = original;
          store.removeItem(key);
          note.remove();
          area.dispatchEvent(new Event("input", { bubbles: true }));
          area.focus();
        });
        note.append(" ", discard);
        area.insertAdjacentElement("afterend", note);
      }
      let timer = null;
      area.addEventListener("input", () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          if (area.value.trim() && area.value !== area.defaultValue) store.setItem(key, area.value);
          else store.removeItem(key);
        }, 300);
      });
      if (area.form) {
        area.form.addEventListener("submit", (event) => {
          const button = event.submitter;
          if (button && button.name === "preview") return;
          if (area.value.trim() && area.value !== area.defaultValue) store.setItem(key, area.value);
          store.setItem(key + ":sent", "1");
        });
      }
    });
  });
})();
