"""Absolute URLs and media URLs for pages, feeds and emails.

A kernel module: it knows no feature. A picture is anything with `filename(width)`
and `width_list` (the catalogue's and the journal's images both are).
"""

from __future__ import annotations

from typing import Protocol

from flask import current_app, g, has_request_context, request, url_for

# A file name that url_for leaves as it is, to find where the media route's URLs begin.
_STAND_IN = "stand-in.webp"


def absolute_url(endpoint: str, **values) -> str:
    """An absolute URL on SHOP_BASE_URL, for links that leave the page: emails, feeds,
    the sitemap, canonical links, Stripe's return pages.

    Never on the request's Host (or X-Forwarded-Host): anyone can send those, and a
    link built on them would send a customer's token to whoever chose the host.
    SHOP_BASE_URL always has a value (check_settings makes sure)."""
    return current_app.config["SHOP_BASE_URL"] + url_for(endpoint, **values)


def _media_url_parts(external: bool):
    """How media URLs begin, and how the route quotes a file name into them.

    A page shows dozens of pictures at several widths each; the route never changes,
    so url_for runs once per request (and per host, should one request be made inside
    another's application context, as emails sent from a task are) instead of once
    per URL."""
    key = (external, request.root_url if has_request_context() else None)
    known = g.setdefault("media_url_parts", {})
    if key not in known:
        if external:
            url = absolute_url("pages.media", filename=_STAND_IN)
        else:
            url = url_for("pages.media", filename=_STAND_IN)
        converter = current_app.url_map.converters["path"](current_app.url_map)
        known[key] = (url.removesuffix(_STAND_IN), converter.to_url)
    return known[key]


class Picture(Protocol):
    width_list: list[int]

    def filename(self, width: int | None = None) -> str: ...


def media_url(image: Picture, width: int | None = None, external: bool = False) -> str:
    prefix, quote = _media_url_parts(external)
    return prefix + quote(image.filename(width))


def image_srcset(image: Picture) -> str:
    prefix, quote = _media_url_parts(False)
    return ", ".join(f"{prefix}{quote(image.filename(w))} {w}w" for w in image.width_list)
