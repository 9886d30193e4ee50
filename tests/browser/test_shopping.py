"""Shoppers' journeys in Chromium, paid through the demo provider (no Stripe key):
from the listing to a paid order, and from an article's "Shop this article" to the
basket, with JavaScript and without it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ADDRESS, ORDER_URL, find_order, pay_with_demo_provider

pytestmark = pytest.mark.browser

ARTICLE = "/journal/what-is-the-gut-skin-axis"


def test_shopper_filters_chooses_a_size_and_pays(page, live_server):
    page.goto("/shop")
    # Choosing a concern applies the filter at once (JavaScript submits the form).
    page.get_by_label("Skin concern").select_option(label="Rosacea")
    expect(page).to_have_url(re.compile(r"/shop\?(.*&)?concern=rosacea"))
    expect(page.locator(".listing__count")).to_contain_text("for rosacea")
    cards = page.locator(".product-card__name")
    expect(cards.filter(has_text="Probiotic Barrier Moisturiser")).to_have_count(1)
    expect(cards.filter(has_text="Balancing Gel Cream")).to_have_count(0)  # acne only

    page.locator(".product-card__link", has_text="Probiotic Barrier Moisturiser").click()
    expect(page).to_have_url(re.compile(r"/products/probiotic-moisturiser$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Probiotic Barrier Moisturiser")
    price = page.locator("[data-variant-price]")
    expect(price).to_have_text("£24.00")

    # The size picker shows the chosen size's price without a reload.
    page.get_by_role("radio", name=re.compile(r"^100 ml")).check()
    expect(price).to_have_text("£40.00")
    expect(page).to_have_url(re.compile(r"\?variant=\d+$"))
    page.get_by_role("button", name="Add to basket").click()
    status = page.locator(".buy-form .add-status")
    expect(status).to_contain_text("Added 1 × Probiotic Barrier Moisturiser (100 ml)")
    expect(page.locator("[data-cart-count]")).to_have_text("1")

    status.get_by_role("link", name="View basket").click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    quantity = page.get_by_role("spinbutton", name=re.compile("^Quantity of Probiotic"))
    quantity.fill("2")
    page.get_by_role("button", name="Update", exact=True).click()
    expect(page.locator(".flash")).to_have_text(
        "Updated Probiotic Barrier Moisturiser (100 ml): 2 in your basket."
    )
    expect(page.locator("[data-cart-count]")).to_have_text("2")
    expect(page.locator(".cart-line__total")).to_have_text("Line total: £80.00")
    expect(page.locator(".totals__total dd")).to_have_text("£80.00")  # free delivery over £40

    page.get_by_role("button", name="Check out securely").click()
    expect(page).to_have_url(re.compile(r"/checkout/demo/demo_cs_[\w-]+$"))
    email = "rosacea.shopper@example.com"
    pay_with_demo_provider(page, {**ADDRESS, "Email for your receipt": email})

    expect(page).to_have_url(ORDER_URL)
    expect(page.locator(".flash")).to_contain_text("Thank you! Your order")
    expect(page.locator(".order-status")).to_contain_text("Paid")
    row = page.locator(".order-lines tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Probiotic Barrier Moisturiser")
    expect(row.locator("td").first).to_have_text("2")
    expect(page.locator(".order-lines__total td")).to_have_text("£80.00")
    expect(page.locator("address")).to_contain_text("BS1 4DJ")
    expect(page.locator("[data-cart-count]")).to_have_text("0")

    order = find_order(live_server.app, email=email)
    assert order.status == "paid"
    assert [(line.size_label, line.quantity) for line in order.lines] == [("100 ml", 2)]
    assert order.total_pence == 8000
    assert page.url.endswith(f"/orders/{order.access_token}")


def test_reader_buys_from_shop_this_article(page):
    page.goto(ARTICLE)
    section = page.get_by_role("region", name="Shop this article")
    item = section.locator(".shop-article__item", has_text="Daily Live Cultures")
    item.get_by_label("Size of Daily Live Cultures").select_option(label="90 capsules, £38.25")
    item.get_by_role("button", name=re.compile("^Add to basket")).click()

    # Enhanced: the page stays, the header count changes and the change is announced.
    expect(page).to_have_url(re.compile(re.escape(ARTICLE) + "$"))
    expect(page.locator("[data-cart-count]")).to_have_text("1")
    expect(item.get_by_role("status")).to_contain_text(
        "Added 1 × Daily Live Cultures (90 capsules) to your basket."
    )
    expect(page.locator("[data-live-region]")).to_have_text(
        "Added 1 × Daily Live Cultures (90 capsules) to your basket. Basket: 1 item."
    )

    item.get_by_role("link", name="View basket").click()
    expect(page.locator(".cart-line")).to_have_count(1)
    expect(page.locator(".cart-line")).to_contain_text("90 capsules")


def test_reader_buys_from_shop_this_article_without_javascript(new_page):
    page = new_page(java_script_enabled=False)
    page.goto(ARTICLE)
    section = page.get_by_role("region", name="Shop this article")
    item = section.locator(".shop-article__item", has_text="Daily Synbiotic Sachets")
    item.get_by_label("Size of Daily Synbiotic Sachets").select_option(label="60 sachets, £52.00")
    item.get_by_role("button", name=re.compile("^Add to basket")).click()

    # The form is posted and the shop answers with the basket.
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(page.locator(".flash")).to_have_text(
        "Added 1 × Daily Synbiotic Sachets (60 sachets) to your basket."
    )
    expect(page.locator("[data-cart-count]")).to_have_text("1")
    line = page.locator(".cart-line")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("Daily Synbiotic Sachets")
    expect(line).to_contain_text("60 sachets · £52.00 each")


def test_a_cached_page_sent_as_kept_zstd_frames_works(page, live_server):
    """Chromium takes zstd: a product page from the page cache comes as the kept parts'
    frames with this visitor's token between them, and its form posts with that token."""
    from shop.extensions import cache
    from shop.pagecache import _page_key

    product = "/products/daily-live-cultures"  # its parts framed cost 9% more than whole
    page.goto(product)  # kept, if no test did before
    response = page.goto(product)
    assert response.header_value("content-encoding") == "zstd"
    with live_server.app.test_request_context(product):
        kept = cache.get(_page_key())
    assert kept is not None and kept[2] is not None, "the page was kept with its frames"
    expect(page.get_by_role("heading", level=1)).to_have_text("Daily Live Cultures")
    page.get_by_role("radio", name=re.compile(r"^30 capsules\b")).check()
    page.get_by_role("button", name="Add to basket").click()
    expect(page.locator(".buy-form .add-status")).to_contain_text("View basket")
