"""Basket rules: what may be added, how much, and what it all costs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache

from sqlalchemy import Integer, Select, bindparam, case, delete, func, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from shop.cart.models import Cart, CartLine
from shop.cart.rows import (
    CartRows,
    LineRow,
    ProductRow,
    VariantRow,
    basket_statement,
    cart_from_rows,
)
from shop.cart.shipping import ShippingOption, find_shipping_option, shipping_options
from shop.catalogue.models import MAX_PER_ORDER_CEILING, Product, Variant
from shop.catalogue.services import without_long_texts
from shop.extensions import database_kind, db
from shop.loading import plain_rows
from shop.models import utcnow
from shop.money import Money
from shop.orders.lifecycle import release_lapsed_reservations
from shop.promotions.models import Promotion
from shop.promotions.services import (
    GUEST,
    AppliedPromotion,
    PricedLine,
    PromoRefused,
    Shopper,
    check_dates_and_uses,
    evaluate,
    find_promotion,
)
from shop.signals import added_to_basket, send_after_commit
from shop.subscriptions.models import every
from shop.subscriptions.pricing import add_months, can_subscribe, intervals_offered, unit_price
from shop.text import is_token, new_token

# No line ever holds more than this, whatever a product allows (each product has its
# own, lower, most per order: Product.max_per_order).
MAX_QUANTITY = MAX_PER_ORDER_CEILING
GONE = "That item is no longer in your basket."


class CartError(Exception):
    """A change to the basket that cannot be made; the message is for the shopper.

    `item_count`, when known, is how many items the basket holds as it stands (so the
    answer need not count them again)."""

    def __init__(self, message: str, item_count: int | None = None) -> None:
        super().__init__(message)
        self.item_count = item_count


def new_cart() -> Cart:
    cart = Cart(token=new_token(), lines=[])  # known empty: nothing to load
    db.session.add(cart)
    return cart


def _promotion_loaded():
    """The basket's promo code in the basket's own statement, and its products and
    categories in one more each, only when the basket has a code."""
    promotion = joinedload(Cart.promotion)
    return promotion.selectinload(Promotion.products), promotion.selectinload(Promotion.categories)


@cache
def _cart_statement(pictures: bool) -> Select:
    """find_cart's statement, built once per process with the token as a parameter:
    building it with its loader options, and its cache key, cost more CPU than running
    it, and the same statement object keeps its cache key."""
    products = joinedload(Cart.lines).joinedload(CartLine.variant).joinedload(Variant.product)
    products = products.options(*without_long_texts())
    if pictures:
        products = products.selectinload(Product.images)
    return (
        select(Cart).where(Cart.token == bindparam("token")).options(products, *_promotion_loaded())
    )


def find_cart(token: str | None, *, pictures: bool = True) -> Cart | None:
    """The basket with this token: its lines, sizes and products (and its promo code) in
    one statement, and the products' pictures in a second unless `pictures` is false
    (changing the basket shows none of them)."""
    if not is_token(token):
        return None
    found = db.session.scalars(_cart_statement(bool(pictures)), {"token": token})
    return found.unique().one_or_none()


@cache
def _promotion_statement() -> Select:
    """A basket's promo code with its categories (joined) and the ids of its products
    (one more statement): all that checking it against a basket needs."""
    return (
        select(Promotion)
        .where(Promotion.id == bindparam("promotion_id"))
        .options(
            joinedload(Promotion.categories),
            selectinload(Promotion.products).load_only(Product.id),
        )
    )


def basket_for_page(token: str | None) -> CartRows | None:
    """The basket with this token as the basket page shows it: its lines, sizes,
    products and main pictures as plain rows in one statement (shop.cart.rows), and its
    promo code, when it has one, in two more. For showing only: changes to the basket
    go through find_cart's ORM objects."""
    if not is_token(token):
        return None
    rows = plain_rows(basket_statement(database_kind()), {"token": token})
    cart = cart_from_rows(token, rows)
    if cart is not None and cart.promotion_id is not None:
        found = db.session.scalars(_promotion_statement(), {"promotion_id": cart.promotion_id})
        cart.promotion = found.unique().one_or_none()
    return cart


def find_cart_by_id(cart_id: int | None) -> Cart | None:
    """A basket by its id (the one kept with a customer account), lines and sizes loaded."""
    if cart_id is None:
        return None
    products = joinedload(Cart.lines).joinedload(CartLine.variant).joinedload(Variant.product)
    stmt = (
        select(Cart)
        .where(Cart.id == cart_id)
        .options(products.options(*without_long_texts()), *_promotion_loaded())
    )
    return db.session.scalars(stmt).unique().one_or_none()


def loaded_item_count(cart: Cart | CartRows) -> int | None:
    """How many items a basket holds, counted from its lines when they are loaded and
    current (no commit or rollback has expired them since), else None."""
    if isinstance(cart, CartRows):
        return cart.item_count
    state = inspect(cart)
    if not state.persistent or "lines" in state.unloaded:
        return None
    return sum(line.quantity for line in cart.lines)


@cache
def _item_count_statement() -> Select:
    """Plain columns of the tables, no ORM entity: the session runs it as it is."""
    cart, line = Cart.__table__, CartLine.__table__
    return (
        select(func.coalesce(func.sum(line.c.quantity), 0))
        .select_from(line.join(cart, cart.c.id == line.c.cart_id))
        .where(cart.c.token == bindparam("token"))
    )


def item_count(token: str | None) -> int:
    """How many items a basket holds, for the header."""
    if not is_token(token):
        return 0
    return int(db.session.scalar(_item_count_statement(), {"token": token}) or 0)


@cache
def _with_its_product():
    return joinedload(Variant.product).options(*without_long_texts())


def _sellable_variant(variant_id: int) -> Variant:
    variant = db.session.get(Variant, variant_id, options=[_with_its_product()])
    if variant is None or not variant.is_active or not variant.product.is_active:
        raise CartError("Sorry, that product is no longer available.")
    return variant


def most_per_order(variant: Variant) -> int:
    """The most of this size one order may hold."""
    return min(variant.product.max_per_order, MAX_QUANTITY)


def _name(variant: Variant) -> str:
    return f"{variant.product.name} ({variant.size_label})"


def free_lapsed_stock(variants: list[Variant]) -> bool:
    """Give back the stock these sizes hold for checkouts whose payment window has
    passed, and read the sizes' stock again (flushes, no commit). True if any was freed.

    Only for sizes showing fewer units free than a shopper wants: then a reservation
    that should have ended may be the reason (see release_lapsed_reservations).
    """
    held = _release_lapsed(variants)
    for variant in held:
        db.session.refresh(variant, ["on_hand", "reserved"])
    return bool(held)


def _release_lapsed(variants) -> list:
    """The sizes among `variants` that hold stock, once their lapsed checkouts' holds are
    given back; empty when none held any or nothing was given back."""
    held = [variant for variant in variants if variant.reserved > 0]
    if not held or not release_lapsed_reservations([v.id for v in held]):
        return []
    return held


@cache
def _add_to_line_statement(dialect: str):
    """_add_to_line's statement, built once per process and database kind, its values
    as parameters (building it and its cache key cost more CPU than running it)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    limit = bindparam("line_limit", type_=Integer)
    added = CartLine.quantity + bindparam("adding", type_=Integer)
    subscribe_every = bindparam("line_subscribe_every", type_=Integer)
    return (
        insert(CartLine)
        .values(
            cart_id=bindparam("line_cart"),
            variant_id=bindparam("line_variant"),
            quantity=bindparam("first_quantity"),
            subscribe_every=subscribe_every,
            added_at=bindparam("line_added_at"),
        )
        .on_conflict_do_update(
            index_elements=[CartLine.cart_id, CartLine.variant_id],
            set_={
                "quantity": case((added > limit, limit), else_=added),
                "subscribe_every": subscribe_every,
            },
            where=CartLine.quantity < limit,
        )
        .returning(CartLine)
    )


def _add_to_line(
    cart: Cart, variant: Variant, quantity: int, limit: int, subscribe_every: int = 0
) -> CartLine | None:
    """Add `quantity` to the basket's line for `variant` in one statement, never taking
    it past `limit`, and return the line as stored; None when it already held `limit`.
    The line takes `subscribe_every` (0: one-time; else a delivery every so many months).

    An INSERT that adds to the line instead when it is already there (ON CONFLICT on the
    basket and size), so adds arriving at once from several tabs all count: each one
    reads and changes the quantity inside the database, and none fails on the unique
    line or writes over another's quantity. The line object in this session (and the
    basket's list of lines) are brought up to date without another query.
    """
    stmt = _add_to_line_statement(database_kind())
    parameters = {
        "line_cart": cart.id,
        "line_variant": variant.id,
        "first_quantity": min(quantity, limit),
        "line_subscribe_every": subscribe_every,
        "line_added_at": utcnow(),
        "adding": quantity,
        "line_limit": limit,
    }
    found = db.session.scalars(stmt, parameters, execution_options={"populate_existing": True})
    line = found.one_or_none()
    if line is not None and line not in cart.lines:
        set_committed_value(line, "variant", variant)
        set_committed_value(cart, "lines", [*cart.lines, line])
    return line


def add_to_cart(
    cart: Cart, variant_id: int, quantity: int, subscribe_every: int = 0
) -> tuple[CartLine, str]:
    """Put `quantity` of a variant in the basket, never more than is available or than
    one order may hold of it (Product.max_per_order).

    `subscribe_every` (months, 0 for a one-time purchase) makes it a subscribe & save
    line, for sizes that may be subscribed to at that interval. A size is on one line
    of the basket: adding it again with another choice changes the line's choice.

    Returns the line and a message for the shopper. Raises CartError when
    nothing can be added.
    """
    if not 1 <= quantity <= MAX_QUANTITY:
        raise CartError(f"Choose a quantity from 1 to {MAX_QUANTITY}.")
    variant = _sellable_variant(variant_id)
    name = _name(variant)
    if subscribe_every and not can_subscribe(variant):
        raise CartError(f"Sorry, {name} cannot be had on subscription.")
    if subscribe_every and subscribe_every not in intervals_offered(variant.product):
        raise CartError(f"Please choose one of the delivery intervals offered for {name}.")
    most = most_per_order(variant)
    line = next((ln for ln in cart.lines if ln.variant_id == variant.id), None)
    already = line.quantity if line else 0
    wanted = already + quantity
    if variant.available < min(wanted, most):
        free_lapsed_stock([variant])
    available = variant.available
    limit = min(available, most)
    if available <= 0:
        raise CartError(f"Sorry, {name} is sold out.")
    if already < limit:
        line = _add_to_line(cart, variant, quantity, limit, subscribe_every)
    if line is None or already >= limit:
        raise CartError(_full_message(name, limit, most))
    cart.updated_at = utcnow()
    db.session.flush()
    send_after_commit(added_to_basket, product_id=variant.product_id, variant_id=variant.id)
    if line.quantity >= wanted and subscribe_every:
        message = (
            f"Added {quantity} × {name} to your basket: {every(subscribe_every).lower()}, "
            "subscribe & save."
        )
    elif line.quantity >= wanted:
        message = f"Added {quantity} × {name} to your basket."
    elif limit < most:
        message = f"Only {limit} of {name} available: your basket now has {line.quantity}."
    else:
        message = (
            f"One order can hold at most {most} of {name}: your basket now has {line.quantity}."
        )
    return line, message


@cache
def _quick_add_statement() -> Select:
    """quick_add's one read, built once per process with its values as parameters: the
    size with what decides an add (its stock, whether it and its product are sold, the
    product's most per order, their names), the basket found by its token, the
    basket's line for the size (NULL when there is none) and how many items the basket
    holds. No row when there is no such size or basket.

    On the tables rather than the mapped classes: the row is read as plain values, and
    a statement without mapped classes skips the ORM's work on it."""
    variants, products = Variant.__table__, Product.__table__
    carts, lines, others = Cart.__table__, CartLine.__table__, CartLine.__table__.alias()
    items = (
        select(func.coalesce(func.sum(others.c.quantity), 0))
        .where(others.c.cart_id == carts.c.id)
        .correlate(carts)
        .scalar_subquery()
    )
    line = (lines.c.cart_id == carts.c.id) & (lines.c.variant_id == variants.c.id)
    return (
        select(
            carts.c.id.label("cart_id"),
            variants.c.product_id,
            variants.c.size_label,
            variants.c.on_hand,
            variants.c.reserved,
            variants.c.is_active.label("variant_active"),
            products.c.name,
            products.c.is_active.label("product_active"),
            products.c.max_per_order,
            lines.c.quantity.label("already"),
            items.label("items"),
        )
        .select_from(variants)
        .join(products, products.c.id == variants.c.product_id)
        .join(carts, carts.c.token == bindparam("token"))
        .outerjoin(lines, line)
        .where(variants.c.id == bindparam("variant_id"))
    )


@cache
def _quick_line_statement(dialect: str):
    """quick_add's write to the line: _add_to_line_statement's capped upsert of a
    one-time line, returning only the quantity stored (no line object is made).

    On PostgreSQL the same statement also touches the basket (its updated_at), in a
    WITH of its own: a data-modifying WITH always runs, whatever the upsert does (when
    the line already holds all it may, quick_add refuses and the view rolls it back),
    and, as nothing reads it, it runs after the upsert, so rows are locked in the order
    they were before (the line, then the basket). SQLite has no data-modifying WITH:
    there quick_add touches the basket in a statement of its own."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    lines = CartLine.__table__
    limit = bindparam("line_limit", type_=Integer)
    added = lines.c.quantity + bindparam("adding", type_=Integer)
    statement = (
        insert(lines)
        .values(
            cart_id=bindparam("line_cart"),
            variant_id=bindparam("line_variant"),
            quantity=bindparam("first_quantity"),
            subscribe_every=0,
            added_at=bindparam("line_added_at"),
        )
        .on_conflict_do_update(
            index_elements=[lines.c.cart_id, lines.c.variant_id],
            set_={"quantity": case((added > limit, limit), else_=added), "subscribe_every": 0},
            where=lines.c.quantity < limit,
        )
        .returning(lines.c.quantity)
    )
    if _touches_cart(dialect):
        statement = statement.add_cte(_touch_cart_statement().cte("touched_cart"))
    return statement


def _touches_cart(dialect: str) -> bool:
    """Whether _quick_line_statement touches the basket itself (see there)."""
    return dialect == "postgresql"


@cache
def _touch_cart_statement():
    carts = Cart.__table__
    return (
        update(carts)
        .where(carts.c.id == bindparam("touched_cart"))
        .values(updated_at=bindparam("touched_at"))
    )


def quick_add(
    token: str | None, variant_id: int, quantity: int, subscribe_every: int = 0
) -> tuple[str, int] | None:
    """add_to_cart for the usual add, in fewer statements and without loading the basket:
    one read (_quick_add_statement), the capped upsert of the line and the basket's
    updated_at; a refusal after the read alone. Returns the message for the shopper and
    how many items the basket now holds; raises CartError (with the basket's item count)
    when nothing can be added.

    None, having changed nothing, for everything else, which add_to_cart then does: no
    basket yet, a size not found or not sold, a subscription, or fewer units free than
    wanted while some are held by checkouts (whose reservations may have lapsed). The
    rules are add_to_cart's: never past the stock available or the most per order, a
    size on one line (adding it one-time makes its line one-time), the same messages.
    """
    if subscribe_every or not is_token(token) or not 1 <= quantity <= MAX_QUANTITY:
        return None
    # The session's own connection and transaction: every statement here is a plain
    # one, without mapped classes, so the session's ORM steps would be work for nothing
    # (nor do they write to a table the cached pages show, which its do_orm_execute
    # hook would note: shop.models.ShownOnPages).
    connection = db.session.connection()
    found = connection.execute(_quick_add_statement(), {"token": token, "variant_id": variant_id})
    row = found.one_or_none()
    if row is None or not (row.variant_active and row.product_active):
        return None
    already = row.already or 0
    wanted = already + quantity
    most = min(row.max_per_order, MAX_QUANTITY)
    available = max(row.on_hand - row.reserved, 0)
    if available < min(wanted, most) and row.reserved > 0:
        return None  # add_to_cart frees lapsed reservations first (free_lapsed_stock)
    name = f"{row.name} ({row.size_label})"
    limit = min(available, most)
    if available <= 0:
        raise CartError(f"Sorry, {name} is sold out.", row.items)
    if already >= limit:
        raise CartError(_full_message(name, limit, most), row.items)
    now = utcnow()
    dialect = connection.dialect.name
    stored = connection.execute(
        _quick_line_statement(dialect),
        {
            "line_cart": row.cart_id,
            "line_variant": variant_id,
            "first_quantity": min(quantity, limit),
            "line_added_at": now,
            "adding": quantity,
            "line_limit": limit,
            "touched_cart": row.cart_id,
            "touched_at": now,
        },
    ).scalar_one_or_none()
    if stored is None:  # another add filled the line meanwhile
        raise CartError(_full_message(name, limit, most))
    if not _touches_cart(dialect):
        touched = {"touched_cart": row.cart_id, "touched_at": now}
        connection.execute(_touch_cart_statement(), touched)
    send_after_commit(added_to_basket, product_id=row.product_id, variant_id=variant_id)
    if stored >= wanted:
        message = f"Added {quantity} × {name} to your basket."
    elif limit < most:
        message = f"Only {limit} of {name} available: your basket now has {stored}."
    else:
        message = f"One order can hold at most {most} of {name}: your basket now has {stored}."
    return message, row.items - already + stored


def empty_cart(cart_id: int) -> None:
    """Take every line out of a basket (flushes nothing: one DELETE)."""
    db.session.execute(delete(CartLine).where(CartLine.cart_id == cart_id))


def merge_baskets(source: Cart, target: Cart) -> list[str]:
    """Move every line of `source` into `target` and empty `source` (flushes).

    Each size is added as a shopper's add would be: never past the stock left or the
    most one order may hold of it; what is no longer sold stays out. Returns a message
    for every line that did not move in full.
    """
    notes = []
    for line in list(source.lines):
        variant = line.variant
        name = _name(variant)
        if not (variant.is_active and variant.product.is_active):
            notes.append(f"{name} is no longer sold, so it was left out.")
            continue
        most = most_per_order(variant)
        already = next((ln.quantity for ln in target.lines if ln.variant_id == variant.id), 0)
        if variant.available < min(already + line.quantity, most):
            free_lapsed_stock([variant])
        limit = min(variant.available, most)
        merged = (
            _add_to_line(target, variant, line.quantity, limit, line.subscribe_every)
            if already < limit
            else None
        )
        kept = merged.quantity if merged is not None else already
        if kept == 0:
            notes.append(f"{name} is sold out, so it was left out.")
        elif kept < already + line.quantity:
            notes.append(f"Only {kept} of {name} could be kept in your basket.")
    empty_cart(source.id)
    set_committed_value(source, "lines", [])
    source.updated_at = target.updated_at = utcnow()
    db.session.flush()
    return notes


def _full_message(name: str, limit: int, most: int) -> str:
    """What a shopper is told when a line already holds all it can."""
    if limit < most:
        return f"You already have the most we can sell of {name} ({limit})."
    return f"You already have the most one order can hold of {name}: {most}."


def _line_of(cart: Cart, line_id: int) -> CartLine:
    line = next((ln for ln in cart.lines if ln.id == line_id), None)
    if line is None:  # not in this basket: someone else's line, or already removed
        raise CartError(GONE)
    return line


def update_quantity(cart: Cart, line_id: int, quantity: int) -> str:
    """Set a line's quantity (0 removes it), capped at what is available and at what one
    order may hold."""
    line = _line_of(cart, line_id)
    if quantity == 0:
        return remove_line(cart, line_id)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise CartError(f"Choose a quantity from 1 to {MAX_QUANTITY}.")
    variant = line.variant
    name = _name(variant)
    if not (variant.is_active and variant.product.is_active):
        raise CartError(f"Sorry, {name} is no longer available. Please remove it.")
    most = most_per_order(variant)
    if variant.available < min(quantity, most):
        free_lapsed_stock([variant])
    available = variant.available
    if available <= 0:
        raise CartError(f"Sorry, {name} is sold out. Please remove it.")
    new_quantity = min(quantity, available, most)
    # One conditional UPDATE: a line removed meanwhile (another tab) is reported, not
    # written to.
    result = db.session.execute(
        update(CartLine)
        .where(CartLine.id == line.id, CartLine.cart_id == cart.id)
        .values(quantity=new_quantity)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise CartError(GONE)
    set_committed_value(line, "quantity", new_quantity)
    cart.updated_at = utcnow()
    db.session.flush()
    if new_quantity < quantity:
        if new_quantity == available and available < most:
            return f"Only {available} of {name} available: your basket now has {new_quantity}."
        return f"One order can hold at most {most} of {name}: your basket now has {new_quantity}."
    return f"Updated {name}: {new_quantity} in your basket."


def remove_line(cart: Cart, line_id: int) -> str:
    line = _line_of(cart, line_id)
    name = _name(line.variant)
    cart.lines.remove(line)
    cart.updated_at = utcnow()
    db.session.flush()
    return f"Removed {name} from your basket."


def set_shipping(cart: Cart, code: str) -> ShippingOption:
    option = find_shipping_option(code)
    if option.code != code:
        raise CartError("Please choose one of the delivery options shown.")
    cart.shipping_code = option.code
    db.session.flush()
    return option


@dataclass
class LineSummary:
    # The ORM's objects, or the basket page's rows (shop.cart.rows).
    line: CartLine | LineRow
    variant: Variant | VariantRow
    product: Product | ProductRow
    unit_price_pence: int
    quantity: int
    available: int
    most_per_order: int
    problem: str | None
    discount_pence: int = 0  # this line's share of the promo code's discount
    # Subscribe & save: a delivery every this many months (0: a one-time purchase); the
    # unit price is then the subscription price, and list_price_pence the size's price.
    subscribe_every: int = 0
    list_price_pence: int = 0

    @property
    def every(self) -> str:
        return every(self.subscribe_every) if self.subscribe_every else ""

    @property
    def second_delivery_on(self):
        """When a subscription line's second delivery would be, subscribing today."""
        return add_months(utcnow(), self.subscribe_every) if self.subscribe_every else None

    @property
    def total_pence(self) -> int:
        return self.unit_price_pence * self.quantity


@dataclass
class ShippingChoice:
    option: ShippingOption
    price_pence: int
    selected: bool


@dataclass
class CartSummary:
    cart: Cart | CartRows | None
    lines: list[LineSummary] = field(default_factory=list)
    shipping: ShippingChoice | None = None
    shipping_choices: list[ShippingChoice] = field(default_factory=list)
    currency: str = "gbp"
    # The basket's promo code when it applies, or why it does not (promo_problem).
    promotion: AppliedPromotion | None = None
    promo_code: str | None = None
    promo_problem: PromoRefused | None = None

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal_pence(self) -> int:
        return sum(line.total_pence for line in self.lines)

    @property
    def discount_pence(self) -> int:
        return self.promotion.discount_pence if self.promotion else 0

    @property
    def free_shipping(self) -> bool:
        return bool(self.promotion and self.promotion.free_shipping)

    @property
    def shipping_before_discount_pence(self) -> int:
        return self.shipping.price_pence if self.shipping and self.lines else 0

    @property
    def shipping_discount_pence(self) -> int:
        return self.shipping_before_discount_pence if self.free_shipping else 0

    @property
    def shipping_pence(self) -> int:
        return self.shipping_before_discount_pence - self.shipping_discount_pence

    @property
    def total_pence(self) -> int:
        return self.subtotal_pence - self.discount_pence + self.shipping_pence

    @property
    def vat_pence(self) -> int:
        return Money(self.total_pence, self.currency).vat_included.pence

    @property
    def free_delivery_remaining_pence(self) -> int | None:
        """How much more to spend for free standard delivery, if that applies."""
        thresholds = [
            choice.option.free_from_pence
            for choice in self.shipping_choices
            if choice.option.free_from_pence is not None
        ]
        if not thresholds or not self.lines:
            return None
        remaining = min(thresholds) - self.subtotal_pence
        return remaining if remaining > 0 else None

    @property
    def subscription_lines(self) -> list[LineSummary]:
        return [line for line in self.lines if line.subscribe_every]

    @property
    def one_time_lines(self) -> list[LineSummary]:
        return [line for line in self.lines if not line.subscribe_every]

    @property
    def has_subscription(self) -> bool:
        return any(line.subscribe_every for line in self.lines)

    @property
    def problems(self) -> list[LineSummary]:
        return [line for line in self.lines if line.problem]

    @property
    def can_check_out(self) -> bool:
        return bool(self.lines) and not self.problems


def line_problem(variant: Variant, quantity: int, subscribe_every: int = 0) -> str | None:
    """Why a line can't be bought as it stands, in the shopper's words, or None."""
    if not variant.is_active or not variant.product.is_active:
        return "No longer sold: please remove it."
    if variant.available <= 0:
        return "Sold out: please remove it."
    if quantity > variant.available:
        return f"Only {variant.available} left: please lower the quantity."
    if quantity > most_per_order(variant):
        return f"One order can hold at most {most_per_order(variant)}: please lower the quantity."
    if subscribe_every and not can_subscribe(variant):
        return "No longer offered on subscription: please remove it and add it again."
    return None


def free_lapsed_stock_for(cart: Cart | CartRows | None) -> bool:
    """Give back stock held by lapsed checkouts for the basket's sizes that show fewer
    units free than the basket wants (flushes, no commit). True if any was freed: the
    caller then reads the basket again. In the usual case nothing is short and no query
    is made."""
    if cart is None:
        return False
    short = [
        line.variant
        for line in cart.lines
        if line.variant.is_active and line.variant.available < line.quantity
    ]
    # Rows cannot be refreshed as free_lapsed_stock refreshes the ORM's sizes: the caller
    # reads the basket again.
    return bool(_release_lapsed(short))


def summarise(cart: Cart | CartRows | None, shopper: Shopper = GUEST) -> CartSummary:
    """Lines, prices from the database, the promo code, delivery and totals for a basket.

    The basket's code is checked again each time, for `shopper` (per-customer limits):
    when it no longer applies the summary has no discount and `promo_problem` says why.
    Delivery's free-from threshold is on the subtotal before any discount.
    """
    if cart is None:
        return CartSummary(cart=None)
    lines = [
        LineSummary(
            line=line,
            variant=line.variant,
            product=line.variant.product,
            unit_price_pence=unit_price(line.variant, line.subscribe_every),
            quantity=line.quantity,
            available=line.variant.available,
            most_per_order=most_per_order(line.variant),
            problem=line_problem(line.variant, line.quantity, line.subscribe_every),
            subscribe_every=line.subscribe_every,
            list_price_pence=line.variant.price_pence,
        )
        for line in cart.lines
    ]
    subtotal = sum(line.total_pence for line in lines)
    chosen = find_shipping_option(cart.shipping_code)
    choices = [
        ShippingChoice(option=o, price_pence=o.price_for(subtotal), selected=o.code == chosen.code)
        for o in shipping_options()
    ]
    selected = next(c for c in choices if c.selected)
    summary = CartSummary(cart=cart, lines=lines, shipping=selected, shipping_choices=choices)
    if cart.promotion is not None:
        _apply_promotion(summary, cart.promotion, replace(shopper, cart_id=cart.id))
    return summary


def priced_lines(summary: CartSummary) -> list[PricedLine]:
    return [
        PricedLine(
            key=line.line.id,
            product_id=line.product.id,
            category_id=line.product.category_id,
            total_pence=line.total_pence,
        )
        for line in summary.lines
    ]


def _apply_promotion(summary: CartSummary, promotion: Promotion, shopper: Shopper) -> None:
    summary.promo_code = promotion.code
    if not summary.lines:
        return
    try:
        applied = evaluate(promotion, priced_lines(summary), shopper)
    except PromoRefused as refused:
        summary.promo_problem = refused
        return
    summary.promotion = applied
    for line in summary.lines:
        line.discount_pence = applied.line_discounts.get(line.line.id, 0)


def apply_code(cart: Cart, code: str | None, shopper: Shopper = GUEST) -> CartSummary:
    """Put a promo code on the basket if it applies to the basket as it stands (flushes).

    Raises PromoRefused, with the basket unchanged, when it does not. An empty basket
    takes any code that is current (a link from an article applies it before anything
    is added); the rest is checked once there is something to check it against.
    """
    promotion = find_promotion(code)
    summary = summarise(cart)
    shopper = replace(shopper, cart_id=cart.id)
    if not summary.lines:
        check_dates_and_uses(promotion)
    else:
        evaluate(promotion, priced_lines(summary), shopper)
    cart.promotion = promotion
    db.session.flush()
    return summarise(cart, shopper)


def remove_code(cart: Cart) -> str | None:
    """Take the promo code off the basket (flushes); the code it had, if any."""
    code = cart.promotion.code if cart.promotion is not None else None
    cart.promotion = None
    db.session.flush()
    return code
