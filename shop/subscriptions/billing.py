"""Subscriptions and the payment provider: the customer's changes asked of the provider
that bills (Stripe), and the provider's reports (shop.payments.recurring) brought into the
shop's record. With the demo provider the shop's record is the truth: each change is made
on it directly (shop.subscriptions.services).

With Stripe, a change is asked of Stripe and the record is brought in line with the
subscription as Stripe returns it, by the same function that follows Stripe's
customer.subscription.updated event (`follow`), so the button, the webhook and a late or
repeated event all agree with Stripe.
"""

from __future__ import annotations

import logging
import secrets

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shop.accounts.models import Customer
from shop.catalogue.models import Product, Variant
from shop.extensions import db
from shop.models import utcnow
from shop.payments import recurring
from shop.payments.gateway import (
    SHIPPING_SKU,
    PaymentError,
    PaymentSession,
    ProviderInvoice,
    ProviderSubscription,
    SubscriptionChange,
)
from shop.payments.providers import get_gateway
from shop.payments.recurring import ProviderEvent
from shop.subscriptions import emails, services
from shop.subscriptions.models import (
    Subscription,
    SubscriptionOrder,
    SubscriptionStatus,
    every,
)
from shop.subscriptions.pricing import DEFAULT_INTERVALS, intervals_offered
from shop.urls import absolute_url

log = logging.getLogger(__name__)


class BillingError(Exception):
    """The provider refused a change or could not be reached; the message is for the
    customer."""


def _first_variant_id(subscription: Subscription) -> int | None:
    return next((i.variant_id for i in subscription.items if i.variant_id), None)


def _allowed(subscription: Subscription, product: Product | None) -> tuple[int, ...]:
    offered = intervals_offered(product) if product is not None else DEFAULT_INTERVALS
    return tuple(sorted({*offered, subscription.interval_months}))


def intervals_for(subscription: Subscription) -> tuple[int, ...]:
    """The intervals a subscription may change to: its products' (the first item's)."""
    variant_id = _first_variant_id(subscription)
    variant = db.session.get(Variant, variant_id) if variant_id else None
    return _allowed(subscription, variant.product if variant is not None else None)


def intervals_by_subscription(subscriptions: list[Subscription]) -> dict[int, tuple[int, ...]]:
    """intervals_for of each subscription by id, in one query however many there are."""
    firsts = {s.id: _first_variant_id(s) for s in subscriptions}
    wanted = {v for v in firsts.values() if v is not None}
    products: dict[int, Product] = {}
    if wanted:
        rows = db.session.execute(
            select(Variant.id, Product).join(Variant.product).where(Variant.id.in_(wanted))
        )
        products = {variant_id: product for variant_id, product in rows}
    return {s.id: _allowed(s, products.get(firsts[s.id])) for s in subscriptions}


def _remote(subscription: Subscription):
    """The gateway that bills this subscription itself (Stripe), or None (demo)."""
    if not subscription.provider_subscription_id:
        return None
    gateway = get_gateway()
    return gateway if getattr(gateway, "keeps_subscriptions", False) else None


def _ask(subscription: Subscription, change: SubscriptionChange, what: str, actor: str):
    gateway = _remote(subscription)
    key = f"subscription-{subscription.id}-{what}-{secrets.token_hex(8)}"
    try:
        current = gateway.update_subscription(subscription.provider_subscription_id, change, key)
    except PaymentError as exc:
        raise BillingError(str(exc)) from exc
    services.record(
        subscription, f"{what}_requested", f"Asked the payment provider: {what}.", actor
    )
    follow(subscription, current)
    return current


def skip_next(subscription: Subscription, actor: str = "") -> str:
    if _remote(subscription) is None:
        return services.skip_next(subscription, actor)
    services._live(subscription)
    if subscription.next_renewal_at is None:
        raise services.SubscriptionError("There is no delivery to skip.")
    skipped = subscription.next_renewal_at
    after = services.add_months(skipped, subscription.interval_months)
    _ask(subscription, SubscriptionChange(next_renewal_at=after), "skip", actor)
    emails.send_subscription_email(subscription, "skipped", skipped=skipped)
    return f"Skipped: no delivery on {skipped:%d %B %Y}."


def change_interval(subscription: Subscription, months: int, actor: str = "") -> str:
    offered = intervals_for(subscription)
    if _remote(subscription) is None:
        return services.change_interval(subscription, months, offered, actor)
    services._live(subscription)
    if months not in offered:
        raise services.SubscriptionError("Please choose one of the intervals offered.")
    _ask(subscription, SubscriptionChange(interval_months=months), "interval", actor)
    emails.send_subscription_email(subscription, "changed")
    return f"Done: deliveries will be {every(months).lower()}."


def change_quantity(subscription: Subscription, item_id: int, quantity: int, actor="") -> str:
    if _remote(subscription) is None:
        return services.change_quantity(subscription, item_id, quantity, actor)
    services._live(subscription)
    item = next((i for i in subscription.items if i.id == item_id), None)
    if item is None or not item.provider_item_id:
        raise services.SubscriptionError("That item is no longer in this subscription.")
    _ask(
        subscription,
        SubscriptionChange(quantities={item.provider_item_id: quantity}),
        "quantity",
        actor,
    )
    emails.send_subscription_email(subscription, "changed")
    return f"Done: {quantity} × {item.product_name} ({item.size_label}) each delivery."


def pause(subscription: Subscription, until, actor: str = "") -> str:
    if _remote(subscription) is None:
        return services.pause(subscription, until, actor)
    services._live(subscription)
    _ask(subscription, SubscriptionChange(pause_until=until), "pause", actor)
    emails.send_subscription_email(subscription, "paused")
    return f"Paused until {until:%d %B %Y}."


def resume(subscription: Subscription, actor: str = "") -> str:
    if _remote(subscription) is None:
        return services.resume(subscription, actor)
    _ask(subscription, SubscriptionChange(resume=True), "resume", actor)
    emails.send_subscription_email(subscription, "resumed")
    return "Resumed."


def cancel(subscription: Subscription, reason: str = "", actor: str = "") -> str:
    """The customer's cancel: before the next renewal (Stripe: cancel at period end; the
    shop's own record: ended now, since nothing more is billed)."""
    if _remote(subscription) is None:
        return services.cancel(subscription, reason, actor)
    if subscription.status == SubscriptionStatus.CANCELLED:
        return "This subscription has already ended."
    subscription.cancel_reason = reason or "Cancelled by the customer."
    _ask(subscription, SubscriptionChange(cancel_at_period_end=True), "cancel", actor)
    emails.send_subscription_email(subscription, "cancelled")
    return "Cancelled: there will be no more deliveries, and nothing more is charged."


def cancel_now(subscription: Subscription, reason: str, actor: str) -> str:
    """Staff ending a subscription on the customer's behalf, at once."""
    gateway = _remote(subscription)
    if gateway is None:
        return services.cancel(subscription, reason, actor)
    try:
        current = gateway.cancel_subscription(
            subscription.provider_subscription_id, f"subscription-{subscription.id}-cancel"
        )
    except PaymentError as exc:
        raise BillingError(str(exc)) from exc
    services._end(subscription, reason, actor)
    follow(subscription, current)
    emails.send_subscription_email(subscription, "cancelled")
    return "Cancelled."


def portal_url(subscription: Subscription) -> str:
    """Where the customer updates their card (Stripe's Billing Portal)."""
    gateway = _remote(subscription)
    customer = subscription.customer_id and _stripe_customer(subscription)
    if gateway is None or not customer:
        raise BillingError("There is no card to manage for this subscription.")
    try:
        url = gateway.billing_portal_url(
            customer, absolute_url("subscriptions.account_subscriptions")
        )
    except PaymentError as exc:
        raise BillingError(str(exc)) from exc
    if not url:
        raise BillingError("There is no card to manage for this subscription.")
    return url


def _stripe_customer(subscription: Subscription) -> str | None:
    customer = db.session.get(Customer, subscription.customer_id)
    return customer.stripe_customer_id if customer is not None else None


# The provider's reports -------------------------------------------------------------------


def _find(provider_subscription_id: str | None, local_id: int | None) -> Subscription | None:
    if provider_subscription_id:
        found = db.session.scalar(
            select(Subscription).where(
                Subscription.provider_subscription_id == provider_subscription_id
            )
        )
        if found is not None:
            return found
    if local_id is not None:
        found = db.session.get(Subscription, local_id)
        if found is not None and found.provider_subscription_id in (None, provider_subscription_id):
            return found
    return None


def follow(subscription: Subscription, current: ProviderSubscription) -> None:
    """Bring the shop's record in line with the subscription as the provider holds it
    now (flushes). Safe to repeat: it only copies the provider's state."""
    if current.is_ended:
        if subscription.status != SubscriptionStatus.CANCELLED:
            services._end(
                subscription, current.cancellation_reason or "Ended by the payment provider.", ""
            )
        return
    if subscription.status == SubscriptionStatus.PENDING:
        return  # started() activates it, with its first order
    if current.paused:
        status = SubscriptionStatus.PAUSED
    elif current.status == "past_due":
        status = SubscriptionStatus.PAST_DUE
    else:
        status = SubscriptionStatus.ACTIVE
    # The next renewal is the period's end (during a skipped delivery's trial, the trial's
    # end; trial_end itself stays set afterwards, as history); a pause with a date moves
    # it to that date, one without a date leaves it to the resume.
    nxt = current.paused_until if current.paused and current.paused_until else None
    nxt = nxt or current.current_period_end
    items = [item for item in current.items if item.sku != SHIPPING_SKU]
    changes = []
    if status != subscription.status:
        changes.append(f"status {status.label.lower()}")
        subscription.status = status
    subscription.paused_until = current.paused_until if current.paused else None
    if nxt is not None and nxt != subscription.next_renewal_at:
        subscription.next_renewal_at = nxt
        changes.append(f"next delivery {nxt:%d %B %Y}")
    if current.cancel_at_period_end != subscription.cancel_at_period_end:
        subscription.cancel_at_period_end = current.cancel_at_period_end
        changes.append(
            "ends before the next delivery" if current.cancel_at_period_end else "continues"
        )
    if items and items[0].interval_months != subscription.interval_months:
        subscription.interval_months = items[0].interval_months
        changes.append(every(items[0].interval_months).lower())
    by_id = {item.id: item for item in items}
    for local in subscription.items:
        remote = by_id.get(local.provider_item_id or "")
        if remote is not None and remote.quantity != local.quantity:
            local.quantity = remote.quantity
            changes.append(f"{local.product_name}: {remote.quantity}")
    if changes:
        services.record(subscription, "provider_update", "; ".join(changes) + ".")
    subscription.updated_at = utcnow()
    db.session.flush()


def started(current: ProviderSubscription, session: PaymentSession) -> str:
    """checkout.session.completed in subscription mode: the first order is paid; the
    shop's subscription becomes active with Stripe's ids and dates (once)."""
    subscription = _find(current.id, current.local_id)
    if subscription is None or subscription.first_order_id is None:
        return "no subscription"
    by_sku = {item.sku: item for item in current.items if item.sku != SHIPPING_SKU}
    for local in subscription.items:
        remote = by_sku.get(local.sku)
        if remote is not None and not local.provider_item_id:
            local.provider_item_id = remote.id
    services.activate_for_paid_order(
        subscription.first_order_id,
        provider_subscription_id=current.id,
        next_renewal_at=current.current_period_end,
    )
    db.session.refresh(subscription)
    follow(subscription, current)
    return f"subscription {subscription.id} {subscription.status}"


def renewal_paid(invoice: ProviderInvoice, event: ProviderEvent) -> str:
    """invoice.paid for a renewal: one renewal order per invoice id (the unique row is
    the guard against duplicate and concurrent events)."""
    subscription = _find(invoice.subscription_id, invoice.local_subscription_id)
    if subscription is None:
        return "no subscription"
    done = db.session.scalar(
        select(SubscriptionOrder.order_id).where(
            SubscriptionOrder.provider_invoice_id == invoice.id
        )
    )
    if done is not None:
        return f"order {done} already made"
    cycle = (
        db.session.scalar(
            select(func.max(SubscriptionOrder.cycle)).where(
                SubscriptionOrder.subscription_id == subscription.id
            )
        )
        or 0
    ) + 1
    try:
        with db.session.begin_nested():
            order = services.make_renewal_order(
                subscription,
                cycle,
                payment_id=invoice.id,
                payment_intent_id=invoice.payment_intent_id or invoice.id,
                amount_paid_pence=invoice.amount_paid_pence,
                provider_invoice_id=invoice.id,
            )
    except IntegrityError:
        return "renewal already recorded"
    subscription.cycle = max(subscription.cycle, cycle)
    if subscription.status == SubscriptionStatus.PAST_DUE:
        subscription.status = SubscriptionStatus.ACTIVE
    if invoice.period_end is not None:
        subscription.next_renewal_at = invoice.period_end
    db.session.flush()
    return f"renewal order {order.id}"


def renewal_failed(invoice: ProviderInvoice, event: ProviderEvent) -> str:
    """invoice.payment_failed: the subscription is past due, and the customer is emailed
    a link to update their card (once per attempt)."""
    subscription = _find(invoice.subscription_id, invoice.local_subscription_id)
    if subscription is None:
        return "no subscription"
    if subscription.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED):
        subscription.status = SubscriptionStatus.PAST_DUE
    retry = (
        f" Next try {invoice.next_payment_attempt:%d %B %Y}."
        if invoice.next_payment_attempt
        else " No more tries."
    )
    services.record(subscription, "payment_failed", f"Invoice {invoice.id} not paid.{retry}")
    link = ""
    try:
        gateway = get_gateway()
        if invoice.customer_id:
            link = (
                gateway.billing_portal_url(
                    invoice.customer_id,
                    absolute_url("subscriptions.account_subscriptions"),
                )
                or ""
            )
    except PaymentError:
        link = ""
    if not link:
        with current_app.test_request_context(base_url=current_app.config["SHOP_BASE_URL"]):
            link = absolute_url("subscriptions.account_subscriptions")
    emails.send_subscription_email(
        subscription,
        "payment_failed",
        portal_url=link,
        dedupe_key=f"subscription-payment-failed:{invoice.id}:{invoice.attempt_count}",
    )
    db.session.flush()
    return f"subscription {subscription.id} past due"


def changed(current: ProviderSubscription, event: ProviderEvent) -> str:
    subscription = _find(current.id, current.local_id)
    if subscription is None:
        return "no subscription"
    follow(subscription, current)
    return f"subscription {subscription.id} {subscription.status}"


def ended(current: ProviderSubscription, event: ProviderEvent) -> str:
    subscription = _find(current.id, current.local_id)
    if subscription is None:
        return "no subscription"
    if subscription.status != SubscriptionStatus.CANCELLED:
        services._end(
            subscription, current.cancellation_reason or "Ended by the payment provider.", ""
        )
        emails.send_subscription_email(subscription, "cancelled")
    return f"subscription {subscription.id} ended"


def register() -> None:
    """Hand the provider's subscription reports to this feature (called by the factory)."""
    recurring.register(
        started=started,
        renewal_paid=renewal_paid,
        renewal_failed=renewal_failed,
        changed=changed,
        ended=ended,
    )
