"""The shop's own pages: which there are, reading and saving them (audited), and their
bodies as safe HTML with the blocks the shop fills in from its settings.

A body is Markdown through the journal's pipeline (`shop.journal.rendering.markdown_html`:
raw HTML off, cleaned by nh3). A line holding only `[[name]]`, for a name in `BLOCKS`,
becomes a block the page draws from the shop's settings (the delivery options the
basket charges, the company details, the cookies the shop sets, how long it keeps
things), so those facts are never typed twice and never go stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from shop.backoffice.audit import changed_values, record_audit
from shop.extensions import db
from shop.journal.rendering import markdown_html
from shop.models import utcnow
from shop.sitepages.models import SitePage


@dataclass(frozen=True)
class PageKind:
    slug: str
    title: str  # the title a page starts with, and its link in the footer


# Every page the footer links to, in its order. Staff write them; the list is the shop's.
PAGES: tuple[PageKind, ...] = (
    PageKind("about", "About us"),
    PageKind("delivery", "Delivery"),
    PageKind("returns", "Returns and refunds"),
    PageKind("faq", "FAQ"),
    PageKind("terms", "Terms of sale"),
    PageKind("privacy", "Privacy notice"),
    PageKind("cookies", "Cookies"),
)
PAGE_SLUGS = frozenset(kind.slug for kind in PAGES)

# What `[[name]]` on a line of its own becomes (templates/sitepages/_blocks.html).
BLOCKS = {
    "delivery-options": "The delivery options, prices and times the basket uses",
    "company-details": "The company's legal name, address, company and VAT numbers, email",
    "cookies": "The cookies the shop sets",
    "retention": "How long the shop keeps each kind of record (from its settings)",
}
_BLOCK = re.compile(r"<p>\s*\[\[\s*([a-z-]+)\s*\]\]\s*</p>")


class PageError(ValueError):
    """What staff sent cannot be saved; says why, for the field `field`."""

    def __init__(self, message: str, field: str = "body"):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Part:
    """A piece of safe HTML, or the name of a block to draw in its place."""

    html: str = ""
    block: str | None = None


def page_parts(markdown: str) -> tuple[Part, ...]:
    """A body as safe HTML pieces and blocks, in order. `[[name]]` for a name that is
    not a block stays as text, so a typo shows on the page rather than vanishing."""
    html = markdown_html(markdown)
    parts: list[Part] = []
    position = 0
    for match in _BLOCK.finditer(html):
        if match.group(1) not in BLOCKS:
            continue
        if match.start() > position:
            parts.append(Part(html=html[position : match.start()]))
        parts.append(Part(block=match.group(1)))
        position = match.end()
    if position < len(html):
        parts.append(Part(html=html[position:]))
    return tuple(parts)


def unknown_blocks(markdown: str) -> list[str]:
    """Names in `[[...]]` on a line of their own that are no block."""
    found = re.findall(r"^\s*\[\[\s*([^\]\n]*?)\s*\]\]\s*$", markdown or "", re.MULTILINE)
    return [name for name in dict.fromkeys(found) if name not in BLOCKS]


def page_for(slug: str) -> SitePage | None:
    """The saved page called `slug`, if it is one of PAGES and has been written."""
    if slug not in PAGE_SLUGS:
        return None
    return db.session.scalar(select(SitePage).where(SitePage.slug == slug))


def all_pages() -> dict[str, SitePage]:
    """Every saved page by slug (one query)."""
    return {page.slug: page for page in db.session.scalars(select(SitePage))}


def sitemap_pages() -> list[tuple[str, object]]:
    """(slug, updated_at) of every written page, in the footer's order."""
    saved = all_pages()
    return [(kind.slug, saved[kind.slug].updated_at) for kind in PAGES if kind.slug in saved]


def kind_of(slug: str) -> PageKind | None:
    return next((kind for kind in PAGES if kind.slug == slug), None)


def _snapshot(page: SitePage) -> dict:
    return {"title": page.title, "summary": page.summary, "body": page.body}


def save_page(slug: str, title: str, summary: str, body: str, actor, *, ip=None) -> bool:
    """Write the page `slug` (made on its first save); audited. False when nothing
    changed. Flushes; the caller commits."""
    kind = kind_of(slug)
    if kind is None:
        raise PageError("There is no such page.", "title")
    unknown = unknown_blocks(body)
    if unknown:
        known = ", ".join(f"[[{name}]]" for name in BLOCKS)
        raise PageError(f"Unknown block [[{unknown[0]}]]: the blocks are {known}.")
    page = page_for(slug)
    after = {"title": title, "summary": summary, "body": body}
    if page is None:
        page = SitePage(slug=slug, **after, updated_at=utcnow())
        db.session.add(page)
        db.session.flush()
        record_audit(
            actor, "page.create", "site_page", page.id, f"Wrote {title}", None, after, ip=ip
        )
        return True
    before, changed = changed_values(_snapshot(page), after)
    if not changed:
        return False
    for name, value in changed.items():
        setattr(page, name, value)
    page.updated_at = utcnow()
    db.session.flush()
    record_audit(
        actor, "page.update", "site_page", page.id, f"Edited {title}", before, changed, ip=ip
    )
    return True
