"""Forms of the mail area. Every POST carries a CSRF token through FlaskForm."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from shop.mail.admin.services import SHOWN_STATUSES


class RetryForm(FlaskForm):
    """The button that sends a failed email again."""


class MailFilterForm(FlaskForm):
    """Which emails the list shows, read from the query string (no CSRF on a GET)."""

    class Meta:
        csrf = False

    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Waiting and failed")]
        + [SelectChoice(status.value, status.label) for status in SHOWN_STATUSES],
        default="",
    )
