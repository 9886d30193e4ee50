"""The reports' range form, read from the query string (a GET: no CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional, ValidationError

from shop.reports.periods import MAX_RANGE_DAYS, Grain, Preset


class RangeForm(FlaskForm):
    class Meta:
        csrf = False

    range = SelectField(
        "Range",
        choices=[SelectChoice(str(p), p.label) for p in Preset],
        default=str(Preset.LAST_30),
        validators=[Optional()],
    )
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    grain = SelectField(
        "Show by",
        choices=[
            SelectChoice("", "Automatic"),
            *[SelectChoice(str(g), g.value.capitalize()) for g in Grain],
        ],
        default="",
        validators=[Optional()],
    )

    def validate_date_from(self, field):
        if self.range.data == Preset.CUSTOM and not field.data:
            raise ValidationError("Choose the first day of the range.")

    def validate_date_to(self, field):
        if self.range.data != Preset.CUSTOM:
            return
        if not field.data:
            raise ValidationError("Choose the last day of the range.")
        if self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The last day is before the first.")
        if self.date_from.data and (field.data - self.date_from.data).days >= MAX_RANGE_DAYS:
            raise ValidationError(f"Choose a range of at most {MAX_RANGE_DAYS} days.")
