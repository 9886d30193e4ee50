"""A shop sending email to the test SMTP server, a member of staff signed in, and the
cream (the products every shopper helper buys) sold out."""

from __future__ import annotations

import time

import pytest

from shop.alerts.forms import ALERT_STAMP_SALT
from shop.newsletter.tokens import form_stamp
from tests.helpers.checkout import make_products, set_variant
from tests.helpers.orders_admin import Shop


@pytest.fixture
def shop(mail_app, smtp_server) -> Shop:
    shop = Shop(mail_app, smtp_server, make_products(mail_app))
    shop.sign_in("admin")
    return shop


def stamp(app, seconds: float = 60) -> str:
    with app.app_context():
        return form_stamp(at=time.time() - seconds, salt=ALERT_STAMP_SALT)


def ask(client, app, slug: str, variant_id: int, email: str, **extra):
    data = {"variant_id": str(variant_id), "email": email, "stamp": stamp(app), "website": ""}
    data.update(extra)
    return client.post(f"/products/{slug}/notify", data=data)


def sell_out(app, variant_id: int) -> None:
    set_variant(app, variant_id, on_hand=0, reserved=0)
