"""The staff product list: search by name, slug or SKU, and filter by shelf, stock and
whether a product is archived."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from shop.catalogue.models import Category, Product, Variant
from shop.catalogue.services import StockState, like_pattern


class StatusFilter(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return {"active": "Active", "archived": "Archived"}[self.value]


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    category: str = ""
    stock: str = ""  # a StockState
    status: str = ""


def best_available_expression():
    """Units left to sell of a product's best-stocked active size (0 without one)."""
    best = (
        select(func.max(Variant.on_hand - Variant.reserved))
        .where(Variant.product_id == Product.id, Variant.is_active.is_(True))
        .correlate(Product)
        .scalar_subquery()
    )
    return func.coalesce(best, 0)


def product_list_query(filters: ProductFilters, low_threshold: int) -> Select:
    """Products matching the staff list's search and filters, by name, as a select to
    paginate; each page loads its categories, sizes and pictures in fixed queries."""
    stmt = select(Product)
    for term in filters.q.split()[:8]:
        pattern = like_pattern(term)
        stmt = stmt.where(
            or_(
                Product.name.ilike(pattern, escape="\\"),
                Product.slug.ilike(pattern, escape="\\"),
                Product.variants.any(Variant.sku.ilike(pattern, escape="\\")),
            )
        )
    if filters.category:
        shelf = select(Category.id).where(Category.slug == filters.category)
        stmt = stmt.where(
            or_(
                Product.category_id.in_(shelf),
                Product.category_id.in_(select(Category.id).where(Category.parent_id.in_(shelf))),
            )
        )
    best = best_available_expression()
    if filters.stock == StockState.SOLD_OUT:
        stmt = stmt.where(best <= 0)
    elif filters.stock == StockState.LOW:
        stmt = stmt.where(best > 0, best <= low_threshold)
    elif filters.stock == StockState.IN_STOCK:
        stmt = stmt.where(best > low_threshold)
    if filters.status == StatusFilter.ACTIVE:
        stmt = stmt.where(Product.is_active.is_(True))
    elif filters.status == StatusFilter.ARCHIVED:
        stmt = stmt.where(Product.is_active.is_(False))
    return stmt.order_by(Product.name, Product.id).options(
        joinedload(Product.category),
        selectinload(Product.variants),
        selectinload(Product.images),
    )
