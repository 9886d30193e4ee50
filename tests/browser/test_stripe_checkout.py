"""The shopper's journey through Stripe Checkout: the shop runs with a Stripe key and
talks to a local Stripe-compatible server (tests/stripe_server.py) through the real
`stripe` library; the browser follows the redirect to that server's hosted payment
page, pays there and comes back to /checkout/success."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ORDER_URL, find_order
from tests.stripe_server import FakeStripe

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def stripe_server():
    server = FakeStripe().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def live_server(serve, stripe_server):
    return serve(
        STRIPE_SECRET_KEY="sk_test_browser",
        STRIPE_WEBHOOK_SECRET="whsec_browser",
        STRIPE_API_BASE=stripe_server.url,
    )


def test_shopper_pays_on_the_stripe_checkout_page(page, live_server, stripe_server):
    page.goto("/shop")
    page.get_by_label("Skin concern").select_option(label="Atopic dermatitis / eczema")
    expect(page).to_have_url(re.compile(r"concern=atopic-dermatitis"))
    page.locator(".product-card__link", has_text="Postbiotic Recovery Serum").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Postbiotic Recovery Serum")
    page.get_by_role("radio", name=re.compile(r"^50 ml")).check()
    expect(page.locator("[data-variant-price]")).to_have_text("£46.00")
    page.get_by_role("button", name="Add to basket").click()
    expect(page.locator("[data-cart-count]")).to_have_text("1")

    page.get_by_role("link", name=re.compile("^Basket")).click()
    page.get_by_role("spinbutton", name=re.compile("^Quantity of Postbiotic")).fill("2")
    page.get_by_role("button", name="Update", exact=True).click()
    expect(page.locator("[data-cart-count]")).to_have_text("2")
    expect(page.locator(".totals__total dd")).to_have_text("£92.00")

    page.get_by_role("button", name="Check out securely").click()
    # Stripe's hosted page, on another origin.
    expect(page).to_have_url(re.compile(re.escape(stripe_server.url) + r"/pay/cs_\w+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay £92.00")
    session_id = page.url.rsplit("/", 1)[1]
    page.get_by_role("button", name="Pay", exact=True).click()

    # Back at the shop: /checkout/success?session_id=... confirms the order and shows it.
    expect(page).to_have_url(ORDER_URL)
    expect(page.locator(".flash")).to_contain_text("Thank you! Your order")
    expect(page.locator(".order-status")).to_contain_text("Paid")
    row = page.locator(".order-lines tbody tr")
    expect(row).to_contain_text("Postbiotic Recovery Serum")
    expect(row.locator("td").first).to_have_text("2")
    expect(page.locator(".order-lines__total td")).to_have_text("£92.00")

    order = find_order(live_server.app, payment_session_id=session_id)
    assert order.status == "paid"
    assert page.url.endswith(f"/orders/{order.access_token}")
    assert [(line.size_label, line.quantity) for line in order.lines] == [("50 ml", 2)]
    visits = [r.path for r in stripe_server.requests_for("GET") if r.path.startswith("/pay/")]
    assert visits == [f"/pay/{session_id}"]  # the browser itself went to the hosted page
    (created,) = stripe_server.requests_for("POST", "/v1/checkout/sessions")
    assert created.params["success_url"] == (
        f"{live_server.url}/checkout/success?session_id={{CHECKOUT_SESSION_ID}}"
    )
