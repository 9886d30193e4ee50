"""Journal rules: what is public, listings, related articles, links to and from products."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    String,
    Text,
    and_,
    bindparam,
    or_,
    outerjoin,
    select,
)
from sqlalchemy.orm import joinedload

from shop.catalogue.cards import (
    BuyableCard,
    buyable_cards,
    buyable_columns,
    main_picture_join,
)
from shop.catalogue.models import Product, SkinConcern, Variant
from shop.catalogue.page_parts import LabelRow
from shop.catalogue.services import card_loading_options, is_slug, on_sale
from shop.comments.models import ShownComment
from shop.comments.services import (
    approved_comment_count,
    approved_comments_rows,
    shown_comments,
)
from shop.extensions import database_kind, db
from shop.journal.models import (
    Article,
    ArticleProduct,
    ArticleStatus,
    Author,
    AuthorName,
    HasHero,
    Reference,
    Tag,
    article_concern,
    article_tag,
    public_at,
)
from shop.journal.rendering import RenderedBody, render_body
from shop.loading import parts_statement, plain_rows, read_parts
from shop.models import UTCDateTime, utcnow
from shop.paging import window_page

MAX_PAGE = 10_000


def is_public(article: Article, now: datetime | None = None) -> bool:
    """Published, or scheduled and its time has come. Drafts never are."""
    now = now or utcnow()
    return (
        article.status in (ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED)
        and article.published_at is not None
        and article.published_at <= now
    )


def public_articles(now=None) -> Select:
    """Public articles at `now` (a moment, or a bound parameter for a statement built
    once and run with the moment as a value; the current moment when None)."""
    return select(Article).where(public_at(utcnow() if now is None else now))


@dataclass
class JournalPage:
    items: list[ArticleCard]
    total: int
    page: int
    pages: int
    comment_counts: dict[int, int]  # the comments shown under each card, by article id


def list_articles(
    *, concern: str | None, tag: str | None, page: int, per_page: int = 9
) -> JournalPage:
    """One page of public articles, newest first, as plain rows for their cards with
    their comment counts and the total: one statement (a page past the end costs a
    count and the last page), built once per filter shape."""
    parameters = {"now": utcnow()}
    if concern:
        parameters["concern"] = concern
    if tag:
        parameters["tag"] = tag
    stmt = _list_statement(bool(concern), bool(tag))
    # Unfiltered, the page is the newest rows of ix_article_published_at: counted apart.
    unfiltered = not (concern or tag)
    found = window_page(stmt, page, per_page, parameters, plain=True, count_apart=unfiltered)
    items, counts = _read_cards(row[:-1] for row in found.rows)  # less the total
    return JournalPage(items, found.total, found.page, found.pages, counts)


@cache
def _list_statement(by_concern: bool, by_tag: bool) -> Select:
    """`list_articles`' statement for each filter shape: the moment and the concern's
    and tag's slugs are parameters."""
    stmt = _public_cards(bindparam("now"))
    if by_concern:
        stmt = stmt.where(Article.concerns.any(SkinConcern.slug == bindparam("concern")))
    if by_tag:
        stmt = stmt.where(Article.tags.any(Tag.slug == bindparam("tag")))
    return stmt.order_by(Article.published_at.desc(), Article.id.desc())


def all_tags() -> list[Tag]:
    return list(db.session.scalars(select(Tag).order_by(Tag.name)))


@dataclass(frozen=True, slots=True)
class PageAuthor(AuthorName):
    """An article's author as its page shows them: the byline and the note about them."""

    name: str
    credentials: str
    bio: str


@dataclass(frozen=True, slots=True)
class ArticleView(HasHero):
    """An article as its own page shows it, read as a plain row with its author: the
    page changes none of it (staff edit the ORM's Article)."""

    id: int
    slug: str
    title: str
    standfirst: str
    body: str
    published_at: datetime
    updated_at: datetime
    hero_stem: str | None
    hero_widths: str
    hero_width: int
    hero_height: int
    hero_alt: str
    author: PageAuthor | None


def article_by_slug(slug: str, *, public_only: bool = True) -> ArticleView | None:
    """An article with its author as its page shows it: a plain row of one statement
    built once per process. What the page also shows of it is plain rows too: its
    concerns, tags, references and comments (`article_parts`) and the products it
    recommends (`shop_this_article`)."""
    if not is_slug(slug):
        return None
    parameters = {"slug": slug, "now": utcnow()} if public_only else {"slug": slug}
    row = plain_rows(_article_statement(public_only), parameters).first()
    if row is None:
        return None
    *values, author_id, name, credentials, bio = row
    author = PageAuthor(name, credentials, bio) if author_id is not None else None
    return ArticleView(*values, author)


def _hero_columns() -> tuple:
    """An article's hero picture's columns, in the order the plain rows that show it
    (ArticleView, ArticleCard) hold them for HasHero."""
    return (
        Article.hero_stem,
        Article.hero_widths,
        Article.hero_width,
        Article.hero_height,
        Article.hero_alt,
    )


@cache
def _article_statement(public_only: bool) -> Select:
    """`article_by_slug`'s statement, built once per process (see "Statements on hot
    paths" in docs/architecture.md): the slug and the moment are parameters."""
    stmt = public_articles(bindparam("now")) if public_only else select(Article)
    return (
        stmt.with_only_columns(
            Article.id,
            Article.slug,
            Article.title,
            Article.standfirst,
            Article.body,
            Article.published_at,
            Article.updated_at,
            *_hero_columns(),
            Author.id,
            Author.name,
            Author.credentials,
            Author.bio,
        )
        .select_from(outerjoin(Article, Author, Author.id == Article.author_id))
        .where(Article.slug == bindparam("slug"))
    )


@dataclass(frozen=True, slots=True)
class ReferenceRow:
    citation: str
    doi: str | None
    pmid: str | None
    pmcid: str | None
    url: str | None


@dataclass(slots=True)
class ArticleParts:
    """What an article's page only shows of it, as plain rows, each in its
    relationship's order; the comments under it oldest first."""

    concerns: list[LabelRow]
    tags: list[LabelRow]
    references: list[ReferenceRow]
    comments: list[ShownComment]


def article_parts(article_id: int) -> ArticleParts:
    """An article's concerns, tags, references and the comments shown under it as
    plain rows, in one statement built once per process: its page changes none of them,
    so it needs no ORM objects."""
    parameters = {"article_id": article_id}
    concerns, tags, references, comment_rows = read_parts(
        _article_parts_statement(), parameters, _PART_MAKERS
    )
    return ArticleParts(concerns, tags, references, shown_comments(comment_rows))


def _label(row) -> LabelRow:
    return LabelRow(row.id, row.text_2, row.text_1)


def _reference(row) -> ReferenceRow:
    return ReferenceRow(row.long_text, row.text_1, row.text_2, row.text_3, row.text_4)


def _comment_row(row) -> tuple:
    return (row.id, row.long_text, row.moment, row.number, row.text_1)


# concerns, tags, references, comments (as shop.comments.services.shown_comments reads them)
_PART_MAKERS = (_label, _label, _reference, _comment_row)


@cache
def _article_parts_statement() -> CompoundSelect:
    """`article_parts`' statement: concerns by position, tags by name, references by
    position (shop.loading.parts_statement), and the approved comments (their order is
    by time, which `shown_comments` sorts by)."""
    concern, tag, reference = SkinConcern.__table__, Tag.__table__, Reference.__table__
    comments = approved_comments_rows()
    concerns = (
        select(concern.c.id, concern.c.slug, concern.c.name, concern.c.position, article_concern)
        .join_from(concern, article_concern, article_concern.c.concern_id == concern.c.id)
        .subquery()
    )
    tags = (
        select(tag.c.id, tag.c.slug, tag.c.name, article_tag)
        .join_from(tag, article_tag, article_tag.c.tag_id == tag.c.id)
        .subquery()
    )
    columns = [(name, String()) for name in ("text_1", "text_2", "text_3", "text_4")]
    columns += [("long_text", Text()), ("moment", UTCDateTime()), ("number", Integer())]
    return parts_statement(
        "article_id",
        columns,
        [
            (
                concerns.c.article_id,
                concerns.c.position,
                concerns.c.id,
                {"text_1": concerns.c.name, "text_2": concerns.c.slug},
            ),
            (
                tags.c.article_id,
                None,
                tags.c.id,
                {"text_1": tags.c.name, "text_2": tags.c.slug, "sort_name": tags.c.name},
            ),
            (
                reference.c.article_id,
                reference.c.position,
                reference.c.id,
                {
                    "text_1": reference.c.doi,
                    "text_2": reference.c.pmid,
                    "text_3": reference.c.pmcid,
                    "text_4": reference.c.url,
                    "long_text": reference.c.citation,
                },
            ),
            (
                comments.c.article_id,
                None,
                comments.c.id,
                {
                    "text_1": comments.c.display_name,
                    "long_text": comments.c.body,
                    "moment": comments.c.created_at,
                    "number": comments.c.customer_id,
                },
            ),
        ],
    )


@dataclass(frozen=True, slots=True)
class ShopItem:
    """A product an article recommends, on sale, as "Shop this article" shows it."""

    product: BuyableCard
    note: str


def shop_this_article(article_id: int) -> list[ShopItem]:
    """The products an article recommends that a shopper can buy now (archived or
    unsellable ones drop out), in the article's order, with their active sizes and main
    picture: plain rows of one statement built once per process."""
    rows = plain_rows(_shop_items_statement(database_kind()), {"article_id": article_id})
    return [ShopItem(card, note) for card, (note,) in buyable_cards(rows)]


@cache
def _shop_items_statement(dialect: str) -> Select:
    """`shop_this_article`'s statement: a row per active size of each featured product on
    sale (a product is on sale when it is active and has an active size, as `on_sale`),
    built once per process and database kind."""
    featured = ArticleProduct.__table__
    product, variant = Product.__table__, Variant.__table__
    picture, on, pictures = main_picture_join(dialect)
    return (
        select(*buyable_columns(pictures), featured.c.note)
        .join_from(featured, product, product.c.id == featured.c.product_id)
        .join(variant, and_(variant.c.product_id == product.c.id, variant.c.is_active.is_(True)))
        .outerjoin(picture, on)
        .where(featured.c.article_id == bindparam("article_id"), product.c.is_active.is_(True))
        .order_by(featured.c.position, featured.c.id, variant.c.position, variant.c.id)
    )


def products_for_cards(slugs, read: Iterable = ()) -> dict:
    """Products on sale named by shortcodes, by slug, in a fixed number of queries.

    Products already `read`, on sale and with what a card needs (the ORM's Product or a
    BuyableCard), are used as they are; only the slugs they do not name are looked up,
    as the ORM's Product."""
    slugs = [slug for slug in slugs if is_slug(slug)]
    known = {product.slug: product for product in read}
    cards = {slug: known[slug] for slug in slugs if slug in known}
    missing = [slug for slug in slugs if slug not in known]
    if missing:
        stmt = on_sale().where(Product.slug.in_(missing)).options(*card_loading_options())
        cards.update((product.slug, product) for product in db.session.scalars(stmt))
    return cards


def article_cards(article: ArticleView, shop_items: list[ShopItem]) -> dict:
    """The products on sale an article's shortcodes show as cards, by slug. They are
    usually among the products it recommends (`shop_this_article`), which are used as
    they are; any other is read as the ORM's Product."""
    return products_for_cards(
        body_of(article).product_slugs, read=[item.product for item in shop_items]
    )


@dataclass(frozen=True, slots=True)
class CardAuthor(AuthorName):
    name: str
    credentials: str


@dataclass(frozen=True, slots=True)
class ArticleCard(HasHero):
    """An article as its card shows it (the `article_card` macro), read as a plain row."""

    id: int
    slug: str
    title: str
    standfirst: str
    published_at: datetime
    hero_stem: str | None
    hero_widths: str
    hero_width: int
    hero_height: int
    hero_alt: str
    author: CardAuthor | None


def _read_cards(rows) -> tuple[list[ArticleCard], dict[int, int]]:
    """Article cards and the comments shown under each (by id, only where there are
    some) from rows of `_card_columns()`."""
    cards, counts = [], {}
    for *values, author_id, name, credentials, count in rows:
        author = CardAuthor(name, credentials) if author_id is not None else None
        cards.append(ArticleCard(*values, author))
        if count:
            counts[values[0]] = count
    return cards, counts


def _card_columns() -> tuple:
    """What an article's card shows, its author's name and its shown comments: the
    columns `_read_cards` reads, from Article outer-joined to its Author."""
    return (
        Article.id,
        Article.slug,
        Article.title,
        Article.standfirst,
        Article.published_at,
        *_hero_columns(),
        Author.id,
        Author.name,
        Author.credentials,
        approved_comment_count(Article.id),
    )


def _public_cards(now) -> Select:
    """Public article cards at `now` (see `public_articles`), for `_read_cards`."""
    return (
        public_articles(now)
        .with_only_columns(*_card_columns())
        .select_from(outerjoin(Article, Author, Author.id == Article.author_id))
    )


def latest_articles(limit: int = 3) -> tuple[list[ArticleCard], dict[int, int]]:
    """The newest public articles as plain rows for their cards, and the comments shown
    under each (by id): one statement, built once per process."""
    return _read_cards(plain_rows(_latest_statement(limit), {"now": utcnow()}))


@cache
def _latest_statement(limit: int) -> Select:
    """`latest_articles`' statement, built once per process: the moment is a parameter."""
    return (
        _public_cards(bindparam("now"))
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit)
    )


def related_articles(
    article: ArticleView, parts: ArticleParts, limit: int = 3
) -> tuple[list[ArticleCard], dict[int, int]]:
    """Other public articles sharing a concern or a tag, newest first, as plain rows for
    their cards, and the comments shown under each (by id): one statement."""
    concern_ids = [c.id for c in parts.concerns]
    tag_ids = [t.id for t in parts.tags]
    if not concern_ids and not tag_ids:
        return [], {}
    parameters = {"now": utcnow(), "article_id": article.id}
    if concern_ids:
        parameters["concern_ids"] = concern_ids
    if tag_ids:
        parameters["tag_ids"] = tag_ids
    stmt = _related_statement(bool(concern_ids), bool(tag_ids), limit)
    return _read_cards(plain_rows(stmt, parameters))


@cache
def _related_statement(by_concern: bool, by_tag: bool, limit: int) -> Select:
    """`related_articles`' statement for each shape, built once per process: the
    article, the moment and the concern and tag ids are parameters."""
    conditions = []
    if by_concern:
        ids = bindparam("concern_ids", expanding=True)
        conditions.append(Article.concerns.any(SkinConcern.id.in_(ids)))
    if by_tag:
        conditions.append(Article.tags.any(Tag.id.in_(bindparam("tag_ids", expanding=True))))
    return (
        _public_cards(bindparam("now"))
        .where(Article.id != bindparam("article_id"), or_(*conditions))
        .order_by(Article.published_at.desc())
        .limit(limit)
    )


def sitemap_articles() -> list[tuple[str, datetime]]:
    stmt = public_articles().with_only_columns(Article.slug, Article.updated_at)
    return [(slug, updated) for slug, updated in db.session.execute(stmt)]


def feed_articles(limit: int = 20) -> list[Article]:
    stmt = (
        public_articles()
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit)
        .options(joinedload(Article.author))
    )
    return list(db.session.scalars(stmt))


def body_of(article: Article | ArticleView) -> RenderedBody:
    return render_body(article.body)


def unknown_shortcodes(article: Article, found: dict[str, Product]) -> list[str]:
    """Shortcode slugs that name no product on sale: shown to staff, hidden from shoppers."""
    return [slug for slug in body_of(article).product_slugs if slug not in found]


def article_structured_data(
    article: ArticleView,
    *,
    url: str,
    image_urls: list[str],
    publisher: str,
    modified: datetime,
    concerns: list[LabelRow],
) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title,
        "description": article.standfirst,
        "datePublished": article.published_at.isoformat(),
        "dateModified": modified.isoformat(),
        "mainEntityOfPage": url,
        "url": url,
        "publisher": {"@type": "Organization", "name": publisher},
    }
    if article.author is not None:
        data["author"] = {"@type": "Person", "name": article.author.name}
        if article.author.credentials:
            data["author"][
                "honorificPrefix"
                if article.author.credentials.rstrip(".") in {"Dr", "Prof"}
                else "jobTitle"
            ] = article.author.credentials
    if image_urls:
        data["image"] = image_urls
    if concerns:
        data["about"] = [{"@type": "Thing", "name": c.name} for c in concerns]
    return data
