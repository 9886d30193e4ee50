"""Sending back-in-stock emails: on `stock_available` (after the commit that took a size
from none to some, by whatever path) a task is queued; it claims every waiting request
for the size and puts one email per request in the outbox. The sweep (shop.tasks) runs
the same for sizes whose task was lost."""

from __future__ import annotations

import logging

from shop.alerts import emails, services
from shop.extensions import db
from shop.models import utcnow
from shop.queue import app_context, huey
from shop.signals import stock_available

logger = logging.getLogger(__name__)


def subscribe() -> None:
    """Connect the alerts to `stock_available` (the app factory calls this; connecting
    again changes nothing)."""
    stock_available.connect(queue_alerts_for)


def queue_alerts_for(app, *, variant_ids) -> None:
    """On stock_available: queue the sending; never raises (the commit stands, and the
    sweep sends whatever a lost task would have)."""
    try:
        send_back_in_stock_task(sorted(variant_ids))
    except Exception:
        logger.warning("Could not queue back-in-stock emails for %s", variant_ids, exc_info=True)


def send_back_in_stock(variant_ids) -> int:
    """Email every waiting request for these sizes that have units to sell now, once
    each (commits every batch with its emails). Returns how many were queued."""
    sent = 0
    for variant_id in variant_ids:
        variant = services.sellable_variant(variant_id)
        if variant is None:
            db.session.rollback()
            continue
        while True:
            claimed = services.claim_waiting(variant_id, utcnow())
            for alert in claimed:
                emails.queue_back_in_stock(alert, variant)
            db.session.commit()
            sent += len(claimed)
            if len(claimed) < services.CLAIM_BATCH:
                break
    return sent


@huey.task()
def send_back_in_stock_task(variant_ids: list[int]) -> None:
    """The queued job: the emails for sizes that just came back."""
    with app_context():
        sent = send_back_in_stock(variant_ids)
        if sent:
            logger.info("Queued %s back-in-stock email(s) for sizes %s", sent, variant_ids)


def send_due_alerts() -> int:
    """For the sweep: sizes with waiting requests and units to sell now."""
    return send_back_in_stock(services.variants_due())
