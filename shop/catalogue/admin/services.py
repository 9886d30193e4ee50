"""Catalogue back-office rules: products and their addresses, sizes and stock,
formulations and pictures, and the product list staff search.

Plain functions: they change the models and flush, and leave committing, the
request and the signed-in user to the caller (the actor and IP are passed in).
Every change is written to the audit log with the changed values before and after.
"""

from __future__ import annotations

import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path

from PIL import Image
from sqlalchemy import Select, exists, func, or_, select, update
from sqlalchemy.orm import aliased, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from shop.backoffice.audit import record_audit
from shop.catalogue.images import (
    PictureError,
    PictureProblem,
    decode_upload,
    image_path,
    save_image_sizes,
)
from shop.catalogue.models import (
    DEFAULT_MAX_PER_ORDER,
    Category,
    FreeFromFlag,
    Ingredient,
    Nutrient,
    Product,
    ProductImage,
    SkinConcern,
    SlugRedirect,
    StockAdjustment,
    Strain,
    Variant,
)
from shop.catalogue.services import is_slug, like_pattern
from shop.extensions import db
from shop.money import Money


class CatalogueError(ValueError):
    """A change the catalogue's rules refuse. The message says why; `field` names
    the form field it belongs next to, when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SlugRedirectInUse(CatalogueError):
    """The slug is an old address that redirects to another product: taking it
    over has to be asked for on purpose."""

    def __init__(self, message: str, target: Product) -> None:
        super().__init__(message, "slug")
        self.target = target


# Words, money and counts -------------------------------------------------------------------

PRICE_MAX_PENCE = 10_000_000  # £100,000.00: far beyond anything the shop sells
_POUNDS = re.compile(r"^(-?)(\d+)(?:\.(\d*))?$")
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
SKU_RULE = "Use letters, digits, '-', '_', '.' or '/', up to 64 characters."
SLUG_RULE = "Use lower-case letters, digits and single hyphens, like barrier-cream-50."


def slugify(text: str, max_length: int = 120) -> str:
    """A slug made of `text`: 'Probiotic Moisturiser, 50 ml' -> 'probiotic-moisturiser-50-ml'."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def parse_pounds(text: str | None) -> int:
    """A price typed in pounds ('24', '24.5', '£1,024.00') as whole pence, read with
    Decimal so no float ever rounds it. CatalogueError says what is wrong."""
    cleaned = (text or "").strip().replace(",", "").replace(" ", "")
    if cleaned.startswith("-£"):
        cleaned = "-" + cleaned[2:]
    cleaned = cleaned.removeprefix("£")
    match = _POUNDS.match(cleaned)
    if not cleaned:
        raise CatalogueError("Enter a price in pounds, like 24.00.")
    if match is None:
        raise CatalogueError("Enter a price in pounds, like 24.00 (digits and a point only).")
    if match[1]:
        raise CatalogueError("A price cannot be negative.")
    if match[3] is not None and len(match[3]) > 2:
        raise CatalogueError("Use at most two decimal places: pounds and pence, like 24.99.")
    amount = Decimal(f"{match[2]}.{match[3] or '0'}")
    pence = int(amount * 100)
    if pence > PRICE_MAX_PENCE:
        raise CatalogueError(f"Prices go up to {Money(PRICE_MAX_PENCE)}.")
    return pence


def format_pounds(pence: int | None) -> str:
    """Pence as the pounds a form shows and the CSV holds: 2400 -> '24.00'."""
    return "" if pence is None else Money(pence).decimal_string()


_CFU_WORDS = {
    "thousand": 10**3,
    "k": 10**3,
    "million": 10**6,
    "mn": 10**6,
    "m": 10**6,
    "billion": 10**9,
    "bn": 10**9,
    "b": 10**9,
    "trillion": 10**12,
    "tn": 10**12,
}
_CFU = re.compile(
    r"^(?P<number>\d[\d,_ ]*(?:\.\d+)?)\s*"
    r"(?:(?:e\+?(?P<exponent>\d{1,2}))|(?:[x×*]\s*10\s*\^\s*(?P<power>\d{1,2})))?\s*"
    r"(?P<word>[a-z]+)?\s*(?:cfu)?$"
)
CFU_MAX = 10**18  # fits a BIGINT with room to spare
CFU_HINT = "Like 5 billion, 5e9 or 5,000,000,000."


def parse_cfu(text: str | None) -> int:
    """A live-bacteria count as staff write it ('5 billion', '5e9', '5,000,000,000',
    '2.5 bn CFU') as a whole number. CatalogueError says what is wrong."""
    cleaned = " ".join((text or "").lower().split())
    if not cleaned:
        raise CatalogueError(f"Enter the live bacteria per serving. {CFU_HINT}")
    if cleaned.startswith("-"):
        raise CatalogueError("A count of bacteria cannot be negative.")
    match = _CFU.match(cleaned)
    word = match["word"] if match else None
    if match is None or (word is not None and word not in _CFU_WORDS and word != "cfu"):
        raise CatalogueError(f"That is not a count we can read. {CFU_HINT}")
    digits = re.sub(r"[,_ ]", "", match["number"])
    try:
        value = Decimal(digits)
    except InvalidOperation as exc:  # pragma: no cover - the pattern allows only digits
        raise CatalogueError(f"That is not a count we can read. {CFU_HINT}") from exc
    power = match["exponent"] or match["power"]
    if power:
        value *= Decimal(10) ** int(power)
    if word and word != "cfu":
        value *= _CFU_WORDS[word]
    if value != value.to_integral_value():
        raise CatalogueError("That count is not a whole number of bacteria.")
    count = int(value)
    if count <= 0:
        raise CatalogueError("A strain needs at least one live bacterium per serving.")
    if count > CFU_MAX:
        raise CatalogueError("That count is far too large: check the number of zeros.")
    return count


def parse_amount(text: str | None) -> Decimal:
    """A nutrient amount ('10', '0.5', '1,000') as a Decimal of up to three places."""
    cleaned = (text or "").strip().replace(",", "")
    if not cleaned:
        raise CatalogueError("Enter the amount per serving, like 10 or 0.5.")
    if not re.fullmatch(r"-?\d{1,9}(?:\.\d*)?", cleaned):
        raise CatalogueError("Enter the amount as a number, like 10 or 0.5.")
    amount = Decimal(cleaned)
    if amount < 0:
        raise CatalogueError("An amount cannot be negative.")
    if amount != amount.quantize(Decimal("0.001")):
        raise CatalogueError("Use at most three decimal places.")
    return amount


# Categories and choices --------------------------------------------------------------------


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


# The product list ------------------------------------------------------------------------


class StockFilter(StrEnum):
    IN_STOCK = "in_stock"
    LOW = "low"
    SOLD_OUT = "sold_out"

    @property
    def label(self) -> str:
        return {"in_stock": "In stock", "low": "Low stock", "sold_out": "Sold out"}[self.value]


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
    stock: str = ""
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
    if filters.stock == StockFilter.SOLD_OUT:
        stmt = stmt.where(best <= 0)
    elif filters.stock == StockFilter.LOW:
        stmt = stmt.where(best > 0, best <= low_threshold)
    elif filters.stock == StockFilter.IN_STOCK:
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
        )
    )
    return db.session.scalar(stmt)


def redirects_to(product: Product) -> list[SlugRedirect]:
    """The old addresses that lead to `product`, newest first."""
    stmt = (
        select(SlugRedirect)
        .where(SlugRedirect.product_id == product.id)
        .order_by(SlugRedirect.created_at.desc(), SlugRedirect.id.desc())
    )
    return list(db.session.scalars(stmt))


# Products ----------------------------------------------------------------------------------


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
    }


def changed_values(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose value changed, as (before, after)."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def _leaf_category(category_id: int | None) -> Category:
    category = db.session.get(Category, category_id) if category_id else None
    if category is None:
        raise CatalogueError("Choose the category the product goes in.", "category")
    if db.session.scalar(select(exists().where(Category.parent_id == category.id))):
        raise CatalogueError(
            f"“{category.name}” holds other categories: choose one of them.", "category"
        )
    return category


def slug_owner(slug: str) -> Product | None:
    return db.session.scalar(select(Product).where(Product.slug == slug))


def redirect_for(slug: str) -> SlugRedirect | None:
    return db.session.scalar(
        select(SlugRedirect)
        .where(SlugRedirect.old_slug == slug)
        .options(joinedload(SlugRedirect.product))
    )


def _claim_slug(slug: str, product: Product | None, take_over: bool) -> str | None:
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


def _keep_old_address(product: Product, old_slug: str) -> None:
    """Make /products/<old_slug> lead to `product` from now on."""
    existing = db.session.scalar(select(SlugRedirect).where(SlugRedirect.old_slug == old_slug))
    if existing is not None:
        existing.product_id = product.id
    else:
        db.session.add(SlugRedirect(old_slug=old_slug, product_id=product.id))


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


def create_product(
    data: ProductData, actor, ip: str | None = None, take_over_redirect: bool = False
) -> Product:
    """Add a product. It starts archived, hidden from the shop, until staff have added
    its sizes and pictures and unarchive it."""
    category = _leaf_category(data.category_id)
    taken_from = _claim_slug(data.slug, None, take_over_redirect)
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
        taken_from = _claim_slug(data.slug, product, take_over_redirect)
        product.slug = data.slug
        _keep_old_address(product, old_slug)
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


def _free_slug(base: str) -> str:
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


def _free_sku(base: str, taken: set[str]) -> str:
    """`base` or `base2`, `base3`... whichever no size uses (compared without case)."""
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{base}{number}"
    taken.add(candidate.lower())
    return candidate


@dataclass
class Duplicate:
    product: Product
    new_files: list[Path]  # remove these if the commit fails


def duplicate_product(original: Product, actor, media_root: str | Path, ip=None) -> Duplicate:
    """Copy a product to start a similar one: slug '<slug>-copy', archived, every SKU
    suffixed '-COPY', no stock, the same formulation, and copies of its pictures."""
    slug = _free_slug(f"{original.slug}-copy")
    copy = Product(
        slug=slug,
        name=f"{original.name} (copy)"[:200],
        short_description=original.short_description,
        long_description=original.long_description,
        how_to_use=original.how_to_use,
        warnings=original.warnings,
        serving_size=original.serving_size,
        category_id=original.category_id,
        is_active=False,
        featured_rank=None,
        max_per_order=original.max_per_order,
    )
    copy.concerns = list(original.concerns)
    copy.free_from = list(original.free_from)
    bases = {v.id: f"{v.sku[:57]}-COPY" for v in original.variants}
    taken: set[str] = set()
    if bases:
        similar = or_(*[func.lower(Variant.sku).like(f"{b.lower()}%") for b in bases.values()])
        taken = {sku.lower() for sku in db.session.scalars(select(Variant.sku).where(similar))}
    copy.variants = [
        Variant(
            sku=_free_sku(bases[v.id], taken),
            size_label=v.size_label,
            price_pence=v.price_pence,
            compare_at_pence=v.compare_at_pence,
            currency=v.currency,
            on_hand=0,
            reserved=0,
            weight_grams=v.weight_grams,
            position=v.position,
            is_active=v.is_active,
        )
        for v in original.variants
    ]
    copy.ingredients = [
        Ingredient(position=i.position, inci_name=i.inci_name, function=i.function)
        for i in original.ingredients
    ]
    copy.strains = [
        Strain(
            position=s.position,
            genus=s.genus,
            species=s.species,
            designation=s.designation,
            cfu_per_serving=s.cfu_per_serving,
            guaranteed_to_best_before=s.guaranteed_to_best_before,
        )
        for s in original.strains
    ]
    copy.nutrients = [
        Nutrient(
            position=n.position,
            name=n.name,
            amount=n.amount,
            unit=n.unit,
            nrv_percent=n.nrv_percent,
        )
        for n in original.nutrients
    ]
    new_files: list[Path] = []
    try:
        for image in original.images:
            stem = _new_image_stem(slug)
            copied = []
            for width in image.width_list:
                source = image_path(media_root, image.stem, width)
                if not source.is_file():
                    break
                target = image_path(media_root, stem, width)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                copied.append(target)
            new_files.extend(copied)
            if len(copied) == len(image.width_list):
                copy.images.append(
                    ProductImage(
                        stem=stem,
                        widths=image.widths,
                        width=image.width,
                        height=image.height,
                        alt_text=image.alt_text,
                        position=image.position,
                    )
                )
        db.session.add(copy)
        db.session.flush()
    except Exception:
        remove_files(new_files)
        raise
    after = product_snapshot(copy) | {
        "copied_from": original.slug,
        "skus": [v.sku for v in copy.variants],
    }
    record_audit(
        actor,
        "product.duplicate",
        "product",
        copy.id,
        f"Copied {original.name} to {copy.name}",
        None,
        after,
        ip=ip,
    )
    return Duplicate(copy, new_files)


# Sizes and stock ---------------------------------------------------------------------------


@dataclass
class VariantData:
    sku: str
    size_label: str
    price_pence: int
    compare_at_pence: int | None = None
    weight_grams: int = 0
    is_active: bool = True


def variant_snapshot(variant: Variant) -> dict:
    return {
        "sku": variant.sku,
        "size_label": variant.size_label,
        "price": format_pounds(variant.price_pence),
        "compare_at_price": format_pounds(variant.compare_at_pence) or None,
        "weight_grams": variant.weight_grams,
        "is_active": variant.is_active,
    }


def check_sku(sku: str, variant_id: int | None = None) -> None:
    """Refuse a badly formed SKU or one another size already uses (any case)."""
    if not _SKU.match(sku):
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


def check_compare_at(price_pence: int, compare_at_pence: int | None) -> None:
    if compare_at_pence is not None and compare_at_pence <= price_pence:
        raise CatalogueError(
            f"The price before a reduction must be higher than the price "
            f"({format_pounds(price_pence)}). Leave it empty when there is no reduction.",
            "compare_at",
        )


def _set_variant(variant: Variant, data: VariantData) -> None:
    variant.sku = data.sku
    variant.size_label = data.size_label
    variant.price_pence = data.price_pence
    variant.compare_at_pence = data.compare_at_pence
    variant.weight_grams = data.weight_grams
    variant.is_active = data.is_active


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


# Formulation -------------------------------------------------------------------------------

MAX_INGREDIENTS = 200


def parse_ingredient_lines(text: str | None) -> list[tuple[str, str]]:
    """The INCI list typed one ingredient a line, 'INCI name | what it does', in order.
    Blank lines are skipped. CatalogueError lists every line that is wrong."""
    ingredients: list[tuple[str, str]] = []
    problems: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [" ".join(part.split()) for part in line.split("|")]
        if len(parts) > 2:
            problems.append(f"Line {number}: use one | between the name and what it does.")
            continue
        name, function = parts[0], parts[1] if len(parts) == 2 else ""
        if not name:
            problems.append(f"Line {number}: the INCI name is missing before the |.")
        elif len(name) > 200 or len(function) > 200:
            problems.append(f"Line {number}: keep the name and what it does to 200 characters.")
        else:
            ingredients.append((name, function))
    if len(ingredients) > MAX_INGREDIENTS:
        problems.append(f"List at most {MAX_INGREDIENTS} ingredients.")
    if problems:
        raise CatalogueError(" ".join(problems), "ingredients")
    return ingredients


def ingredient_lines(product: Product) -> str:
    return "\n".join(
        f"{i.inci_name} | {i.function}" if i.function else i.inci_name for i in product.ingredients
    )


@dataclass
class StrainData:
    genus: str
    species: str
    designation: str
    cfu_per_serving: int
    guaranteed_to_best_before: bool = True


@dataclass
class NutrientData:
    name: str
    amount: Decimal
    unit: str
    nrv_percent: int | None = None


def _ingredients_snapshot(items) -> list[str]:
    return [f"{name} | {function}" if function else name for name, function in items]


def _strains_snapshot(items) -> list[str]:
    return [
        " ".join(p for p in (s.genus, s.species, s.designation) if p)
        + f": {s.cfu_per_serving} CFU"
        + ("" if s.guaranteed_to_best_before else " (at manufacture)")
        for s in items
    ]


def _nutrients_snapshot(items) -> list[str]:
    return [
        f"{n.name}: {Decimal(n.amount).normalize():f} {n.unit}"
        + (f" ({n.nrv_percent}% NRV)" if n.nrv_percent is not None else "")
        for n in items
    ]


def formulation_snapshot(product: Product) -> dict:
    return {
        "ingredients": _ingredients_snapshot(
            (i.inci_name, i.function) for i in product.ingredients
        ),
        "strains": _strains_snapshot(product.strains),
        "nutrients": _nutrients_snapshot(product.nutrients),
    }


def set_formulation(
    product: Product,
    ingredients: list[tuple[str, str]],
    strains: list[StrainData],
    nutrients: list[NutrientData],
    actor,
    ip: str | None = None,
) -> bool:
    """Replace the parts of a product's formulation that changed, keeping the order
    given. False when nothing changed."""
    names = [n.name.lower() for n in nutrients]
    repeated = sorted({n.name for n in nutrients if names.count(n.name.lower()) > 1})
    if repeated:
        raise CatalogueError(f"List each nutrient once: {', '.join(repeated)}.", "nutrients")
    before = formulation_snapshot(product)
    wanted = {
        "ingredients": _ingredients_snapshot(ingredients),
        "strains": _strains_snapshot(strains),
        "nutrients": _nutrients_snapshot(nutrients),
    }
    old, new = changed_values(before, wanted)
    if not new:
        return False
    if "ingredients" in new:
        product.ingredients = []
        db.session.flush()
        product.ingredients = [
            Ingredient(position=i, inci_name=name, function=function)
            for i, (name, function) in enumerate(ingredients)
        ]
    if "strains" in new:
        product.strains = []
        db.session.flush()
        product.strains = [
            Strain(
                position=i,
                genus=s.genus,
                species=s.species,
                designation=s.designation,
                cfu_per_serving=s.cfu_per_serving,
                guaranteed_to_best_before=s.guaranteed_to_best_before,
            )
            for i, s in enumerate(strains)
        ]
    if "nutrients" in new:
        product.nutrients = []
        db.session.flush()  # the old rows go first: names are unique per product
        product.nutrients = [
            Nutrient(
                position=i, name=n.name, amount=n.amount, unit=n.unit, nrv_percent=n.nrv_percent
            )
            for i, n in enumerate(nutrients)
        ]
    db.session.flush()
    record_audit(
        actor,
        "product.formulation",
        "product",
        product.id,
        f"Changed the {', '.join(new)} of {product.name}",
        old,
        new,
        ip=ip,
    )
    return True


# Pictures ----------------------------------------------------------------------------------

IMAGE_MAX_BYTES = 8 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000
IMAGE_MAX_SIDE = 12_000
IMAGE_RULES = "a JPEG, PNG or WebP photo, up to 8 MB and 40 megapixels"
# Pillow refuses to open anything larger than twice this, and warns above it (the
# warning is a refusal in decode_upload): a small file can hold a huge picture.
Image.MAX_IMAGE_PIXELS = IMAGE_MAX_PIXELS


class ProductImageError(CatalogueError):
    """An upload that is not a usable product picture; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "image")


def _shown_name(filename: str | None) -> str:
    name = " ".join((filename or "").replace("\\", "/").rsplit("/", 1)[-1].split())
    return f"“{name[:80]}”" if name else "That file"


def read_product_image(stream, filename: str | None = None) -> Image.Image:
    """The picture in an uploaded file, checked by its content and fully decoded, or
    ProductImageError. The file name and the type the browser claims mean nothing:
    only JPEG, PNG and WebP are opened at all, never SVG."""
    shown = _shown_name(filename)
    data = stream.read(IMAGE_MAX_BYTES + 1)
    if not data:
        raise ProductImageError(f"{shown} is empty. Choose {IMAGE_RULES}.")
    if len(data) > IMAGE_MAX_BYTES:
        raise ProductImageError(f"{shown} is larger than 8 MB. Save a smaller copy and try again.")
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) or b"<svg" in head:
        raise ProductImageError(
            f"{shown} is an SVG drawing. SVG files are not accepted, as they can carry "
            f"scripts: upload {IMAGE_RULES}."
        )
    try:
        return decode_upload(data, max_pixels=IMAGE_MAX_PIXELS, max_side=IMAGE_MAX_SIDE)
    except PictureError as exc:
        if exc.problem is PictureProblem.NOT_A_PICTURE:
            message = f"{shown} is not a picture we can use: upload {IMAGE_RULES}."
        elif exc.problem is PictureProblem.DAMAGED:
            message = (
                f"{shown} could not be read: the file looks damaged or incomplete "
                "(cut short while copying?). Export it again and try once more."
            )
        elif exc.size:
            width, height = exc.size
            message = (
                f"{shown} is {width} × {height} pixels, more than 40 megapixels. "
                "Save a smaller copy and try again."
            )
        else:
            message = f"{shown} has too many pixels (more than 40 megapixels). Save a smaller copy."
        raise ProductImageError(message) from exc


def _new_image_stem(slug: str) -> str:
    """A file name the shop makes up: never the uploaded name, never reused."""
    return f"products/{slug}-{secrets.token_hex(8)}"


def image_files(media_root: str | Path, image: ProductImage) -> list[Path]:
    return [image_path(media_root, image.stem, width) for width in image.width_list]


def remove_files(paths: list[Path]) -> None:
    """Delete files that are no longer used; ones already gone are fine."""
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            continue


def image_snapshot(image: ProductImage) -> dict:
    return {"stem": image.stem, "alt_text": image.alt_text, "position": image.position}


@dataclass
class AddedImage:
    image: ProductImage
    new_files: list[Path]  # remove these if the commit fails


def add_product_image(
    product: Product,
    picture: Image.Image,
    alt_text: str,
    media_root: str | Path,
    actor,
    ip: str | None = None,
) -> AddedImage:
    """Save WebP copies of `picture` in the shop's sizes and add it after the others."""
    alt_text = " ".join((alt_text or "").split())
    if not alt_text:
        raise CatalogueError("Describe the picture for people who cannot see it.", "alt_text")
    stem = _new_image_stem(product.slug)
    widths, width, height = save_image_sizes(picture, media_root, stem)
    files = [image_path(media_root, stem, w) for w in widths]
    try:
        position = max((i.position for i in product.images), default=-1) + 1
        image = ProductImage(
            stem=stem,
            widths=",".join(str(w) for w in widths),
            width=width,
            height=height,
            alt_text=alt_text[:300],
            position=position,
        )
        product.images.append(image)
        db.session.flush()
        record_audit(
            actor,
            "image.add",
            "product",
            product.id,
            f"Added a picture to {product.name}",
            None,
            image_snapshot(image),
            ip=ip,
        )
    except Exception:
        remove_files(files)
        raise
    return AddedImage(image, files)


def update_image_alt(image: ProductImage, alt_text: str, actor, ip: str | None = None) -> bool:
    alt_text = " ".join((alt_text or "").split())
    if not alt_text:
        raise CatalogueError("Describe the picture for people who cannot see it.", "alt_text")
    if alt_text == image.alt_text:
        return False
    before = image.alt_text
    image.alt_text = alt_text[:300]
    db.session.flush()
    record_audit(
        actor,
        "image.update",
        "product",
        image.product_id,
        f"Changed a picture's description on {image.product.name}",
        {"stem": image.stem, "alt_text": before},
        {"stem": image.stem, "alt_text": image.alt_text},
        ip=ip,
    )
    return True


def _renumber(images: list[ProductImage]) -> None:
    for position, image in enumerate(images):
        image.position = position


def move_image(image: ProductImage, direction: str, actor, ip: str | None = None) -> bool:
    """Move a picture one place earlier ('up') or later ('down'); the first is the main one."""
    product = image.product
    images = sorted(product.images, key=lambda i: (i.position, i.id))
    index = images.index(image)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(images):
        return False
    before = [i.stem for i in images]
    images[index], images[target] = images[target], images[index]
    _renumber(images)
    db.session.flush()
    record_audit(
        actor,
        "image.move",
        "product",
        product.id,
        f"Reordered the pictures of {product.name}",
        {"order": before},
        {"order": [i.stem for i in images]},
        ip=ip,
    )
    return True


def delete_image(
    image: ProductImage, media_root: str | Path, actor, ip: str | None = None
) -> list[Path]:
    """Remove a picture; returns its files, to delete once the change is committed."""
    product = image.product
    files = image_files(media_root, image)
    record_audit(
        actor,
        "image.delete",
        "product",
        product.id,
        f"Removed a picture from {product.name}",
        image_snapshot(image),
        None,
        ip=ip,
    )
    product.images.remove(image)
    db.session.flush()
    _renumber(sorted(product.images, key=lambda i: (i.position, i.id)))
    db.session.flush()
    return files
