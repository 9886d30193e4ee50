"""The contact form and customer messages: a message is stored, emailed to the shop's
contact address (Reply-To the customer) and acknowledged to the sender through the
outbox and the real SMTP server; bad input keeps what was typed; the newsletter's bot
checks (honeypot, minimum fill time) and rate limits apply; staff list and filter
messages, see the customer's orders, reply (emailed, audited) and change the status.
Both databases."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from shop.backoffice.models import AuditEntry
from shop.contact.forms import CONTACT_STAMP_SALT
from shop.contact.models import ContactMessage, ContactReply
from shop.contact.services import forget_old_messages
from shop.extensions import db
from shop.models import utcnow
from shop.newsletter.tokens import form_stamp
from tests.helpers import page
from tests.helpers.checkout import make_products
from tests.helpers.mail import pay
from tests.helpers.staff import AuthActions

CONTACT = "care@shop.test"


@pytest.fixture
def shop(app_factory, smtp_server):
    smtp_server.clear()
    return app_factory(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_DEFAULT_SENDER="Flora & Barrier <hello@shop.test>",
        CONTACT_EMAIL=CONTACT,
    )


def stamp(app, seconds: float = 60) -> str:
    with app.app_context():
        return form_stamp(at=time.time() - seconds, salt=CONTACT_STAMP_SALT)


def fields(app, **values) -> dict[str, str]:
    data = {
        "name": "Ada Lovelace",
        "email": "Ada@Example.com",
        "order_number": "",
        "topic": "delivery",
        "message": "My parcel has not arrived yet.\n\nCould you check?",
        "stamp": stamp(app),
        "website": "",
    }
    data.update(values)
    return data


def send(client, app, **values):
    return client.post("/contact", data=fields(app, **values))


def messages(app) -> list[ContactMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(ContactMessage).order_by(ContactMessage.id)))
        db.session.expunge_all()
        return rows


def test_a_message_is_stored_sent_to_the_shop_and_acknowledged(shop, smtp_server):
    client = shop.test_client()
    form = page(client.get("/contact"))
    assert form.select_one("label[for=name]").get_text() == "Your name"
    assert form.select_one("input[name=stamp]")["value"]
    assert form.select_one(".newsletter-signup__trap input[name=website]") is not None

    response = send(client, shop, order_number="fb-100042")
    assert response.status_code == 303 and response.headers["Location"] == "/contact/thanks"
    assert "we have your message" in page(client.get("/contact/thanks")).h1.get_text()

    (message,) = messages(shop)
    assert (message.name, message.email, message.topic, message.status) == (
        "Ada Lovelace",
        "ada@example.com",
        "delivery",
        "new",
    )
    assert message.order_number == "FB-100042"
    assert message.body == "My parcel has not arrived yet.\n\nCould you check?"

    mails = smtp_server.wait_for(2)
    to_shop = next(m for m in mails if m.rcpt_tos == [CONTACT])
    to_sender = next(m for m in mails if m.rcpt_tos == ["ada@example.com"])
    assert to_shop.message["Subject"] == f"Message {message.reference}: Delivery"
    assert to_shop.message["Reply-To"] == "ada@example.com"
    assert "My parcel has not arrived yet." in to_shop.text_part()
    assert f"/admin/messages/{message.id}" in to_shop.text_part()
    assert to_sender.message["Subject"] == f"We have your message ({message.reference})"
    # The acknowledgement repeats nothing the sender typed.
    assert "parcel" not in to_sender.text_part() and "Ada" not in to_sender.text_part()
    assert "Flora & Barrier Ltd" in to_sender.text_part(), "company details"


def test_bad_input_keeps_what_was_typed(app, client):
    response = send(
        client,
        app,
        name="",
        email="not an address",
        topic="nonsense",
        order_number="12",
        message="Hi",
    )
    assert response.status_code == 400
    html = page(response)
    errors = {p.get_text() for p in html.select(".field-error")}
    assert errors == {
        "Please tell us your name.",
        "Please enter an email address like name@example.com.",
        "Please choose a topic.",
        "An order number looks like FB-100042.",
        "Please write between 10 and 5,000 characters.",
    }
    assert html.select_one("input[name=email]")["value"] == "not an address"
    assert html.select_one("input[name=order_number]")["value"] == "12"
    assert html.select_one("textarea[name=message]").get_text().strip() == "Hi"
    assert html.select_one("#email")["aria-invalid"] == "true"
    assert html.select_one("[role=alert]") is not None
    # A good field keeps its value beside the bad ones.
    kept = page(send(client, app, email="bad", name="Grace Hopper"))
    assert kept.select_one("input[name=name]")["value"] == "Grace Hopper"
    assert messages(app) == []


@pytest.mark.parametrize(
    "trick",
    [
        {"website": "http://spam.example"},  # the honeypot
        {"stamp": "forged"},
        {"stamp": ""},
    ],
)
def test_bots_get_the_same_answer_and_nothing_is_stored_or_sent(shop, smtp_server, trick):
    client = shop.test_client()
    response = send(client, shop, **trick)
    assert response.status_code == 303 and response.headers["Location"] == "/contact/thanks"
    assert messages(shop) == []
    time.sleep(0.2)
    assert smtp_server.messages == []


def test_a_form_sent_sooner_than_a_person_could_fill_it_is_dropped(app, client):
    response = send(client, app, stamp=stamp(app, seconds=0))
    assert response.status_code == 303
    assert messages(app) == []


def test_a_form_left_open_for_a_day_asks_again_and_keeps_the_text(app, client):
    response = send(client, app, stamp=stamp(app, seconds=2 * 86400))
    assert response.status_code == 400
    html = page(response)
    assert "open for a long time" in html.select_one("[role=alert]").get_text()
    assert html.select_one("textarea[name=message]").get_text().strip().startswith("My parcel")
    again = send(client, app, stamp=html.select_one("input[name=stamp]")["value"])
    assert again.status_code == 303
    assert len(messages(app)) == 1


def test_messages_are_limited_per_address_and_per_network(app_factory):
    app = app_factory(
        RATELIMIT_ENABLED=True, CONTACT_EMAIL_LIMIT="2 per hour", CONTACT_IP_LIMIT="3 per minute"
    )
    client = app.test_client()
    for _ in range(2):
        assert send(client, app, email="Target@example.com").status_code == 303
    other = app.test_client()
    blocked = other.post(
        "/contact",
        data=fields(app, email=" target@EXAMPLE.com "),
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert blocked.status_code == 429
    assert "Too many messages from this address" in page(blocked).get_text()
    assert send(client, app, email="someone@example.com").status_code == 303
    network = send(client, app, email="third@example.com")
    assert network.status_code == 429
    assert "Too many messages from your network" in page(network).get_text()
    assert client.get("/contact").status_code == 200, "reading the page is not limited"
    assert len(messages(app)) == 3


def test_the_form_can_be_opened_for_an_order(client):
    html = page(client.get("/contact?topic=order&order=FB-100042"))
    assert html.select_one("select[name=topic] option[selected]")["value"] == "order"
    assert html.select_one("input[name=order_number]")["value"] == "FB-100042"
    html = page(client.get("/contact?topic=<script>&order=" + "9" * 50))
    assert html.select_one("select[name=topic] option[selected]")["value"] == ""
    assert len(html.select_one("input[name=order_number]")["value"]) == 20


# Staff ----------------------------------------------------------------------------


def test_staff_see_the_message_with_the_customers_orders_and_reply(shop, smtp_server):
    products = make_products(shop)
    buyer = shop.test_client()
    paid = pay(shop, buyer, products.cream, email="ada@example.com")
    other = pay(shop, shop.test_client(), products.cream, email="bo@example.com")
    with shop.app_context():
        from shop.orders.models import Order

        number = db.session.get(Order, other.order_id).number
        own = db.session.get(Order, paid.order_id).number
    smtp_server.clear()
    assert send(shop.test_client(), shop, order_number=number).status_code == 303
    (message,) = messages(shop)
    smtp_server.wait_for(2)
    smtp_server.clear()

    staff = shop.test_client()
    member = AuthActions(shop, staff)("fulfilment")
    listing = page(staff.get("/admin/messages/"))
    (row,) = listing.select("[data-messages] tbody tr")
    assert row["data-status"] == "new"
    assert listing.select_one("[data-count=new]").get_text(strip=True) == "New: 1"

    detail = page(staff.get(f"/admin/messages/{message.id}"))
    orders = [a.get_text() for a in detail.select("[data-customer-orders] a")]
    assert sorted(orders) == sorted([own, number]), "by email and by the number given"
    assert "parcel" in detail.select_one("[data-message-body]").get_text()

    # An empty reply is refused, and nothing is sent.
    empty = staff.post(f"/admin/messages/{message.id}/reply", data={"body": "  "})
    assert empty.status_code == 400
    assert page(empty).select_one(".field-error").get_text() == "Write the reply."

    sent = staff.post(
        f"/admin/messages/{message.id}/reply",
        data={"body": "It left us today.\n\nTracking: AB123456789GB"},
    )
    assert sent.status_code == 303
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["ada@example.com"]
    assert mail.message["Subject"] == f"Re: your message {message.reference}"
    assert mail.message["Reply-To"] == CONTACT
    assert "Tracking: AB123456789GB" in mail.text_part()
    assert "> My parcel has not arrived yet." in mail.text_part()

    with shop.app_context():
        stored = db.session.get(ContactMessage, message.id)
        assert stored.status == "answered"
        (answer,) = db.session.scalars(select(ContactReply)).all()
        assert answer.staff_email == member.email
        (entry,) = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "message.reply")
        ).all()
        assert entry.staff_email == member.email and entry.entity_id == str(message.id)

    shown = page(staff.get(f"/admin/messages/{message.id}"))
    assert "Tracking: AB123456789GB" in shown.select_one("[data-reply]").get_text()

    closed = staff.post(f"/admin/messages/{message.id}/status", data={"status": "closed"})
    assert closed.status_code == 303
    assert [m.status for m in messages(shop)] == ["closed"]
    with shop.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["message.reply", "message.status"]
    bad = staff.post(f"/admin/messages/{message.id}/status", data={"status": "deleted"})
    assert bad.status_code == 303
    assert [m.status for m in messages(shop)] == ["closed"]


def test_the_list_filters_by_status_topic_and_text(app, client, login):
    for email, topic in [("a@example.com", "order"), ("b@example.com", "returns")]:
        assert send(client, app, email=email, topic=topic).status_code == 303
    login("admin")
    ids = lambda response: [  # noqa: E731
        row["data-message-id"] for row in page(response).select("[data-messages] tbody tr")
    ]
    everything = ids(client.get("/admin/messages/"))
    assert len(everything) == 2
    assert len(ids(client.get("/admin/messages/?topic=returns"))) == 1
    assert len(ids(client.get("/admin/messages/?q=A@EXAMPLE"))) == 1
    assert ids(client.get("/admin/messages/?status=closed")) == []
    refused = client.get("/admin/messages/?status=bogus")
    assert refused.status_code == 400
    assert client.get("/admin/messages/999999").status_code == 404


@pytest.mark.parametrize("role", ["editor", "analyst", "mentor"])
def test_other_roles_do_not_see_customer_messages(app, client, login, role):
    send(app.test_client(), app)
    (message,) = messages(app)
    login(role)
    assert client.get("/admin/messages/").status_code == 403
    assert client.get(f"/admin/messages/{message.id}").status_code == 403
    denied = client.post(f"/admin/messages/{message.id}/reply", data={"body": "Hello"})
    assert denied.status_code == 403


def test_old_answered_messages_are_forgotten_new_ones_kept(app, client):
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        send(client, app, email=email)
    with app.app_context():
        rows = list(db.session.scalars(select(ContactMessage).order_by(ContactMessage.id)))
        old = utcnow() - timedelta(days=400)
        rows[0].status, rows[0].updated_at = "closed", old
        rows[1].status, rows[1].updated_at = "new", old
        rows[2].status = "answered"
        db.session.add(ContactReply(message=rows[0], body="Done", staff_email=""))
        db.session.commit()
        assert forget_old_messages(utcnow(), 365) == 1
        assert forget_old_messages(utcnow(), 0) == 0
        db.session.commit()
        left = [m.email for m in db.session.scalars(select(ContactMessage))]
        assert sorted(left) == ["b@example.com", "c@example.com"]
        assert db.session.scalars(select(ContactReply)).all() == []


@pytest.mark.parametrize("field", ["name", "message", "order_number", "email", "topic"])
def test_control_characters_are_refused_cleanly(app, client, field):
    """PostgreSQL cannot store NUL: a message carrying one is refused, never a 500."""
    response = send(client, app, **{field: "Hello there\x00 friend"})
    assert response.status_code == 400
    assert messages(app) == []
