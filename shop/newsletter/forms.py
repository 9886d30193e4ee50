"""Newsletter forms: signup, preferences, and the staff screens. Every POST carries
a CSRF token through FlaskForm (only the RFC 8058 one-click POST cannot)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from shop.forms import stripped
from shop.newsletter.models import TOPICS, SubscriberStatus

EMAIL_MAX_LENGTH = 254
TOPIC_CHOICES = [SelectChoice(value, label) for value, label in TOPICS.items()]


class TopicsField(SelectMultipleField):
    """Topics as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        known = {choice.value for choice in self.choices}
        if any(value not in known for value in self.data or ()):
            raise ValidationError("Choose from the topics listed.")


def checked_email(value: str | None) -> str:
    """`value` as stored (lower-case, ASCII domain), or ValidationError saying what is wrong."""
    value = value or ""
    if not value:
        raise ValidationError("Please enter your email address.")
    if "\r" in value or "\n" in value:
        raise ValidationError("An email address cannot contain line breaks.")
    if len(value) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            f"That is too long for an email address ({EMAIL_MAX_LENGTH} characters at most)."
        )
    try:
        valid = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValidationError("Please enter an email address like name@example.com.") from exc
    return (valid.ascii_email or valid.normalized).lower()


class SignupForm(FlaskForm):
    email = StringField("Email address", filters=[stripped])
    topics = TopicsField("Topics", choices=TOPIC_CHOICES)
    source = HiddenField(default="page")
    consent_version = HiddenField()
    stamp = HiddenField()
    # The honeypot: hidden from people (and screen readers), filled in by bots.
    website = StringField("Leave this empty")

    normalised_email: str = ""

    def validate_email(self, field):
        self.normalised_email = checked_email(field.data)

    def validate_topics(self, field):
        if not field.data:
            raise ValidationError("Choose at least one topic.")


class ConfirmForm(FlaskForm):
    """The button on the confirmation page (a link scanner's GET confirms nothing)."""


class PreferencesForm(FlaskForm):
    topics = TopicsField("Topics", choices=TOPIC_CHOICES)

    def validate_topics(self, field):
        if not field.data:
            raise ValidationError("Choose at least one topic, or unsubscribe below.")


class LeaveForm(FlaskForm):
    """The one button that unsubscribes from the preference page."""


# Staff --------------------------------------------------------------------------


class CampaignForm(FlaskForm):
    subject = StringField(
        "Subject",
        filters=[stripped],
        validators=[
            DataRequired(message="Write a subject."),
            Length(max=200, message="Keep the subject under 200 characters."),
        ],
    )
    topic = SelectField(
        "Topic",
        choices=TOPIC_CHOICES,
        description="Sent to every confirmed subscriber who chose this topic.",
    )
    body = TextAreaField(
        "Body",
        validators=[
            DataRequired(message="Write the body of the email."),
            Length(max=100_000, message="The body is too long."),
        ],
        description="Markdown. Put {{ product: slug }} on a line of its own to show a "
        "product card with its current price and a “Shop now” link.",
    )


class ActionForm(FlaskForm):
    """A button that changes something (send a test, send, resume, erase, export)."""


class SubscriberFilterForm(FlaskForm):
    """The subscriber list's filters, read from the query string (no CSRF on a GET)."""

    class Meta:
        csrf = False

    q = StringField("Email contains", validators=[Optional(), Length(max=254)])
    status = SelectField(
        "Status",
        default="",
        choices=[SelectChoice("", "Any status")]
        + [SelectChoice(status.value, status.label) for status in SubscriberStatus],
    )
    topic = SelectField(
        "Topic", choices=[SelectChoice("", "Any topic"), *TOPIC_CHOICES], default=""
    )
