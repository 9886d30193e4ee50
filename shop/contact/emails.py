"""The contact form's emails: the message to the shop's contact address (Reply-To the
customer), the acknowledgement to the sender, and staff's reply. All through the one
mailer's outbox; the task queue delivers them after the caller commits.

The acknowledgement repeats none of what was typed (only the reference and the topic),
so the form cannot be used to send someone else a message of one's own making."""

from __future__ import annotations

from contextlib import nullcontext

from flask import current_app, has_request_context

from shop.contact.models import ContactMessage, ContactReply
from shop.mail import send_email
from shop.urls import absolute_url

NEW_MESSAGE_KIND = "contact_message"
ACKNOWLEDGEMENT_KIND = "contact_acknowledgement"
REPLY_KIND = "contact_reply"


def _url_context():
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config.get("SHOP_BASE_URL"))


def queue_message_emails(message: ContactMessage) -> None:
    """The message to the shop and the acknowledgement to its sender (into the outbox)."""
    with _url_context():
        send_email(
            current_app.config["CONTACT_EMAIL"],
            f"Message {message.reference}: {message.topic_label}",
            "email/contact_message",
            headers={"Reply-To": message.email},
            kind=NEW_MESSAGE_KIND,
            label="Contact message",
            dedupe_key=f"contact-message:{message.id}",
            message=message,
            admin_url=absolute_url("contact_admin.message_detail", message_id=message.id),
        )
        send_email(
            message.email,
            f"We have your message ({message.reference})",
            "email/contact_acknowledgement",
            kind=ACKNOWLEDGEMENT_KIND,
            label="Contact acknowledgement",
            dedupe_key=f"contact-acknowledgement:{message.id}",
            message=message,
        )


def queue_reply(message: ContactMessage, answer: ContactReply) -> None:
    """Staff's reply to the customer (Reply-To the shop's contact address)."""
    with _url_context():
        send_email(
            message.email,
            f"Re: your message {message.reference}",
            "email/contact_reply",
            headers={"Reply-To": current_app.config["CONTACT_EMAIL"]},
            kind=REPLY_KIND,
            label="Reply to a contact message",
            dedupe_key=f"contact-reply:{answer.id}",
            message=message,
            answer=answer,
        )
