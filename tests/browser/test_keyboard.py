"""The shopper's journey with the keyboard alone: Tab, Shift+Tab, Enter, Space and the
arrow keys (and typing into fields), never the mouse. Every stop on the way must show
where the focus is."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ORDER_URL, find_order, focus_state, tab_to

pytestmark = pytest.mark.browser

EMAIL = "keyboard.shopper@example.com"
ADDRESS = {
    "email": EMAIL,
    "name": "Grace Hopper",
    "line1": "3 Orchard Row",
    "city": "Leeds",
    "postcode": "LS1 4AP",
}


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(page):
    page.goto("/products/niacinamide-serum")
    page.keyboard.press("Tab")
    state = focus_state(page, "a.skip-link", "Skip to content")
    assert state["matches"], f"the first tab stop is {state['what']}"
    assert state["visible"]
    skip = page.get_by_role("link", name="Skip to content")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] > 0, "skip link off screen"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    expect(page).to_have_url(re.compile(r"#main$"))
    # The next stop is the first one inside the main content, not the header again.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def test_shopper_journey_with_the_keyboard_alone(page, live_server):
    page.goto("/")
    page.keyboard.press("Tab")
    assert focus_state(page, "a.skip-link")["matches"]
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Home -> Shop all.
    tab_to(page, "a", "Shop all products")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/shop$"))

    # Filter by concern: the arrow key changes the select, which applies the filter.
    tab_to(page, "select#filter-concern")
    page.keyboard.press("ArrowDown")
    expect(page).to_have_url(re.compile(r"concern=acne"))
    expect(page.locator(".listing__count")).to_contain_text("for acne and blemishes")

    # Open a product from the results.
    tab_to(page, "a.product-card__link", "Daily Synbiotic Sachets")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Daily Synbiotic Sachets")

    # Choose the larger size with the arrow keys, then two of them.
    tab_to(page, "input[name=variant_id]")
    expect(page.get_by_role("radio", name=re.compile("^30 sachets"))).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name=re.compile("^60 sachets"))).to_be_checked()
    expect(page.locator("[data-variant-price]")).to_have_text("£52.00")
    tab_to(page, "input#quantity")
    page.keyboard.press("ArrowUp")
    expect(page.locator("input#quantity")).to_have_value("2")
    tab_to(page, "button[type=submit]", "Add to basket")
    page.keyboard.press("Enter")
    status = page.locator(".buy-form .add-status")
    expect(status).to_contain_text("Added 2 × Daily Synbiotic Sachets (60 sachets)")
    expect(page.locator("[data-cart-count]")).to_have_text("2")

    # The link to the basket comes right after the button.
    tab_to(page, ".add-status a", "View basket", limit=3)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cart$"))

    # One more, typed into the quantity field and sent with Enter.
    tab_to(page, "input[name=quantity]")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_have_text(
        "Updated Daily Synbiotic Sachets (60 sachets): 3 in your basket."
    )
    expect(page.locator("[data-cart-count]")).to_have_text("3")

    # Back and forth: past the checkout button, then Shift+Tab back to it, and Space.
    tab_to(page, "button", "Check out securely")
    page.keyboard.press("Tab")
    tab_to(page, "button", "Check out securely", back=True, limit=3)
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pay for order")

    for field_id, value in ADDRESS.items():
        tab_to(page, f"input#{field_id}")
        page.keyboard.type(value)
    tab_to(page, "button", "Pay ")
    page.keyboard.press("Enter")

    expect(page).to_have_url(ORDER_URL)
    expect(page.locator(".order-status")).to_contain_text("Paid")
    expect(page.locator(".order-lines tbody tr")).to_contain_text("Daily Synbiotic Sachets")
    order = find_order(live_server.app, email=EMAIL)
    assert order.status == "paid"
    assert [(line.size_label, line.quantity) for line in order.lines] == [("60 sachets", 3)]
    assert order.ship_to_postcode == "LS1 4AP"
