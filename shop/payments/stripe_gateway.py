"""Stripe Checkout through `stripe.StripeClient`. The only module that imports `stripe`."""

from __future__ import annotations

import json
import logging

import stripe
from flask import Flask

from shop.payments.gateway import (
    Address,
    CheckoutRequest,
    PayingCustomer,
    PaymentError,
    PaymentRequest,
    PaymentSession,
    Refund,
    WebhookError,
)

log = logging.getLogger(__name__)

# Refuse webhook signatures older than Stripe's own limit (300 s): a replayed request.
WEBHOOK_TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE
CANNOT_START = "We could not start the payment just now. Nothing was charged: please try again."


def _get(obj, key, default=None):
    """Read a field of a Stripe object or plain dict that may be missing or None."""
    if obj is None:
        return default
    try:
        value = obj[key]
    except (KeyError, TypeError, AttributeError):
        return default
    return default if value is None else value


class StripeGateway:
    name = "stripe"
    keeps_customers = True

    def __init__(self, client: stripe.StripeClient, webhook_secret: str | None):
        self.client = client
        self.webhook_secret = webhook_secret

    @classmethod
    def for_app(cls, app: Flask) -> StripeGateway:
        """One client per app: it holds no per-request state and is safe to share."""
        gateway = app.extensions.get("stripe_gateway")
        if gateway is None:
            base = app.config.get("STRIPE_API_BASE")
            client = stripe.StripeClient(
                app.config["STRIPE_SECRET_KEY"],
                base_addresses={"api": base} if base else {},
                max_network_retries=1,
            )
            gateway = cls(client, app.config.get("STRIPE_WEBHOOK_SECRET"))
            app.extensions["stripe_gateway"] = gateway
        return gateway

    def create_session(self, request: CheckoutRequest) -> PaymentSession:
        order = request.order
        metadata = {"order_id": str(order.id), "order_number": order.number or ""}
        minimum, maximum = request.delivery_days
        params = {
            "mode": "payment",
            "currency": order.currency,
            "line_items": [
                {
                    "quantity": line.quantity,
                    "price_data": {
                        "currency": order.currency,
                        "unit_amount": line.unit_price_pence,
                        "product_data": {
                            "name": f"{line.product_name} ({line.size_label})",
                            "metadata": {"sku": line.sku},
                        },
                    },
                }
                for line in order.lines
            ],
            "shipping_address_collection": {"allowed_countries": ["GB"]},
            "shipping_options": [
                {
                    "shipping_rate_data": {
                        "type": "fixed_amount",
                        "display_name": order.shipping_name,
                        "fixed_amount": {
                            "amount": order.shipping_pence,
                            "currency": order.currency,
                        },
                        "delivery_estimate": {
                            "minimum": {"unit": "business_day", "value": minimum},
                            "maximum": {"unit": "business_day", "value": maximum},
                        },
                    }
                }
            ],
            "client_reference_id": str(order.id),
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "expires_at": int(order.payment_expires_at.timestamp()),
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "locale": "en-GB",
        }
        customer = request.customer
        if customer is not None and customer.provider_id:
            # The account's Stripe Customer: Stripe shows the addresses and cards it
            # remembers, and saves the address typed now for next time. Stripe refuses
            # `customer_email` beside `customer` (the customer's own email is used).
            params["customer"] = customer.provider_id
            params["customer_update"] = {"shipping": "auto", "address": "auto"}
        elif order.email:
            params["customer_email"] = order.email
        try:
            if order.discount_pence:
                params["discounts"] = [{"coupon": self._coupon_for(order, request)}]
            session = self.client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": request.idempotency_key}
            )
        except stripe.StripeError as exc:
            log.warning("Stripe refused a checkout session for order %s: %s", order.id, exc)
            raise PaymentError(CANNOT_START) from exc
        return self._session(session)

    def create_customer(self, customer: PayingCustomer, idempotency_key: str) -> str | None:
        """A Stripe Customer for a shop account (its id). The idempotency key makes a
        request sent twice (a retry) make one customer."""
        params = {
            "email": customer.email,
            "metadata": {"account_id": str(customer.account_id)},
        }
        if customer.name:
            params["name"] = customer.name
        try:
            made = self.client.v1.customers.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            log.warning("Stripe refused a customer for account %s: %s", customer.account_id, exc)
            raise PaymentError(CANNOT_START) from exc
        return made.id

    def update_customer(self, provider_id: str, *, email: str, name: str) -> None:
        try:
            self.client.v1.customers.update(provider_id, params={"email": email, "name": name})
        except stripe.StripeError as exc:
            log.warning("Stripe refused to update customer %s: %s", provider_id, exc)
            raise PaymentError("We could not update the customer at Stripe.") from exc

    def delete_customer(self, provider_id: str) -> None:
        try:
            self.client.v1.customers.delete(provider_id)
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                return  # already deleted (a retry whose first answer was lost)
            log.warning("Stripe refused to delete customer %s: %s", provider_id, exc)
            raise PaymentError("We could not delete the customer at Stripe.") from exc
        except stripe.StripeError as exc:
            log.warning("Stripe refused to delete customer %s: %s", provider_id, exc)
            raise PaymentError("We could not delete the customer at Stripe.") from exc

    def create_payment(self, request: PaymentRequest) -> PaymentSession:
        """A Checkout Session in payment mode for one thing that is not an order: one
        line at the amount the shop read from its database, no shipping."""
        params = {
            "mode": "payment",
            "currency": request.currency,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency,
                        "unit_amount": request.amount_pence,
                        "product_data": {"name": request.description[:250]},
                    },
                }
            ],
            "client_reference_id": request.reference,
            "metadata": dict(request.metadata),
            "payment_intent_data": {"metadata": dict(request.metadata)},
            "expires_at": int(request.expires_at.timestamp()),
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "locale": "en-GB",
        }
        if request.customer_email:
            params["customer_email"] = request.customer_email
        try:
            session = self.client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": request.idempotency_key}
            )
        except stripe.StripeError as exc:
            log.warning("Stripe refused a checkout session for %s: %s", request.reference, exc)
            raise PaymentError(CANNOT_START) from exc
        return self._session(session)

    def _coupon_for(self, order, request: CheckoutRequest) -> str:
        """A Stripe coupon for this order's promo discount alone: the amount in pence, once,
        redeemable once, so Stripe's page shows the code and its total is the order's."""
        coupon = self.client.v1.coupons.create(
            params={
                "amount_off": order.discount_pence,
                "currency": order.currency,
                "duration": "once",
                "max_redemptions": 1,
                "name": (order.promo_code or "Discount")[:40],
                "metadata": {"order_id": str(order.id), "promo_code": order.promo_code or ""},
            },
            options={"idempotency_key": f"{request.idempotency_key}-coupon"},
        )
        return coupon.id

    def retrieve_session(self, session_id: str) -> PaymentSession:
        try:
            session = self.client.v1.checkout.sessions.retrieve(session_id)
        except stripe.StripeError as exc:
            raise PaymentError("We could not check the payment just now.") from exc
        return self._session(session)

    def expire_session(self, session_id: str) -> PaymentSession:
        """Expire an open session so it can no longer be paid; report the session as it is."""
        try:
            session = self.client.v1.checkout.sessions.expire(session_id)
        except stripe.InvalidRequestError:
            # Already complete or expired: the current state tells which.
            return self.retrieve_session(session_id)
        except stripe.StripeError as exc:
            raise PaymentError("We could not reach the payment provider just now.") from exc
        return self._session(session)

    def refund(self, payment_intent_id: str, amount: int, idempotency_key: str) -> Refund:
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": payment_intent_id, "amount": amount},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            message = getattr(exc, "user_message", None) or "Stripe refused the refund."
            raise PaymentError(message) from exc
        return Refund(id=refund.id, amount=refund.amount, status=refund.status)

    def verify_webhook(self, payload: bytes, signature: str | None):
        """Check a webhook's signature on the raw body and return the event as parsed from
        its JSON (its shape is checked by the caller: shop.payments.webhooks.read_event)."""
        if not self.webhook_secret:
            raise WebhookError("webhook secret not configured")
        try:
            # verify_header checks the age of the signature only when given a tolerance.
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"),
                signature or "",
                self.webhook_secret,
                tolerance=WEBHOOK_TOLERANCE,
            )
            event = json.loads(payload)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
            raise WebhookError(str(exc) or "invalid signature") from exc
        return event

    @staticmethod
    def _session(session) -> PaymentSession:
        data = session.to_dict() if hasattr(session, "to_dict") else dict(session)
        return session_from_dict(data)


def session_from_dict(data: dict) -> PaymentSession:
    """A PaymentSession from a Checkout Session object as Stripe sends it."""
    metadata = _get(data, "metadata", {}) or {}
    details = _get(data, "customer_details", {})
    shipping = _get(_get(data, "collected_information", {}), "shipping_details") or _get(
        data, "shipping_details"
    )
    address = None
    if shipping:
        raw = _get(shipping, "address", {})
        address = Address(
            name=_get(shipping, "name", ""),
            line1=_get(raw, "line1", ""),
            line2=_get(raw, "line2", ""),
            city=_get(raw, "city", ""),
            postcode=_get(raw, "postal_code", ""),
            country=_get(raw, "country", ""),
        )
    order_id = metadata.get("order_id") or _get(data, "client_reference_id")
    payment_intent = _get(data, "payment_intent")
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    return PaymentSession(
        id=data["id"],
        status=_get(data, "status", "open"),
        payment_status=_get(data, "payment_status", "unpaid"),
        url=_get(data, "url"),
        order_id=int(order_id) if str(order_id or "").isdigit() else None,
        amount_total=_get(data, "amount_total"),
        currency=_get(data, "currency", "gbp"),
        payment_intent_id=payment_intent,
        customer_email=_get(details, "email", "") or _get(data, "customer_email", ""),
        shipping_address=address,
        metadata=dict(metadata),
    )
