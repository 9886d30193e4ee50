"""Saving an article from the editor: creating or changing it with what it refers to
(author, concerns, tags, references, featured products) and its hero picture, audited.

Plain functions: they change the models and flush, and leave committing to the caller."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from shop.backoffice.audit import changed_values, record_audit
from shop.catalogue.images import image_path, remove_files, save_image_sizes
from shop.catalogue.models import Product, SkinConcern
from shop.extensions import db
from shop.journal.admin.authors import create_author, tags_named
from shop.journal.admin.editor import (
    ArticleData,
    FeaturedData,
    ReferenceData,
    article_snapshot,
    find_products,
    reference_values,
)
from shop.journal.admin.errors import JournalError
from shop.journal.admin.hero import HERO_WIDTHS, hero_files
from shop.journal.models import Article, ArticleProduct, ArticleStatus, Author, Reference, Tag
from shop.models import utcnow


@dataclass
class SaveResult:
    article: Article
    created: bool = False
    changed: bool = False
    new_files: list[Path] = field(default_factory=list)  # remove if the commit fails
    old_files: list[Path] = field(default_factory=list)  # remove once the commit succeeds


def _resolve(data: ArticleData, actor, ip: str | None):
    """Load (and where asked, create) what the article refers to, before changing it."""
    if data.new_author is not None:
        author = create_author(
            data.new_author.name, data.new_author.credentials, data.new_author.bio, actor, ip
        )
    elif data.author_id is not None:
        author = db.session.get(Author, data.author_id)
        if author is None:
            raise JournalError("That author no longer exists. Choose another.")
    else:
        author = None
    concerns = (
        list(
            db.session.scalars(
                select(SkinConcern)
                .where(SkinConcern.id.in_(data.concern_ids))
                .order_by(SkinConcern.position)
            )
        )
        if data.concern_ids
        else []
    )
    tags = (
        list(db.session.scalars(select(Tag).where(Tag.id.in_(data.tag_ids))))
        if data.tag_ids
        else []
    )
    tags += tags_named(data.new_tag_names, actor, ip)
    tags = sorted({tag.id: tag for tag in tags}.values(), key=lambda tag: tag.name.lower())
    products = find_products([item.product_slug for item in data.featured])
    missing = [item.product_slug for item in data.featured if item.product_slug not in products]
    if missing:
        raise JournalError(f"No product has the address {missing[0]}.")
    return author, concerns, tags, products


def _set_featured(article: Article, items: list[FeaturedData], products: dict[str, Product]):
    """Make Shop this article list `items` in order, keeping the rows of products that
    stay (a product appears once per article, and rows are updated in place so the
    database never sees it twice)."""
    existing = {item.product_id: item for item in article.featured}
    chosen: list[ArticleProduct] = []
    seen: set[int] = set()
    for item in items:
        product = products[item.product_slug]
        if product.id in seen:
            continue
        seen.add(product.id)
        row = existing.pop(product.id, None) or ArticleProduct(product=product)
        row.position = len(chosen)
        row.note = item.note
        chosen.append(row)
    article.featured = chosen


def _set_references(article: Article, items: list[ReferenceData]) -> None:
    wanted = [reference_values(item) for item in items]
    if wanted == [reference_values(ref) for ref in article.references]:
        return
    article.references = [Reference(position=i, **values) for i, values in enumerate(wanted)]


def save_article(
    article: Article | None,
    data: ArticleData,
    *,
    actor,
    ip: str | None = None,
    media_root: str | Path,
    hero_image: Image.Image | None = None,
) -> SaveResult:
    """Create an article (as a draft) or change one, with its hero picture, and flush.

    The audit log gets the whole article on creation and only what changed on
    an update. A new hero picture is written to disk under
    `articles/<slug>-<random>`; the result says which files to remove if the
    commit fails and which (the replaced picture) once it succeeds.
    """
    author, concerns, tags, products = _resolve(data, actor, ip)
    created = article is None
    before = None if created else article_snapshot(article)
    if created:
        article = Article(status=ArticleStatus.DRAFT, published_at=None)
    article.slug = data.slug
    article.title = data.title
    article.standfirst = data.standfirst
    article.body = data.body
    article.author = author
    article.concerns = concerns
    article.tags = tags
    _set_references(article, data.references)
    _set_featured(article, data.featured, products)
    if created:
        db.session.add(article)

    result = SaveResult(article=article, created=created)
    media_root = Path(media_root)
    if hero_image is not None or data.remove_hero:
        result.old_files = hero_files(media_root, article.hero_stem, article.hero_widths)
        article.hero_stem, article.hero_widths = None, ""
        article.hero_width = article.hero_height = 0
        article.hero_alt = ""
    if hero_image is not None:
        stem = f"articles/{data.slug}-{secrets.token_hex(4)}"
        result.new_files = [image_path(media_root, stem, w) for w in HERO_WIDTHS]
        try:
            widths, width, height = save_image_sizes(
                hero_image, media_root, stem, widths=HERO_WIDTHS
            )
        except BaseException:
            remove_files(result.new_files)
            raise
        article.hero_stem = stem
        article.hero_widths = ",".join(str(w) for w in widths)
        article.hero_width, article.hero_height = width, height
    if article.hero_stem:
        article.hero_alt = data.hero_alt
    try:
        _record_save(result, before, actor, ip)
    except BaseException:
        remove_files(result.new_files)
        raise
    return result


def _record_save(result: SaveResult, before: dict | None, actor, ip: str | None) -> None:
    article = result.article
    after = article_snapshot(article)
    if result.created:
        db.session.flush()
        record_audit(
            actor,
            "article.create",
            "article",
            article.id,
            f"Created the article “{article.title}”",
            None,
            after,
            ip=ip,
        )
        result.changed = True
        return
    old, new = changed_values(before, after)
    if new:
        article.updated_at = utcnow()
        db.session.flush()
        record_audit(
            actor,
            "article.update",
            "article",
            article.id,
            f"Changed {', '.join(new)} of “{article.title}”",
            old,
            new,
            ip=ip,
        )
        result.changed = True
