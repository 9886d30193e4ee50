"""After Stripe: the success page, the order page and email, cancelling, and the expiry command."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from shop.models import utcnow
from shop.orders.models import OrderStatus
from tests.helpers import page
from tests.helpers.checkout import (
    add_to_cart,
    cart_quantities,
    event_count,
    flashes,
    follow,
    only_order,
    orders,
    post_checkout,
    session_id_from,
    session_object,
    set_variant,
    stock,
    update_order,
)

ADDRESS = {
    "name": "Jo Bloggs",
    "address": {
        "line1": "12 Kefir Lane",
        "line2": "Flat 3",
        "city": "Leeds",
        "postal_code": "LS1 4AP",
        "country": "GB",
    },
}


def start_checkout(shopper, products, quantity=2) -> str:
    add_to_cart(shopper, products.cream, quantity)
    return session_id_from(post_checkout(shopper))


def expire_requests(fake, session_id):
    return fake.requests_for("POST", f"/v1/checkout/sessions/{session_id}/expire")


def test_paying_and_coming_back_fulfils_the_order(stripe_app, shopper, products, fake, smtp_server):
    session_id = start_checkout(shopper, products)
    paid = fake.pay_session(session_id, shipping=ADDRESS)

    response = shopper.get(f"/checkout/success?session_id={session_id}")

    order = only_order(stripe_app)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/orders/{order.access_token}"
    assert order.status == OrderStatus.PAID
    assert order.paid_at is not None
    assert order.payment_intent_id == paid["payment_intent"]
    assert order.amount_paid_pence == order.total_pence == 3995
    assert order.email == "customer@example.com"
    assert (
        order.ship_to_name,
        order.ship_to_line1,
        order.ship_to_line2,
        order.ship_to_city,
        order.ship_to_postcode,
        order.ship_to_country,
    ) == ("Jo Bloggs", "12 Kefir Lane", "Flat 3", "Leeds", "LS1 4AP", "GB")
    assert stock(stripe_app, products.cream) == (18, 0)
    assert cart_quantities(stripe_app, shopper) == {}

    status_page = follow(shopper, response)
    assert status_page.status_code == 200
    assert flashes(status_page) == [f"Thank you! Your order {order.number} is confirmed."]
    assert page(status_page).select_one(".order-status strong").get_text() == "Paid"

    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["customer@example.com"]
    assert mail.message["Subject"] == f"Your order {order.number} is confirmed"
    text, html = mail.text_part(), mail.html_part()  # both parts, or AssertionError
    assert "2 x Barrier Cream (50 ml)" in text
    assert "12 Kefir Lane" in text
    links = re.findall(r"https?://\S+/orders/[\w-]+", text)
    assert links == [f"http://shop.test/orders/{order.access_token}"]
    assert f'href="{links[0]}"' in html

    with shopper.get(urlsplit(links[0]).path) as from_email:
        assert from_email.status_code == 200
        assert page(from_email).select_one(".order-status strong").get_text() == "Paid"
        assert order.number in from_email.get_data(as_text=True)


def test_coming_back_twice_changes_nothing_more(stripe_app, shopper, products, fake, smtp_server):
    session_id = start_checkout(shopper, products)
    fake.pay_session(session_id)

    shopper.get(f"/checkout/success?session_id={session_id}")
    again = shopper.get(f"/checkout/success?session_id={session_id}")

    order = only_order(stripe_app)
    assert again.headers["Location"] == f"/orders/{order.access_token}"
    assert order.status == OrderStatus.PAID
    assert stock(stripe_app, products.cream) == (18, 0)
    assert event_count(stripe_app, order.id, "paid") == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_coming_back_before_the_payment_is_through_keeps_waiting(
    stripe_app, shopper, products, fake, smtp_server
):
    session_id = start_checkout(shopper, products)
    fake.pay_session(session_id, payment_status="unpaid")  # a bank payment still processing

    response = shopper.get(f"/checkout/success?session_id={session_id}")

    order = only_order(stripe_app)
    assert order.status == OrderStatus.PENDING
    status_page = follow(shopper, response)
    assert page(status_page).select_one(".order-status strong").get_text() == "Awaiting payment"
    assert stock(stripe_app, products.cream) == (20, 2)
    assert cart_quantities(stripe_app, shopper) == {products.cream: 2}
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    "query", ["", "?session_id=", "?session_id=cs_test_unknown", "?session_id=../../v1/charges"]
)
def test_a_success_page_for_no_known_session_is_404(stripe_app, shopper, products, fake, query):
    start_checkout(shopper, products)

    response = shopper.get(f"/checkout/success{query}")

    assert response.status_code == 404
    assert only_order(stripe_app).status == OrderStatus.PENDING


def test_a_wrong_order_token_is_the_plain_404(stripe_app, shopper, products, fake):
    session_id = start_checkout(shopper, products)
    fake.pay_session(session_id)
    follow(shopper, shopper.get(f"/checkout/success?session_id={session_id}"))
    order = only_order(stripe_app)
    not_found = shopper.get("/no-such-page")
    assert not_found.status_code == 404

    near_miss = order.access_token[:-1] + ("A" if order.access_token[-1] != "A" else "B")
    for token in [secrets.token_urlsafe(32), near_miss, order.access_token[:20], "1"]:
        response = shopper.get(f"/orders/{token}")
        assert response.status_code == 404
        assert str(page(response).main) == str(page(not_found).main)
        assert page(response).title == page(not_found).title
        assert order.number not in response.get_data(as_text=True)


def test_cancel_expires_the_session_then_releases_the_stock(
    stripe_app, shopper, products, fake, smtp_server
):
    session_id = start_checkout(shopper, products)
    order = only_order(stripe_app)

    response = shopper.get(f"/checkout/cancel?order={order.access_token}")

    assert len(expire_requests(fake, session_id)) == 1
    assert session_object(fake, session_id)["status"] == "expired"
    assert only_order(stripe_app).status == OrderStatus.CANCELLED
    assert stock(stripe_app, products.cream) == (20, 0)
    assert response.headers["Location"] == "/cart"
    assert flashes(follow(shopper, response)) == [
        "Payment cancelled: nothing was charged and your basket is as you left it."
    ]
    assert cart_quantities(stripe_app, shopper) == {products.cream: 2}
    assert smtp_server.messages == []

    # Checking out again starts afresh: a new order and a new session.
    new_session = session_id_from(post_checkout(shopper))
    assert new_session != session_id
    assert [o.status for o in orders(stripe_app)] == [OrderStatus.CANCELLED, OrderStatus.PENDING]
    assert stock(stripe_app, products.cream) == (20, 2)


def test_cancel_of_a_session_that_was_paid_fulfils_instead(
    stripe_app, shopper, products, fake, smtp_server
):
    session_id = start_checkout(shopper, products)
    fake.pay_session(session_id)
    order = only_order(stripe_app)

    response = shopper.get(f"/checkout/cancel?order={order.access_token}")

    assert len(expire_requests(fake, session_id)) == 1  # asked, and refused: it is paid
    assert response.headers["Location"] == f"/orders/{order.access_token}"
    assert only_order(stripe_app).status == OrderStatus.PAID
    assert stock(stripe_app, products.cream) == (18, 0)
    assert len(smtp_server.wait_for(1)) == 1


def test_cancel_when_stripe_fails_keeps_the_reservation(stripe_app, shopper, products, fake):
    session_id = start_checkout(shopper, products)
    order = only_order(stripe_app)
    fake.fail_next = 500

    response = shopper.get(f"/checkout/cancel?order={order.access_token}")

    assert response.headers["Location"] == "/cart"
    assert flashes(follow(shopper, response)) == [
        "We could not reach the payment provider. Your basket is kept."
    ]
    assert session_object(fake, session_id)["status"] == "open"  # can still be paid...
    assert only_order(stripe_app).status == OrderStatus.PENDING  # ...so nothing is released
    assert stock(stripe_app, products.cream) == (20, 2)


def test_cancel_with_an_unknown_order_changes_nothing(stripe_app, shopper, products, fake):
    session_id = start_checkout(shopper, products)

    response = shopper.get(f"/checkout/cancel?order={secrets.token_urlsafe(32)}")

    assert response.headers["Location"] == "/cart"
    assert expire_requests(fake, session_id) == []
    assert only_order(stripe_app).status == OrderStatus.PENDING
    assert stock(stripe_app, products.cream) == (20, 2)


def test_release_expired_command(stripe_app, products, fake, smtp_server):
    shoppers = [stripe_app.test_client() for _ in range(3)]
    lapsed, paid_late, current = (start_checkout(s, products, 1) for s in shoppers)
    by_session = {o.payment_session_id: o for o in orders(stripe_app)}
    past = utcnow() - timedelta(hours=1)
    update_order(stripe_app, by_session[lapsed].id, payment_expires_at=past)
    update_order(stripe_app, by_session[paid_late].id, payment_expires_at=past)
    fake.pay_session(paid_late)
    assert stock(stripe_app, products.cream) == (20, 3)

    result = stripe_app.test_cli_runner().invoke(args=["release-expired"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "1 released, 1 found paid, 0 still payable, 0 could not be checked."
    )
    assert len(expire_requests(fake, lapsed)) == 1
    assert expire_requests(fake, current) == []
    assert session_object(fake, lapsed)["status"] == "expired"
    status = {o.payment_session_id: o.status for o in orders(stripe_app)}
    assert status == {
        lapsed: OrderStatus.EXPIRED,
        paid_late: OrderStatus.PAID,
        current: OrderStatus.PENDING,
    }
    assert stock(stripe_app, products.cream) == (19, 1)  # one sold, one still reserved
    (mail,) = smtp_server.wait_for(1)
    order = by_session[paid_late]
    assert f"http://shop.test/orders/{order.access_token}" in mail.text_part()
    assert cart_quantities(stripe_app, shoppers[1]) == {}
    assert cart_quantities(stripe_app, shoppers[0]) == {products.cream: 1}

    # Run again: nothing left to do.
    again = stripe_app.test_cli_runner().invoke(args=["release-expired"])
    assert again.output.strip().startswith("0 released, 0 found paid")
    assert len(smtp_server.messages) == 1


def test_a_payment_for_an_order_already_released_is_still_recorded(
    stripe_app, shopper, products, fake, smtp_server
):
    """Stripe took the money after the shop gave the stock back (say the session was
    opened but its answer never arrived): the order is paid and takes the stock now."""
    session_id = start_checkout(shopper, products)
    order = only_order(stripe_app)
    update_order(stripe_app, order.id, status=OrderStatus.FAILED)
    set_variant(stripe_app, products.cream, reserved=0)  # as release_order does
    fake.pay_session(session_id)

    shopper.get(f"/checkout/success?session_id={session_id}")

    order = only_order(stripe_app)
    assert order.status == OrderStatus.PAID
    assert stock(stripe_app, products.cream) == (18, 0)
    assert event_count(stripe_app, order.id, "stock_short") == 0
    assert len(smtp_server.wait_for(1)) == 1
