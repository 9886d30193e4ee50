"""The demo payment provider: a local "test payment" page, used when no Stripe key is set.

It behaves like Stripe Checkout where the shop can tell: sessions open, complete,
expire and refund, and are stored in the database so every worker sees them.
No card details are asked for and nothing is charged.
"""

from __future__ import annotations

import secrets

from flask import url_for
from sqlalchemy import select, update

from shop.extensions import db
from shop.models import utcnow
from shop.payments.gateway import (
    Address,
    CheckoutRequest,
    PayingCustomer,
    PaymentError,
    PaymentRequest,
    PaymentSession,
    ProviderInvoice,
    ProviderSubscription,
    Refund,
    SubscriptionChange,
)
from shop.payments.models import DemoPaymentSession

NO_SUBSCRIPTIONS = (
    "The demo payment provider keeps no subscriptions: the shop's record is the truth."
)


def _subscription_metadata(request: CheckoutRequest) -> dict[str, str]:
    """The shop's subscription a checkout starts, named as Stripe's metadata names it."""
    if request.subscription is None:
        return {}
    return {"subscription_id": str(request.subscription.subscription_id)}


def record_renewal_charge(order_id: int, amount_pence: int, currency: str, reference: str) -> None:
    """A demo subscription's renewal, charged without the shopper as Stripe charges a saved
    card: kept as a paid demo session under `reference` (the order's payment intent), so
    the renewal order can be refunded like any other (flushes)."""
    now = utcnow()
    db.session.add(
        DemoPaymentSession(
            id=f"demo_cs_{secrets.token_urlsafe(18)}",
            order_id=order_id,
            description="Subscription renewal",
            idempotency_key=f"renewal:{reference}",
            status="complete",
            payment_status="paid",
            amount_subtotal=amount_pence,
            amount_shipping=0,
            amount_total=amount_pence,
            currency=currency,
            success_url="",
            cancel_url="",
            payment_intent_id=reference,
            expires_at=now,
        )
    )
    db.session.flush()


class DemoGateway:
    name = "demo"
    # The demo provider keeps no customers: its page fills in a signed-in customer's
    # last address from the shop's own orders (shop.payments.services.last_address_for).
    keeps_customers = False
    # Nor subscriptions: the shop's own record is the truth, and the shop bills demo
    # renewals itself (flask --app shop renew-subscriptions).
    keeps_subscriptions = False

    def create_customer(self, customer: PayingCustomer, idempotency_key: str) -> str | None:
        return None

    def update_customer(self, provider_id: str, *, email: str, name: str) -> None:
        return None

    def delete_customer(self, provider_id: str) -> None:
        return None

    def create_session(self, request: CheckoutRequest) -> PaymentSession:
        existing = db.session.scalar(
            select(DemoPaymentSession).where(
                DemoPaymentSession.idempotency_key == request.idempotency_key
            )
        )
        if existing is not None:
            return self._session(existing, url_for("payments.demo_payment", session_id=existing.id))
        order = request.order
        session = DemoPaymentSession(
            id=f"demo_cs_{secrets.token_urlsafe(24)}",
            order_id=order.id,
            idempotency_key=request.idempotency_key,
            amount_subtotal=order.subtotal_pence,
            amount_shipping=order.shipping_pence,
            amount_total=order.total_pence,
            currency=order.currency,
            success_url=request.success_url,
            cancel_url=request.cancel_url,
            customer_email=order.email,
            expires_at=order.payment_expires_at,
            metadata_=_subscription_metadata(request),
        )
        db.session.add(session)
        db.session.flush()
        return self._session(session, url_for("payments.demo_payment", session_id=session.id))

    def create_payment(self, request: PaymentRequest) -> PaymentSession:
        existing = db.session.scalar(
            select(DemoPaymentSession).where(
                DemoPaymentSession.idempotency_key == request.idempotency_key
            )
        )
        if existing is None:
            existing = DemoPaymentSession(
                id=f"demo_cs_{secrets.token_urlsafe(24)}",
                order_id=None,
                description=request.description[:300],
                metadata_=dict(request.metadata),
                idempotency_key=request.idempotency_key,
                amount_subtotal=request.amount_pence,
                amount_shipping=0,
                amount_total=request.amount_pence,
                currency=request.currency,
                success_url=request.success_url,
                cancel_url=request.cancel_url,
                customer_email=request.customer_email,
                expires_at=request.expires_at,
            )
            db.session.add(existing)
            db.session.flush()
        return self._session(existing, url_for("payments.demo_payment", session_id=existing.id))

    def load(self, session_id: str) -> DemoPaymentSession:
        session = db.session.get(DemoPaymentSession, session_id) if session_id else None
        if session is None:
            raise PaymentError("That payment session does not exist.")
        if session.status == "open" and session.expires_at <= utcnow():
            session.status = "expired"
            db.session.flush()
        return session

    def retrieve_session(self, session_id: str) -> PaymentSession:
        return self._session(self.load(session_id))

    def expire_session(self, session_id: str) -> PaymentSession:
        session = self.load(session_id)
        db.session.execute(
            update(DemoPaymentSession)
            .where(DemoPaymentSession.id == session.id, DemoPaymentSession.status == "open")
            .values(status="expired")
        )
        db.session.refresh(session)
        return self._session(session)

    def pay(self, session_id: str, *, email: str, address: Address) -> DemoPaymentSession:
        """Complete an open session as paid, as a shopper paying on Stripe's page would."""
        session = self.load(session_id)
        result = db.session.execute(
            update(DemoPaymentSession)
            .where(DemoPaymentSession.id == session.id, DemoPaymentSession.status == "open")
            .values(
                status="complete",
                payment_status="paid",
                payment_intent_id=f"demo_pi_{secrets.token_urlsafe(16)}",
                customer_email=email,
                customer_name=address.name,
                address_line1=address.line1,
                address_line2=address.line2,
                address_city=address.city,
                address_postcode=address.postcode,
            )
        )
        if result.rowcount != 1:
            db.session.refresh(session)
            raise PaymentError("This payment session has ended. Please return to the shop.")
        db.session.refresh(session)
        return session

    def refund(self, payment_intent_id: str, amount: int, idempotency_key: str) -> Refund:
        session = db.session.scalar(
            select(DemoPaymentSession).where(
                DemoPaymentSession.payment_intent_id == payment_intent_id
            )
        )
        if session is None or session.payment_status != "paid":
            raise PaymentError("There is no demo payment to refund.")
        if amount <= 0 or session.amount_refunded + amount > session.amount_total:
            raise PaymentError("The refund is more than what is left of the payment.")
        session.amount_refunded += amount
        db.session.flush()
        return Refund(id=f"demo_re_{secrets.token_urlsafe(12)}", amount=amount, status="succeeded")

    # Subscriptions live in the shop's own records with this provider.

    def retrieve_subscription(self, subscription_id: str) -> ProviderSubscription:
        raise PaymentError(NO_SUBSCRIPTIONS)

    def update_subscription(
        self, subscription_id: str, change: SubscriptionChange, idempotency_key: str
    ) -> ProviderSubscription:
        raise PaymentError(NO_SUBSCRIPTIONS)

    def cancel_subscription(
        self, subscription_id: str, idempotency_key: str
    ) -> ProviderSubscription:
        raise PaymentError(NO_SUBSCRIPTIONS)

    def retrieve_invoice(self, invoice_id: str) -> ProviderInvoice:
        raise PaymentError(NO_SUBSCRIPTIONS)

    def billing_portal_url(self, provider_customer_id: str, return_url: str) -> str | None:
        return None

    @staticmethod
    def _session(session: DemoPaymentSession, url: str | None = None) -> PaymentSession:
        address = None
        if session.address_line1:
            address = Address(
                name=session.customer_name,
                line1=session.address_line1,
                line2=session.address_line2,
                city=session.address_city,
                postcode=session.address_postcode,
                country="GB",
            )
        return PaymentSession(
            id=session.id,
            status=session.status,
            payment_status=session.payment_status,
            url=url if session.status == "open" else None,
            order_id=session.order_id,
            amount_total=session.amount_total,
            currency=session.currency,
            payment_intent_id=session.payment_intent_id,
            customer_email=session.customer_email,
            shipping_address=address,
            metadata=dict(session.metadata_ or {}),
        )
