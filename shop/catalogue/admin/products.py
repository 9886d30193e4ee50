"""Products as staff edit them: the choices the product form offers, reading a product
for its editing pages, and adding, changing, archiving and unarchiving one (audited).

Plain functions: they change the models and flush, and leave committing, the request
and the signed-in user to the caller (the actor and IP are passed in).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from shop.backoffice.audit import changed_values, record_audit
from shop.catalogue.admin.addresses import claim_slug, keep_old_address
from shop.catalogue.admin.errors import CatalogueError
from shop.catalogue.models import (
    DEFAULT_MAX_PER_ORDER,
    Category,
    FreeFromFlag,
    Product,
    ProductPairing,
    SkinConcern,
)
from shop.extensions import db

# Choices -----------------------------------------------------------------------------------


def leaf_categories() -> list[Category]:
    """The shelves products go on (categories without sub-categories), grouped by parent."""
    child = aliased(Category)
    parent = aliased(Category)
    stmt = (
        select(Category)
        .outerjoin(parent, Category.parent)
        .where(~exists().where(child.parent_id == Category.id))
        .order_by(func.coalesce(parent.position, Category.position), parent.name, Category.position)
        .options(joinedload(Category.parent))
    )
    return list(db.session.scalars(stmt))


def all_categories() -> list[Category]:
    """Every shelf, groups first then their children, for the list's filter menu."""
    stmt = select(Category).order_by(Category.position, Category.name)
    categories = list(db.session.scalars(stmt))
    tops = [c for c in categories if c.parent_id is None]
    ordered = []
    for top in tops:
        ordered.append(top)
        ordered.extend(c for c in categories if c.parent_id == top.id)
    ordered.extend(c for c in categories if c not in ordered)
    return ordered


def all_concerns() -> list[SkinConcern]:
    return list(db.session.scalars(select(SkinConcern).order_by(SkinConcern.position)))


def all_free_from_flags() -> list[FreeFromFlag]:
    return list(db.session.scalars(select(FreeFromFlag).order_by(FreeFromFlag.position)))


# Reading and writing -----------------------------------------------------------------------


def product_for_editor(product_id: int) -> Product | None:
    """A product with what its editing pages show, in a fixed number of queries."""
    stmt = (
        select(Product)
        .where(Product.id == product_id)
        .options(
            joinedload(Product.category),
            selectinload(Product.variants),
            selectinload(Product.images),
            selectinload(Product.ingredients),
            selectinload(Product.strains),
            selectinload(Product.nutrients),
            selectinload(Product.concerns),
            selectinload(Product.free_from),
            selectinload(Product.questions),
            selectinload(Product.pairings).joinedload(ProductPairing.paired_product),
        )
    )
    return db.session.scalar(stmt)


@dataclass
class ProductData:
    """A product's details as staff edit them."""

    name: str
    slug: str
    category_id: int | None
    short_description: str = ""
    long_description: str = ""
    how_to_use: str = ""
    warnings: str = ""
    serving_size: str = ""
    featured_rank: int | None = None
    max_per_order: int = DEFAULT_MAX_PER_ORDER
    concern_ids: list[int] = field(default_factory=list)
    free_from_ids: list[int] = field(default_factory=list)
    subscribable: bool = False
    subscribe_discount_percent: int | None = None
    subscribe_intervals: str = "1,2,3"


def product_snapshot(product: Product) -> dict:
    """What the audit log keeps of a product's details."""
    return {
        "name": product.name,
        "slug": product.slug,
        "category": product.category.slug if product.category else None,
        "short_description": product.short_description,
        "long_description": product.long_description,
        "how_to_use": product.how_to_use,
        "warnings": product.warnings,
        "serving_size": product.serving_size,
        "featured_rank": product.featured_rank,
        "max_per_order": product.max_per_order,
        "is_active": product.is_active,
        "concerns": [c.slug for c in product.concerns],
        "free_from": [f.slug for f in product.free_from],
        "subscribable": product.subscribable,
        "subscribe_discount_percent": product.subscribe_discount_percent,
        "subscribe_intervals": product.subscribe_intervals,
    }


def _leaf_category(category_id: int | None) -> Category:
    category = db.session.get(Category, category_id) if category_id else None
    if category is None:
        raise CatalogueError("Choose the category the product goes in.", "category")
    if db.session.scalar(select(exists().where(Category.parent_id == category.id))):
        raise CatalogueError(
            f"“{category.name}” holds other categories: choose one of them.", "category"
        )
    return category


def _apply_product_data(product: Product, data: ProductData, category: Category) -> None:
    """Set a product's details; the concerns and flags are read before anything changes,
    so no half-made product is flushed on the way."""
    wanted_concerns = set(data.concern_ids)
    wanted_flags = set(data.free_from_ids)
    concerns = [c for c in all_concerns() if c.id in wanted_concerns]
    flags = [f for f in all_free_from_flags() if f.id in wanted_flags]
    product.name = data.name
    product.category = category
    product.short_description = data.short_description
    product.long_description = data.long_description
    product.how_to_use = data.how_to_use
    product.warnings = data.warnings
    product.serving_size = data.serving_size
    product.featured_rank = data.featured_rank
    product.max_per_order = data.max_per_order
    product.concerns = concerns
    product.free_from = flags
    product.subscribable = data.subscribable
    product.subscribe_discount_percent = data.subscribe_discount_percent
    product.subscribe_intervals = data.subscribe_intervals


def create_product(
    data: ProductData, actor, ip: str | None = None, take_over_redirect: bool = False
) -> Product:
    """Add a product. It starts archived, hidden from the shop, until staff have added
    its sizes and pictures and unarchive it."""
    category = _leaf_category(data.category_id)
    taken_from = claim_slug(data.slug, None, take_over_redirect)
    product = Product(slug=data.slug, is_active=False)
    _apply_product_data(product, data, category)
    db.session.add(product)
    db.session.flush()
    after = product_snapshot(product)
    summary = f"Added the product {product.name}"
    if taken_from:
        after["took_over_address_of"] = taken_from
        summary += f" (took over /products/{product.slug} from {taken_from})"
    record_audit(actor, "product.create", "product", product.id, summary, None, after, ip=ip)
    return product


def update_product(
    product: Product,
    data: ProductData,
    actor,
    ip: str | None = None,
    take_over_redirect: bool = False,
) -> bool:
    """Change a product's details. A new slug keeps the old address working (301).
    False when nothing changed."""
    before = product_snapshot(product)
    category = _leaf_category(data.category_id)
    old_slug = product.slug
    taken_from = None
    if data.slug != old_slug:
        taken_from = claim_slug(data.slug, product, take_over_redirect)
        product.slug = data.slug
        keep_old_address(product, old_slug)
    _apply_product_data(product, data, category)
    db.session.flush()
    old, new = changed_values(before, product_snapshot(product))
    if not new:
        return False
    summary = f"Edited the product {product.name}"
    if "slug" in new:
        summary += f"; /products/{old_slug} now redirects to /products/{product.slug}"
    if taken_from:
        new["took_over_address_of"] = taken_from
    record_audit(actor, "product.update", "product", product.id, summary, old, new, ip=ip)
    return True


def set_product_active(product: Product, active: bool, actor, ip: str | None = None) -> bool:
    """Archive (hide from the shop) or unarchive a product. False when it already was."""
    if product.is_active == active:
        return False
    product.is_active = active
    db.session.flush()
    action = "product.unarchive" if active else "product.archive"
    verb = "Unarchived" if active else "Archived"
    record_audit(
        actor,
        action,
        "product",
        product.id,
        f"{verb} the product {product.name}",
        {"is_active": not active},
        {"is_active": active},
        ip=ip,
    )
    return True
