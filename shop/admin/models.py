"""Staff accounts and their sign-in attempts (and the lock that makes them take turns).

Roles are the back-office kit's (shop.backoffice.roles); so is the audit log."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.backoffice.roles import Role
from shop.extensions import db
from shop.models import UTCDateTime, utcnow


class StaffUser(UserMixin, db.Model):
    """A member of staff who signs in to the back office."""

    __tablename__ = "staff_user"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'editor', 'fulfilment', 'analyst', 'mentor')", name="role_known"
        ),
        CheckConstraint("session_version >= 1", name="session_version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # always lower-case
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the id kept in the session cookie: bumping it ends every session
    # this account has open, on every device (password change, deactivation).
    session_version: Mapped[int] = mapped_column(Integer, default=1)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def __repr__(self) -> str:
        return f"<StaffUser {self.id} {self.role}>"


class LoginAttempt(db.Model):
    """One try at signing in, kept to hold back guessing at an account's password."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_email_at", "email", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))  # as typed, lower-cased; may match nobody
    ip: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class SignInLock(db.Model):
    """One row per email typed at the staff sign-in, locked (by updating it) while an
    attempt for that email is checked: attempts for one email take turns, so each sees
    the failures recorded before it and no burst of guesses slips past the hold."""

    __tablename__ = "sign_in_lock"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)  # as LoginAttempt.email
    last_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
