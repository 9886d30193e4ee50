"""One order in the back office, and who may open the orders area."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.helpers import page
from tests.helpers.database import counting_queries


def facts(soup, selector: str) -> dict[str, str]:
    """A <dl>'s terms and descriptions."""
    dl = soup.select_one(selector)
    terms = [dt.get_text(strip=True) for dt in dl.find_all("dt")]
    return dict(zip(terms, [dd.get_text(" ", strip=True) for dd in dl.find_all("dd")], strict=True))


def test_the_order_page_shows_lines_payment_address_and_timeline(stripe_shop):
    shop = stripe_shop
    order_id = shop.buy({shop.products.cream: 2, shop.products.capsules: 1})
    staff = shop.sign_in("fulfilment")
    order = shop.order(order_id)

    response = shop.detail(order_id)

    assert response.status_code == 200
    soup = page(response)
    assert soup.h1.get_text(strip=True) == f"Order {order.number}"
    assert soup.select_one("[data-order-status]").get_text(strip=True) == "Paid"
    assert soup.select_one("[data-fulfilment-status]").get_text(strip=True) == "Not shipped"
    lines = [
        [cell.get_text(" ", strip=True) for cell in row.select("th, td")]
        for row in soup.select("[data-order-lines] tbody tr")
    ]
    assert lines == [
        ["Barrier Cream (50 ml)", order.lines[0].sku, "2", "£18.00", "£36.00", "0"],
        ["Live Bacteria Capsules (60 capsules)", order.lines[1].sku, "1", "£24.50", "£24.50", "0"],
    ]
    assert "£60.50" in soup.select_one("[data-order-lines] tfoot").get_text()
    assert facts(soup, "[data-payment]") == {
        "Provider": "stripe",
        "Session": order.payment_session_id,
        "Payment intent": order.payment_intent_id,
        "Amount paid": "£60.50",
        "Refunded": "£0.00",
        "Left to refund": "£60.50",
    }
    assert order.payment_intent_id.startswith("pi_")
    address = soup.select_one("[data-address]").get_text(" ", strip=True)
    assert address == "Jo Bloggs 12 Kefir Lane Flat 3 Leeds LS1 4AP GB"
    # The customer's own page, one click away.
    customer_link = soup.find("a", string="The customer's page")["href"]
    assert urlsplit(customer_link).path == f"/orders/{order.access_token}"

    # Shipping then shows in the timeline, newest first, with who did it.
    shop.ship(order_id)
    timeline = page(shop.detail(order_id)).select("[data-timeline] [data-event-kind]")
    kinds = [event["data-event-kind"] for event in timeline]
    assert kinds == [
        "email_sent",
        "email_queued",
        "shipped",
        "email_sent",
        "email_queued",
        "paid",
        "payment_started",
        "placed",
    ]
    shipped = timeline[2].get_text(" ", strip=True)
    assert "Shipped" in shipped and staff.email in shipped
    assert "Royal Mail" in shipped and "AB123456789GB" in shipped
    assert "the shop" in timeline[-1].get_text(" ", strip=True)  # placed by the checkout


def test_the_order_page_runs_a_fixed_number_of_queries(demo_shop):
    shop = demo_shop
    small = shop.buy({shop.products.cream: 1})
    big = shop.buy({shop.products.cream: 3, shop.products.capsules: 2})
    shop.sign_in("admin")
    assert shop.refund(small, "1.00", return_all="y").status_code == 303
    shop.ship(big)
    assert shop.refund(big, "1.00", return_all="y").status_code == 303
    assert shop.refund(big, "2.00").status_code == 303
    shop.detail(small)
    with counting_queries(shop.app) as few:
        assert shop.detail(small).status_code == 200
    with counting_queries(shop.app) as many:
        assert shop.detail(big).status_code == 200
    assert len(many) == len(few), many


def test_an_unknown_order_is_a_404(demo_shop):
    demo_shop.sign_in("fulfilment")
    assert demo_shop.staff.get("/admin/orders/999999").status_code == 404
    assert demo_shop.ship(999999).status_code == 404
    assert demo_shop.staff.post("/admin/orders/999999/refund", data={}).status_code == 404


def test_an_unpaid_order_offers_neither_shipping_nor_refunds(demo_shop):
    order_id = demo_shop.start_checkout({demo_shop.products.cream: 1})
    demo_shop.sign_in("fulfilment")
    soup = page(demo_shop.detail(order_id))
    assert soup.select_one("[data-order-status]").get_text(strip=True) == "Awaiting payment"
    assert soup.select_one("form[data-ship-form]") is None
    assert soup.select_one("form[data-refund-form]") is None
    assert "Only paid orders can be shipped" in soup.get_text()
    assert "Nothing was paid, so there is nothing to refund." in soup.get_text()


# Who may open the orders area ---------------------------------------------------


@pytest.fixture
def paid_order(demo_shop) -> int:
    return demo_shop.buy({demo_shop.products.cream: 1})


@pytest.mark.parametrize("role", ["fulfilment", "admin"])
def test_fulfilment_and_administrators_use_the_orders_area(demo_shop, paid_order, role):
    demo_shop.sign_in(role)
    home = page(demo_shop.staff.get("/admin/"))
    nav = home.find("nav", attrs={"aria-label": "Back office"})
    assert nav.find("a", string="Orders")["href"] == "/admin/orders/"
    listing = demo_shop.staff.get("/admin/orders/")
    assert listing.status_code == 200
    current = page(listing).find("nav", attrs={"aria-label": "Back office"})
    assert current.select_one("[aria-current=page]").get_text(strip=True) == "Orders"
    assert demo_shop.detail(paid_order).status_code == 200
    assert demo_shop.ship(paid_order).status_code == 303
    assert demo_shop.refund(paid_order, "1.00").status_code == 303


def test_editors_are_refused_everywhere_in_the_orders_area(demo_shop, paid_order):
    demo_shop.sign_in("editor")
    assert demo_shop.staff.get("/admin/orders/").status_code == 403
    assert demo_shop.detail(paid_order).status_code == 403
    assert demo_shop.ship(paid_order).status_code == 403
    refused = demo_shop.staff.post(
        f"/admin/orders/{paid_order}/refund", data={"amount": "1.00", "request_key": "k" * 32}
    )
    assert refused.status_code == 403
    order = demo_shop.order(paid_order)
    assert order.fulfilment_status == "unfulfilled"
    assert order.refunded_pence == 0 and order.refunds == []
    assert demo_shop.smtp.messages == []


def test_anonymous_visitors_are_sent_to_sign_in(demo_shop, paid_order):
    client = demo_shop.app.test_client()
    for response in [
        client.get("/admin/orders/"),
        client.get(f"/admin/orders/{paid_order}"),
        client.post(f"/admin/orders/{paid_order}/ship", data={"carrier": "dpd"}),
        client.post(f"/admin/orders/{paid_order}/refund", data={"amount": "1.00"}),
    ]:
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert location.path == "/admin/login"
    assert demo_shop.order(paid_order).fulfilment_status == "unfulfilled"
