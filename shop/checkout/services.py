"""Checkout rules: turn a basket into an order, reserve stock, take payment, release stock.

Stock moves only through conditional UPDATEs whose row count is checked, which is
atomic on SQLite and PostgreSQL alike. A reservation is released only once the
payment session can no longer be paid.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from shop.cart.models import Cart
from shop.cart.services import empty_cart, free_lapsed_stock, summarise
from shop.cart.shipping import find_shipping_option
from shop.catalogue.models import Variant
from shop.checkout.models import PaymentEvent
from shop.checkout.payments import (
    CheckoutRequest,
    PaymentError,
    PaymentSession,
    get_gateway,
)
from shop.extensions import db
from shop.models import utcnow
from shop.orders.models import LAPSE_GRACE, Order, OrderLine, OrderStatus
from shop.orders.services import order_number_for, record_event

log = logging.getLogger(__name__)

# Stripe wants expires_at at least 30 minutes ahead when the session is created;
# a minute more allows for the time the request takes to arrive.
PAYMENT_WINDOW = timedelta(minutes=31)
RELEASED = (OrderStatus.EXPIRED, OrderStatus.CANCELLED, OrderStatus.FAILED)


class CheckoutError(Exception):
    """Checkout cannot go ahead; the message is for the shopper, whose basket is kept."""


class SoldOut(CheckoutError):
    pass


def checkout_key(cart: Cart, summary) -> str:
    """The same basket checked out twice (a double click) gives the same key."""
    parts = [cart.token, str(cart.checkout_attempt), summary.shipping.option.code]
    parts += [f"{ln.variant.id}x{ln.quantity}@{ln.unit_price_pence}" for ln in summary.lines]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def existing_order(key: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.checkout_key == key))


class EarlierCheckoutPaid(CheckoutError):
    """The basket's earlier checkout turned out to be paid when the shop went to end it."""

    def __init__(self, order: Order):
        super().__init__(
            f"Your earlier checkout of this basket has been paid: order {order.number}."
        )
        self.order = order


class TooManyCheckouts(CheckoutError):
    pass


def client_key(address: str | None) -> str | None:
    """A keyed hash (HMAC-SHA256 with SECRET_KEY) of a client's address, to count its
    unpaid checkouts without keeping the address itself."""
    if not address:
        return None
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()


def _resumable(order: Order) -> bool:
    """Whether a checkout can be carried on (a double click): unpaid, with its payment
    page still open."""
    return order.status == OrderStatus.PENDING and order.payment_expires_at > utcnow()


def end_earlier_checkouts(cart: Cart) -> None:
    """End the basket's unpaid checkouts other than the one a double click would carry
    on, so a basket holds stock for one checkout at a time (commits).

    Each is ended as the shopper's Cancel would end it: its payment session is expired
    at the provider first, then its stock released (one whose payment window has passed
    is released at once: see release_lapsed_reservations). Raises CheckoutError, with the
    basket unchanged, when that cannot be done (the provider is unreachable, or the
    earlier session is completing), and EarlierCheckoutPaid when it turns out paid.
    """
    pending = db.session.scalars(
        select(Order)
        .where(Order.cart_id == cart.id, Order.status == OrderStatus.PENDING)
        .order_by(Order.id)
    ).all()
    if not pending:
        return
    summary = summarise(cart)
    key = checkout_key(cart, summary) if summary.lines else None
    cutoff = utcnow() - LAPSE_GRACE
    for order in pending:
        if order.checkout_key == key and _resumable(order):
            continue
        if order.payment_expires_at < cutoff:
            release_order(order, OrderStatus.EXPIRED, "Payment window passed; stock released.")
            db.session.commit()
            continue
        try:
            ended = end_checkout(
                order, OrderStatus.CANCELLED, "The basket was checked out again, changed."
            )
        except PaymentError as exc:
            db.session.rollback()
            raise CheckoutError(
                "We could not reach the payment provider to close your earlier checkout of "
                "this basket, so we have not started another. Nothing was charged and your "
                "basket is kept: please try again in a moment."
            ) from exc
        if ended.status == OrderStatus.PAID:
            raise EarlierCheckoutPaid(ended)
        if ended.status == OrderStatus.PENDING:
            raise CheckoutError(
                "Your earlier checkout of this basket is still being paid, so we have not "
                "started another. Please wait for its confirmation, or try again in a few "
                "minutes."
            )


def _next_attempt(cart: Cart) -> None:
    """Count a new checkout attempt for the basket, so its key names a new order. One
    conditional UPDATE: two tabs doing this at once agree on the same attempt."""
    seen = cart.checkout_attempt
    db.session.execute(
        update(Cart)
        .where(Cart.id == cart.id, Cart.checkout_attempt == seen)
        .values(checkout_attempt=seen + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(cart, ["checkout_attempt"])


def _hold_client_lock(key: str) -> None:
    """Make checkouts from one client take turns while their open checkouts are counted.
    PostgreSQL: an advisory lock held to the end of the transaction. SQLite needs none:
    the order written just before already holds its only writer's lock."""
    if db.session.get_bind(Order).dialect.name == "postgresql":
        number = int.from_bytes(bytes.fromhex(key[:16]), "big", signed=True)
        db.session.execute(select(func.pg_advisory_xact_lock(number)))


def _check_open_checkouts(order: Order) -> None:
    """Refuse a checkout that would give its client more than CHECKOUT_OPEN_PER_CLIENT
    unpaid checkouts with their payment pages open (0: no limit)."""
    limit = current_app.config.get("CHECKOUT_OPEN_PER_CLIENT", 0)
    if not limit or not order.client_key:
        return
    _hold_client_lock(order.client_key)
    open_checkouts = db.session.scalar(
        select(func.count())
        .select_from(Order)
        .where(
            Order.client_key == order.client_key,
            Order.status == OrderStatus.PENDING,
            Order.payment_expires_at > utcnow(),
        )
    )
    if open_checkouts > limit:
        minutes = int(PAYMENT_WINDOW.total_seconds() // 60)
        raise TooManyCheckouts(
            f"There are already {limit} checkouts waiting for payment from your connection. "
            "Please pay for or cancel one of them first, or try again once one has closed "
            f"(a checkout stays open for {minutes} minutes)."
        )


def place_order(cart: Cart, email: str = "", client_address: str | None = None) -> Order:
    """Create a pending order from the basket and reserve its stock (flushes, no commit).

    The same basket checked out again while its payment page is open (a double click)
    gets the order already placed; an order that is paid, cancelled, expired or failed
    is never returned: the basket starts a new one. Call end_earlier_checkouts first.

    Raises CheckoutError when the basket can't be bought as it stands, SoldOut when
    stock ran out, and TooManyCheckouts when `client_address` already has its share of
    open checkouts; the caller rolls back and the basket is unchanged.
    """
    summary = summarise(cart)
    if not summary.lines:
        raise CheckoutError("Your basket is empty.")
    key = checkout_key(cart, summary)
    already = existing_order(key)
    while already is not None and already.status != OrderStatus.PENDING:
        # This key's order is over (paid, say): a new checkout is a new order.
        _next_attempt(cart)
        key = checkout_key(cart, summary)
        already = existing_order(key)
    if already is not None:
        # The same basket is already being checked out (a double click). Its own
        # reservation may hold the last units, so look before checking the stock.
        return already
    short = [line.variant for line in summary.lines if line.quantity > line.available]
    if short and free_lapsed_stock(short):
        summary = summarise(cart)
    if summary.problems:
        raise basket_problem(summary.problems)
    option = summary.shipping.option
    order = Order(
        access_token=secrets.token_urlsafe(32),
        checkout_key=key,
        status=OrderStatus.PENDING,
        cart_id=cart.id,
        email=email,
        currency=summary.currency,
        subtotal_pence=summary.subtotal_pence,
        shipping_pence=summary.shipping_pence,
        total_pence=summary.total_pence,
        shipping_code=option.code,
        shipping_name=option.name,
        payment_provider=get_gateway().name,
        payment_expires_at=utcnow() + PAYMENT_WINDOW,
        client_key=client_key(client_address),
    )
    order.lines = [
        OrderLine(
            variant_id=line.variant.id,
            product_name=line.product.name,
            size_label=line.variant.size_label,
            sku=line.variant.sku,
            unit_price_pence=line.unit_price_pence,
            quantity=line.quantity,
        )
        for line in summary.lines
    ]
    db.session.add(order)
    db.session.flush()  # a second identical checkout stops here on the unique key
    order.number = order_number_for(order.id)
    _check_open_checkouts(order)
    sold_out = []
    # Sizes are reserved in id order, so two checkouts sharing sizes never wait for
    # each other's rows the other way round (a deadlock on PostgreSQL).
    for line in sorted(summary.lines, key=lambda ln: ln.variant.id):
        if reserve_stock(line.variant.id, line.quantity):
            continue
        # A lapsed checkout may hold what is missing: end it and try once more.
        if release_lapsed_reservations([line.variant.id]) and reserve_stock(
            line.variant.id, line.quantity
        ):
            continue
        sold_out.append(f"{line.product.name} ({line.variant.size_label})")
    if sold_out:
        raise SoldOut(
            "Sorry, someone bought the last of "
            + ", ".join(sold_out)
            + " while you were checking out. Your basket is as you left it: please lower "
            "the quantity or remove the item."
        )
    record_event(order, "placed", f"Order placed: {len(order.lines)} line(s), stock reserved.")
    db.session.flush()
    return order


def basket_problem(problems) -> CheckoutError:
    """Say which items stop the checkout (SoldOut when stock ran short), by name."""
    reasons, short = [], False
    for line in problems:
        name = f"{line.product.name} ({line.variant.size_label})"
        if not line.variant.is_active or not line.product.is_active:
            reasons.append(f"{name} is no longer sold")
        elif line.available <= 0:
            reasons.append(f"{name} is sold out")
            short = True
        elif line.quantity > line.available:
            reasons.append(f"only {line.available} of {name} left")
            short = True
        else:
            reasons.append(f"{name}: one order can hold at most {line.most_per_order}")
    message = "Some items in your basket need your attention first: " + "; ".join(reasons) + "."
    return SoldOut(message) if short else CheckoutError(message)


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


def _release_reservations(order: Order) -> None:
    for line in order.lines:
        if line.variant_id is None:
            continue
        db.session.execute(
            update(Variant)
            .where(Variant.id == line.variant_id, Variant.reserved >= line.quantity)
            .values(reserved=Variant.reserved - line.quantity)
            .execution_options(synchronize_session=False)
        )


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


def _move_status(order_id: int, from_states, to_state: OrderStatus, **values) -> bool:
    """Change an order's status only from the given states; True if this call changed it."""
    result = db.session.execute(
        update(Order)
        .where(Order.id == order_id, Order.status.in_([str(s) for s in from_states]))
        .values(status=str(to_state), updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release_order(order: Order, new_status: OrderStatus, reason: str) -> bool:
    """End an unpaid order and give its reserved stock back (flushes, no commit).

    Only call this once the payment session can no longer be paid. Returns False
    when the order was not pending (already released or paid): nothing changes.
    """
    if not _move_status(order.id, [OrderStatus.PENDING], new_status):
        return False
    _release_reservations(order)
    if order.cart_id is not None:
        db.session.execute(
            update(Cart)
            .where(Cart.id == order.cart_id)
            .values(checkout_attempt=Cart.checkout_attempt + 1)
            .execution_options(synchronize_session=False)
        )
    record_event(order, str(new_status), reason)
    db.session.flush()
    db.session.refresh(order)
    return True


@dataclass
class CheckoutUrls:
    success: str
    cancel_for: Callable[[Order], str]


def start_payment(order: Order, urls: CheckoutUrls) -> str:
    """Open the payment page for a pending order and return its address (commits).

    The idempotency key is the order's checkout key, so a second click on the same
    basket gets the same payment session. If the provider fails, the reservation
    is released and CheckoutError is raised.
    """
    # Two requests for the same order (a double click) take turns here: this UPDATE
    # holds the order's row lock (SQLite's write lock) until the session is stored and
    # committed, so the second request finds that session instead of opening another
    # (Stripe answers a concurrent reuse of an idempotency key with an error, which
    # would otherwise release the stock of a session that can still be paid).
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    if order.payment_url and order.payment_session_id:
        db.session.commit()
        return order.payment_url
    if order.status != OrderStatus.PENDING:
        db.session.commit()
        raise CheckoutError("That checkout has ended. Please try again.")
    option = find_shipping_option(order.shipping_code)
    request = CheckoutRequest(
        order=order,
        success_url=urls.success,
        cancel_url=urls.cancel_for(order),
        idempotency_key=order.checkout_key,
        delivery_days=(option.min_days, option.max_days),
    )
    gateway = get_gateway()
    try:
        session = gateway.create_session(request)
    except PaymentError as exc:
        # Released while the lock is still held: no other request can be opening a
        # session for this order in the meantime.
        release_order(order, OrderStatus.FAILED, f"Payment could not start: {exc}")
        db.session.commit()
        raise CheckoutError(str(exc)) from exc
    order.payment_session_id = session.id
    order.payment_url = session.url
    record_event(order, "payment_started", f"Payment session {session.id} opened.")
    db.session.commit()
    return session.url


def find_order_for_session(session: PaymentSession) -> Order | None:
    order = db.session.scalar(select(Order).where(Order.payment_session_id == session.id))
    if order is None and session.order_id is not None:
        order = db.session.get(Order, session.order_id)
        if order is not None and order.payment_session_id not in (None, session.id):
            return None  # metadata pointing at someone else's order
    return order


def fulfil_paid_session(session_id: str) -> Order | None:
    """Record the payment of a checkout session, exactly once (commits).

    Called from the webhook and from the success page, possibly both at once: the
    status change from pending to paid is one conditional UPDATE, so only one
    caller turns reservations into sales, and only one queues the confirmation
    email (in the same transaction; the task queue sends it after the commit).
    Returns the order (paid or not yet), or None when the session is not ours.
    """
    session = get_gateway().retrieve_session(session_id)
    order = find_order_for_session(session)
    if order is None:
        log.warning("Payment session %s matches no order", session_id)
        return None
    if not session.is_paid:
        return order

    paid = dict(
        paid_at=utcnow(),
        payment_session_id=session.id,
        payment_intent_id=session.payment_intent_id,
        amount_paid_pence=session.amount_total,
    )
    if _move_status(order.id, [OrderStatus.PENDING], OrderStatus.PAID, **paid):
        _sell_reserved(order)
        _record_payment(order, session)
    elif _move_status(order.id, RELEASED, OrderStatus.PAID, **paid):
        # Paid after its stock was released (a late asynchronous payment).
        short = _sell_unreserved(order)
        _record_payment(order, session)
        if short:
            record_event(
                order,
                "stock_short",
                "Paid after release; not enough stock of: "
                + ", ".join(short)
                + ". Please check before shipping.",
            )
    else:
        db.session.rollback()
        return db.session.get(Order, order.id)
    send_order_confirmation(order)
    db.session.commit()
    return order


def _record_payment(order: Order, session: PaymentSession) -> None:
    db.session.refresh(order)
    if session.customer_email:
        order.email = session.customer_email
    address = session.shipping_address
    if address is not None:
        order.ship_to_name = address.name
        order.ship_to_line1 = address.line1
        order.ship_to_line2 = address.line2
        order.ship_to_city = address.city
        order.ship_to_postcode = address.postcode
        order.ship_to_country = address.country
    if session.amount_total is not None and session.amount_total != order.total_pence:
        record_event(
            order,
            "amount_mismatch",
            f"Paid {session.amount_total} pence, expected {order.total_pence}.",
        )
    record_event(order, "paid", f"Payment received ({session.payment_intent_id}).")
    if order.cart_id is not None:
        empty_cart(order.cart_id)
        # What the shopper puts in the basket next is a new order, even the same items.
        db.session.execute(
            update(Cart)
            .where(Cart.id == order.cart_id)
            .values(checkout_attempt=Cart.checkout_attempt + 1)
            .execution_options(synchronize_session=False)
        )


def send_order_confirmation(order: Order) -> bool:
    """Queue the confirmation email once per order, whoever asks and however often (flushes).

    `fulfil_paid_session` calls it in the transaction that records the payment, so
    the email is in the outbox the moment the order is paid, and the task queue
    delivers it (trying again for hours if the mail server is away). The timeline
    says it was queued, then sent or given up. Mail trouble, even a template that
    cannot be rendered, never undoes the payment: it is recorded on the order.
    """
    from shop.mail import send_email
    from shop.orders.services import order_url

    claimed = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.confirmation_sent_at.is_(None))
        .values(confirmation_sent_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    if not order.email:
        record_event(order, "email_skipped", "No email address to send the confirmation to.")
        return False
    try:
        send_email(
            order.email,
            f"Your order {order.number} is confirmed",
            "email/order_confirmation",
            kind="order_confirmation",
            label="Confirmation",
            dedupe_key=f"order-confirmation:{order.id}",
            order_id=order.id,
            order=order,
            order_url=order_url(order),
        )
    except Exception:  # noqa: BLE001 - mail trouble must not undo a paid order
        log.exception("Could not queue the confirmation for order %s", order.id)
        db.session.execute(
            update(Order).where(Order.id == order.id).values(confirmation_sent_at=None)
        )
        record_event(order, "email_failed", "The confirmation email could not be queued.")
        return False
    record_event(order, "email_queued", f"Confirmation queued for {order.email}.")
    return True


def end_checkout(order: Order, new_status: OrderStatus, reason: str) -> Order:
    """Stop an unpaid checkout: expire the session first, then release stock (commits).

    If the session turns out to be paid, the order is fulfilled instead.
    """
    if order.status != OrderStatus.PENDING:
        return order
    if order.payment_session_id:
        session = get_gateway().expire_session(order.payment_session_id)
        db.session.commit()
        if session.is_paid:
            return fulfil_paid_session(session.id) or order
        if session.status != "expired":
            return order  # still payable: keep the reservation
    release_order(order, new_status, reason)
    db.session.commit()
    return order


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
    still fulfilled, by fulfil_paid_session's "paid after release" path, which takes the
    stock then and flags the order if there is not enough.
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
        release_order(order, OrderStatus.EXPIRED, "Payment window passed; stock released.")
        for order in lapsed
    )


def release_expired_orders(grace: timedelta = LAPSE_GRACE) -> dict[str, int]:
    """End pending orders whose payment window has passed (for the CLI and a scheduler)."""
    cutoff = utcnow() - grace
    orders = db.session.scalars(
        select(Order).where(Order.status == OrderStatus.PENDING, Order.payment_expires_at < cutoff)
    ).all()
    counts = {"released": 0, "paid": 0, "kept": 0, "errors": 0}
    for order in orders:
        try:
            result = end_checkout(order, OrderStatus.EXPIRED, "Payment window passed.")
        except PaymentError:
            db.session.rollback()
            counts["errors"] += 1
            continue
        db.session.refresh(result)
        key = {"paid": "paid", "expired": "released"}.get(result.status, "kept")
        counts[key] += 1
    return counts


WEBHOOK_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
}
SESSION_EVENTS = {event for event in WEBHOOK_EVENTS if event.startswith("checkout.session.")}
# Stripe's ids are letters, digits and underscores, its event types the same with dots;
# anything else (a NUL, say, which PostgreSQL cannot store) is not one.
_STRIPE_ID = re.compile(r"[A-Za-z0-9_]{1,255}")
_EVENT_TYPE = re.compile(r"[A-Za-z0-9_.]{1,100}")


class MalformedEvent(Exception):
    """A correctly signed webhook event without a field the shop needs; the message says
    which, for the answer and the log."""


@dataclass(frozen=True)
class WebhookEvent:
    """The parts of a Stripe event the shop acts on, checked by `read_event`."""

    id: str
    type: str
    object: dict


def _is_stripe_id(value) -> bool:
    return isinstance(value, str) and _STRIPE_ID.fullmatch(value) is not None


def read_event(event) -> WebhookEvent:
    """Check that a verified event has what acting on it needs, and return those parts.

    Every event needs an id, a type and a `data.object`; the checkout session events
    need the session's id, and `charge.refunded` a payment intent (or none) and a
    refunded amount in pence. Raises MalformedEvent saying what is missing.
    """
    if not isinstance(event, dict):
        raise MalformedEvent("the event is not a JSON object")
    if not _is_stripe_id(event.get("id")):
        raise MalformedEvent("the event has no id")
    event_type = event.get("type")
    if not isinstance(event_type, str) or not _EVENT_TYPE.fullmatch(event_type):
        raise MalformedEvent("the event has no type")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise MalformedEvent("the event has no data.object")
    if event_type in SESSION_EVENTS and not _is_stripe_id(obj.get("id")):
        raise MalformedEvent("data.object has no id")
    if event_type == "charge.refunded":
        intent = obj.get("payment_intent")
        if isinstance(intent, dict):
            intent = intent.get("id")
        if intent is not None and not _is_stripe_id(intent):
            raise MalformedEvent("data.object.payment_intent is not a payment intent id")
        amount = obj.get("amount_refunded", 0)
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise MalformedEvent("data.object.amount_refunded is not a whole number of pence")
    return WebhookEvent(id=event["id"], type=event_type, object=obj)


def handle_payment_event(event: WebhookEvent) -> str:
    """Act on one verified, well-formed webhook event, once. Returns what was done, for
    the log."""
    if db.session.get(PaymentEvent, event.id) is not None:
        return "duplicate"
    obj = event.object
    outcome = "ignored"
    if event.type in {"checkout.session.completed", "checkout.session.async_payment_succeeded"}:
        order = fulfil_paid_session(obj["id"])
        outcome = f"order {order.id} {order.status}" if order else "no order"
    elif event.type in {"checkout.session.async_payment_failed", "checkout.session.expired"}:
        session = get_gateway().retrieve_session(obj["id"])
        order = find_order_for_session(session)
        if order is not None and not session.is_paid and session.status != "open":
            failed = event.type.endswith("failed")
            release_order(
                order,
                OrderStatus.FAILED if failed else OrderStatus.EXPIRED,
                "The payment failed." if failed else "The payment session expired.",
            )
            outcome = f"order {order.id} released"
    elif event.type == "charge.refunded":
        outcome = record_refund_from_charge(obj)
    db.session.add(PaymentEvent(id=event.id, type=event.type))
    db.session.commit()
    return outcome


def record_refund_from_charge(charge: dict) -> str:
    """Bring an order's refunded total in line with Stripe's (refunds made at Stripe too)."""
    intent = charge.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    if not intent:
        return "no payment intent"
    order = db.session.scalar(select(Order).where(Order.payment_intent_id == str(intent)))
    if order is None:
        return "no order"
    refunded = min(int(charge.get("amount_refunded") or 0), order.total_pence)
    if refunded > order.refunded_pence:
        order.refunded_pence = refunded
        if refunded >= order.total_pence and order.status == OrderStatus.PAID:
            order.status = OrderStatus.REFUNDED
        record_event(order, "refunded", f"Refunded at Stripe: {refunded} pence in total.")
    return f"order {order.id} refunded {refunded}"
