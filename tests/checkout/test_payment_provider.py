"""PAYMENT_PROVIDER decides between Stripe and the demo provider; a Stripe key alone
no longer does when the setting says otherwise."""

from __future__ import annotations

from tests.helpers.checkout import (
    STRIPE_SECRET_KEY,
    WEBHOOK_SECRET,
    add_to_cart,
    make_products,
    post_checkout,
    send_event,
    session_creates,
    session_id_from,
)


def test_demo_chosen_on_purpose_is_used_even_with_stripe_keys(app_factory, fake):
    app = app_factory(
        PAYMENT_PROVIDER="demo",
        STRIPE_SECRET_KEY=STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=fake.url,
    )
    shopper = app.test_client()
    add_to_cart(shopper, make_products(app).cream)

    response = post_checkout(shopper)

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/checkout/demo/demo_cs_")
    assert shopper.get(response.headers["Location"]).status_code == 200
    assert session_creates(fake) == []
    # Stripe's webhook is not listening for a demo shop.
    assert send_event(shopper, {"id": "evt_1", "type": "ping"}).status_code == 404


def test_stripe_chosen_hides_the_demo_payment_page(app_factory, fake):
    app = app_factory(
        PAYMENT_PROVIDER="stripe",
        STRIPE_SECRET_KEY=STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=fake.url,
    )
    shopper = app.test_client()
    add_to_cart(shopper, make_products(app).cream)

    session_id_from(post_checkout(shopper))

    assert len(session_creates(fake)) == 1
    assert shopper.get("/checkout/demo/demo_cs_anything").status_code == 404
