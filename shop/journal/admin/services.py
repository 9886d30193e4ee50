"""Journal back-office rules: finding articles, saving them, publishing and
scheduling them, hero pictures, authors and tags, and what staff should know
about the products an article links to.

Plain functions: they change the models and flush, and leave committing, the
request and the signed-in user to the caller (the actor is passed in). Every
change is written to the audit log with the values before and after.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from shop.backoffice.audit import record_audit
from shop.catalogue.images import (
    PictureError,
    PictureProblem,
    decode_upload,
    image_path,
    save_image_sizes,
)
from shop.catalogue.models import Product, SkinConcern
from shop.catalogue.services import StockState, like_pattern, product_stock_state
from shop.extensions import db
from shop.journal.models import Article, ArticleProduct, ArticleStatus, Author, Reference, Tag
from shop.journal.rendering import RenderedBody, render_body, shortcode_slugs
from shop.journal.services import is_public, products_for_cards
from shop.models import utcnow

UK = ZoneInfo("Europe/London")
LIVE_STATUSES = (ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED)


class JournalError(ValueError):
    """A change the journal's rules refuse; the message says why."""


# Words and addresses --------------------------------------------------------------


def slugify(text: str, max_length: int = 80) -> str:
    """A slug made of `text`: 'Gut–skin axis, explained' -> 'gut-skin-axis-explained'."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def _unique_slug(model, base: str) -> str:
    """`base`, or `base-2`, `base-3`... whichever no row of `model` uses yet."""
    taken = set(
        db.session.scalars(
            select(model.slug).where(or_(model.slug == base, model.slug.like(f"{base}-%")))
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def split_tag_names(text: str | None) -> list[str]:
    """The tag names in a comma-separated list, trimmed, each once (case-insensitively)."""
    names: dict[str, str] = {}
    for raw in (text or "").split(","):
        name = " ".join(raw.split())
        if name and name.lower() not in names:
            names[name.lower()] = name
    return list(names.values())


# UK time ------------------------------------------------------------------------------


def uk_to_utc(local: datetime) -> datetime:
    """A wall-clock time in the UK (naive) as an aware UTC time.

    ValueError for a time the UK skips when the clocks go forward. A time that
    happens twice when they go back is taken the first time (British Summer Time).
    """
    utc = local.replace(tzinfo=UK, fold=0).astimezone(UTC)
    if utc.astimezone(UK).replace(tzinfo=None) != local:
        raise ValueError("That time does not exist in the UK: the clocks go forward then.")
    return utc


def uk_time(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UK) if moment is not None else None


def format_uk(moment: datetime | None, with_year: bool = True) -> str:
    """'5 June 2026, 09:00 BST': how staff read a time."""
    if moment is None:
        return ""
    local = moment.astimezone(UK)
    pattern = "%-d %B %Y, %H:%M %Z" if with_year else "%-d %B, %H:%M %Z"
    return local.strftime(pattern)


def datetime_local_value(moment: datetime | None) -> str:
    """A UTC time as the value of an <input type=datetime-local> in UK time."""
    return moment.astimezone(UK).strftime("%Y-%m-%dT%H:%M") if moment else ""


# What state an article is in -----------------------------------------------------------


class ArticleState(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # waiting for its time
    PUBLISHED = "published"  # shoppers can read it (a scheduled article whose time has come too)

    @property
    def label(self) -> str:
        return {"draft": "Draft", "scheduled": "Scheduled", "published": "Published"}[self.value]


def article_state(article: Article, now: datetime | None = None) -> ArticleState:
    """What shoppers see of `article` now: the same rule as the public pages (is_public)."""
    now = now or utcnow()
    if is_public(article, now):
        return ArticleState.PUBLISHED
    if article.status in LIVE_STATUSES and article.published_at is not None:
        return ArticleState.SCHEDULED
    return ArticleState.DRAFT


def _state_condition(state: ArticleState, now: datetime):
    """`article_state(...) == state` as SQL."""
    live = and_(Article.status.in_(LIVE_STATUSES), Article.published_at.is_not(None))
    if state is ArticleState.PUBLISHED:
        return and_(live, Article.published_at <= now)
    if state is ArticleState.SCHEDULED:
        return and_(live, Article.published_at > now)
    return or_(Article.status.not_in(LIVE_STATUSES), Article.published_at.is_(None))


# The list of articles ---------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleFilters:
    q: str = ""
    state: str = field(default="", metadata={"arg": "status"})  # an ArticleState
    concern: str = ""
    tag: str = ""


def article_list_query(filters: ArticleFilters, now: datetime | None = None) -> Select:
    """Articles matching `filters`, most recently changed first, with their authors."""
    now = now or utcnow()
    stmt = select(Article).options(joinedload(Article.author))
    if filters.q:
        stmt = stmt.where(Article.title.ilike(like_pattern(filters.q), escape="\\"))
    if filters.state:
        stmt = stmt.where(_state_condition(ArticleState(filters.state), now))
    if filters.concern:
        stmt = stmt.where(Article.concerns.any(SkinConcern.slug == filters.concern))
    if filters.tag:
        stmt = stmt.where(Article.tags.any(Tag.slug == filters.tag))
    return stmt.order_by(Article.updated_at.desc(), Article.id.desc())


def state_counts(now: datetime | None = None) -> dict[ArticleState, int]:
    """How many articles are in each state, in one query."""
    now = now or utcnow()
    columns = [
        func.coalesce(func.sum(case((_state_condition(state, now), 1), else_=0)), 0)
        for state in ArticleState
    ]
    row = db.session.execute(select(*columns).select_from(Article)).one()
    return {state: int(count) for state, count in zip(ArticleState, row, strict=True)}


# Reading for the editor ------------------------------------------------------------------


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


# Linked products ------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedProblem:
    """Something staff should know about a product the article links to."""

    slug: str
    problem: str  # missing, archived, unavailable, sold_out, inline
    places: tuple[str, ...]  # "body" (a shortcode), "featured" (Shop this article)
    name: str | None = None

    @property
    def where(self) -> str:
        words = {"body": "a shortcode in the body", "featured": "Shop this article"}
        return " and ".join(words[place] for place in self.places)

    @property
    def message(self) -> str:
        label = f"“{self.name}” ({self.slug})" if self.name else f"“{self.slug}”"
        if self.problem == "missing":
            return f"No product has the address {label} ({self.where}): shoppers see nothing there."
        if self.problem == "archived":
            return f"{label} is archived, so shoppers don't see it ({self.where})."
        if self.problem == "unavailable":
            return f"{label} has no size on sale, so shoppers don't see it ({self.where})."
        if self.problem == "sold_out":
            return f"{label} is sold out: shoppers see it but cannot buy it ({self.where})."
        return (
            f"The shortcode for {label} is inside a paragraph, so it shows nothing: "
            "put it on a line of its own."
        )


def linked_product_problems(
    body: str, featured_slugs: list[str], low_threshold: int
) -> list[LinkedProblem]:
    """Products the body's shortcodes or Shop this article name that shoppers can't
    see or buy, or no product at all. One query."""
    card_slugs = render_body(body or "").product_slugs
    places: dict[str, list[str]] = {}
    for slug in card_slugs:
        places.setdefault(slug, []).append("body")
    for slug in featured_slugs:
        places.setdefault(slug, []).append("featured")
    found = {p.slug: p for p in find_products(list(places)).values()}
    problems = [
        LinkedProblem(slug, "inline", ("body",))
        for slug in shortcode_slugs(body or "")
        if slug not in card_slugs
    ]
    for slug, where in places.items():
        product = found.get(slug)
        where = tuple(dict.fromkeys(where))
        if product is None:
            problems.append(LinkedProblem(slug, "missing", where))
        elif not product.is_active:
            problems.append(LinkedProblem(slug, "archived", where, product.name))
        elif not product.active_variants:
            problems.append(LinkedProblem(slug, "unavailable", where, product.name))
        elif product_stock_state(product, low_threshold) is StockState.SOLD_OUT:
            problems.append(LinkedProblem(slug, "sold_out", where, product.name))
    return problems


def unknown_card_slugs(body: str) -> list[str]:
    """Shortcode slugs that show shoppers no card: no such product, or not on sale."""
    slugs = render_body(body or "").product_slugs
    cards = products_for_cards(slugs)
    return [slug for slug in slugs if slug not in cards]


# What the editor sends -----------------------------------------------------------------


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
        "references": [_reference_values(ref) for ref in article.references],
        "featured": [
            {"product": item.product.slug, "note": item.note} for item in article.featured
        ],
        "status": article.status,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "hero": article.hero_stem,
        "hero_alt": article.hero_alt,
    }


def _reference_values(ref: Reference | ReferenceData) -> dict:
    return {
        "citation": ref.citation,
        "doi": ref.doi or None,
        "pmid": ref.pmid or None,
        "pmcid": ref.pmcid or None,
        "url": ref.url or None,
    }


def _changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values differ, before and after."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


# Authors and tags -----------------------------------------------------------------------


def author_snapshot(author: Author) -> dict:
    return {"name": author.name, "credentials": author.credentials, "bio": author.bio}


def create_author(name: str, credentials: str, bio: str, actor, ip: str | None = None) -> Author:
    name = " ".join((name or "").split())
    if not name:
        raise JournalError("Write the author's name.")
    author = Author(
        slug=_unique_slug(Author, slugify(name) or "author"),
        name=name,
        credentials=(credentials or "").strip(),
        bio=(bio or "").strip(),
    )
    db.session.add(author)
    db.session.flush()
    record_audit(
        actor,
        "author.create",
        "author",
        author.id,
        f"Added the author {author.display_name}",
        None,
        author_snapshot(author),
        ip=ip,
    )
    return author


def update_author(
    author: Author, name: str, credentials: str, bio: str, actor, ip: str | None = None
) -> bool:
    """Change an author's details. False when nothing changed."""
    name = " ".join((name or "").split())
    if not name:
        raise JournalError("Write the author's name.")
    before = author_snapshot(author)
    author.name, author.credentials, author.bio = name, credentials.strip(), bio.strip()
    old, new = _changes(before, author_snapshot(author))
    if not new:
        return False
    record_audit(
        actor,
        "author.update",
        "author",
        author.id,
        f"Changed {author.display_name}",
        old,
        new,
        ip=ip,
    )
    return True


def authors_with_counts() -> list[tuple[Author, int]]:
    """Every author with how many articles name them, in one query."""
    count = func.count(Article.id)
    rows = db.session.execute(
        select(Author, count)
        .outerjoin(Article, Article.author_id == Author.id)
        .group_by(Author.id)
        .order_by(Author.name, Author.id)
    ).all()
    return [(author, int(n)) for author, n in rows]


def tags_named(names: list[str], actor, ip: str | None = None) -> list[Tag]:
    """The tags called `names`: existing ones by their slug, the others created."""
    wanted = {}
    for name in names:
        slug = slugify(name)
        if not slug:
            raise JournalError(f"“{name}” needs at least one letter or digit to be a tag.")
        wanted.setdefault(slug, name)
    if not wanted:
        return []
    existing = {t.slug: t for t in db.session.scalars(select(Tag).where(Tag.slug.in_(wanted)))}
    tags = []
    for slug, name in wanted.items():
        tag = existing.get(slug)
        if tag is None:
            tag = Tag(slug=slug, name=name[:120])
            db.session.add(tag)
            db.session.flush()
            record_audit(
                actor,
                "tag.create",
                "tag",
                tag.id,
                f"Added the tag {tag.name}",
                None,
                {"slug": tag.slug, "name": tag.name},
                ip=ip,
            )
        tags.append(tag)
    return tags


# Hero pictures --------------------------------------------------------------------------

HERO_WIDTHS = (400, 800, 1200)
HERO_MAX_BYTES = 10 * 1024 * 1024
HERO_MAX_PIXELS = 40_000_000
HERO_MIN_WIDTH = 800
HERO_RULES = "JPEG, PNG or WebP, at least 800 pixels wide, up to 10 MB."
_ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height


class HeroImageError(ValueError):
    """An upload that is not a usable hero picture; the message says why."""


def read_hero_image(stream) -> Image.Image:
    """The picture in an uploaded file, checked and fully decoded by
    shop.catalogue.images.decode_upload (JPEG, PNG or WebP only), at least
    HERO_MIN_WIDTH wide when upright, or HeroImageError."""
    data = stream.read(HERO_MAX_BYTES + 1)
    if not data:
        raise HeroImageError(f"That file is empty. Choose a picture: {HERO_RULES}")
    if len(data) > HERO_MAX_BYTES:
        raise HeroImageError("That file is larger than 10 MB. Save a smaller copy and try again.")
    try:
        image = decode_upload(data, max_pixels=HERO_MAX_PIXELS)
    except PictureError as exc:
        if exc.problem is PictureProblem.NOT_A_PICTURE:
            message = f"That file is not a picture we can use: {HERO_RULES}"
        elif exc.problem is PictureProblem.DAMAGED:
            message = "That picture could not be read: the file looks damaged or incomplete."
        elif exc.size:
            width, height = exc.size
            message = (
                f"That picture is {width} × {height} pixels, too many to use. "
                "Save a copy under 40 megapixels and try again."
            )
        else:
            message = (
                "That picture has too many pixels to use. "
                "Save a copy under 40 megapixels and try again."
            )
        raise HeroImageError(message) from exc
    width, height = image.size
    orientation = image.getexif().get(0x0112)
    upright_width = height if orientation in _ROTATED else width
    if upright_width < HERO_MIN_WIDTH:
        raise HeroImageError(
            f"That picture is {upright_width} pixels wide; a hero needs at least "
            f"{HERO_MIN_WIDTH} to look sharp."
        )
    return image


def hero_files(media_root: str | Path, stem: str | None, widths: str) -> list[Path]:
    """The files on disk of a hero picture (stem and comma-separated widths)."""
    if not stem:
        return []
    return [image_path(media_root, stem, int(w)) for w in widths.split(",") if w]


def remove_files(paths: list[Path]) -> None:
    """Delete files that are no longer used; ones already gone are fine."""
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            continue


# Saving an article ------------------------------------------------------------------------


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
    wanted = [_reference_values(item) for item in items]
    if wanted == [_reference_values(ref) for ref in article.references]:
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
    old, new = _changes(before, after)
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


# Publishing ----------------------------------------------------------------------------------


def _publishing(article: Article) -> dict:
    return {
        "status": article.status,
        "published_at": article.published_at.isoformat() if article.published_at else None,
    }


def _check_publishable(article: Article) -> None:
    if not (article.body or "").strip():
        raise JournalError("Write the article before publishing it.")


def publish_now(article: Article, actor, ip: str | None = None, now=None) -> bool:
    """Make the article public now. False when it already was (its date is kept)."""
    now = now or utcnow()
    _check_publishable(article)
    if article.status == ArticleStatus.PUBLISHED and is_public(article, now):
        return False
    before = _publishing(article)
    if not is_public(article, now):  # a scheduled article whose time has come keeps its date
        article.published_at = now
    article.status = ArticleStatus.PUBLISHED
    record_audit(
        actor,
        "article.publish",
        "article",
        article.id,
        f"Published “{article.title}”",
        before,
        _publishing(article),
        ip=ip,
    )
    return True


def schedule(article: Article, when: datetime, actor, ip: str | None = None, now=None) -> bool:
    """Publish the article at `when` (UTC, in the future). False when it already was."""
    now = now or utcnow()
    _check_publishable(article)
    if when <= now:
        raise JournalError("Choose a time in the future.")
    if article.status == ArticleStatus.SCHEDULED and article.published_at == when:
        return False
    before = _publishing(article)
    article.status = ArticleStatus.SCHEDULED
    article.published_at = when
    record_audit(
        actor,
        "article.schedule",
        "article",
        article.id,
        f"Scheduled “{article.title}” for {format_uk(when)}",
        before,
        _publishing(article),
        ip=ip,
    )
    return True


def unpublish(article: Article, actor, ip: str | None = None) -> bool:
    """Take the article back to a draft: shoppers no longer see it. False if it was one."""
    if article.status == ArticleStatus.DRAFT and article.published_at is None:
        return False
    before = _publishing(article)
    article.status = ArticleStatus.DRAFT
    article.published_at = None
    record_audit(
        actor,
        "article.unpublish",
        "article",
        article.id,
        f"Unpublished “{article.title}”",
        before,
        _publishing(article),
        ip=ip,
    )
    return True


# The preview ----------------------------------------------------------------------------------


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
        SimpleNamespace(slug=slugify(name), name=name)
        for name in data.new_tag_names
        if slugify(name) and slugify(name) not in {t.slug for t in chosen_tags}
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
        references=[SimpleNamespace(**_reference_values(ref)) for ref in data.references],
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
