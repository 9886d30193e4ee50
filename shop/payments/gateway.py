"""The one interface every payment provider offers (`Gateway`), and what passes through
it: `PaymentSession`, `CheckoutRequest`, `PayingCustomer`, `Refund`, `PaymentRequest` (a
payment for something other than an order, such as a booking), `PaymentError`,
`WebhookError`.

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


@dataclass
class CheckoutRequest:
    """Everything a provider needs to open a payment page for an order. `customer` is
    the signed-in customer checking out, or None for a guest."""

    order: Order
    success_url: str
    cancel_url: str
    idempotency_key: str
    delivery_days: tuple[int, int] = (2, 4)
    customer: PayingCustomer | None = None


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
