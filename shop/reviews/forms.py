"""The review form (from a buyer's personal link), the helpful vote, and the staff forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional

from shop.forms import stripped
from shop.reviews.models import MAX_WEEKS, SKIN_TYPES

RATING_CHOICES = [
    SelectChoice(5, "5 stars: excellent"),
    SelectChoice(4, "4 stars: good"),
    SelectChoice(3, "3 stars: all right"),
    SelectChoice(2, "2 stars: disappointing"),
    SelectChoice(1, "1 star: poor"),
]


def _none_if_empty(value):
    return value or None


class ReviewForm(FlaskForm):
    # The service checks the values; the choices only say what to show.
    rating = RadioField("Your rating", choices=RATING_CHOICES, coerce=int, validate_choice=False)
    title = StringField("Title", filters=[stripped])
    body = TextAreaField("Your review")
    author_name = StringField("Name shown beside your review", filters=[stripped])
    skin_type = SelectField(
        "Skin type (optional)",
        choices=[
            SelectChoice("", "Rather not say"),
            *(SelectChoice(value, label) for value, label in SKIN_TYPES.items()),
        ],
        filters=[_none_if_empty],
        validate_choice=False,
    )
    concern_id = SelectField(
        "Skin concern (optional)",
        coerce=lambda value: int(value) if value not in (None, "") else None,
        validate_choice=False,
    )
    weeks_used = IntegerField(
        "Used it for (weeks, optional)",
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_WEEKS, message=f"Say a number from 1 to {MAX_WEEKS}."),
        ],
    )


class VoteForm(FlaskForm):
    """The "Helpful" button under each review."""


# Staff --------------------------------------------------------------------------


class ActionForm(FlaskForm):
    """A moderation button (approve)."""


class RejectForm(FlaskForm):
    reason = TextAreaField("Reason (kept for staff, not shown)", filters=[stripped])


class ReplyForm(FlaskForm):
    reply = TextAreaField("Reply as the brand (shown under the review)")
