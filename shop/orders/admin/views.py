"""Order pages of the back office: the list, one order, shipping it and refunding it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from shop.backoffice.access import current_staff, protect_back_office, request_ip
from shop.backoffice.lists import page_of, read_filters
from shop.extensions import db
from shop.money import format_money
from shop.orders import emails, refunds, shipping
from shop.orders.admin.forms import (
    OrderFilterForm,
    ShipForm,
    new_request_key,
    refund_form_for,
)
from shop.orders.models import Order
from shop.orders.services import OrderFilters, order_for_staff, order_search
from shop.promotions.uses import use_of_order

bp = Blueprint("orders_admin", __name__, url_prefix="/admin/orders")
protect_back_office(bp, area="orders")


ORDERS_PER_PAGE = 50

# How the timeline names what happened; anything else is shown by its own name.
EVENT_LABELS = {
    "placed": "Placed",
    "payment_started": "Payment page opened",
    "paid": "Paid",
    "email_queued": "Email queued",
    "email_sent": "Emailed",
    "email_failed": "Email failed",
    "email_skipped": "Email not sent",
    "amount_mismatch": "Amount differs",
    "stock_short": "Stock short",
    "expired": "Payment expired",
    "cancelled": "Cancelled",
    "failed": "Payment failed",
    "shipped": "Shipped",
    "refunded": "Refunded",
    "refund_failed": "Refund refused",
    "promo_held": "Code held",
    "promo_released": "Code given back",
    "promo_final": "Code used",
}


@bp.get("/")
def order_list():
    listing = read_filters(OrderFilterForm(request.args), OrderFilters)
    return render_template(
        "admin/orders/list.html",
        form=listing.form,
        orders=page_of(order_search(listing.filters), ORDERS_PER_PAGE),
        query_args=listing.query_args,
        filtered=listing.filtered,
    ), listing.status


def _order_or_404(order_id: int) -> Order:
    order = order_for_staff(order_id)
    if order is None:
        abort(404)
    return order


def _render_order(
    order: Order,
    *,
    ship_form=None,
    refund_form=None,
    ship_problem: str | None = None,
    refund_problem: str | None = None,
    status: int = 200,
):
    refundable = refunds.refundable_pence(order)
    returnable = refunds.returnable_quantities(order)
    if refund_form is None:
        refund_form = refund_form_for(order, refundable, returnable, formdata=None)
    return render_template(
        "admin/orders/detail.html",
        order=order,
        ship_form=ship_form or ShipForm(formdata=None),
        refund_form=refund_form,
        refundable=refundable,
        returnable=returnable,
        returned=refunds.returned_quantities(order),
        event_labels=EVENT_LABELS,
        ship_problem=ship_problem,
        refund_problem=refund_problem,
        promo_use=use_of_order(order.id) if order.promo_code else None,
    ), status


@bp.get("/<int:order_id>")
def order_detail(order_id: int):
    return _render_order(_order_or_404(order_id))


@bp.post("/<int:order_id>/ship")
def order_ship(order_id: int):
    order = _order_or_404(order_id)
    form = ShipForm()
    if not form.validate():
        return _render_order(order, ship_form=form, status=400)
    actor = current_staff()
    try:
        shipped = shipping.mark_shipped(
            order, form.carrier.data, form.tracking_number.data or "", actor, ip=request_ip()
        )
    except shipping.ShippingError as exc:
        db.session.rollback()
        return _render_order(
            _order_or_404(order_id), ship_form=form, ship_problem=str(exc), status=400
        )
    if not shipped:
        db.session.rollback()
        flash(f"Order {order.number} was already marked as shipped: nothing was changed.", "info")
        return redirect(url_for("orders_admin.order_detail", order_id=order_id), code=303)
    db.session.commit()  # the shipping email is queued once this commits (order_shipped)
    if emails.is_queued(emails.shipping_key(order_id)):
        flash(
            f"Order {order.number} is marked as shipped; the email to {order.email} is on its way.",
            "success",
        )
    else:
        flash(
            f"Order {order.number} is marked as shipped, but the shipping email could not be "
            "sent. See the timeline.",
            "warning",
        )
    return redirect(url_for("orders_admin.order_detail", order_id=order_id), code=303)


@bp.post("/<int:order_id>/refund")
def order_refund(order_id: int):
    order = _order_or_404(order_id)
    refundable = refunds.refundable_pence(order)
    returnable = refunds.returnable_quantities(order)
    form = refund_form_for(order, refundable, returnable)
    if not form.validate():
        return _render_order(order, refund_form=form, status=400)
    actor = current_staff()
    try:
        refund = refunds.refund_order(order, form.refund_request(), actor, ip=request_ip())
    except refunds.AlreadyRefunded:
        db.session.rollback()
        flash("That refund had already been made: nothing more was refunded.", "info")
        return redirect(url_for("orders_admin.order_detail", order_id=order_id), code=303)
    except refunds.RefundError as exc:
        db.session.rollback()
        order = _order_or_404(order_id)
        field = form._fields.get(exc.field) or form.amount
        field.errors = [*field.errors, str(exc)]
        return _render_order(order, refund_form=form, status=400)
    except refunds.RefundFailed as exc:
        db.session.rollback()
        order = _order_or_404(order_id)
        # A refused key cannot be used again: the next try is a new request.
        form.request_key.data = new_request_key()
        problem = f"The payment provider refused the refund, so nothing was refunded: {exc}"
        return _render_order(order, refund_form=form, refund_problem=problem, status=400)
    # The refund is committed, and with it the refund email queued (order_refunded).
    amount = format_money(refund.amount_pence, order.currency)
    if emails.is_queued(emails.refund_key(refund.id)):
        flash(f"Refunded {amount}; the email to {order.email} is on its way.", "success")
    else:
        flash(f"Refunded {amount}, but the refund email could not be sent.", "warning")
    return redirect(url_for("orders_admin.order_detail", order_id=order_id), code=303)
