"""The "Email me when it's back" form (with the newsletter form's bot checks: a honeypot
and a signed stamp of when it was shown) and the confirmation button."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import ValidationError

from shop.forms import stripped
from shop.newsletter.forms import checked_email

ALERT_STAMP_SALT = "stock-alert-form"


class AlertForm(FlaskForm):
    variant_id = IntegerField("Size")
    email = StringField("Email address", filters=[stripped])
    stamp = HiddenField()
    # The honeypot: hidden from people (and screen readers), filled in by bots.
    website = StringField("Leave this field empty")

    normalised_email: str = ""

    def validate_email(self, field):
        self.normalised_email = checked_email(field.data)

    def validate_variant_id(self, field):
        if field.data is None:
            raise ValidationError("Choose the size you are waiting for.")


class ConfirmForm(FlaskForm):
    """The button on the confirmation page (a link scanner's GET confirms nothing)."""
