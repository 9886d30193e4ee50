"""Subscription forms: each action on /account/subscriptions is a POST with CSRF."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from shop.numbers import IdField, WholeNumberField

GONE = "That item is no longer in this subscription."


class ActionForm(FlaskForm):
    """A button with nothing but its CSRF token: skip, resume, cancel, manage payment."""


class IntervalForm(FlaskForm):
    months = WholeNumberField(
        "Deliver",
        validators=[
            InputRequired(message="Please choose how often."),
            NumberRange(1, 12, message="Please choose one of the intervals offered."),
        ],
    )


class QuantityForm(FlaskForm):
    item_id = IdField(validators=[InputRequired(message=GONE)], missing_message=GONE)
    quantity = WholeNumberField(
        "Quantity",
        validators=[
            InputRequired(message="Please enter a quantity."),
            NumberRange(1, 10, message="Choose a quantity from 1 to 10."),
        ],
    )


class PauseForm(FlaskForm):
    resume_on = DateField(
        "Resume on", validators=[InputRequired(message="Please choose a date to resume.")]
    )


class CancelForm(FlaskForm):
    reason = StringField(
        "Why are you cancelling? (optional)",
        validators=[Optional(), Length(max=500, message="Please keep it under 500 characters.")],
    )
