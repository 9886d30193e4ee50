"""POST /checkout with Stripe: what the shop asks Stripe for, double clicks, bad input, failures.

Every request goes through the real `stripe` library over HTTP to the local
Stripe-compatible server, which refuses any parameter Stripe would refuse.
"""

from __future__ import annotations

import socket
import time

import pytest

from shop.catalogue.models import Variant
from shop.extensions import db
from shop.orders.models import OrderStatus
from tests.factories import ProductFactory
from tests.helpers.checkout import (
    STRIPE_SECRET_KEY,
    WEBHOOK_SECRET,
    add_to_cart,
    cart_quantities,
    flashes,
    follow,
    make_products,
    only_order,
    orders,
    post_checkout,
    run_together,
    session_creates,
    session_id_from,
    set_variant,
    share_basket,
    stock,
)


def test_checkout_asks_stripe_for_the_basket_at_database_prices(
    stripe_app, shopper, products, fake
):
    add_to_cart(shopper, products.cream, 2)
    before = int(time.time())

    response = post_checkout(shopper)

    session_id = session_id_from(response)
    with fake.lock:
        assert response.headers["Location"] == fake.sessions[session_id]["url"]
    (request,) = session_creates(fake)
    order = only_order(stripe_app)
    params = request.params
    assert params["mode"] == "payment"
    assert params["currency"] == "gbp"
    assert params["line_items"] == [
        {
            "quantity": "2",
            "price_data": {
                "currency": "gbp",
                "unit_amount": "1800",
                "product_data": {
                    "name": "Barrier Cream (50 ml)",
                    "metadata": {"sku": order.lines[0].sku},
                },
            },
        }
    ]
    assert params["shipping_address_collection"] == {"allowed_countries": ["GB"]}
    (option,) = params["shipping_options"]
    rate = option["shipping_rate_data"]
    assert rate["type"] == "fixed_amount"
    assert rate["display_name"] == "Standard UK delivery"
    assert rate["fixed_amount"] == {"amount": "395", "currency": "gbp"}  # below £40
    assert params["client_reference_id"] == str(order.id)
    assert params["metadata"]["order_id"] == str(order.id)
    assert params["metadata"]["order_number"] == order.number
    assert params["payment_intent_data"]["metadata"]["order_id"] == str(order.id)
    expires_in = int(params["expires_at"]) - before
    assert 30 * 60 < expires_in <= 24 * 60 * 60
    assert abs(expires_in - 31 * 60) <= 60
    assert params["success_url"] == (
        "http://shop.test/checkout/success?session_id={CHECKOUT_SESSION_ID}"
    )
    assert params["cancel_url"] == f"http://shop.test/checkout/cancel?order={order.access_token}"
    assert request.idempotency_key == order.checkout_key

    assert order.status == OrderStatus.PENDING
    assert order.payment_session_id == session_id
    assert (order.subtotal_pence, order.shipping_pence, order.total_pence) == (3600, 395, 3995)
    with fake.lock:
        assert fake.sessions[session_id]["amount_total"] == 3995
    assert stock(stripe_app, products.cream) == (20, 2)
    assert cart_quantities(stripe_app, shopper) == {products.cream: 2}  # kept until paid


@pytest.mark.parametrize(
    ("price_pence", "delivery_pence"),
    [(3999, 395), (4000, 0), (4250, 0)],
)
def test_standard_delivery_is_free_from_40_pounds(
    stripe_app, shopper, fake, price_pence, delivery_pence
):
    with stripe_app.app_context():
        variant_id = ProductFactory(variants__price_pence=price_pence).variants[0].id
    add_to_cart(shopper, variant_id)

    session_id_from(post_checkout(shopper))

    (request,) = session_creates(fake)
    rate = request.params["shipping_options"][0]["shipping_rate_data"]
    assert rate["display_name"] == "Standard UK delivery"
    assert rate["fixed_amount"] == {"amount": str(delivery_pence), "currency": "gbp"}
    assert only_order(stripe_app).total_pence == price_pence + delivery_pence


def test_express_delivery_chosen_in_the_basket(stripe_app, shopper, products, fake):
    add_to_cart(shopper, products.cream)
    add_to_cart(shopper, products.capsules)  # £42.50: standard would be free
    assert shopper.post("/cart/shipping", data={"shipping": "express"}).status_code == 303

    session_id_from(post_checkout(shopper))

    (request,) = session_creates(fake)
    assert len(request.params["line_items"]) == 2
    rate = request.params["shipping_options"][0]["shipping_rate_data"]
    assert rate["display_name"] == "Express UK delivery"
    assert rate["fixed_amount"] == {"amount": "695", "currency": "gbp"}
    assert rate["delivery_estimate"] == {
        "minimum": {"unit": "business_day", "value": "1"},
        "maximum": {"unit": "business_day", "value": "1"},
    }
    order = only_order(stripe_app)
    assert (order.shipping_code, order.total_pence) == ("express", 1800 + 2450 + 695)


def test_a_double_click_opens_one_order_and_one_session(stripe_app, shopper, products, fake):
    add_to_cart(shopper, products.cream, 2)

    first = post_checkout(shopper)
    second = post_checkout(shopper)

    assert session_id_from(first) == session_id_from(second)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(orders(stripe_app)) == 1
    assert len(fake.sessions) == 1
    assert stock(stripe_app, products.cream) == (20, 2)  # reserved once


def test_a_double_click_on_the_last_unit_still_goes_to_payment(stripe_app, shopper, fake):
    with stripe_app.app_context():
        variant_id = ProductFactory(variants__on_hand=1).variants[0].id
    add_to_cart(shopper, variant_id)

    first = post_checkout(shopper)
    second = post_checkout(shopper)  # the first click's reservation holds the last unit

    assert session_id_from(second) == session_id_from(first)
    assert len(orders(stripe_app)) == 1
    assert stock(stripe_app, variant_id) == (1, 1)


def test_tabs_checking_out_at_once_open_one_order_and_one_session(stripe_app, products, fake):
    for round_ in range(3):  # a race: try it a few times
        fake.reset()
        tab = stripe_app.test_client()
        add_to_cart(tab, products.capsules, 1 + round_)
        tabs = [tab] + [share_basket(stripe_app, tab) for _ in range(3)]

        responses = run_together(*[lambda t=t: post_checkout(t) for t in tabs])

        assert {session_id_from(r) for r in responses} == set(fake.sessions)
        assert len(fake.sessions) == 1
        assert len(orders(stripe_app)) == round_ + 1  # one new order per basket
        assert orders(stripe_app)[-1].payment_session_id == session_id_from(responses[0])
        assert stock(stripe_app, products.capsules) == (20, sum(range(1, round_ + 2)))


def test_a_price_posted_by_the_browser_is_ignored(stripe_app, shopper, products, fake):
    messages = add_to_cart(
        shopper, products.cream, 1, price="1", unit_amount="1", price_pence="1", total="1"
    )
    assert messages == ["Added 1 × Barrier Cream (50 ml) to your basket."]

    session_id_from(post_checkout(shopper))

    (request,) = session_creates(fake)
    assert request.params["line_items"][0]["price_data"]["unit_amount"] == "1800"
    assert only_order(stripe_app).subtotal_pence == 1800


def test_stripe_gets_the_price_in_the_database_at_checkout(stripe_app, shopper, products, fake):
    add_to_cart(shopper, products.cream)
    set_variant(stripe_app, products.cream, price_pence=2100)

    session_id_from(post_checkout(shopper))

    (request,) = session_creates(fake)
    assert request.params["line_items"][0]["price_data"]["unit_amount"] == "2100"


@pytest.mark.parametrize("which", ["archived", "unknown"])
def test_a_variant_that_is_not_for_sale_is_refused(stripe_app, shopper, products, which):
    variant_id = products.archived if which == "archived" else 999_999

    messages = add_to_cart(shopper, variant_id)

    assert messages == ["Sorry, that product is no longer available."]
    assert cart_quantities(stripe_app, shopper) == {}
    # The same answer for a script, with a status that says what went wrong.
    response = shopper.post(
        "/cart/add",
        data={"variant_id": str(variant_id), "quantity": "1"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409
    assert response.json["message"] == "Sorry, that product is no longer available."
    assert cart_quantities(stripe_app, shopper) == {}


def test_a_variant_id_that_is_not_a_number_is_refused(stripe_app, shopper, products):
    messages = add_to_cart(shopper, "1 OR 1=1")

    assert len(messages) == 1
    assert cart_quantities(stripe_app, shopper) == {}


def test_the_quantity_is_capped_at_what_is_available(stripe_app, shopper, fake):
    with stripe_app.app_context():
        variant_id = ProductFactory(name="Kefir Serum", variants__on_hand=3).variants[0].id

    messages = add_to_cart(shopper, variant_id, 10)

    assert messages == ["Only 3 of Kefir Serum (50 ml) available: your basket now has 3."]
    assert cart_quantities(stripe_app, shopper) == {variant_id: 3}
    session_id_from(post_checkout(shopper))
    (request,) = session_creates(fake)
    assert request.params["line_items"][0]["quantity"] == "3"


@pytest.mark.parametrize("failure", [500, 402])
def test_when_stripe_fails_the_basket_is_kept_and_the_stock_released(
    stripe_app, shopper, products, fake, failure
):
    add_to_cart(shopper, products.cream, 2)
    fake.fail_next = failure

    response = post_checkout(shopper)

    assert response.status_code == 303
    assert response.headers["Location"] == "/cart"
    assert flashes(follow(shopper, response)) == [
        "We could not start the payment just now. Nothing was charged: please try again."
    ]
    assert stock(stripe_app, products.cream) == (20, 0)
    assert cart_quantities(stripe_app, shopper) == {products.cream: 2}
    order = only_order(stripe_app)
    assert order.status == OrderStatus.FAILED
    assert order.payment_session_id is None

    # Trying again works: a new order and a session.
    session_id = session_id_from(post_checkout(shopper))
    retried = orders(stripe_app)[-1]
    assert (retried.status, retried.payment_session_id) == (OrderStatus.PENDING, session_id)
    assert stock(stripe_app, products.cream) == (20, 2)


def test_when_stripe_cannot_be_reached_the_basket_is_kept(app_factory):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = app_factory(
        STRIPE_SECRET_KEY=STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=f"http://127.0.0.1:{port}",
    )
    products = make_products(app)
    shopper = app.test_client()
    add_to_cart(shopper, products.cream)

    response = post_checkout(shopper)

    assert response.headers["Location"] == "/cart"
    assert "could not start the payment" in flashes(follow(shopper, response))[0]
    assert stock(app, products.cream) == (20, 0)
    assert cart_quantities(app, shopper) == {products.cream: 1}
    assert orders(app)[0].status == OrderStatus.FAILED


def test_checkout_of_an_empty_basket_goes_back_to_the_basket(stripe_app, shopper, products, fake):
    response = post_checkout(shopper)

    assert response.headers["Location"] == "/cart"
    assert flashes(follow(shopper, response)) == ["Your basket is empty."]
    assert session_creates(fake) == []
    assert orders(stripe_app) == []


def test_a_product_withdrawn_after_it_was_added_stops_the_checkout(
    stripe_app, shopper, products, fake
):
    add_to_cart(shopper, products.cream)
    add_to_cart(shopper, products.capsules)
    with stripe_app.app_context():
        db.session.get(Variant, products.capsules).product.is_active = False
        db.session.commit()

    response = post_checkout(shopper)

    assert response.headers["Location"] == "/cart"
    assert flashes(follow(shopper, response)) == [
        "Some items in your basket need your attention first: "
        "Live Bacteria Capsules (60 capsules) is no longer sold."
    ]
    assert session_creates(fake) == []
    assert orders(stripe_app) == []
    assert stock(stripe_app, products.cream) == (20, 0)


def test_stripe_return_pages_are_on_the_shop_whatever_host_the_shopper_named(app_factory, fake):
    """Success and cancel URLs come from SHOP_BASE_URL (here its development default),
    never from a forged Host or X-Forwarded-Host."""
    from tests.helpers.database import UNSET

    app = app_factory(
        STRIPE_SECRET_KEY=STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=fake.url,
        SHOP_BASE_URL=UNSET,
        PROXY_COUNT=1,
    )
    products = make_products(app)
    shopper = app.test_client()
    add_to_cart(shopper, products.cream)
    # Sent on by the proxy in front of the shop (the Host itself must match the
    # basket's cookie, as a browser's would).
    session_id_from(shopper.post("/checkout", headers={"X-Forwarded-Host": "evil.example"}))

    (request,) = session_creates(fake)
    order = only_order(app)
    assert request.params["success_url"] == (
        "http://127.0.0.1:5000/checkout/success?session_id={CHECKOUT_SESSION_ID}"
    )
    assert request.params["cancel_url"] == (
        f"http://127.0.0.1:5000/checkout/cancel?order={order.access_token}"
    )
