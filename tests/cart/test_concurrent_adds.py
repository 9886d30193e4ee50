"""Many "add to basket" at once into one basket (tabs, a script, a double-clicking
shopper): every add counts or is refused with a message, never a 500, and no add is
lost. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import pytest

from shop.catalogue.models import Variant
from shop.extensions import db
from tests.factories import ProductFactory
from tests.helpers.checkout import cart_quantities, run_together, share_basket

ADDS = 20
JSON = {"Accept": "application/json"}


@pytest.fixture
def sizes(app) -> dict[str, int]:
    """A serum (50 in stock) to add many times, and a cream to start the basket with."""
    with app.app_context():
        serum = ProductFactory(name="Kefir Serum", variants__on_hand=50).variants[0].id
        cream = ProductFactory(name="Barrier Cream", variants__on_hand=50).variants[0].id
    return {"serum": serum, "cream": cream}


def set_max_per_order(app, variant_id: int, most: int) -> None:
    with app.app_context():
        db.session.get(Variant, variant_id).product.max_per_order = most
        db.session.commit()


def add_at_once(app, client, variant_id: int, quantity: int = 1) -> list:
    tabs = [share_basket(app, client) for _ in range(ADDS)]
    data = {"variant_id": str(variant_id), "quantity": str(quantity)}
    return run_together(*[lambda t=t: t.post("/cart/add", data=data, headers=JSON) for t in tabs])


@pytest.mark.parametrize("already", [0, 1], ids=["new line", "line already there"])
def test_twenty_adds_at_once_all_count(app, client, sizes, already):
    set_max_per_order(app, sizes["serum"], 99)
    client.post("/cart/add", data={"variant_id": sizes["cream"], "quantity": 1})
    if already:
        client.post("/cart/add", data={"variant_id": sizes["serum"], "quantity": already})

    responses = add_at_once(app, client, sizes["serum"])

    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 409}, statuses
    refused = [r.json["message"] for r in responses if r.status_code == 409]
    assert all(refused), refused
    added = statuses.count(200)
    assert added == ADDS, refused  # room for all of them: none is refused
    assert cart_quantities(app, client) == {sizes["cream"]: 1, sizes["serum"]: already + added}


def test_twenty_adds_at_once_stop_at_the_most_per_order(app, client, sizes):
    client.post("/cart/add", data={"variant_id": sizes["cream"], "quantity": 1})

    responses = add_at_once(app, client, sizes["serum"])

    statuses = [r.status_code for r in responses]
    assert sorted(statuses) == [200] * 10 + [409] * 10
    for response in responses:
        if response.status_code == 409:
            assert response.json["message"] == (
                "You already have the most one order can hold of Kefir Serum (50 ml): 10."
            )
    assert cart_quantities(app, client) == {sizes["cream"]: 1, sizes["serum"]: 10}


def test_twenty_adds_at_once_stop_at_the_stock(app, client, sizes):
    set_max_per_order(app, sizes["serum"], 99)
    with app.app_context():
        db.session.get(Variant, sizes["serum"]).on_hand = 7
        db.session.commit()
    client.post("/cart/add", data={"variant_id": sizes["cream"], "quantity": 1})

    responses = add_at_once(app, client, sizes["serum"])

    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 409}, statuses
    assert statuses.count(200) == 7
    assert cart_quantities(app, client)[sizes["serum"]] == 7
