"""Stripe Billing for tests: an order whose first delivery starts a subscription, the
account paying for it, and delivering the events the local Stripe server queued.

The shop talks to `FakeStripe` (tests/stripe_server.py) through the real `stripe`
library; the server's test controls (`bill_next_cycle`, `retry_invoice`,
`stop_retrying`, `take_events`) play what Stripe does over time, and `deliver` sends
their events to the shop's webhook, signed, in the order given.
"""

from __future__ import annotations

from dataclasses import dataclass

from shop.accounts.models import Customer
from shop.extensions import db
from shop.orders.models import Order
from shop.payments.customers import paying_customer
from shop.payments.gateway import (
    CheckoutRequest,
    PayingCustomer,
    RecurringLine,
    SubscriptionTerms,
)
from shop.payments.providers import get_gateway
from tests.helpers.checkout import send_event
from tests.helpers.orders import make_order, make_variant

SUBSCRIBE_PRICE = 1530  # £18.00 less 15%


@dataclass(frozen=True)
class Subscribed:
    """What a subscription-mode checkout made: the shop's order and account, and
    Stripe's session, subscription and customer ids."""

    order_id: int
    account_id: int
    session_id: str
    subscription_id: str
    customer_id: str


def subscription_request(app, *, interval_months: int = 2, shipping_pence: int = 395):
    """An order of one subscription line (2 × the subscribe price) and one one-off line
    (1 × £24.50), its stock held, and a checkout request that starts a subscription for
    a new account (its Stripe customer made now). Call inside `app.test_request_context`."""
    recurring = make_variant(on_hand=10, reserved=2, price_pence=SUBSCRIBE_PRICE)
    once = make_variant(on_hand=10, reserved=1, price_pence=2450)
    order = make_order({recurring: 2, once: 1})
    order.shipping_pence = shipping_pence
    order.total_pence = order.subtotal_pence + shipping_pence
    account = Customer(email=f"sub{order.id}@example.com", name="Ada Lovelace")
    db.session.add(account)
    db.session.commit()
    customer = paying_customer(account)
    line = next(line for line in order.lines if line.variant_id == recurring)
    terms = SubscriptionTerms(
        subscription_id=order.id + 1000,
        interval_months=interval_months,
        lines=(RecurringLine(order_line_id=line.id, unit_price_pence=SUBSCRIBE_PRICE),),
        shipping_pence=shipping_pence,
    )
    return checkout_request(order, customer, terms)


def checkout_request(order: Order, customer: PayingCustomer | None, terms) -> CheckoutRequest:
    return CheckoutRequest(
        order=order,
        success_url="http://localhost/checkout/success?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://localhost/cart",
        idempotency_key=f"order-{order.id}-subscribe",
        customer=customer,
        subscription=terms,
    )


def subscribe(app, fake) -> Subscribed:
    """Open a subscription-mode session for a new order and pay it at Stripe (the
    events it queued are left for the test to deliver)."""
    with app.test_request_context():
        request = subscription_request(app)
        session = get_gateway().create_session(request)
        db.session.execute(
            db.update(Order)
            .where(Order.id == request.order.id)
            .values(payment_session_id=session.id, payment_provider="stripe")
        )
        db.session.commit()
        order_id, account_id = request.order.id, request.customer.account_id
        customer_id = request.customer.provider_id
    paid = fake.pay_session(session.id)
    return Subscribed(order_id, account_id, session.id, paid["subscription"], customer_id)


def deliver(client, events: list[dict]) -> list[dict]:
    """Send each event to the shop's webhook, signed, in this order; their answers."""
    answers = []
    for event in events:
        response = send_event(client, event)
        assert response.status_code == 200, (event["type"], response.get_json())
        answers.append(response.get_json())
    return answers
