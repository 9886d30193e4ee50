"""Subscribe & save prices: which sizes may be subscribed to, how often, and at what
price. Plain functions of the catalogue's rows and the shop's settings."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from shop.catalogue.models import Product, Variant

DEFAULT_INTERVALS = (1, 2, 3)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (the month's last day when it is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def intervals_offered(product: Product) -> tuple[int, ...]:
    """The intervals in months a subscribable product is offered at ("1,2,3")."""
    months = []
    for part in (product.subscribe_intervals or "").split(","):
        part = part.strip()
        if part.isdigit() and 1 <= int(part) <= 12 and int(part) not in months:
            months.append(int(part))
    return tuple(sorted(months)) or DEFAULT_INTERVALS


def discount_percent(product: Product) -> int:
    """The product's subscribe & save discount, or the shop's."""
    if product.subscribe_discount_percent is not None:
        return product.subscribe_discount_percent
    return int(current_app.config.get("SUBSCRIBE_DISCOUNT_PERCENT", 15))


def can_subscribe(variant: Variant) -> bool:
    return bool(variant.product.subscribable and variant.subscribable)


def subscription_price(variant: Variant) -> int:
    """One unit's price per delivery on a subscription: the size's price less the
    discount, rounded to the nearest penny (half up), in whole pence."""
    percent = discount_percent(variant.product)
    return (variant.price_pence * (100 - percent) + 50) // 100


def unit_price(variant: Variant, subscribe_every: int) -> int:
    """What one unit of a basket line costs: the subscription price for a subscription
    line, else the size's price."""
    return subscription_price(variant) if subscribe_every else variant.price_pence


@dataclass(frozen=True)
class SubscribeOffer:
    """What a product page offers: the discount, the intervals and each subscribable
    size's price per delivery (variant id -> pence)."""

    percent: int
    intervals: tuple[int, ...]
    prices: dict[int, int]


def offer_for(product: Product) -> SubscribeOffer | None:
    """The product's subscribe & save offer, or None when it has none (no query: the
    product's sizes are loaded with it)."""
    if not product.subscribable:
        return None
    prices = {
        v.id: subscription_price(v) for v in product.variants if v.is_active and v.subscribable
    }
    if not prices:
        return None
    return SubscribeOffer(discount_percent(product), intervals_offered(product), prices)
