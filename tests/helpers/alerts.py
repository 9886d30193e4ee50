"""Asking to be told when a sold-out size is back, as a shopper's browser does."""

from __future__ import annotations

import time

from shop.alerts.forms import ALERT_STAMP_SALT
from shop.newsletter.tokens import form_stamp
from tests.helpers.checkout import set_variant


def stamp(app, seconds: float = 60) -> str:
    with app.app_context():
        return form_stamp(at=time.time() - seconds, salt=ALERT_STAMP_SALT)


def ask(client, app, slug: str, variant_id: int, email: str, **extra):
    data = {"variant_id": str(variant_id), "email": email, "stamp": stamp(app), "website": ""}
    data.update(extra)
    return client.post(f"/products/{slug}/notify", data=data)


def sell_out(app, variant_id: int) -> None:
    set_variant(app, variant_id, on_hand=0, reserved=0)
