"""Leaving and choosing topics: the preference page and RFC 8058 one-click unsubscribe."""

from __future__ import annotations

import pytest

from tests.helpers import page
from tests.helpers.newsletter import subscriber
from tests.newsletter.factories import SubscriberFactory

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def reader(app):
    with app.app_context():
        record = SubscriberFactory(email="reader@example.com", topics=["skincare", "journal"])
        return record.unsubscribe_token


def test_the_link_in_the_email_opens_the_preference_page_and_changes_nothing(app, client, reader):
    response = client.get(f"/newsletter/unsubscribe/{reader}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    html = page(response)
    assert html.find("link", rel="canonical") is None, "the token stays out of canonical links"
    assert "reader@example.com" in html.get_text()
    checked = [box["value"] for box in html.select(".newsletter-preferences input[checked]")]
    assert checked == ["skincare", "journal"]
    leave = html.select_one("form.newsletter-leave")
    assert leave["action"] == f"/newsletter/leave/{reader}"
    assert leave.button.get_text(strip=True) == "Unsubscribe"
    assert subscriber(app, "reader@example.com").status == "confirmed"


def test_changing_topics(app, client, reader):
    response = client.post(
        f"/newsletter/preferences/{reader}", data={"topics": ["supplements", "journal"]}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/newsletter/unsubscribe/{reader}"
    assert "Your choices are saved." in page(client.get(response.headers["Location"])).get_text()
    assert subscriber(app, "reader@example.com").topic_names == ["journal", "supplements"]


def test_choosing_no_topic_is_refused_with_a_way_out(app, client, reader):
    response = client.post(f"/newsletter/preferences/{reader}", data={})
    assert response.status_code == 400
    error = page(response).select_one("#nl-pref-topics-error").get_text()
    assert "Choose at least one topic, or unsubscribe below." in error
    assert subscriber(app, "reader@example.com").topic_names == ["journal", "skincare"]


def test_leaving_with_the_button(app, client, reader):
    response = client.post(f"/newsletter/leave/{reader}")
    assert response.status_code == 303
    shown = page(client.get(response.headers["Location"]))
    assert shown.select_one("[data-subscription-status]")["data-subscription-status"] == (
        "unsubscribed"
    )
    record = subscriber(app, "reader@example.com")
    assert record.status == "unsubscribed"
    assert record.unsubscribe_method == "preferences"
    assert record.unsubscribed_at is not None


def test_one_click_unsubscribe_works_without_csrf_login_or_cookies(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        token = SubscriberFactory(email="reader@example.com").unsubscribe_token
    client = app.test_client(use_cookies=False)
    url = f"/newsletter/unsubscribe/{token}"
    first = client.post(url, data=ONE_CLICK)
    assert first.status_code == 200
    record = subscriber(app, "reader@example.com")
    assert record.status == "unsubscribed"
    assert record.unsubscribe_method == "one-click"
    left_at = record.unsubscribed_at
    # Mailbox providers may send it again: still 200, and nothing moves.
    again = client.post(url, data=ONE_CLICK)
    assert again.status_code == 200
    assert subscriber(app, "reader@example.com").unsubscribed_at == left_at


def test_the_preference_forms_need_their_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        token = SubscriberFactory(email="reader@example.com").unsubscribe_token
    client = app.test_client()
    assert client.post(f"/newsletter/leave/{token}").status_code == 400
    assert (
        client.post(f"/newsletter/preferences/{token}", data={"topics": ["journal"]}).status_code
        == 400
    )
    assert subscriber(app, "reader@example.com").status == "confirmed"
    html = page(client.get(f"/newsletter/unsubscribe/{token}"))
    csrf = html.select_one("form.newsletter-leave input[name=csrf_token]")["value"]
    assert client.post(f"/newsletter/leave/{token}", data={"csrf_token": csrf}).status_code == 303
    assert subscriber(app, "reader@example.com").status == "unsubscribed"


def test_a_post_without_the_one_click_body_is_refused(app, client, reader):
    response = client.post(f"/newsletter/unsubscribe/{reader}", data={"List-Unsubscribe": "x"})
    assert response.status_code == 400
    assert "List-Unsubscribe=One-Click" in page(response).get_text()
    assert subscriber(app, "reader@example.com").status == "confirmed"


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/newsletter/unsubscribe/no-such-token"),
        ("post", "/newsletter/unsubscribe/no-such-token"),
        ("post", "/newsletter/preferences/no-such-token"),
        ("post", "/newsletter/leave/no-such-token"),
        ("get", "/newsletter/unsubscribe/" + "x" * 300),
    ],
)
def test_unknown_tokens_get_the_not_found_page(client, method, url):
    response = getattr(client, method)(url, data=ONE_CLICK if method == "post" else None)
    assert response.status_code == 404
    assert page(response).h1 is not None


def test_a_pending_subscriber_can_leave_too(app, client):
    with app.app_context():
        token = SubscriberFactory(email="p@example.com", status="pending").unsubscribe_token
    assert client.post(f"/newsletter/unsubscribe/{token}", data=ONE_CLICK).status_code == 200
    assert subscriber(app, "p@example.com").status == "unsubscribed"
