"""Markdown rendering and sanitising; word-level diffs."""
import pytest

from smartsociety.diffs import diff_html
from smartsociety.markup import plain_text, render_markdown


def test_markdown_features():
    html = render_markdown("# Kop\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```\n\n1. een\n2. twee")
    assert "<h1>Kop</h1>" in html and "<table>" in html and "<pre><code>" in html and "<ol>" in html


def test_links_get_rel():
    html = render_markdown("[site](https://example.org)")
    assert 'rel="nofollow ugc noopener"' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<svg onload="alert(1)"><circle/></svg>',
        '<style>body{display:none}</style>',
        '<iframe src="https://evil.example"></iframe>',
    ],
)
def test_hostile_markdown_is_neutralised(source):
    html = render_markdown(source).lower()
    for bad in ("<script", "onerror", "javascript:", "data:text", "onload", "<style", "<iframe", "<svg"):
        assert bad not in html


def test_plain_text():
    assert plain_text("<p>Hallo <strong>wereld</strong></p>") == "Hallo wereld"


def test_diff_marks_words():
    html = diff_html("sensoren in de stad", "sensoren op straat in de stad <b>")
    assert "<ins>" in html and "&lt;b&gt;" in html
    assert diff_html("gelijk", "gelijk") == "gelijk"


def test_one_converter_per_thread_carries_nothing_over():
    """The converter is reused (reset before each text): each text renders as on its own, and
    nothing of one text (reference links, stashed code or HTML, list state) reaches the next."""
    import markdown

    from smartsociety.markup import EXTENSIONS, sanitise_html

    texts = [
        "[site]: https://example.org\n\nZie [de site][site].",
        "Zie [de site][site].",  # the reference of the text before must not resolve here
        "```\n<b>code</b>\n```\n\nna de code",
        "<div>ruwe html</div> en *nadruk*",
        "3. drie\n4. vier\n\n- los",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "![kaart](https://example.org/k.png)",
        "",
        "gewone tekst",
    ]
    for text in texts * 2:
        alone = sanitise_html(markdown.markdown(text, extensions=EXTENSIONS, output_format="html"))
        assert render_markdown(text) == alone, text
    assert "href" not in render_markdown("Zie [de site][site].")
