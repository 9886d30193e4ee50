"""What one unpaid checkout may hold, and for how long: a basket holds stock for one
checkout at a time, one client address for a few, and a checkout whose payment window
has passed holds nothing, even when the release-expired job has not run. A checkout
that has ended (paid, cancelled, expired, failed) is never reused for a new one.

Stripe is the local Stripe-compatible server, reached through the real `stripe` library.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest

from shop.models import utcnow
from shop.orders.models import OrderStatus
from tests.factories import ProductFactory
from tests.helpers import page
from tests.helpers.checkout import (
    add_to_cart,
    cart_quantities,
    client_at,
    event_count,
    flashes,
    follow,
    only_order,
    orders,
    post_checkout,
    run_together,
    send_event,
    session_creates,
    session_id_from,
    session_object,
    stock,
    update_order,
)
from tests.stripe_server import make_event


def expire_requests(fake) -> list:
    return [r for r in fake.requests_for("POST") if r.path.endswith("/expire")]


@pytest.fixture
def serum(stripe_app) -> int:
    """Kefir Serum, 50 ml, £18.00: 5 in stock; its variant id."""
    with stripe_app.app_context():
        product = ProductFactory(name="Kefir Serum", slug="kefir-serum", variants__on_hand=5)
        return product.variants[0].id


def lapse(app, order_id: int, minutes_ago: int = 6) -> None:
    """Move an order's payment window into the past, as the clock would."""
    update_order(app, order_id, payment_expires_at=utcnow() - timedelta(minutes=minutes_ago))


def hoard(app, serum: int, quantity: int = 5) -> int:
    """Another shopper checks out `quantity` of the serum and never pays; the order id."""
    hoarder = client_at(app, "203.0.113.9")
    add_to_cart(hoarder, serum, quantity)
    session_id_from(post_checkout(hoarder))
    (order,) = [o for o in orders(app) if o.status == OrderStatus.PENDING]
    return order.id


def size_offered(client) -> bool:
    """Whether the product page offers the serum's size (else it says it is sold out)."""
    soup = page(client.get("/products/kefir-serum"))
    radio = soup.select_one("input[name=variant_id]")
    offered = not radio.has_attr("disabled") and radio["data-stock-state"] != "sold_out"
    assert offered == (soup.find("button", string="Add to basket") is not None)
    return offered


# A lapsed checkout holds nothing ---------------------------------------------------------


def test_a_lapsed_checkout_frees_its_stock_when_the_product_page_is_shown(
    stripe_app, shopper, serum, fake
):
    order_id = hoard(stripe_app, serum)
    assert not size_offered(shopper)  # sold out while the payment page is open

    lapse(stripe_app, order_id)

    assert size_offered(shopper)
    assert stock(stripe_app, serum) == (5, 0)
    assert only_order(stripe_app).status == OrderStatus.EXPIRED
    assert event_count(stripe_app, order_id, "expired") == 1
    assert expire_requests(fake) == []  # its session cannot be paid: Stripe is not asked


@pytest.mark.parametrize("minutes_ago", [-1, 2], ids=["window open", "within the grace"])
def test_a_checkout_still_in_its_window_keeps_its_stock(
    stripe_app, shopper, serum, fake, minutes_ago
):
    order_id = hoard(stripe_app, serum)
    lapse(stripe_app, order_id, minutes_ago)

    assert not size_offered(shopper)
    response = shopper.post(
        "/cart/add",
        data={"variant_id": serum, "quantity": 1},
        headers={"Accept": "application/json"},
    )
    assert (response.status_code, response.json["message"]) == (
        409,
        "Sorry, Kefir Serum (50 ml) is sold out.",
    )
    assert stock(stripe_app, serum) == (5, 5)
    assert only_order(stripe_app).status == OrderStatus.PENDING


def test_adding_to_the_basket_frees_a_lapsed_checkouts_stock(stripe_app, shopper, serum, fake):
    lapse(stripe_app, hoard(stripe_app, serum))

    assert add_to_cart(shopper, serum, 2) == ["Added 2 × Kefir Serum (50 ml) to your basket."]

    assert stock(stripe_app, serum) == (5, 0)
    assert only_order(stripe_app).status == OrderStatus.EXPIRED


def test_adding_to_a_basket_with_lines_frees_a_lapsed_checkouts_stock(
    stripe_app, shopper, serum, fake
):
    with stripe_app.app_context():
        toner = ProductFactory(name="Oat Toner", slug="oat-toner").variants[0].id
    add_to_cart(shopper, toner)
    lapse(stripe_app, hoard(stripe_app, serum, 4))

    assert add_to_cart(shopper, serum, 2) == ["Added 2 × Kefir Serum (50 ml) to your basket."]

    assert stock(stripe_app, serum) == (5, 0)
    assert only_order(stripe_app).status == OrderStatus.EXPIRED


def test_the_basket_page_frees_a_lapsed_checkouts_stock(stripe_app, shopper, serum, fake):
    add_to_cart(shopper, serum, 2)  # before the other shopper took the rest
    lapse(stripe_app, hoard(stripe_app, serum))

    soup = page(shopper.get("/cart"))

    assert soup.select(".cart-line--problem") == []
    assert soup.find("form", action="/checkout") is not None
    assert stock(stripe_app, serum) == (5, 0)


def test_checking_out_frees_a_lapsed_checkouts_stock(stripe_app, shopper, serum, fake):
    add_to_cart(shopper, serum, 2)
    lapse(stripe_app, hoard(stripe_app, serum))

    session_id = session_id_from(post_checkout(shopper))  # straight from another page

    statuses = {o.payment_session_id: o.status for o in orders(stripe_app)}
    assert statuses[session_id] == OrderStatus.PENDING
    assert sorted(statuses.values()) == [OrderStatus.EXPIRED, OrderStatus.PENDING]
    assert stock(stripe_app, serum) == (5, 2)
    assert expire_requests(fake) == []


def test_a_payment_that_arrives_after_a_lapsed_checkout_was_freed_is_still_recorded(
    stripe_app, shopper, serum, fake, smtp_server
):
    order_id = hoard(stripe_app, serum)
    (order,) = orders(stripe_app)
    lapse(stripe_app, order_id)
    assert size_offered(shopper)  # freed
    assert stock(stripe_app, serum) == (5, 0)

    # Stripe completed the payment just before the deadline; its event comes late.
    event = make_event("checkout.session.completed", fake.pay_session(order.payment_session_id))
    assert send_event(shopper, event).status_code == 200

    order = only_order(stripe_app)
    assert order.status == OrderStatus.PAID
    assert stock(stripe_app, serum) == (0, 0)
    assert event_count(stripe_app, order.id, "stock_short") == 0


# One checkout per basket -------------------------------------------------------------------


def test_checking_out_a_changed_basket_ends_its_earlier_checkout_first(
    stripe_app, shopper, products, fake
):
    add_to_cart(shopper, products.cream, 2)
    first = session_id_from(post_checkout(shopper))
    add_to_cart(shopper, products.capsules)  # back in the shop without cancelling

    second = session_id_from(post_checkout(shopper))

    assert second != first
    assert [r.path for r in expire_requests(fake)] == [f"/v1/checkout/sessions/{first}/expire"]
    assert session_object(fake, first)["status"] == "expired"
    assert [(o.payment_session_id, o.status) for o in orders(stripe_app)] == [
        (first, OrderStatus.CANCELLED),
        (second, OrderStatus.PENDING),
    ]
    assert stock(stripe_app, products.cream) == (20, 2)  # held once, not twice
    assert stock(stripe_app, products.capsules) == (20, 1)


def test_an_unchanged_basket_checked_out_again_carries_on_with_its_checkout(
    stripe_app, shopper, products, fake
):
    add_to_cart(shopper, products.cream, 2)
    first = session_id_from(post_checkout(shopper))
    shopper.get("/cart")  # back to the basket, then the button again

    assert session_id_from(post_checkout(shopper)) == first
    assert expire_requests(fake) == []
    assert len(session_creates(fake)) == 1
    assert only_order(stripe_app).status == OrderStatus.PENDING


def test_when_the_earlier_checkout_cannot_be_ended_no_other_starts(
    stripe_app, shopper, products, fake
):
    add_to_cart(shopper, products.cream, 2)
    first = session_id_from(post_checkout(shopper))
    add_to_cart(shopper, products.capsules)
    fake.fail_next = 500  # the expire call fails

    response = post_checkout(shopper)

    assert response.headers["Location"] == "/cart"
    assert flashes(follow(shopper, response)) == [
        "We could not reach the payment provider to close your earlier checkout of this "
        "basket, so we have not started another. Nothing was charged and your basket is "
        "kept: please try again in a moment."
    ]
    assert session_object(fake, first)["status"] == "open"
    assert [(o.payment_session_id, o.status) for o in orders(stripe_app)] == [
        (first, OrderStatus.PENDING)
    ]
    assert len(session_creates(fake)) == 1
    assert stock(stripe_app, products.cream) == (20, 2)
    assert stock(stripe_app, products.capsules) == (20, 0)
    assert cart_quantities(stripe_app, shopper) == {products.cream: 2, products.capsules: 1}

    # Once Stripe answers again, the next try goes through.
    second = session_id_from(post_checkout(shopper))
    assert [o.status for o in orders(stripe_app)] == [OrderStatus.CANCELLED, OrderStatus.PENDING]
    assert orders(stripe_app)[-1].payment_session_id == second


def test_an_earlier_checkout_paid_meanwhile_is_shown_not_ended(
    stripe_app, shopper, products, fake, smtp_server
):
    add_to_cart(shopper, products.cream, 2)
    first = session_id_from(post_checkout(shopper))
    add_to_cart(shopper, products.capsules)
    fake.pay_session(first)  # paid in the other tab; the shop has not heard yet

    response = post_checkout(shopper)

    order = orders(stripe_app)[0]
    assert response.headers["Location"] == f"/orders/{order.access_token}"
    assert flashes(follow(shopper, response)) == [
        f"Your earlier checkout of this basket has been paid: order {order.number}."
    ]
    assert [o.status for o in orders(stripe_app)] == [OrderStatus.PAID]
    assert len(session_creates(fake)) == 1
    assert stock(stripe_app, products.cream) == (18, 0)


# A few open checkouts per client address -----------------------------------------------------


def test_one_address_holds_at_most_three_open_checkouts(stripe_app, products, fake):
    shoppers = [client_at(stripe_app, "198.51.100.7") for _ in range(4)]
    for shopper in shoppers:
        add_to_cart(shopper, products.cream)
    for shopper in shoppers[:3]:
        session_id_from(post_checkout(shopper))

    refused = post_checkout(shoppers[3])

    assert refused.headers["Location"] == "/cart"
    assert flashes(follow(shoppers[3], refused)) == [
        "There are already 3 checkouts waiting for payment from your connection. Please pay "
        "for or cancel one of them first, or try again once one has closed (a checkout stays "
        "open for 31 minutes)."
    ]
    assert len(orders(stripe_app)) == 3
    assert stock(stripe_app, products.cream) == (20, 3)
    assert cart_quantities(stripe_app, shoppers[3]) == {products.cream: 1}

    # Another address is not held back; nor is this one once a checkout has closed.
    elsewhere = client_at(stripe_app, "198.51.100.8")
    add_to_cart(elsewhere, products.cream)
    session_id_from(post_checkout(elsewhere))
    lapse(stripe_app, orders(stripe_app)[0].id, minutes_ago=1)
    session_id_from(post_checkout(shoppers[3]))
    assert stock(stripe_app, products.cream) == (20, 5)


def test_the_address_is_kept_only_as_a_keyed_hash(stripe_app, products, fake):
    shopper = client_at(stripe_app, "198.51.100.7")
    add_to_cart(shopper, products.cream)
    session_id_from(post_checkout(shopper))

    key = only_order(stripe_app).client_key
    secret = stripe_app.config["SECRET_KEY"].encode()
    assert key == hmac.new(secret, b"198.51.100.7", hashlib.sha256).hexdigest()
    assert key != hashlib.sha256(b"198.51.100.7").hexdigest()  # not guessable without the key


def test_checkouts_from_one_address_at_once_stop_at_the_limit(stripe_app, products, fake):
    shoppers = [client_at(stripe_app, "198.51.100.7") for _ in range(6)]
    for shopper in shoppers:
        add_to_cart(shopper, products.cream)

    responses = run_together(*[lambda s=s: post_checkout(s) for s in shoppers])

    to_stripe = [r for r in responses if r.headers["Location"].startswith(fake.url)]
    assert len(to_stripe) == 3
    assert all(r.headers["Location"] == "/cart" for r in responses if r not in to_stripe)
    assert [o.status for o in orders(stripe_app)] == [OrderStatus.PENDING] * 3
    assert stock(stripe_app, products.cream) == (20, 3)


def test_the_limit_can_be_changed_or_turned_off(app_factory, fake, smtp_server):
    from tests.helpers.checkout import STRIPE_SECRET_KEY, WEBHOOK_SECRET, make_products

    app = app_factory(
        STRIPE_SECRET_KEY=STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=fake.url,
        CHECKOUT_OPEN_PER_CLIENT=0,
    )
    products = make_products(app)
    for _ in range(5):
        shopper = client_at(app, "198.51.100.7")
        add_to_cart(shopper, products.cream)
        session_id_from(post_checkout(shopper))
    assert stock(app, products.cream) == (20, 5)


# An ended checkout is never reused ------------------------------------------------------


def test_buying_the_same_basket_again_after_paying_starts_a_new_payment(
    stripe_app, shopper, products, fake, smtp_server
):
    add_to_cart(shopper, products.cream, 2)
    first = session_id_from(post_checkout(shopper))
    fake.pay_session(first)
    shopper.get(f"/checkout/success?session_id={first}")
    assert cart_quantities(stripe_app, shopper) == {}

    add_to_cart(shopper, products.cream, 2)  # the same again
    second = session_id_from(post_checkout(shopper))

    assert second != first
    assert [(o.payment_session_id, o.status) for o in orders(stripe_app)] == [
        (first, OrderStatus.PAID),
        (second, OrderStatus.PENDING),
    ]
    assert stock(stripe_app, products.cream) == (18, 2)


@pytest.mark.parametrize(
    "status",
    [OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.FAILED],
)
def test_an_ended_checkout_of_the_same_basket_is_never_returned(
    stripe_app, shopper, products, fake, status
):
    add_to_cart(shopper, products.cream, 2)
    first = session_id_from(post_checkout(shopper))
    # Ended behind the shop's back, so the basket still names the same checkout.
    update_order(stripe_app, only_order(stripe_app).id, status=status)

    response = post_checkout(shopper)

    second = session_id_from(response)  # to a new payment page, not the old order
    assert second != first
    assert [o.status for o in orders(stripe_app)] == [status, OrderStatus.PENDING]
    assert len(session_creates(fake)) == 2
    # A double click on the new one still lands on the same payment page.
    assert session_id_from(post_checkout(shopper)) == second
