"""Tests of the local Stripe stand-in, driven through the real stripe library over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

import pytest
import stripe

try:
    from stripe_server import FakeStripe, make_event, sign_payload
except ImportError:  # tests/ became a package
    from tests.stripe_server import FakeStripe, make_event, sign_payload


@pytest.fixture(scope="module")
def fake():
    server = FakeStripe().start()
    yield server
    server.stop()


@pytest.fixture
def client(fake):
    fake.reset()
    return stripe.StripeClient("sk_test_x", base_addresses={"api": fake.url})


def session_params(**overrides):
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 2,
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": 1800,
                    "product_data": {"name": "Kefir Face Serum 30ml"},
                },
            },
            {
                "quantity": 1,
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": 2450,
                    "product_data": {"name": "Gut Biome Capsules x60"},
                },
            },
        ],
        "shipping_address_collection": {"allowed_countries": ["GB"]},
        "shipping_options": [
            {
                "shipping_rate_data": {
                    "type": "fixed_amount",
                    "display_name": "Royal Mail Tracked 48",
                    "fixed_amount": {"amount": 395, "currency": "gbp"},
                }
            }
        ],
        "client_reference_id": "5",
        "metadata": {"order_id": "5"},
        "payment_intent_data": {"metadata": {"order_id": "5"}},
        "customer_email": "jo@example.co.uk",
        "expires_at": int(time.time()) + 31 * 60,
        "success_url": "https://shop.test/checkout/success?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://shop.test/basket",
    }
    params.update(overrides)
    return params


def create(client, **overrides):
    return client.v1.checkout.sessions.create(params=session_params(**overrides))


def raw(fake, method, path, body=None, headers=None):
    """A plain HTTP request (for what the stripe library would never send)."""
    parts = urlsplit(fake.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


# ----------------------------------------------------------------------- checkout sessions


def test_create_session_returns_stripe_shaped_object_and_records_params(fake, client):
    params = session_params()
    session = client.v1.checkout.sessions.create(
        params=params, options={"idempotency_key": "order-5-attempt-1"}
    )

    assert isinstance(session, stripe.checkout.Session)
    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.url == f"{fake.url}/pay/{session.id}"
    assert session.status == "open"
    assert session.payment_status == "unpaid"
    assert session.mode == "payment"
    assert session.currency == "gbp"
    assert session.amount_subtotal == 2 * 1800 + 2450
    assert session.amount_total == 2 * 1800 + 2450 + 395
    assert session.total_details.amount_shipping == 395
    assert session.shipping_cost.amount_total == 395
    assert session.shipping_options[0].shipping_amount == 395
    assert session.shipping_address_collection.allowed_countries == ["GB"]
    assert session.metadata.to_dict() == {"order_id": "5"}
    assert session.client_reference_id == "5"
    assert session.customer_email == "jo@example.co.uk"
    assert session.expires_at == params["expires_at"]
    assert session.success_url.endswith("session_id={CHECKOUT_SESSION_ID}")
    assert session.cancel_url == "https://shop.test/basket"
    assert session.payment_intent is None
    assert session.livemode is False
    assert abs(session.created - time.time()) < 60
    assert fake.sessions[session.id]["status"] == "open"

    (request,) = fake.requests_for("POST", "/v1/checkout/sessions")
    assert request.headers["Idempotency-Key"] == "order-5-attempt-1"
    assert request.headers["Authorization"] == "Bearer sk_test_x"
    assert request.header("stripe-version")
    sent = request.params
    assert sent["mode"] == "payment"
    assert sent["line_items"][0] == {
        "quantity": "2",
        "price_data": {
            "currency": "gbp",
            "unit_amount": "1800",
            "product_data": {"name": "Kefir Face Serum 30ml"},
        },
    }
    assert sent["line_items"][1]["price_data"]["unit_amount"] == "2450"
    assert sent["shipping_address_collection"] == {"allowed_countries": ["GB"]}
    rate = sent["shipping_options"][0]["shipping_rate_data"]
    assert rate == {
        "type": "fixed_amount",
        "display_name": "Royal Mail Tracked 48",
        "fixed_amount": {"amount": "395", "currency": "gbp"},
    }
    assert sent["metadata"] == {"order_id": "5"}
    assert sent["payment_intent_data"] == {"metadata": {"order_id": "5"}}
    assert sent["client_reference_id"] == "5"
    assert sent["customer_email"] == "jo@example.co.uk"
    assert sent["expires_at"] == str(params["expires_at"])
    assert sent["success_url"] == params["success_url"]


def test_line_items_endpoint_and_expand(client):
    session = create(client)

    items = client.v1.checkout.sessions.line_items.list(session.id)
    assert [(i.description, i.quantity, i.amount_total, i.currency) for i in items.data] == [
        ("Kefir Face Serum 30ml", 2, 3600, "gbp"),
        ("Gut Biome Capsules x60", 1, 2450, "gbp"),
    ]

    expanded = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["line_items"]})
    assert len(expanded.line_items.data) == 2


def test_misspelt_nested_param_is_refused_like_stripe(fake, client):
    params = session_params()
    params["line_items"][0]["price_data"]["unit_amout"] = 1800

    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        client.v1.checkout.sessions.create(params=params)

    err = excinfo.value
    assert err.http_status == 400
    assert err.param == "line_items[0][price_data][unit_amout]"
    assert err.user_message == "Received unknown parameter: line_items[0][price_data][unit_amout]"
    assert err.json_body["error"]["type"] == "invalid_request_error"
    assert fake.sessions == {}


@pytest.mark.parametrize(
    ("overrides", "param", "message"),
    [
        ({"success_ur1": "https://x"}, "success_ur1", "Received unknown parameter"),
        (
            {"shipping_options": [{"shipping_rate_data": {"display_name": "X", "amount": 1}}]},
            "shipping_options[0][shipping_rate_data][amount]",
            "Received unknown parameter",
        ),
        ({"mode": "paymnet"}, "mode", "Invalid mode: must be one of"),
        ({"expires_at": int(time.time()) + 10 * 60}, "expires_at", "at least 30 minutes"),
        ({"expires_at": int(time.time()) + 25 * 3600}, "expires_at", "less than 24 hours"),
        ({"mode": None}, "mode", "Missing required param: mode."),
        ({"success_url": None}, "success_url", "Missing required param: success_url."),
        ({"line_items": None}, "line_items", "`line_items` is required"),
        (
            {"shipping_address_collection": {"allowed_countries": ["UK"]}},
            "shipping_address_collection[allowed_countries][0]",
            "Invalid allowed_countries[0]: must be one of",
        ),
        (
            {"line_items": [{"quantity": 1, "price_data": {"unit_amount": 5}}]},
            "line_items[0][price_data][currency]",
            "Missing required param",
        ),
    ],
)
def test_invalid_session_params_are_refused(client, overrides, param, message):
    # A None value is left out of the request by the stripe library.
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        create(client, **overrides)
    assert excinfo.value.http_status == 400
    assert excinfo.value.param == param
    assert message in excinfo.value.user_message


def test_idempotent_create_replays_the_same_session(fake, client):
    params = session_params()
    first = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k1"})
    second = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k1"})

    assert second.id == first.id
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    assert list(fake.sessions) == [first.id]

    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(
            params=session_params(client_reference_id="6"), options={"idempotency_key": "k1"}
        )

    # Without an explicit key the library sends a fresh one per call.
    third = client.v1.checkout.sessions.create(params=params)
    assert third.id != first.id
    keys = [r.idempotency_key for r in fake.requests_for("POST", "/v1/checkout/sessions")]
    assert keys[:3] == ["k1", "k1", "k1"]
    assert keys[3] not in (None, "k1")


def test_retrieve_session_and_unknown_id(client):
    session = create(client)

    again = client.v1.checkout.sessions.retrieve(session.id)
    assert again.id == session.id
    assert again.amount_total == session.amount_total

    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        client.v1.checkout.sessions.retrieve("cs_test_nope")
    assert excinfo.value.http_status == 404
    assert excinfo.value.code == "resource_missing"

    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        client.v1.checkout.sessions.retrieve(session.id, params={"expnad": ["line_items"]})
    assert excinfo.value.param == "expnad"


def test_expire_then_expire_again_fails(fake, client):
    session = create(client)

    expired = client.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired"
    assert fake.sessions[session.id]["status"] == "expired"

    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        client.v1.checkout.sessions.expire(session.id)
    assert excinfo.value.http_status == 400
    assert "can be expired" in excinfo.value.user_message


def test_paid_session_cannot_be_expired(fake, client):
    session = create(client)
    fake.pay_session(session.id)
    with pytest.raises(stripe.InvalidRequestError, match=r'status in \["open"\]'):
        client.v1.checkout.sessions.expire(session.id)


# ----------------------------------------------------------------------- payment and refunds


def test_pay_session_then_partial_refund_then_over_refund(fake, client):
    session = create(client)
    paid = fake.pay_session(session.id)
    assert paid["status"] == "complete"
    assert paid["payment_status"] == "paid"
    assert paid["payment_intent"].startswith("pi_")

    session = client.v1.checkout.sessions.retrieve(session.id)
    assert session.status == "complete"
    assert session.payment_status == "paid"
    assert session.customer_details.email == "jo@example.co.uk"
    assert session.collected_information.shipping_details.address.country == "GB"
    assert session.url is None

    intent = client.v1.payment_intents.retrieve(session.payment_intent)
    assert intent.status == "succeeded"
    assert intent.amount == intent.amount_received == 6445
    assert intent.currency == "gbp"
    assert intent.metadata.to_dict() == {"order_id": "5"}
    assert intent.latest_charge.startswith("ch_")

    refund = client.v1.refunds.create(
        params={
            "payment_intent": intent.id,
            "amount": 2450,
            "reason": "requested_by_customer",
            "metadata": {"order_id": "5"},
        }
    )
    assert refund.id.startswith("re_")
    assert refund.status == "succeeded"
    assert (refund.amount, refund.currency, refund.payment_intent) == (2450, "gbp", intent.id)
    assert refund.reason == "requested_by_customer"
    assert client.v1.refunds.retrieve(refund.id).amount == 2450
    assert fake.refunds[refund.id]["charge"] == intent.latest_charge

    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 4000})
    assert excinfo.value.code == "charge_already_refunded"
    assert excinfo.value.param == "amount"
    assert "£39.95" in excinfo.value.user_message

    rest = client.v1.refunds.create(params={"payment_intent": intent.id})
    assert rest.amount == 6445 - 2450

    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1})
    assert excinfo.value.code == "charge_already_refunded"


def test_refund_params_are_checked(fake, client):
    session = create(client)
    intent_id = fake.pay_session(session.id)["payment_intent"]

    with pytest.raises(stripe.InvalidRequestError, match="unknown parameter: ammount"):
        client.v1.refunds.create(params={"payment_intent": intent_id, "ammount": 100})
    with pytest.raises(stripe.InvalidRequestError, match="Invalid reason"):
        client.v1.refunds.create(params={"payment_intent": intent_id, "reason": "changed_mind"})
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        client.v1.refunds.create(params={"payment_intent": "pi_unknown"})
    assert excinfo.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"amount": 100})
    assert fake.refunds == {}


# ----------------------------------------------------------------------- errors and plumbing


def test_bad_api_key_is_an_authentication_error(fake):
    for key in ("sk_live_realkey123", "pk_test_publishable"):
        bad = stripe.StripeClient(key, base_addresses={"api": fake.url})
        with pytest.raises(stripe.AuthenticationError) as excinfo:
            bad.v1.checkout.sessions.retrieve("cs_test_x")
        assert excinfo.value.http_status == 401
        assert excinfo.value.json_body["error"]["type"] == "authentication_error"

    status, _, body = raw(fake, "GET", "/v1/checkout/sessions/cs_test_x")
    assert status == 401
    assert json.loads(body)["error"]["type"] == "authentication_error"


def test_unknown_path_is_404(client):
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        client.raw_request("get", "/v1/payouts/po_123")
    assert excinfo.value.http_status == 404
    assert "Unrecognized request URL" in excinfo.value.user_message


def test_fail_next_fails_one_mutating_request(fake, client):
    session = create(client)

    fake.fail_next = 500
    client.v1.checkout.sessions.retrieve(session.id)  # reads are not affected
    with pytest.raises(stripe.APIError):
        create(client)
    assert fake.fail_next is None
    assert create(client).id != session.id

    fake.pay_session(session.id)
    fake.fail_next = 402
    with pytest.raises(stripe.CardError) as excinfo:
        client.v1.refunds.create(
            params={"payment_intent": fake.sessions[session.id]["payment_intent"]}
        )
    assert excinfo.value.code == "card_declined"
    assert fake.refunds == {}


def test_concurrent_creates(fake, client):
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda _: create(client).id, range(24)))
    assert len(set(ids)) == 24
    assert set(fake.sessions) == set(ids)
    assert len(fake.requests_for("POST", "/v1/checkout/sessions")) == 24


def test_hosted_page_pays_and_redirects(fake, client):
    session = create(client)
    path = urlsplit(session.url).path

    status, _, body = raw(fake, "GET", path)
    assert status == 200
    assert b"\xc2\xa364.45" in body  # £64.45

    status, headers, _ = raw(
        fake,
        "POST",
        path,
        body=urlencode({"action": "pay"}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 303
    assert headers["Location"] == f"https://shop.test/checkout/success?session_id={session.id}"
    assert fake.sessions[session.id]["payment_status"] == "paid"


# ----------------------------------------------------------------------- webhooks


def test_make_event_and_signature_verify_with_stripe(fake, client):
    session = create(client)
    paid = fake.pay_session(session.id)
    event = make_event("checkout.session.completed", paid, event_id="evt_test_1")
    assert event["object"] == "event"
    assert event["livemode"] is False
    assert event["api_version"]

    payload = json.dumps(event).encode()
    secret = "whsec_test_secret"
    header = sign_payload(payload, secret)

    verified = stripe.Webhook.construct_event(payload, header, secret)
    assert verified.id == "evt_test_1"
    assert verified.type == "checkout.session.completed"
    assert verified.data.object.id == session.id
    assert verified.data.object.payment_status == "paid"

    ts = 1_700_000_000
    expected = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    assert sign_payload(payload, secret, timestamp=ts) == f"t={ts},v1={expected}"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, sign_payload(payload, "whsec_other"), secret)


def test_customers_are_made_fetched_and_named_on_sessions(fake, client):
    made = client.v1.customers.create(
        params={"email": "ada@example.com", "name": "Ada", "metadata": {"account_id": "7"}},
        options={"idempotency_key": "customer-7"},
    )
    again = client.v1.customers.create(
        params={"email": "ada@example.com", "name": "Ada", "metadata": {"account_id": "7"}},
        options={"idempotency_key": "customer-7"},
    )
    assert made.id.startswith("cus_test_") and again.id == made.id
    assert list(fake.customers) == [made.id]
    fetched = client.v1.customers.retrieve(made.id)
    assert (fetched.object, fetched.email, fetched.name) == ("customer", "ada@example.com", "Ada")
    assert fetched.metadata["account_id"] == "7" and fetched.shipping is None
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        client.v1.customers.retrieve("cus_nope")
    assert (excinfo.value.http_status, excinfo.value.code) == (404, "resource_missing")
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        client.v1.customers.create(params={"emial": "x@example.com"})
    assert excinfo.value.param == "emial"

    session = create(
        client,
        customer=made.id,
        customer_email=None,
        customer_update={"shipping": "auto", "address": "auto"},
    )
    assert session.customer == made.id
    assert session.customer_details.email == "ada@example.com"
    fake.pay_session(session.id, shipping={"name": "Ada L", "address": {"line1": "1 New Road"}})
    saved = client.v1.customers.retrieve(made.id)
    assert saved.shipping.name == "Ada L" and saved.shipping.address.line1 == "1 New Road"
    assert saved.address.line1 == "1 New Road"
    assert saved.name == "Ada"  # customer_update[name] was not asked for


@pytest.mark.parametrize(
    ("overrides", "param", "message"),
    [
        ({"customer": "cus_nope", "customer_email": None}, "customer", "No such customer"),
        ({"customer_update": {"shipping": "auto"}}, "customer_update", "only be used with"),
        ({"customer_update": {"shipping": "always"}}, "customer_update[shipping]", "must be"),
    ],
)
def test_session_customer_params_are_checked(client, overrides, param, message):
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        create(client, **overrides)
    assert excinfo.value.param == param
    assert message in excinfo.value.user_message


def test_a_session_takes_a_customer_or_an_email_not_both(client):
    made = client.v1.customers.create(params={"email": "ada@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        create(client, customer=made.id, customer_email="ada@example.com")
    assert excinfo.value.param == "customer_email"


# ----------------------------------------------------------------------- billing


def subscription_session(client, customer_id, **overrides):
    """A subscription-mode session: two capsule tubs every two months at the subscribe
    price, a one-off cream, delivery as a one-off line."""
    params = session_params(
        mode="subscription",
        customer=customer_id,
        line_items=[
            {
                "quantity": 2,
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": 2083,
                    "recurring": {"interval": "month", "interval_count": 2},
                    "product_data": {
                        "name": "Gut Biome Capsules x60",
                        "metadata": {"sku": "GBC-60"},
                    },
                },
            },
            {
                "quantity": 1,
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": 1800,
                    "product_data": {"name": "Kefir Face Serum 30ml"},
                },
            },
            {
                "quantity": 1,
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": 395,
                    "product_data": {"name": "Delivery", "metadata": {"sku": "shipping"}},
                },
            },
        ],
        subscription_data={"metadata": {"subscription_id": "9", "order_id": "5"}},
    )
    for name in ("shipping_options", "payment_intent_data", "customer_email"):
        params.pop(name)
    params.update(overrides)
    return client.v1.checkout.sessions.create(params=params)


@pytest.fixture
def subscribed(fake, client):
    """A paid subscription-mode session: (session id, subscription id, customer id)."""
    customer = client.v1.customers.create(params={"email": "jo@example.co.uk"})
    session = subscription_session(client, customer.id)
    fake.pay_session(session.id)
    return session.id, fake.sessions[session.id]["subscription"], customer.id


def test_subscription_session_bills_recurring_and_one_time_lines_on_the_first_invoice(
    fake, client, subscribed
):
    session_id, sub_id, customer_id = subscribed
    session = client.v1.checkout.sessions.retrieve(
        session_id, params={"expand": ["invoice.payments"]}
    )
    assert session.mode == "subscription"
    assert session.amount_total == 2 * 2083 + 1800 + 395
    assert session.subscription == sub_id
    assert session.payment_intent is None
    invoice = session.invoice
    assert invoice.billing_reason == "subscription_create"
    assert invoice.status == "paid"
    assert invoice.amount_paid == session.amount_total
    assert invoice.parent.type == "subscription_details"
    assert invoice.parent.subscription_details.subscription == sub_id
    assert invoice.parent.subscription_details.metadata.to_dict() == {
        "subscription_id": "9",
        "order_id": "5",
    }
    assert "subscription" not in invoice.to_dict()
    (payment,) = invoice.payments.data
    assert payment.payment.type == "payment_intent"
    assert fake.payment_intents[payment.payment.payment_intent]["status"] == "succeeded"
    kinds = [line.parent.type for line in invoice.lines.data]
    assert kinds == ["subscription_item_details", "invoice_item_details", "invoice_item_details"]

    subscription = client.v1.subscriptions.retrieve(
        sub_id, params={"expand": ["items.data.price.product"]}
    )
    assert isinstance(subscription, stripe.Subscription)
    assert subscription.status == "active"
    assert subscription.customer == customer_id
    assert subscription.metadata.to_dict() == {"subscription_id": "9", "order_id": "5"}
    (item,) = subscription["items"].data
    assert item.quantity == 2
    assert item.price.unit_amount == 2083
    assert item.price.recurring.interval_count == 2
    assert item.price.product.metadata.to_dict() == {"sku": "GBC-60"}
    assert invoice.lines.data[0].parent.subscription_item_details.subscription_item == item.id
    start = datetime.fromtimestamp(item.current_period_start, UTC)
    end = datetime.fromtimestamp(item.current_period_end, UTC)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == 2

    types = [event["type"] for event in fake.take_events()]
    assert types == [
        "customer.subscription.created",
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
        "checkout.session.completed",
    ]
    assert fake.take_events() == []


@pytest.mark.parametrize(
    ("overrides", "param", "message"),
    [
        ({"shipping_options": [{"shipping_rate": "shr_x"}]}, "shipping_options", "payment"),
        (
            {"payment_intent_data": {"metadata": {"order_id": "5"}}},
            "payment_intent_data",
            "payment",
        ),
        ({"customer": None}, "customer", "customer"),
        (
            {"subscription_data": {"metadatum": {"a": "b"}}},
            "subscription_data[metadatum]",
            "metadatum",
        ),
        (
            {
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": "gbp",
                            "unit_amount": 1800,
                            "product_data": {"name": "Serum"},
                        },
                    }
                ]
            },
            "line_items",
            "recurring price",
        ),
        (
            {
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": "gbp",
                            "unit_amount": 1800,
                            "recurring": {"interval": "month", "interval_count": count},
                            "product_data": {"name": "Serum"},
                        },
                    }
                    for count in (1, 2)
                ]
            },
            "line_items",
            "different billing intervals",
        ),
    ],
)
def test_invalid_subscription_sessions_are_refused(fake, client, overrides, param, message):
    customer = client.v1.customers.create(params={"email": "jo@example.co.uk"})
    if overrides.get("customer", "") is None:
        # No customer at all: Stripe would make one; the shop always names its own.
        overrides = {"customer_email": "jo@example.co.uk"}
        customer_id = None
    else:
        customer_id = customer.id
    params_override = dict(overrides)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        if customer_id is None:
            params = session_params(
                mode="subscription",
                line_items=[
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": "gbp",
                            "unit_amount": 1800,
                            "recurring": {"interval": "month"},
                            "product_data": {"name": "Serum"},
                        },
                    }
                ],
            )
            params.pop("shipping_options")
            params.pop("payment_intent_data")
            client.v1.checkout.sessions.create(params=params)
        else:
            subscription_session(client, customer_id, **params_override)
    assert caught.value.http_status == 400
    assert caught.value.param.startswith(param)
    assert message in str(caught.value)


def test_recurring_price_in_payment_mode_is_refused(client):
    line = session_params()["line_items"][0]
    line["price_data"]["recurring"] = {"interval": "month"}
    with pytest.raises(stripe.InvalidRequestError, match="recurring price"):
        create(client, line_items=[line])
    with pytest.raises(stripe.InvalidRequestError, match="subscription_data"):
        create(client, subscription_data={"metadata": {"a": "b"}})


def test_renewal_paid_then_failed_then_retried_then_given_up(fake, client, subscribed):
    _, sub_id, customer_id = subscribed
    fake.take_events()
    first_end = fake.subscriptions[sub_id]["items"]["data"][0]["current_period_end"]

    renewal = fake.bill_next_cycle(sub_id)
    assert renewal["billing_reason"] == "subscription_cycle"
    assert renewal["status"] == "paid"
    assert renewal["amount_paid"] == 2 * 2083  # the recurring line alone
    assert renewal["period_start"] == first_end
    (line,) = renewal["lines"]["data"]
    assert line["period"]["start"] == first_end
    invoice = client.v1.invoices.retrieve(renewal["id"], params={"expand": ["payments"]})
    assert invoice.parent.subscription_details.subscription == sub_id
    assert invoice.payments.data[0].payment.payment_intent.startswith("pi_test_")
    types = [event["type"] for event in fake.take_events()]
    assert types == [
        "customer.subscription.updated",
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
    ]

    fake.failing_customers.add(customer_id)
    failed = fake.bill_next_cycle(sub_id)
    assert failed["status"] == "open"
    assert failed["next_payment_attempt"] is not None
    assert fake.subscriptions[sub_id]["status"] == "past_due"
    assert "invoice.payment_failed" in [event["type"] for event in fake.take_events()]

    again = fake.retry_invoice(failed["id"], succeed=False)
    assert again["attempt_count"] == 2
    fake.take_events()
    ended = fake.stop_retrying(failed["id"], then="canceled")
    assert ended["status"] == "canceled"
    assert ended["cancellation_details"]["reason"] == "payment_failed"
    events = fake.take_events()
    assert [event["type"] for event in events] == [
        "invoice.payment_failed",
        "customer.subscription.deleted",
    ]
    assert events[0]["data"]["object"]["next_payment_attempt"] is None
    assert events[0]["created"] < events[1]["created"]
    with pytest.raises(ValueError, match="ended"):
        fake.bill_next_cycle(sub_id)

    listed = client.v1.invoices.list(params={"subscription": sub_id})
    assert [i.billing_reason for i in listed.data].count("subscription_cycle") == 2


def test_a_failed_renewal_paid_on_retry_makes_the_subscription_active(fake, client, subscribed):
    _, sub_id, _ = subscribed
    failed = fake.bill_next_cycle(sub_id, fail=True)
    fake.take_events()
    paid = fake.retry_invoice(failed["id"])
    assert paid["status"] == "paid"
    assert fake.subscriptions[sub_id]["status"] == "active"
    types = [event["type"] for event in fake.take_events()]
    assert types == ["customer.subscription.updated", "invoice.paid", "invoice.payment_succeeded"]
    unpaid = fake.bill_next_cycle(sub_id, fail=True)
    assert fake.stop_retrying(unpaid["id"], then="unpaid")["status"] == "unpaid"


def test_skip_pause_resume_and_cancel_at_period_end(fake, client, subscribed):
    _, sub_id, _ = subscribed
    fake.take_events()
    end = fake.subscriptions[sub_id]["items"]["data"][0]["current_period_end"]
    skipped_to = end + 60 * 24 * 60 * 60
    skipped = client.v1.subscriptions.update(
        sub_id,
        params={"trial_end": skipped_to, "proration_behavior": "none"},
        options={"idempotency_key": "skip-1"},
    )
    assert skipped.status == "trialing"
    assert skipped.trial_end == skipped_to
    assert skipped["items"].data[0].current_period_end == skipped_to
    (event,) = fake.take_events()
    assert event["type"] == "customer.subscription.updated"
    assert event["data"]["previous_attributes"]["status"] == "active"
    assert fake.subscription_updates[-1][1]["proration_behavior"] == "none"

    renewal = fake.bill_next_cycle(sub_id)  # at the trial's end
    assert renewal["period_start"] == skipped_to
    assert fake.subscriptions[sub_id]["status"] == "active"

    resumes = int(time.time()) + 700 * 24 * 60 * 60
    paused = client.v1.subscriptions.update(
        sub_id, params={"pause_collection": {"behavior": "void", "resumes_at": resumes}}
    )
    assert paused.pause_collection.resumes_at == resumes
    fake.take_events()
    void = fake.bill_next_cycle(sub_id)
    assert void["status"] == "void"
    assert [event["type"] for event in fake.take_events()] == [
        "customer.subscription.updated",
        "invoice.voided",
    ]
    resumed = client.v1.subscriptions.update(sub_id, params={"pause_collection": ""})
    assert resumed.pause_collection is None

    cancelling = client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": True})
    assert cancelling.cancel_at_period_end is True
    assert cancelling.cancel_at == cancelling["items"].data[0].current_period_end
    fake.take_events()
    assert fake.bill_next_cycle(sub_id) is None
    assert fake.subscriptions[sub_id]["status"] == "canceled"
    assert [event["type"] for event in fake.take_events()] == ["customer.subscription.deleted"]
    with pytest.raises(stripe.InvalidRequestError, match="canceled subscription"):
        client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": False})


def test_quantity_and_interval_changes(fake, client, subscribed):
    _, sub_id, _ = subscribed
    current = client.v1.subscriptions.retrieve(sub_id)
    item = current["items"].data[0]
    end = item.current_period_end
    changed = client.v1.subscriptions.update(
        sub_id,
        params={
            "items": [
                {
                    "id": item.id,
                    "quantity": 3,
                    "price_data": {
                        "currency": "gbp",
                        "product": item.price.product,
                        "unit_amount": 2083,
                        "recurring": {"interval": "month", "interval_count": 3},
                    },
                }
            ],
            "trial_end": end,
            "proration_behavior": "none",
        },
    )
    new_item = changed["items"].data[0]
    assert new_item.quantity == 3
    assert new_item.price.recurring.interval_count == 3
    assert new_item.current_period_end == end  # the next renewal where it was
    assert [i for i in fake.invoices.values() if i["billing_reason"] != "subscription_create"] == []
    renewal = fake.bill_next_cycle(sub_id)
    assert renewal["amount_paid"] == 3 * 2083
    moved = datetime.fromtimestamp(
        fake.subscriptions[sub_id]["items"]["data"][0]["current_period_end"], UTC
    )
    start = datetime.fromtimestamp(end, UTC)
    assert (moved.year * 12 + moved.month) - (start.year * 12 + start.month) == 3

    # Without a trial_end a new interval restarts the cycle and bills at once, as Stripe does.
    client.v1.subscriptions.update(
        sub_id,
        params={
            "items": [
                {
                    "id": item.id,
                    "price_data": {
                        "currency": "gbp",
                        "product": item.price.product,
                        "unit_amount": 2083,
                        "recurring": {"interval": "month", "interval_count": 1},
                    },
                }
            ]
        },
    )
    reasons = [i["billing_reason"] for i in fake.invoices.values()]
    assert reasons.count("subscription_update") == 1


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"items": [{"id": "si_unknown", "quantity": 2}]}, "items[0][id]"),
        ({"pause_collection": {"behavior": "stop"}}, "pause_collection[behavior]"),
        ({"pause_collection": {"resumes_at": 1}}, "pause_collection[behavior]"),
        ({"cancel_at_period_ends": True}, "cancel_at_period_ends"),
        ({"proration_behavior": "sometimes"}, "proration_behavior"),
        ({"trial_end": "tomorrow"}, "trial_end"),
        (
            {
                "items": [
                    {
                        "price_data": {
                            "currency": "gbp",
                            "product": "prod_unknown",
                            "unit_amount": 100,
                            "recurring": {"interval": "month"},
                        }
                    }
                ]
            },
            "items[0][price_data][product]",
        ),
    ],
)
def test_invalid_subscription_updates_are_refused(fake, client, subscribed, params, param):
    _, sub_id, _ = subscribed
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.update(sub_id, params=params)
    assert caught.value.http_status == 400
    assert param in (caught.value.param or str(caught.value))


def test_cancel_ends_now_once(fake, client, subscribed):
    _, sub_id, _ = subscribed
    fake.take_events()
    canceled = client.v1.subscriptions.cancel(
        sub_id, params={"cancellation_details": {"comment": "Moving abroad"}}
    )
    assert canceled.status == "canceled"
    assert canceled.ended_at is not None
    assert canceled.cancellation_details.comment == "Moving abroad"
    (event,) = fake.take_events()
    assert event["type"] == "customer.subscription.deleted"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.cancel(sub_id)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.retrieve("sub_unknown")
    assert caught.value.http_status == 404


def test_billing_portal_session_for_a_known_customer(fake, client, subscribed):
    _, _, customer_id = subscribed
    portal = client.v1.billing_portal.sessions.create(
        params={"customer": customer_id, "return_url": "https://shop.test/account/subscriptions"}
    )
    assert portal.url == f"{fake.url}/portal/{portal.id}"
    assert portal.return_url == "https://shop.test/account/subscriptions"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.billing_portal.sessions.create(params={"customer": "cus_unknown"})
    assert caught.value.http_status == 404
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.billing_portal.sessions.create(
            params={"customer": customer_id, "return_uri": "https://shop.test/"}
        )


def test_events_can_be_sent_again(fake, subscribed):
    (paid,) = fake.take_events("invoice.paid")
    assert fake.event(paid["id"]) == paid
    assert [e["type"] for e in fake.take_events()][-1] == "checkout.session.completed"


def test_billing_intervals_keep_the_day_of_the_month():
    from tests.stripe_server import _add_interval

    def at(*args):
        return int(datetime(*args, tzinfo=UTC).timestamp())

    assert _add_interval(at(2027, 1, 31, 9), "month", 1) == at(2027, 2, 28, 9)
    assert _add_interval(at(2027, 11, 15), "month", 3) == at(2028, 2, 15)
    assert _add_interval(at(2028, 2, 29), "year", 1) == at(2029, 2, 28)
