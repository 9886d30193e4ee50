"""Forms of the orders area. Every POST carries a CSRF token through FlaskForm."""

from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from shop.forms import one_line, stripped
from shop.money import PoundsProblem, format_money, parse_pounds
from shop.orders.models import FulfilmentStatus, Order, OrderStatus
from shop.orders.refunds import REASON_MAX_LENGTH, REQUEST_KEY_PATTERN, RefundRequest
from shop.orders.shipping import CARRIERS

TRACKING_MAX_LENGTH = 40
EXPIRED = "The refund form had expired. Check the details and send it again."
NOT_AN_AMOUNT = "Enter the amount in pounds and pence, like 12.50."
REFUND_WORDING = {
    PoundsProblem.EMPTY: "Enter the amount to refund, in pounds.",
    PoundsProblem.NOT_AMOUNT: NOT_AN_AMOUNT,
    PoundsProblem.TOO_PRECISE: NOT_AN_AMOUNT,
    PoundsProblem.TOO_LARGE: NOT_AN_AMOUNT,
    PoundsProblem.TOO_SMALL: "The amount to refund must be more than £0.00.",
}
REFUND_MOST_PENCE = 99_999_999_999  # nine digits of pounds; the order's total caps it anyway


def refund_pence(text: str | None) -> int:
    """An amount to refund typed in pounds ("12.50", "£1,250", "7") as whole pence,
    more than nothing (shop.money.parse_pounds). A ValueError says what is wrong."""
    return parse_pounds(text, least=1, most=REFUND_MOST_PENCE, wording=REFUND_WORDING)


class OrderFilterForm(FlaskForm):
    """The order list's search and filters, read from the query string (no CSRF on a GET)."""

    class Meta:
        csrf = False

    q = StringField(
        "Order number or email",
        validators=[Optional(), Length(max=254)],
        filters=[one_line],
    )
    status = SelectField(
        "Payment",
        choices=[SelectChoice("", "Any")] + [SelectChoice(s.value, s.label) for s in OrderStatus],
        default="",
    )
    fulfilment = SelectField(
        "Shipping",
        choices=[SelectChoice("", "Any")]
        + [SelectChoice(s.value, s.label) for s in FulfilmentStatus],
        default="",
    )
    date_from = DateField("Placed from", validators=[Optional()])
    date_to = DateField("Placed to", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")


class ShipForm(FlaskForm):
    carrier = SelectField(
        "Carrier",
        choices=[SelectChoice(carrier.code, carrier.name) for carrier in CARRIERS.values()],
    )
    tracking_number = StringField(
        "Tracking number",
        validators=[
            Optional(),
            Length(
                max=TRACKING_MAX_LENGTH,
                message=f"A tracking number has at most {TRACKING_MAX_LENGTH} characters.",
            ),
            Regexp(
                r"^[A-Za-z0-9 ]*$",
                message="Use only letters, digits and spaces in the tracking number.",
            ),
        ],
        filters=[one_line],
        description="Leave it empty if the parcel has no tracking.",
    )


class RefundForm(FlaskForm):
    """A refund: the amount in pounds, a note for our records, and what goes back into stock.

    Built per order by `refund_form_for`, which adds one quantity field per line
    (`return_<line id>`) and says how much is left to refund.
    """

    amount = StringField(
        "Amount to refund (£)",
        validators=[InputRequired(message="Enter the amount to refund, in pounds.")],
        filters=[stripped],
    )
    reason = TextAreaField(
        "Reason",
        validators=[
            Optional(),
            Length(max=REASON_MAX_LENGTH, message=f"Keep it to {REASON_MAX_LENGTH} characters."),
        ],
        filters=[stripped],
        description="For our records; the customer does not see it.",
    )
    return_all = BooleanField("Put everything still to return back into stock")
    # A fresh token each time the form is drawn: the idempotency key of the refund it asks for.
    request_key = HiddenField(
        default=lambda: new_request_key(),
        validators=[
            InputRequired(message=EXPIRED),
            Regexp(f"^{REQUEST_KEY_PATTERN.pattern}$", message=EXPIRED),
        ],
    )

    refundable_pence: int = 0
    currency: str = "gbp"
    amount_pence: int = 0
    line_fields: list[tuple[object, str]]  # (order line, field name)
    returnable: dict[int, int]

    def validate_amount(self, field):
        try:
            self.amount_pence = refund_pence(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if self.refundable_pence <= 0:
            raise ValidationError("There is nothing left to refund on this order.")
        if self.amount_pence > self.refundable_pence:
            left = format_money(self.refundable_pence, self.currency)
            raise ValidationError(f"That is more than can be refunded: at most {left} is left.")

    def return_field(self, line):
        return self[f"return_{line.id}"]

    def refund_request(self) -> RefundRequest:
        """What the form asks for, once it has validated."""
        if self.return_all.data:
            restock = {line_id: qty for line_id, qty in self.returnable.items() if qty}
        else:
            restock = {
                line.id: self[name].data for line, name in self.line_fields if self[name].data
            }
        return RefundRequest(
            amount_pence=self.amount_pence,
            reason=self.reason.data or "",
            restock=restock,
            request_key=self.request_key.data or "",
        )


def new_request_key() -> str:
    return secrets.token_urlsafe(24)


def refund_form_for(order: Order, refundable: int, returnable: dict[int, int], **kwargs):
    """The refund form for `order`, with a quantity field for each of its lines."""

    class OrderRefundForm(RefundForm):
        pass

    line_fields = []
    for line in order.lines:
        name = f"return_{line.id}"
        most = returnable.get(line.id, 0)
        setattr(
            OrderRefundForm,
            name,
            IntegerField(
                f"{line.product_name} ({line.size_label}) back into stock",
                default=0,
                validators=[
                    Optional(),
                    NumberRange(
                        min=0,
                        max=most,
                        message=f"Enter a whole number from 0 to {most}.",
                    ),
                ],
            ),
        )
        line_fields.append((line, name))
    form = OrderRefundForm(**kwargs)
    form.refundable_pence = refundable
    form.currency = order.currency
    form.line_fields = line_fields
    form.returnable = returnable
    return form
