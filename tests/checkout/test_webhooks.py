"""POST /stripe/webhook: signed with Stripe's real scheme, each event acting once."""

from __future__ import annotations

import json
import time

import pytest
import stripe
from sqlalchemy import select

from shop.extensions import db
from shop.orders.models import OrderStatus
from shop.payments.models import PaymentEvent
from tests.helpers.checkout import (
    STRIPE_SECRET_KEY,
    WEBHOOK_SECRET,
    add_to_cart,
    cart_quantities,
    event_count,
    only_order,
    post_checkout,
    run_together,
    send_event,
    session_id_from,
    session_object,
    set_session,
    stock,
)
from tests.stripe_server import make_event, sign_payload


def start_checkout(shopper, products, quantity=2) -> str:
    add_to_cart(shopper, products.cream, quantity)
    return session_id_from(post_checkout(shopper))


def recorded_events(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(PaymentEvent.id).order_by(PaymentEvent.id)))


def completed_event(fake, session_id, **options) -> dict:
    return make_event("checkout.session.completed", fake.pay_session(session_id, **options))


def assert_paid_once(app, products, smtp_server):
    order = only_order(app)
    assert order.status == OrderStatus.PAID
    assert stock(app, products.cream) == (18, 0)  # sold once
    assert event_count(app, order.id, "paid") == 1
    assert event_count(app, order.id, "email_sent") == 1
    (mail,) = smtp_server.wait_for(1)
    assert mail.message["Subject"] == f"Your order {order.number} is confirmed"
    return order


def test_checkout_session_completed_marks_the_order_paid(
    stripe_app, shopper, products, fake, smtp_server
):
    session_id = start_checkout(shopper, products)
    event = completed_event(fake, session_id)

    response = send_event(shopper, event)

    assert response.status_code == 200
    assert response.json["received"] is True
    order = assert_paid_once(stripe_app, products, smtp_server)
    assert order.payment_intent_id == session_object(fake, session_id)["payment_intent"]
    assert order.ship_to_postcode == "SW1A 1AA"
    assert cart_quantities(stripe_app, shopper) == {}
    assert recorded_events(stripe_app) == [event["id"]]


def test_an_event_delivered_twice_acts_once(stripe_app, shopper, products, fake, smtp_server):
    session_id = start_checkout(shopper, products)
    event = completed_event(fake, session_id)

    first = send_event(shopper, event)
    second = send_event(shopper, event)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json["outcome"] == "duplicate"
    assert_paid_once(stripe_app, products, smtp_server)
    assert recorded_events(stripe_app) == [event["id"]]


def test_an_event_delivered_twice_at_once_acts_once(
    stripe_app, shopper, products, fake, smtp_server
):
    session_id = start_checkout(shopper, products)
    event = completed_event(fake, session_id)
    senders = [stripe_app.test_client() for _ in range(2)]

    responses = run_together(*[lambda c=c: send_event(c, event) for c in senders])

    assert [r.status_code for r in responses] == [200, 200]
    assert_paid_once(stripe_app, products, smtp_server)
    assert recorded_events(stripe_app) == [event["id"]]


def test_the_webhook_and_the_success_page_at_once_fulfil_once(
    stripe_app, shopper, products, fake, smtp_server
):
    session_id = start_checkout(shopper, products)
    event = completed_event(fake, session_id)
    stripe_sender = stripe_app.test_client()

    webhook, success = run_together(
        lambda: send_event(stripe_sender, event),
        lambda: shopper.get(f"/checkout/success?session_id={session_id}"),
    )

    assert webhook.status_code == 200
    order = assert_paid_once(stripe_app, products, smtp_server)
    assert success.headers["Location"] == f"/orders/{order.access_token}"
    assert cart_quantities(stripe_app, shopper) == {}


@pytest.mark.parametrize(
    "how",
    ["unsigned", "wrong secret", "stale", "garbage", "body changed after signing"],
)
def test_a_badly_signed_event_is_refused_and_changes_nothing(
    stripe_app, shopper, products, fake, smtp_server, how
):
    session_id = start_checkout(shopper, products)
    event = completed_event(fake, session_id)
    payload = json.dumps(event)
    sent = event
    if how == "unsigned":
        signature = ""
    elif how == "wrong secret":
        signature = sign_payload(payload, "whsec_not_ours")
    elif how == "stale":  # Stripe's tolerance is 300 seconds
        signature = sign_payload(payload, WEBHOOK_SECRET, timestamp=int(time.time()) - 301)
    elif how == "garbage":
        signature = "t=1,v1=deadbeef"
    else:
        signature = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
        sent = {**event, "id": "evt_test_forged"}

    response = send_event(shopper, sent, signature=signature)

    assert response.status_code == 400
    assert response.json == {"error": "invalid signature"}
    assert only_order(stripe_app).status == OrderStatus.PENDING
    assert stock(stripe_app, products.cream) == (20, 2)
    assert recorded_events(stripe_app) == []
    assert smtp_server.messages == []

    # The id was not recorded: the real delivery of the same event still counts.
    assert send_event(shopper, event).status_code == 200
    assert only_order(stripe_app).status == OrderStatus.PAID


def test_a_signature_just_inside_the_tolerance_is_accepted(
    stripe_app, shopper, products, fake, smtp_server
):
    session_id = start_checkout(shopper, products)
    event = completed_event(fake, session_id)

    response = send_event(shopper, event, timestamp=int(time.time()) - 240)

    assert response.status_code == 200
    assert only_order(stripe_app).status == OrderStatus.PAID


def test_an_expired_session_releases_the_stock(stripe_app, shopper, products, fake, smtp_server):
    session_id = start_checkout(shopper, products)
    set_session(fake, session_id, status="expired", url=None)
    event = make_event("checkout.session.expired", session_object(fake, session_id))

    response = send_event(shopper, event)

    assert response.status_code == 200
    order = only_order(stripe_app)
    assert order.status == OrderStatus.EXPIRED
    assert stock(stripe_app, products.cream) == (20, 0)
    assert cart_quantities(stripe_app, shopper) == {products.cream: 2}
    assert event_count(stripe_app, order.id, "expired") == 1
    assert smtp_server.messages == []
    # Trying again makes a new order (the old one is over).
    assert session_id_from(post_checkout(shopper)) != session_id


def test_an_expired_event_for_a_session_still_open_releases_nothing(
    stripe_app, shopper, products, fake
):
    session_id = start_checkout(shopper, products)
    forged = {**session_object(fake, session_id), "status": "expired"}

    response = send_event(shopper, make_event("checkout.session.expired", forged))

    assert response.status_code == 200
    assert only_order(stripe_app).status == OrderStatus.PENDING  # Stripe says: still open
    assert stock(stripe_app, products.cream) == (20, 2)


def test_an_asynchronous_payment_that_fails_releases_the_stock(
    stripe_app, shopper, products, fake, smtp_server
):
    session_id = start_checkout(shopper, products)
    processing = completed_event(fake, session_id, payment_status="unpaid")

    assert send_event(shopper, processing).status_code == 200
    assert only_order(stripe_app).status == OrderStatus.PENDING  # completed, not yet paid
    assert stock(stripe_app, products.cream) == (20, 2)

    failed = make_event("checkout.session.async_payment_failed", session_object(fake, session_id))
    assert send_event(shopper, failed).status_code == 200

    order = only_order(stripe_app)
    assert order.status == OrderStatus.FAILED
    assert stock(stripe_app, products.cream) == (20, 0)
    assert cart_quantities(stripe_app, shopper) == {products.cream: 2}
    assert smtp_server.messages == []


def test_an_asynchronous_payment_that_succeeds_fulfils_the_order(
    stripe_app, shopper, products, fake, smtp_server
):
    session_id = start_checkout(shopper, products)
    send_event(shopper, completed_event(fake, session_id, payment_status="unpaid"))
    assert smtp_server.messages == []

    set_session(fake, session_id, payment_status="paid")
    succeeded = make_event(
        "checkout.session.async_payment_succeeded", session_object(fake, session_id)
    )
    assert send_event(shopper, succeeded).status_code == 200

    assert_paid_once(stripe_app, products, smtp_server)
    assert cart_quantities(stripe_app, shopper) == {}


def test_charge_refunded_brings_the_refunded_total_in_line(
    stripe_app, shopper, products, fake, smtp_server
):
    session_id = start_checkout(shopper, products)
    send_event(shopper, completed_event(fake, session_id))
    order = only_order(stripe_app)
    stripe_client = stripe.StripeClient(STRIPE_SECRET_KEY, base_addresses={"api": fake.url})

    def refund(amount) -> dict:
        stripe_client.v1.refunds.create(
            params={"payment_intent": order.payment_intent_id, "amount": amount}
        )
        with fake.lock:
            (charge,) = fake.charges.values()
            return json.loads(json.dumps(charge))

    partial = make_event("charge.refunded", refund(500))
    assert send_event(shopper, partial).status_code == 200
    order = only_order(stripe_app)
    assert (order.status, order.refunded_pence) == (OrderStatus.PAID, 500)

    full = make_event("charge.refunded", refund(order.total_pence - 500))
    assert send_event(shopper, full).status_code == 200
    order = only_order(stripe_app)
    assert (order.status, order.refunded_pence) == (OrderStatus.REFUNDED, 3995)

    # A late copy of the first refund's event (another id) does not lower the total.
    late = make_event("charge.refunded", partial["data"]["object"])
    assert send_event(shopper, late).status_code == 200
    order = only_order(stripe_app)
    assert (order.status, order.refunded_pence) == (OrderStatus.REFUNDED, 3995)
    assert stock(stripe_app, products.cream) == (18, 0)  # a refund does not restock


def test_events_the_shop_does_not_handle_are_acknowledged(stripe_app, shopper, products, fake):
    event = make_event("customer.created", {"id": "cus_test_1", "object": "customer"})

    response = send_event(shopper, event)

    assert response.status_code == 200
    assert response.json["outcome"] == "ignored"


def test_a_completed_session_that_is_not_ours_changes_nothing(
    stripe_app, shopper, products, fake, smtp_server
):
    start_checkout(shopper, products)
    stripe_client = stripe.StripeClient(STRIPE_SECRET_KEY, base_addresses={"api": fake.url})
    other = stripe_client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "gbp",
                        "unit_amount": 100,
                        "product_data": {"name": "Something else"},
                    },
                }
            ],
            "success_url": "https://elsewhere.test/",
        }
    )
    event = completed_event(fake, other.id)

    response = send_event(shopper, event)

    assert response.status_code == 200
    assert response.json["outcome"] == "no order"
    assert only_order(stripe_app).status == OrderStatus.PENDING
    assert stock(stripe_app, products.cream) == (20, 2)
    assert smtp_server.messages == []


def _without(event: dict, *path: str) -> dict:
    """A copy of `event` with the field at `path` taken out."""
    event = json.loads(json.dumps(event))
    holder = event
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    return event


def _with(event: dict, value, *path: str) -> dict:
    """A copy of `event` with the field at `path` set to `value`."""
    event = json.loads(json.dumps(event))
    holder = event
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return event


MALFORMED = {
    "no id": (lambda e: _without(e, "id"), "the event has no id"),
    "empty id": (lambda e: _with(e, "", "id"), "the event has no id"),
    "numeric id": (lambda e: _with(e, 42, "id"), "the event has no id"),
    "id with a NUL": (lambda e: _with(e, "evt_\x00", "id"), "the event has no id"),
    "no type": (lambda e: _without(e, "type"), "the event has no type"),
    "type a list": (lambda e: _with(e, ["x"], "type"), "the event has no type"),
    "type with a NUL": (lambda e: _with(e, "charge.\x00", "type"), "the event has no type"),
    "no data": (lambda e: _without(e, "data"), "the event has no data.object"),
    "data a string": (lambda e: _with(e, "x", "data"), "the event has no data.object"),
    "no object": (lambda e: _without(e, "data", "object"), "the event has no data.object"),
    "object a list": (lambda e: _with(e, [1], "data", "object"), "the event has no data.object"),
    "no session id": (lambda e: _without(e, "data", "object", "id"), "data.object has no id"),
    "session id null": (lambda e: _with(e, None, "data", "object", "id"), "data.object has no id"),
    "session id a number": (lambda e: _with(e, 7, "data", "object", "id"), "data.object has no id"),
    "not an object at all": (lambda e: [e], "the event is not a JSON object"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_signed_but_malformed_event_is_refused_with_a_reason_and_logged(
    stripe_app, shopper, products, fake, smtp_server, caplog, case
):
    session_id = start_checkout(shopper, products)
    event = completed_event(fake, session_id)
    change, reason = MALFORMED[case]

    with caplog.at_level("WARNING", logger="shop.payments.views"):
        response = send_event(shopper, change(event))  # signed with the real scheme

    assert response.status_code == 400
    assert response.json == {"error": "malformed event", "reason": reason}
    assert any(reason in record.getMessage() for record in caplog.records), caplog.text
    assert only_order(stripe_app).status == OrderStatus.PENDING
    assert stock(stripe_app, products.cream) == (20, 2)
    assert recorded_events(stripe_app) == []
    # Nothing was recorded: the well-formed delivery of the same event still counts.
    assert send_event(shopper, event).status_code == 200
    assert only_order(stripe_app).status == OrderStatus.PAID


@pytest.mark.parametrize(
    ("event_type", "change", "reason"),
    [
        (
            "checkout.session.expired",
            lambda e: _without(e, "data", "object", "id"),
            "data.object has no id",
        ),
        (
            "checkout.session.async_payment_failed",
            lambda e: _with(e, {"id": "cs_x"}, "data", "object", "id"),
            "data.object has no id",
        ),
        (
            "charge.refunded",
            lambda e: _with(e, "lots", "data", "object", "amount_refunded"),
            "data.object.amount_refunded is not a whole number of pence",
        ),
        (
            "charge.refunded",
            lambda e: _with(e, -5, "data", "object", "amount_refunded"),
            "data.object.amount_refunded is not a whole number of pence",
        ),
        (
            "charge.refunded",
            lambda e: _with(e, 12, "data", "object", "payment_intent"),
            "data.object.payment_intent is not a payment intent id",
        ),
    ],
)
def test_malformed_events_of_every_handled_type_are_refused(
    stripe_app, shopper, products, fake, smtp_server, event_type, change, reason
):
    session_id = start_checkout(shopper, products)
    if event_type == "charge.refunded":
        obj = {"id": "ch_test", "object": "charge", "payment_intent": "pi_x", "amount_refunded": 1}
    else:
        obj = session_object(fake, session_id)

    response = send_event(shopper, change(make_event(event_type, obj)))

    assert response.status_code == 400
    assert response.json == {"error": "malformed event", "reason": reason}
    assert only_order(stripe_app).status == OrderStatus.PENDING
    assert stock(stripe_app, products.cream) == (20, 2)
    assert recorded_events(stripe_app) == []
