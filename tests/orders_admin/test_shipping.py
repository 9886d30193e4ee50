"""Marking an order as shipped: the form, the one email, the timeline, the audit log,
and what the customer then sees."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.helpers import page
from tests.helpers.checkout import run_together
from tests.helpers.staff import STAFF_PASSWORD

ROYAL_MAIL_LINK = "https://www.royalmail.com/track-your-item#/tracking-results/AB123456789GB"


@pytest.fixture
def shop(demo_shop):
    return demo_shop


def test_shipping_records_the_parcel_and_emails_the_customer(shop):
    order_id = shop.buy({shop.products.cream: 2}, email="ada@example.com")
    staff = shop.sign_in("fulfilment")

    response = shop.ship(order_id, carrier="royal-mail", tracking="ab12 3456  789gb")

    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == f"/admin/orders/{order_id}"
    order = shop.order(order_id)
    assert order.fulfilment_status == "shipped"
    assert order.status == "paid"
    assert order.carrier == "Royal Mail"
    assert order.tracking_number == "ab12 3456 789gb"
    assert order.tracking_url == (
        "https://www.royalmail.com/track-your-item#/tracking-results/ab123456789gb"
    )
    assert order.shipped_at is not None
    shipped = [e for e in order.events if e.kind == "shipped"]
    assert len(shipped) == 1 and shipped[0].actor == staff.email

    (mail,) = shop.smtp.wait_for(1)
    assert mail.rcpt_tos == ["ada@example.com"]
    assert mail.message["To"] == "ada@example.com"
    assert mail.message["From"] == "Flora & Barrier <hello@shop.test>"
    assert mail.message["Subject"] == f"Your order {order.number} is on its way"
    text, html = mail.text_part(), mail.html_part()
    assert "with Royal Mail" in text and "Tracking number: ab12 3456 789gb" in text
    assert order.tracking_url in text
    assert f'href="{order.tracking_url}"' in html
    assert "2 x Barrier Cream (50 ml)" in text
    order_link = f"http://shop.test/orders/{order.access_token}"
    assert re.findall(r"https?://\S+/orders/[\w-]+", text) == [order_link]
    assert f'href="{order_link}"' in html

    detail = shop.staff.get(response.headers["Location"])
    soup = page(detail)
    assert f"Order {order.number} is marked as shipped" in soup.select_one(".flashes").get_text()
    assert soup.select_one("[data-fulfilment-status]").get_text(strip=True) == "Shipped"
    assert soup.select_one("form[data-ship-form]") is None
    assert soup.select_one("[data-shipping] a")["href"] == order.tracking_url


def test_shipping_is_in_the_audit_log_with_before_and_after(shop):
    order_id = shop.buy({shop.products.cream: 1})
    staff = shop.sign_in("fulfilment")
    shop.ship(order_id, carrier="dpd", tracking="1550 1234 5678")

    (entry,) = shop.audit("order.ship")
    assert entry.staff_email == staff.email
    assert (entry.entity_type, entry.entity_id) == ("order", str(order_id))
    assert shop.order(order_id).number in entry.summary
    changes = {key: (before, after) for key, before, after in entry.changes}
    assert changes["fulfilment_status"] == ("unfulfilled", "shipped")
    assert changes["carrier"] == ("", "DPD")
    assert changes["tracking_number"] == ("", "1550 1234 5678")
    assert changes["tracking_url"] == ("", "https://track.dpd.co.uk/parcels/155012345678")
    assert changes["shipped_at"][0] is None and changes["shipped_at"][1]


def test_posting_twice_ships_and_emails_once(shop):
    order_id = shop.buy({shop.products.cream: 1})
    shop.sign_in("fulfilment")

    first = shop.ship(order_id)
    again = shop.ship(order_id, carrier="evri", tracking="X1")

    assert first.status_code == again.status_code == 303
    shop.smtp.wait_for(1)
    assert len(shop.smtp.messages) == 1  # mail goes out within the request
    order = shop.order(order_id)
    assert order.carrier == "Royal Mail"  # the second post changed nothing
    assert [e.kind for e in order.events].count("shipped") == 1
    assert len(shop.audit("order.ship")) == 1
    flashes = page(shop.staff.get(f"/admin/orders/{order_id}")).select_one(".flashes")
    assert "was already marked as shipped: nothing was changed" in flashes.get_text()


def test_two_people_shipping_at_once_send_one_email(shop):
    order_id = shop.buy({shop.products.cream: 1})
    shop.sign_in("fulfilment")
    colleague = shop.app.test_client()
    colleague.set_cookie("session", shop.staff.get_cookie("session").value)
    data = {"carrier": "parcelforce", "tracking_number": "PB123456789GB"}
    url = f"/admin/orders/{order_id}/ship"

    responses = run_together(
        lambda: shop.staff.post(url, data=data), lambda: colleague.post(url, data=data)
    )

    assert [r.status_code for r in responses] == [303, 303]
    shop.smtp.wait_for(1)
    assert len(shop.smtp.messages) == 1
    assert [e.kind for e in shop.order(order_id).events].count("shipped") == 1


def test_a_carrier_without_a_tracking_page_gets_no_link(shop):
    order_id = shop.buy({shop.products.cream: 1})
    shop.sign_in("fulfilment")
    shop.ship(order_id, carrier="other", tracking="LOCAL 42")

    order = shop.order(order_id)
    assert (order.carrier, order.tracking_number, order.tracking_url) == ("Other", "LOCAL 42", "")
    (mail,) = shop.smtp.wait_for(1)
    assert "Tracking number: LOCAL 42" in mail.text_part()
    assert "Follow your parcel" not in mail.text_part()
    assert "Track your parcel" not in mail.html_part()


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"carrier": "royal-mail", "tracking_number": "AB-123/45"}, "tracking_number", "letters"),
        ({"carrier": "royal-mail", "tracking_number": "A" * 41}, "tracking_number", "at most 40"),
        ({"carrier": "fedex", "tracking_number": "AB1"}, "carrier", "Not a valid choice"),
        ({"tracking_number": "AB1"}, "carrier", "Not a valid choice"),
    ],
)
def test_bad_shipping_details_are_refused_next_to_the_field(shop, data, field, message):
    order_id = shop.buy({shop.products.cream: 1})
    shop.sign_in("fulfilment")

    response = shop.staff.post(f"/admin/orders/{order_id}/ship", data=data)

    assert response.status_code == 400
    soup = page(response)
    assert message in soup.select_one(f"#{field}-error").get_text()
    assert soup.select_one(f"#{field}")["aria-invalid"] == "true"
    if data.get("tracking_number"):
        assert soup.select_one("#tracking_number")["value"] == data["tracking_number"]
    assert shop.order(order_id).fulfilment_status == "unfulfilled"
    assert shop.smtp.messages == []


def test_an_unpaid_order_cannot_be_shipped(shop):
    order_id = shop.start_checkout({shop.products.cream: 1})
    shop.sign_in("fulfilment")

    response = shop.ship(order_id)

    assert response.status_code == 400
    problem = page(response).select_one("[data-ship-problem]").get_text()
    assert "Only paid orders can be shipped. This order is awaiting payment." in problem
    order = shop.order(order_id)
    assert (order.fulfilment_status, order.shipped_at, order.carrier) == ("unfulfilled", None, "")
    assert shop.smtp.messages == []
    assert shop.audit("order.ship") == []


def test_a_refunded_order_cannot_be_shipped(shop):
    order_id = shop.buy({shop.products.cream: 1})
    shop.sign_in("fulfilment")
    assert shop.refund(order_id, "21.95").status_code == 303  # everything paid
    shop.smtp.clear()

    response = shop.ship(order_id)

    assert response.status_code == 400
    assert "This order is refunded." in page(response).select_one("[data-ship-problem]").get_text()
    assert shop.order(order_id).fulfilment_status == "unfulfilled"
    assert shop.smtp.messages == []


def test_the_customer_sees_the_parcel_on_their_order_page(shop):
    order_id = shop.buy({shop.products.cream: 1})
    order = shop.order(order_id)
    customer = shop.app.test_client()
    before = page(customer.get(f"/orders/{order.access_token}"))
    assert before.select_one("[data-shipment]") is None
    assert "We are getting it ready" in before.select_one(".order-status").get_text()

    shop.sign_in("fulfilment")
    shop.ship(order_id)

    after = page(customer.get(f"/orders/{order.access_token}"))
    assert "Shipped" in after.select_one(".order-status").get_text()
    shipment = after.select_one("[data-shipment]")
    assert "with Royal Mail" in shipment.get_text() and "AB123456789GB" in shipment.get_text()
    assert shipment.select_one("[data-tracking-link]")["href"] == ROYAL_MAIL_LINK


def test_shipping_needs_the_csrf_token(shop, app_factory, smtp_server):
    order_id = shop.buy({shop.products.cream: 1})
    staff = shop.sign_in("fulfilment")
    strict = app_factory(
        WTF_CSRF_ENABLED=True,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_DEFAULT_SENDER="Flora & Barrier <hello@shop.test>",
    )
    client = strict.test_client()
    token = page(client.get("/admin/login")).find("input", attrs={"name": "csrf_token"})["value"]
    signed_in = client.post(
        "/admin/login",
        data={"email": staff.email, "password": STAFF_PASSWORD, "csrf_token": token},
    )
    assert signed_in.status_code == 303
    data = {"carrier": "royal-mail", "tracking_number": "AB123456789GB"}

    refused = client.post(f"/admin/orders/{order_id}/ship", data=data)
    assert refused.status_code == 400
    assert shop.order(order_id).fulfilment_status == "unfulfilled"

    form = page(client.get(f"/admin/orders/{order_id}")).select_one("form[data-ship-form]")
    data["csrf_token"] = form.find("input", attrs={"name": "csrf_token"})["value"]
    accepted = client.post(f"/admin/orders/{order_id}/ship", data=data)
    assert accepted.status_code == 303
    assert shop.order(order_id).fulfilment_status == "shipped"
    assert len(smtp_server.wait_for(1)) == 1


def test_shipping_an_order_without_an_email_address_says_no_email_went(shop):
    order_id = shop.buy({shop.products.cream: 1})
    shop.update_order(order_id, email="")
    shop.sign_in("fulfilment")

    response = shop.ship(order_id)

    assert response.status_code == 303
    order = shop.order(order_id)
    assert order.fulfilment_status == "shipped"
    flashes = page(shop.staff.get(response.headers["Location"])).select_one(".flashes")
    assert "but the shipping email could not be sent. See the timeline." in flashes.get_text()
    (skipped,) = [e for e in order.events if e.kind == "email_skipped"]
    assert skipped.message == "No email address to send the shipping email to."
    assert shop.smtp.messages == []
