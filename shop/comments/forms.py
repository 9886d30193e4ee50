"""The comment form, with the newsletter form's bot checks: a honeypot field and a
signed stamp of when the form was shown (shop.newsletter.tokens)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField

COMMENT_STAMP_SALT = "comment-form"


class CommentForm(FlaskForm):
    body = TextAreaField("Your comment")
    display_name = StringField("Name shown beside your comments")
    stamp = HiddenField()
    # The honeypot: hidden from people (and screen readers), filled in by bots.
    website = StringField("Leave this empty")


class ReportForm(FlaskForm):
    """The "Report" button under each comment."""
