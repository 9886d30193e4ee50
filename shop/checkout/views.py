"""Checkout and the pages the payment provider sends the shopper back to."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from sqlalchemy.exc import IntegrityError

from shop.accounts.session import current_customer
from shop.cart.services import remove_code
from shop.cart.views import current_cart, current_shopper
from shop.checkout import services
from shop.checkout.forms import CheckoutForm
from shop.extensions import db, limiter
from shop.orders.models import OrderStatus
from shop.orders.services import order_for_customer
from shop.payments.gateway import PaymentError
from shop.payments.services import order_for_session_id, record_paid_session
from shop.urls import absolute_url

bp = Blueprint("checkout", __name__)


def _urls() -> services.CheckoutUrls:
    success = absolute_url("checkout.success") + "?session_id={CHECKOUT_SESSION_ID}"
    return services.CheckoutUrls(
        success=success,
        cancel_for=lambda order: absolute_url("checkout.cancel", order=order.access_token),
    )


@bp.post("/checkout")
@limiter.limit("20 per minute")
def checkout():
    form = CheckoutForm()
    if not form.validate():
        abort(400)
    cart = current_cart()
    if cart is None:
        flash("Your basket is empty.", "error")
        return redirect(url_for("cart.view_cart"), code=303)
    account = current_customer()
    email = account.email if account is not None else ""
    shopper = current_shopper()
    try:
        services.end_earlier_checkouts(cart, shopper)
        order = services.place_order(
            cart, email=email, client_address=request.remote_addr, shopper=shopper
        )
        db.session.commit()
    except services.EarlierCheckoutPaid as exc:
        flash(str(exc), "success")
        return redirect(url_for("orders.order_status", token=exc.order.access_token), code=303)
    except services.SignInToSubscribe as exc:
        db.session.rollback()
        flash(str(exc), "info")
        return redirect(url_for("account.login", next=url_for("cart.view_cart")), code=303)
    except services.CodeRefused as exc:
        db.session.rollback()
        remove_code(cart)
        db.session.commit()
        flash(str(exc), "error")
        return redirect(url_for("cart.view_cart"), code=303)
    except services.CheckoutError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cart.view_cart"), code=303)
    except IntegrityError:
        # The same basket is already being checked out (a double click).
        db.session.rollback()
        order = services.order_being_checked_out(cart, shopper)
        if order is None:
            raise
    if order.status != OrderStatus.PENDING:
        flash("That checkout has ended. Please try again.", "error")
        return redirect(url_for("cart.view_cart"), code=303)
    try:
        payment_url = services.start_payment(order, _urls(), account)
    except services.CheckoutError as exc:
        flash(str(exc), "error")
        return redirect(url_for("cart.view_cart"), code=303)
    return redirect(payment_url, code=303)


@bp.get("/checkout/success")
def success():
    session_id = request.args.get("session_id", "")[:255]
    if not session_id:
        abort(404)
    try:
        order = record_paid_session(session_id)
    except PaymentError:
        db.session.rollback()
        order = order_for_session_id(session_id)
    if order is None:
        abort(404)
    if order.status == OrderStatus.PAID:
        flash(f"Thank you! Your order {order.number} is confirmed.", "success")
    return redirect(url_for("orders.order_status", token=order.access_token), code=303)


@bp.get("/checkout/cancel")
def cancel():
    order = order_for_customer(request.args.get("order", ""))
    if order is None:
        return redirect(url_for("cart.view_cart"), code=303)
    try:
        order = services.end_checkout(
            order, OrderStatus.CANCELLED, "The shopper left the payment page."
        )
    except PaymentError:
        db.session.rollback()
        flash("We could not reach the payment provider. Your basket is kept.", "error")
        return redirect(url_for("cart.view_cart"), code=303)
    if order.status == OrderStatus.PAID:
        return redirect(url_for("orders.order_status", token=order.access_token), code=303)
    flash("Payment cancelled: nothing was charged and your basket is as you left it.", "info")
    return redirect(url_for("cart.view_cart"), code=303)
