"""What the article editor shows and sends: an article with everything its page needs,
the choices it offers, the data it sends (checked by the form), its starting values,
and what the audit log keeps of an article."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from shop.catalogue.models import Product, SkinConcern
from shop.extensions import db
from shop.journal.admin.states import ArticleState, article_state
from shop.journal.models import Article, ArticleProduct, Author, Reference, Tag
from shop.times import datetime_local_value


def article_for_editor(article_id: int) -> Article | None:
    """An article with everything the editor shows, in a fixed number of queries."""
    stmt = (
        select(Article)
        .where(Article.id == article_id)
        .options(
            joinedload(Article.author),
            selectinload(Article.concerns),
            selectinload(Article.tags),
            selectinload(Article.references),
            selectinload(Article.featured)
            .joinedload(ArticleProduct.product)
            .selectinload(Product.variants),
        )
    )
    return db.session.scalar(stmt)


def all_authors() -> list[Author]:
    return list(db.session.scalars(select(Author).order_by(Author.name, Author.id)))


def all_concerns() -> list[SkinConcern]:
    return list(db.session.scalars(select(SkinConcern).order_by(SkinConcern.position)))


def all_tags() -> list[Tag]:
    return list(db.session.scalars(select(Tag).order_by(Tag.name)))


def products_for_picker() -> list[tuple[str, str]]:
    """(slug, name) of every active product, by name: what the featured picker offers."""
    rows = db.session.execute(
        select(Product.slug, Product.name).where(Product.is_active).order_by(Product.name)
    )
    return [(slug, name) for slug, name in rows]


def find_products(values) -> dict[str, Product]:
    """Products named by slug or by exact name (any case), keyed by each value that
    found one, with their sizes loaded. One query whatever the number of values."""
    values = [value for value in dict.fromkeys(values) if value]
    if not values:
        return {}
    lowered = [value.lower() for value in values]
    stmt = (
        select(Product)
        .where(or_(Product.slug.in_(values), func.lower(Product.name).in_(lowered)))
        .options(selectinload(Product.variants), selectinload(Product.images))
        .order_by(Product.id)
    )
    products = list(db.session.scalars(stmt))
    found: dict[str, Product] = {}
    for value in values:
        match = next((p for p in products if p.slug == value), None) or next(
            (p for p in products if p.name.lower() == value.lower()), None
        )
        if match is not None:
            found[value] = match
    return found


def slug_in_use(slug: str, except_id: int | None = None) -> bool:
    stmt = select(Article.id).where(Article.slug == slug)
    if except_id is not None:
        stmt = stmt.where(Article.id != except_id)
    return db.session.scalar(stmt.limit(1)) is not None


@dataclass
class ReferenceData:
    citation: str
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    url: str | None = None


@dataclass
class FeaturedData:
    product_slug: str
    note: str = ""


@dataclass
class NewAuthor:
    name: str
    credentials: str = ""
    bio: str = ""


@dataclass
class ArticleData:
    """An article as the editor describes it, already checked by the form."""

    slug: str
    title: str
    standfirst: str = ""
    body: str = ""
    author_id: int | None = None
    new_author: NewAuthor | None = None
    concern_ids: list[int] = field(default_factory=list)
    tag_ids: list[int] = field(default_factory=list)
    new_tag_names: list[str] = field(default_factory=list)
    references: list[ReferenceData] = field(default_factory=list)
    featured: list[FeaturedData] = field(default_factory=list)
    hero_alt: str = ""
    remove_hero: bool = False


def form_values(article: Article) -> dict:
    """The editor's starting values for an article (as the form's `data`)."""
    return {
        "slug": article.slug,
        "title": article.title,
        "standfirst": article.standfirst,
        "body": article.body,
        "author": str(article.author_id) if article.author_id else "",
        "concerns": [concern.id for concern in article.concerns],
        "tags": [tag.id for tag in article.tags],
        "hero_alt": article.hero_alt,
        "featured": [
            {"order": i, "product": item.product.slug, "note": item.note}
            for i, item in enumerate(article.featured, start=1)
        ],
        "references": [
            {
                "order": i,
                "citation": ref.citation,
                "doi": ref.doi or "",
                "pmid": ref.pmid or "",
                "pmcid": ref.pmcid or "",
                "url": ref.url or "",
            }
            for i, ref in enumerate(article.references, start=1)
        ],
        "publish_at": datetime_local_value(article.published_at)
        if article_state(article) is ArticleState.SCHEDULED
        else "",
    }


def article_snapshot(article: Article) -> dict:
    """What the audit log keeps of an article."""
    return {
        "slug": article.slug,
        "title": article.title,
        "standfirst": article.standfirst,
        "body": article.body,
        "author": article.author.name if article.author else None,
        "concerns": sorted(concern.slug for concern in article.concerns),
        "tags": sorted(tag.slug for tag in article.tags),
        "references": [reference_values(ref) for ref in article.references],
        "featured": [
            {"product": item.product.slug, "note": item.note} for item in article.featured
        ],
        "status": article.status,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "hero": article.hero_stem,
        "hero_alt": article.hero_alt,
    }


def reference_values(ref: Reference | ReferenceData) -> dict:
    return {
        "citation": ref.citation,
        "doi": ref.doi or None,
        "pmid": ref.pmid or None,
        "pmcid": ref.pmcid or None,
        "url": ref.url or None,
    }
