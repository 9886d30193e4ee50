"""Sizes: prices typed in pounds become whole pence, SKUs are unique across the shop,
and stock changes only by recorded adjustments that never go below zero or below
what is held for orders."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from shop.catalogue.admin.errors import CatalogueError
from shop.catalogue.admin.rules import parse_price
from shop.catalogue.models import StockAdjustment, Variant
from shop.extensions import db
from tests.helpers import page
from tests.helpers.catalogue_admin import audit_entries, product_by_slug, variant_by_sku


def sizes_url(product_id: int) -> str:
    return f"/admin/catalogue/products/{product_id}/variants"


def new_size(**changes) -> dict:
    data = {
        "sku": "BC-15",
        "size_label": "15 ml travel size",
        "price": "9.50",
        "compare_at": "",
        "weight_grams": "40",
        "is_active": "y",
        "opening_stock": "",
    }
    data.update(changes)
    return data


def adjustments(app, sku: str) -> list[tuple[int, str, int, str]]:
    with app.app_context():
        variant = db.session.scalar(db.select(Variant).where(Variant.sku == sku))
        rows = db.session.scalars(
            db.select(StockAdjustment)
            .where(StockAdjustment.variant_id == variant.id)
            .order_by(StockAdjustment.id)
        )
        return [(a.change, a.reason, a.on_hand_after, a.staff_email) for a in rows]


@pytest.mark.parametrize(
    "typed, pence",
    [
        ("24", 2400),
        ("24.00", 2400),
        ("24.5", 2450),
        ("£1,024.99", 102499),
        (" 0.10 ", 10),
        ("0", 0),
        ("19.99", 1999),  # 19.99 * 100 is 1998.9999... as a float
        ("1.10", 110),
    ],
)
def test_prices_in_pounds_become_exact_pence(typed, pence):
    assert parse_price(typed) == pence


@pytest.mark.parametrize(
    "typed, message",
    [
        ("", "Enter a price"),
        ("-5", "cannot be negative"),
        ("-£5.00", "cannot be negative"),
        ("£-5", "cannot be negative"),
        ("24.999", "two decimal places"),
        ("abc", "Enter a price"),
        ("1e3", "Enter a price"),
        ("NaN", "Enter a price"),
        ("100000.01", "Prices go up to £100,000.00"),
    ],
)
def test_bad_prices_are_refused_with_a_reason(typed, message):
    with pytest.raises(CatalogueError, match=message):
        parse_price(typed)


def test_an_editor_adds_a_size_with_opening_stock(app, client, cream, editor):
    response = client.post(sizes_url(cream), data=new_size(opening_stock="12"))
    assert response.status_code == 303
    variant = variant_by_sku(app, "BC-15")
    assert (variant.price_pence, variant.compare_at_pence, variant.on_hand) == (950, None, 12)
    assert variant.position == 2
    assert variant.weight_grams == 40
    assert adjustments(app, "BC-15") == [(12, "Opening stock", 12, editor.email)]
    (created,) = audit_entries(app, "variant.create")
    assert created.after_data["price"] == "9.50"
    assert created.after_data["sku"] == "BC-15"
    rows = page(client.get(sizes_url(cream))).select("[data-variants] tbody tr")
    assert [row.th.get_text(strip=True) for row in rows] == ["BC-50", "BC-100", "BC-15"]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"price": "-5.00"}, "price", "A price cannot be negative."),
        ({"price": "twelve"}, "price", "Enter a price in pounds"),
        ({"sku": "bc-50"}, "sku", "already used by Barrier Cream (50 ml)"),
        ({"sku": "BC 15!"}, "sku", "not a usable SKU"),
        ({"compare_at": "9.50"}, "compare_at", "must be higher than the price"),
        ({"compare_at": "5"}, "compare_at", "must be higher than the price"),
        ({"size_label": ""}, "size_label", "Enter the size"),
        ({"opening_stock": "-3"}, "opening_stock", "cannot be negative"),
    ],
)
def test_bad_sizes_are_refused_next_to_the_field_with_the_form_kept(
    app, client, cream, editor, changes, field, message
):
    data = new_size(**changes)
    response = client.post(sizes_url(cream), data=data)
    assert response.status_code == 400
    html = page(response)
    control = html.select_one(f"form[data-variant-form] #{field}")
    assert control["aria-invalid"] == "true"
    assert f"{field}-error" in control["aria-describedby"].split()
    assert message in html.select_one(f"#{field}-error").get_text()
    for name in ("sku", "size_label", "price", "compare_at"):
        assert html.select_one(f"form[data-variant-form] #{name}")["value"] == data[name]
    assert html.select_one("[role=alert]") is not None
    assert variant_by_sku(app, data["sku"]) is None or data["sku"] == "bc-50"
    assert len(product_by_slug(app, "barrier-cream").variants) == 2


def test_editing_a_size_audits_only_what_changed(app, client, cream, editor):
    variant = variant_by_sku(app, "BC-50")
    url = f"/admin/catalogue/variants/{variant.id}"
    html = page(client.get(url))
    assert html.select_one("form[data-variant-form] #price")["value"] == "24.00"
    response = client.post(
        url,
        data={
            "sku": "BC-50",
            "size_label": "50 ml",
            "price": "22.00",
            "compare_at": "24.00",
            "weight_grams": "120",
            "is_active": "y",
            "subscribable": "y",
        },
    )
    assert response.status_code == 303
    changed = variant_by_sku(app, "BC-50")
    assert (changed.price_pence, changed.compare_at_pence) == (2200, 2400)
    (entry,) = audit_entries(app, "variant.update")
    assert entry.before_data == {"price": "24.00", "compare_at_price": None}
    assert entry.after_data == {"price": "22.00", "compare_at_price": "24.00"}


def test_a_size_cannot_take_another_sizes_sku(app, client, cream, editor):
    variant = variant_by_sku(app, "BC-50")
    response = client.post(
        f"/admin/catalogue/variants/{variant.id}",
        data={"sku": "BC-100", "size_label": "50 ml", "price": "24", "weight_grams": "120"},
    )
    assert response.status_code == 400
    html = page(response)
    assert "already used" in html.select_one("#sku-error").get_text()
    assert html.select_one("form[data-variant-form] #sku")["value"] == "BC-100"
    assert variant_by_sku(app, "BC-50") is not None


# Stock -----------------------------------------------------------------------------------


def stock_url(app, sku: str) -> str:
    return f"/admin/catalogue/variants/{variant_by_sku(app, sku).id}/stock"


def test_stock_adjustments_are_recorded_with_their_reason(app, client, cream, editor):
    url = stock_url(app, "BC-50")
    assert client.post(url, data={"change": "24", "reason": "Delivery from the lab"}).status_code
    response = client.post(url, data={"change": "-4", "reason": "Damaged in the warehouse"})
    assert response.status_code == 303
    assert variant_by_sku(app, "BC-50").on_hand == 30
    assert adjustments(app, "BC-50") == [
        (24, "Delivery from the lab", 34, editor.email),
        (-4, "Damaged in the warehouse", 30, editor.email),
    ]
    entries = audit_entries(app, "stock.adjust")
    assert [(e.before_data, e.after_data) for e in entries] == [
        ({"on_hand": 10}, {"on_hand": 34}),
        ({"on_hand": 34}, {"on_hand": 30}),
    ]
    history = page(client.get(f"/admin/catalogue/variants/{variant_by_sku(app, 'BC-50').id}"))
    reasons = [td.get_text() for td in history.select("[data-adjustments] td[data-label=Reason]")]
    assert reasons == ["Damaged in the warehouse", "Delivery from the lab"]


def test_stock_below_zero_is_refused_next_to_the_field_with_the_form_kept(
    app, client, cream, editor
):
    response = client.post(stock_url(app, "BC-100"), data={"change": "-5", "reason": "Stock-take"})
    assert response.status_code == 400
    html = page(response)
    control = html.select_one("form[data-stock-form] #change")
    assert control["value"] == "-5"
    assert control["aria-invalid"] == "true"
    assert "change-error" in control["aria-describedby"].split()
    assert "cannot go below zero" in html.select_one("#change-error").get_text()
    assert "at most 4" in html.select_one("#change-error").get_text()
    assert html.select_one("form[data-stock-form] #reason")["value"] == "Stock-take"
    assert variant_by_sku(app, "BC-100").on_hand == 4
    assert adjustments(app, "BC-100") == []
    assert audit_entries(app) == []


def test_stock_held_for_unpaid_orders_cannot_be_taken_away(app, client, cream, editor):
    with app.app_context():
        db.session.execute(update(Variant).where(Variant.sku == "BC-100").values(reserved=3))
        db.session.commit()
    response = client.post(stock_url(app, "BC-100"), data={"change": "-2", "reason": "Samples"})
    assert response.status_code == 400
    assert "held for orders" in page(response).select_one("#change-error").get_text()
    ok = client.post(stock_url(app, "BC-100"), data={"change": "-1", "reason": "Samples"})
    assert ok.status_code == 303
    assert variant_by_sku(app, "BC-100").on_hand == 3


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"change": "5", "reason": ""}, "reason", "Say why"),
        ({"change": "0", "reason": "Nothing"}, "change", "other than 0"),
        ({"change": "lots", "reason": "Delivery"}, "change", "Not a valid integer"),
    ],
)
def test_an_adjustment_needs_a_number_and_a_reason(
    app, client, cream, editor, data, field, message
):
    response = client.post(stock_url(app, "BC-50"), data=data)
    assert response.status_code == 400
    assert message in page(response).select_one(f"#{field}-error").get_text()
    assert variant_by_sku(app, "BC-50").on_hand == 10


def test_the_stock_check_is_made_by_the_database_not_by_a_value_read_earlier(app, cream):
    """Another worker sells 3 of the 4 units after this one read the size: taking
    away 4 is refused by the UPDATE's condition, and 1 still works."""
    from shop.catalogue.admin import sizes

    with app.app_context():
        variant = db.session.scalar(db.select(Variant).where(Variant.sku == "BC-100"))
        assert variant.on_hand == 4
        with db.engine.begin() as other_worker:
            other_worker.execute(
                update(Variant).where(Variant.id == variant.id).values(on_hand=Variant.on_hand - 3)
            )
        assert variant.on_hand == 4  # what this worker read
        with pytest.raises(CatalogueError, match="with 1 on hand"):
            sizes.adjust_stock(variant, -4, "Sold at a market", None)
        db.session.rollback()
        adjustment = sizes.adjust_stock(variant, -1, "Sold at a market", None)
        db.session.commit()
        assert adjustment.on_hand_after == 0
        assert db.session.get(Variant, variant.id).on_hand == 0
