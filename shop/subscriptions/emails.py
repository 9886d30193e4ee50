"""Every email about a subscription, through the one mailer (shop.mail.send_email):
started, each change, the reminder before a renewal (with one-click skip and cancel
links), a renewal waiting for stock and a failed payment. Stored in the outbox in the
caller's transaction, so an email exists only if the change it tells of committed."""

from __future__ import annotations

from contextlib import nullcontext

from flask import current_app, has_request_context
from itsdangerous import BadSignature, URLSafeTimedSerializer

from shop.mail import send_email
from shop.urls import absolute_url

LINK_SALT = "subscription-link"
# The skip and cancel links of a reminder work this long.
LINK_MAX_AGE = 45 * 86400
LINK_ACTIONS = ("skip", "cancel")

SUBJECTS = {
    "started": "Your subscription has started",
    "skipped": "Your next delivery is skipped",
    "changed": "Your subscription has changed",
    "paused": "Your subscription is paused",
    "resumed": "Your subscription has resumed",
    "cancelled": "Your subscription is cancelled",
    "reminder": "Your next subscription delivery",
    "waiting_for_stock": "Your delivery is waiting for stock",
    "payment_failed": "We could not take your subscription payment",
}

INTROS = {
    "started": "Thank you for subscribing. Your first delivery is on its way to being packed.",
    "skipped": "As you asked, we have skipped your next delivery.",
    "changed": "As you asked, we have changed your subscription.",
    "paused": "As you asked, we have paused your subscription.",
    "resumed": "As you asked, your subscription has resumed.",
    "cancelled": "As you asked, your subscription is cancelled: there will be no more "
    "deliveries and nothing more is charged.",
    "reminder": "Your next subscription delivery is coming up. If you want nothing to "
    "change, there is nothing to do.",
    "waiting_for_stock": "We have taken the payment for your latest delivery, but some of it "
    "is out of stock just now. We will send it as soon as it is back, and email you when it "
    "ships.",
    "payment_failed": "Your bank declined the payment for your latest subscription delivery. "
    "Please update your card so we can send it.",
}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def link_token(subscription_id: int, action: str) -> str:
    """The signed value in a reminder's one-click link: the subscription and the action."""
    return _serializer().dumps([subscription_id, action])


def read_link_token(token: str, action: str) -> int | None:
    """The subscription a link's token names for `action`, or None (forged, expired, or
    for another action)."""
    if not isinstance(token, str) or len(token) > 300:
        return None
    try:
        value = _serializer().loads(token, max_age=LINK_MAX_AGE)
    except BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or value[1] != action
    ):
        return None
    return value[0]


def send_subscription_email(
    subscription, kind: str, *, portal_url: str = "", dedupe_key: str | None = None, **context
) -> None:
    """Queue the `kind` email for a subscription (see SUBJECTS)."""
    if not subscription.email:
        return
    links = {}
    with (
        nullcontext()
        if has_request_context()
        else current_app.test_request_context(base_url=current_app.config["SHOP_BASE_URL"])
    ):
        manage_url = absolute_url("subscriptions.account_subscriptions")
        if kind == "reminder":
            for action in LINK_ACTIONS:
                links[action] = absolute_url(
                    "subscriptions.one_click",
                    action=action,
                    token=link_token(subscription.id, action),
                )
    subject = SUBJECTS[kind]
    key = dedupe_key
    if kind == "reminder" and subscription.next_renewal_at is not None:
        key = f"subscription-reminder:{subscription.id}:{subscription.next_renewal_at:%Y%m%d%H%M}"
    send_email(
        subscription.email,
        subject,
        "email/subscription",
        kind=f"subscription_{kind}",
        label=subject,
        dedupe_key=key,
        title=subject,
        subscription=subscription,
        kind_name=kind,
        intro=INTROS[kind],
        manage_url=manage_url,
        links=links,
        portal_url=portal_url,
        **context,
    )
