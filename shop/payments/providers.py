"""Which payment provider the shop uses, and its gateway."""

from __future__ import annotations

from flask import current_app

from shop.config import payment_provider
from shop.payments.demo import DemoGateway
from shop.payments.gateway import Gateway


def provider_name() -> str:
    """`stripe` or `demo`: the payment provider this shop uses (PAYMENT_PROVIDER, or
    Stripe when a secret key is set; see shop.config.payment_provider)."""
    return payment_provider(current_app.config)


def uses_demo_payments() -> bool:
    """Whether orders are "paid" on the built-in demo page, so nothing real is charged."""
    return provider_name() == "demo"


def get_gateway() -> Gateway:
    """The gateway of the provider in use: Stripe Checkout or the demo provider."""
    if provider_name() == "stripe":
        # Imported only when Stripe is the provider: a demo shop never loads the
        # stripe library.
        from shop.payments.stripe_gateway import StripeGateway

        return StripeGateway.for_app(current_app)
    return DemoGateway()
