"""Article bodies: Markdown to safe HTML, with product shortcodes and linked citations.

Markdown is rendered by markdown-it-py with raw HTML switched off and then
cleaned by nh3, so a body can hold no script, no event handler and no
`javascript:` link. A shortcode on a line of its own, `{{ product: slug }}`,
becomes a slot the page fills with a live product card; `[[book service-slug]]` a card
to book that consultation.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

WORDS_PER_MINUTE = 220

SHORTCODE = re.compile(r"\{\{\s*product\s*:\s*([a-z0-9]+(?:-[a-z0-9]+)*)\s*\}\}")
_BLOCK_SLOT = re.compile(r"<p>\s*\{\{\s*product\s*:\s*([a-z0-9]+(?:-[a-z0-9]+)*)\s*\}\}\s*</p>")
# `[[book holistic-skin-session]]` on a line of its own: a card to book that service.
BOOKING_SHORTCODE = re.compile(r"\[\[\s*book\s+([a-z0-9]+(?:-[a-z0-9]+)*)\s*\]\]")
_BOOKING_SLOT = re.compile(r"<p>\s*\[\[\s*book\s+([a-z0-9]+(?:-[a-z0-9]+)*)\s*\]\]\s*</p>")
_DOI = re.compile(r"(?<![\w/\[])doi:\s?(10\.\d{4,9}/[-._;()/:A-Za-z0-9]*[A-Za-z0-9])")
_PMID = re.compile(r"(?<![\w/\[])PMID:?\s?(\d{4,9})\b")

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "rel"}, "th": {"scope"}, "abbr": {"title"}}


def doi_url(doi: str) -> str:
    return f"https://doi.org/{doi}"


def pmid_url(pmid: str) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def pmcid_url(pmcid: str) -> str:
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/"


def _is_external(href: str) -> bool:
    return urlsplit(href).scheme in {"http", "https"}


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])

    def link_open(renderer, tokens, idx, options, env):
        token = tokens[idx]
        if _is_external(token.attrGet("href") or ""):
            token.attrSet("rel", "noopener")
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


_MD = _markdown()


@dataclass(frozen=True)
class BodyPart:
    """Either a piece of safe HTML or the slug of a product card to show in its place."""

    html: str = ""
    product_slug: str | None = None
    service_slug: str | None = None  # a booking card


@dataclass(frozen=True)
class RenderedBody:
    parts: tuple[BodyPart, ...]
    product_slugs: tuple[str, ...]
    reading_minutes: int
    service_slugs: tuple[str, ...] = ()

    @property
    def html(self) -> str:
        """The body without product cards (for feeds and previews)."""
        return "".join(part.html for part in self.parts)


def _link_citations(text: str) -> str:
    text = _DOI.sub(lambda m: f"[doi:{m.group(1)}]({doi_url(m.group(1))})", text)
    return _PMID.sub(lambda m: f"[PMID {m.group(1)}]({pmid_url(m.group(1))})", text)


def sanitise(html: str) -> str:
    """Keep only harmless tags and attributes; links keep the rel we set, schemes are checked."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        clean_content_tags={"script", "style", "iframe", "object", "embed"},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )


def reading_minutes(markdown: str) -> int:
    text = BOOKING_SHORTCODE.sub("", SHORTCODE.sub("", markdown))
    words = len(re.findall(r"[\w'’-]+", text))
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def markdown_html(markdown: str) -> str:
    """Markdown as safe HTML: raw HTML off, citations linked, cleaned by nh3. The one
    Markdown pipeline for text staff write (articles, the shop's own pages)."""
    return sanitise(_MD.render(_link_citations(markdown or "")))


@lru_cache(maxsize=512)
def render_body(markdown: str) -> RenderedBody:
    """Render an article body once per distinct text (the result depends on nothing else)."""
    html = markdown_html(markdown)
    parts: list[BodyPart] = []
    slugs: list[str] = []
    services: list[str] = []
    position = 0
    cards = sorted(
        [(m, "product") for m in _BLOCK_SLOT.finditer(html)]
        + [(m, "service") for m in _BOOKING_SLOT.finditer(html)],
        key=lambda pair: pair[0].start(),
    )
    for match, kind in cards:
        if match.start() > position:
            parts.append(BodyPart(html=html[position : match.start()]))
        if kind == "product":
            parts.append(BodyPart(product_slug=match.group(1)))
            slugs.append(match.group(1))
        else:
            parts.append(BodyPart(service_slug=match.group(1)))
            services.append(match.group(1))
        position = match.end()
    if position < len(html):
        parts.append(BodyPart(html=html[position:]))
    # A shortcode inside a sentence is not a card: drop it from the text.
    parts = [
        BodyPart(html=BOOKING_SHORTCODE.sub("", SHORTCODE.sub("", p.html)))
        if p.product_slug is None and p.service_slug is None
        else p
        for p in parts
    ]
    return RenderedBody(
        parts=tuple(parts),
        product_slugs=tuple(dict.fromkeys(slugs)),
        reading_minutes=reading_minutes(markdown or ""),
        service_slugs=tuple(dict.fromkeys(services)),
    )


def shortcode_slugs(markdown: str) -> list[str]:
    """Every product slug a body's shortcodes name, in order, once each."""
    return list(dict.fromkeys(SHORTCODE.findall(markdown or "")))
