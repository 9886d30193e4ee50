"""Outgoing email: real SMTP delivery, the development outbox, and header injection."""

import logging
import re
from email import message_from_bytes, policy

import pytest
from flask_mail import Message
from jinja2 import ChoiceLoader, FileSystemLoader

from shop.extensions import mail
from shop.mail import send_email
from tests.smtp import body_of

GREETING_TXT = "Hello {{ name }},\nWelcome to {{ shop_name }}.\n"
GREETING_HTML = "<p>Hello <strong>{{ name }}</strong>, welcome to {{ shop_name }}.</p>\n"


def use_test_templates(app, folder):
    """Let `app` render the `greeting` email from `folder`, before its own templates."""
    folder.mkdir(exist_ok=True)
    (folder / "greeting.txt").write_text(GREETING_TXT, encoding="utf-8")
    (folder / "greeting.html").write_text(GREETING_HTML, encoding="utf-8")
    app.jinja_loader = ChoiceLoader([FileSystemLoader(str(folder)), app.jinja_loader])
    return app


@pytest.fixture
def smtp_app(mail_app, tmp_path):
    return use_test_templates(mail_app, tmp_path / "email-templates")


@pytest.fixture
def outbox_app(app, tmp_path):
    return use_test_templates(app, tmp_path / "email-templates")


def outbox_files(tmp_path):
    outbox = tmp_path / "outbox"
    return sorted(outbox.glob("*.eml")) if outbox.exists() else []


def alternative_part(message):
    """The multipart/alternative part of a parsed message (the message itself or a child)."""
    for part in message.walk():
        if part.get_content_type() == "multipart/alternative":
            return part
    raise AssertionError(f"no multipart/alternative part in {message.get_content_type()}")


def test_send_email_delivers_over_smtp(smtp_app, smtp_server, tmp_path):
    with smtp_app.test_request_context():
        sent = send_email(
            "reader@example.com",
            "Hello",
            "greeting",
            headers={"List-Id": "Journal <journal.shop.test>", "X-Shop-Kind": "greeting"},
            name="Ada",
        )

    assert isinstance(sent, Message)
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
    assert message["Message-ID"] == sent.msgId

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

    (received,) = smtp_server.wait_for(1)
    assert received.mail_from == "orders@shop.test"
    assert received.message["From"].addresses[0].addr_spec == "orders@shop.test"


def test_send_email_works_outside_a_request(smtp_app, smtp_server):
    # As from a CLI command or a queued task: an app context and no request.
    with smtp_app.app_context():
        send_email("reader@example.com", "Hello", "greeting", name="Ada")

    (received,) = smtp_server.wait_for(1)
    assert "Hello Ada," in received.text_part()


def test_without_mail_server_the_email_goes_to_the_log_and_outbox(
    outbox_app, smtp_server, tmp_path, caplog
):
    smtp_server.clear()
    caplog.set_level(logging.INFO, logger="shop.mail")
    with outbox_app.test_request_context(), mail.record_messages() as dispatched:
        sent = send_email(
            "reader@example.com",
            "Hello: a new journal!",
            "greeting",
            headers={"List-Id": "Journal <journal.shop.test>"},
            name="Ada",
        )

    assert dispatched == [sent]
    (path,) = outbox_files(tmp_path)
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{8}-hello-a-new-journal\.eml", path.name)

    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "reader@example.com"
    assert message["Subject"] == "Hello: a new journal!"
    assert message["From"].addresses[0].addr_spec == "shop@localhost"
    assert message["List-Id"] == "Journal <journal.shop.test>"
    assert message["Message-ID"] == sent.msgId
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
        with (
            app.test_request_context(),
            mail.record_messages() as dispatched,
            pytest.raises(ValueError, match="email"),
        ):
            send_email(to, subject, "greeting", headers=headers, name="Ada")
        assert dispatched == []

    assert outbox_files(tmp_path) == []
    # The server stores a message before it answers the client, so had anything
    # got through it would be listed already: a good message sent now arrives alone.
    with mail_app.test_request_context():
        send_email("a@example.com", "After", "greeting", name="Ada")
    (received,) = smtp_server.wait_for(1)
    assert received.message["Subject"] == "After"


def test_a_line_break_in_the_sender_is_refused(smtp_app, smtp_server):
    with smtp_app.test_request_context(), pytest.raises(ValueError, match="sender"):
        send_email("a@example.com", "Hello", "greeting", sender="a@shop.test\nBcc: x@example.com")
    with smtp_app.test_request_context():
        send_email("a@example.com", "After", "greeting", name="Ada")
    assert [m.message["Subject"] for m in smtp_server.wait_for(1)] == ["After"]
