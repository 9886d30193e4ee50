"""Refunds made by staff: in full or in part, through the payment provider, optionally
putting what came back into stock.

How one refund goes:

1. The request is checked and a `Refund` row is written as `pending`, and committed,
   so the attempt is on record before any money moves.
2. The order's row is locked again (a conditional UPDATE, as checkout does), the
   request is checked once more against the order as it now stands, and the
   provider is asked for the refund while the lock is held. Two refunds of one
   order therefore take turns, and never give back more than was paid.
3. On success the refund, the order's refunded total and status, the stock (all three
   through shop.orders.lifecycle.record_refund), the timeline and the audit log change
   together, in one commit, after which the refund email is queued
   (shop.orders.emails, on order_refunded). On failure the row is marked `failed` and
   nothing else changes.

Stripe's `charge.refunded` webhook (shop.payments.webhooks, through
shop.orders.lifecycle.record_provider_refunds) then reports the charge's refunded total,
and takes it only when it is more than the order already shows, so a refund made here
is never counted twice. The order's row stays locked
until the refund is recorded, so a webhook that arrives before then cannot write
first: its update waits for the lock and then sets the same total (Stripe's, which
includes this refund).

The idempotency key sent to the provider comes from a token in the refund form:
the same form sent twice (a double click) asks for the same refund, which Stripe
makes once; the second answer names the refund already recorded and is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update

from shop.backoffice.audit import record_audit
from shop.extensions import db
from shop.models import utcnow
from shop.money import format_money
from shop.orders.lifecycle import record_refund, refund_cap_pence
from shop.orders.models import (
    FulfilmentStatus,
    Order,
    OrderStatus,
    Refund,
    RefundLine,
    RefundStatus,
)
from shop.orders.services import record_event
from shop.payments.gateway import PaymentError
from shop.payments.providers import get_gateway
from shop.promotions.uses import give_back_use

REQUEST_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
REASON_MAX_LENGTH = 500
# Statuses a provider may give a refund it did not make.
REFUSED_STATUSES = {"failed", "canceled", "cancelled"}


class RefundError(Exception):
    """A refund we refuse before asking the provider. `field` names the form field."""

    def __init__(self, message: str, field: str = "amount"):
        super().__init__(message)
        self.field = field


class RefundFailed(Exception):
    """The payment provider refused the refund or could not be reached. Nothing was
    refunded; the message is safe to show to staff."""


class AlreadyRefunded(Exception):
    """The same refund form was sent again; the refund it asked for is already made."""

    def __init__(self, refund: Refund):
        super().__init__("That refund has already been made.")
        self.refund = refund


@dataclass(frozen=True)
class RefundRequest:
    amount_pence: int
    reason: str = ""
    # Order line id -> units to put back into stock.
    restock: dict[int, int] = field(default_factory=dict)
    # A token from the form, unique per refund asked for (see the module docstring).
    request_key: str = ""


def refundable_pence(order: Order) -> int:
    """What is left to refund: what was paid less what has been refunded already."""
    if order.status not in (OrderStatus.PAID, OrderStatus.REFUNDED) or not order.payment_intent_id:
        return 0
    return max(refund_cap_pence(order) - order.refunded_pence, 0)


def returned_quantities(order: Order) -> dict[int, int]:
    """Units of each order line already put back into stock by successful refunds."""
    returned: dict[int, int] = {}
    for refund in order.succeeded_refunds:
        for line in refund.lines:
            returned[line.order_line_id] = returned.get(line.order_line_id, 0) + line.quantity
    return returned


def returnable_quantities(order: Order) -> dict[int, int]:
    """Units of each order line that can still go back into stock.

    Lines whose size has since been deleted from the catalogue cannot.
    """
    returned = returned_quantities(order)
    return {
        line.id: 0 if line.variant_id is None else max(line.quantity - returned.get(line.id, 0), 0)
        for line in order.lines
    }


def check_refund(order: Order, request: RefundRequest) -> None:
    """Raise RefundError, naming the form field, when `request` cannot be made for `order`."""
    if order.status not in (OrderStatus.PAID, OrderStatus.REFUNDED):
        raise RefundError(
            f"Only paid orders can be refunded. This order is {order.status_enum.label.lower()}."
        )
    if not order.payment_intent_id:
        raise RefundError("This order has no payment on record to refund.")
    if not REQUEST_KEY_PATTERN.fullmatch(request.request_key or ""):
        raise RefundError(
            "The refund form had expired. Please check the details and send it again.",
            field="request_key",
        )
    if len(request.reason) > REASON_MAX_LENGTH:
        raise RefundError(f"Keep the reason to {REASON_MAX_LENGTH} characters.", field="reason")
    left = refundable_pence(order)
    if left <= 0:
        raise RefundError("This order has been refunded in full already.")
    if request.amount_pence <= 0:
        raise RefundError("The amount to refund must be more than £0.00.")
    if request.amount_pence > left:
        raise RefundError(
            "That is more than can be refunded: at most "
            f"{format_money(left, order.currency)} is left of what was paid."
        )
    returnable = returnable_quantities(order)
    for line_id, quantity in request.restock.items():
        if line_id not in returnable:
            raise RefundError("That item is not part of this order.", field="restock")
        if quantity < 0 or quantity > returnable[line_id]:
            raise RefundError(
                f"At most {returnable[line_id]} of that item can go back into stock.",
                field=f"return_{line_id}",
            )


def _lock_order(order: Order) -> None:
    """Take the order's row lock (SQLite's write lock) until the next commit or rollback,
    and read the order as it now stands."""
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    # Forget what was read before the lock: the refunds may have changed since.
    db.session.expire_all()


def idempotency_key(order: Order, request: RefundRequest) -> str:
    return f"order-{order.id}-refund-{request.request_key}"


def refund_snapshot(order: Order) -> dict:
    return {"refunded_pence": order.refunded_pence, "status": order.status}


def refund_order(order: Order, request: RefundRequest, actor, ip: str | None = None) -> Refund:
    """Refund `request.amount_pence` of a paid order through its payment provider (commits).

    Returns the succeeded Refund. Raises RefundError when we refuse the request
    (nothing recorded, the provider not asked), RefundFailed when the provider
    refuses (the refund recorded as failed, nothing else changed), and
    AlreadyRefunded when the same form was sent again.
    """
    restock = {line_id: qty for line_id, qty in request.restock.items() if qty}
    request = RefundRequest(
        request.amount_pence, request.reason.strip(), restock, request.request_key
    )

    # 1. On record as pending before any money moves.
    _lock_order(order)
    check_refund(order, request)
    refund = Refund(
        order_id=order.id,
        amount_pence=request.amount_pence,
        reason=request.reason,
        return_stock=bool(restock),
        status=RefundStatus.PENDING,
        staff_email=actor.email,
    )
    refund.lines = [RefundLine(order_line_id=k, quantity=v) for k, v in sorted(restock.items())]
    db.session.add(refund)
    db.session.commit()
    refund_id = refund.id

    # 2. Ask the provider, holding the order's lock.
    _lock_order(order)
    try:
        check_refund(order, request)  # another refund may have been made meanwhile
    except RefundError:
        _forget(refund_id)  # the provider was never asked
        db.session.commit()
        raise
    amount = format_money(request.amount_pence, order.currency)
    try:
        result = get_gateway().refund(
            order.payment_intent_id, request.amount_pence, idempotency_key(order, request)
        )
        if result.status in REFUSED_STATUSES:
            raise PaymentError(f"The payment provider did not make the refund ({result.status}).")
    except PaymentError as exc:
        db.session.rollback()
        _mark_failed(refund_id)
        record_event(order, "refund_failed", f"Refund of {amount} refused: {exc}", actor.email)
        record_audit(
            actor,
            "order.refund_failed",
            "order",
            order.id,
            f"Tried to refund {amount} of order {order.number}; the payment provider refused: "
            f"{exc}",
            ip=ip,
        )
        db.session.commit()
        raise RefundFailed(str(exc)) from exc

    already = db.session.scalar(
        select(Refund).where(
            Refund.order_id == order.id,
            Refund.provider_refund_id == result.id,
            Refund.status == RefundStatus.SUCCEEDED,
        )
    )
    if already is not None:
        # The provider answered with a refund we recorded already: this was the same
        # form sent twice. Nothing more happened, so this attempt leaves no trace.
        _forget(refund_id)
        db.session.commit()
        raise AlreadyRefunded(already)

    # 3. Record the refund, the order's totals and the stock together.
    before = refund_snapshot(order)
    refund = db.session.get(Refund, refund_id)
    refund.status = RefundStatus.SUCCEEDED
    refund.provider_refund_id = result.id
    restocked = record_refund(order, refund, restock)
    code_note = _code_after_refund(order)
    after = {
        **refund_snapshot(order),
        "refund_id": refund.id,
        "amount_pence": refund.amount_pence,
        "provider_refund_id": result.id,
        "reason": refund.reason,
        "returned_to_stock": restocked,
    }
    message = f"Refunded {amount} ({result.id})."
    if restocked:
        message += " Back in stock: " + ", ".join(f"{q} × {s}" for s, q in restocked.items()) + "."
    if code_note:
        after["promo_code_use"] = code_note
        message += f" {code_note}"
    if refund.reason:
        message += f" Reason: {refund.reason}"
    record_event(order, "refunded", message, actor=actor.email)
    whole = "in full" if order.status == OrderStatus.REFUNDED else "in part"
    record_audit(
        actor,
        "order.refund",
        "order",
        order.id,
        f"Refunded {amount} of order {order.number} ({whole})",
        before,
        after,
        ip=ip,
    )
    db.session.commit()
    return refund


def _code_after_refund(order: Order) -> str:
    """Give back the order's promo code use when it has been refunded in full before
    shipping; say what happened to the use ("" for an order without a code)."""
    if not order.promo_code:
        return ""
    if order.status != OrderStatus.REFUNDED:
        return f"Code {order.promo_code}: its use is kept (refunded in part)."
    if order.fulfilment_status != FulfilmentStatus.UNFULFILLED:
        return f"Code {order.promo_code}: its use is kept (the order had been shipped)."
    if give_back_use(order.id):
        return (
            f"Code {order.promo_code}: its use was given back (refunded in full before shipping)."
        )
    return f"Code {order.promo_code}: its use had already been given back."


def _forget(refund_id: int) -> None:
    """Remove a pending refund the provider made nothing of."""
    db.session.execute(delete(RefundLine).where(RefundLine.refund_id == refund_id))
    db.session.execute(delete(Refund).where(Refund.id == refund_id))


def _mark_failed(refund_id: int) -> None:
    db.session.execute(
        update(Refund)
        .where(Refund.id == refund_id, Refund.status == RefundStatus.PENDING)
        .values(status=RefundStatus.FAILED)
        .execution_options(synchronize_session=False)
    )
