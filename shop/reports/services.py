"""The reports' figures, each chart's from one SQL query whose count does not depend on
the number of orders, in Europe/London days (shop.reports.periods).

Where the figures come from:
- an order counts from the moment it was paid (`paid_at`), in the London day, week or
  month that holds that moment, while it is paid or refunded; expired, cancelled and
  failed checkouts never count;
- refunds are taken from the order they refund (`refunded_pence`, whoever made them:
  the back office or Stripe), so a period's revenue goes down when one of its orders
  is refunded later;
- stock is what the sizes hold now (`on_hand - reserved`, after every sale, refund and
  restock), and the rate it sells at comes from the last 30 days' paid orders.
Plain functions of dates and settings: no request, no signed-in user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, distinct, func, or_, select

from shop.catalogue.models import Product, Variant
from shop.extensions import db
from shop.money import Money
from shop.newsletter.models import Subscriber
from shop.orders.models import Order, OrderLine, OrderStatus, Refund, RefundLine, RefundStatus
from shop.reports.models import FunnelCount, FunnelEvent
from shop.reports.periods import Bucket, Grain, Period, london_midnight, period_buckets

COUNTED = (OrderStatus.PAID, OrderStatus.REFUNDED)
STOCK_WINDOW_DAYS = 30


def change_percent(now: int | float, before: int | float) -> float | None:
    """The change from `before` to `now` in per cent, to one decimal; None when there
    was nothing before to compare with."""
    if not before:
        return None
    return round((now - before) * 100 / before, 1)


def rounded_div(numerator: int, denominator: int) -> int:
    """numerator / denominator to the nearest whole number (halves away from zero)."""
    if not denominator:
        return 0
    quotient, remainder = divmod(numerator, denominator)
    return quotient + (1 if remainder * 2 >= denominator else 0)


def _counted():
    return Order.status.in_([str(status) for status in COUNTED])


# Sales over time ------------------------------------------------------------------------


@dataclass(frozen=True)
class SalesFigures:
    """A bucket's (or a period's) sales. Money in pence."""

    orders: int = 0
    units: int = 0
    gross_pence: int = 0  # what was paid: goods and delivery, VAT included
    refunded_pence: int = 0
    delivery_pence: int = 0
    goods_less_refunds_pence: int = 0  # goods (VAT included) less refunds, taken from goods

    @property
    def revenue_pence(self) -> int:
        """Revenue with VAT and delivery, less refunds."""
        return self.gross_pence - self.refunded_pence

    @property
    def net_revenue_pence(self) -> int:
        """Revenue without VAT and delivery, less refunds."""
        goods = self.goods_less_refunds_pence
        return goods - Money(goods).vat_included.pence

    @property
    def average_order_pence(self) -> int:
        """Revenue (with VAT and delivery, less refunds) per order."""
        return rounded_div(self.revenue_pence, self.orders)

    def __add__(self, other: SalesFigures) -> SalesFigures:
        return SalesFigures(
            self.orders + other.orders,
            self.units + other.units,
            self.gross_pence + other.gross_pence,
            self.refunded_pence + other.refunded_pence,
            self.delivery_pence + other.delivery_pence,
            self.goods_less_refunds_pence + other.goods_less_refunds_pence,
        )


@dataclass(frozen=True)
class SalesLine:
    bucket: Bucket
    previous: Bucket
    now: SalesFigures
    before: SalesFigures


# The figures the sales report shows for each bucket and in total, in order:
# (attribute, label, money?)
SALES_MEASURES = (
    ("revenue_pence", "Revenue (VAT and delivery included, less refunds)", True),
    ("net_revenue_pence", "Revenue without VAT and delivery, less refunds", True),
    ("orders", "Orders", False),
    ("units", "Units", False),
    ("average_order_pence", "Average order value", True),
    ("refunded_pence", "Refunds", True),
)


@dataclass(frozen=True)
class SalesReport:
    period: Period
    lines: list[SalesLine]

    @property
    def total(self) -> SalesFigures:
        return sum((line.now for line in self.lines), SalesFigures())

    @property
    def previous_total(self) -> SalesFigures:
        return sum((line.before for line in self.lines), SalesFigures())

    def net_revenue_total(self, previous: bool = False) -> int:
        """Without VAT and delivery: the buckets' own figures added up (VAT is worked out
        on each bucket's sales), so the table adds up."""
        return sum((line.before if previous else line.now).net_revenue_pence for line in self.lines)

    def headline(self) -> list[dict]:
        """Each measure for the period, the previous period and the change in %."""
        now, before = self.total, self.previous_total
        figures = []
        for name, label, money in SALES_MEASURES:
            if name == "net_revenue_pence":
                a, b = self.net_revenue_total(), self.net_revenue_total(previous=True)
            else:
                a, b = getattr(now, name), getattr(before, name)
            figures.append(
                {
                    "name": name,
                    "label": label,
                    "money": money,
                    "now": a,
                    "before": b,
                    "change": change_percent(a, b),
                }
            )
        return figures


def sales_report(period: Period) -> SalesReport:
    """Orders, units and money per bucket of `period` and of the period before (one query)."""
    buckets = period_buckets(period)
    units = (
        select(OrderLine.order_id, func.sum(OrderLine.quantity).label("units"))
        .group_by(OrderLine.order_id)
        .subquery()
    )
    goods_less_refunds = case(
        (Order.subtotal_pence > Order.refunded_pence, Order.subtotal_pence - Order.refunded_pence),
        else_=0,
    )
    rows = db.session.execute(
        select(
            buckets.c.column1,
            buckets.c.column2,
            func.count(Order.id),
            func.coalesce(func.sum(units.c.units), 0),
            func.coalesce(func.sum(Order.total_pence), 0),
            func.coalesce(func.sum(Order.refunded_pence), 0),
            func.coalesce(func.sum(Order.shipping_pence), 0),
            func.coalesce(func.sum(goods_less_refunds), 0),
        )
        .select_from(buckets)
        .outerjoin(
            Order,
            and_(
                Order.paid_at >= buckets.c.column3,
                Order.paid_at < buckets.c.column4,
                _counted(),
            ),
        )
        .outerjoin(units, units.c.order_id == Order.id)
        .group_by(buckets.c.column1, buckets.c.column2)
    ).all()
    found = {(int(r[0]), int(r[1])): SalesFigures(*(int(v) for v in r[2:])) for r in rows}
    now, before = period.buckets(), period.previous_buckets()
    lines = [
        SalesLine(
            bucket, before[k], found.get((0, k), SalesFigures()), found.get((1, k), SalesFigures())
        )
        for k, bucket in enumerate(now)
    ]
    return SalesReport(period, lines)


# Products ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductLine:
    sku: str
    product_name: str
    size_label: str
    orders: int
    units: int
    revenue_pence: int  # at the prices paid, VAT included, before refunds
    refunded_units: int  # units refunded and put back into stock
    refunded_pence: int  # those units at the price paid

    @property
    def net_units(self) -> int:
        return self.units - self.refunded_units

    @property
    def net_revenue_pence(self) -> int:
        return self.revenue_pence - self.refunded_pence


def product_sales(period: Period) -> list[ProductLine]:
    """Units, revenue and refunds per size sold in `period`, by revenue (one query)."""
    refunded = (
        select(RefundLine.order_line_id, func.sum(RefundLine.quantity).label("units"))
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(Refund.status == RefundStatus.SUCCEEDED)
        .group_by(RefundLine.order_line_id)
        .subquery()
    )
    refunded_units = func.coalesce(refunded.c.units, 0)
    revenue = func.sum(OrderLine.unit_price_pence * OrderLine.quantity)
    rows = db.session.execute(
        select(
            OrderLine.sku,
            func.max(OrderLine.product_name),
            func.max(OrderLine.size_label),
            func.count(distinct(OrderLine.order_id)),
            func.sum(OrderLine.quantity),
            revenue,
            func.sum(refunded_units),
            func.sum(refunded_units * OrderLine.unit_price_pence),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(refunded, refunded.c.order_line_id == OrderLine.id)
        .where(_counted(), Order.paid_at >= period.start, Order.paid_at < period.stop)
        .group_by(OrderLine.sku)
        .order_by(revenue.desc(), OrderLine.sku)
    ).all()
    return [
        ProductLine(sku, name, size, *(int(v or 0) for v in numbers))
        for sku, name, size, *numbers in rows
    ]


def best_sellers(lines: list[ProductLine], limit: int = 10) -> list[ProductLine]:
    """The sizes that sold most units (refunds taken off), most first."""
    return sorted(lines, key=lambda line: (-line.net_units, -line.net_revenue_pence, line.sku))[
        :limit
    ]


# Stock cover --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverLine:
    variant_id: int
    product_name: str
    size_label: str
    sku: str
    available: int
    sold_30_days: int
    lead_days: int

    @property
    def daily_rate(self) -> float:
        return self.sold_30_days / STOCK_WINDOW_DAYS

    @property
    def days_left(self) -> float | None:
        """Days of stock left at the last 30 days' rate; None when none sold."""
        if self.available <= 0:
            return 0.0
        if not self.sold_30_days:
            return None
        return round(self.available * STOCK_WINDOW_DAYS / self.sold_30_days, 1)

    @property
    def runs_out(self) -> bool:
        """Sold out, or will be within the lead time at this rate."""
        left = self.days_left
        return left is not None and left <= self.lead_days


def stock_cover(today: date, lead_days: int) -> list[CoverLine]:
    """Every size on sale with what is left, the last 30 days' sales (to the end of
    `today`), and days left, fewest first (one query)."""
    first = today - timedelta(days=STOCK_WINDOW_DAYS - 1)
    sold = (
        select(OrderLine.variant_id, func.sum(OrderLine.quantity).label("units"))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            _counted(),
            Order.paid_at >= london_midnight(first),
            Order.paid_at < london_midnight(today + timedelta(days=1)),
        )
        .group_by(OrderLine.variant_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Variant.id,
            Product.name,
            Variant.size_label,
            Variant.sku,
            Variant.on_hand - Variant.reserved,
            func.coalesce(sold.c.units, 0),
        )
        .join(Product, Product.id == Variant.product_id)
        .outerjoin(sold, sold.c.variant_id == Variant.id)
        .where(Variant.is_active, Product.is_active)
    ).all()
    lines = [
        CoverLine(vid, name, size, sku, max(int(left), 0), int(units), lead_days)
        for vid, name, size, sku, left, units in rows
    ]
    return sorted(
        lines,
        key=lambda line: (
            line.days_left is None,
            line.days_left if line.days_left is not None else 0,
            line.available,
            line.product_name,
            line.sku,
        ),
    )


# Customers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuyerLine:
    bucket: Bucket
    buyers: int
    new: int

    @property
    def returning(self) -> int:
        return self.buyers - self.new


@dataclass(frozen=True)
class BuyerTotals:
    buyers: int = 0
    new: int = 0
    repeat: int = 0  # buyers of the period with two or more paid orders by its end

    @property
    def returning(self) -> int:
        return self.buyers - self.new

    @property
    def repeat_rate(self) -> float | None:
        """Repeat buyers as a share of the period's buyers, in per cent to one decimal."""
        return round(self.repeat * 100 / self.buyers, 1) if self.buyers else None


def _buyer():
    return func.lower(Order.email)


def _first_orders():
    """Each buyer's (by email) first paid order."""
    return (
        select(_buyer().label("email"), func.min(Order.paid_at).label("first_at"))
        .where(_counted(), Order.email != "")
        .group_by(_buyer())
        .subquery()
    )


def buyers_over_time(period: Period) -> list[BuyerLine]:
    """Buyers per bucket, and how many of them bought for the first time (one query).
    A buyer is an email address; orders of erased accounts (no address) are left out."""
    buckets = period_buckets(period, with_previous=False)
    firsts = _first_orders()
    is_new = case((firsts.c.first_at >= buckets.c.column3, _buyer()))
    rows = db.session.execute(
        select(
            buckets.c.column2,
            func.count(distinct(_buyer())),
            func.count(distinct(is_new)),
        )
        .select_from(buckets)
        .outerjoin(
            Order,
            and_(
                Order.paid_at >= buckets.c.column3,
                Order.paid_at < buckets.c.column4,
                _counted(),
                Order.email != "",
            ),
        )
        .outerjoin(firsts, firsts.c.email == _buyer())
        .group_by(buckets.c.column2)
    ).all()
    found = {int(k): (int(buyers), int(new)) for k, buyers, new in rows}
    return [BuyerLine(bucket, *found.get(k, (0, 0))) for k, bucket in enumerate(period.buckets())]


def buyer_totals(period: Period) -> BuyerTotals:
    """The period's buyers, new ones, and those with two or more paid orders by its end
    (one query)."""
    per_buyer = (
        select(
            func.min(Order.paid_at).label("first_at"),
            func.count(Order.id).label("orders"),
        )
        .where(_counted(), Order.email != "", Order.paid_at < period.stop)
        .group_by(_buyer())
        .having(func.max(Order.paid_at) >= period.start)
        .subquery()
    )
    row = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((per_buyer.c.first_at >= period.start, 1), else_=0)), 0),
            func.coalesce(func.sum(case((per_buyer.c.orders >= 2, 1), else_=0)), 0),
        ).select_from(per_buyer)
    ).one()
    return BuyerTotals(int(row[0]), int(row[1]), int(row[2]))


@dataclass(frozen=True)
class SubscriberLine:
    bucket: Bucket
    confirmed: int
    unsubscribed: int
    subscribed_at_end: int


def subscribers_over_time(period: Period) -> list[SubscriberLine]:
    """Newsletter sign-ups confirmed and unsubscribes per bucket, and the subscribers on
    the list at each bucket's end (one query)."""
    buckets = period_buckets(period, with_previous=False)
    start, stop = buckets.c.column3, buckets.c.column4

    def count_where(*conditions):
        return (
            select(func.count(Subscriber.id))
            .where(*conditions)
            .correlate(buckets)
            .scalar_subquery()
        )

    rows = db.session.execute(
        select(
            buckets.c.column2,
            count_where(Subscriber.confirmed_at >= start, Subscriber.confirmed_at < stop),
            count_where(Subscriber.unsubscribed_at >= start, Subscriber.unsubscribed_at < stop),
            count_where(
                Subscriber.confirmed_at < stop,
                or_(Subscriber.unsubscribed_at.is_(None), Subscriber.unsubscribed_at >= stop),
            ),
        ).select_from(buckets)
    ).all()
    found = {int(k): (int(a), int(b), int(c)) for k, a, b, c in rows}
    return [
        SubscriberLine(bucket, *found.get(k, (0, 0, 0)))
        for k, bucket in enumerate(period.buckets())
    ]


# Funnel --------------------------------------------------------------------------------------

STEPS = (FunnelEvent.VIEW, FunnelEvent.ADD, FunnelEvent.CHECKOUT, FunnelEvent.PAID)


@dataclass
class FunnelLine:
    """Counts of each step for a day or a product."""

    counts: dict[str, int] = field(default_factory=lambda: {str(step): 0 for step in STEPS})

    def __getitem__(self, event: str) -> int:
        return self.counts[str(event)]

    @property
    def conversion(self) -> float | None:
        """Paid per product page view, in per cent to two decimals."""
        views = self.counts["view"]
        return round(self.counts["paid"] * 100 / views, 2) if views else None


@dataclass(frozen=True)
class ProductFunnel:
    product_id: int
    name: str
    slug: str
    line: FunnelLine


@dataclass(frozen=True)
class FunnelReport:
    period: Period
    days: list[tuple[date, FunnelLine]]
    products: list[ProductFunnel]

    @property
    def total(self) -> FunnelLine:
        total = FunnelLine()
        for _day, line in self.days:
            for step in STEPS:
                total.counts[str(step)] += line[step]
        return total

    def viewed_not_bought(self, least_views: int = 20, limit: int = 10) -> list[ProductFunnel]:
        """Products looked at often (at least `least_views` times) that sell at under half
        the shop's rate of paid orders per view: the lowest rate first."""
        overall = self.total.conversion or 0.0
        often = [
            item
            for item in self.products
            if item.line["view"] >= least_views and (item.line.conversion or 0.0) < overall / 2
        ]
        return sorted(often, key=lambda item: (item.line.conversion or 0.0, -item.line["view"]))[
            :limit
        ]


def funnel_by_day(period: Period) -> list[tuple[date, FunnelLine]]:
    """Each step's count per London day of `period` (one query)."""
    rows = db.session.execute(
        select(FunnelCount.day, FunnelCount.event, func.sum(FunnelCount.n))
        .where(FunnelCount.day >= period.first, FunnelCount.day < period.end)
        .group_by(FunnelCount.day, FunnelCount.event)
    ).all()
    days = {period.first + timedelta(days=k): FunnelLine() for k in range(period.days)}
    for day, event, n in rows:
        if day in days and event in days[day].counts:
            days[day].counts[event] += int(n)
    return sorted(days.items())


def funnel_by_product(period: Period) -> list[ProductFunnel]:
    """Each step's count per product over `period`, most viewed first (one query)."""
    rows = db.session.execute(
        select(Product.id, Product.name, Product.slug, FunnelCount.event, func.sum(FunnelCount.n))
        .join(Product, Product.id == FunnelCount.product_id)
        .where(FunnelCount.day >= period.first, FunnelCount.day < period.end)
        .group_by(Product.id, Product.name, Product.slug, FunnelCount.event)
    ).all()
    products: dict[int, ProductFunnel] = {}
    for pid, name, slug, event, n in rows:
        item = products.setdefault(pid, ProductFunnel(pid, name, slug, FunnelLine()))
        if event in item.line.counts:
            item.line.counts[event] += int(n)
    return sorted(
        products.values(), key=lambda item: (-item.line["view"], item.name, item.product_id)
    )


def funnel_report(period: Period) -> FunnelReport:
    return FunnelReport(period, funnel_by_day(period), funnel_by_product(period))


__all__ = [
    "Grain",
    "best_sellers",
    "buyer_totals",
    "buyers_over_time",
    "funnel_report",
    "product_sales",
    "sales_report",
    "stock_cover",
    "subscribers_over_time",
]


# The dashboard's headlines ---------------------------------------------------------------


@dataclass(frozen=True)
class Headlines:
    period: Period
    sales: list[dict]
    best_seller: ProductLine | None
    running_out: list[CoverLine]
    buyers: BuyerTotals
    funnel: FunnelLine


def headlines(period: Period, today: date, lead_days: int) -> Headlines:
    """The headline of each report over `period` (a query each)."""
    sales = sales_report(period).headline()
    best = best_sellers(product_sales(period), limit=1)
    cover = [line for line in stock_cover(today, lead_days) if line.runs_out]
    funnel = FunnelLine()
    for _day, line in funnel_by_day(period):
        for step in STEPS:
            funnel.counts[str(step)] += line[step]
    return Headlines(period, sales, best[0] if best else None, cover, buyer_totals(period), funnel)
