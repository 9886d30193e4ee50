"""Stripe's webhook and the demo provider's payment page."""

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from shop.accounts.session import current_customer
from shop.extensions import csrf, db
from shop.payments import webhooks
from shop.payments.forms import DemoPaymentForm, DemoSimplePaymentForm
from shop.payments.gateway import Address, PaymentError, WebhookError
from shop.payments.providers import get_gateway, provider_name, uses_demo_payments
from shop.payments.services import last_address_for, order_for_demo_session

bp = Blueprint("payments", __name__)

log = logging.getLogger(__name__)


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
        event = webhooks.read_event(event)
    except webhooks.MalformedEvent as exc:
        # Signed by Stripe but not what the shop can act on: say why, and keep a trace.
        log.warning("Refused a malformed webhook event: %s", exc)
        return {"error": "malformed event", "reason": str(exc)}, 400
    try:
        outcome = webhooks.handle_payment_event(event)
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
    order = order_for_demo_session(payment)
    # A payment with nothing to deliver (a booking) asks for no address.
    form = DemoPaymentForm() if order is not None else DemoSimplePaymentForm()
    if payment.status != "open":
        return render_template("payments/demo_closed.html", payment=payment, order=order), 410
    if order is not None and order.email:
        # Placed while signed in: the receipt goes to the account's address, shown but
        # not asked for (as Stripe's page does for a known customer).
        form.email.data = order.email
    if request.method == "GET" and order is not None:
        _fill_in_last_address(form)
    if request.method == "POST":
        if request.form.get("action") == "cancel":
            return redirect(payment.cancel_url, code=303)
        if form.validate():
            address = Address()
            if order is not None:
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
        "payments/demo_payment.html", form=form, payment=payment, order=order
    ), status


def _fill_in_last_address(form: DemoPaymentForm) -> None:
    """Fill in the signed-in customer's last delivery address (from their own most
    recent paid order); a guest gets empty fields."""
    customer = current_customer()
    if customer is None:
        return
    if not form.email.data:
        form.email.data = customer.email
    address = last_address_for(customer.email)
    if address is None:
        return
    form.name.data = address.name
    form.line1.data = address.line1
    form.line2.data = address.line2
    form.city.data = address.city
    form.postcode.data = address.postcode
