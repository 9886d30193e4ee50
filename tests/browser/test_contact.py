"""The contact journey in Chromium: a shopper finds the contact page from the footer,
sends the form with a mistake (announced, what they typed kept), then sends it; the shop
mails its contact address and the shopper (real SMTP server); a member of staff answers
from /admin/messages and the reply reaches the shopper. axe-core finds no serious or
critical violation on /contact, a shop page and /admin/messages, in both themes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import axe_violations, describe_violations, make_staff, sign_in

pytestmark = pytest.mark.browser

CONTACT = "care@shop.test"


@pytest.fixture(scope="module")
def live_server(serve, smtp_server):
    return serve(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_DEFAULT_SENDER="Flora & Barrier <hello@shop.test>",
        CONTACT_EMAIL=CONTACT,
        # The form refuses answers sent sooner than a person could type (a bot check).
        NEWSLETTER_MIN_FILL_SECONDS=0,
    )


def no_violations(page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe_violations(violations)}"


def test_a_shopper_writes_and_staff_answer(new_page, live_server, smtp_server):
    smtp_server.clear()
    page = new_page(bypass_csp=True)  # axe-core is injected as a script
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Contact us").click()
    expect(page).to_have_url(re.compile(r"/contact$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact us")
    no_violations(page, "/contact")

    form = page.locator("form[data-contact-form]")
    form.get_by_label("Your name").fill("Ada Lovelace")
    form.get_by_label("Email address").fill("ada.browser@example.com")
    form.get_by_label("What is it about?").select_option("returns")
    form.get_by_label("Order number (optional)").fill("FB-100042")
    form.get_by_label("Your message").fill("Short")
    form.get_by_role("button", name="Send").click()

    expect(page.get_by_role("alert")).to_have_text("Please correct the 1 field marked below.")
    message = form.get_by_label("Your message")
    expect(message).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#message-error")).to_have_text(
        "Please write between 10 and 5,000 characters."
    )
    expect(form.get_by_label("Your name")).to_have_value("Ada Lovelace")
    expect(form.get_by_label("What is it about?")).to_have_value("returns")
    no_violations(page, "/contact with errors")

    message.fill("The jar arrived cracked. Can I have a replacement?")
    form.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/contact/thanks$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, we have your message")
    mails = smtp_server.wait_for(2)
    assert sorted(m.rcpt_tos[0] for m in mails) == sorted([CONTACT, "ada.browser@example.com"])
    smtp_server.clear()

    staff = new_page(bypass_csp=True)
    sign_in(staff, make_staff(live_server.app, "messages@example.com", "fulfilment"))
    staff.get_by_role("navigation", name="Back office").get_by_role("link", name="Messages").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Messages")
    no_violations(staff, "/admin/messages")
    staff.get_by_role("link", name="Ada Lovelace").click()
    expect(staff.locator("[data-message-body]")).to_contain_text("The jar arrived cracked.")
    no_violations(staff, "a message")
    staff.get_by_label("Your reply").fill("Sorry about that: a new jar leaves today.")
    staff.get_by_role("button", name="Send the reply").click()
    expect(staff.locator(".flash--success")).to_contain_text("ada.browser@example.com")
    expect(staff.locator("[data-status]")).to_have_text("Answered")
    (reply,) = smtp_server.wait_for(1)
    assert reply.rcpt_tos == ["ada.browser@example.com"]
    assert "a new jar leaves today" in reply.text_part()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("path", ["/contact", "/pages/returns", "/pages/cookies"])
def test_contact_and_shop_pages_pass_axe(new_page, theme, path):
    page = new_page(theme=theme, bypass_csp=True)
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    no_violations(page, f"{path} ({theme})")


def test_the_contact_form_works_without_javascript(new_page, smtp_server):
    smtp_server.clear()
    page = new_page(java_script_enabled=False)
    page.goto("/contact")
    form = page.locator("form[data-contact-form]")
    form.get_by_label("Your name").fill("Grace Hopper")
    form.get_by_label("Email address").fill("grace.browser@example.com")
    form.get_by_label("What is it about?").select_option("products")
    form.get_by_label("Your message").fill("Is the serum fragrance free?")
    form.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/contact/thanks$"))
    smtp_server.wait_for(2)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_back_office_screens_pass_axe(new_page, live_server, theme):
    staff = new_page(theme=theme, bypass_csp=True)
    sign_in(staff, make_staff(live_server.app, f"pages-{theme}@example.com", "admin"))
    for path in ("/admin/messages/", "/admin/pages/", "/admin/pages/delivery"):
        staff.goto(path)
        expect(staff.get_by_role("heading", level=1)).to_be_visible()
        no_violations(staff, f"{path} ({theme})")
    staff.goto("/admin/messages/")
    staff.locator("[data-messages] tbody a").first.click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Message M")
    no_violations(staff, f"a message ({theme})")
