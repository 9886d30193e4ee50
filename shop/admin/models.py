"""Staff accounts, their sign-in attempts (and the lock that makes them take turns) and
the audit log of what staff changed."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db
from shop.models import UTCDateTime, utcnow


class Role(StrEnum):
    ADMIN = "admin"  # everything, including staff accounts and the audit log
    EDITOR = "editor"  # catalogue, journal, newsletter
    FULFILMENT = "fulfilment"  # orders

    @property
    def label(self) -> str:
        return {"admin": "Administrator", "editor": "Editor", "fulfilment": "Fulfilment"}[
            self.value
        ]


class StaffUser(UserMixin, db.Model):
    """A member of staff who signs in to the back office."""

    __tablename__ = "staff_user"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'editor', 'fulfilment')", name="role_known"),
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


class AuditEntry(db.Model):
    """Who changed what in the back office, with the values before and after."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), index=True
    )
    # A copy of the email, so the entry still says who it was if the account goes.
    staff_email: Mapped[str] = mapped_column(String(254), default="", index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity_type: Mapped[str] = mapped_column(String(60), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[str | None] = mapped_column(Text)  # JSON object
    after: Mapped[str | None] = mapped_column(Text)  # JSON object
    ip: Mapped[str | None] = mapped_column(String(64))

    @property
    def before_data(self) -> dict:
        return json.loads(self.before) if self.before else {}

    @property
    def after_data(self) -> dict:
        return json.loads(self.after) if self.after else {}

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(key, before, after) for every key whose value differs, in key order.

        A missing side reads as None, so a creation lists every value it set.
        """
        before, after = self.before_data, self.after_data
        return [
            (key, before.get(key), after.get(key))
            for key in sorted(before.keys() | after.keys())
            if before.get(key) != after.get(key)
        ]
