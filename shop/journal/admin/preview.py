"""The preview: what shoppers would see if the editor's article were published, with
nothing saved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from shop.catalogue.models import Product, SkinConcern
from shop.journal.admin.authors import tag_slug
from shop.journal.admin.editor import ArticleData, find_products, reference_values
from shop.journal.models import Article, Author, Tag
from shop.journal.rendering import RenderedBody, render_body
from shop.journal.services import products_for_cards
from shop.models import utcnow


@dataclass
class Preview:
    """An unsaved article, shaped like what the public article page shows."""

    article: SimpleNamespace
    body: RenderedBody
    cards: dict[str, Product]
    shop_items: list[SimpleNamespace]
    unknown: list[str]
    modified: datetime
    new_picture: bool = False


def build_preview(
    data: ArticleData,
    article: Article | None,
    *,
    authors: dict[int, Author],
    concerns: dict[int, SkinConcern],
    tags: dict[int, Tag],
    new_picture: bool = False,
    now: datetime | None = None,
) -> Preview:
    """What shoppers would see if `data` were published: nothing is saved."""
    now = now or utcnow()
    body = render_body(data.body)
    cards = products_for_cards(body.product_slugs)
    if data.new_author is not None:
        # Never added to the session: a stand-in that knows how to show its name.
        author = Author(
            name=data.new_author.name,
            credentials=data.new_author.credentials,
            bio=data.new_author.bio,
        )
    else:
        author = authors.get(data.author_id) if data.author_id else None
    chosen_tags = [tags[i] for i in data.tag_ids if i in tags]
    chosen_tags += [
        SimpleNamespace(slug=tag_slug(name), name=name)
        for name in data.new_tag_names
        if tag_slug(name) and tag_slug(name) not in {t.slug for t in chosen_tags}
    ]
    products = find_products([item.product_slug for item in data.featured])
    shop_items = []
    for item in data.featured:
        product = products.get(item.product_slug)
        if product is not None and product.is_active and product.active_variants:
            shop_items.append(SimpleNamespace(product=product, note=item.note))
    hero = article.hero if article is not None and not data.remove_hero else None
    published_at = article.published_at if article is not None and article.published_at else now
    shown = SimpleNamespace(
        slug=data.slug,
        title=data.title,
        standfirst=data.standfirst,
        author=author,
        concerns=sorted(
            (concerns[i] for i in data.concern_ids if i in concerns), key=lambda c: c.position
        ),
        tags=sorted(chosen_tags, key=lambda tag: tag.name.lower()),
        references=[SimpleNamespace(**reference_values(ref)) for ref in data.references],
        hero=hero,
        hero_alt=data.hero_alt if hero else "",
        published_at=published_at,
    )
    return Preview(
        article=shown,
        body=body,
        cards=cards,
        shop_items=shop_items,
        unknown=[slug for slug in body.product_slugs if slug not in cards],
        modified=now,
        new_picture=new_picture,
    )
