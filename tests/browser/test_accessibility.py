"""Accessibility, checked in Chromium: axe-core (vendored, injected by Playwright) on
every kind of page in the light and the dark theme, with no serious or critical
violations; plus what axe does not check for us: images with alt text, labelled form
controls, errors that are announced, and the basket count read out after an add.

Each page is checked in full in the theme it opens in, then the theme switch is pressed
(it flips the theme in place and keeps the choice in the cookie) and axe-core's colour
rules run again in the other theme: the theme changes colours, not the markup the other
rules read. Pages opened after a switch start in the dark theme and get the full check
there, and one page is opened dark from the cookie."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    add_to_basket,
    check_both_themes,
    check_out,
    make_staff,
    problems_on,
    sign_in,
)

pytestmark = pytest.mark.browser

ARTICLE = "/journal/what-is-the-gut-skin-axis"
PRODUCT = "/products/probiotic-moisturiser"


@pytest.fixture(scope="module")
def admin_email(live_server):
    return make_staff(live_server.app, "a11y-admin@example.com", "admin")


@pytest.fixture
def a11y_page(new_page):
    """A page that can take axe-core (the shop's CSP refuses injected scripts), with
    reduced motion so that no colour is caught halfway through a transition."""
    return new_page(bypass_csp=True, reduced_motion="reduce")


@pytest.mark.parametrize(
    "path",
    ["/", "/shop", "/shop/skincare?concern=rosacea", PRODUCT, "/journal", ARTICLE, "/newsletter"],
)
def test_storefront_pages(a11y_page, path):
    a11y_page.goto(path)
    check_both_themes(a11y_page, path)


def test_basket_payment_and_order_pages(a11y_page):
    page = a11y_page
    add_to_basket(page, "probiotic-moisturiser", "100 ml")
    add_to_basket(page, "daily-live-cultures", "90 capsules")
    page.goto("/cart")
    expect(page.locator(".cart-line")).to_have_count(2)
    check_both_themes(page, "the basket with items")

    page.get_by_role("button", name="Check out securely").click()
    check_both_themes(page, "the demo payment page")
    # Errors: the form comes back with an error summary, which takes the focus.
    page.get_by_role("button", name="Pay ").click()
    summary = page.get_by_role("alert")
    expect(summary).to_have_text("Please correct the 5 fields marked below.")
    expect(summary).to_be_focused()
    postcode = page.get_by_label("Postcode")
    expect(postcode).to_have_attribute("aria-invalid", "true")
    expect(postcode).to_have_accessible_description("Please enter the postcode.")
    check_both_themes(page, "the demo payment page with errors")

    check_out(page)
    check_both_themes(page, "the order page")


def test_basket_quantity_error_is_announced(a11y_page):
    page = a11y_page
    add_to_basket(page, "gentle-cream-cleanser", "300 ml")
    page.goto("/cart")
    name = "Quantity of Gentle Cream Cleanser"
    quantity = page.get_by_role("spinbutton", name=name)
    # The browser's own check would stop 500 before it is sent; the server's is tested here.
    quantity.evaluate("input => input.removeAttribute('max')")
    quantity.fill("500")
    page.get_by_role("button", name="Update", exact=True).click()
    error = page.get_by_role("alert")
    expect(error).to_have_text("Choose a quantity from 0 to 99.")
    quantity = page.get_by_role("spinbutton", name=name)
    expect(quantity).to_have_value("500")
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(quantity).to_have_accessible_description("Choose a quantity from 0 to 99.")
    check_both_themes(page, "the basket with a quantity error")


def test_promo_codes_in_the_basket_and_on_the_payment_page(a11y_page):
    page = a11y_page
    add_to_basket(page, "probiotic-moisturiser", "100 ml")
    page.goto("/cart")
    code = page.get_by_label("Promo code")
    code.fill("NOPE1")
    page.get_by_role("button", name="Apply", exact=True).click()
    refused = "We don't recognise that code. Please check it and try again."
    expect(page.locator("[data-promo-error]")).to_have_text(refused)
    code = page.get_by_label("Promo code")
    expect(code).to_have_value("NOPE1")
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_accessible_description(refused)
    check_both_themes(page, "the basket with a refused code")

    code.fill("welcome10")
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.locator("[data-discount]")).to_contain_text("Code WELCOME10")
    check_both_themes(page, "the basket with a code")
    page.get_by_role("button", name="Check out securely").click()
    expect(page.locator("[data-discount]")).to_contain_text("Code WELCOME10")
    check_both_themes(page, "the demo payment page with a code")


def test_added_to_basket_is_announced(page):
    add_to_basket(page, "niacinamide-serum")
    live = page.locator("[data-live-region]")
    expect(live).to_have_attribute("role", "status")
    expect(live).to_have_attribute("aria-live", "polite")
    expect(live).to_have_text(
        "Added 1 × Niacinamide 5% Serum (30 ml) to your basket. Basket: 1 item."
    )
    expect(page.locator("[data-cart-count]")).to_have_text("1")
    expect(page.locator(".buy-form .add-status")).to_have_attribute("role", "status")


def test_back_office_pages(a11y_page, admin_email):
    page = a11y_page
    sign_in(page, admin_email)
    check_both_themes(page, "the back-office dashboard")
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Staff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff")
    check_both_themes(page, "the staff list")
    menu = page.get_by_role("navigation", name="Back office")
    menu.get_by_role("link", name="Promotions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Promotions")
    check_both_themes(page, "the promotions list")
    page.get_by_role("link", name="WELCOME10").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Code WELCOME10")
    check_both_themes(page, "a promotion's page")


def test_dark_theme_from_the_cookie(new_page):
    """A shopper who chose dark gets it from the server on the next visit."""
    page = new_page(theme="dark", bypass_csp=True)
    page.goto(PRODUCT)
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.get_by_role("button", name="Switch to light theme")).to_be_visible()
    problems = problems_on(page, "the product page, dark from the cookie")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "path", ["sales", "products", "stock", "customers", "funnel"], ids=lambda p: f"reports-{p}"
)
def test_report_pages(a11y_page, admin_email, live_server, path):
    """The reports' charts (SVG with a name), captions, range forms and data tables, in
    both themes."""
    page = a11y_page
    sign_in(page, admin_email)
    page.goto(f"{live_server.url}/admin/reports/{path}")
    expect(page.locator("figure.report-chart svg[role=img]").first).to_be_visible()
    page.locator("figure.report-chart details summary").first.click()
    expect(page.locator("figure.report-chart details table").first).to_be_visible()
    check_both_themes(page, f"the {path} report")
