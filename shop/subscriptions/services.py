"""Subscribe & save rules: a subscription starts with a checkout, renews on its date,
and its customer (or staff) skips, pauses, resumes, changes or cancels it.

Plain functions: they flush, never commit, and never touch the request. Every order a
subscription makes goes through shop.orders.lifecycle (stock reserved, sold, or the
order paid and waiting for stock); every change is on the subscription's timeline and
emailed through the one mailer.

With the demo provider the shop bills renewals itself (`renew_due_subscriptions`, run by
the renew-subscriptions command) and the customer's actions change the local record.
With Stripe, Stripe bills and its events (shop.subscriptions.billing) bring the record
in line.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import selectinload

from shop.cart.shipping import find_shipping_option
from shop.extensions import db
from shop.models import utcnow
from shop.orders.lifecycle import place, record_payment, record_payment_waiting_for_stock
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.orders.services import order_number_for, record_event
from shop.payments.demo import record_renewal_charge
from shop.payments.gateway import Address, PaymentSession
from shop.subscriptions import emails
from shop.subscriptions.models import (
    LIVE,
    Subscription,
    SubscriptionEvent,
    SubscriptionItem,
    SubscriptionOrder,
    SubscriptionStatus,
    every,
)
from shop.subscriptions.pricing import add_months
from shop.text import new_token

MAX_QUANTITY = 10
# How far ahead a pause may go.
MAX_PAUSE_DAYS = 183


class SubscriptionError(Exception):
    """A change that cannot be made; the message is for the customer."""


def record(subscription: Subscription, kind: str, message: str = "", actor: str = "") -> None:
    """Add an entry to the subscription's timeline (flushed with the session)."""
    db.session.add(
        SubscriptionEvent(subscription_id=subscription.id, kind=kind, message=message, actor=actor)
    )


# Starting: a checkout with subscription lines --------------------------------------------


def start_subscription(
    order: Order, lines, *, customer_id: int, email: str, provider: str
) -> Subscription:
    """The subscription a pending order starts (flushes): its items are the basket's
    subscription `lines` (cart LineSummary), at one interval. It stays pending until the
    order is paid (`activate_for_paid_order`). SubscriptionError when the lines do not
    share one interval (one subscription per checkout)."""
    intervals = {line.subscribe_every for line in lines}
    if len(intervals) != 1:
        raise SubscriptionError(
            "Subscription items in one basket need the same delivery interval: please "
            "choose one interval for all of them, or check them out one at a time."
        )
    existing = subscription_for_first_order(order.id)
    if existing is not None:
        return existing
    subscription = Subscription(
        customer_id=customer_id,
        email=email,
        status=SubscriptionStatus.PENDING,
        interval_months=intervals.pop(),
        currency=order.currency,
        shipping_code=order.shipping_code,
        provider=provider,
        first_order_id=order.id,
        items=[
            SubscriptionItem(
                variant_id=line.variant.id,
                product_name=line.product.name,
                size_label=line.variant.size_label,
                sku=line.variant.sku,
                unit_price_pence=line.unit_price_pence,
                quantity=line.quantity,
            )
            for line in lines
        ],
    )
    db.session.add(subscription)
    db.session.flush()
    record(subscription, "created", f"Started with order {order.number}; {subscription.every}.")
    return subscription


def subscription_for_first_order(order_id: int) -> Subscription | None:
    return db.session.scalar(select(Subscription).where(Subscription.first_order_id == order_id))


def activate_for_paid_order(
    order_id: int,
    *,
    provider_subscription_id: str | None = None,
    next_renewal_at: datetime | None = None,
) -> Subscription | None:
    """The first order of a subscription is paid: the subscription becomes active, with
    its first renewal one interval after the payment, or when the provider says (flushes).
    Once: a conditional UPDATE from pending; a second call only fills in what the
    provider reports. None when the order starts no subscription."""
    subscription = subscription_for_first_order(order_id)
    if subscription is None:
        return None
    order = db.session.get(Order, order_id)
    if order is None or order.status not in (OrderStatus.PAID, OrderStatus.REFUNDED):
        return subscription
    due = next_renewal_at or add_months(order.paid_at or utcnow(), subscription.interval_months)
    values = {"status": str(SubscriptionStatus.ACTIVE), "next_renewal_at": due}
    if provider_subscription_id:
        values["provider_subscription_id"] = provider_subscription_id
    result = db.session.execute(
        update(Subscription)
        .where(Subscription.id == subscription.id, Subscription.status == "pending")
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(subscription)
    if result.rowcount != 1:
        if provider_subscription_id and not subscription.provider_subscription_id:
            subscription.provider_subscription_id = provider_subscription_id
            if next_renewal_at:
                subscription.next_renewal_at = next_renewal_at
            db.session.flush()
        return subscription
    db.session.add(SubscriptionOrder(subscription_id=subscription.id, order_id=order.id, cycle=0))
    record(subscription, "active", f"First delivery paid (order {order.number}).")
    db.session.flush()
    emails.send_subscription_email(subscription, "started")
    return subscription


# Renewals ------------------------------------------------------------------------------


def _last_order(subscription: Subscription) -> Order | None:
    return db.session.scalar(
        select(Order)
        .join(SubscriptionOrder, SubscriptionOrder.order_id == Order.id)
        .where(SubscriptionOrder.subscription_id == subscription.id)
        .order_by(SubscriptionOrder.cycle.desc())
        .limit(1)
    )


def make_renewal_order(
    subscription: Subscription,
    cycle: int,
    *,
    payment_id: str,
    payment_intent_id: str,
    amount_paid_pence: int | None = None,
    provider_invoice_id: str | None = None,
) -> Order:
    """One renewal's order, paid (flushes, no commit): the subscription's items at its
    prices, delivered where its last order went. Stock is taken as for any order; when
    a size is short the order is still recorded, paid and waiting for stock (never a
    negative stock), and the customer is told by email.

    Unique per subscription and cycle and per provider invoice (SubscriptionOrder): a
    second call for the same renewal fails on the unique row (IntegrityError) and the
    caller, in its savepoint, rolls back.
    """
    items = [item for item in subscription.items if item.variant_id is not None]
    if not items:
        raise SubscriptionError("This subscription has nothing left to deliver.")
    subtotal = sum(item.total_pence for item in items)
    option = find_shipping_option(subscription.shipping_code)
    shipping = option.price_for(subtotal)
    key = hashlib.sha256(f"subscription:{subscription.id}:{cycle}".encode()).hexdigest()
    previous = _last_order(subscription)
    order = Order(
        access_token=new_token(),
        checkout_key=key,
        email=subscription.email,
        currency=subscription.currency,
        subtotal_pence=subtotal,
        shipping_pence=shipping,
        total_pence=subtotal + shipping,
        shipping_code=option.code,
        shipping_name=option.name,
        payment_provider=subscription.provider,
        payment_expires_at=utcnow(),
        lines=[
            OrderLine(
                variant_id=item.variant_id,
                product_name=item.product_name,
                size_label=item.size_label,
                sku=item.sku,
                unit_price_pence=item.unit_price_pence,
                quantity=item.quantity,
            )
            for item in items
        ],
    )
    db.session.add(order)
    db.session.flush()
    order.number = order_number_for(order.id)
    db.session.add(
        SubscriptionOrder(
            subscription_id=subscription.id,
            order_id=order.id,
            cycle=cycle,
            provider_invoice_id=provider_invoice_id,
        )
    )
    db.session.flush()  # a second renewal of the same cycle or invoice stops here
    record_event(order, "subscription", f"Renewal {cycle} of subscription {subscription.id}.")
    address = None
    if previous is not None and previous.has_address:
        address = Address(
            name=previous.ship_to_name,
            line1=previous.ship_to_line1,
            line2=previous.ship_to_line2,
            city=previous.ship_to_city,
            postcode=previous.ship_to_postcode,
            country=previous.ship_to_country,
        )
    payment = PaymentSession(
        id=payment_id,
        status="complete",
        payment_status="paid",
        order_id=order.id,
        amount_total=order.total_pence if amount_paid_pence is None else amount_paid_pence,
        currency=order.currency,
        payment_intent_id=payment_intent_id,
        customer_email=subscription.email,
        shipping_address=address,
    )
    with db.session.begin_nested() as savepoint:
        short = place(order)
        if short:
            savepoint.rollback()
    if short:
        record_payment_waiting_for_stock(order, payment)
        record(
            subscription,
            "waiting_for_stock",
            f"Renewal order {order.number} paid, waiting for stock of "
            + ", ".join(f"{line.product_name} ({line.size_label})" for line in short)
            + ".",
        )
        emails.send_subscription_email(subscription, "waiting_for_stock", order=order)
    else:
        record_payment(order, payment)
        record(subscription, "renewed", f"Renewal order {order.number} paid.")
    db.session.flush()
    db.session.refresh(order)
    return order


def due_demo_subscriptions(now: datetime) -> list[int]:
    """Ids of the subscriptions the shop bills itself whose renewal is due (paused ones
    whose pause has ended included)."""
    return list(
        db.session.scalars(
            select(Subscription.id)
            .where(
                Subscription.provider == "demo",
                Subscription.next_renewal_at <= now,
                or_(
                    Subscription.status == SubscriptionStatus.ACTIVE,
                    Subscription.status == SubscriptionStatus.PAUSED,
                ),
            )
            .order_by(Subscription.next_renewal_at, Subscription.id)
        )
    )


def renew_subscription(subscription_id: int, now: datetime) -> Order | None:
    """Bill one due subscription of the demo provider and make its renewal order (flushes,
    no commit). The renewal is claimed by one conditional UPDATE that moves the cycle and
    the next date on, so of two runs at once (two cron hosts) only one makes the order;
    the other is told None. A subscription whose cancellation takes effect at this date
    ends instead."""
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is None:
        return None
    seen_cycle, seen_due = subscription.cycle, subscription.next_renewal_at
    if seen_due is None or seen_due > now:
        return None
    if subscription.status == SubscriptionStatus.PAUSED:
        if subscription.paused_until is not None and subscription.paused_until > now:
            return None
        _resume(subscription, "Pause ended.", actor="")
        seen_due = subscription.next_renewal_at
    if subscription.cancel_at_period_end:
        _end(subscription, subscription.cancel_reason or "Cancelled by the customer.", "")
        return None
    claimed = db.session.execute(
        update(Subscription)
        .where(
            Subscription.id == subscription.id,
            Subscription.cycle == seen_cycle,
            Subscription.status == SubscriptionStatus.ACTIVE,
            Subscription.next_renewal_at == seen_due,
        )
        .values(
            cycle=seen_cycle + 1,
            next_renewal_at=add_months(seen_due, subscription.interval_months),
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    db.session.refresh(subscription)
    reference = f"demo_renewal_{subscription.id}_{seen_cycle + 1}_{secrets.token_hex(4)}"
    order = make_renewal_order(
        subscription, seen_cycle + 1, payment_id=reference, payment_intent_id=reference
    )
    record_renewal_charge(order.id, order.total_pence, order.currency, reference)
    return order


def renew_due_subscriptions(now: datetime | None = None) -> dict[str, int]:
    """Bill every demo subscription that is due, one transaction each (commits). Safe to
    run twice at once: each renewal is claimed once (renew_subscription)."""
    now = now or utcnow()
    counts = {"renewed": 0, "waiting_for_stock": 0, "skipped": 0}
    for subscription_id in due_demo_subscriptions(now):
        try:
            order = renew_subscription(subscription_id, now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            current_app.logger.exception("Renewing subscription %s failed", subscription_id)
            counts["skipped"] += 1
            continue
        if order is None:
            counts["skipped"] += 1
        elif order.fulfilment_status == "waiting_for_stock":
            counts["waiting_for_stock"] += 1
        else:
            counts["renewed"] += 1
    return counts


# Reminders -----------------------------------------------------------------------------


def send_renewal_reminders(now: datetime | None = None) -> int:
    """Email each active subscription whose renewal is within SUBSCRIPTION_REMINDER_DAYS,
    once per renewal date: claimed by a conditional UPDATE of `reminded_for` (commits
    each). Returns how many were sent."""
    now = now or utcnow()
    days = current_app.config["SUBSCRIPTION_REMINDER_DAYS"]
    due = db.session.scalars(
        select(Subscription)
        .where(
            Subscription.status == SubscriptionStatus.ACTIVE,
            Subscription.cancel_at_period_end.is_(False),
            Subscription.next_renewal_at > now,
            Subscription.next_renewal_at <= now + timedelta(days=days),
            or_(
                Subscription.reminded_for.is_(None),
                Subscription.reminded_for != Subscription.next_renewal_at,
            ),
        )
        .options(selectinload(Subscription.items))
    ).all()
    sent = 0
    for subscription in due:
        claimed = db.session.execute(
            update(Subscription)
            .where(
                Subscription.id == subscription.id,
                Subscription.next_renewal_at == subscription.next_renewal_at,
                or_(
                    Subscription.reminded_for.is_(None),
                    Subscription.reminded_for != subscription.next_renewal_at,
                ),
            )
            .values(reminded_for=subscription.next_renewal_at)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            db.session.rollback()
            continue
        emails.send_subscription_email(subscription, "reminder")
        record(subscription, "reminded", "Renewal reminder emailed.")
        db.session.commit()
        sent += 1
    return sent


# The customer's (and staff's) changes -------------------------------------------------------


def subscriptions_for(customer_id: int) -> list[Subscription]:
    """A customer's subscriptions with their items and orders, newest first (3 queries)."""
    return list(
        db.session.scalars(
            select(Subscription)
            .where(
                Subscription.customer_id == customer_id,
                Subscription.status != SubscriptionStatus.PENDING,
            )
            .order_by(Subscription.id.desc())
            .options(
                selectinload(Subscription.items),
                selectinload(Subscription.orders).joinedload(SubscriptionOrder.order),
            )
        )
    )


def subscription_of(customer_id: int, subscription_id: int) -> Subscription | None:
    """The customer's own subscription with this id (None for anyone else's)."""
    return db.session.scalar(
        select(Subscription).where(
            Subscription.id == subscription_id, Subscription.customer_id == customer_id
        )
    )


def _live(subscription: Subscription) -> None:
    if subscription.status not in LIVE:
        raise SubscriptionError("This subscription has ended.")


def _touch(subscription: Subscription) -> None:
    subscription.updated_at = utcnow()
    db.session.flush()


def skip_next(subscription: Subscription, actor: str = "") -> str:
    """Skip the next delivery: the renewal moves on by one interval."""
    _live(subscription)
    if subscription.next_renewal_at is None:
        raise SubscriptionError("There is no delivery to skip.")
    skipped = subscription.next_renewal_at
    subscription.next_renewal_at = add_months(skipped, subscription.interval_months)
    subscription.reminded_for = None
    record(subscription, "skipped", f"Delivery of {skipped:%d %B %Y} skipped.", actor)
    _touch(subscription)
    emails.send_subscription_email(subscription, "skipped", skipped=skipped)
    return (
        f"Skipped: no delivery on {skipped:%d %B %Y}. The next one is "
        f"{subscription.next_renewal_at:%d %B %Y}."
    )


def change_interval(subscription: Subscription, months: int, offered, actor: str = "") -> str:
    _live(subscription)
    if months not in offered:
        raise SubscriptionError("Please choose one of the intervals offered.")
    if months == subscription.interval_months:
        return f"Your deliveries are already {every(months).lower()}."
    before = subscription.interval_months
    subscription.interval_months = months
    record(subscription, "interval_changed", f"{every(before)} to {every(months).lower()}.", actor)
    _touch(subscription)
    emails.send_subscription_email(subscription, "changed")
    return f"Done: deliveries are now {every(months).lower()}."


def change_quantity(
    subscription: Subscription, item_id: int, quantity: int, actor: str = ""
) -> str:
    _live(subscription)
    item = next((i for i in subscription.items if i.id == item_id), None)
    if item is None:
        raise SubscriptionError("That item is no longer in this subscription.")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise SubscriptionError(f"Choose a quantity from 1 to {MAX_QUANTITY}.")
    before, item.quantity = item.quantity, quantity
    record(
        subscription,
        "quantity_changed",
        f"{item.product_name} ({item.size_label}): {before} to {quantity}.",
        actor,
    )
    _touch(subscription)
    emails.send_subscription_email(subscription, "changed")
    return f"Done: {quantity} × {item.product_name} ({item.size_label}) each delivery."


def pause(subscription: Subscription, until: datetime, actor: str = "") -> str:
    """Pause deliveries until `until`; the next renewal is then no sooner than that."""
    _live(subscription)
    now = utcnow()
    if until <= now or until > now + timedelta(days=MAX_PAUSE_DAYS):
        raise SubscriptionError("Please choose a resume date within the next six months.")
    subscription.status = SubscriptionStatus.PAUSED
    subscription.paused_until = until
    if subscription.next_renewal_at is None or subscription.next_renewal_at < until:
        subscription.next_renewal_at = until
    record(subscription, "paused", f"Paused until {until:%d %B %Y}.", actor)
    _touch(subscription)
    emails.send_subscription_email(subscription, "paused")
    return f"Paused: deliveries start again on {subscription.next_renewal_at:%d %B %Y}."


def _resume(subscription: Subscription, message: str, actor: str) -> None:
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.paused_until = None
    now = utcnow()
    if subscription.next_renewal_at is None or subscription.next_renewal_at < now:
        subscription.next_renewal_at = now
    record(subscription, "resumed", message, actor)
    _touch(subscription)


def resume(subscription: Subscription, actor: str = "") -> str:
    if subscription.status != SubscriptionStatus.PAUSED:
        raise SubscriptionError("This subscription is not paused.")
    _resume(subscription, "Resumed.", actor)
    emails.send_subscription_email(subscription, "resumed")
    return f"Resumed: the next delivery is {subscription.next_renewal_at:%d %B %Y}."


def _end(subscription: Subscription, reason: str, actor: str) -> None:
    subscription.status = SubscriptionStatus.CANCELLED
    subscription.cancelled_at = utcnow()
    subscription.cancel_reason = reason
    subscription.next_renewal_at = None
    subscription.paused_until = None
    record(subscription, "cancelled", reason, actor)
    _touch(subscription)


def cancel(subscription: Subscription, reason: str = "", actor: str = "") -> str:
    """Cancel at once: no further delivery is billed (the local record of a demo
    subscription; with Stripe the caller asks Stripe first)."""
    if subscription.status == SubscriptionStatus.CANCELLED:
        return "This subscription has already ended."
    _end(subscription, reason.strip() or "Cancelled by the customer.", actor)
    emails.send_subscription_email(subscription, "cancelled")
    return "Cancelled: there will be no more deliveries, and nothing more is charged."


def end_subscriptions_of(customer_id: int) -> int:
    """An erased account's subscriptions: the live ones end, and all forget the email
    address and the account (flushes). No email is sent: the address is going. Returns
    how many ended."""
    subscriptions = db.session.scalars(
        select(Subscription).where(Subscription.customer_id == customer_id)
    ).all()
    ended = 0
    for subscription in subscriptions:
        if subscription.status != SubscriptionStatus.CANCELLED:
            _end(subscription, "The customer's account was erased.", "")
            ended += 1
        subscription.email = ""
        subscription.customer_id = None
    db.session.flush()
    return ended


# Figures for staff ----------------------------------------------------------------------


def figures(now: datetime | None = None) -> dict[str, int]:
    """Active subscriptions, monthly recurring revenue (pence: each active subscription's
    price per delivery over its interval) and renewals due in the next 7 days: one query."""
    now = now or utcnow()
    per_delivery = (
        select(
            SubscriptionItem.subscription_id,
            func.sum(SubscriptionItem.unit_price_pence * SubscriptionItem.quantity).label("pence"),
        )
        .group_by(SubscriptionItem.subscription_id)
        .subquery()
    )
    due = case((Subscription.next_renewal_at <= now + timedelta(days=7), 1), else_=0)
    active, mrr, due_soon = db.session.execute(
        select(
            func.count(Subscription.id),
            func.coalesce(func.sum(per_delivery.c.pence * 1.0 / Subscription.interval_months), 0),
            func.coalesce(func.sum(due), 0),
        )
        .select_from(Subscription)
        .join(per_delivery, per_delivery.c.subscription_id == Subscription.id)
        .where(Subscription.status == SubscriptionStatus.ACTIVE)
    ).one()
    return {"active": int(active), "mrr_pence": round(float(mrr)), "due_7_days": int(due_soon)}
