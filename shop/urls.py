"""Absolute URLs and media URLs for pages, feeds and emails.

A kernel module: it knows no feature. A picture is anything with `filename(width)`
and `width_list` (the catalogue's and the journal's images both are).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from flask import Flask, current_app, request, url_for

# A file name that url_for leaves as it is, to find where the media route's URLs begin.
_STAND_IN = "stand-in.webp"


def absolute_url(endpoint: str, **values) -> str:
    """An absolute URL on SHOP_BASE_URL, for links that leave the page: emails, feeds,
    the sitemap, canonical links, Stripe's return pages.

    Never on the request's Host (or X-Forwarded-Host): anyone can send those, and a
    link built on them would send a customer's token to whoever chose the host.
    SHOP_BASE_URL always has a value (check_settings makes sure). Not through the kept
    links: emails' links carry customers' tokens, which have no business staying in a
    worker's memory."""
    return current_app.config["SHOP_BASE_URL"] + url_for(endpoint, **values)


def _media_url_parts(external: bool):
    """How media URLs begin, and how the route quotes a file name into them.

    A page shows dozens of pictures at several widths each, and the route never
    changes: the beginning depends only on the app (SHOP_BASE_URL for absolute URLs)
    and the request's root path, so url_for runs once per app and root path instead
    of once per URL. Never the request's host: anyone can send one (and absolute URLs
    are on SHOP_BASE_URL). Outside a request (emails sent from a task) the root is the
    app's own."""
    app = current_app._get_current_object()
    key = (external, _request_root())
    known = app.extensions.setdefault("shop_media_url_parts", {})
    parts = known.get(key)
    if parts is None:
        if external:
            url = absolute_url("pages.media", filename=_STAND_IN)
        else:
            url = url_for("pages.media", filename=_STAND_IN)
        converter = app.url_map.converters["path"](app.url_map)
        parts = known[key] = (url.removesuffix(_STAND_IN), converter.to_url)
    return parts


class Picture(Protocol):
    width_list: list[int]

    def filename(self, width: int | None = None) -> str: ...

    def files(self) -> list[tuple[int, str]]: ...


def media_url(image: Picture, width: int | None = None, external: bool = False) -> str:
    prefix, quote = _media_url_parts(external)
    return prefix + quote(image.filename(width))


def image_srcset(image: Picture) -> str:
    prefix, quote = _media_url_parts(False)
    return ", ".join(f"{prefix}{quote(name)} {width}w" for width, name in image.files())


def picture_urls(image: Picture) -> tuple[str, str]:
    """An <img>'s `src` (the smallest width) and `srcset`, in one call: what
    `media_url(image, image.width_list[0])` and `image_srcset(image)` give."""
    prefix, quote = _media_url_parts(False)
    urls = [(width, prefix + quote(name)) for width, name in image.files()]
    return urls[0][1], ", ".join(f"{url} {width}w" for width, url in urls)


def _request_root() -> str | None:
    """The request's root path (SCRIPT_NAME), or None outside a request. Read from the
    request object itself: through the `request` proxy, with has_request_context() first,
    it took 1.9 us against 0.3, and a page builds dozens of links."""
    try:
        return request._get_current_object().root_path
    except RuntimeError:  # working outside of a request
        return None


# How many links page_url_for keeps per process: every product, shelf and article link
# of a large catalogue, with room to spare. Past it the oldest half goes.
PAGE_URLS_KEPT = 20_000


def page_url_builder(app: Flask) -> Callable[..., str]:
    """`url_for` for the app's templates: a page links to dozens of addresses, each the
    same on every request, and building one through the URL map costs far more than
    finding it again.

    A link is kept once built, by the request's root path, endpoint and values; only
    values that are plain strings, integers or None (which url_for leaves out) are
    kept (anything else, a blueprint-relative endpoint, an `_external`/`_anchor`/
    `_method`/`_scheme` argument, or no request, goes to url_for as it is). The
    addresses depend on the app's URL map alone, which does not change while it runs,
    so nothing kept can go stale. Kept per app (tests make several); `asset_url`, the
    header's account link and a page's own absolute links build theirs with it too
    (`page_url`, `page_absolute_url`); `absolute_url` never does (emails' and
    checkout's links carry tokens)."""
    kept: dict[tuple, str] = {}

    def page_url_for(endpoint: str, /, **values) -> str:
        root = _request_root()
        if endpoint[:1] == "." or root is None:
            return url_for(endpoint, **values)
        key = [root, endpoint]
        for name, value in values.items():
            kind = type(value)
            if (kind is not str and kind is not int and value is not None) or name[:1] == "_":
                return url_for(endpoint, **values)
            key.append(name)
            key.append(value)
        key = tuple(key)
        url = kept.get(key)
        if url is None:
            url = url_for(endpoint, **values)
            if len(kept) >= PAGE_URLS_KEPT:
                for old in list(kept)[: PAGE_URLS_KEPT // 2]:
                    kept.pop(old, None)  # another thread may have dropped it already
            kept[key] = url
        return url

    app.extensions["shop_page_url_for"] = page_url_for
    return page_url_for


def page_url(endpoint: str, /, **values) -> str:
    """`url_for` through the app's kept links (page_url_builder), for helpers that build
    a link on every page; url_for itself for an app without them."""
    builder = current_app.extensions.get("shop_page_url_for")
    if builder is None:
        return url_for(endpoint, **values)
    return builder(endpoint, **values)


def page_absolute_url(endpoint: str, /, **values) -> str:
    """`absolute_url` through the kept links (`page_url`), for what a page shows every
    visitor: its canonical link, breadcrumbs, feed link and structured data. Never for a
    link that carries a customer's token (emails, checkout): those go through
    `absolute_url`, and stay out of the worker's memory."""
    return current_app.config["SHOP_BASE_URL"] + page_url(endpoint, **values)


def canonical_url_of_request() -> str:
    """This page's own address on SHOP_BASE_URL, for base.html's canonical link when
    the page names none ("" without a route). Through the kept links when the route has
    no values, so nothing in it can be a token; `absolute_url` otherwise."""
    real = request._get_current_object()
    if real.endpoint is None:
        return ""
    if not real.view_args:
        return page_absolute_url(real.endpoint)
    return absolute_url(real.endpoint, **real.view_args)
