"""Promotion rules: which codes apply to a basket, why one does not, what it takes off,
and the staff's changes to codes (audited).

`evaluate` checks a promotion against a basket's lines and the shopper, and either
returns what it takes off (`AppliedPromotion`, with each line's share) or raises
`PromoRefused` with one reason and a message for the shopper. The arithmetic is in
shop.promotions.pricing; holding and giving back uses in shop.promotions.uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shop.backoffice.audit import changed_values, record_audit
from shop.catalogue.models import Category, Product
from shop.extensions import db
from shop.models import utcnow
from shop.money import format_money
from shop.orders.models import Order, OrderStatus
from shop.promotions import pricing
from shop.promotions.models import (
    CODE_MAX_LENGTH,
    Promotion,
    PromotionKind,
    PromotionUse,
    UseStatus,
)
from shop.promotions.uses import uses_by
from shop.times import format_uk

CODE_PATTERN = re.compile(rf"[A-Z0-9][A-Z0-9_-]{{2,{CODE_MAX_LENGTH - 1}}}")


def normalise_code(text: str | None) -> str:
    """A code as typed, as it is stored: trimmed and in capitals ("" when it cannot be
    a code at all)."""
    code = (text or "").strip().upper()
    return code if CODE_PATTERN.fullmatch(code) else ""


def find_promotion(code: str | None) -> Promotion | None:
    """The promotion with this code, whatever the case it was typed in."""
    code = normalise_code(code)
    if not code:
        return None
    return db.session.scalar(
        select(Promotion)
        .where(Promotion.code == code)
        .options(selectinload(Promotion.products), selectinload(Promotion.categories))
    )


class Refusal(StrEnum):
    UNKNOWN = "unknown"
    NOT_STARTED = "not_started"
    EXPIRED = "expired"
    USED_UP = "used_up"
    MINIMUM_SPEND = "minimum_spend"
    NOT_FOR_THESE = "not_for_these_products"
    USED_BY_YOU = "used_by_you"
    SIGN_IN = "sign_in"
    FIRST_ORDER = "first_order_only"


class PromoRefused(Exception):
    """A code that does not apply; the message is for the shopper."""

    def __init__(self, reason: Refusal, message: str, code: str = ""):
        super().__init__(message)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class Shopper:
    """Who is shopping, as far as per-customer limits need to know, and the basket they
    shop with (whose own unpaid checkout may be holding a use of the code)."""

    customer_id: int | None = None
    email: str = ""
    cart_id: int | None = None

    @property
    def signed_in(self) -> bool:
        return self.customer_id is not None


GUEST = Shopper()


@dataclass(frozen=True)
class PricedLine:
    """A basket line as a promotion sees it."""

    key: int
    product_id: int
    category_id: int | None
    total_pence: int


@dataclass
class AppliedPromotion:
    promotion: Promotion
    discount_pence: int  # off the goods, shared over the lines
    line_discounts: dict[int, int] = field(default_factory=dict)  # line key -> pence
    free_shipping: bool = False

    @property
    def code(self) -> str:
        return self.promotion.code

    @property
    def name(self) -> str:
        return self.promotion.name


def _when(moment: datetime) -> str:
    return format_uk(moment)


def held_by_basket(promotion: Promotion, cart_id: int | None) -> int:
    """Uses of the promotion held by the basket's own unpaid checkouts: the shopper's,
    not taken from them (a double click, or coming back to the basket mid-payment)."""
    limited = promotion.max_uses is not None or promotion.max_uses_per_customer is not None
    if cart_id is None or not limited or not promotion.uses_reserved:
        return 0
    return db.session.scalar(
        select(func.count())
        .select_from(PromotionUse)
        .join(Order, Order.id == PromotionUse.order_id)
        .where(
            PromotionUse.promotion_id == promotion.id,
            PromotionUse.status == str(UseStatus.RESERVED),
            Order.cart_id == cart_id,
            Order.status == str(OrderStatus.PENDING),
        )
    )


def check_dates_and_uses(
    promotion: Promotion | None, now: datetime | None = None, held: int = 0
) -> Promotion:
    """Refuse a code that is unknown, switched off, not started, over or used up: the
    checks that do not depend on the basket. `held`: uses the shopper's own checkout
    holds, which do not count against them."""
    now = now or utcnow()
    if promotion is None:
        raise PromoRefused(
            Refusal.UNKNOWN, "We don't recognise that code. Please check it and try again."
        )
    code = promotion.code
    if not promotion.is_active:
        raise PromoRefused(Refusal.EXPIRED, f"The code {code} has ended.", code)
    if promotion.starts_at is not None and now < promotion.starts_at:
        raise PromoRefused(
            Refusal.NOT_STARTED,
            f"The code {code} starts on {_when(promotion.starts_at)}.",
            code,
        )
    if promotion.ends_at is not None and now >= promotion.ends_at:
        raise PromoRefused(
            Refusal.EXPIRED, f"The code {code} expired on {_when(promotion.ends_at)}.", code
        )
    if promotion.max_uses is not None and promotion.uses_live - held >= promotion.max_uses:
        raise PromoRefused(Refusal.USED_UP, f"Sorry, the code {code} has been used up.", code)
    return promotion


def eligible_lines(promotion: Promotion, lines: Sequence[PricedLine]) -> list[PricedLine]:
    """The lines a promotion applies to: all of them, or those of its products and
    categories (a category includes its sub-categories' products only when listed)."""
    if not promotion.is_scoped:
        return list(lines)
    products = {product.id for product in promotion.products}
    categories = {category.id for category in promotion.categories}
    return [line for line in lines if line.product_id in products or line.category_id in categories]


def _has_paid_order(email: str) -> bool:
    paid = (OrderStatus.PAID, OrderStatus.REFUNDED)
    return bool(
        email
        and db.session.scalar(
            select(Order.id).where(Order.email == email, Order.status.in_(paid)).limit(1)
        )
    )


def _check_shopper(promotion: Promotion, shopper: Shopper, held: int) -> None:
    code = promotion.code
    per_customer = promotion.max_uses_per_customer is not None
    if not (per_customer or promotion.first_order_only):
        return
    if not shopper.signed_in:
        why = "a first order only" if promotion.first_order_only else "each customer"
        raise PromoRefused(
            Refusal.SIGN_IN,
            f"Please sign in to use the code {code}: it is for {why}.",
            code,
        )
    if per_customer and (
        uses_by(promotion.id, shopper.customer_id, shopper.email) - held
        >= promotion.max_uses_per_customer
    ):
        raise PromoRefused(Refusal.USED_BY_YOU, f"You have already used the code {code}.", code)
    if promotion.first_order_only and _has_paid_order(shopper.email):
        raise PromoRefused(Refusal.FIRST_ORDER, f"The code {code} is for a first order only.", code)


def discount_for(promotion: Promotion, eligible_pence: int) -> int:
    """What a promotion takes off an eligible subtotal (see shop.promotions.pricing)."""
    if promotion.kind == PromotionKind.PERCENT:
        return pricing.percent_of(eligible_pence, promotion.percent_off or 0)
    if promotion.kind == PromotionKind.AMOUNT:
        return pricing.amount_off(eligible_pence, promotion.amount_off_pence or 0)
    return 0


def evaluate(
    promotion: Promotion | None,
    lines: Sequence[PricedLine],
    shopper: Shopper = GUEST,
    now: datetime | None = None,
) -> AppliedPromotion:
    """What `promotion` takes off a basket of `lines` for `shopper`; PromoRefused with
    the one reason it does not apply.

    The minimum spend is on the lines the code applies to, before the discount.
    """
    held = held_by_basket(promotion, shopper.cart_id) if promotion is not None else 0
    promotion = check_dates_and_uses(promotion, now, held)
    code = promotion.code
    eligible = eligible_lines(promotion, lines)
    eligible_pence = sum(line.total_pence for line in eligible)
    if lines and not eligible:
        raise PromoRefused(
            Refusal.NOT_FOR_THESE,
            f"The code {code} is not for the items in your basket.",
            code,
        )
    if eligible_pence < promotion.min_spend_pence:
        short = format_money(promotion.min_spend_pence - eligible_pence)
        spend = format_money(promotion.min_spend_pence)
        on = " on the items it is for" if promotion.is_scoped else ""
        raise PromoRefused(
            Refusal.MINIMUM_SPEND,
            f"The code {code} needs a spend of {spend}{on}: add {short} more to use it.",
            code,
        )
    _check_shopper(promotion, shopper, held)
    discount = discount_for(promotion, eligible_pence)
    shares = pricing.allocate(discount, [line.total_pence for line in eligible])
    return AppliedPromotion(
        promotion=promotion,
        discount_pence=discount,
        line_discounts={line.key: share for line, share in zip(eligible, shares, strict=True)},
        free_shipping=promotion.kind == PromotionKind.FREE_SHIPPING,
    )


def describe(promotion: Promotion) -> str:
    """'10% off', '£5.00 off', 'Free delivery', with the minimum spend."""
    if promotion.kind == PromotionKind.PERCENT:
        text = f"{promotion.percent_off}% off"
    elif promotion.kind == PromotionKind.AMOUNT:
        text = f"{format_money(promotion.amount_off_pence or 0)} off"
    else:
        text = "Free delivery"
    if promotion.min_spend_pence:
        text += f" when you spend {format_money(promotion.min_spend_pence)}"
    return text


# Staff: creating, changing and switching off codes ---------------------------------


class PromotionError(ValueError):
    """A promotion staff asked for that cannot be made; `field` names the form field."""

    def __init__(self, message: str, field: str = "code"):
        super().__init__(message)
        self.field = field


@dataclass
class PromotionData:
    """What staff (or the command line) set on a promotion."""

    code: str
    name: str
    kind: str
    percent_off: int | None = None
    amount_off_pence: int | None = None
    min_spend_pence: int = 0
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    max_uses: int | None = None
    max_uses_per_customer: int | None = None
    first_order_only: bool = False
    is_active: bool = True
    product_ids: list[int] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)


def _checked(data: PromotionData, promotion: Promotion | None = None) -> PromotionData:
    code = normalise_code(data.code)
    if not code:
        raise PromotionError(
            f"A code has 3 to {CODE_MAX_LENGTH} letters, digits, hyphens or underscores."
        )
    taken = db.session.scalar(select(Promotion.id).where(Promotion.code == code))
    if taken is not None and (promotion is None or taken != promotion.id):
        raise PromotionError(f"The code {code} is taken.")
    if data.kind not in set(PromotionKind):
        raise PromotionError("Choose what the code gives.", "kind")
    if data.kind == PromotionKind.PERCENT and not 1 <= (data.percent_off or 0) <= 100:
        raise PromotionError("A percentage off is from 1 to 100.", "percent_off")
    if data.kind == PromotionKind.AMOUNT and (data.amount_off_pence or 0) < 1:
        raise PromotionError("An amount off is at least £0.01.", "amount_off")
    if data.min_spend_pence < 0:
        raise PromotionError("A minimum spend cannot be negative.", "min_spend")
    for name in ("max_uses", "max_uses_per_customer"):
        value = getattr(data, name)
        if value is not None and value < 1:
            raise PromotionError("A limit is at least 1 (leave it empty for none).", name)
    if data.starts_at and data.ends_at and data.ends_at <= data.starts_at:
        raise PromotionError("The end is before the start.", "ends_at")
    data.code = code
    data.name = (data.name or "").strip() or code
    data.percent_off = data.percent_off if data.kind == PromotionKind.PERCENT else None
    data.amount_off_pence = data.amount_off_pence if data.kind == PromotionKind.AMOUNT else None
    return data


def snapshot(promotion: Promotion) -> dict:
    return {
        "code": promotion.code,
        "name": promotion.name,
        "kind": promotion.kind,
        "percent_off": promotion.percent_off,
        "amount_off_pence": promotion.amount_off_pence,
        "min_spend_pence": promotion.min_spend_pence,
        "starts_at": promotion.starts_at.isoformat() if promotion.starts_at else None,
        "ends_at": promotion.ends_at.isoformat() if promotion.ends_at else None,
        "max_uses": promotion.max_uses,
        "max_uses_per_customer": promotion.max_uses_per_customer,
        "first_order_only": promotion.first_order_only,
        "is_active": promotion.is_active,
        "product_ids": sorted(product.id for product in promotion.products),
        "category_ids": sorted(category.id for category in promotion.categories),
    }


def _set(promotion: Promotion, data: PromotionData) -> None:
    for name in (
        "code",
        "name",
        "kind",
        "percent_off",
        "amount_off_pence",
        "min_spend_pence",
        "starts_at",
        "ends_at",
        "max_uses",
        "max_uses_per_customer",
        "first_order_only",
        "is_active",
    ):
        setattr(promotion, name, getattr(data, name))
    products = data.product_ids and db.session.scalars(
        select(Product).where(Product.id.in_(data.product_ids))
    )
    categories = data.category_ids and db.session.scalars(
        select(Category).where(Category.id.in_(data.category_ids))
    )
    promotion.products = list(products or [])
    promotion.categories = list(categories or [])


def create_promotion(data: PromotionData, actor, ip: str | None = None) -> Promotion:
    """Make a promotion (flushes, audited; `actor` None for the command line)."""
    data = _checked(data)
    promotion = Promotion(uses_reserved=0, uses_final=0)
    _set(promotion, data)
    db.session.add(promotion)
    db.session.flush()
    record_audit(
        actor,
        "promotion.create",
        "promotion",
        promotion.id,
        f"Created the code {promotion.code} ({describe(promotion)})",
        None,
        snapshot(promotion),
        ip=ip,
    )
    return promotion


def update_promotion(
    promotion: Promotion, data: PromotionData, actor, ip: str | None = None
) -> bool:
    """Change a promotion (flushes, audited with what changed). False if nothing did."""
    before = snapshot(promotion)
    _set(promotion, _checked(data, promotion))
    db.session.flush()
    old, new = changed_values(before, snapshot(promotion))
    if not new:
        return False
    record_audit(
        actor,
        "promotion.update",
        "promotion",
        promotion.id,
        f"Changed the code {promotion.code}",
        old,
        new,
        ip=ip,
    )
    return True


def set_active(promotion: Promotion, active: bool, actor, ip: str | None = None) -> bool:
    """Switch a code off (or on again); audited. False if it already was."""
    if promotion.is_active == active:
        return False
    promotion.is_active = active
    db.session.flush()
    word = "Reactivated" if active else "Deactivated"
    record_audit(
        actor,
        "promotion.activate" if active else "promotion.deactivate",
        "promotion",
        promotion.id,
        f"{word} the code {promotion.code}",
        {"is_active": not active},
        {"is_active": active},
        ip=ip,
    )
    return True


# Figures for staff -----------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    uses: int = 0  # paid orders with the code
    held: int = 0  # unpaid checkouts holding a use
    revenue_pence: int = 0  # what those orders came to
    discount_pence: int = 0  # what the code took off them, delivery included


def figures_by_promotion(promotion_ids: Iterable[int]) -> dict[int, Figures]:
    """Usage figures of these promotions, in one query."""
    ids = list(promotion_ids)
    if not ids:
        return {}
    final = PromotionUse.status == str(UseStatus.FINAL)
    rows = db.session.execute(
        select(
            PromotionUse.promotion_id,
            func.count().filter(final),
            func.count().filter(PromotionUse.status == str(UseStatus.RESERVED)),
            func.coalesce(func.sum(Order.total_pence).filter(final), 0),
            func.coalesce(
                func.sum(PromotionUse.discount_pence + PromotionUse.shipping_discount_pence).filter(
                    final
                ),
                0,
            ),
        )
        .join(Order, Order.id == PromotionUse.order_id)
        .where(PromotionUse.promotion_id.in_(ids))
        .group_by(PromotionUse.promotion_id)
    ).all()
    return {row[0]: Figures(*(int(value) for value in row[1:])) for row in rows}


def promotion_list(show: str = ""):
    """Promotions for the staff list, newest first; `show` "active" or "inactive" filters
    (welcome codes are left out unless asked for with "welcome")."""
    stmt = select(Promotion).order_by(Promotion.created_at.desc(), Promotion.id.desc())
    if show == "welcome":
        return stmt.where(Promotion.welcome_key.is_not(None))
    stmt = stmt.where(Promotion.welcome_key.is_(None))
    if show == "active":
        stmt = stmt.where(Promotion.is_active.is_(True))
    elif show == "inactive":
        stmt = stmt.where(Promotion.is_active.is_(False))
    return stmt


USES_CSV_HEADER = [
    "code",
    "order",
    "placed_at",
    "status",
    "email",
    "discount_pence",
    "delivery_discount_pence",
    "order_total_pence",
]


def use_csv_rows(promotion_id: int):
    """The CSV of a promotion's uses, header first, one row per order, oldest first."""
    yield USES_CSV_HEADER
    rows = db.session.execute(
        select(PromotionUse, Order.number, Order.created_at, Order.total_pence, Promotion.code)
        .join(Order, Order.id == PromotionUse.order_id)
        .join(Promotion, Promotion.id == PromotionUse.promotion_id)
        .where(PromotionUse.promotion_id == promotion_id)
        .order_by(PromotionUse.id)
    )
    for use, number, placed_at, total, code in rows:
        yield [
            code,
            number,
            placed_at,
            use.status,
            use.email,
            use.discount_pence,
            use.shipping_discount_pence,
            total,
        ]
