"""Back-in-stock rules: asking (confirmed by email, or at once for a signed-in customer's
own address), confirming, unsubscribing, and sending each waiting request exactly one
email when its size has units to sell again.

Plain functions: they change the models and flush; views and tasks commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from shop.alerts.models import AlertStatus, StockAlert
from shop.catalogue.models import Product, Variant
from shop.extensions import db
from shop.models import utcnow
from shop.text import is_token, new_token, normalise_email, token_hash

CONFIRM_PURPOSE = "stock-alert-confirm"
UNSUBSCRIBE_SALT = "stock-alert-unsubscribe"
# Requests claimed for sending per statement; each batch is committed with its emails.
CLAIM_BATCH = 200
LIVE = (AlertStatus.UNCONFIRMED, AlertStatus.WAITING)


class AlertError(ValueError):
    """A request the rules refuse; the message says why, for the shopper."""


def _days() -> int:
    return current_app.config["STOCK_ALERT_DAYS"]


@dataclass
class AlertRequest:
    """What asking did: the request, and the token of the confirmation link to email
    (None when no email is to go: confirmed at once, or already waiting)."""

    alert: StockAlert
    confirm_token: str | None
    confirmed: bool


def is_sold_out(variant: Variant) -> bool:
    return variant.available <= 0


def request_alert(
    variant: Variant, email: str, *, confirmed: bool, now: datetime | None = None
) -> AlertRequest:
    """Ask to be emailed when `variant` is back (flushes). With `confirmed` (a signed-in
    customer's own address) it waits at once; otherwise a confirmation link is to be
    emailed. An address already waiting is left as it is, and nothing is sent: the
    caller answers the same either way. A request that was emailed, unsubscribed or
    expired starts again."""
    now = now or utcnow()
    email = normalise_email(email)
    if not variant.is_active or not variant.product.is_active:
        raise AlertError("This size is no longer sold.")
    alert = db.session.scalar(
        select(StockAlert).where(StockAlert.variant_id == variant.id, StockAlert.email == email)
    )
    if alert is None:
        # Made as an ended request, which the steps below start afresh.
        alert = StockAlert(variant_id=variant.id, email=email, status=AlertStatus.CANCELLED)
        try:
            with db.session.begin_nested():
                alert.requested_at = now
                alert.expires_at = now
                db.session.add(alert)
        except IntegrityError:  # asked for at the same moment by another request
            alert = db.session.scalar(
                select(StockAlert).where(
                    StockAlert.variant_id == variant.id, StockAlert.email == email
                )
            )
    live = alert.status in LIVE and alert.expires_at > now
    if live and alert.status == AlertStatus.WAITING:
        return AlertRequest(alert, None, True)
    if live and not confirmed:
        token = new_token()  # a new link; the earlier one stops working
        alert.confirm_hash = token_hash(token, CONFIRM_PURPOSE)
        db.session.flush()
        return AlertRequest(alert, token, False)
    alert.requested_at = now
    alert.expires_at = now + timedelta(days=_days())
    alert.sent_at = None
    alert.cancelled_at = None
    if confirmed:
        alert.status = AlertStatus.WAITING
        alert.confirmed_at = now
        alert.confirm_hash = None
        token = None
    else:
        alert.status = AlertStatus.UNCONFIRMED
        alert.confirmed_at = None
        token = new_token()
        alert.confirm_hash = token_hash(token, CONFIRM_PURPOSE)
    db.session.flush()
    return AlertRequest(alert, token, confirmed)


def alert_to_confirm(token: str | None, now: datetime | None = None) -> StockAlert | None:
    """The unconfirmed, unexpired request a confirmation link names, or None."""
    if not is_token(token):
        return None
    now = now or utcnow()
    alert = db.session.scalar(
        select(StockAlert)
        .where(StockAlert.confirm_hash == token_hash(token, CONFIRM_PURPOSE))
        .options(joinedload(StockAlert.variant).joinedload(Variant.product))
    )
    if alert is None or alert.expires_at <= now:
        return None
    if alert.status not in LIVE:
        return None
    return alert


def confirm_alert(alert: StockAlert, now: datetime | None = None) -> bool:
    """Start waiting (one conditional UPDATE; flushes). False when it already was, or
    has expired."""
    now = now or utcnow()
    result = db.session.execute(
        update(StockAlert)
        .where(
            StockAlert.id == alert.id,
            StockAlert.status == AlertStatus.UNCONFIRMED,
            StockAlert.expires_at > now,
        )
        .values(status=AlertStatus.WAITING, confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(alert)
    return result.rowcount == 1


# Unsubscribing ------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(email: str) -> str:
    """The signed value in every alert email's one-click unsubscribe link: the address."""
    return _serializer().dumps(normalise_email(email))


def email_from_unsubscribe_token(token: str) -> str | None:
    if len(token) > 600:
        return None
    try:
        email = _serializer().loads(token)
    except BadSignature:
        return None
    return email if isinstance(email, str) and email else None


def unsubscribe(email: str, now: datetime | None = None) -> int:
    """End every request of this address that is still waiting or unconfirmed
    (flushes). Returns how many."""
    return db.session.execute(
        update(StockAlert)
        .where(StockAlert.email == normalise_email(email), StockAlert.status.in_(LIVE))
        .values(status=AlertStatus.CANCELLED, cancelled_at=now or utcnow(), confirm_hash=None)
        .execution_options(synchronize_session=False)
    ).rowcount


# Back in stock ------------------------------------------------------------------------


def sellable_variant(variant_id: int) -> Variant | None:
    """The size with its product if it is on sale and has units to sell now, else None."""
    variant = db.session.scalar(
        select(Variant)
        .where(Variant.id == variant_id)
        .options(joinedload(Variant.product).joinedload(Product.images))
        .execution_options(populate_existing=True)
    )
    if variant is None or not variant.is_active or not variant.product.is_active:
        return None
    return variant if variant.available > 0 else None


def claim_waiting(variant_id: int, now: datetime, limit: int = CLAIM_BATCH) -> list[StockAlert]:
    """Mark up to `limit` confirmed, unexpired requests for the size as sent, in one
    conditional UPDATE, and return them (flushes). A request is claimed once: of two
    restocks sending at once, each request goes to one of them, and only once."""
    ids = (
        select(StockAlert.id)
        .where(
            StockAlert.variant_id == variant_id,
            StockAlert.status == AlertStatus.WAITING,
            StockAlert.expires_at > now,
        )
        .order_by(StockAlert.id)
        .limit(limit)
    )
    claimed = db.session.scalars(
        update(StockAlert)
        .where(StockAlert.id.in_(ids.scalar_subquery()), StockAlert.status == AlertStatus.WAITING)
        .values(status=AlertStatus.SENT, sent_at=now)
        .returning(StockAlert.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        return []
    return list(
        db.session.scalars(
            select(StockAlert)
            .where(StockAlert.id.in_(claimed))
            .order_by(StockAlert.id)
            .execution_options(populate_existing=True)
        )
    )


def variants_due(now: datetime | None = None) -> list[int]:
    """Sizes with confirmed requests waiting that have units to sell now: what the sweep
    sends for when a restock's task was lost (or a request was confirmed just as its
    size came back)."""
    now = now or utcnow()
    stmt = (
        select(StockAlert.variant_id)
        .join(Variant, Variant.id == StockAlert.variant_id)
        .join(Product, Product.id == Variant.product_id)
        .where(
            StockAlert.status == AlertStatus.WAITING,
            StockAlert.expires_at > now,
            Variant.is_active.is_(True),
            Product.is_active.is_(True),
            Variant.on_hand > Variant.reserved,
        )
        .distinct()
        .order_by(StockAlert.variant_id)
    )
    return list(db.session.scalars(stmt))


# Counts for staff ---------------------------------------------------------------------


def _waiting(now: datetime):
    return and_(StockAlert.status == AlertStatus.WAITING, StockAlert.expires_at > now)


def waiting_counts(variant_ids, now: datetime | None = None) -> dict[int, int]:
    """People waiting (confirmed, not expired) per size, for the given sizes (one query)."""
    ids = sorted(set(variant_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(StockAlert.variant_id, func.count(StockAlert.id))
        .where(StockAlert.variant_id.in_(ids), _waiting(now or utcnow()))
        .group_by(StockAlert.variant_id)
    ).all()
    return dict(rows)


@dataclass(frozen=True)
class WantedSize:
    variant_id: int
    product_id: int
    product_name: str
    product_slug: str
    size_label: str
    sku: str
    waiting: int


def most_wanted_sold_out(limit: int = 10, now: datetime | None = None) -> list[WantedSize]:
    """Sold-out sizes on sale with the most people waiting (one query)."""
    waiting = func.count(StockAlert.id).label("waiting")
    rows = db.session.execute(
        select(
            Variant.id,
            Product.id,
            Product.name,
            Product.slug,
            Variant.size_label,
            Variant.sku,
            waiting,
        )
        .join(StockAlert, StockAlert.variant_id == Variant.id)
        .join(Product, Product.id == Variant.product_id)
        .where(
            _waiting(now or utcnow()),
            Variant.on_hand <= Variant.reserved,
            Variant.is_active.is_(True),
            Product.is_active.is_(True),
        )
        .group_by(
            Variant.id, Product.id, Product.name, Product.slug, Variant.size_label, Variant.sku
        )
        .order_by(waiting.desc(), Product.name, Variant.id)
        .limit(limit)
    ).all()
    return [WantedSize(*row) for row in rows]
