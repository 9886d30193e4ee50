"""The shop's chrome in Chromium: the phone header, the sticky "Add to basket" bar, where
the focus goes after adding, the minimal layout of paying and the order page, the back
office's own layout, and axe-core on every public and back-office page in both themes at
a phone's width (390 px) and a laptop's (1366 px).

The axe sweeps reuse one page per test and switch the theme with the page's own switch
(helpers.check_both_themes), so the whole sweep stays a few seconds a page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    add_to_basket,
    check_both_themes,
    check_out,
    focus_state,
    make_staff,
    sign_in,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
WIDTHS = {"390": PHONE, "1366": LAPTOP}
PRODUCT = "/products/probiotic-moisturiser"

PUBLIC_PAGES = [
    "/",
    "/shop",
    "/shop/skincare?concern=rosacea",
    "/shop?q=zinc",
    PRODUCT,
    "/products/daily-live-cultures",
    "/journal",
    "/journal/what-is-the-gut-skin-axis",
    "/newsletter",
    "/cart",
    "/consultations",
    "/account/login",
    "/contact",
    "/pages/returns",
    "/pages/delivery",
    "/pages/cookies",
    "/no-such-page",
]


@pytest.fixture(scope="module")
def chrome_admin(live_server):
    return make_staff(live_server.app, "chrome-admin@example.com", "admin")


# ------------------------------------------------------------------ the phone header


def test_phone_header_is_short_and_the_first_product_shows(new_page):
    page = new_page(viewport=PHONE)
    page.goto("/shop")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 120, f"the header is {header['height']} px tall"
    card = page.locator(".product-grid > li").first.bounding_box()
    assert card["y"] + card["height"] <= PHONE["height"], "the first product needs scrolling"
    # The menu and the search are folded away until asked for.
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    main_menu = page.get_by_role("navigation", name="Main")
    expect(main_menu.get_by_role("link", name="Journal")).to_be_visible()
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("searchbox", name="Search products")).to_be_focused()


def test_phone_menu_and_search_work_without_javascript(new_page):
    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.goto("/")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    page.get_by_role("link", name="Menu").click()
    main_menu = page.get_by_role("navigation", name="Main")
    expect(main_menu.get_by_role("link", name="Shop all")).to_be_visible()
    page.get_by_role("link", name="Search", exact=True).click()
    search = page.get_by_role("searchbox", name="Search products")
    search.fill("serum")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/shop\?q=serum$"))


def test_wide_header_shows_menu_and_search_without_buttons(new_page):
    page = new_page(viewport=LAPTOP)
    page.goto("/")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search products")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()


# ------------------------------------------------------------------ adding to the basket


def test_sticky_add_to_basket_bar_on_a_phone(new_page):
    page = new_page(viewport=PHONE)
    page.goto(PRODUCT)
    bar = page.locator("[data-sticky-buy-bar]")
    expect(bar).to_be_hidden()
    page.get_by_role("radio", name=re.compile(r"^100 ml\b")).check()
    page.locator("#reviews, .product__details").first.scroll_into_view_if_needed()
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("Probiotic Barrier Moisturiser")
    bar.get_by_role("button", name="Add to basket").click()
    status = page.locator(".buy-form .add-status")
    expect(status).to_contain_text("Added 1 × Probiotic Barrier Moisturiser (100 ml)")
    expect(status).to_be_focused()
    expect(page.locator("[data-cart-count]")).to_have_text("1")
    # Back at the message, the main button is in view again and the bar goes.
    expect(bar).to_be_hidden()


def test_no_sticky_bar_on_a_wide_screen(new_page):
    page = new_page(viewport=LAPTOP)
    page.goto(PRODUCT)
    page.mouse.wheel(0, 3000)
    page.wait_for_timeout(200)
    expect(page.locator("[data-sticky-buy-bar]")).to_be_hidden()


def test_focus_moves_to_the_confirmation_after_adding(page):
    add_to_basket(page, "niacinamide-serum")
    status = page.locator(".buy-form .add-status")
    expect(status).to_be_focused()
    state = focus_state(page, ".add-status")
    assert state["matches"] and state["visible"], state
    expect(page.locator("[data-live-region]")).to_contain_text("Basket: 1 item.")


def test_without_javascript_the_message_after_adding_takes_the_focus(new_page):
    page = new_page(java_script_enabled=False)
    page.goto("/products/niacinamide-serum")
    page.get_by_role("button", name="Add to basket").click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    flashes = page.locator("[data-flashes]")
    expect(flashes).to_contain_text("Added 1 × Niacinamide 5% Serum")
    expect(flashes).to_be_focused()


# ------------------------------------------------------------------ checkout and orders


def test_paying_and_the_order_page_use_the_minimal_layout(new_page):
    """At a phone's width (the laptop's is in test_accessibility), axe included."""
    page = new_page(viewport=PHONE, bypass_csp=True, reduced_motion="reduce")
    add_to_basket(page, "probiotic-moisturiser", "100 ml")
    page.goto("/cart")
    page.get_by_role("button", name="Check out securely").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pay for order")
    for where in ("the payment page", "the order page"):
        header = page.get_by_role("banner")
        expect(header.get_by_role("link", name="Flora & Barrier")).to_be_visible()
        expect(header).to_contain_text("Secure checkout")
        expect(header.get_by_role("link", name="Help")).to_have_attribute("href", "/contact")
        assert page.get_by_role("navigation", name="Main").count() == 0, where
        assert page.get_by_role("search").count() == 0, where
        assert page.locator(".newsletter-signup").count() == 0, where
        header_box = page.locator(".site-header").bounding_box()
        assert header_box["height"] <= 120, f"the header of {where} is {header_box['height']} px"
        check_both_themes(page, f"{where} at 390 px")
        if where == "the payment page":
            check_out(page)
    estimate = page.locator("[data-delivery-estimate]")
    expect(estimate).to_contain_text(re.compile(r"usually \d.* working days? after we send it"))
    expect(page.locator("[data-order-help]").get_by_role("link", name="Contact us")).to_be_visible()


# ------------------------------------------------------------------ the back office


def test_back_office_has_its_own_layout(new_page, chrome_admin):
    page = new_page(viewport=LAPTOP, bypass_csp=True)
    sign_in(page, chrome_admin)
    assert page.get_by_role("navigation", name="Main").count() == 0
    assert page.get_by_role("contentinfo").count() == 0
    expect(page.get_by_role("banner")).to_contain_text("back office")
    expect(page.get_by_role("navigation", name="Back office")).to_be_visible()
    page.goto("/admin/audit")
    region = page.get_by_role("region").first
    expect(region).to_have_attribute("tabindex", "0")
    assert (region.get_attribute("aria-label") or "").startswith("What changed")


def test_long_editors_keep_save_in_reach(new_page, chrome_admin):
    page = new_page(viewport={"width": 1366, "height": 700})
    sign_in(page, chrome_admin)
    page.goto("/admin/catalogue/")
    page.locator("[data-products] tbody a").first.click()
    save = page.get_by_role("button", name="Save the product")
    box = save.bounding_box()
    assert box["y"] + box["height"] <= 700, "Save is below the window on the product editor"
    page.goto("/admin/journal/")
    page.locator("[data-articles] tbody a").first.click()
    save = page.get_by_role("button", name="Save", exact=True)
    box = save.bounding_box()
    assert box["y"] + box["height"] <= 700, "Save is below the window on the article editor"


# ------------------------------------------------------------------ axe everywhere


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_on_public_pages(new_page, width):
    page = new_page(viewport=WIDTHS[width], bypass_csp=True, reduced_motion="reduce")
    add_to_basket(page, "gentle-cream-cleanser")
    for path in PUBLIC_PAGES:
        page.goto(path)
        check_both_themes(page, f"{path} at {width} px")


def _back_office_addresses(page) -> list[str]:
    """Every area of the menu, and the first entry of each list that links to one."""
    menu = page.get_by_role("navigation", name="Back office")
    areas = [a.get_attribute("href") for a in menu.get_by_role("link").all()]
    addresses = list(dict.fromkeys(areas))
    for area in areas:
        page.goto(area)
        first = page.locator("main table tbody a[href^='/admin/']").first
        if first.count():
            addresses.append(first.get_attribute("href"))
    return list(dict.fromkeys(addresses))


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_on_back_office_pages(new_page, chrome_admin, width):
    page = new_page(viewport=WIDTHS[width], bypass_csp=True, reduced_motion="reduce")
    sign_in(page, chrome_admin)
    editors = ["/admin/audit", "/admin/catalogue/products/new", "/admin/journal/new"]
    for path in _back_office_addresses(page) + editors:
        page.goto(path)
        check_both_themes(page, f"{path} at {width} px")
