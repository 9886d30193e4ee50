"""Applying a previewed CSV import: the plan's changes, in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from shop.backoffice.audit import changed_values, record_audit
from shop.catalogue.admin.csv_columns import PRODUCT_COLUMNS, snapshot
from shop.catalogue.admin.csv_plan import ImportPlan, VariantPlan
from shop.catalogue.admin.errors import CatalogueError
from shop.catalogue.admin.sizes import set_stock, variant_snapshot
from shop.catalogue.models import Product, Variant
from shop.extensions import db

CSV_REASON = "CSV import"


@dataclass
class ImportResult:
    products_created: int = 0
    products_updated: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    stock_changes: int = 0

    @property
    def changed(self) -> bool:
        return any(
            (
                self.products_created,
                self.products_updated,
                self.variants_created,
                self.variants_updated,
                self.stock_changes,
            )
        )

    def summary(self) -> str:
        parts = [
            (self.products_created, "product created", "products created"),
            (self.products_updated, "product updated", "products updated"),
            (self.variants_created, "size created", "sizes created"),
            (self.variants_updated, "size updated", "sizes updated"),
            (self.stock_changes, "stock level changed", "stock levels changed"),
        ]
        said = [f"{n} {one if n == 1 else many}" for n, one, many in parts if n]
        return ", ".join(said) if said else "nothing changed"


@dataclass
class _Audit:
    action: str
    entity_type: str
    entity: Product | Variant
    summary: str
    before: dict | None
    after: dict | None


@dataclass
class _SizeChange:
    variant: Variant
    plan: VariantPlan
    created: bool
    before: dict = field(default_factory=dict)  # changed values (not for a new size)
    after: dict = field(default_factory=dict)


def _set(entity, values: dict) -> None:
    for attribute, value in values.items():
        setattr(entity, attribute, value)


@dataclass
class _Import:
    """One import being applied: what it changed, and the audit entries it owes."""

    plan: ImportPlan
    actor: object
    ip: str | None
    result: ImportResult = field(default_factory=ImportResult)
    audits: list[_Audit] = field(default_factory=list)
    products: dict[str, Product] = field(default_factory=dict)  # by slug

    def apply_products(self) -> None:
        """Create and update the products, in one flush."""
        changed: list[tuple[Product, dict | None, dict | None]] = []
        for slug, product_plan in self.plan.products.items():
            product = product_plan.product
            if product is None:
                product = Product(slug=slug)
                _set(product, product_plan.values)
                db.session.add(product)
                changed.append((product, None, None))
            else:
                before = snapshot(PRODUCT_COLUMNS, product)
                _set(product, product_plan.values)
                old, new = changed_values(before, snapshot(PRODUCT_COLUMNS, product))
                if new:
                    changed.append((product, old, new))
            self.products[slug] = product
        db.session.flush()
        for product, old, new in changed:
            self.audit_product(product, old, new)

    def audit_product(self, product: Product, old: dict | None, new: dict | None) -> None:
        if old is None:
            after = snapshot(PRODUCT_COLUMNS, product) | {"slug": product.slug}
            summary = f"Added the product {product.name}"
            self.audits.append(_Audit("product.create", "product", product, summary, None, after))
            self.result.products_created += 1
        else:
            summary = f"Edited the product {product.name}"
            self.audits.append(_Audit("product.update", "product", product, summary, old, new))
            self.result.products_updated += 1

    def new_variant(self, variant_plan: VariantPlan, positions: dict[str, int]) -> Variant:
        """A size to add after the product's others (a product made just now has none)."""
        slug = variant_plan.product_slug
        product = self.products[slug]
        if slug not in positions:
            existing = [] if self.plan.products[slug].product is None else product.variants
            positions[slug] = max((v.position for v in existing), default=-1) + 1
        variant = Variant(
            product=product,
            sku=variant_plan.sku,
            position=positions[slug],
            on_hand=0,
            reserved=0,
        )
        positions[slug] += 1
        _set(variant, variant_plan.values)
        db.session.add(variant)
        return variant

    def apply_sizes(self) -> list[_SizeChange]:
        """Create and update the sizes, in one flush."""
        positions: dict[str, int] = {}
        changes = []
        for variant_plan in self.plan.variants:
            variant = variant_plan.variant
            if variant is None:
                changes.append(
                    _SizeChange(self.new_variant(variant_plan, positions), variant_plan, True)
                )
                continue
            before = variant_snapshot(variant)
            _set(variant, variant_plan.values)
            old, new = changed_values(before, variant_snapshot(variant))
            changes.append(_SizeChange(variant, variant_plan, False, old, new))
        db.session.flush()
        return changes

    def apply_stock(self, change: _SizeChange) -> None:
        """Set the size's stock as the file says (an adjustment, in the size's audit
        entry), and note what the size's entry holds."""
        variant, variant_plan = change.variant, change.plan
        stock_before = variant.on_hand
        adjusted = variant_plan.on_hand is not None and set_stock(
            variant,
            variant_plan.on_hand,
            variant_plan.seen_on_hand,
            CSV_REASON,
            self.actor,
            self.ip,
            audit=False,
        )
        if adjusted:
            self.result.stock_changes += 1
        product = variant.product
        if change.created:
            after = variant_snapshot(variant) | {
                "product": product.slug,
                "on_hand": variant.on_hand,
            }
            summary = f"Added the size {variant.size_label} ({variant.sku}) to {product.name}"
            self.audits.append(_Audit("variant.create", "variant", variant, summary, None, after))
            self.result.variants_created += 1
            return
        old, new = change.before, change.after
        if adjusted:
            old, new = old | {"on_hand": stock_before}, new | {"on_hand": variant.on_hand}
        if new:
            summary = f"Edited the size {variant.size_label} ({variant.sku}) of {product.name}"
            self.audits.append(_Audit("variant.update", "variant", variant, summary, old, new))
            if set(new) - {"on_hand"}:
                self.result.variants_updated += 1

    def record(self) -> None:
        """The audit entries owed, then the import's own entry with its counts."""
        for audit in self.audits:
            record_audit(
                self.actor,
                audit.action,
                audit.entity_type,
                audit.entity.id,
                f"{audit.summary} (CSV import)",
                audit.before,
                audit.after,
                ip=self.ip,
            )
        result = self.result
        if not result.changed:
            return
        record_audit(
            self.actor,
            "catalogue.import",
            "catalogue",
            None,
            f"Imported a CSV file of {len(self.plan.rows)} rows: {result.summary()}",
            None,
            {
                "products_created": result.products_created,
                "products_updated": result.products_updated,
                "variants_created": result.variants_created,
                "variants_updated": result.variants_updated,
                "stock_changes": result.stock_changes,
            },
            ip=self.ip,
        )


def apply_import(plan: ImportPlan, actor, ip: str | None = None) -> ImportResult:
    """Make the changes of a plan without errors (flushed, not committed: the caller
    commits once, so the whole file applies or none of it).

    Stock changes are recorded as adjustments with the reason "CSV import", each made
    with the same conditional UPDATE as any other. Every product and size changed
    gets an audit entry with the changed values before and after (a size's entry
    includes its stock), and the import one entry of its own with the counts.
    Rows are written in a few batched flushes, so a large file applies quickly.
    """
    if plan.has_errors:
        raise CatalogueError("The file has errors: correct them and preview it again.")
    run = _Import(plan, actor, ip)
    run.apply_products()
    sizes = run.apply_sizes()
    with db.session.no_autoflush:
        for change in sizes:
            run.apply_stock(change)
    run.record()
    return run.result
