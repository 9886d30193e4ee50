"""The one interface every payment provider offers (`Gateway`), and what passes through
it: `PaymentSession`, `CheckoutRequest`, `Refund`, `PaymentRequest` (a payment for
something other than an order, such as a booking), `PaymentError`, `WebhookError`.

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


@dataclass
class CheckoutRequest:
    """Everything a provider needs to open a payment page for an order."""

    order: Order
    success_url: str
    cancel_url: str
    idempotency_key: str
    delivery_days: tuple[int, int] = (2, 4)


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

    def create_session(self, request: CheckoutRequest) -> PaymentSession: ...

    def create_payment(self, request: PaymentRequest) -> PaymentSession: ...

    def retrieve_session(self, session_id: str) -> PaymentSession: ...

    def expire_session(self, session_id: str) -> PaymentSession: ...

    def refund(self, payment_intent_id: str, amount: int, idempotency_key: str) -> Refund: ...
