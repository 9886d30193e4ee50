"""The dashboard: sales today and this week, and sizes running low."""

from datetime import UTC, datetime, timedelta

import pytest

from shop.admin.services import period_starts, sales_figures
from shop.extensions import db
from shop.models import utcnow
from shop.orders.models import Order
from tests.factories import ProductFactory, VariantFactory
from tests.helpers import page

# A Wednesday: the week began on Monday 12 May.
NOW = datetime(2025, 5, 14, 15, 30, tzinfo=UTC)
_orders = iter(range(1, 10_000))


def add_order(status: str, paid_at: datetime | None, total: int, refunded: int = 0) -> None:
    n = next(_orders)
    db.session.add(
        Order(
            access_token=f"token-{n:040d}",
            checkout_key=f"key-{n}",
            status=status,
            subtotal_pence=total,
            shipping_pence=0,
            total_pence=total,
            refunded_pence=refunded,
            shipping_code="standard",
            shipping_name="Standard UK delivery",
            payment_provider="demo",
            payment_expires_at=NOW,
            paid_at=paid_at,
        )
    )


def test_period_starts_are_midnight_today_and_monday_in_london():
    # May is British Summer Time: London's midnight is 23:00 UTC the evening before.
    assert period_starts(NOW) == (
        datetime(2025, 5, 13, 23, tzinfo=UTC),
        datetime(2025, 5, 11, 23, tzinfo=UTC),
    )
    monday = datetime(2025, 5, 11, 23, 5, tzinfo=UTC)  # 00:05 on Monday in London
    assert period_starts(monday) == (datetime(2025, 5, 11, 23, tzinfo=UTC),) * 2
    # In winter (GMT) London's midnight is midnight UTC.
    winter = datetime(2025, 1, 15, 10, tzinfo=UTC)
    assert period_starts(winter) == (
        datetime(2025, 1, 15, tzinfo=UTC),
        datetime(2025, 1, 13, tzinfo=UTC),
    )


def test_sales_count_paid_and_refunded_orders_less_refunds(app):
    with app.app_context():
        add_order("paid", NOW - timedelta(hours=1), 2000)
        add_order("paid", NOW - timedelta(hours=2), 3000, refunded=500)  # partly refunded
        add_order("refunded", NOW - timedelta(hours=3), 1000, refunded=1000)
        add_order("paid", datetime(2025, 5, 12, 9, tzinfo=UTC), 4000)  # Monday
        add_order("paid", datetime(2025, 5, 11, 23, 30, tzinfo=UTC), 300)  # 00:30 Monday, BST
        add_order("paid", datetime(2025, 5, 11, 22, 59, tzinfo=UTC), 9999)  # Sunday, BST
        add_order("paid", datetime(2025, 5, 13, 23, 10, tzinfo=UTC), 50)  # 00:10 today, BST
        add_order("pending", None, 7777)
        add_order("expired", None, 8888)
        db.session.commit()
        figures = sales_figures(NOW)
    assert figures.today_orders == 4
    assert figures.today_revenue_pence == 2000 + 2500 + 0 + 50
    assert figures.week_orders == 6
    assert figures.week_revenue_pence == 2000 + 2500 + 0 + 4000 + 300 + 50


def test_the_dashboard_shows_sales_and_low_stock_with_links(app, client, login):
    with app.app_context():
        add_order("paid", utcnow(), 2495)
        low = ProductFactory(name="Barrier Cream", slug="barrier-cream", variants=[])
        VariantFactory(product=low, size_label="50 ml", sku="BC-50", on_hand=3, reserved=1)
        VariantFactory(product=low, size_label="100 ml", sku="BC-100", on_hand=40)
        VariantFactory(product=low, size_label="10 ml", sku="BC-10", on_hand=0)
        VariantFactory(product=low, size_label="Old", sku="BC-OLD", on_hand=0, is_active=False)
        hidden = ProductFactory(name="Archived", is_active=False, variants=[])
        VariantFactory(product=hidden, on_hand=0)
        db.session.commit()
    login("fulfilment")
    html = page(client.get("/admin/"))
    today = html.select_one('[data-stat="today"]').get_text(" ", strip=True)
    assert "£24.95" in today and "1 paid order" in today
    rows = html.select("[data-low-stock] tbody tr")
    assert [[c.get_text(strip=True) for c in row.find_all(["th", "td"])] for row in rows] == [
        ["Barrier Cream", "10 ml", "BC-10", "0"],
        ["Barrier Cream", "50 ml", "BC-50", "2"],
    ]
    assert rows[0].a["href"] == "/products/barrier-cream"


@pytest.mark.parametrize(
    ("role", "sees_revenue"),
    [("admin", True), ("fulfilment", True), ("analyst", True), ("editor", False)],
)
def test_only_roles_that_handle_orders_or_read_reports_see_revenue(
    app, client, login, role, sees_revenue
):
    with app.app_context():
        add_order("paid", utcnow(), 2495)
        db.session.commit()
    login(role)
    html = page(client.get("/admin/"))
    assert (html.select_one("#sales-heading") is not None) is sees_revenue
    assert ("£24.95" in html.get_text()) is sees_revenue
    assert html.select_one("#stock-heading") is not None  # low stock is for everyone


def test_the_dashboard_runs_a_fixed_number_of_queries(app, client, login, count_queries):
    login("admin")  # sees the sales figures too

    def add(count: int) -> None:
        with app.app_context():
            for _ in range(count):
                product = ProductFactory(variants=[])
                VariantFactory(product=product, on_hand=1)
                add_order("paid", utcnow(), 1000)
            db.session.commit()

    add(1)
    with count_queries() as few:
        assert client.get("/admin/").status_code == 200
    add(25)
    with count_queries() as many:
        assert client.get("/admin/").status_code == 200
    assert len(many) == len(few)
    # The user, the sales figures, low stock, and the reports' headlines (sales,
    # products, stock cover, buyers, funnel: a query each).
    # the week's consultations, the most wanted sold-out sizes and the subscriptions'
    # figures (a query each).
    assert len(few) <= 13


@pytest.mark.parametrize(
    ("env", "role", "shown"),
    [
        ("production", "admin", True),
        ("production", "editor", False),
        ("development", "admin", False),
    ],
)
def test_administrators_are_told_when_customers_see_the_demo_company_details(
    app, client, login, env, role, shown
):
    app.config["SHOP_ENV"] = env
    login(role)
    notice = page(client.get("/admin/")).select_one("[data-demo-company]")
    assert (notice is not None) is shown
    if shown:
        text = notice.get_text(" ", strip=True)
        for name in ["COMPANY_NUMBER", "COMPANY_VAT_NUMBER", "CONTACT_EMAIL", "COMPANY_ADDRESS"]:
            assert name in text


def test_the_notice_names_only_the_settings_still_at_the_demo_values(app, client, login):
    app.config.update(
        SHOP_ENV="production",
        COMPANY_LEGAL_NAME="Flora and Barrier Limited",
        COMPANY_ADDRESS="2 Real Street|Leeds|LS1 1AA",
        COMPANY_NUMBER="12345678",
        CONTACT_EMAIL="help@floraandbarrier.co.uk",
    )
    login("admin")
    notice = page(client.get("/admin/")).select_one("[data-demo-company]")
    assert [code.get_text() for code in notice.select("code")] == ["COMPANY_VAT_NUMBER"]
    app.config["COMPANY_VAT_NUMBER"] = "GB 987 6543 21"
    assert page(client.get("/admin/")).select_one("[data-demo-company]") is None
