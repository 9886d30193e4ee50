"""Payments as the rest of the shop needs them: which order a provider's session pays
for, and recording a paid session, exactly once."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from shop.extensions import db
from shop.orders.lifecycle import record_payment
from shop.orders.models import Order, OrderStatus
from shop.payments.gateway import Address, PaymentSession
from shop.payments.models import DemoPaymentSession
from shop.payments.providers import get_gateway
from shop.text import normalise_email

log = logging.getLogger(__name__)


def find_order_for_session(session: PaymentSession) -> Order | None:
    """The order a provider's session pays for: the one that opened it, or the one its
    metadata names when the shop never heard back about opening it."""
    order = db.session.scalar(select(Order).where(Order.payment_session_id == session.id))
    if order is None and session.order_id is not None:
        order = db.session.get(Order, session.order_id)
        if order is not None and order.payment_session_id not in (None, session.id):
            return None  # metadata pointing at someone else's order
    return order


def record_paid_session(session_id: str) -> Order | None:
    """Ask the payment provider about a checkout session and, if it is paid, record the
    payment of its order, exactly once (commits).

    Called from the webhook and from the success page, possibly both at once, and when
    ending a checkout finds it paid: the order moves from unpaid to paid in one
    conditional UPDATE (shop.orders.lifecycle.record_payment), so only one caller turns
    the reservation into a sale, and only its commit sends order_paid (on which the
    confirmation email is queued). Returns the order (paid or not yet), or None when
    the session is not ours. Raises PaymentError when the provider cannot be asked.
    """
    return record_paid(get_gateway().retrieve_session(session_id))


def record_paid(session: PaymentSession) -> Order | None:
    """record_paid_session for a session the caller has just asked the provider about."""
    order = find_order_for_session(session)
    if order is None:
        log.warning("Payment session %s matches no order", session.id)
        return None
    if not session.is_paid:
        return order
    if not record_payment(order, session):
        db.session.rollback()
        return db.session.get(Order, order.id)
    db.session.commit()
    return order


def order_for_session_id(session_id: str) -> Order | None:
    """The order whose payment session this is, as the shop recorded it (the provider is
    not asked)."""
    return db.session.scalar(select(Order).where(Order.payment_session_id == session_id))


def order_for_demo_session(payment: DemoPaymentSession) -> Order | None:
    """The order a demo payment session is for (None for a payment of something else)."""
    return db.session.get(Order, payment.order_id) if payment.order_id is not None else None


def last_address_for(email: str) -> Address | None:
    """The address the most recent paid order placed with `email` (a signed-in
    customer's verified address, nobody else's) was delivered to, for the demo payment
    page to fill in; None when there is none."""
    email = normalise_email(email)
    if not email:
        return None
    order = db.session.scalar(
        select(Order)
        .where(
            func.lower(Order.email) == email,
            Order.status.in_((OrderStatus.PAID, OrderStatus.REFUNDED)),
            Order.ship_to_line1 != "",
        )
        .order_by(Order.paid_at.desc(), Order.id.desc())
        .limit(1)
    )
    if order is None:
        return None
    return Address(
        name=order.ship_to_name,
        line1=order.ship_to_line1,
        line2=order.ship_to_line2,
        city=order.ship_to_city,
        postcode=order.ship_to_postcode,
        country=order.ship_to_country,
    )
