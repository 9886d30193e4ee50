"""The account's emails: the sign-in code (with its link), the code that confirms a new
address, and the note to the old address once it changed. Each goes into the outbox
with the change that asks for it (`send_email`; the caller commits) and the task queue
delivers it, so the consumer must run for codes to arrive."""

from __future__ import annotations

from flask import current_app

from shop.accounts.models import CODE_DIGITS
from shop.accounts.services import CODE_LIFETIME, IssuedCode
from shop.mail import register_delivery_check, send_email
from shop.mail.models import OutgoingEmail
from shop.models import utcnow
from shop.urls import absolute_url

SIGN_IN_CODE = "account_sign_in_code"
EMAIL_CHANGE_CODE = "account_email_change_code"
EMAIL_CHANGED = "account_email_changed"


def _minutes() -> int:
    return int(CODE_LIFETIME.total_seconds() // 60)


def send_sign_in_code(issued: IssuedCode) -> None:
    """Queue the email holding a sign-in code and its link."""
    shop_name = current_app.config["SHOP_NAME"]
    send_email(
        issued.email,
        f"{issued.code} is your {shop_name} sign-in code",
        "email/account_sign_in_code",
        kind=SIGN_IN_CODE,
        label="Sign-in code",
        code=issued.code,
        link=absolute_url("account.login_link", token=issued.link_token),
        minutes=_minutes(),
    )


def send_email_change_code(issued: IssuedCode) -> None:
    """Queue the code that proves the customer reads their new address."""
    shop_name = current_app.config["SHOP_NAME"]
    send_email(
        issued.email,
        f"{issued.code} is your code to use this address at {shop_name}",
        "email/account_email_change_code",
        kind=EMAIL_CHANGE_CODE,
        label="Email change code",
        code=issued.code,
        minutes=_minutes(),
    )


def send_email_changed(old_email: str, new_email: str) -> None:
    """Queue a note to the old address: the account now uses another one."""
    send_email(
        old_email,
        "Your account's email address was changed",
        "email/account_email_changed",
        kind=EMAIL_CHANGED,
        label="Email changed",
        new_email=new_email,
        account_url=absolute_url("account.overview"),
    )


def _code_expired(email: OutgoingEmail) -> str | None:
    """A code that waited longer than it lasts (the mail server was away) is not sent."""
    if utcnow() - email.created_at > CODE_LIFETIME:
        return f"The code had expired ({CODE_DIGITS}-digit codes last {_minutes()} minutes)."
    return None


register_delivery_check(SIGN_IN_CODE, _code_expired)
register_delivery_check(EMAIL_CHANGE_CODE, _code_expired)
