"""Readable word-level differences between two texts, for revision history pages."""
import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class FieldDiff:
    label: str
    html: Markup
    changed: bool


def diff_html(old: str, new: str) -> Markup:
    """Words removed in <del>, words added in <ins>, the rest as is; all escaped."""
    a = _TOKENS.findall(old or "")
    b = _TOKENS.findall(new or "")
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(a[i1:i2]))))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(out))


def history(revisions: list, labels: dict, readable=lambda data: data) -> list[tuple]:
    """(revision, changed FieldDiffs) for revisions given newest first, each compared with the
    one before it; `readable` turns a stored snapshot into display values."""
    entries = []
    for index, revision in enumerate(revisions):
        previous = readable(revisions[index + 1].data) if index + 1 < len(revisions) else {}
        changes = diff_fields(previous, readable(revision.data), labels)
        entries.append((revision, [change for change in changes if change.changed]))
    return entries


def diff_fields(old: dict, new: dict, labels: dict) -> list[FieldDiff]:
    """One FieldDiff per labelled field, in the order of `labels`."""
    result = []
    for key, label in labels.items():
        before, after = str(old.get(key) or ""), str(new.get(key) or "")
        result.append(FieldDiff(label, diff_html(before, after), before != after))
    return result
