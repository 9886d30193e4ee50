"""Load the demo journal: authors, tags and articles linked to demo products.

Like the catalogue seed it only creates what is missing, so it is safe to run
again and never undoes an editor's changes.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import select

from shop.catalogue.images import image_path, save_image_sizes
from shop.catalogue.models import Product, SkinConcern
from shop.extensions import db
from shop.journal.demo_data import ARTICLES, AUTHORS, TAGS
from shop.journal.models import Article, ArticleProduct, Author, Reference, Tag
from shop.models import utcnow

HERO_SIZE = (1200, 675)
HERO_WIDTHS = (400, 800, 1200)


def draw_article_hero(palette: tuple[str, str], seed: str) -> Image.Image:
    """A calm abstract picture: soft rounded cells on a two-colour wash."""
    rng = random.Random(seed)  # noqa: S311 - decoration, not security
    width, height = HERO_SIZE
    background, accent = palette
    image = Image.new("RGB", HERO_SIZE, background)
    layer = Image.new("RGBA", HERO_SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(38):
        x, y = rng.randint(-80, width), rng.randint(-80, height)
        w, h = rng.randint(30, 180), rng.randint(20, 90)
        alpha = rng.randint(40, 120)
        colour = Image.new("RGB", (1, 1), accent).getpixel((0, 0))
        draw.rounded_rectangle((x, y, x + w, y + h), radius=h // 2, fill=(*colour, alpha))
    for _ in range(60):
        x, y, r = rng.randint(0, width), rng.randint(0, height), rng.randint(4, 14)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, rng.randint(60, 140)))
    layer = layer.filter(ImageFilter.GaussianBlur(1.2))
    image.paste(layer, (0, 0), layer)
    return image


def hero_stem(slug: str) -> str:
    return f"articles/{slug}-hero"


def seed_demo_journal(media_root: str | Path) -> dict[str, int]:
    """Create the demo authors, tags and articles that are missing; return counts created."""
    media_root = Path(media_root)
    created = {"authors": 0, "tags": 0, "articles": 0, "references": 0, "article_products": 0}
    authors = {a.slug: a for a in db.session.scalars(select(Author))}
    for data in AUTHORS:
        if data["slug"] not in authors:
            authors[data["slug"]] = Author(**data)
            db.session.add(authors[data["slug"]])
            created["authors"] += 1
    tags = {t.slug: t for t in db.session.scalars(select(Tag))}
    for data in TAGS:
        if data["slug"] not in tags:
            tags[data["slug"]] = Tag(**data)
            db.session.add(tags[data["slug"]])
            created["tags"] += 1
    concerns = {c.slug: c for c in db.session.scalars(select(SkinConcern))}
    products = {p.slug: p for p in db.session.scalars(select(Product))}
    existing = {a.slug: a for a in db.session.scalars(select(Article))}
    now = utcnow()
    for data in ARTICLES:
        stem = hero_stem(data["slug"])
        if not image_path(media_root, stem, HERO_WIDTHS[-1]).exists():
            save_image_sizes(
                draw_article_hero(tuple(data["hero_palette"]), data["slug"]),
                media_root,
                stem,
                widths=HERO_WIDTHS,
            )
        if data["slug"] in existing:
            continue
        status = data["status"]
        if status == "scheduled":
            published_at = now + timedelta(days=data.get("publish_in_days", 3))
        elif status == "published":
            published_at = now - timedelta(days=data.get("published_days_ago", 1))
        else:
            published_at = None
        updated_days = data.get("updated_days_ago")
        article = Article(
            slug=data["slug"],
            title=data["title"],
            standfirst=data["standfirst"],
            body=data["body"].strip() + "\n",
            author=authors.get(data["author"]),
            status=status,
            published_at=published_at,
            created_at=(published_at or now) - timedelta(days=2),
            updated_at=now - timedelta(days=updated_days)
            if updated_days is not None
            else (published_at or now),
            hero_stem=stem,
            hero_widths=",".join(str(w) for w in HERO_WIDTHS),
            hero_width=HERO_SIZE[0],
            hero_height=HERO_SIZE[1],
            hero_alt=data["hero_alt"],
            concerns=[concerns[slug] for slug in data["concerns"] if slug in concerns],
            tags=[tags[slug] for slug in data["tags"]],
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
            for i, ref in enumerate(data["references"])
        ]
        article.featured = [
            ArticleProduct(position=i, product=products[item["slug"]], note=item.get("note", ""))
            for i, item in enumerate(data["products"])
            if item["slug"] in products
        ]
        db.session.add(article)
        created["articles"] += 1
        created["references"] += len(article.references)
        created["article_products"] += len(article.featured)
    db.session.commit()
    return created
