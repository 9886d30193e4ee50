"""Orders back-office fixtures: a shop with paid orders made the way shoppers make them.

`demo_shop` takes payments with the built-in demo provider; `stripe_shop` with
Stripe, through the real `stripe` library talking to the local Stripe-compatible
server (`fake`). Both send email over SMTP to `smtp_server`. Orders are bought
through the shop's own pages (basket, checkout, payment, success page), so they
reach the back office exactly as real ones do.
"""

from __future__ import annotations

import pytest

from tests.helpers.checkout import make_products
from tests.helpers.orders_admin import Shop


@pytest.fixture
def demo_shop(mail_app, smtp_server) -> Shop:
    """The shop with the demo payment provider, sending email to `smtp_server`."""
    return Shop(mail_app, smtp_server, make_products(mail_app))


@pytest.fixture
def stripe_shop(stripe_app, fake, smtp_server) -> Shop:
    """The shop with Stripe (the local `fake`), sending email to `smtp_server`."""
    return Shop(stripe_app, smtp_server, make_products(stripe_app), fake=fake)
