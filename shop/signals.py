"""The shop's signals: what happened, announced once it is committed, so a feature can
act on it by subscribing instead of being called from the code that made it happen.

Every signal is sent after the database commit that made the change, never before (a
subscriber never acts on something that is then rolled back), inside the sender's
application context, with the Flask app as the sender. Values are ids and plain data,
not model instances: the commit has expired those. The commit stands whatever a
subscriber does, so subscribers keep quick and do not raise; anything slow or fallible
(mail, outside services) goes on the task queue.

    from shop.signals import catalogue_changed

    @catalogue_changed.connect
    def forget_search_suggestions(app, tables):
        ...

Code that makes a change asks for its signal with `send_after_commit(order_paid,
order_id=...)` in the same transaction: the signal goes once that transaction commits,
and never if it is rolled back. By then the transaction is over, so a subscriber may
use `db.session` for work of its own (it commits that work itself); a subscriber that
raises is logged, and neither the commit nor the other subscribers are affected.
(`catalogue_changed` is sent by shop.models from the commit itself, and its
subscribers use no database.)
"""

from __future__ import annotations

import logging

from blinker import Namespace, Signal
from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session
from sqlalchemy import event

from shop.extensions import db

log = logging.getLogger(__name__)

shop_signals = Namespace()

order_paid = shop_signals.signal(
    "order_paid",
    doc="""Sent by shop.orders.lifecycle.record_payment after the commit that turned an
    unpaid order into a paid one (from the webhook, the success page or the expiry
    command, whichever came first: once per order). Carries `order_id`. The order
    confirmation email subscribes (shop.orders.emails).""",
)

order_shipped = shop_signals.signal(
    "order_shipped",
    doc="""Sent by shop.orders.lifecycle.ship_order (the back office's shipping) after the
    commit that marked an order shipped. Carries `order_id`. The shipping email
    subscribes (shop.orders.emails).""",
)

order_refunded = shop_signals.signal(
    "order_refunded",
    doc="""Sent by shop.orders.lifecycle.record_refund (the back office's refunds) after the
    commit that recorded a refund the payment provider accepted. Carries `order_id`,
    `refund_id` and `amount_pence`. A refund made at Stripe and only reported by its
    webhook has no refund of ours and sends nothing. The refund email subscribes
    (shop.orders.emails).""",
)

stock_available = shop_signals.signal(
    "stock_available",
    doc="""Sent after the commit that made units of sold-out sizes sellable again (stock
    added by staff, a checkout released, a refund returned units; see
    shop.catalogue.stock). Carries `variant_ids`, a frozenset of the sizes that went from
    none available to some: one signal per commit, for all of them.""",
)

catalogue_changed = shop_signals.signal(
    "catalogue_changed",
    doc="""Sent by shop.models after any commit that changed rows shown on cached pages:
    rows of models and tables that declare `shown_on_pages` (the catalogue and the
    journal), whoever committed them (staff edits, stock moving at checkout, the demo
    seed, a command). Carries `tables`, a frozenset of the names of the tables whose
    rows changed. The page cache subscribes to it (shop.pagecache).""",
)

customer_changed = shop_signals.signal(
    "customer_changed",
    doc="""Sent by shop.accounts.services after the commit that changed a customer
    account's email or name. Carries `customer_id`. The payment provider's record of the
    customer is brought up to date (shop.payments.customers).""",
)

customer_erased = shop_signals.signal(
    "customer_erased",
    doc="""Sent by shop.accounts.services.erase_account after the commit that erased a
    customer account. Carries `customer_id` (no longer in the database) and
    `stripe_customer_id` (None when the account had none). The payment provider's record
    of the customer is deleted (shop.payments.customers).""",
)

added_to_basket = shop_signals.signal(
    "added_to_basket",
    doc="""Sent by shop.cart.services.add_to_cart after the commit that put units of a size
    in a basket. Carries `product_id` and `variant_id`. The funnel counts it
    (shop.reports.funnel).""",
)
checkout_started = shop_signals.signal(
    "checkout_started",
    doc="""Sent by shop.checkout.services.place_order after the commit that placed a new
    order (not for a double click that finds the order already placed). Carries
    `order_id` and `product_ids` (a tuple). The funnel counts it (shop.reports.funnel).""",
)
# The one signal sent inside a transaction rather than after it: a hook of the mailer's.
email_outcome = shop_signals.signal(
    "email_outcome",
    doc="""Sent by shop.mail while it records what became of an email linked to an order
    (delivered, given up, to be tried again), inside that delivery's transaction, so an
    entry a subscriber adds (the order's timeline, shop.orders) commits with the email's
    new status. The sender is the email row; carries `order_id`, `kind` and `message`.""",
)


# Sending after the commit ------------------------------------------------------------

# In Session.info: (savepoint asked in or None, signal, values) asked for in the
# transaction under way; then (signal, values) committed, to send once it has ended.
_PENDING = "shop.signals.pending"
_COMMITTED = "shop.signals.committed"


def send_after_commit(signal: Signal, **values) -> None:
    """Send `signal` with `values` (ids and plain data) once the current transaction of
    `db.session` commits; if it is rolled back, nothing is sent (nor when it was asked
    for inside a savepoint that is rolled back). The same signal asked for twice with the
    same values goes once; `stock_available` asked for several times goes once with
    every size."""
    session = db.session()
    savepoint = session.get_nested_transaction()
    session.info.setdefault(_PENDING, []).append((savepoint, signal, values))


@event.listens_for(Session, "after_commit")
def _keep_committed(session) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if session.in_nested_transaction():
        # A savepoint released: what was asked for in it now stands or falls with the
        # savepoint (or transaction) around it.
        released = session.get_nested_transaction()
        around = released.parent
        while around is not None and not around.nested:
            around = around.parent
        session.info[_PENDING] = [
            (around if savepoint is released else savepoint, signal, values)
            for savepoint, signal, values in pending
        ]
        return
    committed = session.info.setdefault(_COMMITTED, [])
    committed.extend((signal, values) for _savepoint, signal, values in pending)
    del session.info[_PENDING]


@event.listens_for(Session, "after_transaction_end")
def _send_committed(session, transaction) -> None:
    """Send what the transaction that just ended committed. Sent here rather than from
    `after_commit`, where the session can run no SQL: here the transaction is over, and a
    subscriber's use of the session begins a new one."""
    if transaction.nested:
        # Ended without being released (after_commit would have moved them on): it was
        # rolled back, and what was asked for in it is forgotten.
        pending = session.info.get(_PENDING)
        if pending:
            session.info[_PENDING] = [entry for entry in pending if entry[0] is not transaction]
        return
    if transaction.parent is not None:
        return
    session.info.pop(_PENDING, None)  # ended without a commit: rolled back or closed
    committed = session.info.pop(_COMMITTED, None)
    if not committed or not has_app_context():
        return
    app = current_app._get_current_object()
    for signal, values in _coalesced(committed):
        for receiver in list(signal.receivers_for(app)):
            try:
                receiver(app, **values)
            except Exception:
                log.exception("A subscriber to %s failed: %r", signal.name, receiver)
                session.rollback()  # whatever it left unfinished is not committed


def _coalesced(sends: list[tuple[Signal, dict]]) -> list[tuple[Signal, dict]]:
    """One send per signal and values, in the order first asked for; sends of a signal
    that differ only in frozenset values (stock_available's sizes) become one send of
    their union."""
    merged: dict[tuple, dict] = {}
    for signal, values in sends:
        plain = tuple(sorted((k, v) for k, v in values.items() if not isinstance(v, frozenset)))
        key = (signal, plain)
        if key not in merged:
            merged[key] = dict(values)
            continue
        for name, value in values.items():
            if isinstance(value, frozenset):
                merged[key][name] = merged[key].get(name, frozenset()) | value
    return [(signal, values) for (signal, _plain), values in merged.items()]
