"""Finding orders and writing their timeline."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.extensions import db
from shop.orders.models import Order, OrderEvent

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def record_event(order: Order, kind: str, message: str = "", actor: str = "") -> OrderEvent:
    """Add an entry to the order's timeline (flushed with the session)."""
    event = OrderEvent(order_id=order.id, kind=kind, message=message, actor=actor)
    db.session.add(event)
    return event


def order_for_customer(token: str) -> Order | None:
    """The order a customer's private link points at, or None for any other token."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    stmt = select(Order).where(Order.access_token == token).options(selectinload(Order.lines))
    return db.session.scalar(stmt)


def order_number_for(order_id: int) -> str:
    """A short number people can read out on the phone: FB-100042."""
    return f"FB-{100000 + order_id}"
