"""The order list: newest first, filters, search, pages, and a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.helpers import page
from tests.helpers.database import counting_queries


def listed(response) -> list[int]:
    return [int(row["data-order-id"]) for row in page(response).select("[data-order-id]")]


def cells(response, order_id: int) -> dict[str, str]:
    row = page(response).select_one(f"[data-order-id='{order_id}']")
    return {
        cell["data-label"]: cell.get_text(" ", strip=True) for cell in row.select("[data-label]")
    }


@pytest.fixture
def shop(demo_shop):
    demo_shop.sign_in("fulfilment")
    return demo_shop


def test_orders_are_listed_newest_first_with_their_totals(shop):
    cream, capsules = shop.products.cream, shop.products.capsules
    first = shop.buy({cream: 2}, email="first@example.com")
    second = shop.buy({capsules: 1}, email="second@example.com")

    response = shop.staff.get("/admin/orders/")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert listed(response) == [second, first]
    row = cells(response, first)
    assert row["Order"] == shop.order(first).number
    assert row["Customer"] == "first@example.com Ada Lovelace"
    assert row["Payment"] == "Paid"
    assert row["Shipping"] == "Not shipped"
    assert row["Total"] == "£39.95"  # 2 × £18.00 + £3.95 delivery
    assert row["Refunded"] == "—"
    assert cells(response, second)["Total"] == "£28.45"
    assert "2 orders." in page(response).select_one(".listing__count").get_text()


def test_filters_by_payment_and_shipping_status(shop):
    cream = shop.products.cream
    paid = shop.buy({cream: 1})
    shipped = shop.buy({cream: 1})
    pending = shop.start_checkout({cream: 1})
    assert shop.ship(shipped).status_code == 303

    assert listed(shop.staff.get("/admin/orders/?status=pending")) == [pending]
    assert listed(shop.staff.get("/admin/orders/?status=paid")) == [shipped, paid]
    assert listed(shop.staff.get("/admin/orders/?fulfilment=shipped")) == [shipped]
    assert listed(shop.staff.get("/admin/orders/?fulfilment=unfulfilled")) == [pending, paid]
    both = shop.staff.get("/admin/orders/?status=paid&fulfilment=unfulfilled")
    assert listed(both) == [paid]
    soup = page(both)
    assert soup.select_one("#status option[selected]")["value"] == "paid"
    assert soup.select_one("#fulfilment option[selected]")["value"] == "unfulfilled"
    assert soup.find("a", string="Clear filters") is not None


def test_filters_by_the_day_placed_both_ends_included(shop):
    cream = shop.products.cream
    january = shop.buy({cream: 1})
    february = shop.buy({cream: 1})
    today = shop.buy({cream: 1})
    shop.update_order(january, created_at=datetime(2025, 1, 10, 23, 59, tzinfo=UTC))
    shop.update_order(february, created_at=datetime(2025, 2, 20, 0, 0, tzinfo=UTC))

    assert listed(shop.staff.get("/admin/orders/?date_from=2025-02-01")) == [today, february]
    assert listed(shop.staff.get("/admin/orders/?date_to=2025-01-31")) == [january]
    one_day = "/admin/orders/?date_from=2025-01-10&date_to=2025-01-10"
    assert listed(shop.staff.get(one_day)) == [january]
    window = "/admin/orders/?date_from=2025-01-11&date_to=2025-02-20"
    assert listed(shop.staff.get(window)) == [february]


def test_search_finds_orders_by_number_or_email(shop):
    cream = shop.products.cream
    ada = shop.buy({cream: 1}, email="ada@example.com")
    bob = shop.buy({cream: 1}, email="bob.jones@example.org")
    number = shop.order(bob).number  # FB-1000NN

    def found(q):
        return listed(shop.staff.get("/admin/orders/", query_string={"q": q}))

    assert found(number) == [bob]
    assert found(number.lower()) == [bob]
    assert found(number.removeprefix("FB-")) == [bob]
    assert found("bob.jones") == [bob]
    assert found("  BOB.Jones@EXAMPLE.org ") == [bob]
    assert found("example") == [bob, ada]
    assert found("%") == []  # a LIKE wildcard is a plain character here
    assert found("nobody@example.com") == []
    response = shop.staff.get("/admin/orders/", query_string={"q": "nobody"})
    assert "No orders match these filters." in page(response).get_text()
    assert page(response).select_one("#q")["value"] == "nobody"


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("date_from=2025-02-01&date_to=2025-01-01", "date_to", "The end date is before the start"),
        ("date_from=yesterday", "date_from", "Not a valid date value."),
        ("status=lost", "status", "Not a valid choice."),
        ("fulfilment=teleported", "fulfilment", "Not a valid choice."),
    ],
)
def test_bad_filters_are_explained_next_to_the_field(shop, query, field, message):
    shop.buy({shop.products.cream: 1})
    response = shop.staff.get(f"/admin/orders/?{query}")
    assert response.status_code == 400
    error = page(response).select_one(f"#{field}-error")
    assert error is not None and message in error.get_text()
    assert page(response).select_one(f"#{field}")["aria-invalid"] == "true"


def test_pages_keep_the_filters(shop, monkeypatch):
    monkeypatch.setattr("shop.orders.admin.views.ORDERS_PER_PAGE", 2)
    cream = shop.products.cream
    ids = [shop.buy({cream: 1}) for _ in range(3)]
    other = shop.start_checkout({cream: 1})

    first = shop.staff.get("/admin/orders/?status=paid")
    assert listed(first) == [ids[2], ids[1]]
    older = page(first).select_one(".pagination a[rel=next]")["href"]
    assert "status=paid" in older and "page=2" in older
    second = shop.staff.get(older)
    assert listed(second) == [ids[0]]
    assert other not in listed(second)
    # A page past the end is empty, not an error.
    assert listed(shop.staff.get("/admin/orders/?page=9")) == []


def test_the_list_runs_the_same_queries_for_few_and_many_orders(shop):
    cream = shop.products.cream
    for _ in range(2):
        shop.buy({cream: 1})
    shop.staff.get("/admin/orders/")  # warm up: anything loaded once per process
    with counting_queries(shop.app) as few:
        assert shop.staff.get("/admin/orders/?q=example").status_code == 200
    for _ in range(5):
        shop.buy({cream: 1})
    with counting_queries(shop.app) as many:
        response = shop.staff.get("/admin/orders/?q=example")
    assert len(listed(response)) == 7
    assert len(many) == len(few)
    assert len(many) <= 6, many
