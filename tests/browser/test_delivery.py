"""Choosing delivery in the basket with JavaScript on: the choice applies at once (the
form is sent when a radio button changes) and the basket, the payment page and the
order all charge it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ADDRESS, add_to_basket, find_order, pay_with_demo_provider

pytestmark = pytest.mark.browser

# Daily Live Cultures, 30 capsules: £18.00, below the £40 of free standard delivery.
OPTIONS = {
    "standard": ("Standard UK delivery", "£3.95", "£21.95", 2195),
    "express": ("Express UK delivery", "£6.95", "£24.95", 2495),
}


@pytest.mark.parametrize("code", list(OPTIONS))
def test_the_delivery_chosen_in_the_basket_is_what_is_charged(page, live_server, code):
    name, delivery, total, total_pence = OPTIONS[code]
    add_to_basket(page, "daily-live-cultures", "30 capsules")
    page.goto("/cart")
    expect(page.get_by_role("button", name="Update delivery")).to_be_hidden()  # JS applies it

    # Standard is chosen to begin with: to choose it, first move away from it, so that
    # each option under test is a change the page has to send.
    for chosen in ("express", "standard") if code == "standard" else (code,):
        page.get_by_role("radio", name=re.compile(rf"^{OPTIONS[chosen][0]}")).check()
        expect(page.locator(".flash")).to_have_text(f"Delivery: {OPTIONS[chosen][0]}.")
        expect(page.locator(".totals__total dd")).to_have_text(OPTIONS[chosen][2])
    expect(page.get_by_role("radio", name=re.compile(rf"^{name}"))).to_be_checked()
    totals = page.locator(".totals")
    expect(totals.locator("div", has_text="Delivery").locator("dd")).to_have_text(delivery)

    # A reload shows what the shop stored, not what the page remembers.
    page.reload()
    expect(page.get_by_role("radio", name=re.compile(rf"^{name}"))).to_be_checked()
    expect(page.locator(".totals__total dd")).to_have_text(total)

    page.get_by_role("button", name="Check out securely").click()
    expect(page).to_have_url(re.compile(r"/checkout/demo/demo_cs_[\w-]+$"))
    summary = page.locator(".mini-order")
    expect(summary.locator("tbody tr").last).to_have_text(re.compile(rf"{name}\s*{delivery}"))
    expect(summary.locator("tfoot td")).to_have_text(total)
    pay_button = page.get_by_role("button", name=re.compile(r"^Pay "))
    expect(pay_button).to_have_text(f"Pay {total} (test)")

    email = f"delivery.{code}@example.com"
    pay_with_demo_provider(page, {**ADDRESS, "Email for your receipt": email})
    expect(page.locator(".order-lines__total td")).to_have_text(total)
    order = find_order(live_server.app, email=email)
    assert (order.shipping_code, order.shipping_name) == (code, name)
    assert order.total_pence == total_pence
