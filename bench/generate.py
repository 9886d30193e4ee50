"""Build the benchmark database: schema, then a generated catalogue and journal.

Run by bench/run.py with the environment of the shop it benchmarks (SHOP_ENV,
SECRET_KEY, DATABASE_URL, MEDIA_ROOT)::

    python -m bench.generate --manifest bench/out/postgres-manifest.json [--create-all]

The schema comes from `flask db upgrade` (run before this). The migrations may lag
behind the models while the models are being worked on, so the schema is compared
with the models here: tables the migrations lack are created with `db.create_all()`,
and if columns are missing too the schema is rebuilt from the models. Either is
reported, in the summary printed as the last line of output (JSON).

The data uses the shop's own models, shaped like the demo catalogue (the demo
products and articles are the templates): 1,000 products spread over the five
leaf categories, each with 1-3 sizes, its INCI list, strains and nutrients for
supplements, skin concerns for skincare, free-from flags and one image row; and
200 published articles, each featuring three products with a shortcode card in
its body. Every image row points at one of a few drawn pictures. The same seed
always gives the same data.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import inspect, select

from shop.catalogue.demo_data import CATEGORIES, CONCERNS, FREE_FROM, PRODUCTS
from shop.catalogue.images import draw_product_illustration, image_path, save_image_sizes
from shop.catalogue.models import (
    MAX_PER_ORDER_CEILING,
    Category,
    FreeFromFlag,
    Ingredient,
    Nutrient,
    Product,
    ProductImage,
    SkinConcern,
    Strain,
    Variant,
)
from shop.extensions import db
from shop.journal.demo import HERO_SIZE, HERO_WIDTHS, draw_article_hero
from shop.journal.demo_data import ARTICLES, AUTHORS, TAGS
from shop.journal.models import (
    Article,
    ArticleProduct,
    ArticleStatus,
    Author,
    Reference,
    Tag,
)
from shop.models import utcnow

PRODUCT_COUNT = 1000
ARTICLE_COUNT = 200
PRODUCTS_PER_COMMIT = 250
ARTICLES_PER_COMMIT = 100
SEED = 20240601

# What the benchmark asks for; written to the manifest for bench/run.py.
SEARCH_TERM = "ceramide"
FILTER_CATEGORY = "moisturisers"
FILTER_CONCERN = "dry-sensitive-skin"
# Variants with at least this much stock take the add-to-cart load: a cart line is
# capped at min(stock, 99), so these can take 99 adds each before answering 409.
CART_STOCK = 400

SIZES = {
    "moisturisers": [("30 ml", 1.0, 120), ("50 ml", 1.45, 190), ("100 ml", 2.4, 330)],
    "cleansers": [("100 ml", 1.0, 140), ("150 ml", 1.35, 200), ("250 ml", 1.9, 310)],
    "serums": [("15 ml", 1.0, 80), ("30 ml", 1.7, 120), ("50 ml", 2.5, 170)],
    "synbiotics": [("14 sachets", 1.0, 70), ("30 sachets", 1.9, 140), ("60 sachets", 3.4, 270)],
    "capsules": [("30 capsules", 1.0, 60), ("60 capsules", 1.8, 90), ("90 capsules", 2.5, 110)],
}
SKINCARE = {"moisturisers", "cleansers", "serums"}
SHORTCODE_LINE = re.compile(r"^\{\{\s*product\s*:.*\}\}\s*$", re.MULTILINE)


def ensure_schema(create_all: bool) -> list[str]:
    """Make the database match the models; return notes on what had to be done."""
    notes: list[str] = []
    if create_all:
        db.drop_all()
        db.create_all()
        notes.append(
            "`flask db upgrade` failed, so the schema was built with db.create_all() "
            "(the migrations need catching up)"
        )
        return notes
    inspector = inspect(db.engine)
    present = set(inspector.get_table_names())
    missing_tables = sorted(set(db.metadata.tables) - present)
    missing_columns = sorted(
        f"{name}.{column.name}"
        for name, table in db.metadata.tables.items()
        if name in present
        for column in table.columns
        if column.name not in {c["name"] for c in inspector.get_columns(name)}
    )
    if missing_columns:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.create_all()
        notes.append(
            "the migrations lack column(s) "
            + ", ".join(missing_columns)
            + (f" and table(s) {', '.join(missing_tables)}" if missing_tables else "")
            + ", so the schema was rebuilt with db.create_all()"
        )
    elif missing_tables:
        db.create_all()
        notes.append(
            "`flask db upgrade` ran, but the migrations lack table(s) "
            + ", ".join(missing_tables)
            + ", which db.create_all() added"
        )
    return notes


def _draw_images(media_root: Path) -> tuple[dict[str, dict], dict]:
    """One drawn picture per package kind, and one article hero, shared by every row."""
    pictures: dict[str, dict] = {}
    for data in PRODUCTS:
        kind = data["kind"]
        if kind in pictures:
            continue
        stem = f"products/bench-{kind}"
        if image_path(media_root, stem, 800).is_file():
            widths, width, height = [400, 800], 800, 800
        else:
            picture = draw_product_illustration(data["name"], kind, tuple(data["palette"]))
            widths, width, height = save_image_sizes(picture, media_root, stem)
        pictures[kind] = {
            "stem": stem,
            "widths": ",".join(str(w) for w in widths),
            "width": width,
            "height": height,
        }
    stem = "articles/bench-hero"
    if not image_path(media_root, stem, HERO_WIDTHS[-1]).is_file():
        picture = draw_article_hero(("#E8F0E6", "#6E9B7A"), "bench")
        save_image_sizes(picture, media_root, stem, widths=HERO_WIDTHS)
    hero = {
        "hero_stem": stem,
        "hero_widths": ",".join(str(w) for w in HERO_WIDTHS),
        "hero_width": HERO_SIZE[0],
        "hero_height": HERO_SIZE[1],
    }
    return pictures, hero


def _reference_data() -> tuple[dict, dict, dict]:
    categories: dict[str, Category] = {}
    for data in CATEGORIES:
        categories[data["slug"]] = Category(
            slug=data["slug"],
            name=data["name"],
            description=data["description"],
            position=data["position"],
            parent=categories[data["parent"]] if data["parent"] else None,
        )
    concerns = {data["slug"]: SkinConcern(**data) for data in CONCERNS}
    flags = {data["slug"]: FreeFromFlag(**data) for data in FREE_FROM}
    db.session.add_all([*categories.values(), *concerns.values(), *flags.values()])
    db.session.commit()
    return (
        {c.slug: c for c in db.session.scalars(select(Category))},
        {c.slug: c for c in db.session.scalars(select(SkinConcern))},
        {f.slug: f for f in db.session.scalars(select(FreeFromFlag))},
    )


def _product(n: int, template: dict, rng: random.Random, refs: tuple, picture: dict, now):
    categories, concerns, flags = refs
    category = template["category"]
    number = f"{n + 1:04d}"
    base_price = rng.randrange(900, 3600, 25)
    sizes = SIZES[category][: rng.randint(1, 3)]
    variants = []
    for position, (label, factor, grams) in enumerate(sizes):
        price = int(round(base_price * factor / 5) * 5)
        on_hand = rng.choice([0, 2, 4, 12, 40, 120, CART_STOCK, CART_STOCK])
        variants.append(
            Variant(
                sku=f"BENCH-{number}-{position + 1}",
                size_label=label,
                price_pence=price,
                compare_at_pence=price + 500 if rng.random() < 0.15 else None,
                currency="gbp",
                on_hand=on_hand,
                reserved=0,
                weight_grams=grams,
                position=position,
                is_active=True,
            )
        )
    created = now - timedelta(days=rng.randint(1, 900), minutes=rng.randint(0, 1440))
    if category in SKINCARE:
        chosen_concerns = rng.sample(sorted(concerns), rng.randint(1, 3))
    else:
        chosen_concerns = []  # supplements make no skin claims (see demo_data)
    product = Product(
        slug=f"{template['slug']}-{number}",
        name=f"{template['name']} {number}",
        category=categories[category],
        short_description=template["short_description"],
        long_description=template["long_description"],
        how_to_use=template["how_to_use"],
        warnings=template["warnings"],
        serving_size=template["serving_size"],
        featured_rank=n + 1 if n < 8 else None,
        # The most staff may allow, so add to cart's benchmark (256 lines) measures adds
        # that succeed rather than the 409 at a line's cap of the default 10.
        max_per_order=MAX_PER_ORDER_CEILING,
        is_active=True,
        created_at=created,
        updated_at=created,
        concerns=[concerns[slug] for slug in sorted(chosen_concerns)],
        free_from=[flags[slug] for slug in template["free_from"]],
        variants=variants,
        images=[ProductImage(alt_text=template["image_alt"], position=0, **picture)],
        ingredients=[
            Ingredient(position=i, inci_name=inci, function=function)
            for i, (inci, function) in enumerate(template["ingredients"])
        ],
        strains=[
            Strain(
                position=i,
                genus=s["genus"],
                species=s["species"],
                designation=s["designation"],
                cfu_per_serving=s["cfu_per_serving"],
                guaranteed_to_best_before=s["guaranteed_to_best_before"],
            )
            for i, s in enumerate(template["strains"])
        ],
        nutrients=[
            Nutrient(
                position=i,
                name=v["name"],
                amount=Decimal(v["amount"]),
                unit=v["unit"],
                nrv_percent=v["nrv_percent"],
            )
            for i, v in enumerate(template["nutrients"])
        ],
    )
    return product


def generate_products(rng: random.Random, pictures: dict, now) -> dict[str, int]:
    refs = _reference_data()
    leaves = [c["slug"] for c in CATEGORIES if c["parent"]]
    templates = {leaf: [p for p in PRODUCTS if p["category"] == leaf] for leaf in leaves}
    counts = {"products": 0, "variants": 0, "ingredients": 0, "strains": 0, "nutrients": 0}
    batch: list[Product] = []
    for n in range(PRODUCT_COUNT):
        leaf = leaves[n % len(leaves)]
        template = templates[leaf][(n // len(leaves)) % len(templates[leaf])]
        product = _product(n, template, rng, refs, pictures[template["kind"]], now)
        counts["products"] += 1
        counts["variants"] += len(product.variants)
        counts["ingredients"] += len(product.ingredients)
        counts["strains"] += len(product.strains)
        counts["nutrients"] += len(product.nutrients)
        batch.append(product)
        if len(batch) == PRODUCTS_PER_COMMIT:
            db.session.add_all(batch)
            db.session.commit()
            batch = []
    db.session.add_all(batch)
    db.session.commit()
    counts["images"] = counts["products"]
    return counts


def _article_body(template: dict, slugs: list[str], number: str) -> str:
    """The template's Markdown with its own cards replaced by one card per featured product."""
    body = SHORTCODE_LINE.sub("", template["body"]).strip()
    sections = re.split(r"(?m)^(?=## )", body)
    for i, slug in enumerate(slugs):
        target = min(i + 1, len(sections) - 1)
        sections[target] = sections[target].rstrip() + f"\n\n{{{{ product: {slug} }}}}\n\n"
    return "".join(sections).strip() + f"\n\n*Benchmark article {number}.*\n"


def generate_articles(rng: random.Random, hero: dict, now) -> dict[str, int]:
    authors = [Author(**data) for data in AUTHORS]
    tags = [Tag(**data) for data in TAGS]
    db.session.add_all([*authors, *tags])
    db.session.commit()
    authors = list(db.session.scalars(select(Author).order_by(Author.id)))
    tags = list(db.session.scalars(select(Tag).order_by(Tag.id)))
    concerns = {c.slug: c for c in db.session.scalars(select(SkinConcern))}
    products = list(db.session.execute(select(Product.id, Product.slug).order_by(Product.id)))
    templates = [a for a in ARTICLES if a["products"]]
    counts = {"articles": 0, "references": 0, "article_products": 0}
    batch: list[Article] = []
    for n in range(ARTICLE_COUNT):
        template = templates[n % len(templates)]
        number = f"{n + 1:04d}"
        featured = rng.sample(products, 3)
        published = now - timedelta(days=n + 1, hours=rng.randint(0, 12))
        article = Article(
            slug=f"{template['slug']}-{number}",
            title=f"{template['title']} ({number})",
            standfirst=template["standfirst"],
            body=_article_body(template, [slug for _id, slug in featured], number),
            author=rng.choice(authors),
            status=ArticleStatus.PUBLISHED,
            published_at=published,
            created_at=published - timedelta(days=2),
            updated_at=published,
            hero_alt=template["hero_alt"],
            concerns=[concerns[slug] for slug in template["concerns"] if slug in concerns],
            tags=rng.sample(tags, min(2, len(tags))),
            **hero,
        )
        article.references = [
            Reference(
                position=i,
                citation=ref["citation"],
                doi=ref.get("doi"),
                pmid=ref.get("pmid"),
                pmcid=ref.get("pmcid"),
                url=ref.get("url"),
            )
            for i, ref in enumerate(template["references"])
        ]
        article.featured = [
            ArticleProduct(position=i, product_id=product_id, note="Chosen for this article.")
            for i, (product_id, _slug) in enumerate(featured)
        ]
        counts["articles"] += 1
        counts["references"] += len(article.references)
        counts["article_products"] += len(article.featured)
        batch.append(article)
        if len(batch) == ARTICLES_PER_COMMIT:
            db.session.add_all(batch)
            db.session.commit()
            batch = []
    db.session.add_all(batch)
    db.session.commit()
    return counts


def manifest() -> dict:
    """The URLs and ids bench/run.py needs, read back from the database."""
    first = db.session.execute(
        select(Product.slug)
        .join(Category)
        .where(Category.slug == FILTER_CATEGORY)
        .order_by(Product.id)
        .limit(1)
    ).scalar_one()
    article = db.session.execute(
        select(Article.slug).order_by(Article.published_at.desc()).limit(1)
    ).scalar_one()
    cart_variants = list(
        db.session.scalars(
            select(Variant.id).where(Variant.on_hand >= CART_STOCK).order_by(Variant.id).limit(512)
        )
    )
    return {
        "product": first,
        "article": article,
        "category": FILTER_CATEGORY,
        "concern": FILTER_CONCERN,
        "search": SEARCH_TERM,
        "cart_variants": cart_variants,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True, type=Path)
    parser.add_argument(
        "--create-all", action="store_true", help="build the schema from the models"
    )
    args = parser.parse_args(argv)

    from shop import create_app

    app = create_app()
    with app.app_context():
        notes = ensure_schema(args.create_all)
        rng = random.Random(SEED)
        now = utcnow()
        pictures, hero = _draw_images(Path(app.config["MEDIA_ROOT"]))
        counts = generate_products(rng, pictures, now)
        counts.update(generate_articles(rng, hero, now))
        if db.engine.dialect.name == "postgresql":
            # What autovacuum would do soon after a bulk load anyway; done now so that
            # plans do not change half-way through the benchmark.
            with db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE"
                )
            notes.append("VACUUM ANALYZE ran after the data was loaded")
        data = manifest()
    args.manifest.parent.mkdir(parents=True, exist_ok=True)
    args.manifest.write_text(json.dumps(data, indent=2) + "\n")
    print(json.dumps({"counts": counts, "schema_notes": notes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
