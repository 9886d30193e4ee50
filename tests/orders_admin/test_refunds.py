"""Refunds from the back office: through Stripe (the local Stripe-compatible server) or
the demo provider, in part or in full, with or without stock going back."""

from __future__ import annotations

import re

import pytest
import stripe
from sqlalchemy import select

from shop.extensions import db
from shop.orders.admin.forms import refund_pence
from shop.payments.models import DemoPaymentSession
from tests.helpers import page
from tests.helpers.checkout import STRIPE_SECRET_KEY, run_together, send_event
from tests.stripe_server import make_event

REFUNDS_PATH = "/v1/refunds"


@pytest.fixture
def shop(stripe_shop):
    return stripe_shop


@pytest.fixture
def order_id(shop) -> int:
    """2 × Barrier Cream (£18.00) and 1 × Live Bacteria Capsules (£24.50): £60.50,
    delivered free. Stock afterwards: 18 creams and 19 capsules."""
    return shop.buy({shop.products.cream: 2, shop.products.capsules: 1})


def refund_requests(fake):
    return fake.requests_for("POST", REFUNDS_PATH)


def line_ids(shop, order_id) -> tuple[int, int]:
    cream, capsules = shop.order(order_id).lines
    return cream.id, capsules.id


def stock(shop) -> tuple[int, int]:
    return shop.on_hand(shop.products.cream), shop.on_hand(shop.products.capsules)


def test_a_part_refund_goes_through_stripe_and_is_recorded(shop, order_id):
    staff = shop.sign_in("fulfilment")
    form = shop.refund_form(order_id)
    key = form["request_key"]
    form.update(amount="10.50", reason="Jar arrived scuffed")

    response = shop.staff.post(f"/admin/orders/{order_id}/refund", data=form)

    assert response.status_code == 303
    order = shop.order(order_id)
    (sent,) = refund_requests(shop.fake)
    assert sent.params == {"payment_intent": order.payment_intent_id, "amount": "1050"}
    assert sent.idempotency_key == f"order-{order_id}-refund-{key}"
    (stripe_refund_id,) = shop.fake.refunds
    assert order.refunded_pence == 1050
    assert order.status == "paid"
    (refund,) = order.refunds
    assert (refund.status, refund.amount_pence, refund.provider_refund_id) == (
        "succeeded",
        1050,
        stripe_refund_id,
    )
    assert refund.staff_email == staff.email
    assert refund.reason == "Jar arrived scuffed"
    assert refund.return_stock is False and refund.lines == []
    assert stock(shop) == (18, 19)  # nothing went back

    (event,) = [e for e in order.events if e.kind == "refunded"]
    assert event.actor == staff.email
    assert "£10.50" in event.message and stripe_refund_id in event.message
    (entry,) = shop.audit("order.refund")
    assert entry.staff_email == staff.email and entry.entity_id == str(order_id)
    assert entry.before_data == {"refunded_pence": 0, "status": "paid"}
    assert entry.after_data == {
        "refunded_pence": 1050,
        "status": "paid",
        "refund_id": refund.id,
        "amount_pence": 1050,
        "provider_refund_id": stripe_refund_id,
        "reason": "Jar arrived scuffed",
        "returned_to_stock": {},
    }
    assert "Refunded £10.50 of order" in entry.summary and "in part" in entry.summary

    (mail,) = shop.smtp.wait_for(1)
    assert mail.rcpt_tos == ["customer@example.com"]
    assert mail.message["Subject"] == f"Refund for your order {order.number}"
    assert mail.message["From"] == "Flora & Barrier <hello@shop.test>"
    text, html = mail.text_part(), mail.html_part()
    assert "We have refunded £10.50 for your order" in text
    assert "In all we have refunded £10.50 of the £60.50 you paid." in text
    assert "scuffed" not in text and "scuffed" not in html  # the reason is for us
    assert "We have refunded £10.50" in html
    link = f"http://shop.test/orders/{order.access_token}"
    assert re.findall(r"https?://\S+/orders/[\w-]+", text) == [link]
    assert f'href="{link}"' in html

    soup = page(shop.staff.get(response.headers["Location"]))
    assert (
        "Refunded £10.50; the email to customer@example.com is on its way."
        in soup.select_one(".flashes").text
    )
    assert soup.select_one("[data-refunded]").get_text(strip=True) == "£10.50"
    assert soup.select_one("[data-refundable]").get_text(strip=True) == "£50.00"
    assert soup.select_one("[data-refunds] [data-refund-status]")["data-refund-status"] == (
        "succeeded"
    )
    # A new form, with a new key for the next refund.
    assert shop.refund_form(order_id)["request_key"] != key


def test_a_full_refund_putting_everything_back_into_stock(shop, order_id):
    shop.sign_in("admin")
    cream_line, capsules_line = line_ids(shop, order_id)

    response = shop.refund(order_id, "£60.50", return_all="y")

    assert response.status_code == 303
    order = shop.order(order_id)
    assert order.refunded_pence == 6050
    assert order.status == "refunded"
    assert stock(shop) == (20, 20)
    (refund,) = order.refunds
    assert refund.return_stock is True
    assert {line.order_line_id: line.quantity for line in refund.lines} == {
        cream_line: 2,
        capsules_line: 1,
    }
    (sent,) = refund_requests(shop.fake)
    assert sent.params["amount"] == "6050"
    with shop.fake.lock:
        (charge,) = shop.fake.charges.values()
        assert (charge["amount_refunded"], charge["refunded"]) == (6050, True)
    (entry,) = shop.audit("order.refund")
    assert entry.after_data["status"] == "refunded" and "in full" in entry.summary
    skus = {line.sku: line.quantity for line in order.lines}
    assert entry.after_data["returned_to_stock"] == skus
    (mail,) = shop.smtp.wait_for(1)
    assert "That is the whole of what you paid." in mail.text_part()

    soup = page(shop.detail(order_id))
    assert soup.select_one("[data-order-status]").get_text(strip=True) == "Refunded"
    assert soup.select_one("form[data-refund-form]") is None
    assert "Nothing left to refund." in soup.get_text()
    listing = page(shop.staff.get("/admin/orders/?status=refunded"))
    assert [int(r["data-order-id"]) for r in listing.select("[data-order-id]")] == [order_id]


def test_chosen_units_go_back_into_stock_never_more_than_were_bought(shop, order_id):
    shop.sign_in("fulfilment")
    cream_line, capsules_line = line_ids(shop, order_id)

    first = shop.refund(order_id, "18.00", **{f"return_{cream_line}": 1})
    assert first.status_code == 303
    assert stock(shop) == (19, 19)

    # One cream is left to return: two are refused, next to the field.
    too_many = shop.refund(order_id, "5.00", **{f"return_{cream_line}": 2})
    assert too_many.status_code == 400
    soup = page(too_many)
    error = soup.select_one(f"#return_{cream_line}-error").get_text()
    assert "Enter a whole number from 0 to 1." in error
    assert soup.select_one(f"#return_{cream_line}")["value"] == "2"
    assert soup.select_one("#amount")["value"] == "5.00"
    assert len(refund_requests(shop.fake)) == 1
    assert stock(shop) == (19, 19)

    rest = shop.refund(
        order_id, "20.00", **{f"return_{cream_line}": 1, f"return_{capsules_line}": 1}
    )
    assert rest.status_code == 303
    assert stock(shop) == (20, 20)
    keys = [r.idempotency_key for r in refund_requests(shop.fake)]
    assert len(keys) == len(set(keys)) == 2
    order = shop.order(order_id)
    assert order.refunded_pence == 3800 and order.status == "paid"
    # Everything is back: the next refund (money only) has nothing to put back.
    soup = page(shop.detail(order_id))
    assert soup.select_one("form[data-refund-form] .order-restock") is None
    lines = soup.select("[data-order-lines] tbody tr")
    assert [row.select("td")[-1].get_text(strip=True) for row in lines] == ["2", "1"]


def test_refunding_more_than_is_left_is_refused_before_stripe_is_asked(shop, order_id):
    shop.sign_in("fulfilment")
    assert shop.refund(order_id, "50.00").status_code == 303
    shop.smtp.clear()

    response = shop.refund(order_id, "10.51")

    assert response.status_code == 400
    soup = page(response)
    assert "at most £10.50 is left" in soup.select_one("#amount-error").get_text()
    assert soup.select_one("#amount")["value"] == "10.51"
    assert soup.select_one("#amount")["aria-invalid"] == "true"
    assert len(refund_requests(shop.fake)) == 1  # only the first refund
    order = shop.order(order_id)
    assert order.refunded_pence == 5000 and len(order.refunds) == 1
    assert shop.smtp.messages == []


@pytest.mark.parametrize(
    "amount, message",
    [
        ("", "Enter the amount to refund, in pounds."),
        ("0", "must be more than £0.00"),
        ("0.00", "must be more than £0.00"),
        ("-5", "must be more than £0.00"),
        ("-£5.00", "must be more than £0.00"),
        ("ten pounds", "Enter the amount in pounds and pence, like 12.50."),
        ("1.234", "Enter the amount in pounds and pence, like 12.50."),
        ("1e3", "Enter the amount in pounds and pence, like 12.50."),
        ("NaN", "Enter the amount in pounds and pence, like 12.50."),
        ("60.51", "That is more than can be refunded: at most £60.50 is left."),
        ("999999999", "That is more than can be refunded"),
        ("1000000000", "Enter the amount in pounds and pence, like 12.50."),
    ],
)
def test_bad_amounts_are_refused_next_to_the_field(shop, order_id, amount, message):
    shop.sign_in("fulfilment")

    response = shop.refund(order_id, amount, reason="Customer asked")

    assert response.status_code == 400
    soup = page(response)
    assert message in soup.select_one("#amount-error").get_text()
    assert soup.select_one("#amount").get("value", "") == amount
    assert soup.select_one("#reason").get_text().strip() == "Customer asked"
    assert refund_requests(shop.fake) == []
    order = shop.order(order_id)
    assert order.refunds == [] and order.refunded_pence == 0


def test_a_refund_form_without_its_key_is_refused(shop, order_id):
    shop.sign_in("fulfilment")
    response = shop.staff.post(f"/admin/orders/{order_id}/refund", data={"amount": "1.00"})
    assert response.status_code == 400
    assert "The refund form had expired" in page(response).select_one("[data-refund-form]").text
    assert refund_requests(shop.fake) == []


def test_a_stripe_refusal_records_nothing_as_refunded(shop, order_id):
    staff = shop.sign_in("fulfilment")
    key = shop.refund_form(order_id)["request_key"]
    shop.fake.fail_next = 402

    response = shop.refund(order_id, "10.00", return_all="y")

    assert response.status_code == 400
    soup = page(response)
    problem = soup.select_one("[data-refund-problem]").get_text()
    assert "The payment provider refused the refund, so nothing was refunded" in problem
    assert "Your card was declined." in problem
    assert soup.select_one("#amount")["value"] == "10.00"
    new_key = soup.select_one("form[data-refund-form] input[name=request_key]")["value"]
    assert new_key != key  # a refused key is never sent again
    order = shop.order(order_id)
    assert order.refunded_pence == 0 and order.status == "paid"
    assert [r.status for r in order.refunds] == ["failed"]
    assert stock(shop) == (18, 19)
    (event,) = [e for e in order.events if e.kind == "refund_failed"]
    assert event.actor == staff.email and "Your card was declined." in event.message
    assert shop.audit("order.refund") == []
    (entry,) = shop.audit("order.refund_failed")
    assert entry.staff_email == staff.email
    assert shop.smtp.messages == []
    assert shop.fake.refunds == {}

    # Sending the form again, as drawn, goes through.
    retry = shop.refund(order_id, "10.00")
    assert retry.status_code == 303
    order = shop.order(order_id)
    assert order.refunded_pence == 1000
    assert [r.status for r in order.refunds] == ["failed", "succeeded"]


def test_the_same_form_sent_twice_refunds_once(shop, order_id):
    shop.sign_in("fulfilment")
    data = {**shop.refund_form(order_id), "amount": "10.00"}
    url = f"/admin/orders/{order_id}/refund"

    first = shop.staff.post(url, data=data)
    second = shop.staff.post(url, data=data)  # a double click

    assert first.status_code == second.status_code == 303
    requests = refund_requests(shop.fake)
    assert len(requests) == 2 and requests[0].idempotency_key == requests[1].idempotency_key
    assert len(shop.fake.refunds) == 1  # Stripe made one refund
    order = shop.order(order_id)
    assert order.refunded_pence == 1000
    assert [r.status for r in order.refunds] == ["succeeded"]
    assert len(shop.audit("order.refund")) == 1
    shop.smtp.wait_for(1)
    assert len(shop.smtp.messages) == 1
    flashes = page(shop.staff.get(second.headers["Location"])).select_one(".flashes").get_text()
    assert "That refund had already been made: nothing more was refunded." in flashes


def test_two_people_refunding_in_full_at_once_refund_once(shop, order_id):
    shop.sign_in("fulfilment")
    colleague = shop.app.test_client()
    colleague.set_cookie("session", shop.staff.get_cookie("session").value)
    url = f"/admin/orders/{order_id}/refund"
    mine = {**shop.refund_form(order_id), "amount": "60.50", "return_all": "y"}
    theirs = {**shop.refund_form(order_id), "amount": "60.50", "return_all": "y"}
    assert mine["request_key"] != theirs["request_key"]

    responses = run_together(
        lambda: shop.staff.post(url, data=mine), lambda: colleague.post(url, data=theirs)
    )

    assert sorted(r.status_code for r in responses) == [303, 400]
    refused = page(next(r for r in responses if r.status_code == 400))
    assert "refunded in full already" in refused.get_text()
    assert len(refund_requests(shop.fake)) == 1
    order = shop.order(order_id)
    assert (order.refunded_pence, order.status) == (6050, "refunded")
    assert [r.status for r in order.refunds] == ["succeeded"]
    assert stock(shop) == (20, 20)  # put back once
    shop.smtp.wait_for(1)
    assert len(shop.smtp.messages) == 1


def charge_refunded_event(fake) -> dict:
    with fake.lock:
        (charge,) = fake.charges.values()
        return make_event("charge.refunded", charge)


def test_the_charge_refunded_webhook_never_counts_a_refund_twice(shop, order_id):
    shop.sign_in("fulfilment")
    webhook = shop.app.test_client()
    assert shop.refund(order_id, "10.50").status_code == 303

    # Stripe reports the refund just made: already counted, nothing changes.
    assert send_event(webhook, charge_refunded_event(shop.fake)).status_code == 200
    order = shop.order(order_id)
    assert (order.refunded_pence, order.status) == (1050, "paid")
    assert [e.kind for e in order.events].count("refunded") == 1

    # A refund made in Stripe's dashboard is counted when Stripe reports it.
    dashboard = stripe.StripeClient(STRIPE_SECRET_KEY, base_addresses={"api": shop.fake.url})
    dashboard.v1.refunds.create(params={"payment_intent": order.payment_intent_id, "amount": 500})
    assert send_event(webhook, charge_refunded_event(shop.fake)).status_code == 200
    assert shop.order(order_id).refunded_pence == 1550
    soup = page(shop.detail(order_id))
    assert soup.select_one("[data-refundable]").get_text(strip=True) == "£45.00"
    elsewhere = soup.select_one("[data-refunded-elsewhere]").get_text(" ", strip=True)
    assert elsewhere.startswith("£5.00 was refunded at the payment provider")

    # The rest, from the back office: refunded in full, and the report changes nothing.
    assert shop.refund(order_id, "45.00").status_code == 303
    assert send_event(webhook, charge_refunded_event(shop.fake)).status_code == 200
    order = shop.order(order_id)
    assert (order.refunded_pence, order.status) == (6050, "refunded")
    with shop.fake.lock:
        (charge,) = shop.fake.charges.values()
        assert charge["amount_refunded"] == 6050


def test_the_customer_sees_refunds_on_their_order_page(shop, order_id):
    shop.sign_in("fulfilment")
    shop.refund(order_id, "10.50")
    order = shop.order(order_id)

    soup = page(shop.app.test_client().get(f"/orders/{order.access_token}"))

    refunds = soup.select_one("[data-refunds]")
    assert refunds.select_one("li").get_text(strip=True).startswith("£10.50 refunded on ")
    assert "Refunded −£10.50" in soup.select_one(".order-lines tfoot").get_text(" ", strip=True)


def test_a_pending_order_cannot_be_refunded(shop):
    order_id = shop.start_checkout({shop.products.cream: 1})
    shop.sign_in("fulfilment")
    response = shop.staff.post(
        f"/admin/orders/{order_id}/refund", data={"amount": "1.00", "request_key": "k" * 32}
    )
    assert response.status_code == 400
    problem = page(response).select_one("[data-refund-problem]").get_text()
    assert "There is nothing left to refund on this order." in problem
    assert refund_requests(shop.fake) == []
    assert shop.order(order_id).refunds == []


def test_a_demo_payment_is_refunded_by_the_demo_provider(demo_shop):
    shop = demo_shop
    order_id = shop.buy({shop.products.cream: 1}, email="ada@example.com")
    staff = shop.sign_in("fulfilment")

    response = shop.refund(order_id, "5", return_all="y")

    assert response.status_code == 303
    order = shop.order(order_id)
    assert order.payment_provider == "demo"
    assert order.refunded_pence == 500 and order.status == "paid"
    (refund,) = order.refunds
    assert refund.status == "succeeded" and refund.provider_refund_id.startswith("demo_re_")
    assert refund.staff_email == staff.email
    assert shop.on_hand(shop.products.cream) == 20
    with shop.app.app_context():
        payment = db.session.scalar(
            select(DemoPaymentSession).where(DemoPaymentSession.order_id == order_id)
        )
        assert payment.amount_refunded == 500
    (mail,) = shop.smtp.wait_for(1)
    assert mail.message["Subject"] == f"Refund for your order {order.number}"
    assert "£5.00" in mail.text_part()


@pytest.mark.parametrize(
    "text, pence",
    [("12.50", 1250), ("12.5", 1250), ("7", 700), ("£1,234.56", 123456), (" 0.01 ", 1)],
)
def test_amounts_are_read_as_whole_pence(text, pence):
    assert refund_pence(text) == pence


@pytest.mark.parametrize("text", ["", "0", "-1", "1.001", "£", "Infinity", "1_000", "½"])
def test_amounts_that_are_not_money_are_refused(text):
    with pytest.raises(ValueError):
        refund_pence(text)


def test_a_refund_for_an_order_without_an_email_address_says_no_email_went(demo_shop):
    shop = demo_shop
    order_id = shop.buy({shop.products.cream: 1})
    shop.update_order(order_id, email="")
    shop.sign_in("fulfilment")

    response = shop.refund(order_id, "5.00")

    assert response.status_code == 303
    order = shop.order(order_id)
    assert order.refunded_pence == 500
    flashes = page(shop.staff.get(response.headers["Location"])).select_one(".flashes")
    assert "Refunded £5.00, but the refund email could not be sent." in flashes.get_text()
    (skipped,) = [e for e in order.events if e.kind == "email_skipped"]
    assert skipped.message == "No email address to send the refund email to."
    assert shop.smtp.messages == []
