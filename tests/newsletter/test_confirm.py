"""Confirmation links: expired, tampered, superseded and used ones get a clear page."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from shop.extensions import db
from shop.models import utcnow
from shop.newsletter import services
from shop.newsletter.tokens import confirmation_token
from tests.helpers import page
from tests.helpers.newsletter import confirm_path, sign_up, subscriber
from tests.newsletter.factories import SubscriberFactory


def token_for(app, email: str, signed_seconds_ago: float = 0) -> str:
    with app.app_context():
        record = services.subscriber_by_email(email)
        return confirmation_token(
            record.id, record.requested_at, at=time.time() - signed_seconds_ago
        )


@pytest.fixture
def pending(app):
    with app.app_context():
        SubscriberFactory(email="pending@example.com", status="pending")
    return "pending@example.com"


def assert_problem_page(response, status: int, heading: str):
    assert response.status_code == status
    html = page(response)
    assert html.h1.get_text(strip=True) == heading
    assert "you are not subscribed" in html.get_text()
    # A way to ask again, right there.
    form = html.select_one("main form[data-newsletter-signup]")
    assert form["action"] == "/newsletter"
    assert form.select_one("input[name=email]") is not None
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_gets_a_clear_page_and_confirms_nothing(app, client, pending, method):
    eight_days = 8 * 86400
    token = token_for(app, pending, signed_seconds_ago=eight_days)
    response = getattr(client, method)(f"/newsletter/confirm/{token}")
    assert_problem_page(response, 410, "This link has expired")
    assert subscriber(app, pending).status == "pending"


def test_a_link_within_its_seven_days_works(app, client, pending):
    token = token_for(app, pending, signed_seconds_ago=6 * 86400)
    assert client.post(f"/newsletter/confirm/{token}").status_code == 200
    assert subscriber(app, pending).status == "confirmed"


def test_the_lifetime_is_a_setting(app_factory):
    app = app_factory(NEWSLETTER_CONFIRM_MAX_AGE=60)
    with app.app_context():
        SubscriberFactory(email="p@example.com", status="pending")
    token = token_for(app, "p@example.com", signed_seconds_ago=120)
    response = app.test_client().post(f"/newsletter/confirm/{token}")
    assert_problem_page(response, 410, "This link has expired")


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_gets_a_clear_page(app, client, pending, method):
    token = token_for(app, pending)
    payload, _, signature = token.rpartition(".")
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    for bad in [forged, "not-a-token", token[:-3]]:
        response = getattr(client, method)(f"/newsletter/confirm/{bad}")
        assert_problem_page(response, 400, "This link does not work")
    assert subscriber(app, pending).status == "pending"


def test_a_link_signed_with_another_key_does_not_work(app_factory, pending, app):
    other = app_factory(SECRET_KEY="another-secret-key-entirely")
    token = token_for(other, pending)
    assert_problem_page(
        app.test_client().post(f"/newsletter/confirm/{token}"), 400, "This link does not work"
    )


def test_a_link_from_before_unsubscribing_does_not_resubscribe(nl_app, nl_client, smtp_server):
    sign_up(nl_client, nl_app, "changeable@example.com")
    old_link = confirm_path(smtp_server.wait_for(1)[0])
    assert nl_client.post(old_link).status_code == 200
    with nl_app.app_context():
        record = services.subscriber_by_email("changeable@example.com")
        services.unsubscribe(record, "preferences")
        db.session.commit()
    response = nl_client.post(old_link)
    assert_problem_page(response, 400, "This link does not work")
    assert subscriber(nl_app, "changeable@example.com").status == "unsubscribed"

    # Signing up again sends a new link; the old one still does nothing.
    with nl_app.app_context():
        record = services.subscriber_by_email("changeable@example.com")
        record.last_confirmation_sent_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    sign_up(nl_client, nl_app, "changeable@example.com")
    # The first confirmation, the welcome email with its code, the new confirmation.
    new_link = confirm_path(smtp_server.wait_for(3)[2])
    assert new_link != old_link
    assert_problem_page(nl_client.post(old_link), 400, "This link does not work")
    assert nl_client.post(new_link).status_code == 200
    assert subscriber(nl_app, "changeable@example.com").status == "confirmed"
    # Confirming again after leaving mints no second welcome code.
    assert [m.message["Subject"] for m in smtp_server.messages].count(
        "Welcome: 10% off your next order"
    ) == 1


def test_an_erased_subscriber_link_does_not_work(app, client, pending):
    token = token_for(app, pending)
    with app.app_context():
        services.erase_subscriber(services.subscriber_by_email(pending), actor=None)
        db.session.commit()
    assert_problem_page(client.get(f"/newsletter/confirm/{token}"), 400, "This link does not work")


def test_a_used_link_says_they_are_already_subscribed(app, client, pending):
    token = token_for(app, pending)
    assert client.post(f"/newsletter/confirm/{token}").status_code == 200
    confirmed_at = subscriber(app, pending).confirmed_at
    for method in (client.get, client.post):
        response = method(f"/newsletter/confirm/{token}")
        assert response.status_code == 200
        assert page(response).h1.get_text(strip=True) == "You are already subscribed"
    assert subscriber(app, pending).confirmed_at == confirmed_at


def test_confirming_needs_the_csrf_token_of_the_page(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        SubscriberFactory(email="p@example.com", status="pending")
    client = app.test_client()
    url = f"/newsletter/confirm/{token_for(app, 'p@example.com')}"
    assert client.post(url).status_code == 400
    assert subscriber(app, "p@example.com").status == "pending"
    form = page(client.get(url)).select_one("form.newsletter-confirm")
    token = form.select_one("input[name=csrf_token]")["value"]
    assert client.post(url, data={"csrf_token": token}).status_code == 200
    assert subscriber(app, "p@example.com").status == "confirmed"
