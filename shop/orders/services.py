"""Finding orders and writing their timeline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, has_request_context
from sqlalchemy import case, or_, select
from sqlalchemy.orm import selectinload

from shop.extensions import db
from shop.orders.models import FulfilmentStatus, Order, OrderEvent, Refund
from shop.signals import email_outcome
from shop.text import is_token
from shop.urls import absolute_url


def record_event(order: Order, kind: str, message: str = "", actor: str = "") -> OrderEvent:
    """Add an entry to the order's timeline (flushed with the session)."""
    event = OrderEvent(order_id=order.id, kind=kind, message=message, actor=actor)
    db.session.add(event)
    return event


@email_outcome.connect
def _note_email_on_timeline(email, *, order_id: int, kind: str, message: str) -> None:
    """The mailer delivered (or gave up on) an order's email: put it on the timeline."""
    db.session.add(OrderEvent(order_id=order_id, kind=kind, message=message))


def order_for_customer(token: str) -> Order | None:
    """The order a customer's private link points at, or None for any other token."""
    if not is_token(token):
        return None
    stmt = select(Order).where(Order.access_token == token).options(selectinload(Order.lines))
    return db.session.scalar(stmt)


def order_number_for(order_id: int) -> str:
    """A short number people can read out on the phone: FB-100042."""
    return f"FB-{100000 + order_id}"


def order_url(order: Order) -> str:
    """The customer's private link to the order, absolute on SHOP_BASE_URL (for emails).

    Works outside a request too (a command or a task), by building the link as a
    request to SHOP_BASE_URL would.
    """
    if has_request_context():
        return absolute_url("orders.order_status", token=order.access_token)
    with current_app.test_request_context(base_url=current_app.config.get("SHOP_BASE_URL")):
        return absolute_url("orders.order_status", token=order.access_token)


# Staff: finding orders ------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilters:
    """What staff narrowed the order list to; empty values leave a filter off."""

    q: str = ""
    status: str = ""
    fulfilment: str = ""
    date_from: date | None = None
    date_to: date | None = None


_ORDER_NUMBER = re.compile(r"(?:FB)?-?\s*(\d{6,})", re.IGNORECASE)


def order_search(filters: OrderFilters):
    """The orders matching `filters`, newest first, as one select to paginate.

    `q` finds an order by its number (with or without the FB- prefix) or by part
    of the customer's email address or name. Dates are whole days in UTC on the
    day the order was placed, both ends included.
    """
    # Paid orders waiting for stock come first: staff must see them before shipping others.
    waiting = case((Order.fulfilment_status == FulfilmentStatus.WAITING_FOR_STOCK, 0), else_=1)
    stmt = select(Order).order_by(waiting, Order.created_at.desc(), Order.id.desc())
    q = " ".join(filters.q.split())
    if q:
        matches = [
            Order.email.icontains(q, autoescape=True),
            Order.ship_to_name.icontains(q, autoescape=True),
            Order.number.icontains(q, autoescape=True),
        ]
        number = _ORDER_NUMBER.fullmatch(q)
        if number:
            matches.append(Order.number == f"FB-{number[1]}")
        stmt = stmt.where(or_(*matches))
    if filters.status:
        stmt = stmt.where(Order.status == filters.status)
    if filters.fulfilment:
        stmt = stmt.where(Order.fulfilment_status == filters.fulfilment)
    if filters.date_from:
        stmt = stmt.where(Order.created_at >= datetime.combine(filters.date_from, time(), UTC))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), UTC)
        stmt = stmt.where(Order.created_at < end)
    return stmt


def order_for_staff(order_id: int) -> Order | None:
    """One order with everything its back-office page shows, in a fixed number of queries."""
    stmt = (
        select(Order)
        .where(Order.id == order_id)
        .options(
            selectinload(Order.lines),
            selectinload(Order.events),
            selectinload(Order.refunds).selectinload(Refund.lines),
        )
    )
    return db.session.scalar(stmt)
