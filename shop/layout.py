"""The layout's parts that are the same for every visitor, kept between requests.

Every page outside the page cache (the basket, a customer's account pages, the first
visit after a change) renders the header and the footer. Their shelves come from the
database, and the footer's lists of shelves, shop pages and company details took about
90 us of each such page to render. They are made once per generation of the page cache
(`pagecache.cached_fragment`) and request root (their links start with it), and kept
where pages are kept: a change to the catalogue makes a new generation, so a renamed
shelf shows on the next page; company details and shop pages are settings and code,
which only change with a deploy (as cached pages do).

The header's shelf links stay in base.html: they mark the shelf being shown.

A form on every page (the footer's newsletter form) is markup that only code and
settings decide, apart from a visitor's own values (a CSRF token, a signed stamp):
`kept_markup` renders such markup once per process with stand-ins where those values go,
and fills them in for each page. Small forms gain nothing by it (the theme switch
renders in about the time the lookup takes).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from flask import current_app, g, request
from markupsafe import Markup, escape

from shop import pagecache
from shop.catalogue.services import Shelf, navigation_shelves

FOOTER_TEMPLATE = "layout/_footer.html"
PART = "<!--PART-->"  # between its parts: escaping turns any "<" of a value into "&lt;"
# The fragment's name says its shape: a release that changes LayoutParts names it anew,
# so no worker reads one kept by another release.
FRAGMENT = "layout-1"


@dataclass(frozen=True)
class LayoutParts:
    """What the header and the footer show every visitor: plain values and the footer's
    HTML (Markup from the autoescaped template; it pickles as itself)."""

    shelves: list[Shelf]
    footer_shelves: Markup
    footer_about: Markup
    footer_company: Markup


def make_layout_parts() -> LayoutParts:
    """Read the shelves and render the footer's fixed parts. Rendered without the
    request's context processors: nothing in them is a visitor's own value (no marker
    of the page cache can end up in a fragment every visitor gets)."""
    app = current_app._get_current_object()
    shelves = navigation_shelves()
    html = app.jinja_env.get_template(FOOTER_TEMPLATE).render(
        shelves=shelves, shop_name=app.config["SHOP_NAME"]
    )
    # One render cut in three (three renders or macros cost half as much again)
    footer_shelves, footer_about, footer_company = (
        Markup(part.strip())  # noqa: S704 (the autoescaped template's own output)
        for part in html.split(PART)
    )
    return LayoutParts(shelves, footer_shelves, footer_about, footer_company)


def layout() -> LayoutParts:
    """This request's layout parts (templates call `layout()`): from the cache, made
    when it has none under the current generation; read once per request."""
    if "layout_parts" not in g:
        name = FRAGMENT + request.script_root  # "" unless the shop is mounted under a path
        g.layout_parts = pagecache.cached_fragment(name, make_layout_parts)
    return g.layout_parts


def nav_categories() -> list[Shelf]:
    """The shop's shelves (the home page lists them), from the same kept parts."""
    return layout().shelves


def kept_markup(key: Hashable, render: Callable[..., str], values: Sequence[str]) -> Markup:
    """The markup `render(*stand_ins)` makes, with `values` (escaped) where the stand-ins
    were. `render` runs once per process, `key` and request root (links start with the
    root); it must be autoescaped template output that shows each stand-in once, so the
    kept parts are markup and the values are escaped as the template would escape them."""
    app = current_app._get_current_object()
    kept = app.extensions.setdefault("kept_markup", {})
    full_key = (key, request.script_root)
    parts = kept.get(full_key)
    if parts is None:
        parts = kept[full_key] = _split_at_stand_ins(render, len(values))
    pieces = [parts[0]]
    for value, part in zip(values, parts[1:], strict=True):
        pieces += (escape(value), part)
    # Joined as plain strings (Markup.join would escape the kept parts over again).
    return Markup("".join(pieces))  # noqa: S704 (template output and escaped values)


def _split_at_stand_ins(render: Callable[..., str], count: int) -> tuple[str, ...]:
    """What `render` makes around each of its stand-ins, in the order of its arguments
    (hex stand-ins: escaping leaves them as they are)."""
    stand_ins = [secrets.token_hex(16) for _ in range(count)]
    rest = str(render(*stand_ins))
    parts = []
    for stand_in in stand_ins:
        if rest.count(stand_in) != 1:
            raise RuntimeError("kept markup must show each of its values once, in order")
        before, _, rest = rest.partition(stand_in)
        parts.append(before)
    parts.append(rest)
    return tuple(parts)
