"""Promotion forms for staff: what a code gives, its limits and its dates (typed in UK
time, stored in UTC). The basket's own code field is shop.cart.forms.PromoCodeForm."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from shop.forms import stripped
from shop.money import PoundsError, parse_pounds
from shop.numbers import WholeNumberField
from shop.promotions.models import CODE_MAX_LENGTH, Promotion, PromotionKind
from shop.promotions.services import PromotionData
from shop.times import datetime_local_value, uk_to_utc

TIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def read_uk_time(text: str | None) -> datetime | None:
    """A date and time typed in UK time as UTC (None when empty); ValueError says why not."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern in TIME_FORMATS:
        try:
            local = datetime.strptime(text, pattern)
            break
        except ValueError:
            continue
    else:
        raise ValueError("Enter a date and time like 2026-06-05 09:00.")
    return uk_to_utc(local)


def read_pence(text: str | None, *, least: int) -> int | None:
    if not (text or "").strip():
        return None
    try:
        return parse_pounds(text, least=least, most=100_000_00)
    except PoundsError as exc:
        raise ValueError(str(exc)) from exc


class PromotionForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[InputRequired(message="Enter the code."), Length(max=CODE_MAX_LENGTH)],
        filters=[stripped],
        description="What shoppers type; letters, digits, hyphens. Case does not matter.",
    )
    name = StringField(
        "Name shown in the basket",
        validators=[Optional(), Length(max=120)],
        filters=[stripped],
    )
    kind = SelectField(
        "What it gives", choices=[SelectChoice(kind.value, kind.label) for kind in PromotionKind]
    )
    percent_off = WholeNumberField(
        "Percentage off", validators=[Optional(), NumberRange(1, 100, "From 1 to 100.")]
    )
    amount_off = StringField("Amount off (£)", filters=[stripped])
    min_spend = StringField(
        "Minimum spend (£)",
        filters=[stripped],
        description="On the items the code is for, before the discount. Empty for none.",
    )
    starts_at = StringField("Starts (UK time)", filters=[stripped], description="Empty: now.")
    ends_at = StringField("Ends (UK time)", filters=[stripped], description="Empty: never.")
    max_uses = WholeNumberField(
        "Uses in all", validators=[Optional(), NumberRange(1, 1_000_000, "At least 1.")]
    )
    max_uses_per_customer = WholeNumberField(
        "Uses per customer",
        validators=[Optional(), NumberRange(1, 1000, "At least 1.")],
        description="Shoppers must be signed in to use a code limited per customer.",
    )
    first_order_only = BooleanField("First order only (the shopper signs in)")
    product_ids = SelectMultipleField("Only these products", coerce=int, validate_choice=True)
    category_ids = SelectMultipleField("Only these categories", coerce=int, validate_choice=True)
    is_active = BooleanField("Active", default=True)

    amount_off_pence: int | None = None
    min_spend_pence: int = 0
    starts_utc: datetime | None = None
    ends_utc: datetime | None = None

    def validate_amount_off(self, field):
        try:
            self.amount_off_pence = read_pence(field.data, least=1)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if self.kind.data == PromotionKind.AMOUNT and self.amount_off_pence is None:
            raise ValidationError("Enter the amount off, in pounds.")

    def validate_percent_off(self, field):
        if self.kind.data == PromotionKind.PERCENT and not field.data:
            raise ValidationError("Enter the percentage off, from 1 to 100.")

    def validate_min_spend(self, field):
        try:
            self.min_spend_pence = read_pence(field.data, least=0) or 0
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def validate_starts_at(self, field):
        try:
            self.starts_utc = read_uk_time(field.data)
        except (ValueError, OverflowError) as exc:
            raise ValidationError(str(exc)) from exc

    def validate_ends_at(self, field):
        try:
            self.ends_utc = read_uk_time(field.data)
        except (ValueError, OverflowError) as exc:
            raise ValidationError(str(exc)) from exc

    def data_for_service(self) -> PromotionData:
        return PromotionData(
            code=self.code.data or "",
            name=self.name.data or "",
            kind=self.kind.data,
            percent_off=self.percent_off.data,
            amount_off_pence=self.amount_off_pence,
            min_spend_pence=self.min_spend_pence,
            starts_at=self.starts_utc,
            ends_at=self.ends_utc,
            max_uses=self.max_uses.data,
            max_uses_per_customer=self.max_uses_per_customer.data,
            first_order_only=bool(self.first_order_only.data),
            is_active=bool(self.is_active.data),
            product_ids=list(self.product_ids.data or []),
            category_ids=list(self.category_ids.data or []),
        )


def promotion_form(products, categories, promotion: Promotion | None = None, **kwargs):
    """The form for a new code, or filled in from `promotion`."""
    if promotion is not None and "formdata" in kwargs and kwargs["formdata"] is None:
        kwargs.update(
            code=promotion.code,
            name=promotion.name,
            kind=promotion.kind,
            percent_off=promotion.percent_off,
            amount_off=_pounds(promotion.amount_off_pence),
            min_spend=_pounds(promotion.min_spend_pence) if promotion.min_spend_pence else "",
            starts_at=datetime_local_value(promotion.starts_at).replace("T", " "),
            ends_at=datetime_local_value(promotion.ends_at).replace("T", " "),
            max_uses=promotion.max_uses,
            max_uses_per_customer=promotion.max_uses_per_customer,
            first_order_only=promotion.first_order_only,
            is_active=promotion.is_active,
            product_ids=[product.id for product in promotion.products],
            category_ids=[category.id for category in promotion.categories],
        )
    form = PromotionForm(**kwargs)
    form.product_ids.choices = [SelectChoice(p.id, p.name) for p in products]
    form.category_ids.choices = [SelectChoice(c.id, c.name) for c in categories]
    return form


def _pounds(pence: int | None) -> str:
    return "" if pence is None else f"{pence // 100}.{pence % 100:02d}"


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    show = SelectField(
        "Show",
        choices=[
            SelectChoice("", "Codes"),
            SelectChoice("active", "Active codes"),
            SelectChoice("inactive", "Switched off"),
            SelectChoice("welcome", "Newsletter welcome codes"),
        ],
        default="",
    )


class ActiveForm(FlaskForm):
    """The button that switches a code off (active=0) or on again (active=1)."""

    active = HiddenField()
