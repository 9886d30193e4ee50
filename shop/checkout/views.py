"""Checkout, payment return pages, the Stripe webhook and the demo payment page."""

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from shop.cart.views import current_cart
from shop.checkout import services
from shop.checkout.forms import CheckoutForm, DemoPaymentForm
from shop.checkout.payments import (
    Address,
    PaymentError,
    WebhookError,
    get_gateway,
    provider_name,
    uses_demo_payments,
)
from shop.extensions import csrf, db, limiter
from shop.orders.models import Order, OrderStatus
from shop.orders.services import order_for_customer
from shop.urls import absolute_url

bp = Blueprint("checkout", __name__)


log = logging.getLogger(__name__)


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
    try:
        services.end_earlier_checkouts(cart)
        order = services.place_order(cart, client_address=request.remote_addr)
        db.session.commit()
    except services.EarlierCheckoutPaid as exc:
        flash(str(exc), "success")
        return redirect(url_for("orders.order_status", token=exc.order.access_token), code=303)
    except services.CheckoutError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cart.view_cart"), code=303)
    except IntegrityError:
        # The same basket is already being checked out (a double click).
        db.session.rollback()
        from shop.cart.services import summarise

        order = services.existing_order(services.checkout_key(cart, summarise(cart)))
        if order is None:
            raise
    if order.status != OrderStatus.PENDING:
        flash("That checkout has ended. Please try again.", "error")
        return redirect(url_for("cart.view_cart"), code=303)
    try:
        payment_url = services.start_payment(order, _urls())
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
        order = services.fulfil_paid_session(session_id)
    except PaymentError:
        db.session.rollback()
        order = db.session.scalar(db.select(Order).filter_by(payment_session_id=session_id))
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


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    """Stripe's events, signature-checked on the raw body; each event acts once."""
    if provider_name() != "stripe":
        abort(404)
    gateway = get_gateway()
    try:
        event = gateway.verify_webhook(
            request.get_data(cache=False), request.headers.get("Stripe-Signature")
        )
    except WebhookError as exc:
        log.info("Refused a webhook: %s", exc)
        return {"error": "invalid signature"}, 400
    try:
        event = services.read_event(event)
    except services.MalformedEvent as exc:
        # Signed by Stripe but not what the shop can act on: say why, and keep a trace.
        log.warning("Refused a malformed webhook event: %s", exc)
        return {"error": "malformed event", "reason": str(exc)}, 400
    try:
        outcome = services.handle_payment_event(event)
    except IntegrityError:
        db.session.rollback()
        outcome = "duplicate"
    except PaymentError:
        db.session.rollback()
        return {"error": "payment provider unavailable, retry later"}, 503
    log.info("Webhook %s %s: %s", event.id, event.type, outcome)
    return {"received": True, "outcome": outcome}


@bp.route("/checkout/demo/<session_id>", methods=["GET", "POST"])
def demo_payment(session_id: str):
    """The demo provider's payment page: clearly a test, no card, nothing charged."""
    if not uses_demo_payments():
        abort(404)
    gateway = get_gateway()
    try:
        payment = gateway.load(session_id[:64])
    except PaymentError:
        abort(404)
    db.session.commit()
    order = db.session.get(Order, payment.order_id)
    form = DemoPaymentForm()
    if payment.status != "open":
        return render_template("checkout/demo_closed.html", payment=payment, order=order), 410
    if request.method == "POST":
        if request.form.get("action") == "cancel":
            return redirect(payment.cancel_url, code=303)
        if form.validate():
            address = Address(
                name=form.name.data,
                line1=form.line1.data,
                line2=form.line2.data or "",
                city=form.city.data,
                postcode=form.postcode.data,
                country="GB",
            )
            try:
                gateway.pay(session_id, email=form.email.data, address=address)
            except PaymentError as exc:
                db.session.rollback()
                flash(str(exc), "error")
                return redirect(url_for("cart.view_cart"), code=303)
            db.session.commit()
            return redirect(payment.success_url.replace("{CHECKOUT_SESSION_ID}", payment.id), 303)
        status = 400
    else:
        status = 200
    return render_template(
        "checkout/demo_payment.html", form=form, payment=payment, order=order
    ), status
