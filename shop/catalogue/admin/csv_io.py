"""Products and sizes as CSV: the export, and the import with its dry run.

One row per size (a product without sizes gets one row with the size columns
empty). The import reads the same columns; any may be left out except
`product_slug` and `sku`, and a column left out leaves that value unchanged.
Products and sizes the file does not mention are left alone: the import adds and
updates, it never deletes.

`plan_import` reads the database and works out, row by row, what would change
(created, updated with before and after, unchanged, or the row's errors) without
changing anything. `apply_import` makes a plan's changes in the caller's
transaction, and only when no row has an error.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from shop.backoffice.audit import record_audit
from shop.catalogue.admin import services
from shop.catalogue.admin.services import CatalogueError, format_pounds, parse_pounds
from shop.catalogue.models import (
    DEFAULT_MAX_PER_ORDER,
    MAX_PER_ORDER_CEILING,
    Category,
    Product,
    SlugRedirect,
    Variant,
)
from shop.catalogue.services import is_slug
from shop.extensions import db

COLUMNS = (
    "product_slug",
    "product_name",
    "category_slug",
    "product_active",
    "short_description",
    "max_per_order",
    "sku",
    "size_label",
    "price",
    "compare_at_price",
    "on_hand",
    "weight_grams",
    "variant_active",
)
REQUIRED_COLUMNS = ("product_slug", "sku")
PRODUCT_COLUMNS = (
    "product_name",
    "category_slug",
    "product_active",
    "short_description",
    "max_per_order",
)
VARIANT_COLUMNS = (
    "size_label",
    "price",
    "compare_at_price",
    "on_hand",
    "weight_grams",
    "variant_active",
)
CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_REASON = "CSV import"
_IN_CHUNKS = 500
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}
# A spreadsheet runs a cell starting with one of these as a formula: the export
# puts a ' in front, and the import takes it off again.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CsvFileError(ValueError):
    """A file the import cannot read at all; the message says why."""


# Export ------------------------------------------------------------------------------------


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def export_rows() -> Iterable[list[str]]:
    """The header, then one row per size of every product (archived ones too), by name."""
    yield list(COLUMNS)
    stmt = (
        select(Product)
        .order_by(Product.name, Product.id)
        .options(joinedload(Product.category), selectinload(Product.variants))
    )
    for product in db.session.scalars(stmt):
        product_cells = [
            product.slug,
            _cell(product.name),
            product.category.slug,
            _yes_no(product.is_active),
            _cell(product.short_description),
            str(product.max_per_order),
        ]
        if not product.variants:
            yield product_cells + [""] * len(VARIANT_COLUMNS) + [""]
        for variant in product.variants:
            yield product_cells + [
                _cell(variant.sku),
                _cell(variant.size_label),
                format_pounds(variant.price_pence),
                format_pounds(variant.compare_at_pence),
                str(variant.on_hand),
                str(variant.weight_grams),
                _yes_no(variant.is_active),
            ]


def export_csv() -> str:
    """The whole catalogue as CSV text, with a BOM so spreadsheets read it as UTF-8."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(export_rows())
    return buffer.getvalue()


# Reading a file ----------------------------------------------------------------------------


@dataclass
class CsvRow:
    number: int  # as a spreadsheet numbers it: the header is row 1
    values: dict[str, str]
    problem: str | None = None


@dataclass
class CsvFile:
    columns: list[str]
    rows: list[CsvRow]
    text: str  # the file as read, to carry from the preview to Apply


def _uncell(value: str) -> str:
    value = value.strip()
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


def read_csv(data: bytes) -> CsvFile:
    """Rows of an uploaded CSV file (UTF-8, with or without a BOM; any line endings),
    or CsvFileError for a file that cannot be imported at all."""
    if len(data) > CSV_MAX_BYTES:
        raise CsvFileError("The file is larger than 2 MB. Split it into smaller files.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvFileError(
            "The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”."
        ) from exc
    if "\x00" in text:
        raise CsvFileError("That is not a CSV file. Save it from your spreadsheet as CSV.")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise CsvFileError("The file is empty: it needs a row of column names first.")
        columns = [cell.strip().lower() for cell in header]
        unknown = [name for name in columns if name not in COLUMNS]
        if unknown:
            raise CsvFileError(
                f"Unknown column{'s' if len(unknown) > 1 else ''}: "
                f"{', '.join(repr(name) for name in unknown)}. "
                f"The columns are: {', '.join(COLUMNS)}."
            )
        repeated = sorted({name for name in columns if columns.count(name) > 1})
        if repeated:
            raise CsvFileError(f"These columns appear twice: {', '.join(repeated)}.")
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise CsvFileError(
                f"The file needs the column{'s' if len(missing) > 1 else ''} "
                f"{' and '.join(missing)}."
            )
        rows = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            problem = None
            if len(cells) > len(columns):
                problem = (
                    f"The row has {len(cells)} cells but there are only {len(columns)} "
                    "columns. Check for a stray comma."
                )
            cells = cells + [""] * (len(columns) - len(cells))
            values = {name: _uncell(cell) for name, cell in zip(columns, cells, strict=False)}
            rows.append(CsvRow(number, values, problem))
    except csv.Error as exc:
        raise CsvFileError(
            f"The file is not valid CSV near line {reader.line_num}: {exc}."
        ) from exc
    if not rows:
        raise CsvFileError("The file has column names but no rows to import.")
    return CsvFile(columns, rows, text)


# Planning ----------------------------------------------------------------------------------


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


def _chunks(values: list, size: int = _IN_CHUNKS):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _load(file: CsvFile):
    """Everything the rows refer to, in a few queries (IN lists in chunks)."""
    slugs = sorted({row.values.get("product_slug", "") for row in file.rows} - {""})
    skus = sorted({row.values.get("sku", "").lower() for row in file.rows} - {""})
    products: dict[str, Product] = {}
    redirects: dict[str, SlugRedirect] = {}
    for chunk in _chunks(slugs):
        stmt = (
            select(Product)
            .where(Product.slug.in_(chunk))
            .options(joinedload(Product.category), selectinload(Product.variants))
        )
        products.update((p.slug, p) for p in db.session.scalars(stmt))
        stmt = (
            select(SlugRedirect)
            .where(SlugRedirect.old_slug.in_(chunk))
            .options(joinedload(SlugRedirect.product))
        )
        redirects.update((r.old_slug, r) for r in db.session.scalars(stmt))
    variants: dict[str, Variant] = {}
    for chunk in _chunks(skus):
        stmt = (
            select(Variant)
            .where(func.lower(Variant.sku).in_(chunk))
            .options(joinedload(Variant.product))
        )
        variants.update((v.sku.lower(), v) for v in db.session.scalars(stmt))
    categories = {c.slug: c for c in db.session.scalars(select(Category))}
    parents = {c.parent_id for c in categories.values() if c.parent_id is not None}
    return products, redirects, variants, categories, parents


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CatalogueError("use yes or no.")


def _count(text: str, what: str) -> int:
    cleaned = text.replace(",", "").replace(" ", "")
    if not cleaned:
        raise CatalogueError(f"enter the {what} as a whole number.")
    if not re.fullmatch(r"-?\d{1,9}", cleaned):
        raise CatalogueError(f"enter the {what} as a whole number, like 12.")
    number = int(cleaned)
    if number < 0:
        raise CatalogueError(f"the {what} cannot be negative.")
    return number


def _max_per_order(text: str) -> int:
    """The most of one size an order may hold; empty means the usual number."""
    if not text.strip():
        return DEFAULT_MAX_PER_ORDER
    rule = f"use a whole number from 1 to {MAX_PER_ORDER_CEILING}, like {DEFAULT_MAX_PER_ORDER}."
    try:
        number = _count(text, "most per order")
    except CatalogueError as exc:
        raise CatalogueError(rule) from exc
    if not 1 <= number <= MAX_PER_ORDER_CEILING:
        raise CatalogueError(rule)
    return number


def _shown(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _yes_no(value)
    return str(value)


def _plan_product(row: CsvRow, slug: str, plan: RowPlan, loaded) -> ProductPlan:
    products, redirects, _variants, categories, parents = loaded
    values = row.values
    product = products.get(slug)
    product_plan = ProductPlan(slug=slug, first_row=row.number, product=product)
    product_plan.raw = {name: values[name] for name in PRODUCT_COLUMNS if name in values}
    errors = []
    if product is None and slug in redirects:
        current = redirects[slug].product
        errors.append(
            f"product_slug: {slug} is an old address of “{current.name}”, whose slug is now "
            f"{current.slug}. Use that slug to update it, or choose a new one."
        )
    new: dict = {}
    if "product_name" in values:
        name = values["product_name"]
        if not name:
            errors.append("product_name: enter the product's name.")
        elif len(name) > 200:
            errors.append("product_name: keep the name to 200 characters.")
        else:
            new["name"] = name
    if "category_slug" in values:
        category = categories.get(values["category_slug"])
        if category is None:
            errors.append(
                f"category_slug: there is no category “{values['category_slug']}”. "
                "Use the slug of one the shop has."
            )
        elif category.id in parents:
            errors.append(
                f"category_slug: “{category.slug}” holds other categories; "
                "use one of its sub-categories."
            )
        else:
            new["category"] = category
    if "product_active" in values:
        try:
            new["is_active"] = _flag(values["product_active"])
        except CatalogueError as exc:
            errors.append(f"product_active: {exc}")
    if "short_description" in values:
        if len(values["short_description"]) > 300:
            errors.append("short_description: keep it to 300 characters.")
        else:
            new["short_description"] = values["short_description"]
    if "max_per_order" in values:
        try:
            new["max_per_order"] = _max_per_order(values["max_per_order"])
        except CatalogueError as exc:
            errors.append(f"max_per_order: {exc}")
    if product is None:
        plan.creates_product = True
        if "name" not in new and not any(e.startswith("product_name") for e in errors):
            errors.append("product_name: a new product needs a name.")
        if "category" not in new and not any(e.startswith("category_slug") for e in errors):
            errors.append("category_slug: a new product needs a category.")
        new.setdefault("is_active", False)
        new.setdefault("short_description", "")
        new.setdefault("max_per_order", DEFAULT_MAX_PER_ORDER)
    product_plan.values = new
    product_plan.ok = not errors
    plan.errors.extend(errors)
    if not errors:
        for attribute, after in new.items():
            before = getattr(product, attribute) if product is not None else None
            if attribute == "category":
                before, after = (before.slug if before else None), after.slug
            if product is None or before != after:
                column = {
                    "name": "product_name",
                    "category": "category_slug",
                    "is_active": "product_active",
                }.get(attribute, attribute)
                plan.changes.append(Change(column, _shown(before), _shown(after)))
    return product_plan


def _plan_variant(
    row: CsvRow, slug: str, sku: str, plan: RowPlan, loaded, product_plan: ProductPlan
) -> VariantPlan | None:
    _products, _redirects, variants, _categories, _parents = loaded
    values = row.values
    variant = variants.get(sku.lower())
    errors = []
    if not services._SKU.match(sku):
        errors.append(f"sku: {sku!r} is not a usable SKU. {services.SKU_RULE}")
    if variant is not None and variant.product.slug != slug:
        errors.append(
            f"sku: {variant.sku} belongs to “{variant.product.name}” "
            f"({variant.product.slug}); a size cannot move to another product here."
        )
    new: dict = {}
    if variant is not None and variant.sku != sku:
        new["sku"] = sku  # the same SKU with other capitals
    if "size_label" in values:
        if not values["size_label"]:
            errors.append("size_label: enter the size, like “50 ml”.")
        elif len(values["size_label"]) > 80:
            errors.append("size_label: keep the size to 80 characters.")
        else:
            new["size_label"] = values["size_label"]
    if "price" in values:
        try:
            new["price_pence"] = parse_pounds(values["price"])
        except CatalogueError as exc:
            errors.append(f"price: {exc}")
    if "compare_at_price" in values:
        try:
            cell = values["compare_at_price"]
            new["compare_at_pence"] = parse_pounds(cell) if cell else None
        except CatalogueError as exc:
            errors.append(f"compare_at_price: {exc}")
    if "weight_grams" in values:
        try:
            new["weight_grams"] = _count(values["weight_grams"] or "0", "weight in grams")
        except CatalogueError as exc:
            errors.append(f"weight_grams: {exc}")
    if "variant_active" in values:
        try:
            new["is_active"] = _flag(values["variant_active"])
        except CatalogueError as exc:
            errors.append(f"variant_active: {exc}")
    on_hand = None
    if "on_hand" in values:
        try:
            on_hand = _count(values["on_hand"], "number on hand")
        except CatalogueError as exc:
            errors.append(f"on_hand: {exc}")
    if variant is None:
        plan.creates_variant = True
        if "size_label" not in new and not any(e.startswith("size_label") for e in errors):
            errors.append("size_label: a new size needs its size, like “50 ml”.")
        if "price_pence" not in new and not any(e.startswith("price") for e in errors):
            errors.append("price: a new size needs a price.")
        new.setdefault("compare_at_pence", None)
        new.setdefault("weight_grams", 0)
        new.setdefault("is_active", True)
    price = new.get("price_pence", variant.price_pence if variant else None)
    compare_at = new.get("compare_at_pence", variant.compare_at_pence if variant else None)
    if price is not None and not any(e.startswith(("price", "compare_at")) for e in errors):
        try:
            services.check_compare_at(price, compare_at)
        except CatalogueError as exc:
            errors.append(f"compare_at_price: {exc}")
    if variant is not None and on_hand is not None and on_hand < variant.reserved:
        errors.append(
            f"on_hand: {variant.reserved} are held for orders waiting for payment, "
            "so on hand cannot go below that."
        )
    plan.errors.extend(errors)
    if errors:
        return None
    variant_plan = VariantPlan(row.number, slug, sku, variant, new)
    labels = {
        "sku": ("sku", str),
        "size_label": ("size_label", str),
        "price_pence": ("price", format_pounds),
        "compare_at_pence": ("compare_at_price", format_pounds),
        "weight_grams": ("weight_grams", str),
        "is_active": ("variant_active", _yes_no),
    }
    for attribute, after in new.items():
        before = getattr(variant, attribute) if variant is not None else None
        if variant is None or before != after:
            column, shown = labels[attribute]
            plan.changes.append(
                Change(
                    column,
                    "—" if before is None else shown(before),
                    "—" if after is None else shown(after),
                )
            )
    seen = variant.on_hand if variant is not None else 0
    if on_hand is not None and (variant is None or on_hand != seen):
        variant_plan.on_hand = on_hand
        variant_plan.seen_on_hand = seen
        plan.changes.append(Change("on_hand", str(seen) if variant else "—", str(on_hand)))
    return variant_plan


def plan_import(file: CsvFile) -> ImportPlan:
    """What importing `file` would change, row by row, without changing anything."""
    loaded = _load(file)
    rows: list[RowPlan] = []
    product_plans: dict[str, ProductPlan] = {}
    variant_plans: list[VariantPlan] = []
    sku_rows: dict[str, int] = {}
    for row in file.rows:
        slug = row.values.get("product_slug", "")
        sku = row.values.get("sku", "")
        plan = RowPlan(row.number, slug, sku)
        rows.append(plan)
        if row.problem:
            plan.errors.append(row.problem)
            continue
        if not is_slug(slug):
            plan.errors.append(
                f"product_slug: {slug!r} is not a usable slug. {services.SLUG_RULE}"
                if slug
                else "product_slug: every row needs the product's slug."
            )
            continue
        product_plan = product_plans.get(slug)
        if product_plan is None:
            product_plan = product_plans[slug] = _plan_product(row, slug, plan, loaded)
        else:
            for name, first in product_plan.raw.items():
                if row.values.get(name, first) != first:
                    plan.errors.append(
                        f"{name}: differs from row {product_plan.first_row} for the same "
                        f"product (“{first}” there). Give a product the same details on "
                        "every row."
                    )
            if not product_plan.ok:
                plan.errors.append(
                    f"product_slug: see the errors for this product on row "
                    f"{product_plan.first_row}."
                )
        if not sku:
            if any(row.values.get(name) for name in VARIANT_COLUMNS):
                plan.errors.append("sku: a row with size details needs the size's SKU.")
            continue
        if sku.lower() in sku_rows:
            plan.errors.append(
                f"sku: {sku} is already on row {sku_rows[sku.lower()]}. Every size needs its "
                "own SKU."
            )
            continue
        sku_rows[sku.lower()] = row.number
        variant_plan = _plan_variant(row, slug, sku, plan, loaded, product_plan)
        if variant_plan is not None:
            variant_plans.append(variant_plan)
    return ImportPlan(file.columns, rows, product_plans, variant_plans)


# Applying ----------------------------------------------------------------------------------


def _csv_product_snapshot(product: Product) -> dict:
    return {
        "name": product.name,
        "category": product.category.slug if product.category else None,
        "is_active": product.is_active,
        "short_description": product.short_description,
        "max_per_order": product.max_per_order,
    }


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
    result = ImportResult()
    audits: list[tuple] = []  # (action, entity type, entity, summary, before, after)

    products: dict[str, Product] = {}
    product_changes: list[tuple[Product, dict, dict]] = []
    for slug, product_plan in plan.products.items():
        product = product_plan.product
        if product is None:
            product = Product(slug=slug)
            for attribute, value in product_plan.values.items():
                setattr(product, attribute, value)
            db.session.add(product)
            product_changes.append((product, None, None))
        else:
            before = _csv_product_snapshot(product)
            for attribute, value in product_plan.values.items():
                setattr(product, attribute, value)
            old, new = services.changed_values(before, _csv_product_snapshot(product))
            if new:
                product_changes.append((product, old, new))
        products[slug] = product
    db.session.flush()
    for product, old, new in product_changes:
        if old is None:
            after = _csv_product_snapshot(product) | {"slug": product.slug}
            audits.append(
                (
                    "product.create",
                    "product",
                    product,
                    f"Added the product {product.name}",
                    None,
                    after,
                )
            )
            result.products_created += 1
        else:
            audits.append(
                (
                    "product.update",
                    "product",
                    product,
                    f"Edited the product {product.name}",
                    old,
                    new,
                )
            )
            result.products_updated += 1

    next_position: dict[str, int] = {}
    variant_changes: list[tuple[Variant, VariantPlan, dict | None, dict | None]] = []
    for variant_plan in plan.variants:
        product = products[variant_plan.product_slug]
        variant = variant_plan.variant
        if variant is None:
            slug = variant_plan.product_slug
            if slug not in next_position:  # a product made just now has no sizes to look at
                existing = [] if plan.products[slug].product is None else product.variants
                next_position[slug] = max((v.position for v in existing), default=-1) + 1
            variant = Variant(
                product=product,
                sku=variant_plan.sku,
                position=next_position[slug],
                on_hand=0,
                reserved=0,
            )
            next_position[slug] += 1
            for attribute, value in variant_plan.values.items():
                setattr(variant, attribute, value)
            db.session.add(variant)
            variant_changes.append((variant, variant_plan, None, None))
        else:
            before = services.variant_snapshot(variant)
            for attribute, value in variant_plan.values.items():
                setattr(variant, attribute, value)
            old, new = services.changed_values(before, services.variant_snapshot(variant))
            variant_changes.append((variant, variant_plan, old, new))
    db.session.flush()

    with db.session.no_autoflush:
        for variant, variant_plan, old, new in variant_changes:
            product = variant.product
            created = old is None and new is None
            stock_before = variant.on_hand
            adjusted = variant_plan.on_hand is not None and services.set_stock(
                variant,
                variant_plan.on_hand,
                variant_plan.seen_on_hand,
                CSV_REASON,
                actor,
                ip,
                audit=False,
            )
            if adjusted:
                result.stock_changes += 1
            if created:
                after = services.variant_snapshot(variant) | {
                    "product": product.slug,
                    "on_hand": variant.on_hand,
                }
                summary = f"Added the size {variant.size_label} ({variant.sku}) to {product.name}"
                audits.append(("variant.create", "variant", variant, summary, None, after))
                result.variants_created += 1
                continue
            if adjusted:
                old = old | {"on_hand": stock_before}
                new = new | {"on_hand": variant.on_hand}
            if new:
                summary = f"Edited the size {variant.size_label} ({variant.sku}) of {product.name}"
                audits.append(("variant.update", "variant", variant, summary, old, new))
                if set(new) - {"on_hand"}:
                    result.variants_updated += 1

    for action, entity_type, entity, summary, before, after in audits:
        record_audit(
            actor, action, entity_type, entity.id, f"{summary} (CSV import)", before, after, ip=ip
        )
    if result.changed:
        record_audit(
            actor,
            "catalogue.import",
            "catalogue",
            None,
            f"Imported a CSV file of {len(plan.rows)} rows: {result.summary()}",
            None,
            {
                "products_created": result.products_created,
                "products_updated": result.products_updated,
                "variants_created": result.variants_created,
                "variants_updated": result.variants_updated,
                "stock_changes": result.stock_changes,
            },
            ip=ip,
        )
    return result
