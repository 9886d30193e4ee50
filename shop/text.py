"""Words the shop reads and makes the same way everywhere: slugs, email addresses and
the unguessable tokens in private links and basket cookies.

Knows no feature: catalogue, journal, newsletter, baskets and staff accounts all use it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

from flask import current_app

# What `new_token` makes (43 characters) and anything a little longer: the shape a
# basket, order or unsubscribe token has. Anything else names nothing, and is turned
# away before it reaches a query.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")
TOKEN_BYTES = 32


def slugify(text: str | None, max_length: int = 120) -> str:
    """A slug made of `text`, at most `max_length` long and never ending in a hyphen:
    'Probiotic Moisturiser, 50 ml' -> 'probiotic-moisturiser-50-ml',
    'Gut-skin axis, explained' -> 'gut-skin-axis-explained'. Accents are dropped
    ('Rosé' -> 'rose'), and so is any other character without an ASCII form (an en
    dash joins the words it stands between); text with no letter or digit gives ''."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def normalise_email(email: str | None) -> str:
    """The form an email address is stored and compared in: trimmed and lower-case."""
    return (email or "").strip().lower()


def new_token() -> str:
    """A fresh unguessable token for a private link or a cookie (256 bits, URL-safe)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_token(value: str | None) -> bool:
    """True when `value` has the shape of a token `new_token` makes."""
    return bool(value) and TOKEN_PATTERN.fullmatch(value) is not None


def token_hash(token: str, purpose: str) -> str:
    """The stored form of a private link's token: an HMAC keyed from SECRET_KEY and
    `purpose` (each kind of link its own), so a copy of the database opens no link.
    Looked up by it, so there is no per-row salt."""
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    key = hmac.new(secret, f"token-hash:{purpose}".encode(), hashlib.sha256).digest()
    return hmac.new(key, token.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
