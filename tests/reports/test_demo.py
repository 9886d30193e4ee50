"""seed-demo's order history: 90 days of it outside production, once, and none in
production."""

from __future__ import annotations

from sqlalchemy import func, select

from shop.extensions import db
from shop.orders.models import Order
from shop.reports import services
from shop.reports.periods import london_today, period_for


def test_seed_demo_adds_90_days_of_history_once_and_never_in_production(app, runner):
    app.config["SHOP_ENV"] = "production"
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "demo orders" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 0
    app.config["SHOP_ENV"] = "testing"
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "demo orders" in result.output
    with app.app_context():
        orders = db.session.scalar(select(func.count(Order.id)))
        today = london_today()
        report = services.sales_report(period_for("90", today))
        funnel = services.funnel_report(period_for("30", today))
        lines = services.product_sales(period_for("90", today))
    assert orders > 300
    assert report.total.revenue_pence > 0 and report.total.refunded_pence > 0
    assert report.period.grain == "week"
    assert all(line.now.orders for line in report.lines[:-1])
    # The history stops at "now": a week that began today may have no orders yet
    # (a Monday before the first order of the day, at 07:00).
    assert report.lines[-1].now.orders or report.lines[-1].bucket.first == today
    assert funnel.total["view"] > funnel.total["add"] > funnel.total["paid"] > 0
    assert len(lines) > 10
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "demo orders" not in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == orders
