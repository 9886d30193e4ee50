"""The back-in-stock emails: the confirmation link, and the one "It's back" email each
waiting request gets. Both carry a one-click unsubscribe (List-Unsubscribe, RFC 8058)."""

from __future__ import annotations

from contextlib import nullcontext

from flask import current_app, has_request_context

from shop.alerts import services
from shop.alerts.models import StockAlert
from shop.catalogue.models import Variant
from shop.mail import send_email
from shop.urls import absolute_url

ONE_CLICK = "List-Unsubscribe=One-Click"
CONFIRM_KIND = "stock_alert_confirm"
BACK_KIND = "stock_alert_back"


def _url_context():
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config.get("SHOP_BASE_URL"))


def _unsubscribe(email: str) -> tuple[str, dict[str, str]]:
    url = absolute_url("alerts.unsubscribe", token=services.unsubscribe_token(email))
    return url, {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK}


def queue_confirmation(alert: StockAlert, variant: Variant, token: str) -> None:
    """Ask the address to confirm its request (into the outbox; the caller commits)."""
    with _url_context():
        unsubscribe_url, headers = _unsubscribe(alert.email)
        send_email(
            alert.email,
            f"Confirm: email me when {variant.product.name} is back",
            "email/stock_alert_confirm",
            headers=headers,
            kind=CONFIRM_KIND,
            label="Back-in-stock confirmation",
            product=variant.product,
            variant=variant,
            confirm_url=absolute_url("alerts.confirm", token=token),
            unsubscribe_url=unsubscribe_url,
            valid_days=current_app.config["STOCK_ALERT_DAYS"],
        )


def queue_back_in_stock(alert: StockAlert, variant: Variant) -> None:
    """Tell a waiting address its size is back (into the outbox, once per request: the
    claim and the dedupe key both say so; the caller commits)."""
    with _url_context():
        unsubscribe_url, headers = _unsubscribe(alert.email)
        product = variant.product
        send_email(
            alert.email,
            f"Back in stock: {product.name} ({variant.size_label})",
            "email/stock_alert_back",
            headers=headers,
            kind=BACK_KIND,
            label="Back in stock",
            dedupe_key=f"stock-alert:{alert.id}:{alert.requested_at.timestamp():.6f}",
            product=product,
            variant=variant,
            product_url=absolute_url(
                "catalogue.product_detail", slug=product.slug, variant=variant.id
            ),
            cart_url=absolute_url("cart.view_cart"),
            unsubscribe_url=unsubscribe_url,
        )
