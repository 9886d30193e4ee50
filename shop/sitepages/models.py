"""A page of the shop's own (about us, delivery, returns...), written by staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db
from shop.models import ShownOnPages, UTCDateTime, utcnow


class SitePage(ShownOnPages, db.Model):
    """One of the pages in `shop.sitepages.services.PAGES`, as staff last saved it.
    Shown on cached pages (its own, and the footer's links), so an edit shows at once."""

    __tablename__ = "site_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    # The page's meta description and the line under its heading.
    summary: Mapped[str] = mapped_column(String(160), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
