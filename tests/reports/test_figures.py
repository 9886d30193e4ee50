"""Every figure of every report, from a known history across the clocks going forward,
on SQLite and PostgreSQL (tests/reports/history.py), and the CSV downloads to the penny."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from shop.extensions import db
from shop.reports import services
from shop.reports.funnel import count_products, count_view
from shop.reports.models import FunnelEvent
from shop.reports.periods import Grain, Period, period_for
from tests.reports.history import FIRST, TODAY, build_history

pytestmark = pytest.mark.xdist_group("reports-history")

PERIOD = Period(FIRST, date(2026, 3, 31), Grain.DAY)


@pytest.fixture
def history(app):
    with app.app_context():
        return build_history()


def figures(line):
    f = line.now
    return (
        f.orders,
        f.units,
        f.revenue_pence,
        f.net_revenue_pence,
        f.refunded_pence,
        f.delivery_pence,
        f.average_order_pence,
    )


def test_sales_per_london_day_across_the_clock_change(app, history):
    with app.app_context():
        report = services.sales_report(PERIOD)
    assert [line.bucket.first for line in report.lines] == [
        date(2026, 3, 28),
        date(2026, 3, 29),
        date(2026, 3, 30),
    ]
    # 29 March is 23 hours long: from 00:00 GMT to 23:00 UTC.
    assert report.lines[1].bucket.start.isoformat() == "2026-03-29T00:00:00+00:00"
    assert report.lines[1].bucket.stop.isoformat() == "2026-03-29T23:00:00+00:00"
    # orders, units, revenue, without VAT and delivery, refunds, delivery, average order
    assert figures(report.lines[0]) == (1, 2, 3995, 3000, 0, 395, 3995)
    assert figures(report.lines[1]) == (2, 3, 5000, 4167, 2500, 0, 2500)
    assert figures(report.lines[2]) == (1, 1, 2195, 1500, 0, 395, 2195)
    total = report.total
    assert (total.orders, total.units, total.revenue_pence, total.refunded_pence) == (
        4,
        6,
        11190,
        2500,
    )
    assert report.net_revenue_total() == 8667
    assert total.average_order_pence == 2798  # 11190 / 4 = 2797.5
    # The previous period: 25 to 27 March, Ada's first order.
    assert [line.previous.first for line in report.lines] == [
        date(2026, 3, 25),
        date(2026, 3, 26),
        date(2026, 3, 27),
    ]
    assert [line.before.revenue_pence for line in report.lines] == [2195, 0, 0]
    headline = {figure["name"]: figure for figure in report.headline()}
    assert headline["revenue_pence"]["change"] == 409.8  # 11190 against 2195
    assert headline["orders"]["change"] == 300.0
    assert headline["net_revenue_pence"]["before"] == 1500
    assert headline["refunded_pence"]["change"] is None  # nothing refunded before


def test_weeks_start_on_monday_and_months_on_the_first(app, history):
    with app.app_context():
        weeks = services.sales_report(Period(date(2026, 3, 25), date(2026, 4, 1), Grain.WEEK))
        months = services.sales_report(Period(date(2026, 3, 1), date(2026, 4, 30), Grain.MONTH))
    assert [(line.bucket.first, line.bucket.last) for line in weeks.lines] == [
        (date(2026, 3, 25), date(2026, 3, 29)),
        (date(2026, 3, 30), date(2026, 3, 31)),
    ]
    assert [line.now.revenue_pence for line in weeks.lines] == [2195 + 3995 + 5000, 2195 + 5795]
    assert [line.now.orders for line in months.lines] == [6, 0]
    assert months.lines[0].now.revenue_pence == 2195 + 11190 + 5795


def test_products_units_revenue_and_refunds_per_size(app, history):
    with app.app_context():
        lines = services.product_sales(PERIOD)
    rows = [
        (
            x.sku,
            x.product_name,
            x.size_label,
            x.orders,
            x.units,
            x.revenue_pence,
            x.refunded_units,
            x.refunded_pence,
            x.net_units,
            x.net_revenue_pence,
        )
        for x in lines
    ]
    assert rows == [
        ("SACHETS-30", "Gut Sachets", "30 sachets", 2, 3, 7500, 1, 2500, 2, 5000),
        ("CREAM-50", "Barrier Cream", "50 ml", 2, 3, 5400, 0, 0, 3, 5400),
    ]
    assert [line.sku for line in services.best_sellers(lines)] == ["CREAM-50", "SACHETS-30"]


def test_stock_cover_after_the_restock(app, history):
    with app.app_context():
        lines = services.stock_cover(TODAY, lead_days=21)
    rows = [(x.sku, x.available, x.sold_30_days, x.days_left, x.runs_out) for x in lines]
    assert rows == [
        ("MASK-75", 0, 0, 0.0, True),
        ("SACHETS-30", 2, 3, 20.0, True),
        ("CREAM-50", 30, 4, 225.0, False),  # 10 + 20 restocked, 4 sold in 30 days
        ("SERUM-30", 5, 0, None, False),
    ]
    with app.app_context():
        shorter = services.stock_cover(TODAY, lead_days=19)
    assert [x.sku for x in shorter if x.runs_out] == ["MASK-75"]


def test_customers_new_and_returning_and_the_newsletter(app, history):
    with app.app_context():
        buyers = services.buyers_over_time(PERIOD)
        totals = services.buyer_totals(PERIOD)
        subscribers = services.subscribers_over_time(PERIOD)
    assert [(x.buyers, x.new, x.returning) for x in buyers] == [(1, 0, 1), (2, 2, 0), (1, 0, 1)]
    assert (totals.buyers, totals.new, totals.returning, totals.repeat) == (3, 2, 1, 1)
    assert totals.repeat_rate == 33.3
    assert [(s.confirmed, s.unsubscribed, s.subscribed_at_end) for s in subscribers] == [
        (1, 0, 2),
        (0, 0, 2),
        (1, 1, 2),
    ]


def test_funnel_per_day_and_product(app, history):
    with app.app_context():
        for _ in range(3):
            count_view("barrier-cream", day=date(2026, 3, 28))
        count_view("gut-sachets", day=date(2026, 3, 29))
        count_view("no-such-product", day=date(2026, 3, 29))  # never counted
        count_view("barrier-cream", day=date(2026, 3, 31))  # after the range
        count_products(
            FunnelEvent.ADD, [history.cream_product, history.sachets_product], day=date(2026, 3, 29)
        )
        count_products(FunnelEvent.CHECKOUT, [history.cream_product], day=date(2026, 3, 29))
        count_products(FunnelEvent.PAID, [history.cream_product], day=date(2026, 3, 30))
        report = services.funnel_report(PERIOD)
    assert [(day, line.counts) for day, line in report.days] == [
        (date(2026, 3, 28), {"view": 3, "add": 0, "checkout": 0, "paid": 0}),
        (date(2026, 3, 29), {"view": 1, "add": 2, "checkout": 1, "paid": 0}),
        (date(2026, 3, 30), {"view": 0, "add": 0, "checkout": 0, "paid": 1}),
    ]
    assert [(p.name, p.line.counts) for p in report.products] == [
        ("Barrier Cream", {"view": 3, "add": 1, "checkout": 1, "paid": 1}),
        ("Gut Sachets", {"view": 1, "add": 1, "checkout": 0, "paid": 0}),
    ]
    assert report.total.conversion == 25.0
    assert report.products[0].line.conversion == 33.33


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


RANGE = "range=custom&date_from=2026-03-28&date_to=2026-03-30&grain=day"


def test_the_sales_csv_to_the_penny(app, client, login, history):
    login("analyst")
    rows = csv_rows(client.get(f"/admin/reports/sales.csv?{RANGE}"))
    assert rows[0][:9] == [
        "from",
        "to",
        "orders",
        "units",
        "revenue",
        "revenue_without_vat_and_delivery",
        "refunds",
        "delivery",
        "average_order_value",
    ]
    assert rows[1:] == [
        [
            "2026-03-28",
            "2026-03-28",
            "1",
            "2",
            "39.95",
            "30.00",
            "0.00",
            "3.95",
            "39.95",
            "2026-03-25",
            "2026-03-25",
            "1",
            "1",
            "21.95",
            "15.00",
            "0.00",
            "3.95",
            "21.95",
        ],
        [
            "2026-03-29",
            "2026-03-29",
            "2",
            "3",
            "50.00",
            "41.67",
            "25.00",
            "0.00",
            "25.00",
            "2026-03-26",
            "2026-03-26",
            "0",
            "0",
            "0.00",
            "0.00",
            "0.00",
            "0.00",
            "0.00",
        ],
        [
            "2026-03-30",
            "2026-03-30",
            "1",
            "1",
            "21.95",
            "15.00",
            "0.00",
            "3.95",
            "21.95",
            "2026-03-27",
            "2026-03-27",
            "0",
            "0",
            "0.00",
            "0.00",
            "0.00",
            "0.00",
            "0.00",
        ],
        [
            "total",
            "",
            "4",
            "6",
            "111.90",
            "86.67",
            "25.00",
            "7.90",
            "27.98",
            "2026-03-25",
            "2026-03-27",
            "1",
            "1",
            "21.95",
            "15.00",
            "0.00",
            "3.95",
            "21.95",
        ],
    ]


def test_the_other_csvs_to_the_penny(app, client, login, history):
    login("analyst")
    products = csv_rows(client.get(f"/admin/reports/products.csv?{RANGE}"))
    assert products[1:] == [
        ["SACHETS-30", "Gut Sachets", "30 sachets", "2", "3", "75.00", "1", "25.00", "2", "50.00"],
        ["CREAM-50", "Barrier Cream", "50 ml", "2", "3", "54.00", "0", "0.00", "3", "54.00"],
    ]
    customers = csv_rows(client.get(f"/admin/reports/customers.csv?{RANGE}"))
    assert customers[1:] == [
        ["2026-03-28", "2026-03-28", "1", "0", "1", "1", "0", "2"],
        ["2026-03-29", "2026-03-29", "2", "2", "0", "0", "0", "2"],
        ["2026-03-30", "2026-03-30", "1", "0", "1", "1", "1", "2"],
        ["total", "", "3", "2", "1", "2", "1", "2"],
        ["repeat_buyers", "", "1", "repeat_purchase_rate_percent", "33.3", "", "", ""],
    ]


def test_the_sales_page_shows_the_same_figures(app, client, login, history):
    from tests.helpers import page

    login("analyst")
    html = page(client.get(f"/admin/reports/sales?{RANGE}"))
    revenue = html.select_one('[data-total="revenue_pence"]').get_text(" ", strip=True)
    assert "£111.90" in revenue and "+409.8%" in revenue and "£21.95" in revenue
    rows = html.select("details table tbody tr")
    assert [row["data-bucket"] for row in rows] == ["2026-03-28", "2026-03-29", "2026-03-30"]
    assert "£41.67" in rows[1].get_text()


def test_period_presets(app):
    today = date(2026, 3, 30)
    assert (period_for("7", today).first, period_for("7", today).last) == (date(2026, 3, 24), today)
    assert period_for("year", today).first == date(2026, 1, 1)
    assert period_for("year", today).grain == Grain.WEEK
    assert period_for("90", today).previous().last == date(2025, 12, 30)
    with app.app_context():
        assert db.session is not None
