"""Subscribe & save through Stripe Billing, end to end: the shop's own basket and
checkout open a subscription-mode session for the signed-in customer's Stripe Customer;
Stripe's events (delivered signed, twice, out of order) start the subscription, make one
renewal order per invoice, report a failed payment and the end; the customer's changes
are asked of Stripe and the record follows what Stripe holds.

Stripe is the local Stripe-compatible server, driven by the real `stripe` library.
"""

from __future__ import annotations

import pytest

from shop.extensions import db
from shop.orders.models import Order
from tests.helpers import page
from tests.helpers.accounts import CustomerActions, find_customer
from tests.helpers.billing import deliver
from tests.helpers.checkout import (
    add_to_cart,
    flashes,
    follow,
    post_checkout,
    run_together,
    send_event,
    session_creates,
    session_id_from,
    stock,
)
from tests.helpers.database import POSTGRES_URL
from tests.helpers.subscriptions import make_subscribable, only_subscription, subscription_orders

HOME = {
    "name": "Ada Lovelace",
    "address": {"line1": "12 Example Street", "city": "London", "postal_code": "SW1A 1AA"},
}


@pytest.fixture
def goods(stripe_app):
    return make_subscribable(stripe_app)


@pytest.fixture
def ada(stripe_app, shopper, smtp_server) -> CustomerActions:
    actions = CustomerActions(stripe_app, shopper, smtp_server)
    actions.sign_in("ada@example.com")
    return actions


def start(stripe_app, shopper, fake, goods, every=2):
    """Subscribe to the sachets (plus a one-time cream), pay at Stripe, deliver the
    events twice; the Stripe subscription's id."""
    add_to_cart(shopper, goods.cream, 1)
    add_to_cart(shopper, goods.sachets, 2, subscribe_every=str(every))
    session_id = session_id_from(post_checkout(shopper))
    paid = fake.pay_session(session_id, shipping=HOME)
    events = fake.take_events()
    deliver(shopper, events + events)
    return session_id, paid["subscription"]


def test_checkout_opens_a_subscription_mode_session_for_the_accounts_customer(
    stripe_app, shopper, fake, goods, ada
):
    add_to_cart(shopper, goods.cream, 1)
    add_to_cart(shopper, goods.sachets, 2, subscribe_every="2")
    session_id_from(post_checkout(shopper))

    (created,) = session_creates(fake)
    params = created.params
    assert params["mode"] == "subscription"
    assert params["customer"] == find_customer(stripe_app, "ada@example.com").stripe_customer_id
    recurring = [i for i in params["line_items"] if i["price_data"].get("recurring")]
    # Form-encoded, as Stripe receives them: every value is text.
    (line,) = [i for i in recurring if i["price_data"]["unit_amount"] == "2040"]
    assert line["quantity"] == "2"
    assert line["price_data"]["recurring"] == {"interval": "month", "interval_count": "2"}
    once = [i for i in params["line_items"] if not i["price_data"].get("recurring")]
    assert any(i["price_data"]["unit_amount"] == "1800" for i in once)
    subscription = only_subscription(stripe_app)
    assert subscription.status == "pending"
    assert params["metadata"]["subscription_id"] == str(subscription.id)


def test_the_paid_checkout_starts_the_subscription_and_makes_one_order(
    stripe_app, shopper, fake, goods, ada, smtp_server
):
    _session, sub_id = start(stripe_app, shopper, fake, goods)

    subscription = only_subscription(stripe_app)
    assert subscription.status == "active"
    assert subscription.provider == "stripe"
    assert subscription.provider_subscription_id == sub_id
    assert subscription.items[0].provider_item_id.startswith("si_")
    assert subscription.next_renewal_at is not None
    (first,) = subscription_orders(stripe_app, subscription.id)  # no order for the first invoice
    assert first.status == "paid"
    assert stock(stripe_app, goods.sachets).on_hand == 18
    started = [
        m for m in smtp_server.messages if "subscription has started" in m.message["Subject"]
    ]
    assert len(started) == 1


def test_a_renewal_makes_one_order_whatever_the_events_do(stripe_app, shopper, fake, goods, ada):
    _session, sub_id = start(stripe_app, shopper, fake, goods)
    subscription = only_subscription(stripe_app)

    fake.bill_next_cycle(sub_id)
    events = fake.take_events()
    deliver(shopper, list(reversed(events)))  # out of order
    deliver(shopper, [fake.event(e["id"]) for e in events if e["type"] == "invoice.paid"])

    orders = subscription_orders(stripe_app, subscription.id)
    assert len(orders) == 2
    renewal = orders[1]
    assert renewal.status == "paid" and renewal.payment_provider == "stripe"
    assert [(ln.unit_price_pence, ln.quantity) for ln in renewal.lines] == [(2040, 2)]
    assert renewal.ship_to_postcode == "SW1A 1AA"
    assert stock(stripe_app, goods.sachets).on_hand == 16
    after = only_subscription(stripe_app)
    assert after.next_renewal_at > subscription.next_renewal_at


@pytest.mark.skipif(
    not POSTGRES_URL,
    reason="PostgreSQL, as in production: SQLite refuses a second writer outright "
    "(the webhook answers 500 and Stripe sends the event again)",
)
def test_concurrent_deliveries_of_one_renewal_make_one_order(stripe_app, shopper, fake, goods, ada):
    """Stripe retries and may report one invoice in two events: four deliveries at once
    (the same event twice, and a second event about the same invoice twice) make one
    renewal order and take its stock once."""
    _session, sub_id = start(stripe_app, shopper, fake, goods)
    subscription = only_subscription(stripe_app)

    fake.bill_next_cycle(sub_id)
    (paid,) = fake.take_events("invoice.paid")
    twin = {**paid, "id": paid["id"] + "x"}
    clients = [stripe_app.test_client() for _ in range(4)]
    answers = run_together(
        *(
            lambda client=client, event=event: send_event(client, event)
            for client, event in zip(clients, [paid, paid, twin, twin], strict=True)
        )
    )

    assert all(answer.status_code == 200 for answer in answers)
    assert len(subscription_orders(stripe_app, subscription.id)) == 2
    assert stock(stripe_app, goods.sachets).on_hand == 16


def test_a_failed_renewal_emails_a_card_link_and_the_end_shows(
    stripe_app, shopper, fake, goods, ada, smtp_server
):
    _session, sub_id = start(stripe_app, shopper, fake, goods)
    fake.bill_next_cycle(sub_id, fail=True)
    events = fake.take_events()
    deliver(shopper, events)

    assert only_subscription(stripe_app).status == "past_due"
    (mail,) = [m for m in smtp_server.messages if "could not take" in m.message["Subject"]]
    assert "Update your card: " in mail.text_part()
    with stripe_app.app_context():
        assert db.session.query(Order).count() == 1

    invoice_id = next(e for e in events if e["type"] == "invoice.payment_failed")["data"]["object"][
        "id"
    ]
    fake.stop_retrying(invoice_id, then="canceled")
    deliver(shopper, fake.take_events())
    ended = only_subscription(stripe_app)
    assert ended.status == "cancelled" and ended.next_renewal_at is None


def test_the_customers_changes_are_asked_of_stripe_and_followed(
    stripe_app, shopper, fake, goods, ada
):
    _session, sub_id = start(stripe_app, shopper, fake, goods)
    subscription = only_subscription(stripe_app)
    base = f"/account/subscriptions/{subscription.id}"

    skipped = shopper.post(f"{base}/skip")
    assert "Skipped" in " ".join(flashes(follow(shopper, skipped)))
    (sub, params) = fake.subscription_updates[-1]
    assert sub == sub_id and "trial_end" in params
    deliver(shopper, fake.take_events())
    assert only_subscription(stripe_app).next_renewal_at > subscription.next_renewal_at

    shopper.post(f"{base}/quantity", data={"item_id": subscription.items[0].id, "quantity": 3})
    deliver(shopper, fake.take_events())
    assert only_subscription(stripe_app).items[0].quantity == 3

    html = page(shopper.get("/account/subscriptions"))
    assert html.select_one("form[action$='/payment-method']")
    portal = shopper.post(f"{base}/payment-method")
    assert portal.status_code == 303 and portal.headers["Location"].startswith("http")

    cancelled = shopper.post(f"{base}/cancel", data={"reason": ""})
    assert "Cancelled" in " ".join(flashes(follow(shopper, cancelled)))
    assert fake.subscription_updates[-1][1].get("cancel_at_period_end") in (True, "true")
    deliver(shopper, fake.take_events())
    assert only_subscription(stripe_app).cancel_at_period_end
