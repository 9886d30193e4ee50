"""The mail screens' rules: what is waiting or given up, and sending one again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from shop.backoffice.audit import record_audit
from shop.extensions import db
from shop.mail.models import EmailStatus, OutgoingEmail
from shop.mail.services import enqueue_after_commit
from shop.models import utcnow

SHOWN_STATUSES = (EmailStatus.QUEUED, EmailStatus.SENDING, EmailStatus.FAILED)


@dataclass(frozen=True)
class MailFilters:
    status: str = ""  # one of SHOWN_STATUSES, or "" for all of them


def waiting_and_failed_query(filters: MailFilters = MailFilters()):
    """Emails not delivered yet (queued, sending) or given up, newest first."""
    statuses = [filters.status] if filters.status in SHOWN_STATUSES else list(SHOWN_STATUSES)
    return (
        select(OutgoingEmail)
        .where(OutgoingEmail.status.in_(statuses))
        .order_by(OutgoingEmail.created_at.desc(), OutgoingEmail.id.desc())
    )


def status_counts() -> dict[str, int]:
    rows = db.session.execute(
        select(OutgoingEmail.status, func.count()).group_by(OutgoingEmail.status)
    ).all()
    counts = {str(status): 0 for status in EmailStatus}
    counts.update({status: count for status, count in rows})
    return counts


def retry_email(email_id: int, actor, ip: str | None = None, now: datetime | None = None) -> bool:
    """Give a failed email a new round of tries, starting now (flushes; audited).

    False when it is not failed (any more): retried already, or never failed.
    """

    email = db.session.get(OutgoingEmail, email_id)
    if email is None or email.status != EmailStatus.FAILED:
        return False
    before = {"status": email.status, "attempts": email.attempts, "last_error": email.last_error}
    moved = db.session.execute(
        update(OutgoingEmail)
        .where(OutgoingEmail.id == email_id, OutgoingEmail.status == EmailStatus.FAILED)
        .values(status=EmailStatus.QUEUED, attempts=0, next_attempt_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        return False
    record_audit(
        actor,
        "mail.retry",
        "outgoing_email",
        email_id,
        f"Sent the email “{email.subject}” to {email.recipient} again",
        before,
        {"status": str(EmailStatus.QUEUED), "attempts": 0},
        ip=ip,
    )
    enqueue_after_commit(email_id)
    return True
