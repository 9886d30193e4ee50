"""Checkout: a basket becomes an order, and the order goes to the payment provider.

`place_order` turns the basket into a pending order (its stock reserved by
shop.orders.lifecycle.place), within the limits on open checkouts; `start_payment`
opens the provider's payment page for it; `end_checkout` ends an unpaid checkout
(the shopper's Cancel, a basket checked out again, the release-expired command),
expiring its payment session before its stock is released. Every change of an order's
status and every stock movement is shop.orders.lifecycle's; recording a payment is
shop.payments.services.record_paid_session.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import func, select, update

from shop.cart.models import Cart
from shop.cart.services import free_lapsed_stock, summarise
from shop.cart.shipping import find_shipping_option
from shop.extensions import database_kind, db
from shop.models import utcnow
from shop.orders.lifecycle import place, release_unpaid
from shop.orders.models import LAPSE_GRACE, Order, OrderLine, OrderStatus
from shop.orders.services import order_number_for, record_event
from shop.payments.customers import paying_customer
from shop.payments.gateway import (
    CheckoutRequest,
    PaymentError,
    RecurringLine,
    SubscriptionTerms,
)
from shop.payments.providers import get_gateway
from shop.payments.services import record_paid_session
from shop.promotions.services import GUEST, Shopper
from shop.promotions.uses import Reserved, reserve_use
from shop.signals import checkout_started, send_after_commit
from shop.subscriptions.services import (
    SubscriptionError,
    start_subscription,
    subscription_for_first_order,
)
from shop.text import new_token

if TYPE_CHECKING:
    from shop.accounts.models import Customer

# Stripe wants expires_at at least 30 minutes ahead when the session is created;
# a minute more allows for the time the request takes to arrive.
PAYMENT_WINDOW = timedelta(minutes=31)


class CheckoutError(Exception):
    """Checkout cannot go ahead; the message is for the shopper, whose basket is kept."""


class SoldOut(CheckoutError):
    pass


class CodeRefused(CheckoutError):
    """The basket's promo code cannot be used (used up meanwhile, say): the shopper gets
    the basket back without it."""


def checkout_key(cart: Cart, summary) -> str:
    """The same basket checked out twice (a double click) gives the same key."""
    parts = [cart.token, str(cart.checkout_attempt), summary.shipping.option.code]
    parts += [
        f"{ln.variant.id}x{ln.quantity}@{ln.unit_price_pence}"
        + (f"/every{ln.subscribe_every}" if ln.subscribe_every else "")
        for ln in summary.lines
    ]
    if summary.promotion is not None:
        parts.append(f"code:{summary.promotion.code}-{summary.discount_pence}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def existing_order(key: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.checkout_key == key))


def order_being_checked_out(cart: Cart, shopper: Shopper = GUEST) -> Order | None:
    """The order the basket, as it stands, is being checked out as (a double click that
    lost the race to place it finds it here)."""
    return existing_order(checkout_key(cart, summarise(cart, shopper)))


class EarlierCheckoutPaid(CheckoutError):
    """The basket's earlier checkout turned out to be paid when the shop went to end it."""

    def __init__(self, order: Order):
        super().__init__(
            f"Your earlier checkout of this basket has been paid: order {order.number}."
        )
        self.order = order


class TooManyCheckouts(CheckoutError):
    pass


class SignInToSubscribe(CheckoutError):
    """A basket with subscription lines is checked out by a signed-in customer only."""

    def __init__(self):
        super().__init__("Please sign in to subscribe: your basket is kept.")


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


def end_earlier_checkouts(cart: Cart, shopper: Shopper = GUEST) -> None:
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
    summary = summarise(cart, shopper)
    key = checkout_key(cart, summary) if summary.lines else None
    cutoff = utcnow() - LAPSE_GRACE
    for order in pending:
        if order.checkout_key == key and _resumable(order):
            continue
        if order.payment_expires_at < cutoff:
            release_unpaid(order, OrderStatus.EXPIRED, "Payment window passed; stock released.")
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
    if database_kind() == "postgresql":
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


def place_order(
    cart: Cart, email: str = "", client_address: str | None = None, shopper: Shopper = GUEST
) -> Order:
    """Create a pending order from the basket and reserve its stock (flushes, no commit).

    `email` is a signed-in customer's verified address (the order is then theirs, and
    keeps that address whatever the payment page reports); a guest's order has none
    until the payment provider reports the address typed there.

    The same basket checked out again while its payment page is open (a double click)
    gets the order already placed; an order that is paid, cancelled, expired or failed
    is never returned: the basket starts a new one. Call end_earlier_checkouts first.

    Raises CheckoutError when the basket can't be bought as it stands, SoldOut when
    stock ran out, and TooManyCheckouts when `client_address` already has its share of
    open checkouts; the caller rolls back and the basket is unchanged. The basket's
    promo code is checked for `shopper` and one of its uses held with the stock;
    CodeRefused when it no longer applies or none is left (the caller takes it off).
    """
    summary = summarise(cart, shopper)
    if not summary.lines:
        raise CheckoutError("Your basket is empty.")
    if summary.has_subscription and (shopper.customer_id is None or not email):
        raise SignInToSubscribe()
    if summary.promo_problem is not None:
        raise CodeRefused(
            f"{summary.promo_problem} We have taken it off your basket: please check the "
            "total and check out again."
        )
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
        summary = summarise(cart, shopper)
    if summary.problems:
        raise basket_problem(summary.problems)
    option = summary.shipping.option
    order = Order(
        access_token=new_token(),
        checkout_key=key,
        cart_id=cart.id,
        email=email,
        currency=summary.currency,
        subtotal_pence=summary.subtotal_pence,
        shipping_pence=summary.shipping_pence,
        promo_code=summary.promotion.code if summary.promotion else None,
        discount_pence=summary.discount_pence,
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
            discount_pence=line.discount_pence,
        )
        for line in summary.lines
    ]
    db.session.add(order)
    db.session.flush()  # a second identical checkout stops here on the unique key
    order.number = order_number_for(order.id)
    _check_open_checkouts(order)
    sold_out = place(order)  # pending (the model's default), its stock reserved
    product_ids = tuple(sorted({line.product.id for line in summary.lines}))
    send_after_commit(checkout_started, order_id=order.id, product_ids=product_ids)
    if sold_out:
        raise SoldOut(
            "Sorry, someone bought the last of "
            + ", ".join(f"{line.product_name} ({line.size_label})" for line in sold_out)
            + " while you were checking out. Your basket is as you left it: please lower "
            "the quantity or remove the item."
        )
    if summary.promotion is not None:
        hold_code(order, summary, shopper)
    if summary.has_subscription:
        try:
            start_subscription(
                order,
                summary.subscription_lines,
                customer_id=shopper.customer_id,
                email=email,
                provider=order.payment_provider,
            )
        except SubscriptionError as exc:
            raise CheckoutError(str(exc)) from exc
    return order


def hold_code(order: Order, summary, shopper: Shopper) -> None:
    """Hold one use of the basket's code for the order, as its stock is held (flushes);
    CodeRefused when there is none left for this shopper."""
    applied = summary.promotion
    held = reserve_use(
        applied.promotion,
        order.id,
        customer_id=shopper.customer_id,
        email=shopper.email,
        discount_pence=applied.discount_pence,
        shipping_discount_pence=summary.shipping_discount_pence,
    )
    if held == Reserved.USED_BY_YOU:
        raise CodeRefused(
            f"You have already used the code {applied.code}, so we have taken it off your "
            "basket: please check the total and check out again."
        )
    if held != Reserved.OK:
        raise CodeRefused(
            f"Sorry, the code {applied.code} has just been used up, so we have taken it off "
            "your basket: please check the total and check out again."
        )
    record_event(order, "promo_held", f"Code {applied.code}: one use held for this checkout.")


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


@dataclass
class CheckoutUrls:
    success: str
    cancel_for: Callable[[Order], str]


def start_payment(order: Order, urls: CheckoutUrls, account: Customer | None = None) -> str:
    """Open the payment page for a pending order and return its address (commits).

    The idempotency key is the order's checkout key, so a second click on the same
    basket gets the same payment session. If the provider fails, the reservation
    is released and CheckoutError is raised. With a signed-in `account`, the provider is
    told who is paying (with Stripe, the account's Stripe Customer, made the first time:
    shop.payments.customers).
    """
    # Before the order's lock is taken: making the customer takes the account's.
    payer = paying_customer(account) if account is not None else None
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
        customer=payer,
        subscription=subscription_terms(order),
    )
    gateway = get_gateway()
    try:
        session = gateway.create_session(request)
    except PaymentError as exc:
        # Released while the lock is still held: no other request can be opening a
        # session for this order in the meantime.
        release_unpaid(order, OrderStatus.FAILED, f"Payment could not start: {exc}")
        db.session.commit()
        raise CheckoutError(str(exc)) from exc
    order.payment_session_id = session.id
    order.payment_url = session.url
    record_event(order, "payment_started", f"Payment session {session.id} opened.")
    db.session.commit()
    return session.url


def subscription_terms(order: Order) -> SubscriptionTerms | None:
    """What the order's checkout starts besides paying: its subscription's interval, the
    order lines that recur, and each renewal's delivery charge (never more than this
    order's); None for an order that starts none."""
    subscription = subscription_for_first_order(order.id)
    if subscription is None:
        return None
    recurring = {item.variant_id: item for item in subscription.items}
    lines = tuple(
        RecurringLine(order_line_id=line.id, unit_price_pence=line.unit_price_pence)
        for line in order.lines
        if line.variant_id in recurring
    )
    per_delivery = sum(item.total_pence for item in subscription.items)
    shipping = find_shipping_option(subscription.shipping_code).price_for(per_delivery)
    return SubscriptionTerms(
        subscription_id=subscription.id,
        interval_months=subscription.interval_months,
        lines=lines,
        shipping_pence=min(shipping, order.shipping_pence),
    )


def end_checkout(order: Order, new_status: OrderStatus, reason: str) -> Order:
    """Stop an unpaid checkout: expire the session first, then release stock (commits).

    If the session turns out to be paid, its payment is recorded instead.
    """
    if order.status != OrderStatus.PENDING:
        return order
    if order.payment_session_id:
        session = get_gateway().expire_session(order.payment_session_id)
        db.session.commit()
        if session.is_paid:
            return record_paid_session(session.id) or order
        if session.status != "expired":
            return order  # still payable: keep the reservation
    release_unpaid(order, new_status, reason)
    db.session.commit()
    return order


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
