"""Article pages stay in the page cache for everyone, signed-in customers included: a
moderated comment shows at once, and one customer's header link and comment form are
never served to anybody else."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shop.comments.models import Comment
from shop.extensions import db
from tests.factories import ArticleFactory
from tests.helpers import page
from tests.helpers.accounts import CustomerActions
from tests.helpers.comments import post
from tests.helpers.staff import AuthActions

ARTICLE = "/journal/gut-skin"


@pytest.fixture
def cached_app(mailing_app):
    app = mailing_app(PAGE_CACHE_SECONDS=60)
    with app.app_context():
        ArticleFactory(slug="gut-skin", title="The gut-skin axis")
    return app


def comment_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Comment.id).order_by(Comment.id)))


def shown(client) -> list[str]:
    html = page(client.get(ARTICLE))
    return [c.select_one(".comment__body").get_text(strip=True) for c in html.select(".comment")]


def no_markers(response) -> bool:
    return re.search(r"pc[0-9a-f]{32}-", response.get_data(as_text=True)) is None


def test_a_moderated_comment_shows_at_once_on_the_cached_page(
    cached_app, smtp_server, count_queries
):
    ada = cached_app.test_client()
    CustomerActions(cached_app, ada, smtp_server).sign_in("ada@example.com")
    post(ada, cached_app, "Worth reading.")
    post(ada, cached_app, "Another thought.", display_name=None)
    first, second = comment_ids(cached_app)
    editor = cached_app.test_client()
    AuthActions(cached_app, editor)("editor")

    visitor = cached_app.test_client()
    assert shown(visitor) == []
    with count_queries() as statements:
        assert shown(cached_app.test_client()) == []
    assert statements == []  # served from the cache

    editor.post(f"/admin/comments/{first}/approve")
    assert shown(visitor) == ["Worth reading."]
    editor.post(f"/admin/comments/{second}/approve")
    assert shown(visitor) == ["Worth reading.", "Another thought."]
    editor.post(f"/admin/comments/{first}/hide")
    assert shown(visitor) == ["Another thought."]
    editor.post(f"/admin/comments/{second}/delete")
    assert shown(visitor) == []
    # And the card on the journal's index counts them at once too.
    editor.post(f"/admin/comments/{first}/approve")
    card = page(visitor.get("/journal")).select_one(".article-card__comments")
    assert card.get_text() == "1 comment"


def test_one_customers_header_and_form_are_never_served_to_another(cached_app, smtp_server):
    ada = cached_app.test_client()
    CustomerActions(cached_app, ada, smtp_server).sign_in("ada@example.com")
    post(ada, cached_app, "Hello there.", display_name="Ada L.")
    ada.get("/")  # the flash message is shown and gone

    # Ada's visit renders the page that is kept for everybody.
    mine = ada.get(ARTICLE)
    assert no_markers(mine)
    assert page(mine).select_one(".account-link").get_text() == "Your account"
    assert page(mine).select_one("form[data-comment-form]") is not None
    assert "Ada L." in page(mine).select_one("form[data-comment-form]").get_text()

    visitor = cached_app.test_client()
    theirs = visitor.get(ARTICLE)
    assert no_markers(theirs)
    html = page(theirs)
    assert html.select_one(".account-link").get_text() == "Sign in"
    assert html.select_one("form[data-comment-form]") is None
    assert html.select_one("[data-comment-prompt] a").get_text() == "Sign in to leave a comment"
    assert "Ada L." not in theirs.get_data(as_text=True)

    bo = cached_app.test_client()
    CustomerActions(cached_app, bo, smtp_server).sign_in("bo@example.com")
    bo.get("/")
    bos = page(bo.get(ARTICLE))
    assert bos.select_one(".account-link").get_text() == "Your account"
    assert bos.select_one("form[data-comment-form] input[name=display_name]") is not None
    assert "Ada L." not in str(bos.select_one("form[data-comment-form]"))

    again = ada.get(ARTICLE)  # from the cache, filled in for Ada
    assert "Ada L." in page(again).select_one("form[data-comment-form]").get_text()


def test_the_header_shows_sign_in_on_every_cached_page_for_visitors(cached_app):
    visitor = cached_app.test_client()
    for path in ("/", "/journal", ARTICLE):
        visitor.get(path)
        link = page(visitor.get(path)).select_one(".account-link")
        assert link.get_text() == "Sign in" and link["href"] == "/account/login", path
