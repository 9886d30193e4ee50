"""The review request email ("How is it going?"): one per order, with a personal link per
product bought and a one-click opt-out of these emails (List-Unsubscribe, RFC 8058)."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime

from flask import current_app, has_request_context

from shop.extensions import db
from shop.mail import register_delivery_check, send_email
from shop.mail.models import OutgoingEmail
from shop.models import utcnow
from shop.orders.models import Order
from shop.reviews import services
from shop.urls import absolute_url

ONE_CLICK = "List-Unsubscribe=One-Click"
KIND = "review_request"


def url_context():
    """A request context on SHOP_BASE_URL when there is none (the CLI, a task)."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config.get("SHOP_BASE_URL"))


def opt_out_url(email: str) -> str:
    return absolute_url("reviews.opt_out", token=services.opt_out_token(email))


def queue_review_request(order: Order, outcome: services.RequestOutcome) -> None:
    """Put the order's review request in the outbox (flushes; the caller commits)."""
    with url_context():
        opt_out = opt_out_url(order.email)
        links = [
            (link.product_name, absolute_url("reviews.new_review", token=link.token))
            for link in outcome.links
        ]
        send_email(
            order.email,
            "How is it going? Tell others about your order",
            "email/review_request",
            headers={"List-Unsubscribe": f"<{opt_out}>", "List-Unsubscribe-Post": ONE_CLICK},
            kind=KIND,
            label="Review request",
            dedupe_key=f"review-request:{order.id}",
            order_id=order.id,
            order=order,
            links=links,
            opt_out_url=opt_out,
            valid_days=current_app.config["REVIEW_LINK_DAYS"],
        )


def send_review_requests(days: int | None = None, now: datetime | None = None) -> dict[str, int]:
    """Ask every order that is due for a review (commits after each order): the request
    is claimed once per order ever, so running this twice, or twice at once, asks once.
    Returns how many were sent and skipped."""
    now = now or utcnow()
    config = current_app.config
    days = config["REVIEW_REQUEST_DAYS"] if days is None else days
    report = {"sent": 0, "skipped": 0}
    for order_id in services.due_order_ids(now, days):
        order = db.session.get(Order, order_id)
        outcome = services.claim_review_request(order, now, config["REVIEW_LINK_DAYS"])
        if outcome is None:
            db.session.rollback()
            continue
        if outcome.skipped:
            report["skipped"] += 1
        else:
            queue_review_request(order, outcome)
            report["sent"] += 1
        db.session.commit()
    return report


def _opted_out_since(email: OutgoingEmail) -> str | None:
    """A request waiting in the outbox (the mail server was away) is not sent to an
    address that opted out meanwhile."""
    if services.is_opted_out(email.recipient):
        return "The address opted out of review requests."
    return None


register_delivery_check(KIND, _opted_out_since)
