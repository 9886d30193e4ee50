"""Helpers for the review and back-in-stock tests: shipped orders made through the shop's
own pages, the links in the emails the shop sends, reviews written through them."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from shop.alerts.models import StockAlert
from shop.extensions import db
from shop.models import utcnow
from shop.reviews.models import Review
from tests.helpers.orders_admin import Shop

REVIEW_LINK = re.compile(r"http://shop\.test(/reviews/new/[A-Za-z0-9_-]+)")
OPT_OUT_LINK = re.compile(r"http://shop\.test(/reviews/opt-out/[A-Za-z0-9_.-]+)")
CONFIRM_LINK = re.compile(r"http://shop\.test(/alerts/confirm/[A-Za-z0-9_-]+)")
UNSUBSCRIBE_LINK = re.compile(r"http://shop\.test(/alerts/unsubscribe/[A-Za-z0-9_.-]+)")


def shipped_order(
    shop: Shop, items: dict[int, int], *, days_ago: int = 11, email="ada@example.com"
):
    """A paid order bought through the shop, shipped by staff in the back office (its
    shipping email received and forgotten), then dated `days_ago` days back."""
    order_id = shop.buy(items, email=email)
    response = shop.ship(order_id)
    assert response.status_code == 303, response.status_code
    shop.smtp.wait_for(1)
    shop.smtp.clear()
    shop.update_order(order_id, shipped_at=utcnow() - timedelta(days=days_ago))
    return order_id


def links(pattern: re.Pattern, mail) -> list[str]:
    """The local paths of the links matching `pattern` in an email's text part."""
    return pattern.findall(mail.text_part())


def review_form(**changes) -> dict:
    data = {
        "rating": "4",
        "title": "Calmer skin in three weeks",
        "body": "Less redness after three weeks.\nNo stinging at all.",
        "author_name": "Ada L.",
        "skin_type": "sensitive",
        "concern_id": "",
        "weeks_used": "3",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def reviews(app) -> list[Review]:
    with app.app_context():
        found = list(db.session.scalars(select(Review).order_by(Review.id)))
        db.session.expunge_all()
        return found


def alerts(app) -> list[StockAlert]:
    with app.app_context():
        found = list(db.session.scalars(select(StockAlert).order_by(StockAlert.id)))
        db.session.expunge_all()
        return found
