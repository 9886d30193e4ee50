"""Stripe Billing through the payment gateway: a checkout that starts a subscription,
the subscription calls a customer's actions make, and the Billing webhook events handed
to the handlers a feature registers (shop.payments.recurring), all through the real
`stripe` library against the local Stripe server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.payments import recurring
from shop.payments.demo import DemoGateway
from shop.payments.gateway import (
    SHIPPING_SKU,
    PaymentError,
    ProviderInvoice,
    ProviderSubscription,
    SubscriptionChange,
)
from shop.payments.models import DemoPaymentSession
from shop.payments.providers import get_gateway
from tests.helpers.billing import (
    SUBSCRIBE_PRICE,
    checkout_request,
    deliver,
    subscribe,
    subscription_request,
)
from tests.helpers.checkout import SESSIONS_PATH, send_event
from tests.stripe_server import make_event

# ------------------------------------------------------------------ the checkout


def test_a_subscription_checkout_is_a_subscription_mode_session(stripe_app, fake):
    with stripe_app.test_request_context():
        request = subscription_request(stripe_app, interval_months=2, shipping_pence=395)
        session = get_gateway().create_session(request)
        order = request.order
        recurring_line = next(
            line for line in order.lines if line.unit_price_pence == SUBSCRIBE_PRICE
        )
        once_line = next(line for line in order.lines if line is not recurring_line)
        expected_metadata = {
            "order_id": str(order.id),
            "order_number": order.number,
            "subscription_id": str(request.subscription.subscription_id),
        }
        customer_id = request.customer.provider_id
        total = order.total_pence

    (sent,) = [r.params for r in fake.requests_for("POST", SESSIONS_PATH)]
    assert sent["mode"] == "subscription"
    assert sent["customer"] == customer_id
    assert "customer_email" not in sent
    # Stripe takes no shipping rates or payment intent data in subscription mode.
    assert "shipping_options" not in sent
    assert "payment_intent_data" not in sent
    assert sent["metadata"] == expected_metadata
    assert sent["subscription_data"]["metadata"] == expected_metadata
    lines = sent["line_items"]
    assert lines[0] == {
        "quantity": "2",
        "price_data": {
            "currency": "gbp",
            "unit_amount": str(SUBSCRIBE_PRICE),
            "recurring": {"interval": "month", "interval_count": "2"},
            "product_data": {
                "name": f"{recurring_line.product_name} ({recurring_line.size_label})",
                "metadata": {"sku": recurring_line.sku},
            },
        },
    }
    assert lines[1]["price_data"]["unit_amount"] == str(once_line.unit_price_pence)
    assert "recurring" not in lines[1]["price_data"]
    # Each renewal's delivery recurs; it is billed on the first invoice too, so no
    # one-off delivery line is left when the first delivery costs the same.
    assert lines[2]["price_data"]["recurring"] == {"interval": "month", "interval_count": "2"}
    assert lines[2]["price_data"]["unit_amount"] == "395"
    assert lines[2]["price_data"]["product_data"]["metadata"] == {"sku": SHIPPING_SKU}
    assert len(lines) == 3
    assert session.amount_total == total  # what Stripe's page charges is the order's total


def test_a_first_delivery_dearer_than_a_renewal_pays_the_difference_once(stripe_app, fake):
    with stripe_app.test_request_context():
        request = subscription_request(stripe_app, shipping_pence=0)
        request.order.shipping_pence = 395
        request.order.total_pence = request.order.subtotal_pence + 395
        session = get_gateway().create_session(request)
        total = request.order.total_pence
    (sent,) = [r.params for r in fake.requests_for("POST", SESSIONS_PATH)]
    delivery = sent["line_items"][-1]["price_data"]
    assert delivery["unit_amount"] == "395"
    assert "recurring" not in delivery
    assert session.amount_total == total


def test_a_subscription_needs_the_customer_stripe_keeps(stripe_app, fake):
    with stripe_app.test_request_context():
        request = subscription_request(stripe_app)
        guest = checkout_request(request.order, None, request.subscription)
        with pytest.raises(PaymentError):
            get_gateway().create_session(guest)
    assert fake.requests_for("POST", SESSIONS_PATH) == []


def test_the_paid_session_names_its_subscription_invoice_and_payment(stripe_app, fake):
    subscribed = subscribe(stripe_app, fake)
    with stripe_app.app_context():
        session = get_gateway().retrieve_session(subscribed.session_id)
        order = db.session.get(Order, subscribed.order_id)
        assert session.is_paid
        assert session.subscription_id == subscribed.subscription_id
        assert session.invoice_id == fake.sessions[subscribed.session_id]["invoice"]
        # The first invoice's payment: what a refund of the first order goes through.
        assert session.payment_intent_id in fake.payment_intents
        assert session.order_id == order.id
        assert session.amount_total == order.total_pence


# ------------------------------------------------------------------ the subscription


def test_the_subscription_as_stripe_holds_it(stripe_app, fake):
    subscribed = subscribe(stripe_app, fake)
    stored = fake.subscriptions[subscribed.subscription_id]
    with stripe_app.app_context():
        subscription = get_gateway().retrieve_subscription(subscribed.subscription_id)
        order = db.session.get(Order, subscribed.order_id)
        skus = {line.unit_price_pence: line.sku for line in order.lines}
    assert isinstance(subscription, ProviderSubscription)
    assert subscription.status == "active"
    assert not subscription.is_ended
    assert subscription.customer_id == subscribed.customer_id
    assert subscription.local_id == subscribed.order_id + 1000
    assert [
        (i.sku, i.quantity, i.unit_amount_pence, i.interval_months) for i in subscription.items
    ] == [
        (skus[SUBSCRIBE_PRICE], 2, SUBSCRIBE_PRICE, 2),
        (SHIPPING_SKU, 1, 395, 2),
    ]
    end = stored["items"]["data"][0]["current_period_end"]
    assert subscription.current_period_end.timestamp() == end
    assert subscription.current_period_end.tzinfo is not None
    assert subscription.cancel_at_period_end is False
    assert subscription.paused is False


def test_skip_pause_resume_and_cancel_at_period_end_are_subscription_updates(stripe_app, fake):
    subscribed = subscribe(stripe_app, fake)
    sub_id = subscribed.subscription_id
    with stripe_app.app_context():
        gateway = get_gateway()
        now = gateway.retrieve_subscription(sub_id)
        skip_to = now.current_period_end + timedelta(days=61)
        skipped = gateway.update_subscription(
            sub_id, SubscriptionChange(next_renewal_at=skip_to), "skip-1"
        )
        assert skipped.status == "trialing"
        assert skipped.current_period_end == skip_to.replace(microsecond=0)
        # The same key again (a retry) changes nothing more.
        gateway.update_subscription(sub_id, SubscriptionChange(next_renewal_at=skip_to), "skip-1")
        assert len(fake.subscription_updates) == 1

        until = now.current_period_end + timedelta(days=400)
        paused = gateway.update_subscription(sub_id, SubscriptionChange(pause_until=until), "p-1")
        assert paused.paused
        assert paused.paused_until == until.replace(microsecond=0)
        resumed = gateway.update_subscription(sub_id, SubscriptionChange(resume=True), "r-1")
        assert not resumed.paused
        assert resumed.paused_until is None

        cancelling = gateway.update_subscription(
            sub_id, SubscriptionChange(cancel_at_period_end=True), "c-1"
        )
        assert cancelling.cancel_at_period_end
        assert not cancelling.is_ended
    sent = [params for _, params in fake.subscription_updates]
    assert sent[0]["trial_end"] == int(skip_to.timestamp())
    assert sent[0]["proration_behavior"] == "none"
    assert sent[1]["pause_collection"] == {
        "behavior": "void",
        "resumes_at": int(until.timestamp()),
    }
    assert sent[2]["pause_collection"] == ""
    assert sent[3]["cancel_at_period_end"] is True


def test_a_new_interval_and_quantity_keep_the_next_renewal_and_charge_nothing_now(stripe_app, fake):
    subscribed = subscribe(stripe_app, fake)
    sub_id = subscribed.subscription_id
    with stripe_app.app_context():
        gateway = get_gateway()
        before = gateway.retrieve_subscription(sub_id)
        capsules = before.items[0]
        changed = gateway.update_subscription(
            sub_id,
            SubscriptionChange(interval_months=3, quantities={capsules.id: 4}),
            "change-1",
        )
    assert [i.interval_months for i in changed.items] == [3, 3]
    assert changed.items[0].quantity == 4
    assert changed.items[0].unit_amount_pence == SUBSCRIBE_PRICE
    assert changed.current_period_end == before.current_period_end
    reasons = [invoice["billing_reason"] for invoice in fake.invoices.values()]
    assert reasons == ["subscription_create"]  # nothing billed by the change
    renewal = fake.bill_next_cycle(sub_id)
    assert renewal["amount_paid"] == 4 * SUBSCRIBE_PRICE + 395


def test_cancel_now_twice_and_the_billing_portal(stripe_app, fake):
    subscribed = subscribe(stripe_app, fake)
    with stripe_app.app_context():
        gateway = get_gateway()
        ended = gateway.cancel_subscription(subscribed.subscription_id, "cancel-1")
        assert ended.is_ended
        assert ended.cancellation_reason == "cancellation_requested"
        again = gateway.cancel_subscription(subscribed.subscription_id, "cancel-2")
        assert again.status == "canceled"
        url = gateway.billing_portal_url(subscribed.customer_id, "http://localhost/account")
        assert url.startswith(f"{fake.url}/portal/bps_")
        with pytest.raises(PaymentError):
            gateway.billing_portal_url("cus_unknown", "http://localhost/account")
        with pytest.raises(PaymentError):
            gateway.retrieve_subscription("sub_unknown")
        fake.fail_next = 402
        with pytest.raises(PaymentError):
            gateway.update_subscription(
                subscribed.subscription_id, SubscriptionChange(resume=True), "x"
            )


def test_a_renewal_invoice_as_stripe_holds_it(stripe_app, fake):
    subscribed = subscribe(stripe_app, fake)
    stored = fake.bill_next_cycle(subscribed.subscription_id)
    with stripe_app.app_context():
        invoice = get_gateway().retrieve_invoice(stored["id"])
        subscription = get_gateway().retrieve_subscription(subscribed.subscription_id)
    assert isinstance(invoice, ProviderInvoice)
    assert invoice.is_renewal
    assert invoice.status == "paid"
    assert invoice.subscription_id == subscribed.subscription_id
    assert invoice.local_subscription_id == subscribed.order_id + 1000
    assert invoice.amount_paid_pence == 2 * SUBSCRIBE_PRICE + 395
    assert invoice.payment_intent_id in fake.payment_intents
    assert [line.subscription_item_id for line in invoice.lines] == [
        item.id for item in subscription.items
    ]
    assert invoice.period_start.timestamp() == stored["lines"]["data"][0]["period"]["start"]
    assert invoice.period_end == subscription.current_period_end
    assert invoice.next_payment_attempt is None


# ------------------------------------------------------------------ the webhook


class Recorder:
    """Handlers as a subscriptions feature registers them, noting what they were given."""

    def __init__(self):
        self.calls: list[tuple[str, object]] = []

    def handler(self, name):
        def handle(obj, *rest):
            self.calls.append((name, obj, *rest))
            return f"{name} {obj.id}"

        return handle

    def names(self):
        return [call[0] for call in self.calls]


@pytest.fixture
def handlers(stripe_app, monkeypatch):
    """Record what the webhook hands over (the registry restored afterwards)."""
    recorder = Recorder()
    monkeypatch.setattr(recurring, "_handlers", None)
    recurring.register(
        started=recorder.handler("started"),
        renewal_paid=recorder.handler("renewal_paid"),
        renewal_failed=recorder.handler("renewal_failed"),
        changed=recorder.handler("changed"),
        ended=recorder.handler("ended"),
    )
    return recorder


def test_the_checkout_pays_the_first_order_and_starts_the_subscription_once(
    stripe_app, fake, handlers
):
    subscribed = subscribe(stripe_app, fake)
    client = stripe_app.test_client()
    events = fake.take_events()
    answers = deliver(client, events + events)  # every event twice
    with stripe_app.app_context():
        order = db.session.get(Order, subscribed.order_id)
        assert order.status == OrderStatus.PAID
        assert order.payment_intent_id in fake.payment_intents
    assert handlers.names() == ["started"]
    _, subscription, session = handlers.calls[0]
    assert subscription.id == subscribed.subscription_id
    assert session.id == subscribed.session_id
    outcomes = {
        event["type"]: answer["outcome"]
        for event, answer in zip(events, answers[: len(events)], strict=True)
    }
    assert outcomes["invoice.paid"] == "invoice subscription_create: no order"
    assert [a["outcome"] for a in answers[len(events) :]] == ["duplicate"] * len(events)


def test_a_renewal_is_handed_over_once_and_its_failure_and_the_end(stripe_app, fake, handlers):
    subscribed = subscribe(stripe_app, fake)
    client = stripe_app.test_client()
    deliver(client, fake.take_events())

    renewal = fake.bill_next_cycle(subscribed.subscription_id)
    events = fake.take_events()
    deliver(client, events)
    deliver(client, [fake.event(e["id"]) for e in events if e["type"] == "invoice.paid"])
    paid = [call for call in handlers.calls if call[0] == "renewal_paid"]
    assert len(paid) == 1
    _, invoice, event = paid[0]
    assert invoice.id == renewal["id"]
    assert invoice.is_renewal
    assert event.type == "invoice.paid"
    assert event.created.tzinfo is not None
    assert "changed" in handlers.names()  # the period moved on

    fake.failing_customers.add(subscribed.customer_id)
    failed = fake.bill_next_cycle(subscribed.subscription_id)
    deliver(client, fake.take_events())
    _, invoice, _ = [c for c in handlers.calls if c[0] == "renewal_failed"][-1]
    assert invoice.id == failed["id"]
    assert invoice.next_payment_attempt is not None
    changed = [c for c in handlers.calls if c[0] == "changed"][-1][1]
    assert changed.status == "past_due"

    fake.stop_retrying(failed["id"], then="canceled")
    deliver(client, fake.take_events())
    _, invoice, _ = [c for c in handlers.calls if c[0] == "renewal_failed"][-1]
    assert invoice.next_payment_attempt is None
    assert handlers.names()[-1] == "ended"
    ended = handlers.calls[-1][1]
    assert ended.is_ended
    assert ended.cancellation_reason == "payment_failed"


def test_a_failure_reported_after_the_retry_paid_changes_nothing(stripe_app, fake, handlers):
    subscribed = subscribe(stripe_app, fake)
    client = stripe_app.test_client()
    failed = fake.bill_next_cycle(subscribed.subscription_id, fail=True)
    fake.retry_invoice(failed["id"])
    late = fake.take_events("invoice.payment_failed")
    (answer,) = deliver(client, late)
    assert answer["outcome"] == "invoice paid since"
    assert "renewal_failed" not in handlers.names()
    deliver(client, fake.take_events("invoice.paid"))
    assert handlers.names().count("renewal_paid") == 1


def test_an_unpaid_subscription_has_ended(stripe_app, fake, handlers):
    subscribed = subscribe(stripe_app, fake)
    client = stripe_app.test_client()
    failed = fake.bill_next_cycle(subscribed.subscription_id, fail=True)
    fake.stop_retrying(failed["id"], then="unpaid")
    deliver(client, fake.take_events())
    assert handlers.names()[-1] == "ended"
    assert handlers.calls[-1][1].status == "unpaid"


def test_a_late_update_hands_over_the_subscription_as_it_is_now(stripe_app, fake, handlers):
    subscribed = subscribe(stripe_app, fake)
    client = stripe_app.test_client()
    fake.take_events()
    with stripe_app.app_context():
        gateway = get_gateway()
        later = gateway.retrieve_subscription(subscribed.subscription_id).current_period_end
        gateway.update_subscription(
            subscribed.subscription_id, SubscriptionChange(cancel_at_period_end=True), "c-1"
        )
        gateway.update_subscription(
            subscribed.subscription_id,
            SubscriptionChange(next_renewal_at=later + timedelta(days=30)),
            "s-1",
        )
    first, second = fake.take_events("customer.subscription.updated")
    deliver(client, [second, first])  # out of order
    (_, newest, newest_event), (_, late, late_event) = handlers.calls
    assert late_event.created < newest_event.created
    # Both hand over Stripe's current state, so the late one rolls nothing back.
    assert late.status == newest.status == "trialing"
    assert late.cancel_at_period_end and newest.cancel_at_period_end


def test_events_without_a_registered_feature_are_acknowledged(stripe_app, fake, monkeypatch):
    monkeypatch.setattr(recurring, "_handlers", None)
    subscribe(stripe_app, fake)
    answers = deliver(stripe_app.test_client(), fake.take_events())
    assert {a["outcome"] for a in answers} >= {"ignored"}


def invoice_object(**values) -> dict:
    invoice = {
        "id": "in_test_1",
        "object": "invoice",
        "billing_reason": "subscription_cycle",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": "sub_test_1", "metadata": {}},
        },
    }
    invoice.update(values)
    return invoice


@pytest.mark.parametrize(
    ("event_type", "obj", "created", "reason"),
    [
        ("invoice.paid", invoice_object(id=None), 1, "data.object has no id"),
        ("invoice.paid", invoice_object(), None, "created"),
        ("invoice.paid", invoice_object(), "yesterday", "created"),
        ("invoice.paid", invoice_object(), 10**14, "created"),
        ("invoice.payment_failed", invoice_object(parent="sub_test_1"), 1, "parent"),
        (
            "invoice.paid",
            invoice_object(
                parent={"type": "subscription_details", "subscription_details": {"subscription": 7}}
            ),
            1,
            "subscription",
        ),
        ("customer.subscription.updated", {"object": "subscription"}, 1, "no id"),
        ("customer.subscription.deleted", {"id": "sub\x00"}, 1, "no id"),
    ],
)
def test_malformed_billing_events_are_refused(
    stripe_app, handlers, event_type, obj, created, reason
):
    event = make_event(event_type, obj)
    event["created"] = created
    response = send_event(stripe_app.test_client(), event)
    assert response.status_code == 400
    assert reason in response.get_json()["reason"]
    assert handlers.calls == []


def test_an_invoice_of_no_subscription_changes_nothing(stripe_app, fake, handlers):
    subscribed = subscribe(stripe_app, fake)
    invoice_id = fake.sessions[subscribed.session_id]["invoice"]
    fake.invoices[invoice_id]["parent"] = None  # a one-off invoice
    event = make_event("invoice.paid", {"id": invoice_id, "object": "invoice"})
    (answer,) = deliver(stripe_app.test_client(), [event])
    assert answer["outcome"] == "not a subscription's invoice"
    assert handlers.calls == []


def test_stripe_unreachable_asks_for_the_event_again(stripe_app, fake, handlers):
    subscribed = subscribe(stripe_app, fake)
    renewal = fake.bill_next_cycle(subscribed.subscription_id)
    (event,) = fake.take_events("invoice.paid")[-1:]
    stripe_app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"
    stripe_app.extensions.pop("stripe_gateway", None)
    response = send_event(stripe_app.test_client(), event)
    assert response.status_code == 503
    stripe_app.config["STRIPE_API_BASE"] = fake.url
    stripe_app.extensions.pop("stripe_gateway", None)
    (answer,) = deliver(stripe_app.test_client(), [event])
    assert answer["outcome"] == f"renewal_paid {renewal['id']}"


# ------------------------------------------------------------------ the demo provider


def test_the_demo_provider_keeps_no_subscriptions(app):
    gateway = DemoGateway()
    assert gateway.keeps_subscriptions is False
    with app.test_request_context():
        request = subscription_request(app)
        session = gateway.create_session(request)
        stored = db.session.get(DemoPaymentSession, session.id)
        assert stored.metadata_ == {"subscription_id": str(request.subscription.subscription_id)}
        assert session.metadata == stored.metadata_
        assert gateway.billing_portal_url("cus_x", "http://localhost/") is None
        for call in (
            lambda: gateway.retrieve_subscription("sub_x"),
            lambda: gateway.update_subscription("sub_x", SubscriptionChange(resume=True), "k"),
            lambda: gateway.cancel_subscription("sub_x", "k"),
            lambda: gateway.retrieve_invoice("in_x"),
        ):
            with pytest.raises(PaymentError):
                call()
