"""Stripe's webhook events: reading a verified event, and acting on it once.

Each event type the shop listens for has a small function here that calls the order's
lifecycle (shop.orders.lifecycle) through the payment services: a paid session is
recorded, an expired or failed one releases its order's stock, a refunded charge brings
the order's refunded total in line with Stripe's. A session whose metadata names a
purpose (a booking: shop.payments.purposes) goes to that purpose's handlers instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from shop.extensions import db
from shop.orders.lifecycle import record_provider_refunds, release_unpaid
from shop.orders.models import Order, OrderStatus
from shop.payments.models import PaymentEvent
from shop.payments.providers import get_gateway
from shop.payments.purposes import purpose_of
from shop.payments.recurring import ProviderEvent, handlers
from shop.payments.services import find_order_for_session, record_paid, record_paid_session

WEBHOOK_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
    "invoice.paid",
    "invoice.payment_failed",
    "customer.subscription.updated",
    "customer.subscription.deleted",
}
INVOICE_EVENTS = {"invoice.paid", "invoice.payment_failed"}
SUBSCRIPTION_EVENTS = {"customer.subscription.updated", "customer.subscription.deleted"}
SESSION_EVENTS = {event for event in WEBHOOK_EVENTS if event.startswith("checkout.session.")}
# Stripe's ids are letters, digits and underscores, its event types the same with dots;
# anything else (a NUL, say, which PostgreSQL cannot store) is not one.
_STRIPE_ID = re.compile(r"[A-Za-z0-9_]{1,255}")
_EVENT_TYPE = re.compile(r"[A-Za-z0-9_.]{1,100}")


class MalformedEvent(Exception):
    """A correctly signed webhook event without a field the shop needs; the message says
    which, for the answer and the log."""


@dataclass(frozen=True)
class WebhookEvent:
    """The parts of a Stripe event the shop acts on, checked by `read_event`."""

    id: str
    type: str
    object: dict
    created: datetime | None = None

    @property
    def provider_event(self) -> ProviderEvent:
        return ProviderEvent(self.id, self.type, self.created or datetime.now(UTC))


def _is_stripe_id(value) -> bool:
    return isinstance(value, str) and _STRIPE_ID.fullmatch(value) is not None


def _created(value) -> datetime:
    """An event's `created` (seconds since the epoch) as an aware UTC datetime."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedEvent("the event has no created time")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise MalformedEvent("the event's created time is out of range") from exc


def read_event(event) -> WebhookEvent:
    """Check that a verified event has what acting on it needs, and return those parts.

    Every event needs an id, a type and a `data.object`; the checkout session events
    need the session's id, and `charge.refunded` a payment intent (or none) and a
    refunded amount in pence. The invoice and subscription events need the object's id
    and the event's time (`created`, to tell a late event from a newer one); an invoice
    event, the subscription it bills if it names one. Raises MalformedEvent saying what
    is missing.
    """
    if not isinstance(event, dict):
        raise MalformedEvent("the event is not a JSON object")
    if not _is_stripe_id(event.get("id")):
        raise MalformedEvent("the event has no id")
    event_type = event.get("type")
    if not isinstance(event_type, str) or not _EVENT_TYPE.fullmatch(event_type):
        raise MalformedEvent("the event has no type")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise MalformedEvent("the event has no data.object")
    if event_type in SESSION_EVENTS and not _is_stripe_id(obj.get("id")):
        raise MalformedEvent("data.object has no id")
    if event_type == "charge.refunded":
        intent = obj.get("payment_intent")
        if isinstance(intent, dict):
            intent = intent.get("id")
        if intent is not None and not _is_stripe_id(intent):
            raise MalformedEvent("data.object.payment_intent is not a payment intent id")
        amount = obj.get("amount_refunded", 0)
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise MalformedEvent("data.object.amount_refunded is not a whole number of pence")
    when = None
    if event_type in INVOICE_EVENTS | SUBSCRIPTION_EVENTS:
        if not _is_stripe_id(obj.get("id")):
            raise MalformedEvent("data.object has no id")
        when = _created(event.get("created"))
    if event_type in INVOICE_EVENTS:
        parent = obj.get("parent")
        if parent is not None and not isinstance(parent, dict):
            raise MalformedEvent("data.object.parent is not an object")
        details = (parent or {}).get("subscription_details")
        if details is not None:
            subscription = details.get("subscription") if isinstance(details, dict) else None
            if isinstance(subscription, dict):
                subscription = subscription.get("id")
            if not _is_stripe_id(subscription):
                raise MalformedEvent(
                    "data.object.parent.subscription_details.subscription is not a subscription id"
                )
    return WebhookEvent(id=event["id"], type=event_type, object=obj, created=when)


def handle_payment_event(event: WebhookEvent) -> str:
    """Act on one verified, well-formed webhook event, once (commits). Returns what was
    done, for the log."""
    if db.session.get(PaymentEvent, event.id) is not None:
        return "duplicate"
    act = EVENT_ACTIONS.get(event.type)
    if act is not None:
        outcome = act(event.object)
    elif (recurring := RECURRING_ACTIONS.get(event.type)) is not None:
        outcome = recurring(event)
    else:
        outcome = "ignored"
    db.session.add(PaymentEvent(id=event.id, type=event.type))
    db.session.commit()
    return outcome


def session_paid(session: dict) -> str:
    """checkout.session.completed and .async_payment_succeeded: record the payment, if
    Stripe says the session is paid (a bank payment may still be on its way). A session
    for something other than an order goes to its purpose's handler."""
    purpose = purpose_of(session.get("metadata"))
    if purpose is not None:
        return purpose.paid(session["id"])
    if session.get("mode") == "subscription":
        return _subscription_session_paid(session["id"])
    order = record_paid_session(session["id"])
    return f"order {order.id} {order.status}" if order else "no order"


def session_failed(session: dict) -> str:
    """checkout.session.async_payment_failed: the order ends as failed, its stock back."""
    return _end_unpaid_order(session, OrderStatus.FAILED, "The payment failed.")


def session_expired(session: dict) -> str:
    """checkout.session.expired: the order ends as expired, its stock back."""
    return _end_unpaid_order(session, OrderStatus.EXPIRED, "The payment session expired.")


def _end_unpaid_order(session: dict, status: OrderStatus, reason: str) -> str:
    purpose = purpose_of(session.get("metadata"))
    if purpose is not None:
        return purpose.ended(session["id"])
    # The event is not taken at its word: Stripe is asked how the session stands.
    current = get_gateway().retrieve_session(session["id"])
    order = find_order_for_session(current)
    if order is None or current.is_paid or current.status == "open":
        return "ignored"
    release_unpaid(order, status, reason)
    return f"order {order.id} released"


def charge_refunded(charge: dict) -> str:
    """charge.refunded: bring the order's refunded total in line with Stripe's (refunds
    made at Stripe too)."""
    intent = charge.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    if not intent:
        return "no payment intent"
    order = db.session.scalar(select(Order).where(Order.payment_intent_id == str(intent)))
    if order is None:
        return "no order"
    refunded = min(int(charge.get("amount_refunded") or 0), order.total_pence)
    record_provider_refunds(order, refunded)
    return f"order {order.id} refunded {refunded}"


# Subscriptions -----------------------------------------------------------------------


def _subscription_session_paid(session_id: str) -> str:
    """A subscription-mode session is complete: once Stripe says it is paid, its first
    order is recorded as paid (as any order's) and the subscription it made starts."""
    gateway = get_gateway()
    session = gateway.retrieve_session(session_id)
    order = record_paid(session)
    if order is None:
        return "no order"
    outcome = f"order {order.id} {order.status}"
    registered = handlers()
    if registered is None or not session.is_paid or not session.subscription_id:
        return outcome
    subscription = gateway.retrieve_subscription(session.subscription_id)
    return f"{outcome}, {registered.started(subscription, session)}"


def invoice_event(event: WebhookEvent) -> str:
    """invoice.paid / invoice.payment_failed of a subscription: a renewal paid or failed.
    The invoice is asked of Stripe again; the first invoice is the checkout's own order."""
    registered = handlers()
    if registered is None:
        return "ignored"
    invoice = get_gateway().retrieve_invoice(event.object["id"])
    if invoice.subscription_id is None:
        return "not a subscription's invoice"
    if event.type == "invoice.payment_failed":
        if invoice.status == "paid":
            return "invoice paid since"  # a late report of an attempt a retry made good
        return registered.renewal_failed(invoice, event.provider_event)
    if invoice.status != "paid":
        return f"invoice {invoice.status}"
    if not invoice.is_renewal:
        # subscription_create: its order is the checkout's; others deliver nothing.
        return f"invoice {invoice.billing_reason}: no order"
    return registered.renewal_paid(invoice, event.provider_event)


def subscription_event(event: WebhookEvent) -> str:
    """customer.subscription.updated / .deleted: the shop's record follows Stripe's
    subscription as it is now (ended, or changed)."""
    registered = handlers()
    if registered is None:
        return "ignored"
    subscription = get_gateway().retrieve_subscription(event.object["id"])
    if subscription.is_ended or event.type == "customer.subscription.deleted":
        return registered.ended(subscription, event.provider_event)
    return registered.changed(subscription, event.provider_event)


RECURRING_ACTIONS: dict[str, Callable[[WebhookEvent], str]] = {
    "invoice.paid": invoice_event,
    "invoice.payment_failed": invoice_event,
    "customer.subscription.updated": subscription_event,
    "customer.subscription.deleted": subscription_event,
}


EVENT_ACTIONS: dict[str, Callable[[dict], str]] = {
    "checkout.session.completed": session_paid,
    "checkout.session.async_payment_succeeded": session_paid,
    "checkout.session.async_payment_failed": session_failed,
    "checkout.session.expired": session_expired,
    "charge.refunded": charge_refunded,
}
