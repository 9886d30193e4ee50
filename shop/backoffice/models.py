"""The audit log: who changed what in the back office, with the values before and after."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db
from shop.models import UTCDateTime, utcnow


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
