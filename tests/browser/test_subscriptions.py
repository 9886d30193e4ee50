"""Subscribe & save in Chromium, paid through the demo provider: choose a delivery
interval on a product page, sign in to check out (the basket kept), pay, find the
subscription in the account, skip the next delivery and cancel; axe-core on the new
pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    ADDRESS,
    axe_violations,
    describe_violations,
    pay_with_demo_provider,
    sign_in_with_code,
)

pytestmark = pytest.mark.browser

PRODUCT = "/products/synbiotic-sachets"


@pytest.fixture(scope="module")
def live_server(serve, smtp_server):
    return serve(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_DEFAULT_SENDER="Flora & Barrier <hello@shop.test>",
    )


def test_subscribe_sign_in_pay_skip_and_cancel(new_page, live_server, smtp_server):
    page = new_page(bypass_csp=True)
    problems = []

    def check(where: str) -> None:
        found = axe_violations(page)
        if found:
            problems.append(f"axe-core on {where}:\n{describe_violations(found)}")

    page.goto(PRODUCT)
    choice = page.locator("[data-subscribe-choice]")
    expect(choice.get_by_role("radio", name="One-time purchase")).to_be_checked()
    choice.get_by_role("radio", name=re.compile("every 2 months")).check()
    check(PRODUCT)
    page.get_by_role("button", name="Add to basket").click()
    expect(page.locator(".buy-form .add-status")).to_contain_text("View basket")

    page.goto("/cart")
    expect(page.locator("[data-subscription-terms]")).to_contain_text(
        "Every 2 months", ignore_case=False
    )
    expect(page.locator("[data-subscription-summary]")).to_contain_text("cancel any time")
    check("/cart with a subscription")
    page.get_by_role("button", name="Check out securely").click()

    sign_in_with_code(page, smtp_server, "subscriber@example.com")
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(page.locator("[data-subscription-terms]")).to_be_visible()  # basket kept
    page.get_by_role("button", name="Check out securely").click()
    address = {k: v for k, v in ADDRESS.items() if k != "Email for your receipt"}
    pay_with_demo_provider(page, address)

    page.goto("/account/subscriptions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your subscriptions")
    card = page.locator("[data-subscription]")
    expect(card.locator("[data-subscription-status]")).to_have_text("Active")
    before = card.locator("[data-next-delivery]").inner_text()
    check("/account/subscriptions")

    card.get_by_role("button", name="Skip the next delivery").click()
    expect(page.locator(".flash--success")).to_contain_text("Skipped")
    expect(card.locator("[data-next-delivery]")).not_to_have_text(before)

    card.get_by_role("button", name="Cancel subscription").click()
    expect(page.locator(".flash--success")).to_contain_text("Cancelled")
    expect(card.locator("[data-subscription-status]")).to_have_text("Ended")
    check("/account/subscriptions after cancelling")
    assert not problems, "\n\n".join(problems)
