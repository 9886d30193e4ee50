"""What the shop does when the payment provider reports on a subscription.

The subscriptions feature registers its handlers here (`register`, called by the
factory, as signal subscribers are), so the webhook (shop.payments.webhooks) can act on
subscription events without payments importing that feature. Each handler gets the
object as the provider holds it *now* (the webhook asks the provider again rather than
taking the event at its word) and the event it came with (`ProviderEvent`: its id and
when it was made, so an event delivered late can be told from a newer one), acts once,
flushes, and returns what it did, for the log. The webhook commits, and records the
event id so a duplicate is not handed over twice; a handler must still be safe to run
twice at once (two deliveries of the same event, or of two events about one renewal).

- started(subscription, session): a checkout in subscription mode is complete and its
  first order has been recorded as paid (by shop.payments.services, as for any order);
  the shop's subscription named in `subscription.local_id` starts (once: the same
  checkout may be reported twice). Stripe only: with the demo provider the shop starts
  its subscription itself when the first order is paid.
- renewal_paid(invoice, event): a renewal (`invoice.is_renewal`) is paid: one renewal
  order per invoice id. The first invoice (subscription_create) never comes here.
- renewal_failed(invoice, event): a renewal's payment failed; `next_payment_attempt`
  says whether the provider will try again.
- changed(subscription, event): anything else about a subscription changed (skipped,
  paused, resumed, quantity, interval, cancel at period end, past_due).
- ended(subscription, event): it ended (deleted, or status unpaid / canceled).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from shop.payments.gateway import PaymentSession, ProviderInvoice, ProviderSubscription


@dataclass(frozen=True)
class ProviderEvent:
    """The event a report came with: its id, type and when the provider made it
    (timezone-aware UTC, like the shop's other datetimes)."""

    id: str
    type: str
    created: datetime


@dataclass(frozen=True)
class RecurringHandlers:
    started: Callable[[ProviderSubscription, PaymentSession], str]
    renewal_paid: Callable[[ProviderInvoice, ProviderEvent], str]
    renewal_failed: Callable[[ProviderInvoice, ProviderEvent], str]
    changed: Callable[[ProviderSubscription, ProviderEvent], str]
    ended: Callable[[ProviderSubscription, ProviderEvent], str]


_handlers: RecurringHandlers | None = None


def register(
    *,
    started: Callable[[ProviderSubscription, PaymentSession], str],
    renewal_paid: Callable[[ProviderInvoice, ProviderEvent], str],
    renewal_failed: Callable[[ProviderInvoice, ProviderEvent], str],
    changed: Callable[[ProviderSubscription, ProviderEvent], str],
    ended: Callable[[ProviderSubscription, ProviderEvent], str],
) -> None:
    """Say what to do with subscription events. Registering again replaces the handlers
    (the factory may assemble several apps in one process)."""
    global _handlers
    _handlers = RecurringHandlers(started, renewal_paid, renewal_failed, changed, ended)


def handlers() -> RecurringHandlers | None:
    """The registered handlers, or None when no feature takes subscriptions."""
    return _handlers
