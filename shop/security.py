"""Security headers on every response, and no-store on pages holding personal data."""

import hashlib
from collections.abc import Callable

from flask import Flask, abort, make_response, request

from shop.text import normalise_email

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=63072000; includeSubDomains"
HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HEADERS_OVER_HTTPS = (*HEADERS, ("Strict-Transport-Security", HSTS))

# Addresses whose pages hold one person's data (their basket, order, payment, account,
# bookings, newsletter preferences) or the back office: no browser or proxy may keep a
# copy. By address, so a page added under one of them later is covered without asking.
PRIVATE_PATH_PREFIXES = (
    "/admin",
    "/account",
    "/cart",
    "/checkout",
    "/promo/",
    "/orders/",
    "/bookings/",
    "/reviews/new/",
    "/newsletter/confirm/",
    "/newsletter/unsubscribe/",
    "/newsletter/preferences/",
    "/newsletter/leave/",
)


def is_private_path(path: str) -> bool:
    """Whether the page at `path` holds personal data (see PRIVATE_PATH_PREFIXES)."""
    return path.startswith(PRIVATE_PATH_PREFIXES)


def typed_email_key(scope: str) -> Callable[[], str]:
    """A Flask-Limiter key for the email address typed in the request's form, per `scope`
    (sign-in codes, newsletter sign-ups, back-in-stock requests): normalised and hashed,
    never kept as typed."""

    def key() -> str:
        email = normalise_email(request.form.get("email"))[:320]
        return f"{scope}:" + hashlib.sha256(email.encode("utf-8", "replace")).hexdigest()

    return key


def personal_link_page(response):
    """A page reached by a personal link (a token in its address: newsletter confirmation,
    review links, back-in-stock confirmation and unsubscribe): never stored, never
    indexed, and the token never sent on to another site as the Referer."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in items) for key, items in values)


def register_security_headers(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        """No field of the shop takes a NUL character, and PostgreSQL can't store one."""
        # Only the address is checked here: reading form bodies belongs to each view
        # (some raise their own size limits before parsing).
        if "\x00" in request.path:
            abort(404)  # no page has such an address
        if _has_nul(request.args.lists()):
            abort(400, "Requests may not contain NUL characters.")

    @app.after_request
    def add_security_headers(response):
        if is_private_path(request.path):
            response.headers["Cache-Control"] = "no-store"
        # Those a view set itself stay (one pass over the headers: every response,
        # cached pages included, pays for this).
        present = {name.lower() for name, _value in response.headers}
        wanted = HEADERS_OVER_HTTPS if request.is_secure else HEADERS
        response.headers.extend(
            [(name, value) for name, value in wanted if name.lower() not in present]
        )
        return response
