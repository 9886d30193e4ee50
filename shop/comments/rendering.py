"""Comments are plain text: shown escaped, with their line breaks, and with web
addresses made into links that search engines do not credit (rel="nofollow ugc")."""

from __future__ import annotations

import re

from linkify_it import LinkifyIt
from markupsafe import Markup, escape

LINK_REL = "nofollow ugc noopener"

# Links are found by linkify-it (markdown-it's link finder): http(s) addresses, and bare
# ones starting with "www."; never mail addresses, ftp or scheme-relative links.
_links = LinkifyIt()
for _schema in ("ftp:", "//", "mailto:"):
    _links.add(_schema, None)
_links.set({"fuzzy_email": False, "fuzzy_ip": False})

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_BREAK = Markup("<br>\n")


def normalise_body(body: str | None) -> str:
    """A comment as stored: Windows and old Mac line ends made plain, edges trimmed."""
    return (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _text(segment: str) -> Markup:
    return _BREAK.join(escape(line) for line in segment.split("\n"))


def _link(match) -> Markup | None:
    url = match.url
    if not url.lower().startswith(("http://", "https://")):
        return None
    if not match.schema and not match.text.lower().startswith("www."):
        return None  # "example.org" in a sentence stays text
    return Markup('<a href="{}" rel="{}">{}</a>').format(url, LINK_REL, match.text)


def _paragraph(text: str) -> Markup:
    parts: list[Markup] = []
    position = 0
    for match in _links.match(text) or ():
        link = _link(match)
        if link is None:
            continue
        parts.append(_text(text[position : match.index]))
        parts.append(link)
        position = match.last_index
    parts.append(_text(text[position:]))
    return Markup("<p>{}</p>").format(Markup("").join(parts))


def render_comment(body: str) -> Markup:
    """The comment as HTML paragraphs: escaped, line breaks kept, links clickable."""
    paragraphs = _PARAGRAPH_BREAK.split(normalise_body(body))
    return Markup("\n").join(_paragraph(text) for text in paragraphs if text)
