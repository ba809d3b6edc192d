"""Markdown to safe HTML: rendered once when text is saved, sanitised against an allow-list."""
import threading

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

# No <img>: the Content-Security-Policy allows images from this site only, so an image from
# elsewhere always showed as broken. Markdown images become links with their alt text (below);
# raw <img> tags are dropped.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "ol", "p", "pre", "s",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
    "code": {"class"},
}
# No javascript:, data:, vbscript: or relative-protocol tricks survive: only these schemes.
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"


class _ImagesAsLinks(Treeprocessor):
    """![alt](url) -> <a href="url">alt</a> (the URL when there is no alt text)."""

    def run(self, root):
        for image in list(root.iter("img")):
            src, alt = image.get("src", ""), image.get("alt", "")
            tail = image.tail
            image.clear()
            image.tag = "a"
            image.set("href", src)
            image.text = alt.strip() or src
            image.tail = tail


class _ImagesAsLinksExtension(Extension):
    def extendMarkdown(self, md):
        # After inline patterns (priority 20) made the <img> elements.
        md.treeprocessors.register(_ImagesAsLinks(md), "images_as_links", 5)


EXTENSIONS = ["tables", "fenced_code", "sane_lists", _ImagesAsLinksExtension()]

# One converter per thread, reset before each text (Python-Markdown's documented way to convert
# several texts): building one loads its extensions and patterns, about 1 ms of every comment
# posted (issue 23).
_converters = threading.local()


def _converter() -> markdown.Markdown:
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown.Markdown(extensions=EXTENSIONS,
                                                             output_format="html")
    return converter


def render_markdown(text: str, *, link_rel: str = LINK_REL) -> str:
    """Render Markdown source to sanitised HTML, safe to store and show as is."""
    # Raw HTML in the source is escaped by the sanitiser below, not trusted.
    html = _converter().reset().convert(text or "")
    return sanitise_html(html, link_rel=link_rel)


def sanitise_html(html: str, *, link_rel: str = LINK_REL) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=link_rel,
        strip_comments=True,
    )


def plain_text(html: str) -> str:
    """Text content of stored HTML, for snippets and search."""
    return " ".join(nh3.clean(html or "", tags=set()).split())
