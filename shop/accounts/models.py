"""Customer accounts and the one-time sign-in codes that open them."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db
from shop.models import UTCDateTime, utcnow

# Six digits, and how long a code (and its link) lasts, and how many wrong tries kill it.
CODE_DIGITS = 6
CODE_MAX_ATTEMPTS = 5


def new_session_key() -> str:
    return secrets.token_hex(16)


class Customer(db.Model):
    """A shopper's account, made by their first verified sign-in. There is no password:
    owning the email address is what signs them in.

    Not shown on cached pages by itself: a comment shows its author's display name, which
    is chosen once and never changes, and erasing an account updates the comments (which
    are shown), so a sign-in never makes the page cache start again."""

    __tablename__ = "customer"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # verified, lower-case
    name: Mapped[str] = mapped_column(String(120), default="")
    # The name shown beside their comments, chosen once with the first comment; never
    # the email.
    display_name: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Random, and part of what the session cookie holds: a new one ends every session of
    # the account, on every device (signing out). Not a counter: an erased account's id
    # can be used again (SQLite reuses the highest), and its old cookies must not fit
    # the new account.
    session_key: Mapped[str] = mapped_column(String(32), default=new_session_key)
    # The basket kept with the account, merged with a guest basket at sign-in.
    cart_id: Mapped[int | None] = mapped_column(
        ForeignKey("cart.id", ondelete="SET NULL"), index=True
    )
    # Set by staff: the account may no longer comment.
    comments_blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The Stripe Customer made once for this account, passed to Checkout Sessions so
    # Stripe remembers addresses and cards.
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)

    @property
    def comments_blocked(self) -> bool:
        return self.comments_blocked_at is not None

    def __repr__(self) -> str:
        return f"<Customer {self.id}>"


class CodePurpose(StrEnum):
    SIGN_IN = "sign_in"  # to sign in (and, the first time, open the account)
    CHANGE_EMAIL = "change_email"  # to prove a signed-in customer owns a new address


class SignInCode(db.Model):
    """The live one-time code (and link) for one address and purpose: asking again
    replaces it. Only keyed hashes are kept (shop.accounts.codes), so a copy of the
    database lets nobody sign in; a code is spent by one conditional UPDATE."""

    __tablename__ = "sign_in_code"
    __table_args__ = (
        UniqueConstraint("email", "purpose"),
        CheckConstraint("purpose IN ('sign_in', 'change_email')", name="purpose_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))  # where the code was sent, lower-case
    purpose: Mapped[str] = mapped_column(String(20))
    # For CHANGE_EMAIL: the account whose address changes.
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    link_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Codes checked so far (the right one included): none is checked past
    # CODE_MAX_ATTEMPTS, so five wrong guesses kill it.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
