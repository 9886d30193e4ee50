"""The one interface every payment provider offers (`Gateway`), and what passes through
it: `PaymentSession`, `CheckoutRequest`, `PayingCustomer`, `Refund`, `PaymentRequest` (a
payment for something other than an order, such as a booking), `PaymentError`,
`WebhookError`, and for subscribe & save: `SubscriptionTerms` (what a checkout starts),
`ProviderSubscription` / `ProviderInvoice` (what the provider says of a subscription and
its bills) and `SubscriptionChange` (what the customer asks to change).

The rest of the shop sees these only; the providers are Stripe Checkout
(`stripe_gateway.py`, the only module that imports `stripe`) and the built-in demo
provider (`demo.py`), and `providers.get_gateway` gives the one in use. This module
knows no feature: it needs an order only to describe it to a provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from shop.orders.models import Order


class PaymentError(Exception):
    """The payment provider refused or could not be reached. The message is safe to show."""


class WebhookError(Exception):
    """A webhook that is unsigned, wrongly signed, stale or not JSON."""


@dataclass
class Address:
    name: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    postcode: str = ""
    country: str = ""


@dataclass
class PaymentSession:
    """The provider's view of one checkout: the fields the shop relies on."""

    id: str
    status: str  # open, complete, expired
    payment_status: str  # unpaid, paid, no_payment_required
    url: str | None = None
    order_id: int | None = None
    amount_total: int | None = None
    currency: str = "gbp"
    payment_intent_id: str | None = None
    customer_email: str = ""
    shipping_address: Address | None = None
    metadata: dict = field(default_factory=dict)
    # A checkout that started a subscription (Stripe: mode="subscription"): the
    # provider's subscription and its first invoice; None for a one-off payment.
    subscription_id: str | None = None
    invoice_id: str | None = None

    @property
    def is_paid(self) -> bool:
        return self.status == "complete" and self.payment_status in {"paid", "no_payment_required"}


@dataclass
class Refund:
    id: str
    amount: int
    status: str


@dataclass(frozen=True)
class PayingCustomer:
    """A signed-in customer checking out, as a provider needs to know them.

    `provider_id` is the provider's own record of the customer (a Stripe Customer,
    `cus_...`), made once per account (shop.payments.customers); None when the provider
    keeps no customers (the demo provider) or could not make one just now.
    """

    account_id: int
    email: str
    name: str = ""
    provider_id: str | None = None


@dataclass(frozen=True)
class RecurringLine:
    """An order line that is the first delivery of a subscription item: billed again
    every interval at `unit_price_pence` (the subscribe price, discount included, which
    the order line's own price is too), in the order line's quantity."""

    order_line_id: int
    unit_price_pence: int


@dataclass(frozen=True)
class SubscriptionTerms:
    """What a checkout starts besides paying its order: one subscription, renewed every
    `interval_months`. The order's lines named in `lines` recur; its other lines are
    billed once (on the first invoice). `shipping_pence` is what each renewal's delivery
    costs (0: free), at most the order's own shipping (the first delivery's, as today).
    `subscription_id` is the shop's own record, named in the provider's metadata."""

    subscription_id: int
    interval_months: int
    lines: tuple[RecurringLine, ...]
    shipping_pence: int = 0


@dataclass
class CheckoutRequest:
    """Everything a provider needs to open a payment page for an order. `customer` is
    the signed-in customer checking out, or None for a guest. With `subscription` the
    checkout also starts a subscription, which needs a customer the provider keeps
    (`customer.provider_id`, from shop.payments.customers.paying_customer)."""

    order: Order
    success_url: str
    cancel_url: str
    idempotency_key: str
    delivery_days: tuple[int, int] = (2, 4)
    customer: PayingCustomer | None = None
    subscription: SubscriptionTerms | None = None


# Subscriptions as the provider keeps them ---------------------------------------------


# The SKU of a subscription's delivery line at the provider (Stripe takes shipping rates
# in payment mode only, so a subscription's delivery is an item of its own).
SHIPPING_SKU = "shipping"


def local_subscription_id(metadata: dict[str, str]) -> int | None:
    """The shop's subscription a provider's metadata names (`subscription_id`), if any."""
    value = metadata.get("subscription_id", "")
    return int(value) if value.isascii() and value.isdigit() else None


@dataclass(frozen=True)
class ProviderSubscriptionItem:
    """One recurring item. `sku` is the one the checkout's line had (None if unknown);
    the period is the one being delivered now (Stripe keeps periods on the items)."""

    id: str
    product_id: str | None
    sku: str | None
    quantity: int
    unit_amount_pence: int
    interval_months: int
    current_period_start: datetime | None
    current_period_end: datetime | None


@dataclass(frozen=True)
class ProviderSubscription:
    """A subscription as the provider holds it now.

    status: active, trialing (a skipped delivery is a trial until the next one),
    past_due (a renewal failed, retries going on), unpaid / canceled / incomplete_expired
    (ended: `is_ended`), incomplete, paused. `current_period_end` is the next renewal
    (the earliest item's period end), `paused_until` the date a paused subscription bills
    again (Stripe's pause_collection.resumes_at; `paused` says whether it is paused at
    all, maybe without a date). `metadata["subscription_id"]` names the shop's record
    (`local_id`)."""

    id: str
    customer_id: str | None
    status: str
    currency: str
    items: tuple[ProviderSubscriptionItem, ...]
    current_period_end: datetime | None
    cancel_at_period_end: bool
    paused: bool
    paused_until: datetime | None
    trial_end: datetime | None
    canceled_at: datetime | None
    cancellation_reason: str | None
    metadata: dict[str, str]

    ENDED = frozenset({"canceled", "unpaid", "incomplete_expired"})

    @property
    def is_ended(self) -> bool:
        return self.status in self.ENDED

    @property
    def local_id(self) -> int | None:
        return local_subscription_id(self.metadata)


@dataclass(frozen=True)
class ProviderInvoiceLine:
    """One line of an invoice: which subscription item it bills (None for a one-off
    line), how many, and for how much (pence, the line's total)."""

    subscription_item_id: str | None
    description: str
    quantity: int
    amount_pence: int
    period_start: datetime | None
    period_end: datetime | None


@dataclass(frozen=True)
class ProviderInvoice:
    """A bill of a subscription. billing_reason: subscription_create (the first, paid at
    checkout: its order exists already), subscription_cycle (a renewal), others
    (subscription_update, manual) make no delivery. status: draft, open, paid, void,
    uncollectible. `period_start`/`period_end` are those of the delivery billed (from the
    recurring lines). `next_payment_attempt` is when a failed payment is tried again
    (None: no more tries)."""

    id: str
    subscription_id: str | None
    customer_id: str | None
    billing_reason: str
    status: str
    amount_paid_pence: int
    amount_due_pence: int
    currency: str
    period_start: datetime | None
    period_end: datetime | None
    payment_intent_id: str | None
    attempt_count: int
    next_payment_attempt: datetime | None
    lines: tuple[ProviderInvoiceLine, ...]
    subscription_metadata: dict[str, str]

    @property
    def is_renewal(self) -> bool:
        return self.billing_reason == "subscription_cycle"

    @property
    def local_subscription_id(self) -> int | None:
        return local_subscription_id(self.subscription_metadata)


@dataclass(frozen=True)
class SubscriptionChange:
    """What a customer (or staff) asks to change about a subscription; None / False
    leaves a thing as it is. At most one of pause_until / resume.

    next_renewal_at: bill next at this moment instead (skip a delivery: the next renewal
        plus one interval). Stripe: trial_end, no proration.
    pause_until: pause renewals until then (Stripe: pause_collection void, resumes_at).
    resume: end a pause now.
    cancel_at_period_end: True stops before the next renewal; False takes that back.
    interval_months: renew every N months from now on; the next renewal date stays.
    quantities: provider subscription item id -> new quantity (from the next renewal).
    """

    next_renewal_at: datetime | None = None
    pause_until: datetime | None = None
    resume: bool = False
    cancel_at_period_end: bool | None = None
    interval_months: int | None = None
    quantities: dict[str, int] | None = None


@dataclass
class PaymentRequest:
    """A payment for one thing that is not an order (a consultation booking): one line,
    nothing shipped. `metadata` names what is paid for (`purpose` and its id: see
    shop.payments.purposes); the amount comes from the shop's database."""

    description: str
    amount_pence: int
    currency: str
    metadata: dict[str, str]
    reference: str  # the provider's client reference: "booking-12"
    customer_email: str
    expires_at: datetime
    success_url: str
    cancel_url: str
    idempotency_key: str


class Gateway(Protocol):
    name: str
    # Whether the provider keeps customers of its own (Stripe does: it remembers their
    # addresses and cards), made once per account with create_customer.
    keeps_customers: bool
    # Whether the provider bills subscriptions itself (Stripe Billing does: the shop's
    # record follows its webhooks). When False (the demo provider) the shop's own record
    # is the truth and the shop bills renewals itself; the subscription methods below
    # then raise PaymentError and billing_portal_url returns None.
    keeps_subscriptions: bool

    def create_customer(self, customer: PayingCustomer, idempotency_key: str) -> str | None:
        """Make the provider's record of a shop account; its id, or None when the provider
        keeps none. The same idempotency key never makes a second one."""
        ...

    def update_customer(self, provider_id: str, *, email: str, name: str) -> None:
        """Give the provider's record of an account the account's email and name now.
        PaymentError when the provider cannot be reached or refuses."""
        ...

    def delete_customer(self, provider_id: str) -> None:
        """Delete the provider's record of an erased account (what it holds of them: email,
        name, addresses, saved cards). A record already gone is not an error."""
        ...

    def create_session(self, request: CheckoutRequest) -> PaymentSession: ...

    def create_payment(self, request: PaymentRequest) -> PaymentSession: ...

    def retrieve_session(self, session_id: str) -> PaymentSession: ...

    def expire_session(self, session_id: str) -> PaymentSession: ...

    def refund(self, payment_intent_id: str, amount: int, idempotency_key: str) -> Refund: ...

    def retrieve_subscription(self, subscription_id: str) -> ProviderSubscription:
        """The subscription as the provider holds it now. PaymentError if unreachable."""
        ...

    def update_subscription(
        self, subscription_id: str, change: SubscriptionChange, idempotency_key: str
    ) -> ProviderSubscription:
        """Ask the provider to change a subscription; returns it as changed. The shop's
        record follows the provider's event (customer.subscription.updated), not this
        answer alone. PaymentError (message safe to show) when refused or unreachable."""
        ...

    def cancel_subscription(
        self, subscription_id: str, idempotency_key: str
    ) -> ProviderSubscription:
        """End a subscription now (staff cancelling on a customer's behalf); a
        subscription already ended is returned as it is."""
        ...

    def retrieve_invoice(self, invoice_id: str) -> ProviderInvoice:
        """A subscription's invoice as the provider holds it now."""
        ...

    def billing_portal_url(self, provider_customer_id: str, return_url: str) -> str | None:
        """A one-time link to the provider's page where the customer updates their card
        (Stripe's Billing Portal); None when the provider has none."""
        ...
