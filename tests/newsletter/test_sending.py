"""Sending campaigns through real SMTP: list headers, one message per subscriber
whatever happens (resume, crash, retries), and nobody mailed after leaving."""

from __future__ import annotations

import socket
from collections import Counter
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from shop.extensions import db
from shop.models import utcnow
from shop.newsletter import services
from shop.newsletter.models import Campaign, Delivery, Subscriber
from tests.factories import ProductFactory, VariantFactory
from tests.helpers.newsletter import counts, queue, run_sender, subscriber
from tests.newsletter.factories import CampaignFactory, SubscriberFactory


def html_of(markup: str) -> BeautifulSoup:
    return BeautifulSoup(markup, "html.parser")


def make_list(app, count: int, topic: str = "skincare") -> list[str]:
    with app.app_context():
        return [
            SubscriberFactory(email=f"list{n}@example.com", topics=[topic]).email
            for n in range(count)
        ]


def make_campaign(app, **fields) -> int:
    with app.app_context():
        return CampaignFactory(**fields).id


def recipients(smtp_server) -> Counter:
    return Counter(address for mail in smtp_server.messages for address in mail.rcpt_tos)


def deliveries(app, campaign_id: int) -> dict[str | None, tuple[str, int]]:
    """(status, attempts) by subscriber email (None for erased subscribers)."""
    with app.app_context():
        rows = db.session.execute(
            select(Subscriber.email, Delivery.status, Delivery.attempts)
            .select_from(Delivery)
            .outerjoin(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Delivery.campaign_id == campaign_id)
        ).all()
        return {email: (status, attempts) for email, status, attempts in rows}


def campaign_status(app, campaign_id: int) -> str:
    with app.app_context():
        return db.session.get(Campaign, campaign_id).status


def test_campaign_mail_carries_one_click_unsubscribe_headers(nl_app, smtp_server):
    with nl_app.app_context():
        cream = ProductFactory(slug="barrier-cream", name="Barrier Cream", variants=[])
        VariantFactory(product=cream, price_pence=2400)
        token = SubscriberFactory(email="reader@example.com").unsubscribe_token
    campaign_id = make_campaign(
        nl_app,
        subject="Calm skin in winter",
        body="## Winter\n\nCold air dries skin.\n\n{{ product: barrier-cream }}\n\nMore soon.\n",
    )
    assert queue(nl_app, campaign_id) == 1
    report = run_sender(nl_app, campaign_id)
    assert (report.sent, report.finished) == (1, True)

    (mail,) = smtp_server.wait_for(1)
    message = mail.message
    assert mail.rcpt_tos == ["reader@example.com"]
    assert message["Subject"] == "Calm skin in winter"
    unsubscribe_url = f"https://shop.test/newsletter/unsubscribe/{token}"
    assert message["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"] == '"Flora & Barrier newsletter" <newsletter.shop.test>'

    # Both parts, every link absolute on SHOP_BASE_URL, the card with today's price.
    html = html_of(mail.html_part())
    card = html.select_one("table.product-card")
    assert "Barrier Cream" in card.get_text()
    assert "£24.00" in card.get_text()
    shop_now = card.find("a", string="Shop now")
    assert shop_now["href"] == "https://shop.test/products/barrier-cream"
    assert html.find("a", string="Unsubscribe or change your topics")["href"] == unsubscribe_url
    assert all(a["href"].startswith("https://shop.test/") for a in html.find_all("a"))
    text = mail.text_part()
    assert "Cold air dries skin." in text
    assert (
        "Barrier Cream, £24.00 (incl. VAT)\nShop now: https://shop.test/products/barrier-cream"
        in (text)
    )
    assert "{{" not in text
    assert f"Unsubscribe or change your topics: {unsubscribe_url}" in text

    # What the mailbox provider does with those headers: POST to the URL.
    client = nl_app.test_client()
    path = urlsplit(unsubscribe_url).path
    for _ in range(2):
        response = client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
    record = subscriber(nl_app, "reader@example.com")
    assert (record.status, record.unsubscribe_method) == ("unsubscribed", "one-click")


def test_list_headers_arrive_as_plain_unfolded_lines(nl_app, smtp_server):
    """RFC 2369 and RFC 8058: a mailbox provider reads these headers as they are on the
    wire, so they must not be RFC 2047 encoded words (=?utf-8?q?=3Chttps...)."""
    with nl_app.app_context():
        token = SubscriberFactory(email="reader@example.com").unsubscribe_token
    campaign_id = make_campaign(nl_app)
    queue(nl_app, campaign_id)
    run_sender(nl_app, campaign_id)

    (mail,) = smtp_server.wait_for(1)
    head = mail.raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")  # as the server received them
    unsubscribe = f"List-Unsubscribe: <https://shop.test/newsletter/unsubscribe/{token}>"
    assert len(unsubscribe) > 78  # longer than a line should be: the case that was encoded
    assert unsubscribe.encode() in head
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in head
    assert b'List-Id: "Flora & Barrier newsletter" <newsletter.shop.test>' in head
    list_lines = [line for line in head if line.lower().startswith(b"list-")]
    assert len(list_lines) == 3 and not any(b"=?" in line for line in list_lines)


def test_a_mailbox_for_unsubscribing_is_offered_beside_the_link_when_set(app_factory, smtp_server):
    smtp_server.clear()
    app = app_factory(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        SHOP_BASE_URL="https://shop.test",
        NEWSLETTER_UNSUBSCRIBE_MAILTO="leave@shop.test",
    )
    with app.app_context():
        token = SubscriberFactory(email="reader@example.com").unsubscribe_token
    campaign_id = make_campaign(app)
    queue(app, campaign_id)
    run_sender(app, campaign_id)

    (mail,) = smtp_server.wait_for(1)
    head = mail.raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert (
        f"List-Unsubscribe: <https://shop.test/newsletter/unsubscribe/{token}>, "
        "<mailto:leave@shop.test?subject=unsubscribe>"
    ).encode() in head


def test_only_confirmed_subscribers_of_the_topic_get_it(nl_app, smtp_server):
    with nl_app.app_context():
        SubscriberFactory(email="yes@example.com", topics=["skincare", "journal"])
        SubscriberFactory(email="other-topic@example.com", topics=["supplements"])
        SubscriberFactory(email="pending@example.com", status="pending")
        SubscriberFactory(email="left@example.com", status="unsubscribed")
    campaign_id = make_campaign(nl_app, topic="skincare")
    assert queue(nl_app, campaign_id) == 1
    run_sender(nl_app, campaign_id)
    assert recipients(smtp_server) == Counter({"yes@example.com": 1})


def test_an_interrupted_campaign_resumed_sends_each_subscriber_exactly_once(nl_app, smtp_server):
    emails = make_list(nl_app, 6)
    campaign_id = make_campaign(nl_app)
    queue(nl_app, campaign_id)

    first = run_sender(nl_app, campaign_id, limit=3)  # the worker stops half-way
    assert (first.sent, first.finished) == (3, False)
    assert campaign_status(nl_app, campaign_id) == "sending"
    assert counts(nl_app, campaign_id).remaining == 3

    rest = run_sender(nl_app, campaign_id)
    assert (rest.sent, rest.finished) == (3, True)
    again = run_sender(nl_app, campaign_id)  # a retry of the whole task sends nothing
    assert (again.sent, again.finished) == (0, True)

    assert recipients(smtp_server) == Counter({email: 1 for email in emails})
    assert counts(nl_app, campaign_id) == services.CampaignCounts(sent=6)
    assert campaign_status(nl_app, campaign_id) == "sent"


def test_queuing_twice_creates_no_second_delivery(nl_app, smtp_server):
    make_list(nl_app, 2)
    campaign_id = make_campaign(nl_app)
    queue(nl_app, campaign_id)
    with pytest.raises(services.NewsletterError):
        queue(nl_app, campaign_id)
    run_sender(nl_app, campaign_id)
    assert sum(recipients(smtp_server).values()) == 2


def test_a_delivery_left_sending_by_a_crash_is_never_resent(nl_app, smtp_server):
    emails = make_list(nl_app, 3)
    campaign_id = make_campaign(nl_app)
    queue(nl_app, campaign_id)
    # A worker claimed list1 and died before marking it sent: did it go? Nobody knows.
    with nl_app.app_context():
        crashed = db.session.scalar(
            select(Delivery).join(Subscriber).where(Subscriber.email == emails[1])
        )
        crashed.status = "sending"
        crashed.claimed_at = utcnow() - timedelta(hours=1)
        db.session.commit()

    report = run_sender(nl_app, campaign_id)
    assert report.sent == 2 and report.finished
    assert recipients(smtp_server) == Counter({emails[0]: 1, emails[2]: 1})
    assert deliveries(nl_app, campaign_id)[emails[1]] == ("unknown", 0)
    assert counts(nl_app, campaign_id) == services.CampaignCounts(sent=2, unknown=1)
    run_sender(nl_app, campaign_id)
    assert emails[1] not in recipients(smtp_server)


def test_a_delivery_another_worker_is_sending_is_left_alone(nl_app, smtp_server):
    emails = make_list(nl_app, 2)
    campaign_id = make_campaign(nl_app)
    queue(nl_app, campaign_id)
    with nl_app.app_context():
        busy = db.session.scalar(
            select(Delivery).join(Subscriber).where(Subscriber.email == emails[0])
        )
        busy.status, busy.claimed_at = "sending", utcnow()
        db.session.commit()
    report = run_sender(nl_app, campaign_id)
    assert report.sent == 1 and not report.finished
    assert campaign_status(nl_app, campaign_id) == "sending"
    assert recipients(smtp_server) == Counter({emails[1]: 1})
    assert counts(nl_app, campaign_id).sending == 1


def test_deliveries_go_out_in_the_order_people_subscribed(nl_app, smtp_server):
    emails = make_list(nl_app, 6)
    with nl_app.app_context():
        # The first three get new unsubscribe links after the others joined: on
        # PostgreSQL their rows then come last in a scan that is given no order.
        for n, email in enumerate(emails[:3]):
            subscriber_row = db.session.scalar(select(Subscriber).filter_by(email=email))
            subscriber_row.unsubscribe_token = f"renewed-{n}"
        db.session.commit()
    campaign_id = make_campaign(nl_app)
    queue(nl_app, campaign_id)
    with nl_app.app_context():
        queued = db.session.scalars(
            select(Subscriber.email)
            .join(Delivery, Delivery.subscriber_id == Subscriber.id)
            .where(Delivery.campaign_id == campaign_id)
            .order_by(Delivery.id)
        ).all()
    assert queued == emails
    run_sender(nl_app, campaign_id, limit=2)
    assert recipients(smtp_server) == Counter({emails[0]: 1, emails[1]: 1})


def test_someone_who_unsubscribes_mid_send_is_skipped(nl_app, smtp_server):
    emails = make_list(nl_app, 4)
    campaign_id = make_campaign(nl_app)
    queue(nl_app, campaign_id)
    run_sender(nl_app, campaign_id, limit=1)

    client = nl_app.test_client()
    leaving = subscriber(nl_app, emails[2])
    response = client.post(
        f"/newsletter/unsubscribe/{leaving.unsubscribe_token}",
        data={"List-Unsubscribe": "One-Click"},
    )
    assert response.status_code == 200
    changing = subscriber(nl_app, emails[3])
    client.post(
        f"/newsletter/preferences/{changing.unsubscribe_token}", data={"topics": ["journal"]}
    )

    report = run_sender(nl_app, campaign_id)
    assert (report.sent, report.skipped, report.finished) == (1, 2, True)
    assert recipients(smtp_server) == Counter({emails[0]: 1, emails[1]: 1})
    assert deliveries(nl_app, campaign_id)[emails[2]][0] == "skipped"
    assert counts(nl_app, campaign_id) == services.CampaignCounts(sent=2, skipped=2)


def test_a_subscriber_erased_mid_send_is_skipped_and_the_count_kept(nl_app, smtp_server):
    emails = make_list(nl_app, 2)
    campaign_id = make_campaign(nl_app)
    queue(nl_app, campaign_id)
    with nl_app.app_context():
        services.erase_subscriber(services.subscriber_by_email(emails[0]), actor=None)
        db.session.commit()
    run_sender(nl_app, campaign_id)
    assert recipients(smtp_server) == Counter({emails[1]: 1})
    assert deliveries(nl_app, campaign_id) == {None: ("skipped", 0), emails[1]: ("sent", 1)}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_failed_sends_are_recorded_and_retried_up_to_three_attempts(nl_app, smtp_server):
    emails = make_list(nl_app, 2)
    campaign_id = make_campaign(nl_app)
    queue(nl_app, campaign_id)
    mail_state = nl_app.extensions["mail"]
    working_port = mail_state.port
    hour = timedelta(hours=1)
    now = utcnow()

    mail_state.port = closed_port()  # the mail server is down
    report = run_sender(nl_app, campaign_id, retry_delay=hour, clock=lambda: now)
    assert (report.failed, report.finished) == (2, False)
    assert report.retry_at == now + hour
    assert counts(nl_app, campaign_id) == services.CampaignCounts(retrying=2)
    with nl_app.app_context():
        errors = db.session.scalars(select(Delivery.last_error)).all()
    assert all(error and "ConnectionRefusedError" in error for error in errors)

    # Too soon: nothing is tried again.
    assert run_sender(nl_app, campaign_id, retry_delay=hour, clock=lambda: now).failed == 0

    # The server is back an hour later: each goes once, on the second attempt.
    mail_state.port = working_port
    later = now + hour
    report = run_sender(nl_app, campaign_id, retry_delay=hour, clock=lambda: later)
    assert (report.sent, report.finished) == (2, True)
    assert recipients(smtp_server) == Counter({email: 1 for email in emails})
    assert deliveries(nl_app, campaign_id) == {email: ("sent", 2) for email in emails}


def test_after_three_failed_attempts_a_delivery_is_given_up(nl_app, smtp_server):
    make_list(nl_app, 1)
    campaign_id = make_campaign(nl_app)
    queue(nl_app, campaign_id)
    nl_app.extensions["mail"].port = closed_port()
    report = run_sender(nl_app, campaign_id)  # no delay: retried at once
    assert (report.failed, report.finished) == (3, True)
    assert counts(nl_app, campaign_id) == services.CampaignCounts(failed=1)
    assert list(deliveries(nl_app, campaign_id).values()) == [("failed", 3)]
    assert run_sender(nl_app, campaign_id).failed == 0
    assert campaign_status(nl_app, campaign_id) == "sent"


def test_a_campaign_for_nobody_is_refused(nl_app):
    campaign_id = make_campaign(nl_app, topic="supplements")
    make_list(nl_app, 1, topic="skincare")
    with pytest.raises(services.NewsletterError, match="nobody to send to"):
        queue(nl_app, campaign_id)
    assert campaign_status(nl_app, campaign_id) == "draft"


def test_a_draft_is_never_sent_by_the_sender(nl_app, smtp_server):
    make_list(nl_app, 1)
    campaign_id = make_campaign(nl_app)
    report = run_sender(nl_app, campaign_id)
    assert report.handled == 0
    assert smtp_server.messages == []
