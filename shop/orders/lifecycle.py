"""An order's life in one place: every change of its status or its fulfilment, and the
stock movement that goes with each.

    pending ──► paid ──► refunded
       │         ▲
       ├──► expired ───┤
       ├──► cancelled ─┤  paid late: a payment that arrives after the stock was released
       └──► failed ────┘

    fulfilment: unfulfilled ──► shipped, only while the order is paid
                waiting_for_stock ──► unfulfilled (a paid renewal whose stock came later)

`TRANSITIONS` and `FULFILMENT_TRANSITIONS` are the whole of it. Each move is one
conditional UPDATE from the states it may come from, so of two requests making the same
move at once (the webhook and the success page, two members of staff) exactly one makes
it and the other is told False, having changed nothing. Asking for a move the tables do
not allow raises IllegalTransition: that is a mistake in the code, not a race.

Stock moves with the order, always by conditional UPDATE with the row count checked:
reserved when the order is placed (`place`), sold when it is paid (`record_payment`; or
taken afresh when it is paid after its reservation was released), released when an
unpaid order ends (`release_unpaid`, `release_lapsed_reservations`), put back when a
refund returns units (`record_refund`).

Plain functions: they flush, never commit, and never touch the request. What a move
announces (order_paid, order_shipped, order_refunded, stock_available) is sent after the
caller's commit, and not at all if it rolls back (shop.signals.send_after_commit).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from shop.cart.models import Cart, CartLine
from shop.catalogue.models import Variant
from shop.catalogue.stock import announce_freed_units
from shop.extensions import db
from shop.models import utcnow
from shop.orders.models import (
    LAPSE_GRACE,
    FulfilmentStatus,
    Order,
    OrderLine,
    OrderStatus,
    Refund,
)
from shop.orders.services import record_event
from shop.promotions.uses import give_back_use, release_use
from shop.signals import order_paid, order_refunded, order_shipped, send_after_commit

if TYPE_CHECKING:
    from shop.payments.gateway import PaymentSession


class IllegalTransition(Exception):
    """Code asked for a move of an order that the transition tables do not allow."""


# The ways an unpaid order ends; its reserved stock goes back.
RELEASED = frozenset({OrderStatus.EXPIRED, OrderStatus.CANCELLED, OrderStatus.FAILED})

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, *RELEASED}),
    # A payment Stripe reports after the shop gave the stock back (a bank payment that
    # clears late, a webhook that comes after the payment window) is still recorded.
    OrderStatus.EXPIRED: frozenset({OrderStatus.PAID}),
    OrderStatus.CANCELLED: frozenset({OrderStatus.PAID}),
    OrderStatus.FAILED: frozenset({OrderStatus.PAID}),
    OrderStatus.PAID: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.REFUNDED: frozenset(),
}

FULFILMENT_TRANSITIONS: dict[FulfilmentStatus, frozenset[FulfilmentStatus]] = {
    # A subscription's renewal paid when its stock was not there; it moves on once stock
    # is allocated to it (allocate_waiting_stock).
    FulfilmentStatus.WAITING_FOR_STOCK: frozenset({FulfilmentStatus.UNFULFILLED}),
    FulfilmentStatus.UNFULFILLED: frozenset({FulfilmentStatus.SHIPPED}),
    FulfilmentStatus.SHIPPED: frozenset(),
}
# Fulfilment moves only while the order is in this status.
FULFILLED_WHILE = OrderStatus.PAID


def _as_tuple(states) -> tuple:
    return (states,) if isinstance(states, str) else tuple(states)


def check_transition(from_state: str, to_state: str, table=TRANSITIONS) -> None:
    """Raise IllegalTransition unless `table` allows moving from `from_state` to `to_state`."""
    allowed = table.get(from_state)
    if allowed is None or to_state not in allowed:
        raise IllegalTransition(f"An order cannot go from {from_state} to {to_state}.")


def move_status(order: Order, to_state: OrderStatus, *, from_states, **values) -> bool:
    """Move the order to `to_state` if it is now in one of `from_states` (one of them or an
    iterable), setting `values` with it: one conditional UPDATE (flushes, no commit).

    Returns True if this call made the move; False when the order is not in any of
    `from_states` (another request moved it first), and then nothing changes. Raises
    IllegalTransition when `TRANSITIONS` does not allow a move asked for.
    """
    sources = _as_tuple(from_states)
    for source in sources:
        check_transition(source, to_state)
    result = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status.in_([str(s) for s in sources]))
        .values(status=str(to_state), updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def move_fulfilment(
    order: Order,
    to_state: FulfilmentStatus,
    *,
    from_states=FulfilmentStatus.UNFULFILLED,
    **values,
) -> bool:
    """Move the order's fulfilment as `move_status` moves its status, and only while the
    order is paid (FULFILLED_WHILE). False when it is not paid or not in `from_states`."""
    sources = _as_tuple(from_states)
    for source in sources:
        check_transition(source, to_state, FULFILMENT_TRANSITIONS)
    result = db.session.execute(
        update(Order)
        .where(
            Order.id == order.id,
            Order.status == str(FULFILLED_WHILE),
            Order.fulfilment_status.in_([str(s) for s in sources]),
        )
        .values(fulfilment_status=str(to_state), updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


# Placing an order: its stock reserved -------------------------------------------------


def reserve_stock(variant_id: int, quantity: int) -> bool:
    """Hold `quantity` units for an unpaid order, only if that many are free."""
    result = db.session.execute(
        update(Variant)
        .where(
            Variant.id == variant_id,
            Variant.is_active.is_(True),
            Variant.on_hand - Variant.reserved >= quantity,
        )
        .values(reserved=Variant.reserved + quantity)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def place(order: Order) -> list[OrderLine]:
    """Reserve the stock of a new, pending order and put it on its timeline (flushes).

    Returns the lines that could not be reserved, having reserved the others: the
    caller then rolls back. A checkout whose payment window has passed may hold what
    is missing: it is ended and the line tried once more.
    """
    short = []
    # Sizes are reserved in id order, so two checkouts sharing sizes never wait for
    # each other's rows the other way round (a deadlock on PostgreSQL).
    for line in sorted(order.lines, key=lambda ln: ln.variant_id):
        if reserve_stock(line.variant_id, line.quantity):
            continue
        if release_lapsed_reservations([line.variant_id]) and reserve_stock(
            line.variant_id, line.quantity
        ):
            continue
        short.append(line)
    if not short:
        record_event(order, "placed", f"Order placed: {len(order.lines)} line(s), stock reserved.")
        db.session.flush()
    return short


# Paying: the reservation becomes a sale -------------------------------------------------


def record_payment(order: Order, payment: PaymentSession) -> bool:
    """Record that the provider's session `payment`, which it reports as paid, paid for
    the order, exactly once (flushes, no commit).

    A pending order's reservation becomes a sale. An order whose stock was already
    released (expired, cancelled or failed) takes its stock now, and its timeline says
    which sizes were short. Either way the payment's details (email, address, amount)
    go on the order, its basket is emptied, and `order_paid` is sent after the commit.
    Returns False, changing nothing, when the order is paid already (or refunded): the
    webhook and the success page both call this, possibly at the same moment.
    """
    paid = dict(
        paid_at=utcnow(),
        payment_session_id=payment.id,
        payment_intent_id=payment.payment_intent_id,
        amount_paid_pence=payment.amount_total,
    )
    if move_status(order, OrderStatus.PAID, from_states=OrderStatus.PENDING, **paid):
        _sell_reserved(order)
        _record_payment_details(order, payment)
    elif move_status(order, OrderStatus.PAID, from_states=RELEASED, **paid):
        # Paid after its stock was released (a late asynchronous payment).
        short = _sell_unreserved(order)
        _record_payment_details(order, payment)
        if short:
            record_event(
                order,
                "stock_short",
                "Paid after release; not enough stock of: "
                + ", ".join(short)
                + ". Please check before shipping.",
            )
    else:
        return False
    send_after_commit(order_paid, order_id=order.id)
    return True


def record_payment_waiting_for_stock(order: Order, payment: PaymentSession) -> bool:
    """Record the payment of a pending order that holds no stock because there was not
    enough when it was paid (a subscription's renewal): paid, waiting for stock, nothing
    taken from stock (flushes, no commit). `order_paid` is sent after the commit.
    False, changing nothing, when the order is not pending."""
    moved = move_status(
        order,
        OrderStatus.PAID,
        from_states=OrderStatus.PENDING,
        fulfilment_status=str(FulfilmentStatus.WAITING_FOR_STOCK),
        paid_at=utcnow(),
        payment_session_id=payment.id,
        payment_intent_id=payment.payment_intent_id,
        amount_paid_pence=payment.amount_total,
    )
    if not moved:
        return False
    _record_payment_details(order, payment)
    record_event(
        order, "waiting_for_stock", "Paid while out of stock: waiting for stock before shipping."
    )
    send_after_commit(order_paid, order_id=order.id)
    return True


def allocate_waiting_stock(order: Order) -> bool:
    """Take the stock of a paid order waiting for it, all its lines or none, and move it
    on to "not shipped" (flushes, no commit). False, with stock unchanged, when a size is
    still short or the order is not waiting."""
    if order.fulfilment_status != FulfilmentStatus.WAITING_FOR_STOCK:
        return False
    with db.session.begin_nested() as savepoint:
        short = _sell_unreserved(order)
        if short or not move_fulfilment(
            order, FulfilmentStatus.UNFULFILLED, from_states=FulfilmentStatus.WAITING_FOR_STOCK
        ):
            savepoint.rollback()
            return False
    record_event(order, "stock_allocated", "Stock allocated: ready to ship.")
    db.session.flush()
    db.session.refresh(order)
    return True


def _sell_reserved(order: Order) -> None:
    """Turn this order's reservations into sales."""
    for line in order.lines:
        if line.variant_id is None:
            continue
        db.session.execute(
            update(Variant)
            .where(Variant.id == line.variant_id, Variant.reserved >= line.quantity)
            .values(
                on_hand=Variant.on_hand - line.quantity,
                reserved=Variant.reserved - line.quantity,
            )
            .execution_options(synchronize_session=False)
        )


def _sell_unreserved(order: Order) -> list[str]:
    """Take stock for an order whose reservation was already released; list what was short."""
    short = []
    for line in order.lines:
        if line.variant_id is None:
            continue
        result = db.session.execute(
            update(Variant)
            .where(
                Variant.id == line.variant_id,
                Variant.on_hand - Variant.reserved >= line.quantity,
            )
            .values(on_hand=Variant.on_hand - line.quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            short.append(line.sku)
    return short


def _record_payment_details(order: Order, payment: PaymentSession) -> None:
    db.session.refresh(order)
    if payment.customer_email and not order.email:
        # A guest's order takes the address typed on the payment page. One placed while
        # signed in keeps the account's verified address, so it stays in the account's
        # orders (and its emails go there) whatever the provider has on file.
        order.email = payment.customer_email
    address = payment.shipping_address
    if address is not None:
        order.ship_to_name = address.name
        order.ship_to_line1 = address.line1
        order.ship_to_line2 = address.line2
        order.ship_to_city = address.city
        order.ship_to_postcode = address.postcode
        order.ship_to_country = address.country
    if payment.amount_total is not None and payment.amount_total != order.total_pence:
        record_event(
            order,
            "amount_mismatch",
            f"Paid {payment.amount_total} pence, expected {order.total_pence}.",
        )
    record_event(order, "paid", f"Payment received ({payment.payment_intent_id}).")
    if order.cart_id is not None:
        db.session.execute(delete(CartLine).where(CartLine.cart_id == order.cart_id))
        if order.promo_code:
            # The code went with this order; the next one starts without it.
            db.session.execute(
                update(Cart)
                .where(Cart.id == order.cart_id)
                .values(promotion_id=None)
                .execution_options(synchronize_session=False)
            )
        # What the shopper puts in the basket next is a new order, even the same items.
        _start_new_checkout(order.cart_id)


def _start_new_checkout(cart_id: int | None) -> None:
    """Count a new checkout attempt for the basket: its next checkout is a new order."""
    if cart_id is None:
        return
    db.session.execute(
        update(Cart)
        .where(Cart.id == cart_id)
        .values(checkout_attempt=Cart.checkout_attempt + 1)
        .execution_options(synchronize_session=False)
    )


# An unpaid order ends: its reservation is released ----------------------------------------


def release_unpaid(order: Order, new_status: OrderStatus, reason: str) -> bool:
    """End an unpaid order as expired, cancelled or failed and give its reserved stock
    back (flushes, no commit).

    Only call this once the payment session can no longer be paid. Returns False
    when the order was not pending (already released or paid): nothing changes.
    Raises IllegalTransition for any other `new_status`.
    """
    if new_status not in RELEASED:
        raise IllegalTransition(
            f"An unpaid order ends as expired, cancelled or failed, not {new_status}."
        )
    if not move_status(order, new_status, from_states=OrderStatus.PENDING):
        return False
    _release_reserved(order)
    if release_use(order.id):
        record_event(order, "promo_released", f"Code {order.promo_code}: its use given back.")
    _start_new_checkout(order.cart_id)
    record_event(order, str(new_status), reason)
    db.session.flush()
    db.session.refresh(order)
    return True


def _release_reserved(order: Order) -> None:
    for line in order.lines:
        if line.variant_id is None:
            continue
        free_now = db.session.scalar(
            update(Variant)
            .where(Variant.id == line.variant_id, Variant.reserved >= line.quantity)
            .values(reserved=Variant.reserved - line.quantity)
            .returning(Variant.on_hand - Variant.reserved)
            .execution_options(synchronize_session=False)
        )
        if free_now is not None:
            announce_freed_units(line.variant_id, line.quantity, free_now)


def release_lapsed_reservations(variant_ids: Iterable[int]) -> int:
    """End the unpaid checkouts holding any of these sizes whose payment window passed
    more than LAPSE_GRACE ago, and give their stock back (flushes, no commit). Returns how
    many were ended.

    The release-expired job does this for every order, but stock must not stay held
    when it has not run: this is called whenever a size shows fewer units free than a
    shopper wants (adding to the basket, the basket page, a product page with a sold-out
    size) and before stock is reserved at checkout. In the usual case nothing is short,
    so it is not called and costs no query.

    It is safe without asking the payment provider first: a payment session is opened
    with its expires_at set to the order's payment_expires_at, and neither Stripe nor the
    demo provider takes a payment after it, so no session of these orders can still be
    paid (LAPSE_GRACE allows for the clocks). The order leaves pending through one
    conditional UPDATE, so a payment recorded at the same moment and this release cannot
    both win. A payment Stripe reports later all the same (a session completed just before
    its deadline whose webhook comes late, or a bank payment that clears days later) is
    still recorded, by record_payment's "paid after release" path, which takes the stock
    then and flags the order if there is not enough.
    """
    cutoff = utcnow() - LAPSE_GRACE
    holding = select(OrderLine.order_id).where(OrderLine.variant_id.in_(list(variant_ids)))
    lapsed = db.session.scalars(
        select(Order)
        .where(
            Order.status == OrderStatus.PENDING,
            Order.payment_expires_at < cutoff,
            Order.id.in_(holding),
        )
        .options(selectinload(Order.lines))
    ).all()
    return sum(
        release_unpaid(order, OrderStatus.EXPIRED, "Payment window passed; stock released.")
        for order in lapsed
    )


# Shipping ------------------------------------------------------------------------------


def ship_order(order: Order, *, carrier: str, tracking_number: str, tracking_url: str) -> bool:
    """Mark a paid order as shipped with its parcel's details (flushes, no commit), and
    send `order_shipped` after the commit.

    One conditional UPDATE from "not shipped" while the order is paid, so of two members
    of staff pressing the button at once (or one pressing it twice) only one ships the
    order. Returns False when it was already shipped or is not paid; the order is read
    again either way, so the caller can tell which.
    """
    shipped = move_fulfilment(
        order,
        FulfilmentStatus.SHIPPED,
        carrier=carrier,
        tracking_number=tracking_number,
        tracking_url=tracking_url,
        shipped_at=utcnow(),
    )
    db.session.refresh(order)
    if shipped:
        send_after_commit(order_shipped, order_id=order.id)
    return shipped


# Refunds -------------------------------------------------------------------------------


def refund_cap_pence(order: Order) -> int:
    """The most an order can be refunded in all: what was paid (never more than its total)."""
    paid = order.amount_paid_pence if order.amount_paid_pence is not None else order.total_pence
    return max(min(paid, order.total_pence), 0)


def record_refund(order: Order, refund: Refund, restock: dict[int, int]) -> dict[str, int]:
    """Record a refund the payment provider made (flushes, no commit): add it to the
    order's refunded total, mark the order refunded once all that was paid has been given
    back, put `restock` (order line id -> units) back on hand, and send `order_refunded`
    after the commit.

    The caller holds the order's row lock and has checked the refund against the order
    (shop.orders.refunds). Returns SKU -> units put back into stock.
    """
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(refunded_pence=Order.refunded_pence + refund.amount_pence, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order, ["refunded_pence", "status", "amount_paid_pence", "total_pence"])
    if order.refunded_pence >= refund_cap_pence(order):
        move_status(order, OrderStatus.REFUNDED, from_states=OrderStatus.PAID)
    restocked = _restock(order, restock)
    db.session.refresh(order, ["status", "refunded_pence", "updated_at"])
    send_after_commit(
        order_refunded, order_id=order.id, refund_id=refund.id, amount_pence=refund.amount_pence
    )
    return restocked


def record_provider_refunds(order: Order, refunded_total: int) -> bool:
    """Bring the order's refunded total up to what the payment provider reports it has
    refunded in all, refunds made at the provider included (flushes, no commit).

    Never lowers it, so a refund made in the back office is never counted twice: a
    report that includes it finds the total already there. Marks the order refunded
    when it reaches what was paid. Returns True if the total changed. Sends no
    `order_refunded`: there is no refund of ours to speak of.
    """
    refunded = min(refunded_total, order.total_pence)
    result = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.refunded_pence < refunded)
        .values(refunded_pence=refunded, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(order)
    if refunded >= refund_cap_pence(order):
        move_status(order, OrderStatus.REFUNDED, from_states=OrderStatus.PAID)
        if (
            order.promo_code
            and order.fulfilment_status == FulfilmentStatus.UNFULFILLED
            and give_back_use(order.id)
        ):
            record_event(
                order,
                "promo_released",
                f"Code {order.promo_code}: its use given back (refunded in full before "
                "shipping, at Stripe).",
            )
    record_event(order, "refunded", f"Refunded at Stripe: {refunded} pence in total.")
    db.session.flush()
    db.session.refresh(order)
    return True


def _restock(order: Order, restock: dict[int, int]) -> dict[str, int]:
    """Put units back on hand, one conditional UPDATE per line; returns SKU -> units."""
    lines = {line.id: line for line in order.lines}
    restocked: dict[str, int] = {}
    for line_id, quantity in sorted(restock.items()):
        line = lines[line_id]
        if line.variant_id is None:
            continue
        free_now = db.session.scalar(
            update(Variant)
            .where(Variant.id == line.variant_id)
            .values(on_hand=Variant.on_hand + quantity)
            .returning(Variant.on_hand - Variant.reserved)
            .execution_options(synchronize_session=False)
        )
        if free_now is not None:
            restocked[line.sku] = restocked.get(line.sku, 0) + quantity
            announce_freed_units(line.variant_id, quantity, free_now)
    return restocked
