"""The import's dry run: what a CSV file would change, row by row, without changing
anything.

For each row: the product it names (created, or updated with each changed value before
and after), the size (the same), the size's stock, or the row's errors. Cells are read
by the column table (`csv_columns`), with the same rules as the forms. The import adds
and updates; it never deletes, and a column left out leaves that value unchanged.
`csv_apply` makes a plan's changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from shop.catalogue.admin.csv_columns import (
    NO_DEFAULT,
    PRODUCT_COLUMNS,
    SIZE_COLUMNS,
    SIZE_DETAILS,
    STOCK_COLUMN,
    TABLE,
    Column,
    Lookups,
)
from shop.catalogue.admin.csv_io import CsvFile, CsvRow
from shop.catalogue.admin.errors import CatalogueError
from shop.catalogue.admin.rules import SKU_RULE, SLUG_RULE, check_compare_at, is_sku
from shop.catalogue.models import Category, Product, SlugRedirect, Variant
from shop.catalogue.services import is_slug
from shop.extensions import db

_IN_CHUNKS = 500
_SKU_COLUMN = next(column for column in TABLE if column.name == "sku")


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class RowPlan:
    number: int
    product_slug: str
    sku: str
    creates_product: bool = False
    creates_variant: bool = False
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        if self.creates_product or self.creates_variant:
            return "created"
        return "updated" if self.changes else "unchanged"


@dataclass
class ProductPlan:
    slug: str
    first_row: int
    product: Product | None
    values: dict = field(default_factory=dict)  # model attribute -> new value
    raw: dict = field(default_factory=dict)  # column -> cell, to compare later rows
    ok: bool = True


@dataclass
class VariantPlan:
    row: int
    product_slug: str
    sku: str
    variant: Variant | None
    values: dict = field(default_factory=dict)  # model attribute -> new value
    on_hand: int | None = None
    seen_on_hand: int = 0


@dataclass
class ImportPlan:
    columns: list[str]
    rows: list[RowPlan]
    products: dict[str, ProductPlan]
    variants: list[VariantPlan]

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def has_changes(self) -> bool:
        return any(row.status in ("created", "updated") for row in self.rows)

    @property
    def fingerprint(self) -> str:
        """Identifies what the plan would do, to check an Apply does what was previewed."""
        summary = [
            [row.number, row.status, [[c.field, c.before, c.after] for c in row.changes]]
            for row in self.rows
        ]
        return hashlib.sha256(json.dumps(summary).encode()).hexdigest()


# What the file refers to -------------------------------------------------------------------


@dataclass
class Loaded:
    """The products, old addresses and sizes the rows name, and the lookups cells need."""

    products: dict[str, Product]  # by slug
    redirects: dict[str, SlugRedirect]  # by old slug
    variants: dict[str, Variant]  # by lower-cased SKU
    lookups: Lookups


def _chunks(values: list, size: int = _IN_CHUNKS):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _load(file: CsvFile) -> Loaded:
    """Everything the rows refer to, in a few queries (IN lists in chunks)."""
    slugs = sorted({row.values.get("product_slug", "") for row in file.rows} - {""})
    skus = sorted({row.values.get("sku", "").lower() for row in file.rows} - {""})
    loaded = Loaded({}, {}, {}, Lookups({}, set()))
    for chunk in _chunks(slugs):
        stmt = (
            select(Product)
            .where(Product.slug.in_(chunk))
            .options(joinedload(Product.category), selectinload(Product.variants))
        )
        loaded.products.update((p.slug, p) for p in db.session.scalars(stmt))
        stmt = (
            select(SlugRedirect)
            .where(SlugRedirect.old_slug.in_(chunk))
            .options(joinedload(SlugRedirect.product))
        )
        loaded.redirects.update((r.old_slug, r) for r in db.session.scalars(stmt))
    for chunk in _chunks(skus):
        stmt = (
            select(Variant)
            .where(func.lower(Variant.sku).in_(chunk))
            .options(joinedload(Variant.product))
        )
        loaded.variants.update((v.sku.lower(), v) for v in db.session.scalars(stmt))
    categories = {c.slug: c for c in db.session.scalars(select(Category))}
    parents = {c.parent_id for c in categories.values() if c.parent_id is not None}
    loaded.lookups.categories.update(categories)
    loaded.lookups.parents.update(parents)
    return loaded


# Reading a row's cells through the table --------------------------------------------------


@dataclass
class Cells:
    """A row's cells for one product or size, read: the new values by attribute, the
    refusals (each "column: why"), and the columns refused."""

    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)

    def read(self, columns: tuple[Column, ...], row: CsvRow, lookups: Lookups) -> None:
        for column in columns:
            if column.name not in row.values:
                continue
            try:
                self.values[column.attribute] = column.read(row.values[column.name], lookups)
            except CatalogueError as exc:
                self.refuse(column.name, str(exc))

    def refuse(self, column: str, message: str) -> None:
        self.errors.append(f"{column}: {message}")
        self.refused.add(column)

    def complete_new(self, columns: tuple[Column, ...]) -> None:
        """What a new product or size needs: refuse the columns it cannot do without
        (unless refused already), then fill in the defaults of the others."""
        for column in columns:
            missing = column.attribute not in self.values and column.name not in self.refused
            if column.needed_for_new and missing:
                self.refuse(column.name, column.needed_for_new)
        for column in columns:
            if column.new_default is not NO_DEFAULT:
                self.values.setdefault(column.attribute, column.new_default)

    def changes(self, columns: tuple[Column, ...], entity) -> list[Change]:
        """Each value that differs from `entity`'s (every value for a new one, None)."""
        by_attribute = {column.attribute: column for column in columns}
        changes = []
        for attribute, after in self.values.items():
            column = by_attribute[attribute]
            before = getattr(entity, attribute) if entity is not None else None
            if entity is None or column.keep(before) != column.keep(after):
                changes.append(Change(column.name, column.shown(before), column.shown(after)))
        return changes


# Products ----------------------------------------------------------------------------------


def _plan_product(row: CsvRow, slug: str, plan: RowPlan, loaded: Loaded) -> ProductPlan:
    """Read the product's cells on the first row that names it."""
    product = loaded.products.get(slug)
    product_plan = ProductPlan(slug=slug, first_row=row.number, product=product)
    product_plan.raw = {c.name: row.values[c.name] for c in PRODUCT_COLUMNS if c.name in row.values}
    cells = Cells()
    if product is None and slug in loaded.redirects:
        current = loaded.redirects[slug].product
        cells.errors.append(
            f"product_slug: {slug} is an old address of “{current.name}”, whose slug is now "
            f"{current.slug}. Use that slug to update it, or choose a new one."
        )
    cells.read(PRODUCT_COLUMNS, row, loaded.lookups)
    if product is None:
        plan.creates_product = True
        cells.complete_new(PRODUCT_COLUMNS)
    product_plan.values = cells.values
    product_plan.ok = not cells.errors
    plan.errors.extend(cells.errors)
    if not cells.errors:
        plan.changes.extend(cells.changes(PRODUCT_COLUMNS, product))
    return product_plan


def _check_same_product(row: CsvRow, plan: RowPlan, product_plan: ProductPlan) -> None:
    """A later row of a product must repeat its details as the first row gave them."""
    for name, first in product_plan.raw.items():
        if row.values.get(name, first) != first:
            plan.errors.append(
                f"{name}: differs from row {product_plan.first_row} for the same "
                f"product (“{first}” there). Give a product the same details on "
                "every row."
            )
    if not product_plan.ok:
        plan.errors.append(
            f"product_slug: see the errors for this product on row {product_plan.first_row}."
        )


# Sizes -------------------------------------------------------------------------------------


def _check_size_key(sku: str, slug: str, variant: Variant | None, cells: Cells) -> None:
    if not is_sku(sku):
        cells.errors.append(f"sku: {sku!r} is not a usable SKU. {SKU_RULE}")
    if variant is not None and variant.product.slug != slug:
        cells.errors.append(
            f"sku: {variant.sku} belongs to “{variant.product.name}” "
            f"({variant.product.slug}); a size cannot move to another product here."
        )
    if variant is not None and variant.sku != sku:
        cells.values["sku"] = sku  # the same SKU with other capitals


def _check_size_rules(variant: Variant | None, cells: Cells, on_hand: int | None) -> None:
    """The rules between cells, and between cells and what the database holds."""
    price = cells.values.get("price_pence", variant.price_pence if variant else None)
    compare_at = cells.values.get("compare_at_pence", variant.compare_at_pence if variant else None)
    if price is not None and not cells.refused & {"price", "compare_at_price"}:
        try:
            check_compare_at(price, compare_at)
        except CatalogueError as exc:
            cells.refuse("compare_at_price", str(exc))
    if variant is not None and on_hand is not None and on_hand < variant.reserved:
        cells.refuse(
            "on_hand",
            f"{variant.reserved} are held for orders waiting for payment, "
            "so on hand cannot go below that.",
        )


def _read_stock(row: CsvRow, cells: Cells, lookups: Lookups) -> int | None:
    if STOCK_COLUMN.name not in row.values:
        return None
    try:
        return STOCK_COLUMN.read(row.values[STOCK_COLUMN.name], lookups)
    except CatalogueError as exc:
        cells.refuse(STOCK_COLUMN.name, str(exc))
        return None


def _plan_variant(
    row: CsvRow, slug: str, sku: str, plan: RowPlan, loaded: Loaded
) -> VariantPlan | None:
    variant = loaded.variants.get(sku.lower())
    cells = Cells()
    _check_size_key(sku, slug, variant, cells)
    cells.read(SIZE_COLUMNS, row, loaded.lookups)
    on_hand = _read_stock(row, cells, loaded.lookups)
    if variant is None:
        plan.creates_variant = True
        cells.complete_new(SIZE_COLUMNS)
    _check_size_rules(variant, cells, on_hand)
    plan.errors.extend(cells.errors)
    if cells.errors:
        return None
    variant_plan = VariantPlan(row.number, slug, sku, variant, cells.values)
    plan.changes.extend(cells.changes((_SKU_COLUMN, *SIZE_COLUMNS), variant))
    seen = variant.on_hand if variant is not None else 0
    if on_hand is not None and (variant is None or on_hand != seen):
        variant_plan.on_hand = on_hand
        variant_plan.seen_on_hand = seen
        before = STOCK_COLUMN.shown(seen if variant is not None else None)
        plan.changes.append(Change(STOCK_COLUMN.name, before, STOCK_COLUMN.write(on_hand)))
    return variant_plan


# The whole file ----------------------------------------------------------------------------


@dataclass
class _Planner:
    loaded: Loaded
    products: dict[str, ProductPlan] = field(default_factory=dict)
    variants: list[VariantPlan] = field(default_factory=list)
    sku_rows: dict[str, int] = field(default_factory=dict)  # lower-cased SKU -> row

    def plan_row(self, row: CsvRow) -> RowPlan:
        slug = row.values.get("product_slug", "")
        sku = row.values.get("sku", "")
        plan = RowPlan(row.number, slug, sku)
        if row.problem:
            plan.errors.append(row.problem)
        elif not is_slug(slug):
            plan.errors.append(
                f"product_slug: {slug!r} is not a usable slug. {SLUG_RULE}"
                if slug
                else "product_slug: every row needs the product's slug."
            )
        else:
            self.plan_product(row, slug, plan)
            self.plan_size(row, slug, sku, plan)
        return plan

    def plan_product(self, row: CsvRow, slug: str, plan: RowPlan) -> None:
        product_plan = self.products.get(slug)
        if product_plan is None:
            self.products[slug] = _plan_product(row, slug, plan, self.loaded)
        else:
            _check_same_product(row, plan, product_plan)

    def plan_size(self, row: CsvRow, slug: str, sku: str, plan: RowPlan) -> None:
        if not sku:
            if any(row.values.get(name) for name in SIZE_DETAILS):
                plan.errors.append("sku: a row with size details needs the size's SKU.")
            return
        if sku.lower() in self.sku_rows:
            plan.errors.append(
                f"sku: {sku} is already on row {self.sku_rows[sku.lower()]}. Every size "
                "needs its own SKU."
            )
            return
        self.sku_rows[sku.lower()] = row.number
        variant_plan = _plan_variant(row, slug, sku, plan, self.loaded)
        if variant_plan is not None:
            self.variants.append(variant_plan)


def plan_import(file: CsvFile) -> ImportPlan:
    """What importing `file` would change, row by row, without changing anything."""
    planner = _Planner(_load(file))
    rows = [planner.plan_row(row) for row in file.rows]
    return ImportPlan(file.columns, rows, planner.products, planner.variants)
