"""A member of staff in Chromium: signs in at /admin/login, changes a price in the
catalogue editor and sees the new price on the storefront's product page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import make_staff, sign_in

pytestmark = pytest.mark.browser

PRODUCT = "Centella Calm Serum"


def test_editor_changes_a_price_and_the_shop_shows_it(page, live_server):
    page.goto("/products/centella-calm-serum")
    expect(page.locator("[data-variant-price]")).to_have_text("£26.00")

    email = make_staff(live_server.app, "catalogue.editor@example.com", role="editor")
    sign_in(page, email)
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Catalogue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Products")
    finder = page.get_by_role("search", name="Find products")
    finder.get_by_label("Search", exact=True).fill("centella")
    finder.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=PRODUCT, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PRODUCT)

    page.get_by_role("navigation", name="Parts of this product").get_by_role(
        "link", name="Sizes and stock"
    ).click()
    sizes = page.locator("[data-variants] tbody tr")
    expect(sizes).to_have_count(1)
    sizes.get_by_role("link", name=re.compile("^Edit and stock")).click()
    price = page.get_by_label("Price (£, incl. VAT)")
    expect(price).to_have_value("26.00")
    price.fill("27.50")
    page.get_by_role("button", name="Save the size").click()
    expect(page.locator(".flash")).to_contain_text("Saved")
    expect(page.get_by_label("Price (£, incl. VAT)")).to_have_value("27.50")

    page.get_by_role("link", name="View in the shop").click()
    expect(page).to_have_url(re.compile(r"/products/centella-calm-serum$"))
    expect(page.locator("[data-variant-price]")).to_have_text("£27.50")
    expect(page.get_by_role("radio", name=re.compile("^30 ml"))).to_have_attribute(
        "data-price", "£27.50"
    )
