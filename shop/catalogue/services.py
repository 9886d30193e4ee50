"""Catalogue rules: what is on sale, how listings filter, search and sort, stock states."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, lru_cache

from sqlalchemy import (
    Select,
    Text,
    and_,
    bindparam,
    exists,
    func,
    inspect,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import aliased, defer, joinedload, selectinload, with_expression

from shop.catalogue.cards import ProductCard, card_from_row, card_statement
from shop.catalogue.models import (
    Category,
    FreeFromFlag,
    Product,
    ProductPairing,
    SkinConcern,
    Variant,
)
from shop.catalogue.page_parts import (
    SIZE_VIEW_COLUMNS,
    FreeFromRow,
    ListedShelf,
    PageParts,
    ProductView,
    ShelfView,
    SizeView,
    page_parts,
)
from shop.extensions import database_kind, db
from shop.loading import plain_rows
from shop.models import utcnow
from shop.money import Money
from shop.orders.models import LAPSE_GRACE, Order, OrderLine, OrderStatus
from shop.paging import window_page, windowed
from shop.structured_data import breadcrumb_list

MAX_QUERY_LENGTH = 200
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
MAX_SEARCH_TERMS = 8
MAX_PAGE = 10_000


class StockState(StrEnum):
    IN_STOCK = "in_stock"
    LOW = "low"
    SOLD_OUT = "sold_out"

    @property
    def label(self) -> str:
        return {"in_stock": "In stock", "low": "Low stock", "sold_out": "Sold out"}[self.value]

    @property
    def schema_org(self) -> str:
        """The schema.org availability that matches what the page says."""
        if self is StockState.SOLD_OUT:
            return "https://schema.org/OutOfStock"
        if self is StockState.LOW:
            return "https://schema.org/LimitedAvailability"
        return "https://schema.org/InStock"


def stock_state(available: int, low_threshold: int) -> StockState:
    """In stock, low (a few left) or sold out, from the units still available."""
    if available <= 0:
        return StockState.SOLD_OUT
    if available <= low_threshold:
        return StockState.LOW
    return StockState.IN_STOCK


def product_stock_state(product, low_threshold: int) -> StockState:
    """A product is as available as its best-stocked variant: `product` is the ORM's
    Product or a card's plain row (shop.catalogue.cards.ProductCard)."""
    return stock_state(product.best_available, low_threshold)


class Sort(StrEnum):
    FEATURED = "featured"
    PRICE_ASC = "price-asc"
    PRICE_DESC = "price-desc"
    NEWEST = "newest"
    RATING = "rating"

    @property
    def label(self) -> str:
        return {
            "featured": "Featured",
            "price-asc": "Price: low to high",
            "price-desc": "Price: high to low",
            "newest": "Newest",
            "rating": "Customer rating",
        }[self.value]


@dataclass
class ListingFilters:
    """What a shopper asked a listing for, cleaned: unknown values are dropped."""

    concern: str | None = None
    free_from: list[str] = field(default_factory=list)
    q: str = ""
    sort: Sort = Sort.FEATURED
    page: int = 1

    @property
    def is_filtered(self) -> bool:
        return bool(self.concern or self.free_from or self.q)

    def query_args(self, **changes) -> dict:
        """The query string for this listing with some values changed (for links)."""
        args = {
            "concern": self.concern,
            "free_from": list(self.free_from),
            "q": self.q or None,
            "sort": None if self.sort is Sort.FEATURED else self.sort.value,
            "page": self.page if self.page > 1 else None,
        }
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "", [])}


def parse_listing_filters(args, concern_slugs: set[str], flag_slugs: set[str]) -> ListingFilters:
    """Read listing parameters from a query string; nonsense is ignored or clamped."""
    concern = args.get("concern", type=str)
    free_from = []
    for slug in args.getlist("free_from"):
        if slug in flag_slugs and slug not in free_from:
            free_from.append(slug)
    q = _CONTROL_CHARACTERS.sub(" ", args.get("q", type=str) or "")
    q = " ".join(q.split())[:MAX_QUERY_LENGTH]
    try:
        sort = Sort(args.get("sort", "featured"))
    except ValueError:
        sort = Sort.FEATURED
    page = args.get("page", default=1, type=int) or 1
    return ListingFilters(
        concern=concern if concern in concern_slugs else None,
        free_from=free_from,
        q=q,
        sort=sort,
        page=min(max(page, 1), MAX_PAGE),
    )


def like_pattern(term: str) -> str:
    """A LIKE pattern matching `term` anywhere, its % _ and \\ taken literally (escape \\)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_condition(term):
    """Products whose name, descriptions, INCI names or strain names contain `term`,
    in any case (see shop.catalogue.search_text). `term` is a word, or a bound
    parameter holding its LIKE pattern (`search_pattern`)."""
    pattern = search_pattern(term) if isinstance(term, str) else term
    return Product.search_text.like(pattern, escape="\\")


def search_pattern(term: str) -> str:
    """The LIKE pattern `_search_condition` matches a word with."""
    return like_pattern(term.lower())


def lowest_price_expression():
    """The lowest active variant price of a product, as a correlated subquery."""
    return (
        select(func.min(Variant.price_pence))
        .where(Variant.product_id == Product.id, Variant.is_active.is_(True))
        .correlate(Product)
        .scalar_subquery()
    )


def on_sale() -> Select:
    """Products a shopper may see and buy: active, with at least one active variant
    (`Product.has_active_size`, which the database keeps)."""
    return select(Product).where(on_sale_condition())


def on_sale_condition():
    """`on_sale`'s condition, for statements over the product table."""
    return and_(Product.is_active.is_(True), Product.has_active_size.is_(True))


@cache
def _long_text_columns() -> tuple:
    """Product's long text columns (descriptions, directions, warnings, search text)."""
    return tuple(
        getattr(Product, column.key)
        for column in inspect(Product).column_attrs
        if isinstance(column.expression.type, Text)
    )


@cache
def without_long_texts() -> tuple:
    """Loader options that leave Product's long text columns in the database, for
    pages that never show them (cards, the basket).

    A plain defer rather than a raising one: other code (the search text kept up to
    date on flush, say) may still read them from a product loaded this way. Made once
    per process: loader options are immutable, and building them costs every request."""
    return tuple(defer(column) for column in _long_text_columns())


def card_loading_options():
    """What a product card needs, loaded in a fixed number of queries."""
    return (
        selectinload(Product.variants),
        selectinload(Product.images),
        *without_long_texts(),
    )


def listing_statement(filters: ListingFilters, category: ListedShelf | None) -> Select:
    """The ids of the products a listing shows, filtered and sorted, with the request's
    values."""
    shape, parameters = _listing_shape_and_parameters(filters, category)
    return _listing_shape(*shape).params(parameters)


def _listing_shape_and_parameters(
    filters: ListingFilters, category: ListedShelf | None
) -> tuple[tuple, dict]:
    """The shape of `filters` (the arguments of `_listing_shape` and `_listing_cards`,
    whose statements are built once per process and shape) and the values to run it with."""
    terms = filters.q.split()[:MAX_SEARCH_TERMS]
    parameters: dict = {}
    if category is not None:
        parameters["category_ids"] = [category.id] + [child.id for child in category.children]
    if filters.concern:
        parameters["concern"] = filters.concern
    parameters.update((f"free_from_{i}", slug) for i, slug in enumerate(filters.free_from))
    parameters.update((f"term_{i}", search_pattern(term)) for i, term in enumerate(terms))
    shape = (
        category is not None,
        bool(filters.concern),
        len(filters.free_from),
        len(terms),
        filters.sort,
    )
    return shape, parameters


# Shapes a listing can take: shelf or not, a concern or not, how many free-from flags
# and search words, the sort. Far fewer are ever used; the least used are dropped.
LISTING_SHAPES_KEPT = 256


@lru_cache(maxsize=LISTING_SHAPES_KEPT)
def _listing_shape(
    in_category: bool, by_concern: bool, free_from: int, terms: int, sort: Sort
) -> Select:
    """The ids of the products a listing shows, in order, with its values as bound
    parameters, built once per process and shape (see "Statements on hot paths" in
    docs/architecture.md)."""
    stmt = on_sale()
    if in_category:
        stmt = stmt.where(Product.category_id.in_(bindparam("category_ids", expanding=True)))
    if by_concern:
        stmt = stmt.where(Product.concerns.any(SkinConcern.slug == bindparam("concern")))
    for i in range(free_from):
        stmt = stmt.where(Product.free_from.any(FreeFromFlag.slug == bindparam(f"free_from_{i}")))
    for i in range(terms):
        stmt = stmt.where(_search_condition(bindparam(f"term_{i}")))

    return stmt.with_only_columns(Product.id).order_by(*_listing_order(sort))


def _listing_order(sort: Sort) -> tuple:
    """A listing's order, a product's id last so that every page is the same."""
    price = lowest_price_expression()
    order = {
        Sort.FEATURED: (Product.featured_rank.is_(None), Product.featured_rank, Product.name),
        Sort.PRICE_ASC: (price.asc(), Product.name),
        Sort.PRICE_DESC: (price.desc(), Product.name),
        Sort.NEWEST: (Product.created_at.desc(), Product.name),
        # Rated products first, best average first, more reviews first on a tie.
        Sort.RATING: (
            Product.rating_average.is_(None),
            Product.rating_average.desc(),
            Product.review_count.desc(),
            Product.name,
        ),
    }[sort]
    return (*order, Product.id)


@lru_cache(maxsize=LISTING_SHAPES_KEPT)
def _listing_cards(
    in_category: bool, by_concern: bool, free_from: int, terms: int, sort: Sort, dialect: str
) -> Select:
    """The cards of one page of a listing's shape, and the listing's total, in one
    statement built once per process and shape: the page's ids and the total
    (shop.paging.windowed), then the cards of those products only, in the same order.
    Without search words the page's limit and offset are written into the statement, so
    PostgreSQL keeps its plan (`windowed`'s `literal_page`). The whole shop or a shelf
    in the featured order counts apart: its page is read in order from
    `ix_product_listing_order`. Every other shape filters or sorts product by product,
    and counts in the same pass (a window count)."""
    shape = _listing_shape(in_category, by_concern, free_from, terms, sort)
    in_index_order = sort is Sort.FEATURED and not (by_concern or free_from or terms)
    page = windowed(shape, literal_page=not terms, count_apart=in_index_order).subquery()
    order = _listing_order(sort)
    return card_statement(page, *order, dialect=dialect, extra=(page.c.total,))


@dataclass
class ListingPage:
    items: list[ProductCard]
    total: int
    page: int
    pages: int
    per_page: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * self.per_page, self.total)

    def page_numbers(self, around: int = 2) -> list[int | None]:
        """Page links to show: first, last and a window round the current page; None is a gap."""
        wanted = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers: list[int | None] = []
        for number in sorted(n for n in wanted if 1 <= n <= self.pages):
            if numbers and number - numbers[-1] > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers


def list_products(
    filters: ListingFilters, category: ListedShelf | None, per_page: int
) -> ListingPage:
    """One page of a listing. A page past the end shows the last page.

    The page, its cards and the total come from one statement (shop.paging.window_page
    with `_listing_cards`)."""
    shape, parameters = _listing_shape_and_parameters(filters, category)
    found = window_page(
        _listing_shape(*shape),
        filters.page,
        per_page,
        parameters,
        paged=_listing_cards(*shape, database_kind()),
        plain=True,
    )
    filters.page = found.page
    return ListingPage(
        items=[card_from_row(row) for row in found.rows],
        total=found.total,
        page=found.page,
        pages=found.pages,
        per_page=per_page,
    )


def featured_products(limit: int = 6) -> list[ProductCard]:
    """The cards of the first `limit` products staff feature, in their order: one
    statement, built once per process."""
    rows = plain_rows(_featured_statement(limit, database_kind()))
    return [card_from_row(row) for row in rows]


@cache
def _featured_statement(limit: int, dialect: str) -> Select:
    page = (
        on_sale()
        .with_only_columns(Product.id)
        .where(Product.featured_rank.is_not(None))
        .order_by(Product.featured_rank, Product.id)
        .limit(limit)
        .subquery()
    )
    return card_statement(page, Product.featured_rank, Product.id, dialect=dialect)


@cache
def _top_categories_statement() -> Select:
    return (
        select(Category)
        .where(Category.parent_id.is_(None))
        .order_by(Category.position, Category.name, Category.id)
        .options(joinedload(Category.children))
    )


def top_categories() -> list[Category]:
    """The top-level shelves with their children, for navigation: one statement (the
    children joined on; a shop has a handful of shelves), built once per process like
    the product page's."""
    return list(db.session.scalars(_top_categories_statement()).unique())


@dataclass(frozen=True)
class Shelf:
    """A category as the navigation shows it: plain values that can be cached."""

    slug: str
    name: str
    children: tuple[Shelf, ...] = ()


@cache
def _navigation_statement() -> Select:
    """The shelves as plain columns: each top-level shelf joined to its children, in the
    order `top_categories()` loads them (its joined children come back in this order),
    without making Category objects: every page rendered outside the page cache reads it."""
    child = aliased(Category)
    return (
        select(Category.id, Category.slug, Category.name, child.slug, child.name)
        .outerjoin(child, child.parent_id == Category.id)
        .where(Category.parent_id.is_(None))
        .order_by(Category.position, Category.name, Category.id, child.position)
    )


def navigation_shelves() -> list[Shelf]:
    """The top-level shelves and their children, for the header, footer and home page:
    one statement, built once per process, read as plain rows (shop.loading.plain_rows):
    every page rendered outside the page cache reads them, and the session's ORM steps
    around it cost as much again as running it."""
    rows = plain_rows(_navigation_statement())
    shelves: dict[int, tuple[str, str, list[Shelf]]] = {}
    for top_id, slug, name, child_slug, child_name in rows:
        children = shelves.setdefault(top_id, (slug, name, []))[2]
        if child_slug is not None:
            children.append(Shelf(slug=child_slug, name=child_name))
    return [
        Shelf(slug=slug, name=name, children=tuple(children))
        for slug, name, children in shelves.values()
    ]


def is_slug(value: str) -> bool:
    """True for a well-formed slug ('probiotic-moisturiser'); anything else names nothing."""
    return len(value) <= 120 and SLUG_PATTERN.match(value) is not None


def category_by_slug(slug: str) -> ListedShelf | None:
    """The shelf a listing shows, with its parent and children, as plain rows of one
    statement built once per process (a row per child): the listing changes none of it,
    and the ORM's objects took a second statement for the children."""
    if not is_slug(slug):
        return None
    rows = plain_rows(_category_statement(), {"slug": slug}).all()
    if not rows:
        return None
    first = rows[0]  # the shelf's own columns, then its parent's, then a child's
    parent = ShelfView(*first[4:7]) if first[4] is not None else None
    children = tuple(ShelfView(*row[7:]) for row in rows if row[7] is not None)
    return ListedShelf(*first[:4], parent, children)


@cache
def _category_statement() -> Select:
    parent, child = aliased(Category), aliased(Category)
    return (
        select(
            Category.id,
            Category.slug,
            Category.name,
            Category.description,
            parent.id,
            parent.slug,
            parent.name,
            child.id,
            child.slug,
            child.name,
        )
        .outerjoin(parent, parent.id == Category.parent_id)
        .outerjoin(child, child.parent_id == Category.id)
        .where(Category.slug == bindparam("slug"))
        .order_by(child.position, child.id)
    )


@dataclass(frozen=True, slots=True)
class Concern:
    """A skin concern as the storefront shows it (links, filters, forms): plain values."""

    slug: str
    name: str
    description: str


@cache
def _concerns_statement() -> Select:
    return select(SkinConcern.slug, SkinConcern.name, SkinConcern.description).order_by(
        SkinConcern.position, SkinConcern.id
    )


@cache
def _facets_statement() -> Select:
    """A listing's filters, the skin concerns then the free-from flags, in one statement
    (a flag's description is empty: flags have none)."""
    concerns = select(
        literal_column("0").label("kind"),
        SkinConcern.slug,
        SkinConcern.name,
        SkinConcern.description,
        SkinConcern.position,
        SkinConcern.id,
    )
    flags = select(
        literal_column("1"),
        FreeFromFlag.slug,
        FreeFromFlag.label,
        literal_column("''"),
        FreeFromFlag.position,
        FreeFromFlag.id,
    )
    both = union_all(concerns, flags).subquery()
    return select(both.c.kind, both.c.slug, both.c.name, both.c.description).order_by(
        both.c.kind, both.c.position, both.c.id
    )


def all_concerns() -> list[Concern]:
    """Every skin concern in the shop's order, as plain values (no ORM objects: the home
    page and the journal's index read them on every rendered page)."""
    return [Concern(*row) for row in plain_rows(_concerns_statement())]


def listing_facets() -> tuple[list[Concern], list[FreeFromRow]]:
    """A listing's filters: the skin concerns and the free-from flags, each in the shop's
    order, read in one statement."""
    concerns: list[Concern] = []
    flags: list[FreeFromRow] = []
    for kind, slug, name, description in plain_rows(_facets_statement()):
        if kind == 0:
            concerns.append(Concern(slug, name, description))
        else:
            flags.append(FreeFromRow(slug, name))
    return concerns, flags


def _lapsed_holds():
    """Whether one of the product's sizes shows sold out while an unpaid checkout whose
    payment window has passed holds units of it. Orders are looked at only for a size
    that is sold out by reservations, so a product in stock costs nothing more. The
    moment a payment window must have ended before is the `lapsed_before` parameter."""
    held = aliased(Variant)
    return exists().where(
        held.product_id == Product.id,
        held.is_active.is_(True),
        held.reserved > 0,
        held.on_hand <= held.reserved,
        OrderLine.variant_id == held.id,
        Order.id == OrderLine.order_id,
        Order.status == OrderStatus.PENDING,
        Order.payment_expires_at < bindparam("lapsed_before"),
    )


@cache
def _product_page_statement() -> Select:
    """The product page's first statement, built once per process: the slug and the
    moment payment windows lapsed are parameters. Building an ORM statement with its
    loader options and working out its cache key cost more CPU than running it; the
    same statement object keeps its cache key, so SQLAlchemy finds its compiled form
    at once."""
    return (
        on_sale()
        .where(Product.slug == bindparam("slug"))
        .options(
            joinedload(Product.category).joinedload(Category.parent),
            joinedload(Product.variants),
            with_expression(Product.has_lapsed_holds, _lapsed_holds()),
        )
    )


def product_for_page(slug: str) -> Product | None:
    """A product on sale with its sizes, category and shelf, in one statement built
    once per process (the slug and the moment payment windows lapsed are parameters),
    or None."""
    if not is_slug(slug):
        return None
    parameters = {"slug": slug, "lapsed_before": utcnow() - LAPSE_GRACE}
    return db.session.scalars(_product_page_statement(), parameters).unique().one_or_none()


def product_page(slug: str) -> tuple[ProductView, PageParts] | None:
    """A product on sale with everything its page shows, as plain rows of two statements
    built once per process (shop.catalogue.page_parts): the product with its shelf and
    sizes (`product_view`), and its pictures, concerns, ingredients, strains, nutrients,
    free-from flags and questions."""
    product = product_view(slug)
    if product is None:
        return None
    return product, page_parts(product.id)


def product_view(slug: str) -> ProductView | None:
    """A product on sale with its shelf and every size, as its page shows them (plain
    rows: the page changes none of it), or None. One statement, a row per size."""
    if not is_slug(slug):
        return None
    parameters = {"slug": slug, "lapsed_before": utcnow() - LAPSE_GRACE}
    rows = plain_rows(_product_view_statement(), parameters).all()
    if not rows:
        return None
    first = rows[0]
    shelf = first[_SHELF : _SHELF + 3]
    parent = ShelfView(*first[_SHELF + 3 : _SIZES]) if first[_SHELF + 3] is not None else None
    product = ProductView(*first[:_SHELF], ShelfView(*shelf, parent))
    for row in rows:
        product.variants.append(SizeView(*row[_SIZES:], product))
    return product


_PRODUCT_VIEW_COLUMNS = (
    "id",
    "slug",
    "name",
    "short_description",
    "long_description",
    "how_to_use",
    "warnings",
    "serving_size",
    "highlights",
    "texture",
    "time_to_results",
    "max_per_order",
    "review_count",
    "rating_average",
    "subscribable",
    "subscribe_discount_percent",
    "subscribe_intervals",
)
# Where a row of `_product_view_statement` has its shelf (id, slug, name, then the
# parent's) and its size.
_SHELF = len(_PRODUCT_VIEW_COLUMNS) + 1  # the product's columns, then has_lapsed_holds
_SIZES = _SHELF + 6


@cache
def _product_view_statement() -> Select:
    """`product_view`'s statement, built once per process: the slug and the moment
    payment windows lapsed are parameters. Sizes come in their order (position, then id)."""
    product, variant = Product.__table__, Variant.__table__
    shelf, parent = Category.__table__, Category.__table__.alias("parent")
    return (
        select(
            *(product.c[name] for name in _PRODUCT_VIEW_COLUMNS),
            _lapsed_holds(),
            shelf.c.id,
            shelf.c.slug,
            shelf.c.name,
            parent.c.id,
            parent.c.slug,
            parent.c.name,
            *(variant.c[name] for name in SIZE_VIEW_COLUMNS),
        )
        .join(shelf, shelf.c.id == product.c.category_id)
        .outerjoin(parent, parent.c.id == shelf.c.parent_id)
        .join(variant, variant.c.product_id == product.c.id)
        .where(
            product.c.slug == bindparam("slug"),
            on_sale_condition(),
        )
        .order_by(variant.c.position, variant.c.id)
    )


# "Often bought with" looks at this many of the latest paid orders holding the product:
# enough for a steady picture, and a bound on the work however long the history grows.
BOUGHT_WITH_ORDERS = 500
BOUGHT_WITH_SHOWN = 4


def often_bought_with(product_id: int, limit: int = BOUGHT_WITH_SHOWN) -> list[ProductCard]:
    """Products on sale that people bought together with this one, most often first,
    then the ones staff paired with it (ProductPairing) to fill the row.

    One statement, whatever the size of the catalogue or the order history: the latest
    BOUGHT_WITH_ORDERS paid orders holding the product, the other products on them
    counted by order, the staff's pairings added with no count (after any product
    bought with it, in their order), and the chosen products' cards."""
    statement = _bought_with_statement(limit, database_kind())
    rows = plain_rows(statement, {"product_id": product_id})
    return [card_from_row(row) for row in rows]


@cache
def _bought_with_statement(limit: int, dialect: str) -> Select:
    """`often_bought_with`'s statement, built once per process and row count (see
    "Statements on hot paths" in docs/architecture.md); the product is a parameter."""
    product_id = bindparam("product_id")
    mine = aliased(OrderLine)
    mine_variant = aliased(Variant)
    recent_orders = (
        select(Order.id)
        .join(mine, mine.order_id == Order.id)
        .join(mine_variant, mine_variant.id == mine.variant_id)
        .where(mine_variant.product_id == product_id, Order.status == OrderStatus.PAID)
        .group_by(Order.id)
        .order_by(func.max(Order.paid_at).desc(), Order.id.desc())
        .limit(BOUGHT_WITH_ORDERS)
        .subquery()
    )
    other_variant = aliased(Variant)
    bought = (
        select(
            other_variant.product_id.label("product_id"),
            func.count(func.distinct(OrderLine.order_id)).label("orders"),
            literal(0).label("position"),
        )
        .join(recent_orders, recent_orders.c.id == OrderLine.order_id)
        .join(other_variant, other_variant.id == OrderLine.variant_id)
        .where(other_variant.product_id != product_id)
        .group_by(other_variant.product_id)
    )
    chosen = select(
        ProductPairing.paired_product_id.label("product_id"),
        literal(0).label("orders"),
        (ProductPairing.position + 1).label("position"),
    ).where(ProductPairing.product_id == product_id)
    both = union_all(bought, chosen).subquery()
    ranked = (
        select(
            both.c.product_id,
            func.max(both.c.orders).label("orders"),
            func.max(both.c.position).label("position"),
        )
        .group_by(both.c.product_id)
        .subquery()
    )
    chosen_products = (
        on_sale()
        .with_only_columns(Product.id, ranked.c.orders, ranked.c.position)
        .join(ranked, ranked.c.product_id == Product.id)
        .order_by(ranked.c.orders.desc(), ranked.c.position, Product.name, Product.id)
        .limit(limit)
        .subquery()
    )
    page = chosen_products.c
    return card_statement(
        chosen_products,
        page.orders.desc(),
        page.position,
        Product.name,
        Product.id,
        dialect=dialect,
    )


def choose_variant(product: Product, requested_id: int | None) -> Variant:
    """The variant a product page shows first: the one asked for, else the first in stock."""
    variants = product.active_variants
    for variant in variants:
        if variant.id == requested_id:
            return variant
    return next((v for v in variants if v.available > 0), variants[0])


def sitemap_products() -> list[tuple[str, object]]:
    """(slug, last modified) of every product on sale."""
    stmt = on_sale().with_only_columns(Product.slug, Product.updated_at).order_by(Product.id)
    return [(slug, updated) for slug, updated in db.session.execute(stmt)]


def product_structured_data(
    product: Product,
    *,
    page_url: str,
    image_urls: list[str],
    breadcrumbs: list[tuple[str, str]],
    low_threshold: int,
    brand: str,
    shipping: list | None = None,
    return_days: int | None = None,
) -> list[dict]:
    """schema.org Product (one Offer per size, with its delivery and returns) and
    BreadcrumbList for a product page.

    `shipping` is the basket's delivery options (shop.cart.shipping.ShippingOption),
    `return_days` the days a shopper has to send a product back: the page says the same."""
    offers = []
    for variant in product.active_variants:
        state = stock_state(variant.available, low_threshold)
        offer = {
            "@type": "Offer",
            "sku": variant.sku,
            "name": variant.size_label,
            "price": Money(variant.price_pence, variant.currency).decimal_string(),
            "priceCurrency": variant.currency.upper(),
            "availability": state.schema_org,
            "itemCondition": "https://schema.org/NewCondition",
            "url": f"{page_url}?variant={variant.id}",
        }
        if shipping:
            offer["shippingDetails"] = [
                shipping_details(option, variant.price_pence, variant.currency)
                for option in shipping
            ]
        if return_days:
            offer["hasMerchantReturnPolicy"] = return_policy(return_days)
        offers.append(offer)
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "description": product.short_description,
        "url": page_url,
        "brand": {"@type": "Brand", "name": brand},
        "category": product.category.name,
        "offers": offers,
    }
    if image_urls:
        data["image"] = image_urls
    if len(product.active_variants) == 1:
        data["sku"] = product.active_variants[0].sku
    return [data, breadcrumb_list(breadcrumbs)]


def shipping_details(option, price_pence: int, currency: str) -> dict:
    """schema.org OfferShippingDetails for one delivery option, for one unit at this
    price: free when the price alone reaches the option's free-delivery threshold."""
    free = option.free_from_pence is not None and price_pence >= option.free_from_pence
    rate = 0 if free else option.price_pence
    return {
        "@type": "OfferShippingDetails",
        "shippingLabel": option.name,
        "shippingRate": {
            "@type": "MonetaryAmount",
            "value": Money(rate, currency).decimal_string(),
            "currency": currency.upper(),
        },
        "shippingDestination": {"@type": "DefinedRegion", "addressCountry": "GB"},
        "deliveryTime": {
            "@type": "ShippingDeliveryTime",
            # Orders leave the same or the next working day; the option's days are
            # the carrier's.
            "handlingTime": {
                "@type": "QuantitativeValue",
                "minValue": 0,
                "maxValue": 1,
                "unitCode": "DAY",
            },
            "transitTime": {
                "@type": "QuantitativeValue",
                "minValue": option.min_days,
                "maxValue": option.max_days,
                "unitCode": "DAY",
            },
        },
    }


def return_policy(return_days: int) -> dict:
    """schema.org MerchantReturnPolicy: sent back by post within `return_days` days,
    return postage paid by the shopper (as the returns line on the page says)."""
    return {
        "@type": "MerchantReturnPolicy",
        "applicableCountry": "GB",
        "returnPolicyCategory": "https://schema.org/MerchantReturnFiniteReturnWindow",
        "merchantReturnDays": return_days,
        "returnMethod": "https://schema.org/ReturnByMail",
        "returnFees": "https://schema.org/ReturnFeesCustomerResponsibility",
    }
