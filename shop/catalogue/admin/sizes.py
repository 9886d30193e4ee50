"""A product's sizes (SKU, label, prices, weight, on sale or not) and their stock: every
change of units on hand is a recorded adjustment, made by a conditional UPDATE so stock
never goes below zero nor below what is held for unpaid orders.

Plain functions: they change the models and flush, and leave committing to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from shop.backoffice.audit import changed_values, record_audit
from shop.catalogue.admin.errors import CatalogueError
from shop.catalogue.admin.rules import SKU_RULE, check_compare_at, is_sku
from shop.catalogue.models import Product, StockAdjustment, Variant
from shop.catalogue.stock import announce_freed_units
from shop.extensions import db
from shop.money import format_pounds


@dataclass
class VariantData:
    sku: str
    size_label: str
    price_pence: int
    compare_at_pence: int | None = None
    weight_grams: int = 0
    is_active: bool = True
    subscribable: bool = True


def variant_snapshot(variant: Variant) -> dict:
    return {
        "sku": variant.sku,
        "size_label": variant.size_label,
        "price": format_pounds(variant.price_pence),
        "compare_at_price": format_pounds(variant.compare_at_pence) or None,
        "weight_grams": variant.weight_grams,
        "is_active": variant.is_active,
        "subscribable": variant.subscribable,
    }


def check_sku(sku: str, variant_id: int | None = None) -> None:
    """Refuse a badly formed SKU or one another size already uses (any case)."""
    if not is_sku(sku):
        raise CatalogueError(f"That is not a usable SKU. {SKU_RULE}", "sku")
    stmt = (
        select(Variant)
        .where(func.lower(Variant.sku) == sku.lower())
        .options(joinedload(Variant.product))
    )
    if variant_id is not None:
        stmt = stmt.where(Variant.id != variant_id)
    other = db.session.scalar(stmt)
    if other is not None:
        raise CatalogueError(
            f"The SKU {other.sku} is already used by {other.product.name} ({other.size_label}). "
            "Every size needs its own.",
            "sku",
        )


def _set_variant(variant: Variant, data: VariantData) -> None:
    variant.sku = data.sku
    variant.size_label = data.size_label
    variant.price_pence = data.price_pence
    variant.compare_at_pence = data.compare_at_pence
    variant.weight_grams = data.weight_grams
    variant.is_active = data.is_active
    variant.subscribable = data.subscribable


def create_variant(
    product: Product, data: VariantData, opening_stock: int, actor, ip: str | None = None
) -> Variant:
    """Add a size to a product; opening stock, if any, is recorded as an adjustment."""
    check_sku(data.sku)
    check_compare_at(data.price_pence, data.compare_at_pence)
    if opening_stock < 0:
        raise CatalogueError("Opening stock cannot be negative.", "opening_stock")
    position = max((v.position for v in product.variants), default=-1) + 1
    variant = Variant(product=product, position=position, on_hand=0, reserved=0)
    _set_variant(variant, data)
    db.session.add(variant)
    db.session.flush()
    record_audit(
        actor,
        "variant.create",
        "variant",
        variant.id,
        f"Added the size {variant.size_label} ({variant.sku}) to {product.name}",
        None,
        variant_snapshot(variant) | {"product": product.slug},
        ip=ip,
    )
    if opening_stock:
        adjust_stock(variant, opening_stock, "Opening stock", actor, ip=ip)
    return variant


def update_variant(variant: Variant, data: VariantData, actor, ip: str | None = None) -> bool:
    """Change a size's SKU, label, prices, weight or whether it is on sale."""
    check_sku(data.sku, variant.id)
    check_compare_at(data.price_pence, data.compare_at_pence)
    before = variant_snapshot(variant)
    _set_variant(variant, data)
    db.session.flush()
    old, new = changed_values(before, variant_snapshot(variant))
    if not new:
        return False
    record_audit(
        actor,
        "variant.update",
        "variant",
        variant.id,
        f"Edited the size {variant.size_label} ({variant.sku}) of {variant.product.name}",
        old,
        new,
        ip=ip,
    )
    return True


def adjust_stock(
    variant: Variant, change: int, reason: str, actor, ip: str | None = None
) -> StockAdjustment:
    """Add or take away units on hand, with the reason, in one conditional UPDATE:
    stock never goes below zero nor below the units held for unpaid orders, however
    many people sell or adjust at the same moment."""
    reason = " ".join((reason or "").split())
    if not change:
        raise CatalogueError("Enter how many units to add (like 12) or take away (like -3).")
    if not reason:
        raise CatalogueError("Say why the stock changes, like “Delivery from the lab”.", "reason")
    after = Variant.on_hand + change
    new_on_hand = db.session.scalar(
        update(Variant)
        .where(Variant.id == variant.id, after >= 0, after >= Variant.reserved)
        .values(on_hand=after)
        .returning(Variant.on_hand)
        .execution_options(synchronize_session=False)
    )
    if new_on_hand is None:
        db.session.refresh(variant, ["on_hand", "reserved"])
        if variant.on_hand + change < 0:
            raise CatalogueError(
                f"Stock cannot go below zero: with {variant.on_hand} on hand, "
                f"you can take away at most {variant.on_hand}.",
                "change",
            )
        raise CatalogueError(
            f"{variant.reserved} of the {variant.on_hand} on hand are held for orders "
            "waiting for payment, so you can take away at most "
            f"{variant.on_hand - variant.reserved}.",
            "change",
        )
    set_committed_value(variant, "on_hand", new_on_hand)
    announce_freed_units(variant.id, change)
    return _record_adjustment(variant, change, new_on_hand, reason, actor, ip)


def _record_adjustment(
    variant: Variant,
    change: int,
    on_hand: int,
    reason: str,
    actor,
    ip: str | None,
    audit: bool = True,
) -> StockAdjustment:
    adjustment = StockAdjustment(
        variant_id=variant.id,
        change=change,
        reason=reason[:500],
        staff_email=actor.email if actor is not None else "",
        on_hand_after=on_hand,
    )
    db.session.add(adjustment)
    if audit:
        record_audit(
            actor,
            "stock.adjust",
            "variant",
            variant.id,
            f"{'Added' if change > 0 else 'Took away'} {abs(change)} of {variant.sku}: {reason}",
            {"on_hand": on_hand - change},
            {"on_hand": on_hand},
            ip=ip,
        )
    return adjustment


def set_stock(
    variant: Variant,
    on_hand: int,
    seen_on_hand: int,
    reason: str,
    actor,
    ip: str | None = None,
    audit: bool = True,
) -> StockAdjustment | None:
    """Set a size's units on hand to a count (from a stock-take or an import), as long
    as it is still `seen_on_hand` and the new count covers what is reserved.

    With `audit=False` the caller writes the change into an audit entry of its own
    (the CSV import puts it in the size's entry) and the adjustment is not flushed."""
    if on_hand == seen_on_hand:
        return None
    new_on_hand = db.session.scalar(
        update(Variant)
        .where(
            Variant.id == variant.id,
            Variant.on_hand == seen_on_hand,
            Variant.reserved <= on_hand,
        )
        .values(on_hand=on_hand)
        .returning(Variant.on_hand)
        .execution_options(synchronize_session=False)
    )
    if new_on_hand is None:
        raise CatalogueError(
            f"The stock of {variant.sku} changed while you worked (orders or another "
            "member of staff), or is held for orders waiting for payment. Check it and "
            "try again."
        )
    set_committed_value(variant, "on_hand", new_on_hand)
    announce_freed_units(variant.id, on_hand - seen_on_hand)
    return _record_adjustment(
        variant, on_hand - seen_on_hand, new_on_hand, reason, actor, ip, audit=audit
    )


def recent_adjustments(variant: Variant, limit: int = 20) -> list[StockAdjustment]:
    stmt = (
        select(StockAdjustment)
        .where(StockAdjustment.variant_id == variant.id)
        .order_by(StockAdjustment.created_at.desc(), StockAdjustment.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
