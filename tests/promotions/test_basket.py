"""Promo codes on the basket: applying, every refusal reason, scope, case, links, the
recheck when the basket changes, and the basket page's SQL count with a code."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shop.extensions import db
from shop.models import utcnow
from shop.orders.models import Order
from shop.promotions.models import PromotionUse
from shop.text import new_token
from tests.factories import CategoryFactory, ProductFactory
from tests.helpers import page
from tests.helpers.checkout import add_to_cart, flashes, follow
from tests.helpers.promotions import apply_code, make_promotion, promo_error, totals


@pytest.fixture
def items(app):
    """Cream (£18.00, in category A) and capsules (£24.50, in category B)."""
    with app.app_context():
        skin, gut = CategoryFactory(name="Skin"), CategoryFactory(name="Gut")
        cream = ProductFactory(
            name="Barrier Cream", category=skin, variants__price_pence=1800
        ).variants[0]
        capsules = ProductFactory(
            name="Capsules", category=gut, variants__price_pence=2450
        ).variants[0]
        return {
            "cream": cream.id,
            "capsules": capsules.id,
            "cream_product": cream.product_id,
            "skin": skin.id,
            "gut": gut.id,
        }


def test_a_percentage_code_shows_its_name_and_discount_as_a_line_of_the_totals(app, client, items):
    make_promotion(app, "SPRING10", name="Spring sale", percent_off=10)
    add_to_cart(client, items["cream"], 2)  # £36.00
    response = apply_code(client, "SPRING10")
    assert response.status_code == 303
    assert "The code SPRING10 is applied: Spring sale, £3.60 off." in flashes(
        follow(client, response)
    )
    shown = totals(client)
    assert shown["Code SPRING10: Spring sale"] == "−£3.60"
    assert shown["Total"] == "£36.35"  # 36.00 - 3.60 + 3.95 delivery


def test_codes_are_matched_whatever_their_case_and_spaces(app, client, items):
    make_promotion(app, "SPRING10")
    add_to_cart(client, items["cream"])
    assert apply_code(client, "  spring10 ").status_code == 303
    assert "Code SPRING10: Spring10" in totals(client)


def test_a_fixed_amount_never_takes_the_total_below_delivery(app, client, items):
    make_promotion(app, "BIG", kind="amount", amount_off_pence=5000)
    add_to_cart(client, items["cream"])
    apply_code(client, "BIG")
    shown = totals(client)
    assert shown["Code BIG: Big"] == "−£18.00"
    assert shown["Total"] == "£3.95"  # delivery is never discounted by an amount off


def test_a_free_delivery_code_makes_delivery_free_and_leaves_the_goods(app, client, items):
    make_promotion(app, "FREESHIP", kind="free_shipping", name="Free delivery")
    add_to_cart(client, items["cream"])
    apply_code(client, "FREESHIP")
    shown = totals(client)
    assert shown["Delivery (code FREESHIP)"] == "Free"
    assert shown["Total"] == "£18.00"


@pytest.mark.parametrize(
    ("fields", "typed", "message"),
    [
        ({}, "NOPE1", "We don't recognise that code. Please check it and try again."),
        ({"starts_at": "future"}, "SPRING10", "The code SPRING10 starts on"),
        ({"ends_at": "past"}, "SPRING10", "The code SPRING10 expired on"),
        ({"is_active": False}, "SPRING10", "The code SPRING10 has ended."),
        (
            {"max_uses": 1, "uses_final": 1},
            "SPRING10",
            "Sorry, the code SPRING10 has been used up.",
        ),
        (
            {"min_spend_pence": 4000},
            "SPRING10",
            "The code SPRING10 needs a spend of £40.00: add £22.00 more to use it.",
        ),
        (
            {"products": "capsules"},
            "SPRING10",
            "The code SPRING10 is not for the items in your basket.",
        ),
        (
            {"max_uses_per_customer": 1},
            "SPRING10",
            "Please sign in to use the code SPRING10: it is for each customer.",
        ),
        (
            {"first_order_only": True},
            "SPRING10",
            "Please sign in to use the code SPRING10: it is for a first order only.",
        ),
    ],
)
def test_a_refused_code_keeps_the_basket_and_says_why_next_to_the_field(
    app, client, items, fields, typed, message
):
    now = utcnow()
    fields = dict(fields)
    if fields.get("starts_at") == "future":
        fields["starts_at"] = now + timedelta(days=2)
    if fields.get("ends_at") == "past":
        fields["starts_at"], fields["ends_at"] = now - timedelta(days=9), now - timedelta(days=2)
    if fields.get("products") == "capsules":
        with app.app_context():
            from shop.catalogue.models import Variant

            fields["products"] = [db.session.get(Variant, items["capsules"]).product_id]
    make_promotion(app, "SPRING10", **fields)
    add_to_cart(client, items["cream"])
    before = totals(client)

    response = apply_code(client, typed)

    assert response.status_code == 400
    assert promo_error(response).startswith(message)
    field = page(response).select_one("input[name=code]")
    assert field["value"] == typed and field["aria-invalid"] == "true"
    assert totals(client) == before


def paid_order_with(app, email: str, promotion_id: int | None = None) -> int:
    """A paid order placed with `email` (and a final use of the promotion, if given)."""
    with app.app_context():
        order = Order(
            access_token=new_token(),
            checkout_key=new_token(),
            email=email,
            status="paid",
            subtotal_pence=1800,
            shipping_pence=395,
            total_pence=2195,
            shipping_code="standard",
            shipping_name="Standard",
            payment_provider="demo",
            payment_expires_at=utcnow(),
        )
        db.session.add(order)
        db.session.flush()
        if promotion_id is not None:
            db.session.add(
                PromotionUse(
                    promotion_id=promotion_id, order_id=order.id, email=email, status="final"
                )
            )
        db.session.commit()
        return order.id


def test_signed_in_customers_are_told_they_used_a_code_or_have_ordered_before(
    acc_app, acc_client, customer
):
    with acc_app.app_context():
        variant_id = ProductFactory(variants__price_pence=1800).variants[0].id
    once = make_promotion(acc_app, "ONCE", max_uses_per_customer=1)
    make_promotion(acc_app, "FIRST", first_order_only=True)
    customer.sign_in("ada@example.com")
    add_to_cart(acc_client, variant_id)
    assert apply_code(acc_client, "first").status_code == 303  # no order yet
    assert apply_code(acc_client, "once").status_code == 303  # not used yet

    paid_order_with(acc_app, "ada@example.com", once)

    assert promo_error(apply_code(acc_client, "once")) == "You have already used the code ONCE."
    assert promo_error(apply_code(acc_client, "first")) == (
        "The code FIRST is for a first order only."
    )


def test_a_scoped_code_discounts_only_its_lines(app, client, items):
    make_promotion(app, "SKIN20", percent_off=20, categories=[items["skin"]])
    add_to_cart(client, items["cream"])  # £18.00, Skin
    add_to_cart(client, items["capsules"])  # £24.50, Gut
    apply_code(client, "SKIN20")
    assert totals(client)["Code SKIN20: Skin20"] == "−£3.60"


def test_removing_a_line_below_the_minimum_drops_the_discount_with_a_message(app, client, items):
    make_promotion(app, "SPEND30", kind="amount", amount_off_pence=500, min_spend_pence=3000)
    add_to_cart(client, items["cream"])
    add_to_cart(client, items["capsules"])
    assert apply_code(client, "SPEND30").status_code == 303
    assert "Code SPEND30: Spend30" in totals(client)
    with app.app_context():
        from shop.cart.models import CartLine

        line_id = db.session.scalar(
            db.select(CartLine.id).where(CartLine.variant_id == items["capsules"])
        )
    client.post("/cart/remove", data={"line_id": line_id})
    html = page(client.get("/cart"))
    assert html.select_one("[data-promo-problem]").get_text(strip=True) == (
        "The code SPEND30 needs a spend of £30.00: add £12.00 more to use it."
    )
    assert html.select_one("[data-discount]") is None
    assert "Code SPEND30 is not applied." in html.select_one("[data-promo]").get_text(
        " ", strip=True
    )
    # Adding the line back brings the discount back.
    add_to_cart(client, items["capsules"])
    assert "Code SPEND30: Spend30" in totals(client)


def test_one_code_per_basket_and_it_can_be_removed(app, client, items):
    make_promotion(app, "SPRING10")
    add_to_cart(client, items["cream"])
    apply_code(client, "SPRING10")
    html = page(client.get("/cart"))
    assert html.select_one("input[name=code]") is None  # no second code field
    response = client.post("/cart/promo/remove")
    assert "The code SPRING10 is removed." in flashes(follow(client, response))
    assert "Code SPRING10: Spring10" not in totals(client)


def test_links_apply_a_code_and_land_where_asked(app, client, items):
    make_promotion(app, "SPRING10")
    response = client.get("/promo/spring10?next=/shop")
    assert response.status_code == 303 and response.headers["Location"] == "/shop"
    add_to_cart(client, items["cream"])
    assert "Code SPRING10: Spring10" in totals(client)
    # Only paths on this site.
    other = app.test_client()
    assert other.get("/promo/SPRING10?next=//evil.example/").headers["Location"] == "/cart"
    third = app.test_client()
    response = third.get("/cart?code=NOPE1")
    assert response.headers["Location"] == "/cart"
    assert "We don't recognise that code." in " ".join(flashes(follow(third, response)))
    with app.app_context():
        from shop.cart.models import Cart

        # A code that does not apply makes no basket for a visitor who had none.
        assert db.session.scalar(db.select(db.func.count()).select_from(Cart)) == 2


def test_the_basket_page_makes_as_many_queries_with_a_code_at_any_size(
    app, client, count_queries, items
):
    with app.app_context():
        more = [ProductFactory(variants__price_pence=500 + n).variants[0].id for n in range(8)]
    make_promotion(app, "SPRING10", categories=[items["skin"], items["gut"]])
    add_to_cart(client, items["cream"])
    apply_code(client, "SPRING10")
    with count_queries() as one_line:
        client.get("/cart")
    for variant_id in [items["capsules"], *more]:
        add_to_cart(client, variant_id)
    with count_queries() as many_lines:
        html = page(client.get("/cart"))
    assert html.select_one("[data-discount]") is not None
    assert len(many_lines) == len(one_line)
    # The basket with its code (1), the code's products and categories (2), the
    # pictures (1) and the header's shelves (2).
    assert len(many_lines) <= 6, many_lines
