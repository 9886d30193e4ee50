"""Account forms. Every POST carries a CSRF token through FlaskForm."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import ValidationError

from shop.accounts.models import CODE_DIGITS
from shop.accounts.services import NAME_MAX_LENGTH
from shop.forms import stripped
from shop.newsletter.forms import checked_email


def _digits_only(value):
    """What people paste: "123 456", "123-456". Only the digits count."""
    if not isinstance(value, str):
        return value
    return "".join(ch for ch in value if not ch.isspace() and ch != "-")


class EmailForm(FlaskForm):
    """The one field of the sign-in page (and of a new address in the settings)."""

    email = StringField("Email address", filters=[stripped])
    next = HiddenField()

    normalised_email: str = ""

    def validate_email(self, field):
        self.normalised_email = checked_email(field.data)


class CodeForm(FlaskForm):
    code = StringField("Code from the email", filters=[_digits_only])

    def validate_code(self, field):
        value = field.data or ""
        if not value:
            raise ValidationError(f"Type the {CODE_DIGITS}-digit code from the email.")
        if len(value) != CODE_DIGITS or not (value.isascii() and value.isdigit()):
            raise ValidationError(f"The code is {CODE_DIGITS} digits, like 123456.")


class SignInButtonForm(FlaskForm):
    """The one button on the page a sign-in link opens (a mail scanner's GET spends
    nothing)."""


class ActionForm(FlaskForm):
    """A button that changes something (sign out, buy again, download)."""


class NameForm(FlaskForm):
    name = StringField("Your name", filters=[stripped])

    def validate_name(self, field):
        value = field.data or ""
        if len(value) > NAME_MAX_LENGTH:
            raise ValidationError(f"Use at most {NAME_MAX_LENGTH} characters.")
        if any(ord(ch) < 32 for ch in value):
            raise ValidationError("Use letters, spaces and punctuation only.")


class DeleteForm(FlaskForm):
    confirm = BooleanField("I understand that my account will be erased and cannot be restored")

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError("Tick the box to confirm that you want your account erased.")
