"""A signed-in customer as the payment provider knows them.

With Stripe, each account gets one Stripe Customer, made the first time it checks out
and kept on the account (`Customer.stripe_customer_id`); every later Checkout Session
names it, so Stripe remembers the customer's addresses and cards. The demo provider keeps
no customers (its page fills in the last address from the shop's own orders).

The provider's record follows the account: a new email or name is sent to it, and an
erased account's record is deleted there (the email, addresses and cards Stripe kept).
Both go through the task queue after the account's commit (`customer_changed`,
`customer_erased`), tried again for about a day while Stripe cannot be reached.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy import select, update

from shop.accounts.models import Customer
from shop.extensions import db
from shop.payments.gateway import PayingCustomer, PaymentError
from shop.payments.providers import get_gateway
from shop.queue import app_context, huey
from shop.signals import customer_changed, customer_erased

log = logging.getLogger(__name__)


def customer_idempotency_key(account: Customer) -> str:
    """The key Stripe is asked to make the account's customer with: a retry (or a request
    whose answer was lost) makes no second one. The account id alone could name two
    accounts over time (SQLite gives an erased account's id to the next one), so the
    moment the account was opened is part of it."""
    return f"shop-customer-{account.id}-{int(account.created_at.timestamp())}"


def paying_customer(account: Customer) -> PayingCustomer:
    """The signed-in `account` as the payment provider knows it, its provider customer
    made now if the provider keeps customers and the account has none yet (commits).

    Made once per account, however many checkouts ask at once: the account's row is
    locked (a conditional UPDATE, which is SQLite's write lock) from before the provider
    is asked until its id is stored and committed, so a second checkout waits and then
    finds the id; and Stripe is asked with an idempotency key of the account's own.
    If the provider cannot make one just now, the checkout goes ahead without it (the
    shopper types their details on the payment page, as a guest would) and the next
    checkout tries again.
    """
    paying = PayingCustomer(
        account_id=account.id,
        email=account.email,
        name=account.name,
        provider_id=account.stripe_customer_id,
    )
    gateway = get_gateway()
    if not gateway.keeps_customers or paying.provider_id:
        return paying
    key = customer_idempotency_key(account)
    locked = db.session.execute(
        update(Customer)
        .where(Customer.id == account.id, Customer.stripe_customer_id.is_(None))
        .values(stripe_customer_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if locked != 1:
        # Made by another checkout while this one waited (or the account is gone).
        stored = db.session.scalar(
            select(Customer.stripe_customer_id).where(Customer.id == paying.account_id)
        )
        db.session.commit()
        return replace(paying, provider_id=stored)
    try:
        provider_id = gateway.create_customer(paying, key)
    except PaymentError:
        db.session.rollback()
        log.warning("No %s customer for account %s this time", gateway.name, paying.account_id)
        return paying
    db.session.execute(
        update(Customer)
        .where(Customer.id == paying.account_id)
        .values(stripe_customer_id=provider_id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return replace(paying, provider_id=provider_id)


# The provider's record follows the account -------------------------------------------

# Tried again every RETRY_SECONDS, RETRIES times: about a day of Stripe being away.
RETRIES = 48
RETRY_SECONDS = 30 * 60


def subscribe() -> None:
    """Keep the provider's records of accounts current (the app factory calls this)."""
    customer_changed.connect(_on_customer_changed, weak=False)
    customer_erased.connect(_on_customer_erased, weak=False)


def _on_customer_changed(app, *, customer_id: int) -> None:
    stored = db.session.scalar(
        select(Customer.stripe_customer_id).where(Customer.id == customer_id)
    )
    if stored and get_gateway().keeps_customers:
        update_provider_customer(customer_id)


def _on_customer_erased(app, *, customer_id: int, stripe_customer_id: str | None) -> None:
    if stripe_customer_id and get_gateway().keeps_customers:
        forget_provider_customer(stripe_customer_id)


@huey.task(retries=RETRIES, retry_delay=RETRY_SECONDS)
def update_provider_customer(customer_id: int) -> None:
    """The queued job: send the account's email and name as they are now (a later change
    queued behind this one sends the same)."""
    with app_context():
        account = db.session.get(Customer, customer_id)
        if account is None or not account.stripe_customer_id:
            return  # erased meanwhile: its record is deleted instead
        get_gateway().update_customer(
            account.stripe_customer_id, email=account.email, name=account.name
        )


@huey.task(retries=RETRIES, retry_delay=RETRY_SECONDS)
def forget_provider_customer(provider_id: str) -> None:
    """The queued job: delete an erased account's record at the provider."""
    with app_context():
        get_gateway().delete_customer(provider_id)
