"""What the report pages and downloads show: each chart drawn from a report's figures,
and the same figures as CSV rows (money as pounds with two decimals, like 12.34)."""

from __future__ import annotations

from collections.abc import Iterator

from shop.money import Money, format_money
from shop.reports.charts import bar_chart, line_chart
from shop.reports.periods import Period
from shop.reports.services import (
    SALES_MEASURES,
    STEPS,
    BuyerLine,
    BuyerTotals,
    CoverLine,
    FunnelReport,
    ProductLine,
    SalesReport,
    SubscriberLine,
)

MEASURES = {name: (label, money) for name, label, money in SALES_MEASURES}
CHART_PRODUCTS = 10
CHART_SIZES = 15


def pounds(pence: int) -> str:
    return Money(pence).decimal_string()


def sales_measure(name: str | None) -> str:
    return name if name in MEASURES else "revenue_pence"


def _value(figures, name: str, money: bool) -> float:
    value = getattr(figures, name)
    return value / 100 if money else value


def sales_chart(report: SalesReport, measure: str):
    label, money = MEASURES[measure]
    grain = report.period.grain
    labels = [line.bucket.label(grain) for line in report.lines]
    previous = report.period.previous()
    return line_chart(
        "sales-chart",
        f"{label} per {grain}",
        f"{label} per {grain} from {report.period.describe()} (solid line), and over the "
        f"previous period, {previous.describe()} (dashed line).",
        labels,
        [
            ("This period", [_value(line.now, measure, money) for line in report.lines]),
            ("Previous period", [_value(line.before, measure, money) for line in report.lines]),
        ],
        money=money,
    )


SALES_HEADER = [
    "from",
    "to",
    "orders",
    "units",
    "revenue",
    "revenue_without_vat_and_delivery",
    "refunds",
    "delivery",
    "average_order_value",
    "previous_from",
    "previous_to",
    "previous_orders",
    "previous_units",
    "previous_revenue",
    "previous_revenue_without_vat_and_delivery",
    "previous_refunds",
    "previous_delivery",
    "previous_average_order_value",
]


def _sales_cells(figures, net: int) -> list:
    return [
        figures.orders,
        figures.units,
        pounds(figures.revenue_pence),
        pounds(net),
        pounds(figures.refunded_pence),
        pounds(figures.delivery_pence),
        pounds(figures.average_order_pence),
    ]


def sales_rows(report: SalesReport) -> Iterator[list]:
    yield SALES_HEADER
    for line in report.lines:
        yield [
            line.bucket.first,
            line.bucket.last,
            *_sales_cells(line.now, line.now.net_revenue_pence),
            line.previous.first,
            line.previous.last,
            *_sales_cells(line.before, line.before.net_revenue_pence),
        ]
    previous = report.period.previous()
    yield [
        "total",
        "",
        *_sales_cells(report.total, report.net_revenue_total()),
        previous.first,
        previous.last,
        *_sales_cells(report.previous_total, report.net_revenue_total(previous=True)),
    ]


def products_chart(lines: list[ProductLine]):
    top = lines[:CHART_PRODUCTS]
    labels = [f"{line.product_name} ({line.size_label})" for line in top]
    return bar_chart(
        "products-chart",
        "Revenue by product and size",
        f"Revenue (VAT included, less refunded units) of the {len(top)} sizes that took "
        "most, most first.",
        labels,
        [("Revenue less refunds", [line.net_revenue_pence / 100 for line in top])],
        horizontal=True,
        money=True,
    )


PRODUCT_HEADER = [
    "sku",
    "product",
    "size",
    "orders",
    "units",
    "revenue",
    "refunded_units",
    "refunded",
    "units_less_refunds",
    "revenue_less_refunds",
]


def product_rows(lines: list[ProductLine]) -> Iterator[list]:
    yield PRODUCT_HEADER
    for line in lines:
        yield [
            line.sku,
            line.product_name,
            line.size_label,
            line.orders,
            line.units,
            pounds(line.revenue_pence),
            line.refunded_units,
            pounds(line.refunded_pence),
            line.net_units,
            pounds(line.net_revenue_pence),
        ]


def stock_chart(lines: list[CoverLine], lead_days: int):
    shown = [line for line in lines if line.days_left is not None][:CHART_SIZES]
    labels = [f"{line.product_name} ({line.size_label})" for line in shown]
    return bar_chart(
        "stock-chart",
        "Days of stock left",
        f"Days of stock left at the last 30 days' rate for the {len(shown)} sizes that "
        f"will run out first; sizes that run out within {lead_days} days are in the first "
        "series.",
        labels,
        [
            (
                f"Runs out within {lead_days} days",
                [line.days_left if line.runs_out else None for line in shown],
            ),
            ("Enough stock", [None if line.runs_out else line.days_left for line in shown]),
        ],
        horizontal=True,
        stacked=True,
        alert=True,
    )


STOCK_HEADER = [
    "sku",
    "product",
    "size",
    "available",
    "sold_last_30_days",
    "average_daily_sales",
    "days_left",
    "runs_out_within_lead_time",
]


def stock_rows(lines: list[CoverLine]) -> Iterator[list]:
    yield STOCK_HEADER
    for line in lines:
        yield [
            line.sku,
            line.product_name,
            line.size_label,
            line.available,
            line.sold_30_days,
            f"{line.daily_rate:.2f}",
            "" if line.days_left is None else f"{line.days_left:.1f}",
            "yes" if line.runs_out else "no",
        ]


def buyers_chart(period: Period, lines: list[BuyerLine]):
    return bar_chart(
        "buyers-chart",
        f"New and returning buyers per {period.grain}",
        f"Buyers per {period.grain} from {period.describe()}: those buying for the first "
        "time, and those who had bought before.",
        [line.bucket.label(period.grain) for line in lines],
        [
            ("New buyers", [line.new for line in lines]),
            ("Returning buyers", [line.returning for line in lines]),
        ],
        stacked=True,
    )


def subscribers_chart(period: Period, lines: list[SubscriberLine]):
    return line_chart(
        "subscribers-chart",
        f"Newsletter subscribers per {period.grain}",
        f"Newsletter sign-ups confirmed and unsubscribes per {period.grain} from "
        f"{period.describe()}.",
        [line.bucket.label(period.grain) for line in lines],
        [
            ("Confirmed", [line.confirmed for line in lines]),
            ("Unsubscribed", [line.unsubscribed for line in lines]),
        ],
    )


CUSTOMER_HEADER = [
    "from",
    "to",
    "buyers",
    "new_buyers",
    "returning_buyers",
    "newsletter_confirmed",
    "newsletter_unsubscribed",
    "newsletter_subscribers_at_end",
]


def customer_rows(
    period: Period,
    buyers: list[BuyerLine],
    subscribers: list[SubscriberLine],
    totals: BuyerTotals,
) -> Iterator[list]:
    yield CUSTOMER_HEADER
    for line, sub in zip(buyers, subscribers, strict=True):
        yield [
            line.bucket.first,
            line.bucket.last,
            line.buyers,
            line.new,
            line.returning,
            sub.confirmed,
            sub.unsubscribed,
            sub.subscribed_at_end,
        ]
    yield [
        "total",
        "",
        totals.buyers,
        totals.new,
        totals.returning,
        sum(sub.confirmed for sub in subscribers),
        sum(sub.unsubscribed for sub in subscribers),
        subscribers[-1].subscribed_at_end if subscribers else 0,
    ]
    rate = "" if totals.repeat_rate is None else f"{totals.repeat_rate:.1f}"
    yield ["repeat_buyers", "", totals.repeat, "repeat_purchase_rate_percent", rate, "", "", ""]


def funnel_chart(report: FunnelReport):
    total = report.total
    return bar_chart(
        "funnel-chart",
        "The funnel",
        f"From {report.period.describe()}: product page views, products added to a "
        "basket, in checkouts started and in paid orders, each with its count.",
        [step.label for step in STEPS],
        [("Count", [total[step] for step in STEPS])],
        print_values=True,
    )


def funnel_days_chart(report: FunnelReport):
    return line_chart(
        "funnel-days-chart",
        "The funnel per day",
        f"Each step of the funnel per day from {report.period.describe()}, on a logarithmic scale.",
        [f"{day.day} {day:%b}" for day, _line in report.days],
        [(step.label, [line[step] for _day, line in report.days]) for step in STEPS],
        logarithmic=True,
    )


FUNNEL_HEADER = [
    "day",
    "product_id",
    "product",
    *[str(step) for step in STEPS],
    "paid_per_view_percent",
]


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def funnel_rows(report: FunnelReport) -> Iterator[list]:
    yield FUNNEL_HEADER
    for day, line in report.days:
        yield [day, "", "all", *[line[step] for step in STEPS], _rate(line.conversion)]
    for item in report.products:
        yield [
            "total",
            item.product_id,
            item.name,
            *[item.line[step] for step in STEPS],
            _rate(item.line.conversion),
        ]
    total = report.total
    yield ["total", "", "all", *[total[step] for step in STEPS], _rate(total.conversion)]


__all__ = ["format_money", "pounds"]
