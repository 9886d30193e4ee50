"""Newsletter rules: signing up, confirming, leaving, staff exports and erasure,
and sending campaigns so that nobody gets the same campaign twice.

Plain functions: they take data, change the models and flush (the campaign
sender, which runs in the task queue, commits as it goes). They never read the
request, flash or the signed-in user; the caller passes the member of staff in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import (
    Integer,
    String,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from shop.backoffice.audit import record_audit
from shop.backoffice.lists import filter_args
from shop.extensions import db
from shop.mail import register_delivery_check
from shop.mail.models import OutgoingEmail
from shop.models import utcnow
from shop.newsletter import consent, emails
from shop.newsletter.emails import SIGNUP_EMAIL_KINDS
from shop.newsletter.models import (
    TOPICS,
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    SignupSource,
    Subscriber,
    SubscriberStatus,
    SubscriberTopic,
)
from shop.newsletter.tokens import ConfirmationClaim, read_confirmation_token
from shop.promotions.welcome import issue_welcome_code
from shop.text import is_token, new_token, normalise_email

logger = logging.getLogger(__name__)

# At most one confirmation (or "already subscribed") email per address per hour.
CONFIRMATION_INTERVAL = timedelta(hours=1)
MAX_ATTEMPTS = 3


class NewsletterError(ValueError):
    """A change the newsletter's rules refuse; the message says why, for people."""


def checked_topics(topics: Iterable[str]) -> list[str]:
    """The known topics among `topics`, once each, in the shop's order."""
    wanted = set(topics or ())
    return [topic for topic in TOPICS if topic in wanted]


def _set_topics(subscriber: Subscriber, topics: list[str]) -> None:
    current = {item.topic: item for item in subscriber.topics}
    for name, item in current.items():
        if name not in topics:
            subscriber.topics.remove(item)
    for name in topics:
        if name not in current:
            subscriber.topics.append(SubscriberTopic(topic=name))


# Signing up and confirming ------------------------------------------------------


@dataclass(frozen=True)
class SignupResult:
    """Which email (if any) to send after a signup: "confirm" or "already_subscribed".

    The person who signed up sees the same page whatever this says.
    """

    subscriber_id: int
    email: str | None = None


def _may_email(subscriber: Subscriber, now: datetime) -> bool:
    last = subscriber.last_confirmation_sent_at
    return last is None or now - last >= CONFIRMATION_INTERVAL


def request_subscription(
    email: str,
    topics: Iterable[str],
    *,
    source: str,
    consent_version: str,
    now: datetime | None = None,
) -> SignupResult:
    """Record a signup for a validated `email` and say which email to send.

    - new address: a pending subscriber, and a confirmation email;
    - pending: their choices are updated; the confirmation is sent again at most
      once an hour;
    - unsubscribed: back to pending, with a new confirmation;
    - confirmed: nothing changes; at most once an hour they are told by email
      that they are already subscribed (with their preferences link).
    """
    now = now or utcnow()
    email = normalise_email(email)
    topics = checked_topics(topics)
    if not topics:
        raise NewsletterError("Choose at least one topic.")
    source = source if source in set(SignupSource) else SignupSource.PAGE
    if not consent.is_known(consent_version):
        consent_version = consent.CURRENT_VERSION

    subscriber = subscriber_by_email(email)
    if subscriber is None:
        subscriber, created = _new_subscriber(email, topics, source, consent_version, now)
        if created:
            return SignupResult(subscriber.id, "confirm")

    status = subscriber.status
    if status == SubscriberStatus.CONFIRMED:
        send = "already_subscribed" if _may_email(subscriber, now) else None
    else:
        if status == SubscriberStatus.UNSUBSCRIBED:
            # A new request: links from before they left stop working.
            subscriber.status = SubscriberStatus.PENDING
            subscriber.requested_at = now
            subscriber.confirmed_at = None
        _set_topics(subscriber, topics)
        subscriber.source = source
        subscriber.consent_version = consent_version
        send = "confirm" if _may_email(subscriber, now) else None
    if send:
        subscriber.last_confirmation_sent_at = now
    db.session.flush()
    return SignupResult(subscriber.id, send)


def _new_subscriber(
    email: str, topics: list[str], source: str, consent_version: str, now: datetime
) -> tuple[Subscriber, bool]:
    """Insert a pending subscriber, or (if the same address arrived at the same
    moment from another request) return that one. The flag says it is new."""
    subscriber = Subscriber(
        email=email,
        status=SubscriberStatus.PENDING,
        unsubscribe_token=new_token(),
        consent_version=consent_version,
        source=source,
        requested_at=now,
        last_confirmation_sent_at=now,
        created_at=now,
        topics=[SubscriberTopic(topic=name) for name in topics],
    )
    try:
        with db.session.begin_nested():
            db.session.add(subscriber)
    except IntegrityError:
        existing = subscriber_by_email(email)
        if existing is None:
            raise
        return existing, False
    return subscriber, True


def subscriber_by_email(email: str) -> Subscriber | None:
    return db.session.scalar(select(Subscriber).where(Subscriber.email == normalise_email(email)))


def subscriber_by_token(token: str) -> Subscriber | None:
    """The subscriber an unsubscribe token belongs to, or None."""
    if not is_token(token):
        return None
    return db.session.scalar(select(Subscriber).where(Subscriber.unsubscribe_token == token))


@dataclass(frozen=True)
class ConfirmationLookup:
    """The subscriber a confirmation link names, or why the link cannot be used.

    `problem` is "expired", "invalid" (forged, or superseded by a newer
    request, or erased) or "confirmed" (already done: the subscriber is set).
    """

    subscriber: Subscriber | None = None
    problem: str | None = None


def subscriber_to_confirm(token: str, max_age: int) -> ConfirmationLookup:
    claim: ConfirmationClaim = read_confirmation_token(token, max_age)
    if claim.problem:
        return ConfirmationLookup(problem=claim.problem)
    subscriber = db.session.get(Subscriber, claim.subscriber_id)
    if subscriber is None or not claim.matches(subscriber.requested_at):
        return ConfirmationLookup(problem="invalid")
    if subscriber.status == SubscriberStatus.CONFIRMED:
        return ConfirmationLookup(subscriber=subscriber, problem="confirmed")
    if subscriber.status != SubscriberStatus.PENDING:
        return ConfirmationLookup(problem="invalid")
    return ConfirmationLookup(subscriber=subscriber)


def confirm_subscription(subscriber: Subscriber, now: datetime | None = None) -> bool:
    """Make a pending subscriber confirmed, and send the welcome email with their
    personal welcome code when one is made for them (shop.promotions.welcome: one per
    address ever, none when NEWSLETTER_WELCOME_PERCENT is 0). False when there was
    nothing to do."""
    if subscriber.status != SubscriberStatus.PENDING:
        return False
    subscriber.status = SubscriberStatus.CONFIRMED
    subscriber.confirmed_at = now or utcnow()
    subscriber.unsubscribed_at = None
    subscriber.unsubscribe_method = None
    db.session.flush()
    welcome = issue_welcome_code(subscriber.email)
    if welcome is not None:
        emails.send_welcome(subscriber, welcome)
    return True


# Preferences and leaving --------------------------------------------------------


def unsubscribe(subscriber: Subscriber, method: str, now: datetime | None = None) -> bool:
    """Take a subscriber off the list at once. False when they had already left."""
    if subscriber.status == SubscriberStatus.UNSUBSCRIBED:
        return False
    subscriber.status = SubscriberStatus.UNSUBSCRIBED
    subscriber.unsubscribed_at = now or utcnow()
    subscriber.unsubscribe_method = method
    db.session.flush()
    return True


def change_topics(subscriber: Subscriber, topics: Iterable[str]) -> list[str]:
    """Set the topics a subscriber hears about (at least one; to hear nothing, leave)."""
    chosen = checked_topics(topics)
    if not chosen:
        raise NewsletterError("Choose at least one topic, or unsubscribe below.")
    if subscriber.status == SubscriberStatus.UNSUBSCRIBED:
        raise NewsletterError("You have unsubscribed. Sign up again to choose topics.")
    _set_topics(subscriber, chosen)
    db.session.flush()
    return chosen


# Staff: listing, export, erasure ------------------------------------------------


@dataclass(frozen=True)
class SubscriberFilters:
    q: str = ""
    status: str = ""
    topic: str = ""


def subscriber_query(filters: SubscriberFilters):
    """Subscribers matching `filters`, newest first, with their topics."""
    stmt = (
        select(Subscriber)
        .options(selectinload(Subscriber.topics))
        .order_by(Subscriber.created_at.desc(), Subscriber.id.desc())
    )
    if filters.q:
        stmt = stmt.where(Subscriber.email.contains(normalise_email(filters.q), autoescape=True))
    if filters.status in set(SubscriberStatus):
        stmt = stmt.where(Subscriber.status == filters.status)
    if filters.topic in TOPICS:
        stmt = stmt.where(Subscriber.topics.any(SubscriberTopic.topic == filters.topic))
    return stmt


def status_counts() -> dict[str, int]:
    """How many subscribers are in each status (every status listed), in one query."""
    rows = db.session.execute(
        select(Subscriber.status, func.count()).group_by(Subscriber.status)
    ).all()
    counts = {str(status): 0 for status in SubscriberStatus}
    counts.update({status: count for status, count in rows})
    return counts


CSV_COLUMNS = (
    "email",
    "status",
    "topics",
    "consent_version",
    "consent_wording",
    "source",
    "requested_at",
    "confirmed_at",
    "unsubscribed_at",
    "unsubscribe_method",
    "created_at",
)


def subscriber_csv_rows(filters: SubscriberFilters, shop_name: str) -> list[list]:
    """The header, then one row per subscriber `filters` match, with their consent
    record (values as they are: the export makes them CSV cells)."""
    rows: list[list] = [list(CSV_COLUMNS)]
    for subscriber in db.session.scalars(subscriber_query(filters)):
        wording = (
            consent.wording(subscriber.consent_version, shop_name).text
            if consent.is_known(subscriber.consent_version)
            else ""
        )
        values = (
            subscriber.email,
            subscriber.status,
            " ".join(subscriber.topic_names),
            subscriber.consent_version,
            wording,
            subscriber.source,
            subscriber.requested_at,
            subscriber.confirmed_at,
            subscriber.unsubscribed_at,
            subscriber.unsubscribe_method,
            subscriber.created_at,
        )
        rows.append(list(values))
    return rows


def export_subscribers(
    filters: SubscriberFilters, shop_name: str, actor, ip: str | None = None
) -> list[list]:
    """The rows of the CSV export of the subscribers matching `filters` (header first),
    recorded in the audit log with how many there are."""

    rows = subscriber_csv_rows(filters, shop_name)
    count = len(rows) - 1
    record_audit(
        actor,
        "newsletter.export",
        "newsletter_subscriber",
        None,
        f"Exported {count} newsletter subscriber{'s' if count != 1 else ''} as CSV",
        None,
        filter_args(filters) or None,
        ip=ip,
    )
    return rows


def erase_subscriber(subscriber: Subscriber, actor, ip: str | None = None) -> None:
    """Erase a subscriber and their consent record (GDPR). Campaign deliveries stay,
    counted but no longer linked to anyone. The audit entry keeps no address."""

    subscriber_id = subscriber.id
    before = {
        "status": subscriber.status,
        "source": subscriber.source,
        "consent_version": subscriber.consent_version,
    }
    db.session.execute(
        update(Delivery)
        .where(Delivery.subscriber_id == subscriber_id)
        .values(subscriber_id=None)
        .execution_options(synchronize_session=False)
    )
    # Their signup emails, sent or still waiting, hold the address too.
    db.session.execute(
        delete(OutgoingEmail)
        .where(
            OutgoingEmail.recipient == subscriber.email,
            OutgoingEmail.kind.in_(SIGNUP_EMAIL_KINDS),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.delete(subscriber)
    db.session.flush()
    record_audit(
        actor,
        "newsletter.erase",
        "newsletter_subscriber",
        subscriber_id,
        f"Erased newsletter subscriber #{subscriber_id} and their consent record",
        before,
        None,
        ip=ip,
    )


# Campaigns ----------------------------------------------------------------------


def _campaign_snapshot(campaign: Campaign) -> dict:
    return {"subject": campaign.subject, "topic": campaign.topic, "status": campaign.status}


def _checked_campaign_fields(subject: str, topic: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise NewsletterError("Write a subject.")
    if topic not in TOPICS:
        raise NewsletterError("Choose one of the topics.")
    return subject


def create_campaign(subject: str, body: str, topic: str, actor, ip: str | None = None) -> Campaign:

    subject = _checked_campaign_fields(subject, topic)
    campaign = Campaign(
        subject=subject,
        body=body or "",
        topic=topic,
        status=CampaignStatus.DRAFT,
        created_by=getattr(actor, "email", "") or "",
    )
    db.session.add(campaign)
    db.session.flush()
    record_audit(
        actor,
        "newsletter.campaign.create",
        "newsletter_campaign",
        campaign.id,
        f"Wrote the campaign “{campaign.subject}”",
        None,
        _campaign_snapshot(campaign),
        ip=ip,
    )
    return campaign


def update_campaign(
    campaign: Campaign, subject: str, body: str, topic: str, actor, ip: str | None = None
) -> None:

    if campaign.status != CampaignStatus.DRAFT:
        raise NewsletterError("This campaign has been sent and can no longer be changed.")
    subject = _checked_campaign_fields(subject, topic)
    before = _campaign_snapshot(campaign)
    body_changed = campaign.body != (body or "")
    campaign.subject, campaign.body, campaign.topic = subject, body or "", topic
    db.session.flush()
    after = _campaign_snapshot(campaign)
    if before != after or body_changed:
        record_audit(
            actor,
            "newsletter.campaign.update",
            "newsletter_campaign",
            campaign.id,
            f"Edited the campaign “{campaign.subject}”",
            before,
            after,
            ip=ip,
        )


def record_test_send(campaign: Campaign, actor, to: str, ip: str | None = None) -> None:

    record_audit(
        actor,
        "newsletter.campaign.test",
        "newsletter_campaign",
        campaign.id,
        f"Sent a test of “{campaign.subject}” to {to}",
        ip=ip,
    )


def all_campaigns() -> list[Campaign]:
    return list(
        db.session.scalars(
            select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
        )
    )


def _audience():
    """Subscribers a campaign on a topic goes to: confirmed and wanting the topic."""
    return Subscriber.status == SubscriberStatus.CONFIRMED


def _wants(topic):
    return exists().where(
        SubscriberTopic.subscriber_id == Subscriber.id, SubscriberTopic.topic == topic
    )


def audience_count(topic: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Subscriber).where(_audience(), _wants(topic))
    )


def queue_campaign(campaign: Campaign, actor, ip: str | None = None, now=None) -> int:
    """Freeze a draft and create one pending delivery per confirmed subscriber of its
    topic. Returns how many. Queuing twice is refused (a double click sends nothing twice)."""

    now = now or utcnow()
    audience = audience_count(campaign.topic)
    if campaign.status == CampaignStatus.DRAFT and audience == 0:
        raise NewsletterError(
            f"No confirmed subscriber wants {campaign.topic_label.lower()} yet: nobody to send to."
        )
    moved = db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.status == CampaignStatus.DRAFT)
        .values(status=CampaignStatus.QUEUED, queued_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise NewsletterError("This campaign has already been sent.")
    recipients = select(
        literal(campaign.id, Integer),
        Subscriber.id,
        literal(str(DeliveryStatus.PENDING), String),
        literal(0, Integer),
    ).where(
        _audience(),
        _wants(campaign.topic),
        ~exists().where(
            Delivery.campaign_id == campaign.id, Delivery.subscriber_id == Subscriber.id
        ),
    )
    # Deliveries go out in the order people subscribed: a large send is resumable and
    # predictable, whatever join order the database picked.
    recipients = recipients.order_by(Subscriber.id)
    db.session.execute(
        insert(Delivery).from_select(
            ["campaign_id", "subscriber_id", "status", "attempts"], recipients
        )
    )
    db.session.refresh(campaign)
    count = db.session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.campaign_id == campaign.id)
    )
    record_audit(
        actor,
        "newsletter.campaign.send",
        "newsletter_campaign",
        campaign.id,
        f"Sent “{campaign.subject}” to {count} subscriber{'s' if count != 1 else ''}",
        {"status": CampaignStatus.DRAFT.value},
        {"status": campaign.status, "recipients": count},
        ip=ip,
    )
    return count


@dataclass(frozen=True)
class CampaignCounts:
    """Where a campaign's deliveries stand, for the staff page."""

    sent: int = 0
    failed: int = 0  # gave up after MAX_ATTEMPTS
    retrying: int = 0  # failed, will be tried again
    skipped: int = 0
    pending: int = 0
    sending: int = 0
    unknown: int = 0

    @property
    def remaining(self) -> int:
        return self.pending + self.retrying

    @property
    def total(self) -> int:
        return (
            self.sent
            + self.failed
            + self.retrying
            + self.skipped
            + self.pending
            + self.sending
            + self.unknown
        )


def delivery_counts_by_campaign() -> dict[int, dict[str, int]]:
    """Deliveries per campaign and status, in one query, for the campaign list."""
    rows = db.session.execute(
        select(Delivery.campaign_id, Delivery.status, func.count()).group_by(
            Delivery.campaign_id, Delivery.status
        )
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for campaign_id, status, count in rows:
        counts.setdefault(campaign_id, {})[status] = count
    return counts


def problem_deliveries(campaign_id: int, limit: int = 50) -> list[tuple[Delivery, str | None]]:
    """A campaign's failed, unknown and still-sending deliveries, each with the address
    (None once the subscriber is erased), oldest first, for staff."""
    rows = db.session.execute(
        select(Delivery, Subscriber.email)
        .outerjoin(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(
            Delivery.campaign_id == campaign_id,
            Delivery.status.in_(
                [DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN, DeliveryStatus.SENDING]
            ),
        )
        .order_by(Delivery.id)
        .limit(limit)
    ).all()
    return [(delivery, email) for delivery, email in rows]


def campaign_counts(campaign_id: int) -> CampaignCounts:
    rows = db.session.execute(
        select(
            Delivery.status,
            func.count(),
            func.count().filter(Delivery.attempts < MAX_ATTEMPTS),
        )
        .where(Delivery.campaign_id == campaign_id)
        .group_by(Delivery.status)
    ).all()
    values: dict[str, int] = {}
    for status, count, with_attempts_left in rows:
        if status == DeliveryStatus.FAILED:
            values["retrying"] = with_attempts_left
            values["failed"] = count - with_attempts_left
        else:
            values[status] = count
    fields = CampaignCounts.__dataclass_fields__
    return CampaignCounts(**{key: values.get(key, 0) for key in fields})


@dataclass
class SendReport:
    """What one run of the sender did, and whether the campaign is done."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0
    finished: bool = False
    retry_at: datetime | None = None  # when failed deliveries may be tried again
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.failed + self.skipped


def campaigns_to_resume(now: datetime, idle: timedelta) -> list[int]:
    """Queued or sending campaigns that nobody is sending: queued more than `idle` ago
    and none of their deliveries claimed within `idle`. Their task was never queued
    (the queue was down), or the worker running it died, or it stopped to wait for
    retries; running it again sends nothing twice."""
    last_claim = (
        select(func.max(Delivery.claimed_at))
        .where(Delivery.campaign_id == Campaign.id)
        .scalar_subquery()
    )
    since = now - idle
    return list(
        db.session.scalars(
            select(Campaign.id)
            .where(
                Campaign.status.in_([CampaignStatus.QUEUED, CampaignStatus.SENDING]),
                or_(Campaign.queued_at.is_(None), Campaign.queued_at <= since),
                or_(last_claim.is_(None), last_claim <= since),
            )
            .order_by(Campaign.id)
        )
    )


def _claimable(now: datetime, retry_delay: timedelta):
    return or_(
        Delivery.status == DeliveryStatus.PENDING,
        and_(
            Delivery.status == DeliveryStatus.FAILED,
            Delivery.attempts < MAX_ATTEMPTS,
            Delivery.claimed_at <= now - retry_delay,
        ),
    )


def send_campaign(
    campaign_id: int,
    *,
    limit: int | None = None,
    retry_delay: timedelta = timedelta(0),
    stale_after: timedelta = timedelta(minutes=10),
    batch_size: int = 100,
    clock: Callable[[], datetime] = utcnow,
) -> SendReport:
    """Work through a queued campaign's deliveries (at most `limit` of them), committing
    as it goes. Safe to run again after a crash, and alongside another run.

    Each delivery is claimed with a conditional UPDATE (pending, or failed with
    attempts left and `retry_delay` passed, to sending) and committed before the
    message goes, so no two runs send it. At claim time the subscriber must
    still be confirmed and want the topic, else the delivery is skipped. A
    delivery still `sending` after `stale_after` was left by a crash: it becomes
    `unknown` and is never sent again by itself.
    """

    report = SendReport()
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status == CampaignStatus.DRAFT:
        return report
    if campaign.status == CampaignStatus.SENT:
        report.finished = True
        return report
    db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.QUEUED)
        .values(status=CampaignStatus.SENDING)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    topic = campaign.topic
    content = emails.campaign_content(campaign)
    db.session.commit()

    while limit is None or report.handled < limit:
        now = clock()
        take = batch_size if limit is None else min(batch_size, limit - report.handled)
        ids = db.session.scalars(
            select(Delivery.id)
            .where(Delivery.campaign_id == campaign_id, _claimable(now, retry_delay))
            .order_by(Delivery.id)
            .limit(take)
        ).all()
        if not ids:
            break
        for delivery_id in ids:
            if limit is not None and report.handled >= limit:
                break
            outcome = _deliver(delivery_id, topic, content, retry_delay, clock)
            if outcome == DeliveryStatus.SENT:
                report.sent += 1
            elif outcome == DeliveryStatus.SKIPPED:
                report.skipped += 1
            elif outcome == DeliveryStatus.FAILED:
                report.failed += 1
    report.finished, report.retry_at = _finish_if_done(
        campaign_id, retry_delay, stale_after, clock()
    )
    return report


def _deliver(delivery_id: int, topic: str, content, retry_delay: timedelta, clock) -> str | None:
    """Claim one delivery and send it; the status it ended in, or None if another run had it."""

    now = clock()
    claimed = db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, _claimable(now, retry_delay))
        .values(status=DeliveryStatus.SENDING, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.commit()
        return None
    row = db.session.execute(
        select(
            Subscriber.email,
            Subscriber.status,
            Subscriber.unsubscribe_token,
            _wants(topic).label("wants_topic"),
        )
        .select_from(Delivery)
        .outerjoin(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.id == delivery_id)
    ).one()
    reason = None
    if row.email is None:
        reason = "Erased before their turn."
    elif row.status != SubscriberStatus.CONFIRMED:
        reason = f"{SubscriberStatus(row.status).label} at sending time."
    elif not row.wants_topic:
        reason = "No longer wants this topic."
    if reason:
        _set_delivery(delivery_id, status=DeliveryStatus.SKIPPED, last_error=reason)
        return DeliveryStatus.SKIPPED
    # From this commit on, the claim is visible to every run: never sent twice.
    db.session.commit()
    try:
        emails.send_campaign_message(content, row.email, row.unsubscribe_token)
    except Exception as exc:  # the mail server refused or was unreachable
        logger.warning("Newsletter delivery %s failed: %s", delivery_id, exc)
        _set_delivery(
            delivery_id,
            status=DeliveryStatus.FAILED,
            attempts=Delivery.attempts + 1,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
        )
        return DeliveryStatus.FAILED
    _set_delivery(
        delivery_id,
        status=DeliveryStatus.SENT,
        attempts=Delivery.attempts + 1,
        sent_at=clock(),
        last_error=None,
    )
    return DeliveryStatus.SENT


def _set_delivery(delivery_id: int, **values) -> None:
    db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _finish_if_done(
    campaign_id: int, retry_delay: timedelta, stale_after: timedelta, now: datetime
) -> tuple[bool, datetime | None]:
    """Close the campaign when nothing is left to send. Returns (finished, retry_at)."""
    waiting = db.session.execute(
        select(
            func.count().filter(Delivery.status == DeliveryStatus.PENDING),
            func.min(Delivery.claimed_at).filter(
                Delivery.status == DeliveryStatus.FAILED, Delivery.attempts < MAX_ATTEMPTS
            ),
        ).where(Delivery.campaign_id == campaign_id)
    ).one()
    pending, oldest_retry = waiting
    if pending or oldest_retry is not None:
        retry_at = oldest_retry + retry_delay if oldest_retry is not None else None
        return False, retry_at
    db.session.execute(
        update(Delivery)
        .where(
            Delivery.campaign_id == campaign_id,
            Delivery.status == DeliveryStatus.SENDING,
            or_(Delivery.claimed_at.is_(None), Delivery.claimed_at <= now - stale_after),
        )
        .values(
            status=DeliveryStatus.UNKNOWN,
            last_error="Interrupted while sending: it may or may not have arrived.",
        )
        .execution_options(synchronize_session=False)
    )
    still_sending = db.session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.campaign_id == campaign_id, Delivery.status == DeliveryStatus.SENDING)
    )
    if still_sending:
        db.session.commit()
        return False, None
    db.session.execute(
        update(Campaign)
        .where(
            Campaign.id == campaign_id,
            Campaign.status.in_([CampaignStatus.QUEUED, CampaignStatus.SENDING]),
        )
        .values(status=CampaignStatus.SENT, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return True, None


# Signup emails waiting in the outbox ---------------------------------------------


def _signup_email_problem(wanted: SubscriberStatus):
    """A delivery check: why a signup email waiting in the outbox should no longer go."""

    def problem(email: OutgoingEmail) -> str | None:
        subscriber = subscriber_by_email(email.recipient)
        if subscriber is None:
            return "The subscriber was erased before it went."
        if subscriber.status != wanted:
            return f"{subscriber.status_enum.label} before it went."
        return None

    return problem


register_delivery_check(emails.CONFIRM, _signup_email_problem(SubscriberStatus.PENDING))
register_delivery_check(
    emails.ALREADY_SUBSCRIBED, _signup_email_problem(SubscriberStatus.CONFIRMED)
)
