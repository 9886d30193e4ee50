"""A report page reads the same number of SQL statements however many orders there are."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shop.extensions import db
from shop.models import utcnow
from shop.orders.models import OrderStatus
from tests.factories import VariantFactory
from tests.helpers.orders import make_order

PAGES = [
    "/admin/",
    "/admin/reports/",
    "/admin/reports/sales",
    "/admin/reports/products",
    "/admin/reports/stock",
    "/admin/reports/customers",
    "/admin/reports/funnel",
]


def add_orders(app, how_many: int) -> None:
    with app.app_context():
        variant = VariantFactory(on_hand=500)
        for n in range(how_many):
            order = make_order(
                {variant.id: 1 + n % 3}, OrderStatus.PAID, email=f"b{n % 7}@example.com"
            )
            order.paid_at = utcnow() - timedelta(days=n % 40, hours=n)
        db.session.commit()


@pytest.mark.parametrize("path", PAGES)
def test_statements_do_not_grow_with_orders(app, client, login, count_queries, path):
    login("admin")
    add_orders(app, 3)
    client.get(path)
    with count_queries() as few:
        assert client.get(path).status_code == 200
    add_orders(app, 40)
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few), (len(few), len(many))
    assert len(few) <= 14, few
