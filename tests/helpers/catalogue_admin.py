"""Helpers for the catalogue admin tests."""

from __future__ import annotations

from shop.catalogue.models import Product, Variant
from shop.extensions import db


def product_by_slug(app, slug: str) -> Product | None:
    """A detached copy of a product with its sizes loaded, read outside the request."""
    with app.app_context():
        product = db.session.scalar(db.select(Product).where(Product.slug == slug))
        if product is None:
            return None
        for relation in ("variants", "images", "ingredients", "strains", "nutrients"):
            getattr(product, relation)
        product.category  # noqa: B018
        product.concerns  # noqa: B018
        product.free_from  # noqa: B018
        db.session.expunge_all()
        return product


def variant_by_sku(app, sku: str) -> Variant | None:
    with app.app_context():
        variant = db.session.scalar(db.select(Variant).where(Variant.sku == sku))
        if variant is not None:
            db.session.expunge(variant)
        return variant


def audit_entries(app, action: str | None = None) -> list:
    from shop.backoffice.models import AuditEntry

    with app.app_context():
        stmt = db.select(AuditEntry).order_by(AuditEntry.id)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        entries = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return entries
