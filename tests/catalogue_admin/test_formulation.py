"""The formulation editors: the INCI list keeps its order, strain counts are read
however staff write them, and nutrients keep exact amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.catalogue.admin.errors import CatalogueError
from shop.catalogue.admin.formulation import parse_ingredient_lines
from shop.catalogue.admin.rules import parse_cfu
from tests.factories import IngredientFactory, StrainFactory
from tests.helpers import page
from tests.helpers.catalogue_admin import (
    INCI,
    audit_entries,
    formulation,
    formulation_url,
    product_by_slug,
)


@pytest.mark.parametrize(
    "typed, count",
    [
        ("5 billion", 5_000_000_000),
        ("5e9", 5_000_000_000),
        ("5E9", 5_000_000_000),
        ("5,000,000,000", 5_000_000_000),
        ("5 000 000 000", 5_000_000_000),
        ("2.5 billion", 2_500_000_000),
        ("2.5bn CFU", 2_500_000_000),
        ("500 million", 500_000_000),
        ("1 trillion", 10**12),
        ("5 x 10^9", 5_000_000_000),
        ("1.5e10", 15_000_000_000),
        ("750000", 750_000),
    ],
)
def test_cfu_counts_are_read_however_staff_write_them(typed, count):
    assert parse_cfu(typed) == count
    assert isinstance(parse_cfu(typed), int)


@pytest.mark.parametrize(
    "typed, message",
    [
        ("", "Enter the live bacteria"),
        ("lots", "not a count we can read"),
        ("5 zillion", "not a count we can read"),
        ("-5 billion", "cannot be negative"),
        ("0", "at least one"),
        ("1.5", "not a whole number"),
        ("1e30", "far too large"),
    ],
)
def test_unreadable_cfu_counts_are_refused(typed, message):
    with pytest.raises(CatalogueError, match=message):
        parse_cfu(typed)


def test_the_inci_list_is_read_in_order_one_a_line():
    assert parse_ingredient_lines(INCI) == [
        ("Aqua", "Solvent"),
        ("Glycerin", "Humectant"),
        ("Lactobacillus Ferment Lysate", "Skin conditioning"),
        ("Ceramide NP", "Skin-restoring lipid"),
        ("Tocopherol", ""),
    ]
    with pytest.raises(CatalogueError, match="Line 2: the INCI name is missing"):
        parse_ingredient_lines("Aqua\n | Humectant")
    with pytest.raises(CatalogueError, match="Line 1: use one |"):
        parse_ingredient_lines("Aqua | Solvent | Water")


def test_an_editor_saves_the_formulation_in_order(app, client, cream, editor):
    response = client.post(formulation_url(cream), data=formulation())
    assert response.status_code == 303
    product = product_by_slug(app, "barrier-cream")
    assert [(i.inci_name, i.function) for i in product.ingredients] == [
        ("Aqua", "Solvent"),
        ("Glycerin", "Humectant"),
        ("Lactobacillus Ferment Lysate", "Skin conditioning"),
        ("Ceramide NP", "Skin-restoring lipid"),
        ("Tocopherol", ""),
    ]
    assert [
        (s.full_name, s.cfu_per_serving, s.guaranteed_to_best_before) for s in product.strains
    ] == [
        ("Lacticaseibacillus rhamnosus GG", 5_000_000_000, True),
        ("Bifidobacterium longum BB536", 2_000_000_000, False),
    ]
    assert [(n.name, n.amount, n.unit, n.nrv_percent) for n in product.nutrients] == [
        ("Zinc", Decimal("10"), "mg", 100),
        ("Inulin", Decimal("2.5"), "g", None),
    ]
    (entry,) = audit_entries(app, "product.formulation")
    assert entry.before_data == {"ingredients": [], "strains": [], "nutrients": []}
    assert entry.after_data["ingredients"][0] == "Aqua | Solvent"
    assert entry.after_data["strains"][0] == "Lacticaseibacillus rhamnosus GG: 5000000000 CFU"

    shown = page(client.get(formulation_url(cream)))
    assert shown.select_one("#ingredients").get_text().strip().splitlines()[1] == (
        "Glycerin | Humectant"
    )
    assert shown.select_one("#strains-0-cfu")["value"] == "5,000,000,000"
    assert shown.select_one("#nutrients-1-amount")["value"] == "2.5"
    assert shown.select_one("#strains-4-genus") is not None  # empty rows to add more

    product_page = page(client.get("/products/barrier-cream"))
    cells = [th.get_text(" ", strip=True) for th in product_page.select(".formulation tbody th")]
    assert cells[:2] == ["Lacticaseibacillus rhamnosus GG", "Bifidobacterium longum BB536"]


def test_saving_again_changes_only_what_changed(app, client, cream, editor):
    client.post(formulation_url(cream), data=formulation())
    reordered = INCI.replace("Aqua | Solvent\nGlycerin | Humectant", "Glycerin | Humectant\nAqua")
    assert (
        client.post(formulation_url(cream), data=formulation(ingredients=reordered)).status_code
        == 303
    )
    product = product_by_slug(app, "barrier-cream")
    assert [i.inci_name for i in product.ingredients][:2] == ["Glycerin", "Aqua"]
    entries = audit_entries(app, "product.formulation")
    assert len(entries) == 2
    assert set(entries[1].after_data) == {"ingredients"}


def test_a_strain_is_removed_by_ticking_remove(app, client, cream, editor):
    with app.app_context():
        from shop.catalogue.models import Product
        from shop.extensions import db

        product = db.session.get(Product, cream)
        StrainFactory(product=product, genus="Old", species="strain", position=0)
        IngredientFactory(product=product, inci_name="Aqua", position=0)
    data = formulation(**{"strains-0-remove": "y"})
    assert client.post(formulation_url(cream), data=data).status_code == 303
    product = product_by_slug(app, "barrier-cream")
    assert [s.genus for s in product.strains] == ["Bifidobacterium"]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"strains-1-cfu": "loads"}, "strains-1-cfu", "not a count we can read"),
        ({"strains-0-species": ""}, "strains-0-species", "Enter the species."),
        ({"nutrients-0-amount": "ten"}, "nutrients-0-amount", "as a number"),
        ({"nutrients-0-amount": "1.2345"}, "nutrients-0-amount", "three decimal places"),
        ({"nutrients-1-unit": ""}, "nutrients-1-unit", "Enter the unit"),
        ({"ingredients": "Aqua | a | b"}, "ingredients", "Line 1"),
    ],
)
def test_bad_rows_are_refused_next_to_the_field(
    app, client, cream, editor, changes, field, message
):
    data = formulation(**changes)
    response = client.post(formulation_url(cream), data=data)
    assert response.status_code == 400
    html = page(response)
    control = html.select_one(f"#{field}")
    assert control["aria-invalid"] == "true"
    assert control["aria-describedby"] == f"{field}-error" or f"{field}-error" in (
        control["aria-describedby"].split()
    )
    assert message in html.select_one(f"#{field}-error").get_text()
    assert html.select_one("#strains-1-designation")["value"] == "BB536"
    product = product_by_slug(app, "barrier-cream")
    assert product.ingredients == [] and product.strains == []


def test_a_nutrient_listed_twice_is_refused(app, client, cream, editor):
    data = formulation(**{"nutrients-1-name": "zinc"})
    response = client.post(formulation_url(cream), data=data)
    assert response.status_code == 400
    assert "List each nutrient once" in page(response).get_text()
    assert product_by_slug(app, "barrier-cream").nutrients == []
