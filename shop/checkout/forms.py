"""Checkout forms."""

from flask_wtf import FlaskForm


class CheckoutForm(FlaskForm):
    """The checkout button: the basket itself is read from the database."""
