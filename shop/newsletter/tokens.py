"""Signed values for the newsletter, made and checked with itsdangerous.

- The **form stamp**: a hidden field holding the time the signup form was
  shown, signed so it cannot be forged. A form sent back sooner than a person
  could fill it in, or without a valid stamp, came from a bot.
- The **confirmation token**: names a pending subscriber and the request it
  confirms, and expires (7 days by default). A newer request (after
  unsubscribing) makes older links stop working.

Both can be signed at a chosen time (``at``, seconds since the epoch), which is
how tests make a token that is already old.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from shop.signing import timestamp_signer

FORM_SALT = "newsletter-signup-form"
CONFIRM_SALT = "newsletter-confirm"


class _Serializer(URLSafeTimedSerializer):
    """A serializer whose signatures carry the time `at` instead of now."""

    def __init__(self, secret_key: str, salt: str, at: float | None = None):
        super().__init__(secret_key, salt=salt)
        self._at = at

    def make_signer(self, salt=None):
        signer = super().make_signer(salt)
        if self._at is not None:
            signer.get_timestamp = lambda: int(self._at)
        return signer


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


# Form stamps --------------------------------------------------------------------


def form_stamp(at: float | None = None, *, salt: str = FORM_SALT) -> str:
    """A signed stamp of the time the form is shown (or `at`). Another form using the
    same bot check passes a `salt` of its own, so one form's stamps mean nothing to
    another."""
    if at is None:
        signer = timestamp_signer(_secret(), salt)
    else:
        signer = TimestampSigner(_secret(), salt=salt)
        signer.get_timestamp = lambda: int(at)
    return signer.sign(b"signup").decode("ascii")


@dataclass(frozen=True)
class StampCheck:
    """What a posted stamp says: forged or missing, too fresh, too old, or fine."""

    valid: bool
    too_fast: bool = False
    expired: bool = False

    @property
    def looks_like_a_bot(self) -> bool:
        return not self.valid or self.too_fast


def check_form_stamp(
    value: str | None,
    *,
    min_seconds: float,
    max_age: int,
    now: float | None = None,
    salt: str = FORM_SALT,
) -> StampCheck:
    now = time.time() if now is None else now
    signer = TimestampSigner(_secret(), salt=salt)
    try:
        _value, signed_at = signer.unsign(
            (value or "").encode("ascii", "replace"), return_timestamp=True
        )
    except SignatureExpired:
        return StampCheck(valid=True, expired=True)
    except BadSignature:
        return StampCheck(valid=False)
    elapsed = now - signed_at.timestamp()
    if elapsed < min_seconds:
        return StampCheck(valid=True, too_fast=True)
    if elapsed > max_age:
        return StampCheck(valid=True, expired=True)
    return StampCheck(valid=True)


# Confirmation tokens ------------------------------------------------------------


def _request_stamp(requested_at: datetime) -> int:
    """The request's time in microseconds: what the database keeps, on SQLite and PostgreSQL."""
    moment = requested_at.astimezone(UTC) if requested_at.tzinfo else requested_at
    delta = moment.replace(tzinfo=None) - datetime(1970, 1, 1)
    return delta // timedelta(microseconds=1)


def confirmation_token(subscriber_id: int, requested_at: datetime, at: float | None = None) -> str:
    return _Serializer(_secret(), CONFIRM_SALT, at).dumps(
        [subscriber_id, _request_stamp(requested_at)]
    )


@dataclass(frozen=True)
class ConfirmationClaim:
    """What a confirmation token says, or why it cannot be used."""

    subscriber_id: int | None = None
    request_stamp: int | None = None
    problem: str | None = None  # "expired" or "invalid"

    def matches(self, requested_at: datetime | None) -> bool:
        return requested_at is not None and self.request_stamp == _request_stamp(requested_at)


def read_confirmation_token(token: str, max_age: int) -> ConfirmationClaim:
    serializer = _Serializer(_secret(), CONFIRM_SALT)
    try:
        data = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        return ConfirmationClaim(problem="expired")
    except BadSignature:
        return ConfirmationClaim(problem="invalid")
    if (
        not isinstance(data, list)
        or len(data) != 2
        or not all(isinstance(item, int) and not isinstance(item, bool) for item in data)
    ):
        return ConfirmationClaim(problem="invalid")
    return ConfirmationClaim(subscriber_id=data[0], request_stamp=data[1])
