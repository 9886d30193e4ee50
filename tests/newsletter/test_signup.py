"""Signing up: the forms, double opt-in through real mail, bad input, bots, no enumeration."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from shop.extensions import db
from shop.mail.models import OutgoingEmail
from shop.models import utcnow
from shop.newsletter import services
from shop.newsletter.consent import CURRENT_VERSION, WORDINGS
from shop.newsletter.models import Subscriber
from shop.newsletter.tokens import form_stamp
from tests.factories import ArticleFactory
from tests.helpers import page
from tests.helpers.newsletter import (
    confirm_path,
    count_subscribers,
    link_path,
    old_stamp,
    sign_up,
    signup_data,
    subscriber,
)
from tests.helpers.queue import run_queue
from tests.newsletter.factories import SubscriberFactory


def consent_text(app) -> str:
    return WORDINGS[CURRENT_VERSION].format(shop_name=app.config["SHOP_NAME"])


# The forms ---------------------------------------------------------------------


def test_the_newsletter_page_shows_the_form_with_its_consent_wording(app, client):
    response = client.get("/newsletter")
    assert response.status_code == 200
    html = page(response)
    form = html.select_one("form[data-newsletter-signup]")
    assert form["action"] == "/newsletter"
    assert form.select_one("input[name=source]")["value"] == "page"
    assert form.select_one("input[name=consent_version]")["value"] == CURRENT_VERSION
    assert form.select_one("input[name=stamp]")["value"]
    assert [box["value"] for box in form.select("input[name=topics]")] == [
        "skincare",
        "supplements",
        "journal",
    ]
    assert consent_text(app) in form.get_text(" ", strip=True)
    # The honeypot is there for bots, hidden from people and screen readers.
    trap = form.select_one("input[name=website]")
    assert trap["tabindex"] == "-1"
    assert trap.find_parent(attrs={"aria-hidden": "true"}) is not None
    # Only one signup form on this page: the footer's is left out.
    assert len(html.select("form[data-newsletter-signup]")) == 1


def test_every_page_has_the_signup_form_in_its_footer(app, client):
    for url in ["/", "/shop", "/journal", "/no-such-page"]:
        footer = page(client.get(url)).select_one("footer.site-footer")
        form = footer.select_one("form[data-newsletter-signup]")
        assert form is not None, url
        assert form.select_one("input[name=source]")["value"] == "footer"
        assert consent_text(app) in footer.get_text(" ", strip=True)


def test_article_pages_have_their_own_signup_box(app, client):
    with app.app_context():
        ArticleFactory(slug="gut-skin", title="The gut-skin axis")
    html = page(client.get("/journal/gut-skin"))
    sources = [
        form.select_one("input[name=source]")["value"]
        for form in html.select("form[data-newsletter-signup]")
    ]
    assert sources == ["article", "footer"]
    box = html.select_one(".newsletter-box")
    assert consent_text(app) in box.get_text(" ", strip=True)
    ids = [tag["id"] for tag in html.select("[id]")]
    assert len(ids) == len(set(ids)), "two forms on one page must not share ids"


@pytest.mark.parametrize("source", ["footer", "article", "page", "nonsense"])
def test_a_blank_form_is_the_template_with_the_visitors_token_and_stamp(app, source):
    """A blank form's markup is kept per process (blank_newsletter_form): what each
    visitor gets is what the template renders for a fresh form, with their own CSRF
    token and a stamp signed as it is shown."""
    from flask import render_template

    from shop.newsletter.tokens import check_form_stamp
    from shop.newsletter.views import (
        SIGNUP_TEMPLATE,
        BlankSignupForm,
        blank_newsletter_form,
        signup_form,
    )
    from shop.signing import generate_csrf

    shown = "page" if source == "nonsense" else source
    tokens = set()
    for _visitor in range(2):  # the first makes the kept markup, the second reuses it
        with app.test_request_context("/"):
            forms = [blank_newsletter_form(source), blank_newsletter_form(source)]
            token = generate_csrf()
            for form in forms:
                fields = {
                    field["name"]: field.get("value")
                    for field in BeautifulSoup(form, "html.parser").select("input[type=hidden]")
                }
                stamp = fields["stamp"]
                assert check_form_stamp(stamp, min_seconds=0, max_age=60).valid
                fresh = BlankSignupForm(shown, CURRENT_VERSION, stamp)
                rendered = render_template(
                    SIGNUP_TEMPLATE, source=shown, newsletter_form=signup_form(shown, fresh)
                )
                assert str(form) == rendered
                assert fields["csrf_token"] == token and fields["source"] == shown
            tokens.add(token)
    assert len(tokens) == 2


# Double opt-in -----------------------------------------------------------------


def test_signup_sends_a_confirmation_and_only_the_button_confirms(nl_app, nl_client, smtp_server):
    response = sign_up(
        nl_client, nl_app, "  Reader@Example.COM ", topics=("skincare", "journal"), source="article"
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/newsletter/thanks"
    assert "Check your inbox" in page(nl_client.get("/newsletter/thanks")).h1.get_text()

    pending = subscriber(nl_app, "reader@example.com")
    assert pending.status == "pending"
    assert pending.topic_names == ["journal", "skincare"]
    assert pending.source == "article"
    assert pending.consent_version == CURRENT_VERSION
    assert pending.requested_at is not None and pending.confirmed_at is None

    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["reader@example.com"]
    assert mail.message["Subject"] == "Please confirm your subscription"
    assert "List-Unsubscribe" not in mail.message
    path = confirm_path(mail)
    assert f"https://shop.test{path}" in mail.text_part()
    assert f'href="https://shop.test{path}"' in mail.html_part()

    # A link scanner (or the person) opening the link confirms nothing...
    shown = nl_client.get(path)
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    html = page(shown)
    button = html.select_one("form.newsletter-confirm button[type=submit]")
    assert button.get_text(strip=True) == "Yes, subscribe me"
    assert "reader@example.com" in html.get_text()
    assert subscriber(nl_app, "reader@example.com").status == "pending"

    # ...pressing the button does.
    confirmed = nl_client.post(path)
    assert confirmed.status_code == 200
    assert page(confirmed).h1.get_text(strip=True) == "You are subscribed"
    record = subscriber(nl_app, "reader@example.com")
    assert record.status == "confirmed"
    assert record.confirmed_at >= record.requested_at
    # Nothing else was mailed but the welcome email with its code.
    confirmation, welcome = smtp_server.wait_for(2)
    assert welcome.message["Subject"] == "Welcome: 10% off your next order"
    assert len(smtp_server.messages) == 2


def test_without_a_mail_server_the_confirmation_lands_in_the_outbox(app, client, tmp_path):
    assert app.config["MAIL_SERVER"] is None
    response = sign_up(client, app, "outbox@example.com")
    assert response.status_code == 303
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    message = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["To"] == "outbox@example.com"
    text = message.get_body(preferencelist=("plain",)).get_content()
    path = link_path(text, "/newsletter/confirm/")
    assert "http://shop.test/newsletter/confirm/" in text
    client.post(path)
    assert subscriber(app, "outbox@example.com").status == "confirmed"


# Bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, message",
    [
        ("a@", "Please enter an email address like name@example.com."),
        ("a" * 290 + "@example.com", "That is too long for an email address"),
        ("a@example.com\nBcc: x@example.com", "An email address cannot contain line breaks."),
        ("a@example.com\r\nBcc: x@example.com", "An email address cannot contain line breaks."),
        ("", "Please enter your email address."),
        ("not an email", "Please enter an email address like name@example.com."),
    ],
)
def test_bad_addresses_are_refused_next_to_the_field_and_kept(
    nl_app, nl_client, smtp_server, typed, message
):
    response = nl_client.post(
        "/newsletter", data=signup_data(nl_app, typed, topics=("supplements",), source="footer")
    )
    assert response.status_code == 400
    html = page(response)
    field = html.select_one("#nl-footer-email")
    assert field is not None, "the form keeps the source it was sent from"
    assert field["value"] == typed.strip()
    assert field["aria-invalid"] == "true"
    error = html.select_one(f"#{field['aria-describedby']}")
    assert message in error.get_text()
    assert html.select_one("#nl-footer-topic-supplements").has_attr("checked")
    assert count_subscribers(nl_app) == 0
    assert smtp_server.messages == []


def test_a_topic_must_be_chosen(app, client):
    response = client.post("/newsletter", data=signup_data(app, "a@example.com", topics=()))
    assert response.status_code == 400
    html = page(response)
    assert html.select_one("#nl-page-email")["value"] == "a@example.com"
    assert "Choose at least one topic." in html.select_one("#nl-page-topics-error").get_text()
    assert count_subscribers(app) == 0


def test_unknown_topics_are_refused(app, client):
    response = client.post("/newsletter", data=signup_data(app, "a@example.com", topics=("cats",)))
    assert response.status_code == 400
    assert "Choose from the topics listed." in page(response).get_text()
    assert count_subscribers(app) == 0


# Bots --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"website": "http://spam.example"}, id="honeypot filled"),
        pytest.param({"stamp": None}, id="sent too fast"),
        pytest.param({"stamp": ""}, id="no stamp"),
        pytest.param({"stamp": "1234.abcd"}, id="forged stamp"),
    ],
)
def test_bots_get_the_same_answer_and_nothing_is_stored(nl_app, nl_client, smtp_server, change):
    data = signup_data(nl_app, "bot@example.com")
    if change.get("stamp", "") is None:
        with nl_app.app_context():
            change = {"stamp": form_stamp()}  # signed just now: nobody types that fast
    data.update(change)
    response = nl_client.post("/newsletter", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == "/newsletter/thanks"
    assert count_subscribers(nl_app) == 0
    assert smtp_server.messages == []


def test_a_form_left_open_for_days_asks_again_and_then_works(app, client):
    data = signup_data(app, "slow@example.com", stamp=old_stamp(app, seconds=3 * 86400))
    response = client.post("/newsletter", data=data)
    assert response.status_code == 400
    html = page(response)
    assert "open for a long time" in html.get_text()
    assert count_subscribers(app) == 0
    # The page's fresh stamp lets them press Subscribe again straight away.
    fresh = html.select_one("form[data-newsletter-signup] input[name=stamp]")["value"]
    assert html.select_one("#nl-page-email")["value"] == "slow@example.com"
    response = client.post("/newsletter", data={**data, "stamp": fresh})
    assert response.status_code == 303
    assert subscriber(app, "slow@example.com").status == "pending"


# No enumeration ----------------------------------------------------------------


def _without_csrf(body: bytes) -> bytes:
    return re.sub(rb'name="csrf_token" value="[^"]*"', b'name="csrf_token" value=""', body)


def test_the_answer_is_the_same_whatever_the_address_is(app_factory, smtp_server):
    app = app_factory(WTF_CSRF_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    with app.app_context():
        SubscriberFactory(email="pending@example.com", status="pending")
        SubscriberFactory(email="confirmed@example.com", status="confirmed")
        SubscriberFactory(
            email="left@example.com",
            status="unsubscribed",
            unsubscribed_at=utcnow(),
            unsubscribe_method="one-click",
        )
    smtp_server.clear()
    answers = []
    for email in ["new@example.com", "pending@example.com", "confirmed@example.com"] + [
        "left@example.com"
    ]:
        client = app.test_client()
        form = page(client.get("/newsletter")).select_one("form[data-newsletter-signup]")
        token = form.select_one("input[name=csrf_token]")["value"]
        response = client.post("/newsletter", data=signup_data(app, email, csrf_token=token))
        followed = client.get(response.headers["Location"])
        headers = sorted((k, v) for k, v in response.headers.items() if k != "Set-Cookie")
        answers.append((response.status_code, headers, response.data, _without_csrf(followed.data)))
    assert all(answer == answers[0] for answer in answers)
    assert answers[0][0] == 303

    # Each address got at most one email: a confirmation, or "already subscribed".
    mails = smtp_server.wait_for(4)
    by_address = {mail.rcpt_tos[0]: mail.message["Subject"] for mail in mails}
    assert by_address == {
        "new@example.com": "Please confirm your subscription",
        "pending@example.com": "Please confirm your subscription",
        "left@example.com": "Please confirm your subscription",
        "confirmed@example.com": "You are already subscribed",
    }


def test_at_most_one_confirmation_an_hour_per_address(nl_app, nl_client, smtp_server):
    for _ in range(3):
        assert sign_up(nl_client, nl_app, "eager@example.com").status_code == 303
    smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1

    # An hour later, asking again sends a fresh email; the first link still works.
    first = confirm_path(smtp_server.messages[0])
    with nl_app.app_context():
        record = services.subscriber_by_email("eager@example.com")
        record.last_confirmation_sent_at -= timedelta(minutes=61)
        db.session.commit()
    sign_up(nl_client, nl_app, "eager@example.com", topics=("journal",))
    assert len(smtp_server.wait_for(2)) == 2
    assert subscriber(nl_app, "eager@example.com").topic_names == ["journal"]
    assert nl_client.post(first).status_code == 200
    assert subscriber(nl_app, "eager@example.com").status == "confirmed"


def test_a_confirmed_subscriber_is_not_mailed_again_and_again(nl_app, nl_client, smtp_server):
    with nl_app.app_context():
        SubscriberFactory(email="fan@example.com", topics=["skincare"])
    for _ in range(3):
        sign_up(nl_client, nl_app, "fan@example.com", topics=("supplements",))
    (mail,) = smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1
    assert mail.message["Subject"] == "You are already subscribed"
    assert "/newsletter/unsubscribe/" in mail.text_part()
    record = subscriber(nl_app, "fan@example.com")
    assert record.status == "confirmed"
    assert record.topic_names == ["skincare"], "a stranger cannot change their topics"


def test_an_unsubscribed_address_signing_up_again_goes_back_to_pending(
    nl_app, nl_client, smtp_server
):
    with nl_app.app_context():
        SubscriberFactory(
            email="back@example.com",
            status="unsubscribed",
            unsubscribed_at=utcnow() - timedelta(days=1),
            unsubscribe_method="one-click",
        )
    sign_up(nl_client, nl_app, "back@example.com", topics=("journal",), source="footer")
    record = subscriber(nl_app, "back@example.com")
    assert record.status == "pending"
    assert record.source == "footer"
    assert record.topic_names == ["journal"]
    (mail,) = smtp_server.wait_for(1)
    nl_client.post(confirm_path(mail))
    record = subscriber(nl_app, "back@example.com")
    assert record.status == "confirmed"
    assert record.unsubscribed_at is None and record.unsubscribe_method is None


# Rate limits -------------------------------------------------------------------


def test_signups_are_limited_per_address(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, NEWSLETTER_SIGNUP_EMAIL_LIMIT="3 per hour")
    client = app.test_client()
    for _ in range(3):
        assert sign_up(client, app, "Target@example.com").status_code == 303
    # The same address, however it is written, from anywhere.
    other_ip = app.test_client()
    response = other_ip.post(
        "/newsletter",
        data=signup_data(app, " target@EXAMPLE.com "),
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert response.status_code == 429
    assert "Too many signups for this address" in page(response).get_text()
    assert sign_up(client, app, "someone-else@example.com").status_code == 303


def test_signups_are_limited_per_ip(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, NEWSLETTER_SIGNUP_IP_LIMIT="3 per minute")
    client = app.test_client()
    for number in range(3):
        assert sign_up(client, app, f"person{number}@example.com").status_code == 303
    response = sign_up(client, app, "person9@example.com")
    assert response.status_code == 429
    assert "Too many signups from your network" in page(response).get_text()
    assert subscriber(app, "person9@example.com") is None
    response = client.post(
        "/newsletter",
        data=signup_data(app, "person9@example.com"),
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 303
    # Reading the page is not limited.
    assert client.get("/newsletter").status_code == 200


def test_two_signups_for_one_new_address_make_one_subscriber(app):
    with app.app_context():
        first = services.request_subscription(
            "same@example.com", ["skincare"], source="page", consent_version=CURRENT_VERSION
        )
        second = services.request_subscription(
            "SAME@example.com", ["journal"], source="footer", consent_version="1999-01"
        )
        db.session.commit()
        assert first.subscriber_id == second.subscriber_id
        assert (first.email, second.email) == ("confirm", None)
        record = db.session.get(Subscriber, first.subscriber_id)
        assert record.consent_version == CURRENT_VERSION  # an unknown version is not recorded


# The confirmation email, in the outbox ------------------------------------------


def test_the_signup_email_waits_in_the_outbox_and_goes_only_if_it_still_applies(
    nl_app, smtp_server
):
    browser = nl_app.test_client(run_queue=False)  # the requests alone, no consumer
    for email in ("keen@example.com", "quick@example.com", "gone@example.com"):
        assert sign_up(browser, nl_app, email).status_code == 303
    assert smtp_server.messages == []  # queued with the signup, not sent by it
    with nl_app.app_context():
        rows = db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)).all()
        assert [(row.recipient, row.kind, row.status) for row in rows] == [
            (email, "newsletter_confirm", "queued")
            for email in ("keen@example.com", "quick@example.com", "gone@example.com")
        ]
        # Before the mail server got them: one confirmed (from another device, say),
        # one erased at their request.
        services.confirm_subscription(services.subscriber_by_email("quick@example.com"))
        services.erase_subscriber(services.subscriber_by_email("gone@example.com"), actor=None)
        db.session.commit()

    run_queue(nl_app)

    mails = smtp_server.wait_for(2)
    # keen's confirmation, and quick's welcome email (quick confirmed meanwhile).
    assert sorted((m.rcpt_tos[0], m.message["Subject"]) for m in mails) == [
        ("keen@example.com", "Please confirm your subscription"),
        ("quick@example.com", "Welcome: 10% off your next order"),
    ]
    with nl_app.app_context():
        rows = db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)).all()
        assert [(row.recipient, row.status, row.last_error) for row in rows] == [
            ("keen@example.com", "sent", None),
            ("quick@example.com", "cancelled", "Confirmed before it went."),
            ("quick@example.com", "sent", None),
        ]  # nothing is kept of the erased address
