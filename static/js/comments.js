// Reply and quote in the page: the comment box keeps what was typed (the links reload the page
// with the reply filled in when JavaScript is off).
document.addEventListener("DOMContentLoaded", () => {
  const section = document.querySelector("#comment-form");
  const form = section ? section.querySelector("form.comment-form") : null;
  if (!form) return;
  const area = form.querySelector("textarea[name=body]");
  const parent = form.querySelector("input[name=parent_id]");
  const heading = section.querySelector("#comment-form-heading");
  const replyNote = document.createElement("p");
  replyNote.className = "meta reply-note";
  replyNote.hidden = true;
  heading.insertAdjacentElement("afterend", replyNote);

  const commentOnCase = () => {
    parent.value = "";
    heading.textContent = section.dataset.caseHeading;
    replyNote.hidden = true;
  };

  document.querySelectorAll("a[data-reply-to]").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      parent.value = link.dataset.replyTo;
      heading.textContent = link.dataset.replyHeading;
      replyNote.replaceChildren();
      const back = document.createElement("button");
      back.type = "button";
      back.className = "link-button";
      back.textContent = section.dataset.insteadLabel;
      back.addEventListener("click", commentOnCase);
      replyNote.append(back);
      replyNote.hidden = false;
      if (link.dataset.quote !== undefined) {
        const quoted = link.dataset.quote.split("\n").map((line) => "> " + line).join("\n") + "\n\n";
        const start = area.selectionStart ?? area.value.length;
        const end = area.selectionEnd ?? area.value.length;
        const before = area.value.slice(0, start);
        const gap = before && !before.endsWith("\n\n") ? (before.endsWith("\n") ? "\n" : "\n\n") : "";
        area.value = before + gap + quoted + area.value.slice(end);
        const caret = (before + gap + quoted).length;
        area.setSelectionRange(caret, caret);
        area.dispatchEvent(new Event("input", { bubbles: true }));
      }
      section.scrollIntoView({ block: "start" });
      area.focus();
    });
  });
});
