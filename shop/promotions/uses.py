"""A promotion's use, held and given back with the order, like its stock.

    reserve_use ──► reserved ──► final (order_paid) ──► returned (refunded in full
                        │                                before shipping)
                        └──► released (the checkout ended unpaid)

Each move is a conditional UPDATE of the use's row from the states it may come from,
followed by one UPDATE of the promotion's counters, so a move made twice at once
happens once. Reserving is one conditional UPDATE of the counters
(`uses_reserved + uses_final < max_uses`): of twenty checkouts racing for the last use,
exactly one gets it. Plain functions: they flush, never commit.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import func, or_, select, update

from shop.extensions import db
from shop.models import utcnow
from shop.promotions.models import Promotion, PromotionUse, UseStatus

LIVE = (UseStatus.RESERVED, UseStatus.FINAL)


class Reserved(StrEnum):
    OK = "ok"
    USED_UP = "used_up"  # no uses left (or the code was switched off meanwhile)
    USED_BY_YOU = "used_by_you"  # the customer has had their share of it


def uses_by(promotion_id: int, customer_id: int | None, email: str) -> int:
    """Live uses (held or final) of a promotion by an account or an address."""
    who = []
    if customer_id is not None:
        who.append(PromotionUse.customer_id == customer_id)
    if email:
        who.append(PromotionUse.email == email)
    if not who:
        return 0
    return db.session.scalar(
        select(func.count())
        .select_from(PromotionUse)
        .where(
            PromotionUse.promotion_id == promotion_id,
            PromotionUse.status.in_([str(s) for s in LIVE]),
            or_(*who),
        )
    )


def reserve_use(
    promotion: Promotion,
    order_id: int,
    *,
    customer_id: int | None = None,
    email: str = "",
    discount_pence: int = 0,
    shipping_discount_pence: int = 0,
) -> Reserved:
    """Hold one use of `promotion` for an unpaid order (flushes). Anything but OK means
    nothing was held, and the caller rolls back.

    The counter's UPDATE takes the promotion's row lock (SQLite's write lock) until the
    commit, so checkouts of one code take turns from here: the count of the customer's
    uses made after it sees every use committed before (PostgreSQL reads each statement
    afresh at READ COMMITTED).
    """
    counters = db.session.execute(
        update(Promotion)
        .where(
            Promotion.id == promotion.id,
            Promotion.is_active.is_(True),
            or_(
                Promotion.max_uses.is_(None),
                Promotion.uses_reserved + Promotion.uses_final < Promotion.max_uses,
            ),
        )
        .values(uses_reserved=Promotion.uses_reserved + 1)
        .execution_options(synchronize_session=False)
    )
    if counters.rowcount != 1:
        return Reserved.USED_UP
    limit = promotion.max_uses_per_customer
    if limit is not None and uses_by(promotion.id, customer_id, email) >= limit:
        return Reserved.USED_BY_YOU
    db.session.add(
        PromotionUse(
            promotion_id=promotion.id,
            order_id=order_id,
            customer_id=customer_id,
            email=email,
            status=UseStatus.RESERVED,
            discount_pence=discount_pence,
            shipping_discount_pence=shipping_discount_pence,
        )
    )
    db.session.flush()
    return Reserved.OK


def _move_use(order_id: int, from_status: UseStatus, to_status: UseStatus, **values) -> int | None:
    """Move the order's use from one status to another; the promotion's id if this call
    moved it, else None."""
    return db.session.scalar(
        update(PromotionUse)
        .where(PromotionUse.order_id == order_id, PromotionUse.status == str(from_status))
        .values(status=str(to_status), updated_at=utcnow(), **values)
        .returning(PromotionUse.promotion_id)
        .execution_options(synchronize_session=False)
    )


def _count(promotion_id: int, reserved: int = 0, final: int = 0) -> None:
    db.session.execute(
        update(Promotion)
        .where(Promotion.id == promotion_id)
        .values(
            uses_reserved=Promotion.uses_reserved + reserved,
            uses_final=Promotion.uses_final + final,
        )
        .execution_options(synchronize_session=False)
    )


def release_use(order_id: int) -> bool:
    """Give back the use an unpaid order held (its checkout ended). True if it did."""
    promotion_id = _move_use(order_id, UseStatus.RESERVED, UseStatus.RELEASED)
    if promotion_id is None:
        return False
    _count(promotion_id, reserved=-1)
    return True


def finalise_use(order_id: int, email: str = "") -> bool:
    """Make the use of a paid order final, with the address it was paid with. A use
    released before a late payment arrived is counted again (the payment stands, even
    if that takes the code past its limit). True if it moved."""
    values = {"email": email} if email else {}
    promotion_id = _move_use(order_id, UseStatus.RESERVED, UseStatus.FINAL, **values)
    if promotion_id is not None:
        _count(promotion_id, reserved=-1, final=1)
        return True
    promotion_id = _move_use(order_id, UseStatus.RELEASED, UseStatus.FINAL, **values)
    if promotion_id is not None:
        _count(promotion_id, final=1)
        return True
    return False


def give_back_use(order_id: int) -> bool:
    """Give back the use of an order refunded in full before shipping. True if it did."""
    promotion_id = _move_use(order_id, UseStatus.FINAL, UseStatus.RETURNED)
    if promotion_id is not None:
        _count(promotion_id, final=-1)
        return True
    promotion_id = _move_use(order_id, UseStatus.RESERVED, UseStatus.RETURNED)
    if promotion_id is not None:
        _count(promotion_id, reserved=-1)
        return True
    return False


def use_of_order(order_id: int) -> PromotionUse | None:
    return db.session.scalar(select(PromotionUse).where(PromotionUse.order_id == order_id))
