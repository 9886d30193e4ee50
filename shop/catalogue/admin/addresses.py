"""A product's web address (/products/<slug>): who owns a slug, the old addresses that
send shoppers on (301) after a slug changes, and taking one over on purpose."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from shop.catalogue.admin.errors import CatalogueError, SlugRedirectInUse
from shop.catalogue.admin.rules import SLUG_RULE
from shop.catalogue.models import Product, SlugRedirect
from shop.catalogue.services import is_slug
from shop.extensions import db


def redirects_to(product: Product) -> list[SlugRedirect]:
    """The old addresses that lead to `product`, newest first."""
    stmt = (
        select(SlugRedirect)
        .where(SlugRedirect.product_id == product.id)
        .order_by(SlugRedirect.created_at.desc(), SlugRedirect.id.desc())
    )
    return list(db.session.scalars(stmt))


def slug_owner(slug: str) -> Product | None:
    return db.session.scalar(select(Product).where(Product.slug == slug))


def redirect_for(slug: str) -> SlugRedirect | None:
    return db.session.scalar(
        select(SlugRedirect)
        .where(SlugRedirect.old_slug == slug)
        .options(joinedload(SlugRedirect.product))
    )


def claim_slug(slug: str, product: Product | None, take_over: bool) -> str | None:
    """Check `product` (None for a new one) may use `slug`; removes an old address of
    the same slug when that is allowed. Returns the product whose old address was
    taken over, if one was.

    A slug another product uses is refused. A slug that is an old address of the
    same product is simply reclaimed. A slug that is an old address of *another*
    product is refused unless `take_over` says to: links to that old address
    then show this product instead.
    """
    if not is_slug(slug):
        raise CatalogueError(f"That is not a usable slug. {SLUG_RULE}", "slug")
    owner = slug_owner(slug)
    if owner is not None and owner is not product:
        raise CatalogueError(f"The product “{owner.name}” already uses this slug.", "slug")
    old = redirect_for(slug)
    if old is None:
        return None
    taken_from = None
    if product is None or old.product_id != product.id:
        if not take_over:
            raise SlugRedirectInUse(
                f"/products/{slug} is an old address of “{old.product.name}” and sends "
                "shoppers there. Tick “Take over this address” to use it here instead; "
                f"links to it will then open this product, not “{old.product.name}”.",
                old.product,
            )
        taken_from = old.product.slug
    db.session.delete(old)
    db.session.flush()
    return taken_from


def keep_old_address(product: Product, old_slug: str) -> None:
    """Make /products/<old_slug> lead to `product` from now on."""
    existing = db.session.scalar(select(SlugRedirect).where(SlugRedirect.old_slug == old_slug))
    if existing is not None:
        existing.product_id = product.id
    else:
        db.session.add(SlugRedirect(old_slug=old_slug, product_id=product.id))


def free_slug(base: str) -> str:
    """`base`, or `base-2`, `base-3`..., whichever neither a product nor an old address uses."""
    base = base[:110].rstrip("-")
    taken = set(
        db.session.scalars(
            select(Product.slug).where(or_(Product.slug == base, Product.slug.like(f"{base}-%")))
        )
    ) | set(
        db.session.scalars(
            select(SlugRedirect.old_slug).where(
                or_(SlugRedirect.old_slug == base, SlugRedirect.old_slug.like(f"{base}-%"))
            )
        )
    )
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate
