"""Whole-page cache for the storefront's catalogue and journal pages.

Home, listings, search, product and article pages are the same for every visitor
but for a few small things: the CSRF token in their forms, the newsletter form's
signed stamp and the basket count in the header. A page is rendered once with
markers in place of those (`VisitorValue`), kept in the cache (`shop.extensions.cache`:
Redis with REDIS_URL, else files shared by the workers of one machine) for
PAGE_CACHE_SECONDS, and each visitor gets a copy with their own values filled in.

Never cached: anything but a 200 HTML answer to GET or HEAD; a page for a visitor
with flash messages waiting or signed in to the back office; a page whose view set
a cookie. Any committed change to catalogue or journal rows (staff edits, stock
moving at checkout, the demo seed) empties the cache, so shoppers see prices and
stock as they are; what changes by the clock alone (a scheduled article going
live) shows within PAGE_CACHE_SECONDS.

The cache is a help, never a need: when Redis does not answer, the request goes on
without the cache (`read`, `write` and `empty` never raise, and say so in the log at
most once a minute), and the next request tries Redis again. A change committed while
Redis was away empties the cache as soon as it answers.
"""

import hashlib
import hmac
import logging
import re
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from itertools import chain

from flask import Flask, current_app, g, has_app_context, request, session
from flask.globals import request_ctx
from flask_sqlalchemy.session import Session
from flask_wtf.csrf import generate_csrf
from redis.exceptions import RedisError
from sqlalchemy import event

from shop.config import payment_provider
from shop.extensions import cache

log = logging.getLogger(__name__)

CACHED_ENDPOINTS = frozenset(
    {
        "pages.home",
        "catalogue.listing",
        "catalogue.product_detail",
        "journal.index",
        "journal.article",
    }
)
# Rows from these modules are what the cached pages show.
SHOWN_ON_PAGES = ("shop.catalogue.", "shop.journal.")
_STALE = "page_cache_stale"

_visitor_values: dict[str, "VisitorValue"] = {}


@lru_cache(maxsize=8)
def _prefix(secret_key: str) -> str:
    """What every marker starts with: derived from SECRET_KEY, so every worker agrees
    and nobody can put a marker in a page on purpose."""
    digest = hmac.new(secret_key.encode(), b"page-cache-marker", hashlib.sha256).hexdigest()
    return f"pc{digest[:32]}-"


@lru_cache(maxsize=8)
def _marker_pattern(prefix: str) -> re.Pattern:
    return re.compile(re.escape(prefix) + r"([a-z-]+)\.")


def marker(name: str) -> str:
    """The stand-in for a visitor's own value in a cached page: letters, digits, dashes
    and a dot, so nothing in it is ever escaped."""
    return f"{_prefix(current_app.secret_key)}{name}."


class VisitorValue:
    """A value that differs between visitors: rendered as a marker when the page is
    being cached and filled in with `make()` for each visitor."""

    def __init__(self, name: str, make: Callable[[], str]):
        if not re.fullmatch(r"[a-z-]+", name) or name == "csrf":
            raise ValueError(f"a visitor value's name is lower-case letters and dashes: {name!r}")
        self.name = name
        self.make = make
        _visitor_values[name] = self

    def __call__(self) -> str:
        if g.get("page_cache_render"):
            return marker(self.name)
        return self.make()


def _csrf_field() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _page_key() -> str:
    """What a page depends on besides the database. Not the request's host or scheme:
    every absolute link is built on SHOP_BASE_URL, so a page is the same whatever Host
    a request names (and nobody can fill the cache by inventing hosts). The payment
    provider is, so the "demo shop" banner is right on cached pages when it changes; and
    so is the marker prefix (from SECRET_KEY): while a deploy changes the key, workers
    with the new one never read a page whose markers only the old ones can fill in."""
    theme = request.cookies.get("theme")
    parts = [
        _prefix(current_app.secret_key),
        payment_provider(current_app.config),
        request.root_path,
        request.path,
        request.query_string.decode("latin-1"),
        theme if theme in {"light", "dark"} else "",
    ]
    return "page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _is_cacheable_request() -> bool:
    return (
        current_app.config["PAGE_CACHE_SECONDS"] > 0
        and request.endpoint in CACHED_ENDPOINTS
        and request.method in {"GET", "HEAD"}
        and "_flashes" not in session
        and "_user_id" not in session
    )


def serve_cached_page():
    """Before the view: answer from the cache, or set the page up to be cached."""
    if not _is_cacheable_request():
        return None
    key = _page_key()
    g.page_cache_key = key
    body = read(key)
    if body is not None:
        return current_app.response_class(body, mimetype="text/html")
    # Render with markers: Flask-WTF hands out the token it finds in `g`.
    g.page_cache_render = True
    setattr(g, _csrf_field(), marker("csrf"))
    return None


def store_and_personalise(response):
    """After the view: keep a freshly rendered page, then fill in this visitor's values."""
    if "page_cache_key" not in g:
        return response
    if g.pop("page_cache_render", False):
        g.pop(_csrf_field(), None)
        if (
            response.status_code == 200
            and response.mimetype == "text/html"
            and not response.direct_passthrough
            and "Set-Cookie" not in response.headers
            and not _flashed_this_request()
        ):
            write(g.page_cache_key, response.get_data(as_text=True))
    if not response.direct_passthrough:
        # Any answer rendered while markers were handed out (an error page too) has them.
        response.set_data(_fill(response.get_data(as_text=True)))
    return response


def _flashed_this_request() -> bool:
    """Whether the view flashed a message (shown on this page, or waiting for the next)."""
    return "_flashes" in session or bool(request_ctx.flashes)


def _fill(body: str) -> str:
    """Every marker in `body` replaced by this visitor's value, in one pass."""
    values: dict[str, str] = {}

    def value_of(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            if name == "csrf":
                values[name] = generate_csrf()
            elif name in _visitor_values:
                values[name] = _visitor_values[name].make()
            else:
                return match.group(0)
        return values[name]

    return _marker_pattern(_prefix(current_app.secret_key)).sub(value_of, body)


# Emptying the cache when what it shows changes --------------------------------


def _shown_on_pages(cls: type) -> bool:
    return cls.__module__.startswith(SHOWN_ON_PAGES)


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session, flush_context) -> None:
    changed = chain(session.new, session.dirty, session.deleted)
    if any(_shown_on_pages(type(obj)) for obj in changed):
        session.info[_STALE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    """UPDATE and DELETE statements (stock reservations, say) bypass the flush."""
    if state.is_update or state.is_delete:
        mapper = state.bind_arguments.get("mapper")
        if mapper is None or _shown_on_pages(mapper.class_):
            state.session.info[_STALE] = True


@event.listens_for(Session, "after_commit")
def _empty_when_stale(session) -> None:
    if session.info.pop(_STALE, False) and has_app_context():
        empty()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session) -> None:
    session.info.pop(_STALE, None)


def empty() -> None:
    """Forget every cached page and fragment. Never raises: it runs after a commit, which
    stands whether or not the cache answers. When the cache does not, this process reads
    nothing from it until it has been emptied, which it tries again on every request."""
    if current_app.config["PAGE_CACHE_SECONDS"] <= 0:
        return
    _health.empty_pending = True
    _empty_if_pending()


# Reaching the cache ------------------------------------------------------------------

# What the cache's store raises when it cannot be reached: Redis's errors (refused,
# timed out, dropped) and the operating system's (files, sockets).
CACHE_ERRORS = (RedisError, OSError)
LOG_EVERY_SECONDS = 60


class _CacheHealth:
    """This process's view of the cache, so a dead Redis is logged once a minute rather
    than on every request, and its return once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.failing = False
        self.last_logged = float("-inf")
        self.empty_pending = False

    def failed(self, doing: str, error: Exception) -> None:
        if has_app_context():
            g.cache_unreachable = True  # the rest of this request goes without it
        with self.lock:
            self.failing = True
            now = time.monotonic()
            if now - self.last_logged < LOG_EVERY_SECONDS:
                return
            self.last_logged = now
        log.warning(
            "The page cache could not %s (%s: %s); pages are served without it "
            "until it answers again",
            doing,
            type(error).__name__,
            error,
        )

    def answered(self) -> None:
        if not self.failing:
            return
        with self.lock:
            was_failing, self.failing = self.failing, False
            self.last_logged = float("-inf")
        if was_failing:
            log.info("The page cache answers again")


_health = _CacheHealth()


def _reachable() -> bool:
    """False once the cache failed during this request: one wait for a dead Redis is enough."""
    return not g.get("cache_unreachable", False)


def _empty_if_pending() -> bool:
    """Empty the cache if a committed change asked for it; False if it did not answer."""
    if not _health.empty_pending:
        return True
    if not _reachable():
        return False
    try:
        cache.clear()
    except CACHE_ERRORS as error:
        _health.failed("be emptied", error)
        return False
    _health.empty_pending = False
    _health.answered()
    return True


def read(key: str):
    """The cached value of `key`; None when there is none or the cache does not answer."""
    if not _reachable() or not _empty_if_pending():
        return None
    try:
        value = cache.get(key)
    except CACHE_ERRORS as error:
        _health.failed("be read", error)
        return None
    _health.answered()
    return value


def write(key: str, value) -> None:
    """Keep `value` under `key` for PAGE_CACHE_SECONDS, when the cache answers."""
    if not _reachable() or not _empty_if_pending():
        return
    try:
        cache.set(key, value)
    except CACHE_ERRORS as error:
        _health.failed("keep a page", error)
        return
    _health.answered()


def register_page_cache(app: Flask) -> None:
    """A cached page is answered before the other before-request steps: those are the
    NUL check and the rate limiter, and neither applies to a page that was already
    answered with a 200 and carries no rate limit (set none on CACHED_ENDPOINTS, or
    take them out of the cache). After-request steps (security headers) run as usual."""
    app.before_request_funcs.setdefault(None, []).insert(0, serve_cached_page)
    app.after_request(store_and_personalise)
