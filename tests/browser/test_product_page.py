"""The product page in Chromium: the saving follows the chosen size, the questions open
from the keyboard, and the page (key facts, questions, "Often bought with") passes
axe-core in both themes on a phone and a desktop."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import check_both_themes

pytestmark = pytest.mark.browser

ON_SALE = "/products/daily-live-cultures"  # the 90 capsules are £38.25, were £45.00


def test_the_saving_follows_the_chosen_size(page):
    page.goto(ON_SALE)
    saving = page.locator("[data-variant-saving]")
    expect(saving).to_be_hidden()
    page.get_by_role("radio", name=re.compile(r"^90 capsules")).check()
    expect(saving).to_be_visible()
    expect(saving).to_have_text("Save £6.75")
    expect(page.locator("[data-variant-price]")).to_contain_text("£38.25")
    page.get_by_role("radio", name=re.compile(r"^30 capsules")).check()
    expect(saving).to_be_hidden()


def test_key_facts_questions_and_often_bought_with_are_on_the_page(page):
    page.goto(ON_SALE)
    facts = page.get_by_role("region", name="At a glance")
    expect(facts.get_by_role("listitem").first).to_have_text("20 billion live bacteria")
    question = page.get_by_text("Does it need to be kept in the fridge?")
    question.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("The strains are freeze-dried")).to_be_visible()
    bought = page.get_by_role("region", name="Often bought with")
    expect(bought.locator(".product-card")).not_to_have_count(0)


@pytest.fixture
def a11y_page(new_page):
    return new_page(bypass_csp=True, reduced_motion="reduce")


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)])
@pytest.mark.parametrize("path", [ON_SALE, "/products/synbiotic-sachets"])
def test_product_pages_pass_axe_on_a_phone_and_a_desktop(a11y_page, path, width, height):
    a11y_page.set_viewport_size({"width": width, "height": height})
    a11y_page.goto(path)
    check_both_themes(a11y_page, f"{path} at {width} px")


def test_the_home_page_strip_and_reviews_pass_axe_on_a_phone(a11y_page):
    a11y_page.set_viewport_size({"width": 390, "height": 844})
    a11y_page.goto("/")
    expect(a11y_page.locator(".value-strip li")).to_have_count(4)
    check_both_themes(a11y_page, "the home page at 390 px")
