"""Whole-page cache for the storefront's catalogue and journal pages.

Home, listings, search, product and article pages are the same for every visitor
but for a few small things: the CSRF token in their forms, the newsletter form's
signed stamp and the basket count in the header. A page is rendered once with
markers in place of those (`VisitorValue`), kept in the cache (`shop.extensions.cache`:
Redis with REDIS_URL, else files shared by the workers of one machine) for
PAGE_CACHE_SECONDS, and each visitor gets a copy with their own values filled in. A page is
kept split at its markers, as bytes (`split_page`), so a visitor's copy is one join
(`join_page`); a hit is answered before the view, after one read of the cache that brings
the generation and the page kept under the generation this process saw last (MGET).
Its parts are kept compressed too, one zstd frame each (`compress_parts`), so a browser
that accepts zstd gets them as they are with a small frame per visitor value between
them (`join_frames`) instead of the whole page compressed again for every visitor.

Never cached: anything but a 200 HTML answer to GET or HEAD; a page for a visitor
with flash messages waiting or signed in to the back office; a page whose view set
a cookie.

Which page: the key is made of the cache's generation (below), the marker prefix, the
payment provider, the path, the query string without tracking parameters
(`TRACKING_PARAMETERS`, `utm_*`) in a fixed order, and the theme. Nothing else of the
request may shape a kept page: while a page is rendered for the cache, templates see
the request as the key describes it, and whatever differs between visitors (`session`,
`g`, `current_user`, the raw basket count, the request's cookies, headers and host) is
refused (`NotForCachedPages` during development and tests; in production the page is
served to its visitor but not kept, and the log says why). Per-visitor values reach a
cached page only as `VisitorValue` markers.

Out of date pages: the cache holds one generation, a random token that every page and
fragment key includes. A request reads it once, before the view reads the database, and
keeps its page under it. After a commit that changed rows the pages show (models that
declare `shown_on_pages`; shop.models sends `shop.signals.catalogue_changed`), a new
token is written: one SET, however much the cache holds; older pages are never read
again and expire by their timeout. So a page rendered from rows read before a change
was committed is kept under the token read before that, which the change replaces, and
nobody is served it once the change's token is written. A bump is a fresh token, not
an increment, so concurrent bumps cannot lose one (the file cache has no atomic
increment), and a generation the cache lost starts again as a token no page was ever
kept under. What changes by the clock alone (a scheduled article going live) shows
within PAGE_CACHE_SECONDS.

The cache is a help, never a need: when Redis does not answer, the request goes on
without the cache (`read`, `write` and `invalidate` never raise, and say so in the log
at most once a minute), and the next request tries Redis again. A new generation that
could not be written while Redis was away is written as soon as it answers, before this
process reads or keeps anything in it.
"""

import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar
from urllib.parse import urlencode

from flask import Flask, before_render_template, current_app, g, request, session
from flask.globals import request_ctx
from flask_login import current_user
from redis.exceptions import RedisError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.http import parse_accept_header
from werkzeug.local import LocalProxy

from shop.config import payment_provider
from shop.extensions import cache
from shop.signals import catalogue_changed
from shop.signing import generate_csrf

try:
    from compression import zstd  # Python 3.14
except ImportError:  # before 3.14: the same module from PyPI (tests and bench/ take it from here)
    from backports import zstd

log = logging.getLogger(__name__)

CACHED_ENDPOINTS = frozenset(
    {
        "pages.home",
        "catalogue.listing",
        "catalogue.product_detail",
        "journal.index",
        "journal.article",
        "sitepages.page",
    }
)

# Query parameters that advertising, email and analytics tools add to links into the
# shop. No view reads them (the pages' own are concern, free_from, q, sort, page, tag and
# variant), so a page is the same with or without them: left out of the key, a campaign
# link does not make a new copy of every page it points at. Compared in lower case.
TRACKING_PARAMETERS = frozenset(
    {
        "gclid",  # Google Ads
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "_ga",  # Google Analytics cross-domain linking
        "_gl",
        "fbclid",  # Meta
        "msclkid",  # Microsoft Advertising
        "mc_cid",  # Mailchimp
        "mc_eid",
        "_hsenc",  # HubSpot
        "_hsmi",
        "mkt_tok",  # Marketo
        "igshid",  # Instagram
        "ttclid",  # TikTok
        "twclid",  # X (Twitter)
        "li_fat_id",  # LinkedIn
        "yclid",  # Yandex
    }
)
TRACKING_PREFIXES = ("utm_",)  # utm_source, utm_medium, utm_campaign, utm_term, ...

_visitor_values: dict[str, "VisitorValue"] = {}

# A page is kept split at its markers (`split_page`), with its parts' zstd frames
# (`compress_parts`): the version in the prefix says so, and a page kept in another shape
# by an older release is never read as this one.
PAGE_KEY_PREFIX = "page:parts2:"


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
    being cached and filled in with `make()` for each visitor. The only way such a
    value may reach a cached page."""

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


# Which page: the key -------------------------------------------------------------------


def is_tracking_parameter(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def _page_parameters(args=None) -> list[tuple[str, str]]:
    """The request's query parameters (or `args`) that can change a page: tracking
    parameters left out, the rest ordered by name (so `?a=1&b=2` and `?b=2&a=1` are one
    page). Values of one name keep their order, which a view may depend on."""
    if args is None:
        args = request.args
    if not args:
        return []
    kept = [(n, v) for n, v in args.items(multi=True) if not is_tracking_parameter(n)]
    return sorted(kept, key=lambda pair: pair[0])


def normalised_query(args=None) -> str:
    """The query string of the page this request asks for, as the cache knows it."""
    parameters = _page_parameters(args)
    return urlencode(parameters) if parameters else ""


def _page_key(generation: str | None = None) -> str:
    """What a page depends on besides the database (whose changes replace the
    generation). Not the request's host or scheme: every absolute link is built on
    SHOP_BASE_URL, so a page is the same whatever Host a request names (and nobody can
    fill the cache by inventing hosts). The payment provider is, so the "demo shop"
    banner is right on cached pages when it changes; and so is the marker prefix (from
    SECRET_KEY): while a deploy changes the key, workers with the new one never read a
    page whose markers only the old ones can fill in. Without `generation`, this
    request's (see `current_generation`)."""
    app = current_app._get_current_object()  # each read of a proxy costs a lookup
    real = request._get_current_object()
    theme = real.cookies.get("theme")
    parts = [
        generation if generation is not None else str(current_generation()),
        _prefix(app.secret_key),
        payment_provider(app.config),
        real.root_path,
        real.path,
        normalised_query(real.args),
        theme if theme in {"light", "dark"} else "",
    ]
    return PAGE_KEY_PREFIX + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _is_cacheable_request() -> bool:
    if current_app.config["PAGE_CACHE_SECONDS"] <= 0:
        return False
    real = request._get_current_object()
    if real.endpoint not in CACHED_ENDPOINTS or real.method not in {"GET", "HEAD"}:
        return False
    visitor = session._get_current_object()
    return "_flashes" not in visitor and "_user_id" not in visitor


def serve_cached_page():
    """Before the view: answer from the cache, or set the page up to be cached."""
    if not _is_cacheable_request():
        return None
    generation, key, page = _generation_and_value(_page_key)
    if generation is None:
        return None  # the cache does not answer: render this one for its visitor only
    if page is not None:
        return _answer_from_cache(page)
    g.page_cache_key = key
    # Render with markers: Flask-WTF hands out the token it finds in `g`.
    g.page_cache_render = True
    setattr(g, _csrf_field(), marker("csrf"))
    return None


def _generation_and_value(key_for: Callable[[str], str]) -> tuple[str | None, str | None, object]:
    """This request's generation, the key `key_for` makes of it, and the value kept under
    that key (None when there is none). Mostly one round trip to the cache: the
    generation and the value kept under the generation this process saw last, read
    together (MGET); only when the generation has moved since is the value read again
    under the new one. When this request has read the generation already, only the value
    is read."""
    if "page_cache_generation" in g or not _ready():
        generation = current_generation()
        if generation is None:
            return None, None, None
        key = key_for(generation)
        return generation, key, read(key)
    seen = current_app.extensions.setdefault("page_cache_seen", {})
    guess = seen.get("generation")
    if guess is None:
        generation = current_generation()
        if generation is None:
            return None, None, None
        seen["generation"] = generation
        key = key_for(generation)
        return generation, key, read(key)
    key = key_for(guess)
    try:
        generation, value = cache.get_many(GENERATION_KEY, key)
    except CACHE_ERRORS as error:
        _health.failed("be read", error)
        g.page_cache_generation = None
        return None, None, None
    _health.answered()
    if generation is None:  # the cache lost it: start anew, as current_generation does
        generation = current_generation()
        if generation is None:
            return None, None, None
        value = None
    else:
        g.page_cache_generation = generation
    if generation != guess:
        seen["generation"] = generation
        key = key_for(generation)
        value = read(key)
    return generation, key, value


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
            and not g.get("page_cache_refused")
        ):
            parts, names = split_page(response.get_data(as_text=True))
            write(g.page_cache_key, (parts, names, compress_parts(parts)))
            response.set_data(join_page((parts, names)))
            return response
    if not response.direct_passthrough:
        # Any answer rendered while markers were handed out (an error page too) has them.
        response.set_data(_fill(response.get_data(as_text=True)))
    return response


def _flashed_this_request() -> bool:
    """Whether the view flashed a message (shown on this page, or waiting for the next)."""
    return "_flashes" in session or bool(request_ctx.flashes)


def _fill(body: str) -> str:
    """Every marker in `body` replaced by this visitor's value, in one pass."""
    return join_page(split_page(body)).decode()


def split_page(body: str) -> tuple[tuple[bytes, ...], tuple[str, ...]]:
    """A page as it is kept: its text between the markers (UTF-8) and the names of the
    markers, in order, so that a visitor's copy is only a join (`join_page`). Text that
    looks like a marker but names no visitor value is left as it is."""
    parts: list[bytes] = []
    names: list[str] = []
    start = 0
    for match in _marker_pattern(_prefix(current_app.secret_key)).finditer(body):
        name = match.group(1)
        if name != "csrf" and name not in _visitor_values:
            continue
        parts.append(body[start : match.start()].encode())
        names.append(name)
        start = match.end()
    parts.append(body[start:].encode())
    return tuple(parts), tuple(names)


def join_page(page: tuple) -> bytes:
    """A kept page (its parts and marker names, as `split_page` gives them; anything
    after those is left) with this visitor's values in place of its markers."""
    return _join(page[0], page[1], bytes)


def _join(pieces: tuple[bytes, ...], names: tuple[str, ...], wrap: Callable) -> bytes:
    """`pieces` (a kept page's parts, or their frames) with this visitor's value for
    each marker between them, made once per name and passed through `wrap`."""
    if not names:
        return pieces[0]
    values: dict[str, bytes] = {}
    joined = [pieces[0]]
    for name, piece in zip(names, pieces[1:], strict=True):
        value = values.get(name)
        if value is None:
            made = generate_csrf() if name == "csrf" else _visitor_values[name].make()
            value = values[name] = wrap(made.encode())
        joined.append(value)
        joined.append(piece)
    return b"".join(joined)


# Kept compressed: a browser that accepts zstd gets the kept frames ---------------------
#
# A zstd body may be several frames one after the other (RFC 8878, section 3), decoded as
# one text (browsers do; tests/browser checks Chromium). So each part between markers is
# compressed once, when the page is kept, and a visitor's copy is those frames with a
# frame per visitor value between them: a few small frames per request instead of the
# whole page (Flask-Compress leaves an answer that already has a Content-Encoding).
# Frames cannot refer back to one another, so the framed page is larger than the page
# compressed whole: 6-18% (300-750 bytes) on the bench's and the demo's pages at
# FRAMES_LEVEL, inside the first round trip of a connection (about 14 KB) either way,
# for 0.05-0.08 ms less CPU per hit (bench/RESULTS.md, issue 18's eighth step). A page
# cut into so many parts that framing costs more than FRAMES_AT_MOST times the whole
# page's size (the demo's moisturiser, +25%, and articles with several product cards,
# +50-58%, each card's form with its token) is kept without frames and compressed per
# request as before.

FRAMES_LEVEL = 6  # zstd level for a kept page's parts: once per page and generation
FRAMES_AT_MOST = 1.2  # framed size / the whole page compressed as a request would be

_compressors = threading.local()


def compress_parts(parts: tuple[bytes, ...]) -> tuple[bytes, ...] | None:
    """Each part as a zstd frame (an empty part as nothing), or None when the frames
    would be more than FRAMES_AT_MOST times the size of the page compressed whole, or
    the app does not offer zstd."""
    config = current_app.config
    if "zstd" not in config["COMPRESS_ALGORITHM"]:
        return None
    frames = tuple(zstd.compress(part, level=FRAMES_LEVEL) if part else b"" for part in parts)
    whole = zstd.compress(b"".join(parts), level=config["COMPRESS_ZSTD_LEVEL"])
    if sum(map(len, frames)) > FRAMES_AT_MOST * len(whole):
        return None
    return frames


def join_frames(page: tuple) -> bytes:
    """A kept page's frames with a frame of this visitor's value in place of each
    marker: the page `join_page` makes, as a zstd body."""
    compressor = getattr(_compressors, "compressor", None)
    if compressor is None:
        compressor = _compressors.compressor = zstd.ZstdCompressor(level=1)

    def frame(value: bytes) -> bytes:
        return compressor.compress(value, compressor.FLUSH_FRAME) if value else b""

    return _join(page[2], page[1], frame)


def _answer_from_cache(page: tuple):
    """A kept page for this visitor: its frames when zstd is the encoding Flask-Compress
    would choose for them, else the page (compressed as it leaves, if at all)."""
    app = current_app._get_current_object()
    accept_encoding = request.headers.get("Accept-Encoding", "")
    algorithms = tuple(app.config["COMPRESS_ALGORITHM"])
    if page[2] is not None and _chosen_encoding(algorithms, accept_encoding) == "zstd":
        response = app.response_class(join_frames(page), mimetype="text/html")
        response.headers["Content-Encoding"] = "zstd"
        return response
    return app.response_class(join_page(page), mimetype="text/html")


@lru_cache(maxsize=64)
def _chosen_encoding(algorithms: tuple[str, ...], accept_encoding: str) -> str | None:
    """The encoding of `algorithms` (the app's, in its order of preference) that this
    Accept-Encoding rates highest, a tie going to the earlier one, as Flask-Compress
    chooses; None when it accepts none of them."""
    accepted = parse_accept_header(accept_encoding)
    best = max(algorithms, key=lambda name: accepted.quality(name), default=None)
    return best if best is not None and accepted.quality(best) > 0 else None


# What templates may read while a page is rendered for the cache -------------------------


class NotForCachedPages(Exception):
    """A template read something that differs between visitors while rendering a page
    that is kept for all of them. (Not a RuntimeError: werkzeug's proxies would turn
    that into a quiet False or an empty value.)"""


def _refuse_on_cached_page(what: str) -> None:
    """Stop `what` from reaching a page being rendered for the cache: an error during
    development and tests, so the template is put right; in production the page is
    still served to this visitor, with their own value, but not kept, and the log says
    so."""
    if not g.get("page_cache_render"):
        return
    message = (
        f"{what} differs between visitors, and {request.path} is kept in the page cache "
        "for all of them: show a visitor's own value through a VisitorValue marker"
    )
    if current_app.debug or current_app.testing:
        raise NotForCachedPages(message)
    if not g.get("page_cache_refused"):
        g.page_cache_refused = True
        log.error("%s. The page was served uncached.", message)


def not_on_cached_pages(what: str, get: Callable[[], object]) -> LocalProxy:
    """`get()` for templates, refused while a page is rendered for the cache: for what
    differs between visitors (the session, the basket, the signed-in user)."""

    def lookup():
        _refuse_on_cached_page(what)
        return get()

    return LocalProxy(lookup)


class _RequestAsKeyed:
    """The request as a page rendered for the cache sees it: what the key is made of
    (path, the page's own query parameters in the key's order, endpoint and view
    arguments); its cookies, headers, host, address and the rest are refused."""

    _ALLOWED = frozenset(
        {"path", "root_path", "script_root", "endpoint", "view_args", "url_rule"}
        | {"blueprint", "blueprints"}
    )

    def __init__(self, real):
        self._real = real
        self.args = ImmutableMultiDict(_page_parameters())
        query = urlencode(list(self.args.items(multi=True)))
        self.query_string = query.encode("latin-1")
        self.full_path = f"{real.path}?{query}"

    def __getattr__(self, name: str):
        if name not in self._ALLOWED:
            _refuse_on_cached_page(f"request.{name}")
        return getattr(self._real, name)


def _request_for_templates():
    real = request._get_current_object()  # outside a request: RuntimeError, as Flask's
    if g.get("page_cache_render"):
        if "page_cache_request" not in g:
            g.page_cache_request = _RequestAsKeyed(real)
        return g.page_cache_request
    return real


_TEMPLATE_GLOBALS = {
    "request": LocalProxy(_request_for_templates),
    "session": not_on_cached_pages("session", lambda: session._get_current_object()),
    "g": not_on_cached_pages("g", lambda: g._get_current_object()),
}
_GUARDED_CONTEXT = {
    **_TEMPLATE_GLOBALS,
    "current_user": not_on_cached_pages("current_user", lambda: current_user._get_current_object()),
}


def _guard_context(app: Flask, template, context: dict, **extra) -> None:
    """Just before a page is rendered for the cache, swap what Flask and Flask-Login put
    in its context (`request`, `session`, `g`, `current_user`) for the guarded ones."""
    if g.get("page_cache_render"):
        context.update(_GUARDED_CONTEXT)


# Out of date: the generation -----------------------------------------------------------

GENERATION_KEY = "page-generation"
# Long after any page kept under a generation has expired; and the file cache, which
# removes what expires soonest first when it is full, removes it last.
GENERATION_SECONDS = 30 * 24 * 3600


def _new_generation() -> str:
    return secrets.token_hex(8)


def current_generation() -> str | None:
    """The cache's generation, read once per request (pages and fragments of the request
    are all kept under it); None when the cache is off or does not answer."""
    if "page_cache_generation" not in g:
        g.page_cache_generation = _read_generation()
    return g.page_cache_generation


def _read_generation() -> str | None:
    if current_app.config["PAGE_CACHE_SECONDS"] <= 0 or not _ready():
        return None
    try:
        generation = cache.get(GENERATION_KEY)
        if generation is None:  # the first request, or the cache lost it: start anew
            cache.add(GENERATION_KEY, _new_generation(), timeout=GENERATION_SECONDS)
            generation = cache.get(GENERATION_KEY)
    except CACHE_ERRORS as error:
        _health.failed("be read", error)
        return None
    _health.answered()
    return generation


def invalidate() -> None:
    """Make every cached page and fragment out of date at once: a new generation. Never
    raises: it runs after a commit, which stands whether or not the cache answers. When
    the cache does not, this process reads and keeps nothing in it until the new
    generation is written, which it tries again on every request."""
    if current_app.config["PAGE_CACHE_SECONDS"] <= 0:
        return
    with _health.lock:
        _health.changes_waiting += 1
    _write_generation_if_pending()


@catalogue_changed.connect
def _pages_out_of_date(app, **changes) -> None:
    invalidate()


T = TypeVar("T")


def cached_fragment(name: str, make: Callable[[], T]) -> T:
    """A piece of pages that is the same for every visitor (the header's shelves), kept
    under this request's generation, so a change to what it shows replaces it too. On a
    page the page cache does not keep (the basket, a signed-in customer's pages) the
    generation and the fragment come in one round trip (`_generation_and_value`)."""
    if current_app.config["PAGE_CACHE_SECONDS"] <= 0:
        return make()
    generation, key, value = _generation_and_value(
        lambda generation: f"fragment:{name}:{generation}"
    )
    if generation is None:
        return make()
    if value is None:
        value = make()
        write(key, value)
    return value


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
        # Committed changes whose new generation is not written yet. Counted, not a
        # flag: a write covers the changes waiting when it began, not one that failed
        # to write its own while that write was under way.
        self.changes_waiting = 0

    def failed(self, doing: str, error: Exception) -> None:
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


def _write_generation_if_pending() -> bool:
    """Write the new generation that committed changes asked for; False if the cache did
    not answer (they stay waiting, and the next request tries again)."""
    with _health.lock:
        waiting = _health.changes_waiting
    if not waiting:
        return True
    if g.get("cache_unreachable", False):
        return False
    try:
        cache.set(GENERATION_KEY, _new_generation(), timeout=GENERATION_SECONDS)
    except CACHE_ERRORS as error:
        _health.failed("be told of a change", error)
        return False
    with _health.lock:
        _health.changes_waiting -= waiting
    _health.answered()
    return True


def _ready() -> bool:
    """Whether this request may use the cache: it has not failed during this request
    (one wait for a dead Redis is enough), and no change is waiting to be written."""
    return not g.get("cache_unreachable", False) and _write_generation_if_pending()


def read(key: str):
    """The cached value of `key`; None when there is none or the cache does not answer."""
    if not _ready():
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
    if not _ready():
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
    # Macros imported without context see the globals, templates their context.
    app.jinja_env.globals.update(_TEMPLATE_GLOBALS)
    before_render_template.connect(_guard_context, app)
