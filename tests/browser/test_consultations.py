"""A shopper books a Holistic Skin Session from an article's booking card, pays on the
demo provider's page, sees the confirmed booking, then moves it; axe-core finds no
serious or critical violation on the booking pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from shop.consultations.slots import parse_slot_key
from tests.browser.helpers import axe_violations, describe_violations

pytestmark = pytest.mark.browser

ARTICLE = "/journal/what-is-the-gut-skin-axis"
BOOKING_URL = re.compile(r"/bookings/[\w-]{43}$")


def no_violations(page, where: str) -> None:
    found = axe_violations(page)
    assert not found, f"axe-core on {where}:\n{describe_violations(found)}"


def slot_ahead(page, skip: int = 0):
    """The slot button `skip` places after the first one at least two days ahead: a
    booking there can still be moved and cancelled with a refund whatever the day and
    hour the test runs (the first open slots may be less than a day away)."""
    slots = page.locator("button[name=slot]")
    earliest = datetime.now(UTC) + timedelta(hours=48)
    keys = slots.evaluate_all("buttons => buttons.map(button => button.value)")
    ahead = [n for n, key in enumerate(keys) if parse_slot_key(key)[1] >= earliest]
    return slots.nth(ahead[skip])


def test_from_an_articles_card_to_a_confirmed_booking_then_moved(new_page):
    page = new_page(bypass_csp=True, reduced_motion="reduce")
    page.goto(ARTICLE)
    card = page.locator("[data-booking-card=holistic-skin-session]")
    expect(card).to_contain_text("£45.00")
    card.get_by_role("link", name="Book in for a Holistic Skin Session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Holistic Skin Session")
    no_violations(page, "the slots page")

    chosen = slot_ahead(page)
    picked = chosen.inner_text().split(",")[0]
    chosen.click()
    expect(page).to_have_url(BOOKING_URL)
    expect(page.locator("[data-hold]")).to_contain_text("keeping this time for you")
    no_violations(page, "the details form")
    # Without the consent the form comes back and says why.
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Your email address").fill("ada@example.com")
    page.get_by_role("checkbox", name="Rosacea").check()
    page.get_by_label("Anything your Skin Mentor should know (optional)").fill("Flares in winter.")
    page.get_by_role("button", name=re.compile(r"^Continue to payment")).click()
    expect(page.locator("#consent-error")).to_contain_text("Please agree")
    no_violations(page, "the details form with an error")
    page.get_by_role("checkbox", name=re.compile(r"^I agree that the clinic keeps")).check()
    page.get_by_role("button", name=re.compile(r"^Continue to payment")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Pay for your booking")
    page.get_by_label("Email for your receipt").fill("ada@example.com")
    page.get_by_role("button", name=re.compile(r"^Pay £45.00")).click()
    expect(page).to_have_url(BOOKING_URL)
    expect(page.locator("[data-booking-status]")).to_have_text("Confirmed")
    when = page.locator("[data-booking-when]").inner_text()
    assert picked.split(" · ")[0] in when
    no_violations(page, "the confirmed booking")

    page.get_by_role("link", name="Move to another time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move your Holistic Skin Session")
    no_violations(page, "the move page")
    slot_ahead(page, skip=3).click()
    expect(page).to_have_url(BOOKING_URL)
    expect(page.locator(".flash--success")).to_contain_text("Your booking has moved")
    assert page.locator("[data-booking-when]").inner_text() != when

    page.get_by_role("link", name="Cancel booking").click()
    expect(page.locator("[data-refund-note]")).to_contain_text("refund the £45.00")
    no_violations(page, "the cancel page")
