"""One-time sign-in codes and links: made unguessable, kept only as keyed hashes.

A code is six random digits; a link carries 32 random bytes. Neither is stored: the
database holds an HMAC of each, keyed with a key derived from SECRET_KEY, so a copy of
the database alone cannot be used to sign in, nor to try the million six-digit codes
against a stored hash. Codes are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

from shop.accounts.models import CODE_DIGITS

LINK_TOKEN_BYTES = 32


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(secret, b"customer-sign-in-codes", hashlib.sha256).digest()


def new_code() -> str:
    """Six random digits, leading zeros kept."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_link_token() -> str:
    return secrets.token_urlsafe(LINK_TOKEN_BYTES)


def code_hash(email: str, purpose: str, code: str) -> str:
    """The stored form of `code` sent to `email` for `purpose`."""
    message = f"code\n{purpose}\n{email}\n{code}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def link_hash(token: str) -> str:
    """The stored form of a link's token (looked up by it, so no per-row salt)."""
    return hmac.new(_key(), f"link\n{token}".encode(), hashlib.sha256).hexdigest()


def same_code(stored_hash: str, email: str, purpose: str, code: str) -> bool:
    """Whether `code` is the one whose hash is stored, compared in constant time."""
    return hmac.compare_digest(stored_hash, code_hash(email, purpose, code))


def looks_like_code(value: str | None) -> bool:
    return bool(value) and len(value) == CODE_DIGITS and value.isascii() and value.isdigit()


def looks_like_link_token(value: str | None) -> bool:
    return (
        bool(value)
        and 20 <= len(value) <= 100
        and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in value)
    )
