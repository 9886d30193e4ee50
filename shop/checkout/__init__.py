"""Checkout: from basket to paid order, through Stripe Checkout or the demo provider."""

from flask import Blueprint

bp = Blueprint("checkout", __name__)

from shop.checkout import views  # noqa: E402,F401
