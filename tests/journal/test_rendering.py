"""Article bodies render safely: Markdown in, inert HTML out, shortcodes found."""

import pytest
from bs4 import BeautifulSoup

from shop.journal.rendering import reading_minutes, render_body, shortcode_slugs


def html(markdown: str) -> str:
    return render_body(markdown).html


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<iframe src="https://evil.example/"></iframe>',
        '<a href="javascript:alert(1)">x</a>',
        "<svg onload=alert(1)>",
        "<style>body{display:none}</style>",
    ],
)
def test_raw_html_is_shown_as_text_never_run(attack):
    out = html(f"Before {attack} after")
    assert "<script" not in out and "<img" not in out and "<iframe" not in out
    assert "<svg" not in out and "<style" not in out and "<a " not in out
    assert "&lt;" in out  # the reader sees the text, inert


def test_javascript_links_are_not_links():
    for markdown in (
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html,hi)",
        "<javascript:alert(1)>",
    ):
        out = html(markdown)
        assert "href" not in out, markdown


@pytest.mark.parametrize(
    "markdown",
    [
        '[x](https://example.com "t\\" onmouseover=\\"alert(1)")',
        '![pic](https://example.com/a.png" onerror="alert(1))',
        "<a href=https://example.com onclick=alert(1)>x</a>",
    ],
)
def test_no_element_carries_an_event_handler(markdown):
    soup = BeautifulSoup(html(markdown), "html.parser")
    for tag in soup.find_all(True):
        assert not [name for name in tag.attrs if name.lower().startswith("on")], tag
    assert soup.find("img") is None  # images in bodies are not allowed at all


def test_external_links_get_noopener_and_internal_ones_do_not():
    out = html("[out](https://example.com/page) and [in](/shop/serums)")
    assert '<a href="https://example.com/page" rel="noopener">out</a>' in out
    assert '<a href="/shop/serums">in</a>' in out


def test_dois_and_pmids_become_links():
    out = html("As shown (doi:10.3390/jcm8070987; PMID 31284694).")
    assert '<a href="https://doi.org/10.3390/jcm8070987" rel="noopener">' in out
    assert (
        '<a href="https://pubmed.ncbi.nlm.nih.gov/31284694/" rel="noopener">PMID 31284694</a>'
        in out
    )


def test_markdown_features_render():
    out = html("## Heading\n\n- one\n- two\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    for tag in ("<h2>", "<ul>", "<li>one</li>", "<blockquote>", "<table>", "<td>2</td>"):
        assert tag in out


def test_block_shortcodes_become_product_slots():
    body = render_body("Intro.\n\n{{ product: barrier-cream }}\n\nMore.\n\n{{product:serum-one}}\n")
    slots = [part.product_slug for part in body.parts if part.product_slug]
    assert slots == ["barrier-cream", "serum-one"]
    assert body.product_slugs == ("barrier-cream", "serum-one")
    assert "{{" not in body.html


def test_inline_and_malformed_shortcodes_do_not_leak_markup():
    body = render_body("Try {{ product: barrier-cream }} today.\n\n{{ product: <b>x</b> }}\n")
    assert body.product_slugs == ()
    assert "{{ product: barrier-cream }}" not in body.html
    assert "<b>" not in body.html


def test_shortcode_slugs_and_reading_time():
    assert shortcode_slugs("{{ product: a-b }} {{ product: c }} {{ product: a-b }}") == ["a-b", "c"]
    assert reading_minutes("word " * 100) == 1
    assert reading_minutes("word " * 1000) == 5
