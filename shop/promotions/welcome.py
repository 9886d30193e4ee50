"""The newsletter's welcome code: a personal, single-use percentage code for each new
subscriber, valid for 30 days, one per email address ever.

The promotion keeps a keyed hash of the address (HMAC-SHA256 with SECRET_KEY), never
the address itself, in a unique column: erasing a subscriber leaves no address behind,
and signing up again with the same address finds the hash and mints nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shop.extensions import db
from shop.models import utcnow
from shop.promotions.models import Promotion, PromotionKind
from shop.text import normalise_email

WELCOME_DAYS = 30
# Letters and digits that cannot be mistaken for one another when typed from an email.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def welcome_key(email: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, normalise_email(email).encode(), hashlib.sha256).hexdigest()


def new_welcome_code() -> str:
    return "WELCOME-" + "".join(secrets.choice(ALPHABET) for _ in range(8))


def issue_welcome_code(email: str) -> Promotion | None:
    """Make the welcome code for a newly confirmed subscriber (flushes, in a savepoint).

    None when NEWSLETTER_WELCOME_PERCENT is 0 or the address has had one before.
    """
    percent = int(current_app.config.get("NEWSLETTER_WELCOME_PERCENT", 0) or 0)
    if percent <= 0:
        return None
    key = welcome_key(email)
    if db.session.scalar(select(Promotion.id).where(Promotion.welcome_key == key)) is not None:
        return None
    now = utcnow()
    promotion = Promotion(
        code=new_welcome_code(),
        name=f"Newsletter welcome: {percent}% off",
        kind=PromotionKind.PERCENT,
        percent_off=min(percent, 100),
        min_spend_pence=0,
        starts_at=now,
        ends_at=now + timedelta(days=WELCOME_DAYS),
        max_uses=1,
        is_active=True,
        uses_reserved=0,
        uses_final=0,
        welcome_key=key,
    )
    try:
        with db.session.begin_nested():  # a confirmation of the same address at once
            db.session.add(promotion)
    except IntegrityError:  # the address (or, rarely, the code) was taken meanwhile
        return None
    return promotion
