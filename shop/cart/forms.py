"""Basket forms. Prices never come from the browser: only ids and quantities do."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from shop.cart.services import MAX_QUANTITY
from shop.numbers import IdField, WholeNumberField

GONE = "That item is no longer in your basket."


class AddToCartForm(FlaskForm):
    class Meta:
        # CSRFProtect has checked the POST's token before the view runs (as for every
        # POST, shop.extensions.csrf); the form's own token field would only sign a
        # new token for a page that this answer (JSON or a redirect) never shows.
        csrf = False

    variant_id = IdField(
        "Size",
        validators=[InputRequired(message="Please choose a size.")],
        missing_message="Sorry, that product is no longer available.",
    )
    quantity = WholeNumberField(
        "Quantity",
        default=1,
        validators=[
            InputRequired(message="Please enter a quantity."),
            NumberRange(1, MAX_QUANTITY, message=f"Choose a quantity from 1 to {MAX_QUANTITY}."),
        ],
    )
    # Subscribe & save: 0 for a one-time purchase, else a delivery every so many months.
    subscribe_every = WholeNumberField(
        "Delivery",
        default=0,
        validators=[
            Optional(),
            NumberRange(0, 12, message="Please choose one of the delivery options offered."),
        ],
    )
    next = HiddenField()


class UpdateLineForm(FlaskForm):
    line_id = IdField(validators=[InputRequired(message=GONE)], missing_message=GONE)
    quantity = WholeNumberField(
        "Quantity",
        validators=[
            InputRequired(message="Please enter a quantity."),
            NumberRange(0, MAX_QUANTITY, message=f"Choose a quantity from 0 to {MAX_QUANTITY}."),
        ],
    )


class RemoveLineForm(FlaskForm):
    line_id = IdField(validators=[InputRequired(message=GONE)], missing_message=GONE)


class ShippingForm(FlaskForm):
    shipping = RadioField("Delivery", validators=[DataRequired()], validate_choice=False)


class PromoCodeForm(FlaskForm):
    code = StringField(
        "Promo code",
        validators=[
            InputRequired(message="Please enter a code."),
            Length(max=40, message="We don't recognise that code. Please check it and try again."),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


class RemovePromoForm(FlaskForm):
    """The button that takes the code off the basket."""
