"""Load the demo catalogue from `demo_data` into the database, with drawn product images.

The seed only ever creates what is missing and never edits a row that already exists,
so it can be run again at any time (for example after pointing MEDIA_ROOT at a fresh
folder) without undoing changes made by staff.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import selectinload

from shop.catalogue.demo_data import CATEGORIES, CONCERNS, FREE_FROM, PRODUCTS
from shop.catalogue.demo_key_facts import KEY_FACTS
from shop.catalogue.images import (
    IMAGE_WIDTHS,
    draw_product_illustration,
    image_path,
    save_image_sizes,
)
from shop.catalogue.models import (
    Category,
    FreeFromFlag,
    Ingredient,
    Nutrient,
    Product,
    ProductImage,
    ProductPairing,
    ProductQuestion,
    SkinConcern,
    Strain,
    Variant,
)
from shop.extensions import db
from shop.models import utcnow

log = logging.getLogger(__name__)

COUNT_KEYS = (
    "categories",
    "concerns",
    "free_from_flags",
    "products",
    "variants",
    "ingredients",
    "strains",
    "nutrients",
    "images",
    "key_facts",
)


def demo_image_stem(slug: str) -> str:
    """The stem of a product's drawn demo image, relative to MEDIA_ROOT."""
    return f"products/{slug}-1"


def _draw_and_save(
    data: dict, name: str, media_root: Path, stem: str, widths=IMAGE_WIDTHS
) -> tuple[list[int], int, int]:
    picture = draw_product_illustration(name, data["kind"], tuple(data["palette"]))
    return save_image_sizes(picture, media_root, stem, widths)


def _files_missing(media_root: Path, image: ProductImage) -> bool:
    widths = image.width_list
    return not widths or any(not image_path(media_root, image.stem, w).is_file() for w in widths)


def _new_product(data: dict, categories, concerns, flags, now, counts) -> Product:
    product = Product(
        slug=data["slug"],
        name=data["name"],
        category=categories[data["category"]],
        short_description=data["short_description"],
        long_description=data["long_description"],
        how_to_use=data["how_to_use"],
        warnings=data["warnings"],
        serving_size=data["serving_size"],
        featured_rank=data["featured_rank"],
        is_active=True,
    )
    created = now - timedelta(days=data["created_days_ago"])
    product.created_at = created
    product.updated_at = created
    product.concerns = [concerns[slug] for slug in data["concerns"]]
    product.free_from = [flags[slug] for slug in data["free_from"]]
    product.ingredients = [
        Ingredient(position=i, inci_name=inci, function=function)
        for i, (inci, function) in enumerate(data["ingredients"])
    ]
    product.strains = [
        Strain(
            position=i,
            genus=s["genus"],
            species=s["species"],
            designation=s["designation"],
            cfu_per_serving=s["cfu_per_serving"],
            guaranteed_to_best_before=s["guaranteed_to_best_before"],
        )
        for i, s in enumerate(data["strains"])
    ]
    product.nutrients = [
        Nutrient(
            position=i,
            name=n["name"],
            amount=Decimal(n["amount"]),
            unit=n["unit"],
            nrv_percent=n["nrv_percent"],
        )
        for i, n in enumerate(data["nutrients"])
    ]
    counts["products"] += 1
    counts["ingredients"] += len(product.ingredients)
    counts["strains"] += len(product.strains)
    counts["nutrients"] += len(product.nutrients)
    return product


def seed_demo_catalogue(media_root: str | Path) -> dict[str, int]:
    """Create whatever part of the demo catalogue is missing, then commit.

    Categories, skin concerns and free-from flags are matched by slug, products by
    slug and variants by SKU. A new product is created with its variants, ingredients,
    strains, nutrients, concerns and free-from flags; a variant whose SKU is missing is
    also added to a product that already exists. Nothing that exists is ever changed.

    A product without any image gets a drawn illustration saved under `media_root` as
    ``products/<slug>-1-<width>.webp`` and a ProductImage row with stem
    ``products/<slug>-1``. If that image row exists but its files are missing on disk
    (a fresh MEDIA_ROOT, say), the files are drawn again and the row is left alone.

    Returns how many rows of each kind were created: all zeros on a second run.
    """
    media_root = Path(media_root)
    session = db.session
    counts = dict.fromkeys(COUNT_KEYS, 0)
    now = utcnow()

    categories = {c.slug: c for c in session.scalars(db.select(Category))}
    for data in CATEGORIES:
        if data["slug"] in categories:
            continue
        category = Category(
            slug=data["slug"],
            name=data["name"],
            description=data["description"],
            position=data["position"],
            parent=categories[data["parent"]] if data["parent"] else None,
        )
        session.add(category)
        categories[category.slug] = category
        counts["categories"] += 1

    concerns = {c.slug: c for c in session.scalars(db.select(SkinConcern))}
    for data in CONCERNS:
        if data["slug"] not in concerns:
            concern = SkinConcern(**data)
            session.add(concern)
            concerns[concern.slug] = concern
            counts["concerns"] += 1

    flags = {f.slug: f for f in session.scalars(db.select(FreeFromFlag))}
    for data in FREE_FROM:
        if data["slug"] not in flags:
            flag = FreeFromFlag(**data)
            session.add(flag)
            flags[flag.slug] = flag
            counts["free_from_flags"] += 1

    products = {
        p.slug: p
        for p in session.scalars(
            db.select(Product).options(selectinload(Product.images), selectinload(Product.variants))
        )
    }
    skus = set(session.scalars(db.select(Variant.sku)))

    for data in PRODUCTS:
        product = products.get(data["slug"])
        if product is None:
            product = _new_product(data, categories, concerns, flags, now, counts)
            session.add(product)
            products[product.slug] = product

        next_position = max((v.position for v in product.variants), default=-1) + 1
        for v in data["variants"]:
            if v["sku"] in skus:
                continue
            product.variants.append(
                Variant(
                    sku=v["sku"],
                    size_label=v["size_label"],
                    price_pence=v["price_pence"],
                    compare_at_pence=v["compare_at_pence"],
                    currency="gbp",
                    on_hand=v["on_hand"],
                    reserved=0,
                    weight_grams=v["weight_grams"],
                    position=next_position,
                    is_active=True,
                )
            )
            skus.add(v["sku"])
            next_position += 1
            counts["variants"] += 1

        stem = demo_image_stem(product.slug)
        if not product.images:
            widths, width, height = _draw_and_save(data, product.name, media_root, stem)
            product.images.append(
                ProductImage(
                    stem=stem,
                    widths=",".join(str(w) for w in widths),
                    width=width,
                    height=height,
                    alt_text=data["image_alt"],
                    position=0,
                )
            )
            counts["images"] += 1
        else:
            for image in product.images:
                if image.stem == stem and _files_missing(media_root, image):
                    log.info("Redrawing missing image files for %s", stem)
                    _draw_and_save(
                        data, product.name, media_root, stem, image.width_list or IMAGE_WIDTHS
                    )

    session.flush()
    for slug, facts in KEY_FACTS.items():
        product = products.get(slug)
        if product is not None and _add_key_facts(product, facts, products):
            counts["key_facts"] += 1

    session.commit()
    return counts


def _add_key_facts(product: Product, facts: dict, products: dict[str, Product]) -> bool:
    """Give a demo product its key facts, questions and pairings, unless it has some
    already (staff may have written their own). True when they were added."""
    if product.highlights or product.texture or product.time_to_results or product.questions:
        return False
    product.highlights = "\n".join(facts["highlights"])
    product.texture = facts["texture"]
    product.time_to_results = facts["time_to_results"]
    product.questions = [
        ProductQuestion(position=i, question=question, answer=answer)
        for i, (question, answer) in enumerate(facts["questions"])
    ]
    if not product.pairings:
        product.pairings = [
            ProductPairing(position=i, paired_product_id=products[slug].id)
            for i, slug in enumerate(facts["paired"])
            if slug in products
        ]
    return True
