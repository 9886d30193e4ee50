"""Sizes coming back into stock: `stock_available` after the commit that freed them.

Whatever frees units (staff adding stock, a checkout released, a refund putting units
back) calls `announce_freed_units` in its transaction, after its UPDATE; the signal goes
out once that transaction commits, for the sizes that had none free before it.
"""

from __future__ import annotations

from sqlalchemy import select

from shop.catalogue.models import Variant
from shop.extensions import db
from shop.signals import send_after_commit, stock_available


def announce_freed_units(variant_id: int, units: int, free_now: int | None = None) -> None:
    """Note that this transaction has just made `units` more of a size free to sell
    (flushes nothing). When the size had none free before and has some now, sends
    `stock_available` for it after the commit.

    `free_now` is the size's on hand less reserved after the change, when the UPDATE
    returned it; otherwise it is read (the UPDATE holds the row, so nobody has changed
    it since)."""
    if units <= 0:
        return
    if free_now is None:
        free_now = db.session.scalar(
            select(Variant.on_hand - Variant.reserved).where(Variant.id == variant_id)
        )
    if free_now is not None and free_now > 0 >= free_now - units:
        send_after_commit(stock_available, variant_ids=frozenset({variant_id}))
