"""Two restocks at once, and two consumers (and the sweep) sending at once: every
confirmed request gets exactly one email. Threads with sessions of their own; run on
SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from shop.alerts.models import AlertStatus, StockAlert
from shop.alerts.tasks import send_back_in_stock, send_due_alerts
from shop.catalogue.models import Variant
from shop.extensions import db
from shop.mail.models import OutgoingEmail
from shop.models import utcnow
from tests.helpers.alerts import sell_out
from tests.helpers.checkout import run_together
from tests.helpers.queue import run_queue
from tests.helpers.staff import AuthActions

WAITING = 30


def add_waiting(app, variant_id: int) -> list[str]:
    """WAITING confirmed requests for the size (as if each had followed its link)."""
    emails = [f"buyer{n}@example.com" for n in range(WAITING)]
    now = utcnow()
    with app.app_context():
        db.session.add_all(
            StockAlert(
                variant_id=variant_id,
                email=email,
                status=AlertStatus.WAITING,
                requested_at=now,
                confirmed_at=now,
                expires_at=now + timedelta(days=90),
            )
            for email in emails
        )
        db.session.commit()
    return emails


def in_own_session(app, work):
    def run():
        with app.app_context():
            try:
                return work()
            finally:
                db.session.remove()

    return run


def test_two_restocks_and_two_consumers_at_once_send_one_email_per_request(shop):
    app, cream = shop.app, shop.products.cream
    sell_out(app, cream)
    emails = add_waiting(app, cream)
    staff = []
    for _ in range(2):
        client = app.test_client(run_queue=False)
        AuthActions(app, client)("editor")
        staff.append(client)

    def restock(client):
        return lambda: (
            client.post(
                f"/admin/catalogue/variants/{cream}/stock",
                data={"change": "5", "reason": "Delivery"},
            ).status_code
        )

    assert run_together(restock(staff[0]), restock(staff[1])) == [303, 303]
    with app.app_context():
        assert db.session.get(Variant, cream).on_hand == 10

    # Whatever the restocks queued, two consumers and the sweep send at the same moment.
    sent = run_together(
        in_own_session(app, lambda: send_back_in_stock([cream])),
        in_own_session(app, lambda: send_back_in_stock([cream])),
        in_own_session(app, send_due_alerts),
    )
    run_queue(app)

    assert sum(sent) == WAITING
    with app.app_context():
        queued = Counter(
            db.session.scalars(
                select(OutgoingEmail.recipient).where(OutgoingEmail.kind == "stock_alert_back")
            )
        )
        statuses = set(db.session.scalars(select(StockAlert.status)))
    assert queued == Counter({email: 1 for email in emails})
    assert statuses == {"sent"}
    received = shop.smtp.wait_for(WAITING)
    assert Counter(m.rcpt_tos[0] for m in received) == Counter({email: 1 for email in emails})
