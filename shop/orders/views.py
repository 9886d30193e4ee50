"""The order status page, reached by an unguessable token."""

from flask import Blueprint, abort, render_template

from shop.cart.shipping import find_shipping_option
from shop.orders.services import order_for_customer

bp = Blueprint("orders", __name__)


@bp.get("/orders/<token>")
def order_status(token: str):
    order = order_for_customer(token)
    if order is None:
        abort(404)
    # The delivery option's estimate, from the same settings the basket showed.
    delivery = find_shipping_option(order.shipping_code)
    return render_template("orders/order.html", order=order, delivery=delivery)
