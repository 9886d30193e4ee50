"""Codes at checkout with the real `stripe` library and the local Stripe-compatible
server: the coupon and equal totals, free delivery, the last use raced by twenty
shoppers, the use given back on expiry and on a full refund before shipping."""

from __future__ import annotations

from datetime import timedelta

from shop.models import utcnow
from shop.orders.models import OrderStatus
from tests.factories import ProductFactory
from tests.helpers import page
from tests.helpers.checkout import (
    add_to_cart,
    cart_quantities,
    client_at,
    event_count,
    flashes,
    follow,
    only_order,
    orders,
    post_checkout,
    run_together,
    session_creates,
    session_id_from,
    update_order,
)
from tests.helpers.mail import ADDRESS
from tests.helpers.promotions import apply_code, make_promotion, promotion, totals, uses
from tests.helpers.staff import AuthActions

SHOPPERS = 20


def checkout_with_code(app, client, products, code):
    add_to_cart(client, products.cream, 2)  # 2 × £18.00
    add_to_cart(client, products.capsules, 1)  # £24.50
    assert apply_code(client, code).status_code == 303
    return session_id_from(post_checkout(client))


def test_stripe_gets_a_coupon_for_the_discount_and_its_total_is_the_orders(
    stripe_app, shopper, products, fake
):
    promotion_id = make_promotion(stripe_app, "SPRING15", percent_off=15)
    shown_total = None
    add_to_cart(shopper, products.cream, 2)
    add_to_cart(shopper, products.capsules, 1)
    apply_code(shopper, "spring15")
    shown_total = totals(shopper)["Total"]

    session_id = session_id_from(post_checkout(shopper))

    order = only_order(stripe_app)
    assert order.promo_code == "SPRING15"
    assert order.discount_pence == 908  # 15% of £60.50 is 907.5p: halves round up
    assert sum(line.discount_pence for line in order.lines) == order.discount_pence
    (coupon_request,) = fake.requests_for("POST", "/v1/coupons")
    assert coupon_request.params == {
        "amount_off": str(order.discount_pence),
        "currency": "gbp",
        "duration": "once",
        "max_redemptions": "1",
        "name": "SPRING15",
        "metadata": {"order_id": str(order.id), "promo_code": "SPRING15"},
    }
    with fake.lock:
        coupon_id = next(iter(fake.coupons))
        session = fake.sessions[session_id]
    (create,) = session_creates(fake)
    assert create.params["discounts"] == [{"coupon": coupon_id}]
    assert session["total_details"]["amount_discount"] == order.discount_pence
    assert session["amount_total"] == order.total_pence
    assert order.total_pence == order.subtotal_pence - order.discount_pence + order.shipping_pence
    assert shown_total == f"£{order.total_pence // 100}.{order.total_pence % 100:02d}"
    assert uses(stripe_app, promotion_id) == [(order.id, "reserved")]

    fake.pay_session(session_id)
    shopper.get(f"/checkout/success?session_id={session_id}")

    paid = only_order(stripe_app)
    assert (paid.status, paid.amount_paid_pence) == (OrderStatus.PAID, paid.total_pence)
    assert event_count(stripe_app, paid.id, "amount_mismatch") == 0
    assert uses(stripe_app, promotion_id) == [(paid.id, "final")]
    counted = promotion(stripe_app, promotion_id)
    assert (counted.uses_reserved, counted.uses_final) == (0, 1)
    with fake.lock:
        assert fake.coupons[coupon_id]["times_redeemed"] == 1
    # The next basket starts without the code.
    assert "data-promo-code" not in shopper.get("/cart").get_data(as_text=True)


def test_free_delivery_is_a_zero_shipping_rate_and_no_coupon(stripe_app, shopper, products, fake):
    make_promotion(stripe_app, "FREESHIP", kind="free_shipping")
    add_to_cart(shopper, products.cream, 1)
    apply_code(shopper, "FREESHIP")
    session_id = session_id_from(post_checkout(shopper))
    order = only_order(stripe_app)
    (create,) = session_creates(fake)
    rate = create.params["shipping_options"][0]["shipping_rate_data"]["fixed_amount"]
    assert rate == {"amount": "0", "currency": "gbp"}
    assert "discounts" not in create.params and fake.requests_for("POST", "/v1/coupons") == []
    with fake.lock:
        assert fake.sessions[session_id]["amount_total"] == order.total_pence == 1800


def test_twenty_checkouts_for_the_last_use_one_gets_it(stripe_app, fake):
    with stripe_app.app_context():
        variant_id = ProductFactory(variants__price_pence=2000, variants__on_hand=50).variants[0].id
    promotion_id = make_promotion(stripe_app, "LAST", max_uses=1)
    shoppers = [client_at(stripe_app, f"192.0.2.{n}") for n in range(1, SHOPPERS + 1)]
    for shopper in shoppers:
        add_to_cart(shopper, variant_id)
        assert apply_code(shopper, "LAST").status_code == 303

    responses = run_together(*[lambda s=s: post_checkout(s) for s in shoppers])

    to_stripe = [r for r in responses if r.headers["Location"].startswith(fake.url)]
    assert len(to_stripe) == 1
    assert len(fake.requests_for("POST", "/v1/coupons")) == 1
    counted = promotion(stripe_app, promotion_id)
    assert (counted.uses_reserved, counted.uses_final) == (1, 0)
    (held,) = uses(stripe_app, promotion_id)
    with_code = [o for o in orders(stripe_app) if o.promo_code == "LAST"]
    assert [o.id for o in with_code] == [held[0]]
    for shopper, response in zip(shoppers, responses, strict=True):
        if response in to_stripe:
            continue
        assert response.headers["Location"] == "/cart"
        message = flashes(follow(shopper, response))[-1]
        # Used up as it was held, or found used up when the basket was read.
        assert message.startswith(
            ("Sorry, the code LAST has just been used up", "Sorry, the code LAST has been used up")
        )
        assert "taken it off your basket" in message
        assert cart_quantities(stripe_app, shopper) == {variant_id: 1}  # basket kept
        html = page(shopper.get("/cart"))
        assert html.select_one("[data-promo-code]") is None  # ... without the code
        assert html.select_one("input[name=code]") is not None


def test_an_expired_checkout_gives_its_use_back(stripe_app, shopper, products, fake):
    promotion_id = make_promotion(stripe_app, "LAST", max_uses=1)
    checkout_with_code(stripe_app, shopper, products, "LAST")
    order = only_order(stripe_app)
    update_order(stripe_app, order.id, payment_expires_at=utcnow() - timedelta(hours=1))

    result = stripe_app.test_cli_runner().invoke(args=["release-expired"])

    assert result.exit_code == 0, result.output
    assert only_order(stripe_app).status == OrderStatus.EXPIRED
    assert uses(stripe_app, promotion_id) == [(order.id, "released")]
    counted = promotion(stripe_app, promotion_id)
    assert (counted.uses_reserved, counted.uses_final) == (0, 0)
    # The use is there for the next checkout.
    other = stripe_app.test_client()
    add_to_cart(other, products.cream)
    assert apply_code(other, "LAST").status_code == 303


def test_a_full_refund_before_shipping_gives_the_use_back_and_says_so(
    stripe_app, shopper, products, fake
):
    promotion_id = make_promotion(stripe_app, "SPRING10")
    session_id = checkout_with_code(stripe_app, shopper, products, "SPRING10")
    fake.pay_session(session_id)
    shopper.get(f"/checkout/success?session_id={session_id}")
    order = only_order(stripe_app)
    staff = stripe_app.test_client()
    AuthActions(stripe_app, staff)("fulfilment")
    detail = page(staff.get(f"/admin/orders/{order.id}"))
    assert detail.select_one("[data-promo-use]").get_text(strip=True) == "(Used)"
    # Each line shows what it was paid after the code, for partial refunds.
    assert len(detail.select("[data-line-paid]")) == 2

    form = detail.select_one("form[data-refund-form]")
    data = {t["name"]: t.get("value", "") for t in form.select("input[name]")}
    data.pop("return_all", None)
    total = f"{order.total_pence // 100}.{order.total_pence % 100:02d}"
    response = staff.post(f"/admin/orders/{order.id}/refund", data={**data, "amount": total})
    assert response.status_code == 303

    assert uses(stripe_app, promotion_id) == [(order.id, "returned")]
    assert promotion(stripe_app, promotion_id).uses_final == 0
    detail = page(staff.get(f"/admin/orders/{order.id}"))
    assert detail.select_one("[data-promo-use]").get_text(strip=True) == "(Given back (refunded))"
    assert "its use was given back (refunded in full before shipping)" in detail.get_text(" ")


def test_the_shoppers_own_held_use_is_not_counted_against_them(stripe_app, shopper, products, fake):
    promotion_id = make_promotion(stripe_app, "LAST", max_uses=1, max_uses_per_customer=None)
    session_id = checkout_with_code(stripe_app, shopper, products, "LAST")
    (order,) = orders(stripe_app)

    # Back at the basket while paying: the code still applies...
    html = page(shopper.get("/cart"))
    assert html.select_one("[data-promo-problem]") is None
    assert html.select_one("[data-discount]") is not None
    # ... and checking out again carries on with the same checkout.
    assert session_id_from(post_checkout(shopper)) == session_id
    assert [o.id for o in orders(stripe_app)] == [order.id]
    assert uses(stripe_app, promotion_id) == [(order.id, "reserved")]


def test_the_demo_provider_shows_and_takes_the_same_total(app, client):
    with app.app_context():
        variant_id = ProductFactory(variants__price_pence=2450).variants[0].id
    promotion_id = make_promotion(app, "SPRING10")
    add_to_cart(client, variant_id, 2)
    apply_code(client, "SPRING10")
    payment_page = client.post("/checkout").headers["Location"]
    html = page(client.get(payment_page))
    assert html.select_one("[data-discount]").get_text(" ", strip=True) == "Code SPRING10 −£4.90"
    order = only_order(app)
    assert html.select_one("tfoot td").get_text(strip=True) == "£44.10"  # free delivery from £40
    assert order.total_pence == 4410

    paid = client.post(payment_page, data={"action": "pay", "email": "ada@example.com", **ADDRESS})
    client.get(paid.headers["Location"].removeprefix("http://shop.test"))

    order = only_order(app)
    assert (order.status, order.amount_paid_pence) == (OrderStatus.PAID, 4410)
    assert uses(app, promotion_id) == [(order.id, "final")]
