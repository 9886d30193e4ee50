"""A buyer's review from order to product page, in Chromium: order with the demo
provider, staff ship it in the back office, the review request's link from the real
email, the review, its approval, and the product page showing it (through the page
cache); axe-core finds no serious or critical violation on the pages on the way."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from shop.extensions import db
from shop.models import utcnow
from shop.orders.models import Order
from tests.browser.helpers import (
    add_to_basket,
    axe_violations,
    check_out,
    describe_violations,
    make_staff,
    sign_in,
)

pytestmark = pytest.mark.browser

PRODUCT = "balancing-gel-cream"
REVIEW_LINK = re.compile(r"(http://127\.0\.0\.1:\d+/reviews/new/[A-Za-z0-9_-]+)")


@pytest.fixture(scope="module")
def live_server(serve, smtp_server):
    return serve(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_DEFAULT_SENDER="Flora & Barrier <hello@shop.test>",
    )


def review_request_link(smtp_server, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in reversed(smtp_server.messages):
            if mail.message["Subject"].startswith("How is it going?"):
                return REVIEW_LINK.search(mail.text_part()).group(1)
        time.sleep(0.05)
    raise AssertionError("no review request arrived")


def assert_accessible(page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe_violations(violations)}"


def test_order_ship_review_approve_and_see_it(new_page, live_server, smtp_server):
    smtp_server.clear()
    shopper = new_page(bypass_csp=True)
    add_to_basket(shopper, PRODUCT)
    check_out(shopper)
    token = shopper.url.rsplit("/", 1)[1]

    staff = new_page(bypass_csp=True)
    sign_in(staff, make_staff(live_server.app, "reviews.admin@example.com"))
    with live_server.app.app_context():
        order_id = db.session.scalar(db.select(Order.id).where(Order.access_token == token))
        db.session.remove()
    staff.goto(f"/admin/orders/{order_id}")
    staff.get_by_label("Tracking number").fill("AB123456789GB")
    staff.get_by_role("button", name="Mark as shipped and email the customer").click()
    expect(staff.locator("[data-shipping]")).to_contain_text("Shipped")

    # Ten days pass.
    with live_server.app.app_context():
        db.session.execute(
            update(Order)
            .where(Order.id == order_id)
            .values(shipped_at=utcnow() - timedelta(days=10, hours=1))
        )
        db.session.commit()
        db.session.remove()
    result = live_server.app.test_cli_runner().invoke(args=["send-review-requests"])
    assert result.exit_code == 0, result.output

    shopper.goto(review_request_link(smtp_server))
    expect(shopper.get_by_role("heading", level=1)).to_have_text("Review Balancing Gel Cream")
    assert_accessible(shopper, "the review form")
    shopper.get_by_role("radio", name="4 stars: good").check()
    shopper.get_by_label("Title").fill("Matte by lunchtime, calm by the weekend")
    shopper.get_by_label("Your review", exact=True).fill(
        "Light and soothing.\nMy T-zone is less shiny."
    )
    shopper.get_by_label("Skin type (optional)").select_option("oily")
    shopper.get_by_label("Used it for (weeks, optional)").fill("4")
    shopper.get_by_role("button", name="Send my review").click()
    expect(shopper.get_by_role("heading", level=1)).to_have_text("Thank you for your review")

    staff.get_by_role("navigation", name="Back office").get_by_role("link", name="Reviews").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Reviews")
    card = staff.locator("[data-review-id]").filter(has_text="Matte by lunchtime")
    expect(card).to_contain_text("From order FB-")
    assert_accessible(staff, "the moderation queue")
    card.get_by_role("button", name=re.compile("^Approve")).click()
    expect(staff.locator(".flash")).to_contain_text("Approved the review by Ada L.")

    visitor = new_page(bypass_csp=True)
    visitor.goto(f"/products/{PRODUCT}")
    review = visitor.locator(".review").filter(has_text="Matte by lunchtime")
    expect(review).to_contain_text("Verified buyer")
    expect(review).to_contain_text("Oily skin · used it for 4 weeks")
    expect(visitor.locator(".product__rating")).to_contain_text("4.0 out of 5 stars (1 review)")
    assert_accessible(visitor, "the product page with its review")
    review.get_by_role("button", name=re.compile("^Helpful")).click()
    expect(visitor.locator(".flash")).to_contain_text("your vote is counted")
    expect(visitor.locator(".review").filter(has_text="Matte by lunchtime")).to_contain_text("(1)")


def test_a_sold_out_size_offers_the_alert_form_that_passes_axe(new_page):
    page = new_page(bypass_csp=True)
    page.goto("/products/oat-ceramide-rich-cream")
    form = page.locator(".stock-alert")
    expect(form.get_by_role("heading")).to_have_text("Email me when it's back")
    expect(form.get_by_label("Email address")).to_be_visible()
    assert_accessible(page, "a product page with a sold-out size")
