"""Signed values (the session cookie, CSRF tokens, form stamps) made with itsdangerous
objects built once per secret key instead of once per value.

itsdangerous builds a serializer, a signer, its signing algorithm and the key derived
from the secret for every value it signs; Flask does so for every session cookie and
Flask-WTF for every CSRF token. On a page served from the cache that is most of the
work a request does. Here the serializers and signers are kept per process, keyed by
the secret key (with SECRET_KEY_FALLBACKS, in order) and the salt, each signer keeps the
keys it derived, and the HMAC is taken with `hmac.digest` (one call into OpenSSL). What
they produce is byte for byte what the stock classes produce for the same key, salt and
time (tests/test_signing.py compares them), so a cookie or token made by either is
accepted by the other, and a value signed with a fallback key still verifies.

Only secret keys and settings are kept here, nothing of a visitor.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from flask import Flask, current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.signer import HMACAlgorithm

CSRF_SALT = "wtf-csrf-token"  # Flask-WTF's (flask_wtf.csrf.generate_csrf)


class _OneCallHMAC(HMACAlgorithm):
    """itsdangerous' HMAC in one call into OpenSSL when the digest has a name that
    `hmac.digest` knows (sha1, sha256...), as hmac.new(...).digest() otherwise."""

    def __init__(self, digest_method=None):
        super().__init__(digest_method)
        try:
            self._name = self.digest_method().name
        except Exception:  # a digest that cannot be made without data: the stock way
            self._name = None

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        if self._name is None:
            return super().get_signature(key, value)
        return hmac.digest(key, value, self._name)


class _KeptKeysSigner(TimestampSigner):
    """A TimestampSigner that derives the key of each secret once."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("algorithm", _OneCallHMAC(kwargs.get("digest_method")))
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes | None, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        cache_key = (
            secret_key
            if secret_key is None or isinstance(secret_key, bytes)
            else (secret_key.encode())
        )
        derived = self._derived.get(cache_key)
        if derived is None:
            derived = self._derived[cache_key] = super().derive_key(secret_key)
        return derived


class _KeptSignersSerializer(URLSafeTimedSerializer):
    """A URLSafeTimedSerializer whose signers (one per salt) are built once."""

    default_signer = _KeptKeysSigner

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._signers: dict[bytes | str | None, _KeptKeysSigner] = {}

    def make_signer(self, salt=None):
        signer = self._signers.get(salt)
        if signer is None:
            signer = self._signers[salt] = super().make_signer(salt)
        return signer


# Sessions ------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _session_serializer(keys: tuple, salt, serializer, key_derivation, digest_method):
    return _KeptSignersSerializer(
        list(keys),
        salt=salt,
        serializer=serializer,
        signer_kwargs={"key_derivation": key_derivation, "digest_method": digest_method},
    )


# A lasting session's cookie (a basket, a signed-in customer) is signed again, and its
# expiry moved on, when it was signed longer ago than this; Flask signs it again on
# every request (SESSION_REFRESH_EACH_REQUEST). So it lasts PERMANENT_SESSION_LIFETIME
# after the visitor's last request, less this at most.
SESSION_REFRESH_AFTER = timedelta(hours=1)


class KeptSerializerSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with the serializer built once per secret key and
    fallbacks (Flask builds one per request, for reading and again for writing), and a
    lasting session's cookie signed again once it is SESSION_REFRESH_AFTER old instead
    of on every request: signing and writing the cookie was a tenth of a returning
    visitor's add to basket (bench/RESULTS.md, Findings)."""

    def get_signing_serializer(self, app: Flask):
        if not app.secret_key:
            return None
        keys = tuple(app.config["SECRET_KEY_FALLBACKS"] or ()) + (app.secret_key,)
        return _session_serializer(
            keys, self.salt, self.serializer, self.key_derivation, self.digest_method
        )

    def open_session(self, app: Flask, request):
        """Flask's, keeping when the cookie was signed (`signed_at`) beside the values."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        opened = self.session_class(data)
        opened.signed_at = signed_at
        return opened

    def should_set_cookie(self, app: Flask, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or datetime.now(UTC) - signed_at >= SESSION_REFRESH_AFTER


# CSRF tokens ---------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _csrf_serializer(secret_key) -> _KeptSignersSerializer:
    return _KeptSignersSerializer(secret_key, salt=CSRF_SALT)


def generate_csrf() -> str:
    """flask_wtf.csrf.generate_csrf() with the app's settings (WTF_CSRF_SECRET_KEY or
    SECRET_KEY, WTF_CSRF_FIELD_NAME), the same token in `g` and the same raw token in the
    session, signed by a serializer kept per secret key."""
    app = current_app._get_current_object()  # a page asks several times: read proxies once
    config = app.config
    field_name = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    request_g = g._get_current_object()
    token = request_g.get(field_name)
    if token is None:
        secret_key = config.get("WTF_CSRF_SECRET_KEY")
        if secret_key is None:
            secret_key = app.secret_key
        if secret_key is None:
            raise KeyError("A secret key is required to use CSRF.")
        serializer = _csrf_serializer(secret_key)
        if field_name not in session:
            session[field_name] = _raw_token()
        try:
            token = serializer.dumps(session[field_name])
        except TypeError:
            session[field_name] = _raw_token()
            token = serializer.dumps(session[field_name])
        setattr(request_g, field_name, token)
    return token


def _raw_token() -> str:
    # Flask-WTF's raw token, made as it makes it: 64 random bytes (the SHA-1 only
    # shapes them into 40 hex digits).
    return hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324


# Timestamp signers (form stamps) -------------------------------------------------------


@lru_cache(maxsize=32)
def timestamp_signer(secret_key, salt) -> _KeptKeysSigner:
    """A TimestampSigner for `secret_key` and `salt` (itsdangerous' defaults otherwise),
    built once. Never change its attributes: build a TimestampSigner of your own for a
    signature at a chosen time."""
    return _KeptKeysSigner(secret_key, salt=salt)
