"""Signing up for the newsletter in Chromium, with double opt-in: the shop mails a real
SMTP server (tests/smtp.py), the test reads the confirmation link out of the message
that arrived, and the browser opens it and presses the button."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from shop.extensions import db
from shop.newsletter import services

pytestmark = pytest.mark.browser

EMAIL = "Reader.Browser@Example.com"


@pytest.fixture(scope="module")
def live_server(serve, smtp_server):
    return serve(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_DEFAULT_SENDER="Flora & Barrier <hello@shop.test>",
        # The form refuses answers sent sooner than a person could type (a bot check).
        NEWSLETTER_MIN_FILL_SECONDS=0,
    )


def subscriber(app, email: str):
    with app.app_context():
        found = services.subscriber_by_email(email)
        status, topics = found.status, sorted(found.topic_names)
        db.session.remove()
        return status, topics


def test_visitor_signs_up_in_the_footer_and_confirms_by_email(page, live_server, smtp_server):
    smtp_server.clear()
    page.goto("/journal")
    footer = page.get_by_role("contentinfo").get_by_role("region", name="Newsletter")
    footer.get_by_label("Email address").fill(EMAIL)
    footer.get_by_role("checkbox", name="Skincare").check()
    footer.get_by_role("checkbox", name="Journal").check()
    footer.get_by_role("button", name="Subscribe").click()

    expect(page).to_have_url(re.compile(r"/newsletter/thanks$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    assert subscriber(live_server.app, EMAIL) == ("pending", ["journal", "skincare"])

    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["reader.browser@example.com"]
    links = re.findall(r"https?://\S+", mail.text_part())
    confirm = [url for url in links if url.startswith(f"{live_server.url}/newsletter/confirm/")]
    assert len(confirm) == 1, mail.text_part()

    # Opening the link changes nothing (mail scanners follow links): it shows a button.
    page.goto(confirm[0])
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your subscription")
    expect(page.locator("main")).to_contain_text("reader.browser@example.com")
    expect(page.locator("main")).to_contain_text(
        re.compile(r"Topics: (Skincare, Journal|Journal, Skincare)\.")
    )
    assert subscriber(live_server.app, EMAIL)[0] == "pending"
    page.get_by_role("button", name="Yes, subscribe me").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You are subscribed")
    expect(page.get_by_role("link", name="manage your subscription now")).to_be_visible()
    assert subscriber(live_server.app, EMAIL) == ("confirmed", ["journal", "skincare"])


def test_signup_errors_are_announced(page, smtp_server):
    smtp_server.clear()
    page.goto("/newsletter")
    form = page.locator("main form")
    form.get_by_label("Email address").fill("not an address")
    form.get_by_role("button", name="Subscribe").click()

    expect(page.get_by_role("alert")).to_have_text("Please correct what is marked below.")
    email = form.get_by_label("Email address")
    expect(email).to_have_value("not an address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(
        "Please enter an email address like name@example.com."
    )
    expect(form.get_by_role("group", name="Topics")).to_have_accessible_description(
        "Choose at least one topic."
    )
    assert smtp_server.messages == []
