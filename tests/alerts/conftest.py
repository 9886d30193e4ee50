"""A shop sending email to the test SMTP server, a member of staff signed in, and the
cream (the products every shopper helper buys) sold out."""

from __future__ import annotations

import pytest

from tests.helpers.checkout import make_products
from tests.helpers.orders_admin import Shop


@pytest.fixture
def shop(mail_app, smtp_server) -> Shop:
    shop = Shop(mail_app, smtp_server, make_products(mail_app))
    shop.sign_in("admin")
    return shop
