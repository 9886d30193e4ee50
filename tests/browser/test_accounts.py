"""Customer accounts and comments in Chromium: read an article, sign in from its comment
prompt with the code emailed to a real SMTP server, come back to the article and
comment; and axe-core on the sign-in page, the account, its orders and an article with
comments."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from shop.comments.models import Comment
from shop.extensions import db
from shop.models import utcnow
from tests.browser.helpers import (
    add_to_basket,
    axe_violations,
    describe_violations,
    sign_in_with_code,
)

pytestmark = pytest.mark.browser

ARTICLE = "/journal/probiotics-on-the-skin-versus-in-the-gut"


@pytest.fixture(scope="module")
def live_server(serve, smtp_server):
    return serve(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_DEFAULT_SENDER="Flora & Barrier <hello@shop.test>",
        # The comment form refuses answers sent sooner than a person could type.
        COMMENT_MIN_FILL_SECONDS=0,
    )


def approve_comments(app, body: str) -> None:
    with app.app_context():
        db.session.execute(
            update(Comment)
            .where(Comment.body == body)
            .values(status="approved", moderated_at=utcnow())
        )
        db.session.commit()
        db.session.remove()


def test_a_reader_signs_in_from_the_comment_prompt_and_comments(page, live_server, smtp_server):
    smtp_server.clear()
    page.goto(ARTICLE)
    comments = page.locator("#comments")
    comments.get_by_role("link", name="Sign in to leave a comment").click()

    sign_in_with_code(page, smtp_server, "commenter@example.com")
    expect(page).to_have_url(re.compile(re.escape(ARTICLE) + "#comments$"))
    expect(page.locator(".flash--success")).to_contain_text("signed in as commenter@example.com")
    expect(page.get_by_role("link", name="Your account")).to_be_visible()

    form = page.locator("form[data-comment-form]")
    form.get_by_label("Name shown beside your comments").fill("Grace H.")
    form.get_by_label("Your comment", exact=True).fill(
        "Clear and careful, thank you.\nSee https://example.org"
    )
    form.get_by_role("button", name="Post comment").click()
    expect(page.locator(".flash--success")).to_contain_text("once our team has read it")

    approve_comments(live_server.app, "Clear and careful, thank you.\nSee https://example.org")
    page.goto(ARTICLE)
    mine = page.locator(".comment", has_text="Clear and careful")
    expect(mine.locator(".comment__author")).to_have_text("Grace H.")
    expect(mine.get_by_role("link", name="https://example.org")).to_have_attribute(
        "rel", "nofollow ugc noopener"
    )
    with live_server.app.app_context():
        assert db.session.scalar(select(Comment.status).where(Comment.body.like("Clear%"))) == (
            "approved"
        )
        db.session.remove()


def test_account_pages_and_an_article_with_comments_pass_axe(new_page, live_server, smtp_server):
    """axe-core is injected into the page, which the Content-Security-Policy would refuse."""
    page = new_page(bypass_csp=True)
    problems = []

    def check(where: str) -> None:
        found = axe_violations(page)
        if found:
            problems.append(f"axe-core on {where}:\n{describe_violations(found)}")

    page.goto("/account/login")
    check("/account/login")
    sign_in_with_code(page, smtp_server, "a11y-customer@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    check("/account")
    page.goto("/account/orders")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your orders")
    check("/account/orders")
    page.goto("/account/settings")
    check("/account/settings")
    page.goto("/journal/what-is-the-gut-skin-axis")
    expect(page.locator(".comment")).to_have_count(2)
    expect(page.locator("form[data-comment-form]")).to_be_visible()
    check("an article with comments, signed in")
    other = new_page(bypass_csp=True)
    other.goto("/journal/what-is-the-gut-skin-axis")
    expect(other.get_by_role("link", name="Sign in to leave a comment")).to_be_visible()
    found = axe_violations(other)
    if found:
        problems.append(f"axe-core on an article, signed out:\n{describe_violations(found)}")
    assert not problems, "\n\n".join(problems)


def test_a_signed_in_customer_finds_the_demo_payment_page_filled_in(
    new_page, live_server, smtp_server
):
    """Hannah (a demo customer with an earlier order) checks out: her email and last
    delivery address are on the payment page already; she only presses Pay."""
    page = new_page(bypass_csp=True)
    page.goto("/account/login")
    sign_in_with_code(page, smtp_server, "hannah.demo@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")

    add_to_basket(page, "probiotic-moisturiser", "100 ml")
    page.goto("/cart")
    page.get_by_role("button", name="Check out securely").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pay for order")
    email = page.get_by_label("Email for your receipt", exact=True)
    expect(email).to_have_value("hannah.demo@example.com")
    expect(email).to_have_attribute("readonly", "")
    expect(page.get_by_label("Full name", exact=True)).to_have_value("Hannah Reid")
    expect(page.get_by_label("Address line 1", exact=True)).to_have_value("4 Orchard Lane")
    expect(page.get_by_label("Town or city", exact=True)).to_have_value("Bristol")
    expect(page.get_by_label("Postcode", exact=True)).to_have_value("BS1 4DJ")
    found = axe_violations(page)
    assert not found, describe_violations(found)

    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page).to_have_url(re.compile(r"/orders/[\w-]+$"))
    expect(page.locator(".order-status")).to_contain_text("Paid")
    expect(page.locator("address")).to_contain_text("4 Orchard Lane")
    page.goto("/account/orders")
    # The earlier demo order and this one, both under her account.
    expect(page.get_by_role("button", name=re.compile(r"^Buy again"))).to_have_count(2)
