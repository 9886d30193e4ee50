"""Many shoppers checking out the last units at once: nobody buys stock that is not there.

Runs on whatever database the suite runs on (SQLite by default, PostgreSQL with
TEST_DATABASE_URL). Each request runs in its own thread with its own app context.
"""

from __future__ import annotations

from shop.orders.models import OrderStatus
from tests.factories import ProductFactory
from tests.helpers.checkout import (
    add_to_cart,
    cart_quantities,
    client_at,
    flashes,
    follow,
    orders,
    post_checkout,
    run_together,
    session_creates,
    session_id_from,
    stock,
)

SHOPPERS = 20
IN_STOCK = 5


def test_twenty_shoppers_five_units_five_orders(stripe_app, fake):
    with stripe_app.app_context():
        sachets = ProductFactory(
            name="Synbiotic Sachets", variants__size_label="30 sachets", variants__on_hand=IN_STOCK
        )
        variant_id = sachets.variants[0].id
    shoppers = [client_at(stripe_app, f"192.0.2.{n}") for n in range(1, SHOPPERS + 1)]
    for shopper in shoppers:
        assert add_to_cart(shopper, variant_id) == [
            "Added 1 × Synbiotic Sachets (30 sachets) to your basket."
        ]

    responses = run_together(*[lambda s=s: post_checkout(s) for s in shoppers])

    to_stripe = [r for r in responses if r.headers["Location"].startswith(fake.url)]
    to_basket = [(s, r) for s, r in zip(shoppers, responses, strict=True) if r not in to_stripe]
    assert all(r.status_code == 303 for r in responses)
    assert len(to_stripe) == IN_STOCK
    assert len({session_id_from(r) for r in to_stripe}) == IN_STOCK
    assert len(session_creates(fake)) == IN_STOCK
    assert stock(stripe_app, variant_id) == (IN_STOCK, IN_STOCK)

    for shopper, response in to_basket:
        assert response.headers["Location"] == "/cart"
        (message,) = flashes(follow(shopper, response))
        assert "someone bought the last" in message.lower() or "sold out" in message.lower()
        assert cart_quantities(stripe_app, shopper) == {variant_id: 1}  # basket kept

    pending = [o for o in orders(stripe_app) if o.status == OrderStatus.PENDING]
    assert len(pending) == IN_STOCK
    assert {o.payment_session_id for o in pending} == {session_id_from(r) for r in to_stripe}
    assert all(o.status == OrderStatus.PENDING for o in orders(stripe_app))  # no half orders


def test_the_last_unit_goes_to_one_of_two_shoppers_and_the_other_is_told(stripe_app, fake):
    with stripe_app.app_context():
        variant_id = ProductFactory(name="Kefir Serum", variants__on_hand=1).variants[0].id
    first, second = stripe_app.test_client(), stripe_app.test_client()
    add_to_cart(first, variant_id)
    add_to_cart(second, variant_id)

    session_id_from(post_checkout(first))
    response = post_checkout(second)

    assert response.headers["Location"] == "/cart"
    (message,) = flashes(follow(second, response))
    assert "sold out" in message.lower()
    assert "Kefir Serum (50 ml)" in message
    assert cart_quantities(stripe_app, second) == {variant_id: 1}
    assert stock(stripe_app, variant_id) == (1, 1)
    assert len(orders(stripe_app)) == 1


def test_a_shopper_wanting_more_than_is_left_is_told_how_many_are_left(stripe_app, fake):
    with stripe_app.app_context():
        variant_id = ProductFactory(name="Kefir Serum", variants__on_hand=3).variants[0].id
    first, second = stripe_app.test_client(), stripe_app.test_client()
    add_to_cart(first, variant_id, 2)
    add_to_cart(second, variant_id, 2)

    session_id_from(post_checkout(first))
    response = post_checkout(second)

    assert response.headers["Location"] == "/cart"
    assert flashes(follow(second, response)) == [
        "Some items in your basket need your attention first: only 1 of Kefir Serum (50 ml) left."
    ]
    assert cart_quantities(stripe_app, second) == {variant_id: 2}
    assert stock(stripe_app, variant_id) == (3, 2)
    assert len(session_creates(fake)) == 1
