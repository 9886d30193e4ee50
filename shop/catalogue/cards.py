"""Product cards as plain rows: what a card shows of a product, read with the page of
products it is on in one statement.

A card shows a product's name, summary, rating, main picture, lowest price (and whether
its sizes cost more), and how well stocked its best-stocked size is. None of it needs
the ORM's Product with its sizes and pictures: turning rows into mapped objects, and the
two further statements that load their collections, cost more CPU than the rest of a
listing. The listing, the home page's featured products and a product page's "often
bought with" read `ProductCard`s instead, which carry the names the card macro
(templates/_macros.html) and `product_stock_state` read on Product, and share its
computed properties through the catalogue's mixins (HasRating, and the pictures'
PlainPicture). Like the basket page's rows (shop.cart.rows), the statements are plain
columns of the tables, built once per process.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from sqlalchemy import Select, Subquery, case, func, select, true

from shop.catalogue.models import (
    HasRating,
    HasSizes,
    PlainPicture,
    Product,
    ProductImage,
    Variant,
)
from shop.catalogue.page_parts import SIZE_VIEW_COLUMNS, SizeView


@dataclass(slots=True)
class ProductCard(HasRating):
    """A product as its card shows it. `lowest_price`, `highest_price` and
    `best_available` are over its active sizes, as Product's properties of those names."""

    id: int
    slug: str
    name: str
    short_description: str
    review_count: int
    rating_average: Decimal | None
    lowest_price: int | None
    highest_price: int | None
    best_available: int
    main_image: PlainPicture | None

    @property
    def has_price_range(self) -> bool:
        return self.lowest_price != self.highest_price


def _main_picture_id():
    """The id of a product's main picture (its first by position, as Product.main_image),
    a subquery correlated to the product table: SQLite's join of the picture."""
    product, image = Product.__table__, ProductImage.__table__
    return (
        select(image.c.id)
        .where(image.c.product_id == product.c.id)
        .order_by(image.c.position, image.c.id)
        .limit(1)
        .correlate(product)
        .scalar_subquery()
    )


def picture_columns() -> tuple:
    """A picture's columns in PlainPicture's order, read by `picture_from`."""
    image = ProductImage.__table__
    return (image.c.stem, image.c.widths, image.c.width, image.c.height, image.c.alt_text)


def picture_from(values) -> PlainPicture | None:
    """The picture of `picture_columns`' values, None when none was joined on."""
    return PlainPicture(*values) if values[0] is not None else None


# The card's columns in a row of `card_statement`, in ProductCard's order, the picture's last.
_PICTURE_START = 9
CARD_COLUMNS = _PICTURE_START + len(fields(PlainPicture))


def card_from_row(row) -> ProductCard:
    """The card that `card_statement`'s row describes (its first CARD_COLUMNS columns)."""
    return ProductCard(*row[:_PICTURE_START], picture_from(row[_PICTURE_START:CARD_COLUMNS]))


def card_statement(page: Subquery, *order_by, dialect: str, extra=()) -> Select:
    """The cards of the products in `page` (a subquery with an `id` column: one page of a
    listing, already limited), in the order `order_by` (columns of `page` or of the
    product table), with `extra` columns after the card's.

    The sizes' figures are correlated subqueries and the main picture is looked up per
    card (`main_picture_join`), so they are worked out for the page's rows only, whatever
    the page was chosen from. `dialect` is the database's (the statement differs on
    PostgreSQL). Build it once per process and dialect (see "Statements on hot paths" in
    docs/architecture.md)."""
    product, variant = Product.__table__, Variant.__table__

    def over_active_sizes(figure):
        return (
            select(figure)
            .where(variant.c.product_id == product.c.id, variant.c.is_active.is_(True))
            .correlate(product)
            .scalar_subquery()
        )

    # Units still available (HasStock.available) of the best-stocked size, 0 without one.
    on_hand, reserved = variant.c.on_hand, variant.c.reserved
    available = case((on_hand > reserved, on_hand - reserved), else_=0)
    picture, on, columns = main_picture_join(dialect)
    return (
        select(
            product.c.id,
            product.c.slug,
            product.c.name,
            product.c.short_description,
            product.c.review_count,
            product.c.rating_average,
            over_active_sizes(func.min(variant.c.price_pence)),
            over_active_sizes(func.max(variant.c.price_pence)),
            func.coalesce(over_active_sizes(func.max(available)), 0),
            *columns,
            *extra,
        )
        .select_from(product.join(page, page.c.id == product.c.id).outerjoin(picture, on))
        .order_by(*order_by)
    )


def main_picture_join(dialect: str) -> tuple:
    """How a statement over the product table joins each product's main picture (its
    first by position, as Product.main_image): (what to outer-join, the ON condition,
    the picture's columns in `picture_columns`' order, for `picture_from`). Cards, the
    basket page and an article's products all join it so; `dialect` is the database's
    (`shop.extensions.database_kind()`), and a statement built with it is kept per dialect.

    On PostgreSQL it is a LATERAL subquery, the first picture read through the product's
    index for each row joined. Joined on the first picture's id instead, PostgreSQL's
    planner may read and hash the whole picture table: it did for a page of twelve cards
    (half a millisecond for a thousand products, and growing with the catalogue). SQLite
    has no LATERAL and looks each picture up by that id, one row at a time."""
    image = ProductImage.__table__
    if dialect != "postgresql":
        return image, image.c.id == _main_picture_id(), picture_columns()
    product = Product.__table__
    first = (
        select(*picture_columns())
        .where(image.c.product_id == product.c.id)
        .order_by(image.c.position, image.c.id)
        .limit(1)
        .lateral("main_picture")
    )
    return first, true(), tuple(first.c)


@dataclass(slots=True)
class BuyableCard(HasSizes):
    """A product as a card with an add-to-basket form shows it (an article's product
    cards and "Shop this article"): the names the `inline_product` and `add_to_cart`
    macros and `product_stock_state` read on Product, its prices and stock worked out
    from its active sizes (`variants`, in their order, the product page's SizeView)
    through HasSizes."""

    id: int
    slug: str
    name: str
    short_description: str
    main_image: PlainPicture | None
    variants: list[SizeView]


def buyable_columns(pictures: tuple) -> tuple:
    """A BuyableCard's product, main picture and size columns, in the order
    `buyable_cards` reads them: join the product table to its active sizes (one row per
    size, in their order) and to its main picture (`main_picture_join`, whose columns
    are `pictures`)."""
    product, variant = Product.__table__, Variant.__table__
    return (
        product.c.id,
        product.c.slug,
        product.c.name,
        product.c.short_description,
        *pictures,
        *(variant.c[name] for name in SIZE_VIEW_COLUMNS),
    )


# Where a BuyableCard's picture and size columns start in a row, and where they end.
_BUYABLE_PICTURE = 4
_BUYABLE_SIZE = _BUYABLE_PICTURE + len(fields(PlainPicture))
_BUYABLE_END = _BUYABLE_SIZE + len(SIZE_VIEW_COLUMNS)


def buyable_cards(rows) -> list[tuple[BuyableCard, tuple]]:
    """The cards of rows that start with `buyable_columns`, a row per size, a product's
    sizes together: each card with the rest of its first row (the columns after
    `buyable_columns`), in the rows' order."""
    cards: list[tuple[BuyableCard, tuple]] = []
    current = None
    for row in rows:
        if current is None or current.id != row[0]:
            picture = picture_from(row[_BUYABLE_PICTURE:_BUYABLE_SIZE])
            current = BuyableCard(*row[:_BUYABLE_PICTURE], picture, [])
            cards.append((current, tuple(row[_BUYABLE_END:])))
        current.variants.append(SizeView(*row[_BUYABLE_SIZE:_BUYABLE_END]))
    return cards
