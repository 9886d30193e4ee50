"""The demo payment page's form."""

import re

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


class DemoSimplePaymentForm(FlaskForm):
    """What Stripe's page would collect for a payment with nothing to deliver (a booking)."""

    email = EmailField(
        "Email for your receipt",
        validators=[
            DataRequired(message="Please enter your email address."),
            Length(max=254),
            Email(message="Please enter an email address like name@example.com."),
        ],
    )


class DemoPaymentForm(FlaskForm):
    """What Stripe's page would collect, for the demo provider. No card details."""

    email = EmailField(
        "Email for your receipt",
        validators=[
            DataRequired(message="Please enter your email address."),
            Length(max=254),
            Email(message="Please enter an email address like name@example.com."),
        ],
    )
    name = StringField(
        "Full name",
        validators=[DataRequired(message="Please enter the name to deliver to."), Length(max=200)],
    )
    line1 = StringField(
        "Address line 1",
        validators=[
            DataRequired(message="Please enter the first line of the address."),
            Length(max=200),
        ],
    )
    line2 = StringField("Address line 2 (optional)", validators=[Optional(), Length(max=200)])
    city = StringField(
        "Town or city",
        validators=[DataRequired(message="Please enter the town or city."), Length(max=120)],
    )
    postcode = StringField(
        "Postcode",
        validators=[DataRequired(message="Please enter the postcode."), Length(max=10)],
        filters=[lambda v: " ".join((v or "").upper().split())],
    )

    def validate_postcode(self, field):
        if not UK_POSTCODE.match(field.data or ""):
            raise ValidationError("Please enter a UK postcode, such as SW1A 1AA.")
