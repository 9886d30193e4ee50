"""Two demo customer messages, so /admin/messages has something to answer (development
and the embedded default only: `seed-demo` leaves them out in production)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from shop.contact.models import ContactMessage, MessageStatus
from shop.extensions import db
from shop.models import utcnow

DEMO_MESSAGES = (
    {
        "name": "Priya Shah",
        "email": "priya.demo@example.com",
        "order_number": "",
        "topic": "products",
        "body": "Hello, can I use the barrier cream alongside a prescribed azelaic acid gel? "
        "My skin is quite reactive.\n\nThank you, Priya",
        "hours_ago": 3,
    },
    {
        "name": "Tom Hughes",
        "email": "tom.demo@example.com",
        "order_number": "FB-100001",
        "topic": "delivery",
        "body": "My order says shipped but the tracking has not moved for two days. "
        "Could you check with the carrier?",
        "hours_ago": 26,
    },
)


def seed_demo_messages() -> dict[str, int]:
    """Add the demo messages that are missing (idempotent, by sender)."""
    existing = set(db.session.scalars(select(ContactMessage.email)))
    now = utcnow()
    made = 0
    for demo in DEMO_MESSAGES:
        if demo["email"] in existing:
            continue
        at = now - timedelta(hours=demo["hours_ago"])
        fields = {key: value for key, value in demo.items() if key != "hours_ago"}
        db.session.add(
            ContactMessage(**fields, status=MessageStatus.NEW, created_at=at, updated_at=at)
        )
        made += 1
    db.session.flush()
    return {"customer messages": made} if made else {}
