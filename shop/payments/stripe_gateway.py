"""Stripe Checkout through `stripe.StripeClient`. The only module that imports `stripe`."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import stripe
from flask import Flask

from shop.payments.gateway import (
    SHIPPING_SKU,
    Address,
    CheckoutRequest,
    PayingCustomer,
    PaymentError,
    PaymentRequest,
    PaymentSession,
    ProviderInvoice,
    ProviderInvoiceLine,
    ProviderSubscription,
    ProviderSubscriptionItem,
    Refund,
    SubscriptionChange,
    WebhookError,
)

log = logging.getLogger(__name__)

# Refuse webhook signatures older than Stripe's own limit (300 s): a replayed request.
WEBHOOK_TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE
CANNOT_START = "We could not start the payment just now. Nothing was charged: please try again."
CANNOT_CHANGE = "We could not change the subscription just now. Nothing changed: please try again."
# A subscription is read with its items' products, whose metadata holds the SKU.
SUBSCRIPTION_EXPAND = ["items.data.price.product"]


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
    keeps_subscriptions = True

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
        """A Checkout Session for an order: mode "payment", or "subscription" when the
        request starts one (its recurring lines at the subscribe price, the others billed
        once on the first invoice, the shop's subscription named in its metadata)."""
        order = request.order
        metadata = {"order_id": str(order.id), "order_number": order.number or ""}
        terms = request.subscription
        params = {
            "mode": "payment" if terms is None else "subscription",
            "currency": order.currency,
            "line_items": _line_items(request),
            "shipping_address_collection": {"allowed_countries": ["GB"]},
            "client_reference_id": str(order.id),
            "metadata": metadata,
            "expires_at": int(order.payment_expires_at.timestamp()),
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "locale": "en-GB",
        }
        customer = request.customer
        if terms is None:
            params["shipping_options"] = [_shipping_option(order, request.delivery_days)]
            params["payment_intent_data"] = {"metadata": metadata}
        else:
            # Stripe offers shipping rates in payment mode only: a subscription's
            # delivery is a line of its own (see _line_items). Session metadata is not
            # copied to the subscription, so it is named there too.
            if customer is None or not customer.provider_id:
                raise PaymentError(CANNOT_START)
            metadata["subscription_id"] = str(terms.subscription_id)
            params["subscription_data"] = {
                "metadata": {**metadata},
                "description": f"Subscribe & save, order {order.number or order.id}",
            }
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
            # A subscription's first invoice names the payment intent that paid it.
            session = self.client.v1.checkout.sessions.retrieve(
                session_id, params={"expand": ["invoice.payments"]}
            )
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

    # Subscriptions (Stripe Billing) ------------------------------------------------

    def retrieve_subscription(self, subscription_id: str) -> ProviderSubscription:
        try:
            subscription = self.client.v1.subscriptions.retrieve(
                subscription_id, params={"expand": SUBSCRIPTION_EXPAND}
            )
        except stripe.StripeError as exc:
            raise PaymentError("We could not check the subscription just now.") from exc
        return subscription_from_dict(subscription.to_dict())

    def update_subscription(
        self, subscription_id: str, change: SubscriptionChange, idempotency_key: str
    ) -> ProviderSubscription:
        """One subscriptions.update with what the change asks: trial_end to move the next
        renewal (a skip), pause_collection to pause or resume, cancel_at_period_end,
        new prices for a new interval (keeping the next renewal date, so nothing is
        charged now), quantities. Never prorated: a change counts from the next renewal."""
        params: dict = {"proration_behavior": "none", "expand": SUBSCRIPTION_EXPAND}
        if change.next_renewal_at is not None:
            params["trial_end"] = _timestamp(change.next_renewal_at)
        if change.pause_until is not None:
            params["pause_collection"] = {
                "behavior": "void",
                "resumes_at": _timestamp(change.pause_until),
            }
        elif change.resume:
            params["pause_collection"] = ""  # an empty value unsets it at Stripe
        if change.cancel_at_period_end is not None:
            params["cancel_at_period_end"] = change.cancel_at_period_end
        items: dict[str, dict] = {}
        if change.interval_months is not None:
            current = self.retrieve_subscription(subscription_id)
            for item in current.items:
                items[item.id] = {
                    "id": item.id,
                    "price_data": {
                        "currency": current.currency,
                        "product": item.product_id,
                        "unit_amount": item.unit_amount_pence,
                        "recurring": {
                            "interval": "month",
                            "interval_count": change.interval_months,
                        },
                    },
                }
            if change.next_renewal_at is None and current.current_period_end is not None:
                # A new interval restarts the billing cycle (and bills at once) unless
                # the next renewal is held where it was.
                params["trial_end"] = _timestamp(current.current_period_end)
        for item_id, quantity in (change.quantities or {}).items():
            items.setdefault(item_id, {"id": item_id})["quantity"] = quantity
        if items:
            params["items"] = list(items.values())
        try:
            subscription = self.client.v1.subscriptions.update(
                subscription_id, params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            log.warning("Stripe refused to change subscription %s: %s", subscription_id, exc)
            raise PaymentError(CANNOT_CHANGE) from exc
        return subscription_from_dict(subscription.to_dict())

    def cancel_subscription(
        self, subscription_id: str, idempotency_key: str
    ) -> ProviderSubscription:
        try:
            subscription = self.client.v1.subscriptions.cancel(
                subscription_id,
                params={"expand": SUBSCRIPTION_EXPAND},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                raise PaymentError("Stripe has no such subscription.") from exc
            # Already canceled: Stripe refuses a second cancel; say how it stands.
            return self.retrieve_subscription(subscription_id)
        except stripe.StripeError as exc:
            log.warning("Stripe refused to cancel subscription %s: %s", subscription_id, exc)
            raise PaymentError(CANNOT_CHANGE) from exc
        return subscription_from_dict(subscription.to_dict())

    def retrieve_invoice(self, invoice_id: str) -> ProviderInvoice:
        try:
            invoice = self.client.v1.invoices.retrieve(invoice_id, params={"expand": ["payments"]})
        except stripe.StripeError as exc:
            raise PaymentError("We could not check the invoice just now.") from exc
        return invoice_from_dict(invoice.to_dict())

    def billing_portal_url(self, provider_customer_id: str, return_url: str) -> str | None:
        try:
            portal = self.client.v1.billing_portal.sessions.create(
                params={"customer": provider_customer_id, "return_url": return_url}
            )
        except stripe.StripeError as exc:
            log.warning("Stripe refused a portal session for %s: %s", provider_customer_id, exc)
            raise PaymentError("We could not open the payment settings just now.") from exc
        return portal.url

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


def _line_items(request: CheckoutRequest) -> list[dict]:
    """The order's lines for Checkout; with subscription terms, the recurring ones at the
    subscribe price every N months, the first delivery's shipping as a one-off line, and
    each renewal's shipping as a recurring line."""
    order = request.order
    terms = request.subscription
    recurring = {line.order_line_id: line for line in terms.lines} if terms else {}
    items = []
    for line in order.lines:
        price_data = {
            "currency": order.currency,
            "unit_amount": line.unit_price_pence,
            "product_data": {
                "name": f"{line.product_name} ({line.size_label})",
                "metadata": {"sku": line.sku},
            },
        }
        if line.id in recurring:
            price_data["unit_amount"] = recurring[line.id].unit_price_pence
            price_data["recurring"] = {"interval": "month", "interval_count": terms.interval_months}
        items.append({"quantity": line.quantity, "price_data": price_data})
    if terms is not None:
        # A recurring line is billed on the first invoice too: the one-off delivery
        # line is what the first delivery costs beyond a renewal's.
        once = order.shipping_pence - terms.shipping_pence
        if once < 0:
            # The first invoice would charge more than the order's total.
            raise ValueError("A renewal's delivery costs more than the first delivery's.")
        for amount, every, name in (
            (once, None, order.shipping_name),
            (terms.shipping_pence, terms.interval_months, "Delivery"),
        ):
            if amount <= 0:
                continue
            price_data = {
                "currency": order.currency,
                "unit_amount": amount,
                "product_data": {"name": name, "metadata": {"sku": SHIPPING_SKU}},
            }
            if every is not None:
                price_data["recurring"] = {"interval": "month", "interval_count": every}
            items.append({"quantity": 1, "price_data": price_data})
    return items


def _shipping_option(order, delivery_days: tuple[int, int]) -> dict:
    minimum, maximum = delivery_days
    return {
        "shipping_rate_data": {
            "type": "fixed_amount",
            "display_name": order.shipping_name,
            "fixed_amount": {"amount": order.shipping_pence, "currency": order.currency},
            "delivery_estimate": {
                "minimum": {"unit": "business_day", "value": minimum},
                "maximum": {"unit": "business_day", "value": maximum},
            },
        }
    }


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
    payment_intent = _id(_get(data, "payment_intent"))
    invoice = _get(data, "invoice")
    if payment_intent is None and isinstance(invoice, dict):
        # Subscription mode: the first invoice was paid (retrieve_session expands it).
        payment_intent = _invoice_payment_intent(invoice)
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
        subscription_id=_id(_get(data, "subscription")),
        invoice_id=_id(invoice),
    )


def _id(value) -> str | None:
    """The id of a field that is an id or, expanded, the object itself."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _datetime(value) -> datetime | None:
    """A Stripe timestamp (seconds since the epoch) as an aware UTC datetime."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return datetime.fromtimestamp(value, UTC)


def _timestamp(value: datetime) -> int:
    return int(value.timestamp())


def _months(recurring) -> int:
    """A recurring price's interval in months (a year is twelve)."""
    count = int(_get(recurring, "interval_count", 1))
    return count * 12 if _get(recurring, "interval") == "year" else count


def subscription_from_dict(data: dict) -> ProviderSubscription:
    """A ProviderSubscription from a Stripe Subscription (its items' prices' products
    expanded for their SKU, or not: the SKU is then None). Billing periods are read from
    the items, where the current API keeps them."""
    items = []
    for item in _get(_get(data, "items", {}), "data", []):
        price = _get(item, "price", {})
        product = _get(price, "product")
        items.append(
            ProviderSubscriptionItem(
                id=item["id"],
                product_id=_id(product),
                sku=_get(_get(product, "metadata", {}), "sku")
                if isinstance(product, dict)
                else None,
                quantity=int(_get(item, "quantity", 1)),
                unit_amount_pence=int(_get(price, "unit_amount", 0)),
                interval_months=_months(_get(price, "recurring", {})),
                current_period_start=_datetime(_get(item, "current_period_start")),
                current_period_end=_datetime(_get(item, "current_period_end")),
            )
        )
    ends = [item.current_period_end for item in items if item.current_period_end]
    pause = _get(data, "pause_collection")
    return ProviderSubscription(
        id=data["id"],
        customer_id=_id(_get(data, "customer")),
        status=_get(data, "status", "incomplete"),
        currency=_get(data, "currency", "gbp"),
        items=tuple(items),
        current_period_end=min(ends) if ends else None,
        cancel_at_period_end=bool(_get(data, "cancel_at_period_end", False)),
        paused=bool(pause),
        paused_until=_datetime(_get(pause, "resumes_at")),
        trial_end=_datetime(_get(data, "trial_end")),
        canceled_at=_datetime(_get(data, "canceled_at")),
        cancellation_reason=_get(_get(data, "cancellation_details", {}), "reason"),
        metadata={str(k): str(v) for k, v in (_get(data, "metadata", {}) or {}).items()},
    )


def _invoice_payment_intent(invoice: dict) -> str | None:
    """The payment intent that paid an invoice: the current API lists an invoice's
    payments (`payments`, when expanded) rather than naming one payment intent."""
    for payment in _get(_get(invoice, "payments", {}), "data", []):
        inner = _get(payment, "payment", {})
        if _get(inner, "type", "payment_intent") == "payment_intent":
            intent = _id(_get(inner, "payment_intent"))
            if intent:
                return intent
    return None


def invoice_from_dict(data: dict) -> ProviderInvoice:
    """A ProviderInvoice from a Stripe Invoice. Its subscription is named under
    `parent.subscription_details` (there is no top-level `subscription` any more), as is
    the subscription's metadata as it stood when the invoice was made."""
    details = _get(_get(data, "parent", {}), "subscription_details", {})
    lines = []
    for line in _get(_get(data, "lines", {}), "data", []):
        parent = _get(line, "parent", {})
        item = _get(parent, "subscription_item_details", {})
        period = _get(line, "period", {})
        lines.append(
            ProviderInvoiceLine(
                subscription_item_id=_id(_get(item, "subscription_item")),
                description=_get(line, "description", ""),
                quantity=int(_get(line, "quantity", 1)),
                amount_pence=int(_get(line, "amount", 0)),
                period_start=_datetime(_get(period, "start")),
                period_end=_datetime(_get(period, "end")),
            )
        )
    recurring = [line for line in lines if line.subscription_item_id and line.period_end]
    return ProviderInvoice(
        id=data["id"],
        subscription_id=_id(_get(details, "subscription")),
        customer_id=_id(_get(data, "customer")),
        billing_reason=_get(data, "billing_reason", ""),
        status=_get(data, "status", "draft"),
        amount_paid_pence=int(_get(data, "amount_paid", 0)),
        amount_due_pence=int(_get(data, "amount_due", 0)),
        currency=_get(data, "currency", "gbp"),
        period_start=recurring[0].period_start
        if recurring
        else _datetime(_get(data, "period_start")),
        period_end=recurring[0].period_end if recurring else _datetime(_get(data, "period_end")),
        payment_intent_id=_invoice_payment_intent(data),
        attempt_count=int(_get(data, "attempt_count", 0)),
        next_payment_attempt=_datetime(_get(data, "next_payment_attempt")),
        lines=tuple(lines),
        subscription_metadata={
            str(k): str(v) for k, v in (_get(details, "metadata", {}) or {}).items()
        },
    )
