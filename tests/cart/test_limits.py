"""The most of one size an order may hold (10 unless staff set another number): shown on
the product page, and held to when adding, changing the basket and checking out,
whatever the browser sends."""

from __future__ import annotations

import pytest

from shop.cart.models import CartLine
from shop.catalogue.models import Product
from shop.extensions import db
from shop.orders.models import Order
from tests.factories import ProductFactory, VariantFactory
from tests.helpers import page

JSON = {"Accept": "application/json"}


@pytest.fixture
def serum(app) -> int:
    """Kefir Serum, 30 ml: 50 in stock, the usual most per order (10); its variant id."""
    with app.app_context():
        product = ProductFactory(name="Kefir Serum", slug="kefir-serum", variants=[])
        return VariantFactory(product=product, size_label="30 ml", on_hand=50).id


def quantity_of(app, variant_id: int) -> int | None:
    with app.app_context():
        return db.session.scalar(db.select(CartLine.quantity).filter_by(variant_id=variant_id))


def set_most(app, slug: str, most: int) -> None:
    with app.app_context():
        db.session.scalar(db.select(Product).filter_by(slug=slug)).max_per_order = most
        db.session.commit()


def test_the_product_page_says_how_many_one_order_may_hold(app, client, serum):
    soup = page(client.get("/products/kefir-serum"))
    field = soup.select_one("#quantity")
    assert field["max"] == "10"
    assert soup.select_one(f"#{field['aria-describedby']}").text == "Up to 10 per order."

    set_most(app, "kefir-serum", 3)
    with app.app_context():
        product = db.session.scalar(db.select(Product).filter_by(slug="kefir-serum"))
        VariantFactory(product=product, size_label="50 ml", on_hand=5)
    soup = page(client.get("/products/kefir-serum"))
    assert soup.select_one("#quantity")["max"] == "3"
    assert soup.select_one("#quantity-hint").text == "Up to 3 of each size per order."


def test_adding_more_than_one_order_may_hold_is_capped_then_refused(app, client, serum):
    response = client.post("/cart/add", data={"variant_id": serum, "quantity": 15}, headers=JSON)
    assert (response.status_code, response.json["message"]) == (
        200,
        "One order can hold at most 10 of Kefir Serum (30 ml): your basket now has 10.",
    )
    assert quantity_of(app, serum) == 10

    again = client.post("/cart/add", data={"variant_id": serum, "quantity": 1}, headers=JSON)
    assert (again.status_code, again.json["message"]) == (
        409,
        "You already have the most one order can hold of Kefir Serum (30 ml): 10.",
    )
    assert quantity_of(app, serum) == 10


def test_a_product_may_allow_more_or_fewer(app, client, serum):
    set_most(app, "kefir-serum", 25)
    client.post("/cart/add", data={"variant_id": serum, "quantity": 20})
    assert quantity_of(app, serum) == 20
    set_most(app, "kefir-serum", 2)
    response = client.post("/cart/update", data={"line_id": 1, "quantity": 5}, headers=JSON)
    assert (response.status_code, response.json["message"]) == (
        200,
        "One order can hold at most 2 of Kefir Serum (30 ml): your basket now has 2.",
    )
    assert quantity_of(app, serum) == 2


def test_changing_the_quantity_is_capped_too(app, client, serum):
    client.post("/cart/add", data={"variant_id": serum, "quantity": 2})
    with app.app_context():
        line_id = db.session.scalar(db.select(CartLine.id))
    response = client.post("/cart/update", data={"line_id": line_id, "quantity": 60})
    assert response.status_code == 303
    assert quantity_of(app, serum) == 10
    soup = page(client.get("/cart"))
    assert soup.select(".flash")[-1].text == (
        "One order can hold at most 10 of Kefir Serum (30 ml): your basket now has 10."
    )
    assert soup.select_one(f"#qty-{line_id}")["max"] == "10"


def test_a_basket_over_the_most_is_flagged_and_cannot_be_checked_out(app, client, serum):
    client.post("/cart/add", data={"variant_id": serum, "quantity": 8})
    set_most(app, "kefir-serum", 5)  # staff lowered it since

    soup = page(client.get("/cart"))
    problem = soup.select_one(".cart-line--problem .field-error").text
    assert problem == "One order can hold at most 5: please lower the quantity."
    assert soup.find("form", action="/checkout") is None

    response = client.post("/checkout")  # the button is gone, but a script can still post
    assert (response.status_code, response.headers["Location"]) == (303, "/cart")
    message = page(client.get("/cart")).select_one(".flash--error").text
    assert "Kefir Serum (30 ml): one order can hold at most 5" in message
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0
    assert quantity_of(app, serum) == 8  # the basket is kept as it was
