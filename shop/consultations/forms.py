"""Booking forms. Every POST carries a CSRF token through FlaskForm."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from shop.consultations.slots import parse_slot_key
from shop.forms import stripped
from shop.money import PoundsError, parse_pounds

NOTES_MAX = 2000
SLUG_RULE = Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message="Lower-case letters, digits and hyphens.")


class SlotForm(FlaskForm):
    """A slot's button: the form carries `slot` (the button's value)."""

    slot = StringField("Time", filters=[stripped])

    def validate_slot(self, field):
        if parse_slot_key(field.data) is None:
            raise ValidationError("Please pick one of the times shown.")


class ActionForm(FlaskForm):
    """A button that changes something (cancel, mark a no-show)."""


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DetailsForm(FlaskForm):
    """Who the session is for, and the health notes the mentor reads beforehand."""

    name = StringField(
        "Your name",
        filters=[stripped],
        validators=[DataRequired("Please tell us your name."), Length(max=120)],
    )
    email = EmailField(
        "Your email address",
        filters=[stripped],
        validators=[
            DataRequired("Please enter your email address."),
            Length(max=254),
            Email("Please enter an email address like name@example.com."),
        ],
    )
    concerns = CheckboxesField("Your skin concerns (optional)", choices=[], validate_choice=True)
    notes = TextAreaField(
        "Anything your Skin Mentor should know (optional)",
        filters=[stripped],
        validators=[Length(max=NOTES_MAX, message=f"Please keep this under {NOTES_MAX} letters.")],
    )
    consent = BooleanField(
        "I agree that the clinic keeps these health notes for my session, and erases them "
        "when they are no longer needed or when I erase my account.",
        validators=[InputRequired("Please agree, so your Skin Mentor can read your notes.")],
    )


class StaffBookingForm(DetailsForm):
    """Staff booking for a customer: the same details, a slot, and the consent they gave."""

    slot = StringField("Time", filters=[stripped])
    consent = BooleanField("The customer agreed that we keep these health notes")

    def validate_slot(self, field):
        if parse_slot_key(field.data) is None:
            raise ValidationError("Please pick one of the times shown.")


class StaffCancelForm(FlaskForm):
    refund = BooleanField("Refund what the customer paid")
    reason = StringField("Reason (optional)", filters=[stripped], validators=[Length(max=300)])


class StaffNotesForm(FlaskForm):
    staff_notes = TextAreaField(
        "Private notes (never shown to the customer)",
        filters=[stripped],
        validators=[Length(max=10000)],
    )


class ServiceForm(FlaskForm):
    name = StringField("Name", filters=[stripped], validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        "Address name", filters=[stripped], validators=[DataRequired(), Length(max=120), SLUG_RULE]
    )
    summary = StringField("Summary", filters=[stripped], validators=[Length(max=300)])
    description = TextAreaField("What happens", filters=[stripped], validators=[Length(max=5000)])
    duration_minutes = IntegerField(
        "Duration (minutes)", validators=[InputRequired(), NumberRange(5, 480)]
    )
    buffer_minutes = IntegerField(
        "Buffer after (minutes)", default=10, validators=[InputRequired(), NumberRange(0, 240)]
    )
    price = StringField("Price (£, 0 for free)", filters=[stripped], default="0")
    format = SelectField(
        "Format",
        choices=[SelectChoice("video", "Video call"), SelectChoice("in_person", "In person")],
    )
    location = StringField(
        "Clinic address (in person)", filters=[stripped], validators=[Length(max=300)]
    )
    is_active = BooleanField("Offered to shoppers", default=True)

    price_pence: int = 0

    def validate_price(self, field):
        try:
            self.price_pence = parse_pounds(field.data or "0", most=1_000_000)
        except PoundsError as exc:
            raise ValidationError(str(exc)) from None


class MentorForm(FlaskForm):
    name = StringField("Name", filters=[stripped], validators=[DataRequired(), Length(max=120)])
    bio = TextAreaField("About", filters=[stripped], validators=[Length(max=500)])
    call_url = StringField(
        "Video room link",
        filters=[stripped],
        validators=[Optional(), Length(max=500), URL(message="Please enter a full https:// link.")],
    )
    staff_email = EmailField(
        "Staff account (email, optional)",
        filters=[stripped],
        validators=[Optional(), Length(max=254)],
    )
    is_active = BooleanField("Taking bookings", default=True)


WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class HoursForm(FlaskForm):
    weekday = SelectField(
        "Day", choices=[SelectChoice(str(i), day) for i, day in enumerate(WEEKDAYS)]
    )
    starts = TimeField("From", validators=[InputRequired("Please give a start time.")])
    ends = TimeField("To", validators=[InputRequired("Please give an end time.")])

    def validate_ends(self, field):
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError("The end must be after the start.")


class TimeOffForm(FlaskForm):
    first_day = DateField("First day off", validators=[InputRequired("Please give a date.")])
    last_day = DateField("Last day off", validators=[InputRequired("Please give a date.")])
    reason = StringField("Reason (optional)", filters=[stripped], validators=[Length(max=200)])

    def validate_last_day(self, field):
        if self.first_day.data and field.data and field.data < self.first_day.data:
            raise ValidationError("The last day cannot be before the first.")
