"""Subscribe & save in tests: a subscribable supplement, subscribing and paying on the
demo provider's page the way a signed-in customer does, and reading the records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from shop.extensions import db
from shop.models import utcnow
from shop.orders.models import Order
from shop.subscriptions.models import Subscription, SubscriptionOrder
from tests.factories import ProductFactory
from tests.helpers.checkout import add_to_cart
from tests.helpers.mail import ADDRESS


@dataclass(frozen=True)
class SubscribableProducts:
    sachets: int  # Synbiotic Sachets 30, £24.00 (£20.40 on subscription), 20 in stock
    cream: int  # Barrier Cream 50 ml, £18.00, not subscribable


def make_subscribable(app) -> SubscribableProducts:
    with app.app_context():
        sachets = ProductFactory(
            name="Synbiotic Sachets",
            subscribable=True,
            variants__size_label="30 sachets",
            variants__price_pence=2400,
            variants__on_hand=20,
        )
        cream = ProductFactory(
            name="Barrier Cream",
            variants__size_label="50 ml",
            variants__price_pence=1800,
            variants__on_hand=20,
        )
        return SubscribableProducts(sachets.variants[0].id, cream.variants[0].id)


def subscribe_and_pay(
    client, variant_id: int, every: int = 2, quantity: int = 1, email: str = "ada@example.com"
) -> str:
    """Add a subscription line, check out and pay on the demo page (signed in already);
    returns the path of the order's page."""
    add_to_cart(client, variant_id, quantity, subscribe_every=str(every))
    checkout = client.post("/checkout")
    assert checkout.status_code == 303, checkout.status_code
    payment_page = checkout.headers["Location"]
    assert payment_page.startswith("/checkout/demo/"), payment_page
    paid = client.post(payment_page, data={"action": "pay", "email": email, **ADDRESS})
    assert paid.status_code == 303, paid.status_code
    success = client.get(paid.headers["Location"].split("shop.test", 1)[-1])
    assert success.status_code == 303
    return success.headers["Location"]


def only_subscription(app) -> Subscription:
    with app.app_context():
        (subscription,) = db.session.scalars(select(Subscription)).all()
        subscription.items, subscription.events  # noqa: B018 - loaded before detaching
        db.session.expunge_all()
        return subscription


def make_due(app, subscription_id: int, ago: timedelta = timedelta(minutes=1)) -> None:
    with app.app_context():
        db.session.execute(
            update(Subscription)
            .where(Subscription.id == subscription_id)
            .values(next_renewal_at=utcnow() - ago)
        )
        db.session.commit()


def subscription_orders(app, subscription_id: int) -> list[Order]:
    """The orders a subscription made, first delivery first, detached."""
    with app.app_context():
        rows = db.session.scalars(
            select(Order)
            .join(SubscriptionOrder, SubscriptionOrder.order_id == Order.id)
            .where(SubscriptionOrder.subscription_id == subscription_id)
            .order_by(SubscriptionOrder.cycle)
        ).all()
        for order in rows:
            order.lines  # noqa: B018
        db.session.expunge_all()
        return list(rows)
