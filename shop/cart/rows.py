"""The basket page's basket as plain rows: the basket, its lines, each line's size and
product and the product's main picture, read in one statement.

The basket page changes nothing, so it needs no ORM objects: turning its rows into
mapped objects (identity map, loader paths, instance state) cost more CPU than the rest
of its SQL. The objects here carry the same names the summary (shop.cart.services.
summarise) and the templates read on the ORM's Cart, CartLine, Variant, Product and
ProductImage, and share their computed properties through the catalogue's mixins
(HasStock, and the pictures' PlainPicture). Pages that change the basket keep using the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, bindparam, select

from shop.cart.models import Cart, CartLine
from shop.catalogue.cards import main_picture_join, picture_from
from shop.catalogue.models import HasStock, PlainPicture, Product, Variant
from shop.promotions.models import Promotion


@dataclass(slots=True)
class ProductRow:
    id: int
    slug: str
    name: str
    is_active: bool
    max_per_order: int
    subscribable: bool
    subscribe_discount_percent: int | None
    category_id: int
    main_image: PlainPicture | None


@dataclass(slots=True)
class VariantRow(HasStock):
    id: int
    size_label: str
    price_pence: int
    on_hand: int
    reserved: int
    is_active: bool
    subscribable: bool
    product: ProductRow


@dataclass(slots=True)
class LineRow:
    id: int
    quantity: int
    subscribe_every: int
    variant: VariantRow

    @property
    def variant_id(self) -> int:
        return self.variant.id


@dataclass(slots=True)
class CartRows:
    """A basket as the basket page reads it; `promotion` is the ORM's Promotion, with
    its products and categories, when the basket has a code (read in two more
    statements, see shop.cart.services.basket_for_page)."""

    id: int
    token: str
    shipping_code: str
    promotion_id: int | None
    lines: list[LineRow] = field(default_factory=list)
    promotion: Promotion | None = None

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


@cache
def basket_statement(dialect: str) -> Select:
    """The basket with this token (a bound parameter): one row per line, in the order
    lines were added, with its size, product and the product's first picture (or one
    row of NULL line columns for an empty basket). Plain columns of the tables, no ORM
    entity, built once per process and database kind (`main_picture_join`)."""
    cart, line, variant = Cart.__table__, CartLine.__table__, Variant.__table__
    product = Product.__table__
    picture, on, pictures = main_picture_join(dialect)
    return (
        select(
            cart.c.id,
            cart.c.shipping_code,
            cart.c.promotion_id,
            line.c.id,
            line.c.quantity,
            line.c.subscribe_every,
            variant.c.id,
            variant.c.size_label,
            variant.c.price_pence,
            variant.c.on_hand,
            variant.c.reserved,
            variant.c.is_active,
            variant.c.subscribable,
            product.c.id,
            product.c.slug,
            product.c.name,
            product.c.is_active,
            product.c.max_per_order,
            product.c.subscribable,
            product.c.subscribe_discount_percent,
            product.c.category_id,
            *pictures,
        )
        .select_from(
            cart.outerjoin(line, line.c.cart_id == cart.c.id)
            .outerjoin(variant, variant.c.id == line.c.variant_id)
            .outerjoin(product, product.c.id == variant.c.product_id)
            .outerjoin(picture, on)
        )
        .where(cart.c.token == bindparam("token"))
        .order_by(line.c.id)
    )


def cart_from_rows(token: str, rows) -> CartRows | None:
    """The basket that basket_statement's rows describe, or None when there were none."""
    cart = None
    products: dict[int, ProductRow] = {}
    for row in rows:
        (cart_id, shipping_code, promotion_id, line_id, quantity, subscribe_every) = row[:6]
        if cart is None:
            cart = CartRows(cart_id, token, shipping_code, promotion_id)
        if line_id is None:  # an empty basket
            continue
        product_id = row[13]
        product = products.get(product_id)
        if product is None:
            image = picture_from(row[21:26])
            product = products[product_id] = ProductRow(*row[13:21], image)
        variant = VariantRow(*row[6:13], product)
        cart.lines.append(LineRow(line_id, quantity, subscribe_every, variant))
    return cart
