"""The contact form (with the newsletter form's bot checks: a honeypot and a signed
stamp of when it was shown) and the staff forms for answering messages."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from shop.contact.models import TOPICS, MessageStatus
from shop.forms import one_line, plain_text, stripped
from shop.newsletter.forms import checked_email

CONTACT_STAMP_SALT = "contact-form"
ORDER_NUMBER = re.compile(r"(?:FB)?-?\s*(\d{6,9})", re.IGNORECASE)


class ContactForm(FlaskForm):
    name = StringField(
        "Your name",
        filters=[one_line],
        validators=[
            DataRequired(message="Please tell us your name."),
            plain_text,
            Length(max=120, message="Please keep your name to 120 characters."),
        ],
    )
    email = StringField("Email address", filters=[stripped])
    order_number = StringField(
        "Order number (optional)",
        filters=[stripped],
        validators=[Optional(), Length(max=20, message="An order number looks like FB-100042.")],
        description="From your order email, like FB-100042.",
    )
    topic = SelectField(
        "What is it about?",
        choices=[SelectChoice("", "Choose a topic")]
        + [SelectChoice(value, label) for value, label in TOPICS.items()],
        default="",
        validate_choice=False,  # validate_topic says it in the shop's words
    )
    message = TextAreaField(
        "Your message",
        filters=[stripped],
        validators=[
            DataRequired(message="Please write your message."),
            plain_text,
            Length(min=10, max=5000, message="Please write between 10 and 5,000 characters."),
        ],
    )
    stamp = HiddenField()
    # The honeypot: hidden from people (and screen readers), filled in by bots.
    website = StringField("Leave this field empty")

    normalised_email: str = ""
    normalised_order_number: str = ""

    def validate_email(self, field):
        self.normalised_email = checked_email(field.data)

    def validate_topic(self, field):
        if field.data not in TOPICS:
            raise ValidationError("Please choose a topic.")

    def validate_order_number(self, field):
        if not field.data:
            return
        match = ORDER_NUMBER.fullmatch(field.data)
        if match is None:
            raise ValidationError("An order number looks like FB-100042.")
        self.normalised_order_number = f"FB-{match[1]}"


# Staff ------------------------------------------------------------------------------


class ReplyForm(FlaskForm):
    body = TextAreaField(
        "Your reply",
        filters=[stripped],
        validators=[
            DataRequired(message="Write the reply."),
            plain_text,
            Length(max=10_000, message="Keep the reply to 10,000 characters."),
        ],
        description="Emailed to the customer as plain text, signed with the shop's name.",
    )


class StatusForm(FlaskForm):
    status = SelectField("Status", choices=[SelectChoice(s.value, s.label) for s in MessageStatus])


class MessageFilterForm(FlaskForm):
    """The message list's filters, read from the query string (no CSRF on a GET)."""

    class Meta:
        csrf = False

    status = SelectField(
        "Status",
        default="",
        choices=[SelectChoice("", "Any status")]
        + [SelectChoice(s.value, s.label) for s in MessageStatus],
    )
    topic = SelectField(
        "Topic",
        default="",
        choices=[SelectChoice("", "Any topic")]
        + [SelectChoice(value, label) for value, label in TOPICS.items()],
    )
    q = StringField(
        "Email, name or order number contains", validators=[Optional(), Length(max=254)]
    )
