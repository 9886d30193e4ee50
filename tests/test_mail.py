"""Outgoing email: rendered into the outbox, delivered by the task queue over real SMTP
or to the development outbox folder, and header injection refused."""

import logging
import re
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from shop.extensions import db
from shop.mail import send_email
from shop.mail.models import OutgoingEmail
from tests.helpers.mail import use_test_templates
from tests.helpers.queue import run_queue
from tests.smtp import body_of


@pytest.fixture
def smtp_app(mail_app, tmp_path):
    return use_test_templates(mail_app, tmp_path / "email-templates")


@pytest.fixture
def outbox_app(app, tmp_path):
    return use_test_templates(app, tmp_path / "email-templates")


def outbox_files(tmp_path):
    outbox = tmp_path / "outbox"
    return sorted(outbox.glob("*.eml")) if outbox.exists() else []


def stored_emails(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutgoingEmail))


def status_of(app, email_id: int) -> str:
    with app.app_context():
        return db.session.get(OutgoingEmail, email_id).status


def alternative_part(message):
    """The multipart/alternative part of a parsed message (the message itself or a child)."""
    for part in message.walk():
        if part.get_content_type() == "multipart/alternative":
            return part
    raise AssertionError(f"no multipart/alternative part in {message.get_content_type()}")


def test_send_email_delivers_over_smtp(smtp_app, smtp_server, tmp_path):
    with smtp_app.test_request_context():
        queued = send_email(
            "reader@example.com",
            "Hello",
            "greeting",
            headers={"List-Id": "Journal <journal.shop.test>", "X-Shop-Kind": "greeting"},
            name="Ada",
        )
        db.session.commit()
        email_id, message_id = queued.id, queued.message_id

    # Stored with the caller's transaction; the task queue sends it, not the caller.
    assert isinstance(queued, OutgoingEmail)
    assert status_of(smtp_app, email_id) == "queued"
    assert smtp_server.messages == []
    run_queue(smtp_app)
    assert status_of(smtp_app, email_id) == "sent"

    (received,) = smtp_server.wait_for(1)
    assert received.mail_from == "hello@shop.test"
    assert received.rcpt_tos == ["reader@example.com"]
    message = received.message
    assert message["From"].addresses[0].display_name == "Flora & Barrier"
    assert message["From"].addresses[0].addr_spec == "hello@shop.test"
    assert message["To"] == "reader@example.com"
    assert message["Subject"] == "Hello"
    assert message["List-Id"] == "Journal <journal.shop.test>"
    assert message["X-Shop-Kind"] == "greeting"
    assert message["Message-ID"] == message_id
    assert message_id.endswith("@shop.test>")  # the sender's domain, not this machine's

    alternative = alternative_part(message)
    assert [part.get_content_type() for part in alternative.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert received.text_part() == "Hello Ada,\nWelcome to Flora & Barrier."
    assert "<strong>Ada</strong>" in received.html_part()
    assert "Flora &amp; Barrier" in received.html_part()
    assert outbox_files(tmp_path) == []


def test_send_email_escapes_the_html_part_only(smtp_app, smtp_server):
    with smtp_app.test_request_context():
        send_email("reader@example.com", "Hello", "greeting", name="<Ada & Co>")
        db.session.commit()
    run_queue(smtp_app)

    (received,) = smtp_server.wait_for(1)
    assert "Hello <Ada & Co>," in received.text_part()
    assert "<strong>&lt;Ada &amp; Co&gt;</strong>" in received.html_part()


def test_send_email_uses_the_given_sender(smtp_app, smtp_server):
    with smtp_app.test_request_context():
        send_email(
            "reader@example.com",
            "Hello",
            "greeting",
            sender="Orders <orders@shop.test>",
            name="Ada",
        )
        db.session.commit()
    run_queue(smtp_app)

    (received,) = smtp_server.wait_for(1)
    assert received.mail_from == "orders@shop.test"
    assert received.message["From"].addresses[0].addr_spec == "orders@shop.test"


def test_send_email_works_outside_a_request(smtp_app, smtp_server):
    # As from a CLI command or a queued task: an app context and no request.
    with smtp_app.app_context():
        send_email("reader@example.com", "Hello", "greeting", name="Ada")
        db.session.commit()
    run_queue(smtp_app)

    (received,) = smtp_server.wait_for(1)
    assert "Hello Ada," in received.text_part()


def test_without_mail_server_the_email_goes_to_the_log_and_outbox(
    outbox_app, smtp_server, tmp_path, caplog
):
    smtp_server.clear()
    caplog.set_level(logging.INFO, logger="shop.mail")
    with outbox_app.test_request_context():
        sent = send_email(
            "reader@example.com",
            "Hello: a new journal!",
            "greeting",
            headers={"List-Id": "Journal <journal.shop.test>"},
            name="Ada",
        )
        db.session.commit()
        email_id, message_id = sent.id, sent.message_id
    assert outbox_files(tmp_path) == []  # through the same queue as real mail
    run_queue(outbox_app)

    assert status_of(outbox_app, email_id) == "sent"
    (path,) = outbox_files(tmp_path)
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{8}-hello-a-new-journal\.eml", path.name)

    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "reader@example.com"
    assert message["Subject"] == "Hello: a new journal!"
    assert message["From"].addresses[0].addr_spec == "shop@localhost"
    assert message["List-Id"] == "Journal <journal.shop.test>"
    assert message["Message-ID"] == message_id
    alternative = alternative_part(message)
    assert [part.get_content_type() for part in alternative.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert body_of(message, "plain") == "Hello Ada,\nWelcome to Flora & Barrier."
    assert "<strong>Ada</strong>" in body_of(message, "html")

    (record,) = [r for r in caplog.records if r.name == "shop.mail" and "reader@" in r.message]
    assert record.levelno == logging.INFO
    assert "reader@example.com" in record.message
    assert "Hello: a new journal!" in record.message
    assert "Hello Ada,\nWelcome to Flora & Barrier." in record.message

    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("to", "subject", "headers"),
    [
        ("a@example.com\nBcc: x@example.com", "Hello", None),
        ("a@example.com\r\nBcc: x@example.com", "Hello", None),
        ("a@example.com", "Hello\r\nBcc: x@example.com", None),
        ("a@example.com", "Hello\nBcc: x@example.com", None),
        ("a@example.com", "Hello", {"List-Id": "x\r\nBcc: x@example.com"}),
        ("a@example.com", "Hello", {"X-Evil\nBcc": "x@example.com"}),
    ],
    ids=["to-lf", "to-crlf", "subject-crlf", "subject-lf", "header-value", "header-name"],
)
def test_header_injection_is_refused_before_anything_is_sent(
    mail_app, app_factory, smtp_server, tmp_path, to, subject, headers
):
    templates = tmp_path / "email-templates"
    smtp_app = use_test_templates(mail_app, templates)
    outbox_app = use_test_templates(app_factory(), templates)
    for app in (smtp_app, outbox_app):
        with app.test_request_context(), pytest.raises(ValueError, match="email"):
            send_email(to, subject, "greeting", headers=headers, name="Ada")
        run_queue(app)
        assert stored_emails(app) == 0

    assert outbox_files(tmp_path) == []
    # The server stores a message before it answers the client, so had anything
    # got through it would be listed already: a good message sent now arrives alone.
    with mail_app.test_request_context():
        send_email("a@example.com", "After", "greeting", name="Ada")
        db.session.commit()
    run_queue(mail_app)
    (received,) = smtp_server.wait_for(1)
    assert received.message["Subject"] == "After"


def test_a_line_break_in_the_sender_is_refused(smtp_app, smtp_server):
    with smtp_app.test_request_context(), pytest.raises(ValueError, match="sender"):
        send_email("a@example.com", "Hello", "greeting", sender="a@shop.test\nBcc: x@example.com")
    with smtp_app.test_request_context():
        send_email("a@example.com", "After", "greeting", name="Ada")
        db.session.commit()
    run_queue(smtp_app)
    assert [m.message["Subject"] for m in smtp_server.wait_for(1)] == ["After"]
