"""Comments under articles: signed-in customers only, plain text, moderated by staff
(approve, hide, delete, block, all audited), reported back into the queue, guarded by a
honeypot, a minimum fill time and a limit per account, counted on cards and in JSON-LD."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from shop.accounts.models import Customer
from shop.backoffice.models import AuditEntry
from shop.comments.forms import COMMENT_STAMP_SALT
from shop.comments.models import Comment
from shop.extensions import db
from shop.journal.models import Article
from shop.newsletter.tokens import form_stamp
from tests.factories import ArticleFactory, TagFactory
from tests.helpers import json_ld, page
from tests.helpers.accounts import CustomerActions, find_customer, location
from tests.helpers.checkout import flashes, follow
from tests.helpers.comments import post
from tests.helpers.staff import AuthActions

ARTICLE = "/journal/gut-skin"


@pytest.fixture
def article(acc_app):
    with acc_app.app_context():
        ArticleFactory(slug="gut-skin", title="The gut-skin axis")
        ArticleFactory(slug="zinc", title="Zinc and the skin")


@pytest.fixture
def editor(acc_app):
    client = acc_app.test_client()
    AuthActions(acc_app, client)("editor")
    return client


def comments(app) -> list[Comment]:
    with app.app_context():
        found = db.session.scalars(select(Comment).order_by(Comment.id)).all()
        db.session.expunge_all()
        return found


def shown(client, path=ARTICLE) -> list[str]:
    return [
        c.select_one(".comment__body").get_text(" ", strip=True)
        for c in page(client.get(path)).select(".comment")
    ]


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_each_articles_sign_in_prompt_comes_back_to_that_article(acc_app, acc_client, article):
    """The anonymous prompt is rendered once per process and filled in with each
    article's link: the same markup the template makes for it, article by article."""
    template = acc_app.jinja_env.get_template("comments/_prompt.html")
    for slug in ("gut-skin", "zinc", "gut-skin"):
        answer = acc_client.get(f"/journal/{slug}")
        prompt = page(answer).select_one("[data-comment-prompt]")
        login_url = f"/account/login?next=/journal/{slug}%23comments"
        assert prompt.select_one("a")["href"] == login_url
        with acc_app.test_request_context(f"/journal/{slug}"):
            rendered = template.render(customer=None, login_url=login_url).strip()
        assert rendered in answer.get_data(as_text=True)


def test_anonymous_readers_are_asked_to_sign_in_and_come_back(
    acc_app, acc_client, article, customer
):
    prompt = page(acc_client.get(ARTICLE)).select_one("#comments [data-comment-prompt]")
    link = prompt.select_one("a")
    assert link.get_text() == "Sign in to leave a comment"
    assert link["href"] == "/account/login?next=/journal/gut-skin%23comments"
    assert page(acc_client.get(ARTICLE)).select_one("form[data-comment-form]") is None
    # Posting without an account changes nothing and asks to sign in.
    refused = post(acc_client, acc_app, "Hello")
    assert location(refused) == "/account/login?next=/journal/gut-skin%23comments"
    assert comments(acc_app) == []
    # Signing in from the prompt comes back to the comments.
    answer = customer.sign_in("ada@example.com", next="/journal/gut-skin#comments")
    assert location(answer) == "/journal/gut-skin#comments"
    form = page(acc_client.get(ARTICLE)).select_one("form[data-comment-form]")
    assert form["action"] == "/journal/gut-skin/comments"
    assert form.select_one("textarea[name=body]")["maxlength"] == "2000"
    assert form.select_one("input[name=display_name]") is not None


def test_the_first_comment_waits_for_staff_then_later_ones_show_at_once(
    acc_app, acc_client, article, customer, editor
):
    customer.sign_in("ada@example.com")
    first = post(acc_client, acc_app, "Thank you for this.")
    assert first.status_code == 303 and location(first) == "/journal/gut-skin#comments"
    assert "once our team has read it" in " ".join(flashes(follow(acc_client, first)))
    assert shown(acc_app.test_client()) == []
    assert find_customer(acc_app, "ada@example.com").display_name == "Ada L."

    queue = page(editor.get("/admin/comments/"))
    (waiting,) = queue.select("[data-comment-id]")
    assert "Thank you for this." in waiting.get_text()
    approved = editor.post(f"/admin/comments/{waiting['data-comment-id']}/approve")
    assert approved.status_code == 303
    assert shown(acc_app.test_client()) == ["Thank you for this."]

    second = post(acc_client, acc_app, "And a second thought.", display_name=None)
    assert location(second).startswith("/journal/gut-skin#comment-")
    assert shown(acc_app.test_client()) == ["Thank you for this.", "And a second thought."]
    html = page(acc_app.test_client().get(ARTICLE))
    assert [a.get_text() for a in html.select(".comment__author")] == ["Ada L.", "Ada L."]
    assert "ada@example.com" not in html.get_text()
    # The display name is chosen once: the form no longer asks for it.
    form = page(acc_client.get(ARTICLE)).select_one("form[data-comment-form]")
    assert form.select_one("input[name=display_name]") is None
    assert "comment.approve" in audit_actions(acc_app)


def test_staff_hide_and_delete_and_each_action_is_audited(
    acc_app, acc_client, article, customer, editor
):
    customer.sign_in("ada@example.com")
    post(acc_client, acc_app, "One")
    (one,) = comments(acc_app)
    editor.post(f"/admin/comments/{one.id}/approve")
    post(acc_client, acc_app, "Two", display_name=None)
    two = comments(acc_app)[1]
    assert shown(acc_app.test_client()) == ["One", "Two"]
    editor.post(f"/admin/comments/{two.id}/hide", data={"show": "approved"})
    assert shown(acc_app.test_client()) == ["One"]
    editor.post(f"/admin/comments/{one.id}/delete")
    assert shown(acc_app.test_client()) == []
    assert [c.id for c in comments(acc_app)] == [two.id]
    assert audit_actions(acc_app) == ["comment.approve", "comment.hide", "comment.delete"]


def test_a_report_puts_a_comment_back_in_the_queue(
    acc_app, acc_client, article, customer, editor, smtp_server
):
    customer.sign_in("ada@example.com")
    post(acc_client, acc_app, "Buy cheap pills")
    (comment,) = comments(acc_app)
    editor.post(f"/admin/comments/{comment.id}/approve")
    report_url = f"/journal/gut-skin/comments/{comment.id}/report"
    reader = acc_app.test_client()
    button = page(reader.get(ARTICLE)).select_one(f"form[action='{report_url}'] button")
    assert button.get_text(" ", strip=True).startswith("Report")
    # Anonymous readers are asked to sign in first.
    assert location(reader.post(report_url)).startswith("/account/login")
    CustomerActions(acc_app, reader, smtp_server).sign_in("bo@example.com")
    reported = reader.post(report_url)
    assert location(reported) == "/journal/gut-skin#comments"
    assert shown(acc_app.test_client()) == []
    queue = page(editor.get("/admin/comments/?show=reported"))
    assert "reported 1 time" in queue.select_one("[data-comment-id]").get_text()
    assert [c.status for c in comments(acc_app)] == ["pending"]
    # Reporting a comment of another article, or one not shown, does nothing.
    assert reader.post(f"/journal/zinc/comments/{comment.id}/report").status_code == 303
    assert comments(acc_app)[0].report_count == 1


def test_a_blocked_account_can_no_longer_comment(acc_app, acc_client, article, customer, editor):
    customer.sign_in("ada@example.com")
    post(acc_client, acc_app, "First")
    (comment,) = comments(acc_app)
    account = find_customer(acc_app, "ada@example.com")
    blocked = editor.post(f"/admin/comments/customers/{account.id}/block")
    assert blocked.status_code == 303
    assert comments(acc_app)[0].status == "hidden"  # what was waiting is hidden
    prompt = page(acc_client.get(ARTICLE)).select_one("[data-comment-prompt]")
    assert "can no longer post comments" in prompt.get_text()
    refused = post(acc_client, acc_app, "Again", display_name=None)
    assert refused.status_code == 400
    assert len(comments(acc_app)) == 1
    editor.post(f"/admin/comments/customers/{account.id}/unblock")
    assert post(acc_client, acc_app, "Sorry", display_name=None).status_code == 303
    assert audit_actions(acc_app) == ["customer.block_comments", "customer.unblock_comments"]
    assert comment.id


def test_comments_are_plain_text_escaped_with_line_breaks_and_safe_links(
    acc_app, acc_client, article, customer, editor
):
    customer.sign_in("ada@example.com")
    body = (
        "<script>alert('x')</script> & <b>bold</b>\n"
        'second line https://example.org/study?a=1&b="2"\n\n'
        "javascript:alert(1) www.nhs.uk"
    )
    assert post(acc_client, acc_app, body, display_name="<i>Ada</i>").status_code == 400
    post(acc_client, acc_app, body, display_name="Ada & Co.")
    (comment,) = comments(acc_app)
    editor.post(f"/admin/comments/{comment.id}/approve")
    html = page(acc_app.test_client().get(ARTICLE)).select_one(".comment")
    body_html = html.select_one(".comment__body")
    assert body_html.select("script, b, i") == []
    assert "<script>alert('x')</script> & <b>bold</b>" in body_html.get_text()
    assert len(body_html.select("p")) == 2 and len(body_html.select("br")) == 1
    links = body_html.select("a")
    assert [a["href"] for a in links] == [
        'https://example.org/study?a=1&b="2"',
        "http://www.nhs.uk",
    ]
    assert all(a["rel"] == ["nofollow", "ugc", "noopener"] for a in links)
    raw = acc_app.test_client().get(ARTICLE).get_data(as_text=True)
    assert "<script>alert('x')" not in raw


def test_bad_comments_come_back_with_what_was_typed(acc_app, acc_client, article, customer):
    customer.sign_in("ada@example.com")
    too_long = post(acc_client, acc_app, "x" * 2001)
    assert too_long.status_code == 400
    form = page(too_long).select_one("form[data-comment-form]")
    assert "2,000 characters" in form.select_one("#comment-body-error").get_text()
    assert form.select_one("textarea").get_text() == "x" * 2001
    assert form.select_one("textarea")["aria-invalid"] == "true"
    empty = post(acc_client, acc_app, "   \n ")
    assert empty.status_code == 400
    no_name = post(acc_client, acc_app, "Fine", display_name="ada@example.com")
    assert no_name.status_code == 400
    assert "not an email" in page(no_name).select_one("#comment-display-name-error").get_text()
    assert comments(acc_app) == []
    assert post(acc_client, acc_app, "x" * 2000).status_code == 303


def test_bots_are_answered_as_people_and_nothing_is_stored(acc_app, acc_client, article, customer):
    customer.sign_in("ada@example.com")
    trapped = post(acc_client, acc_app, "Spam", website="http://spam.example")
    assert trapped.status_code == 303
    with acc_app.app_context():
        fresh = form_stamp(salt=COMMENT_STAMP_SALT)
        newsletter_stamp = form_stamp(at=time.time() - 60)
    too_fast = acc_client.post(
        "/journal/gut-skin/comments", data={"body": "Spam", "display_name": "Bot", "stamp": fresh}
    )
    assert too_fast.status_code == 303
    other_form = acc_client.post(
        "/journal/gut-skin/comments",
        data={"body": "Spam", "display_name": "Bot", "stamp": newsletter_stamp},
    )
    assert other_form.status_code == 303
    assert comments(acc_app) == []


def test_comments_are_limited_per_account(app_factory, smtp_server):
    smtp_server.clear()
    app = app_factory(
        RATELIMIT_ENABLED=True,
        COMMENT_ACCOUNT_LIMIT="2 per hour",
        ACCOUNT_CODE_IP_LIMIT="100 per minute",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        SHOP_BASE_URL="https://shop.test",
    )
    with app.app_context():
        ArticleFactory(slug="gut-skin")
    ada, bo = app.test_client(), app.test_client()
    CustomerActions(app, ada, smtp_server).sign_in("ada@example.com")
    CustomerActions(app, bo, smtp_server).sign_in("bo@example.com")
    assert post(ada, app, "One").status_code == 303
    assert post(ada, app, "Two", display_name=None).status_code == 303
    assert post(ada, app, "Three", display_name=None).status_code == 429
    assert post(bo, app, "Bo's first", display_name="Bo").status_code == 303


def test_counts_on_article_cards_and_comments_in_the_json_ld(
    acc_app, acc_client, article, customer, editor
):
    customer.sign_in("ada@example.com")
    post(acc_client, acc_app, "Helpful, thank you")
    (comment,) = comments(acc_app)
    editor.post(f"/admin/comments/{comment.id}/approve")
    post(acc_client, acc_app, "Also: zinc?", display_name=None)
    visitor = acc_app.test_client()
    cards = page(visitor.get("/journal")).select(".article-card")
    counts = {
        card.select_one(".article-card__title").get_text(strip=True): card.select_one(
            ".article-card__comments"
        )
        for card in cards
    }
    assert counts["The gut-skin axis"].get_text() == "2 comments"
    assert counts["The gut-skin axis"]["href"] == "/journal/gut-skin#comments"
    assert counts["Zinc and the skin"] is None
    home = page(visitor.get("/")).select_one(".article-card__comments")
    assert home.get_text() == "2 comments"

    (data,) = [d for d in json_ld(visitor.get(ARTICLE)) if d.get("@type") == "Article"]
    assert data["commentCount"] == 2
    assert [c["text"] for c in data["comment"]] == ["Helpful, thank you", "Also: zinc?"]
    assert data["comment"][0]["author"] == {"@type": "Person", "name": "Ada L."}
    heading = page(visitor.get(ARTICLE)).select_one("#comments-heading").get_text()
    assert heading == "Comments (2)"


def test_only_editors_and_administrators_moderate(acc_app, article, customer, acc_client):
    customer.sign_in("ada@example.com")
    post(acc_client, acc_app, "Hello")
    (comment,) = comments(acc_app)
    fulfilment = acc_app.test_client()
    AuthActions(acc_app, fulfilment)("fulfilment")
    assert fulfilment.get("/admin/comments/").status_code == 403
    assert fulfilment.post(f"/admin/comments/{comment.id}/approve").status_code == 403
    assert comments(acc_app)[0].status == "pending"
    admin = acc_app.test_client()
    AuthActions(acc_app, admin)("admin")
    assert admin.get("/admin/comments/").status_code == 200
    # The customer's own session is no way in.
    assert location(acc_client.post(f"/admin/comments/{comment.id}/approve")).startswith(
        "/admin/login"
    )


def test_related_article_cards_count_only_shown_comments(
    acc_app, acc_client, article, customer, editor
):
    """The related articles under an article are read with their comment counts: an
    approved comment counts, one waiting for moderation does not."""
    with acc_app.app_context():
        tag = TagFactory(slug="zinc", name="Zinc")
        for found in db.session.scalars(select(Article)).all():
            found.tags.append(tag)
        db.session.commit()
    customer.sign_in("ada@example.com")
    post(acc_client, acc_app, "Helpful, thank you")
    visitor = acc_app.test_client()

    def related_card(path):
        (card,) = page(visitor.get(path)).select("#related-heading ~ .article-grid .article-card")
        return card

    assert related_card("/journal/zinc").select_one(".article-card__comments") is None
    (comment,) = comments(acc_app)
    editor.post(f"/admin/comments/{comment.id}/approve")
    card = related_card("/journal/zinc")
    assert card.select_one(".article-card__title").get_text(strip=True) == "The gut-skin axis"
    assert card.select_one(".article-card__comments").get_text() == "1 comment"
    assert related_card(ARTICLE).select_one(".article-card__comments") is None


def test_an_articles_page_shows_its_approved_comments_by_time_with_their_authors(acc_app):
    """The comments are read with the article's other parts in one statement: only the
    article's own approved ones, oldest first by when they were written (not by id), each
    under its author's display name, "A customer" without one, "A former customer" once
    the account is erased; the times in the markup and the JSON-LD as they were stored."""
    now = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    with acc_app.app_context():
        article = ArticleFactory(slug="gut-skin", title="The gut-skin axis")
        other = ArticleFactory(slug="zinc", title="Zinc and the skin")
        named = Customer(email="ada@example.com", display_name="Ada L.")
        unnamed = Customer(email="bo@example.com")
        db.session.add_all([named, unnamed])
        for body, customer, status, minutes, on in [
            ("Third, written last", named, "approved", 30, article),
            ("First, written earliest", unnamed, "approved", 0, article),
            ("Waiting for staff", named, "pending", 5, article),
            ("Taken down", named, "hidden", 6, article),
            ("Second, by an erased account", None, "approved", 10, article),
            ("On another article", named, "approved", 1, other),
        ]:
            db.session.add(
                Comment(
                    article=on,
                    customer=customer,
                    body=body,
                    status=status,
                    created_at=now + timedelta(minutes=minutes),
                )
            )
        db.session.commit()
    response = acc_app.test_client().get(ARTICLE)
    shown_comments = page(response).select(".comment")
    assert [c.select_one(".comment__body").get_text(strip=True) for c in shown_comments] == [
        "First, written earliest",
        "Second, by an erased account",
        "Third, written last",
    ]
    assert [c.select_one(".comment__author").get_text() for c in shown_comments] == [
        "A customer",
        "A former customer",
        "Ada L.",
    ]
    assert shown_comments[1].select_one("time")["datetime"] == "2026-11-20T09:40:00+00:00"
    (data,) = [d for d in json_ld(response) if d.get("@type") == "Article"]
    assert [c["dateCreated"] for c in data["comment"]] == [
        "2026-11-20T09:30:00+00:00",
        "2026-11-20T09:40:00+00:00",
        "2026-11-20T10:00:00+00:00",
    ]
    assert data["comment"][2]["author"] == {"@type": "Person", "name": "Ada L."}
