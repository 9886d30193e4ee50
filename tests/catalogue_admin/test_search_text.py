"""What staff change in the back office is what shoppers find in search, at once."""

from __future__ import annotations

from shop.catalogue.models import Product
from shop.catalogue.search_text import product_search_text
from shop.extensions import db
from tests.helpers import card_names
from tests.helpers.catalogue_admin import (
    apply,
    current_form,
    edit_url,
    export,
    formulation,
    formulation_url,
    preview,
    to_csv,
)


def search(client, query: str) -> list[str]:
    response = client.get("/shop", query_string={"q": query})
    assert response.status_code == 200
    return card_names(response)


def stored_and_rebuilt(app, slug: str) -> tuple[str, str]:
    """A product's stored search text, and the text built afresh from its rows."""
    with app.app_context():
        product = db.session.scalar(db.select(Product).where(Product.slug == slug))
        return product.search_text, product_search_text(product)


def test_editing_the_descriptions_changes_what_search_finds(app, client, cream, editor):
    assert search(client, "dry") == ["Barrier Cream"]
    data = current_form(client, cream)
    data["short_description"] = "A cream for eczema-prone skin."
    data["long_description"] = "Made with colloidal oatmeal."
    assert client.post(edit_url(cream), data=data).status_code == 303
    assert search(client, "dry") == []
    assert search(client, "ECZEMA") == ["Barrier Cream"]
    assert search(client, "oatmeal") == ["Barrier Cream"]
    assert search(client, "paragraph") == []  # the long description it had before
    stored, rebuilt = stored_and_rebuilt(app, "barrier-cream")
    assert stored == rebuilt


def test_renaming_an_ingredient_and_removing_a_strain_change_search(app, client, cream, editor):
    assert client.post(formulation_url(cream), data=formulation()).status_code == 303
    assert search(client, "ceramide") == ["Barrier Cream"]
    assert search(client, "BB536") == ["Barrier Cream"]
    assert search(client, "rhamnosus") == ["Barrier Cream"]

    renamed = formulation()["ingredients"].replace("Ceramide NP", "Niacinamide")
    data = formulation(ingredients=renamed, **{"strains-0-remove": "y"})
    assert client.post(formulation_url(cream), data=data).status_code == 303
    assert search(client, "ceramide") == []
    assert search(client, "niacinamide") == ["Barrier Cream"]
    assert search(client, "rhamnosus") == []  # the strain taken off
    assert search(client, "BB536") == ["Barrier Cream"]  # the strain kept
    stored, rebuilt = stored_and_rebuilt(app, "barrier-cream")
    assert stored == rebuilt
    assert "niacinamide" in stored and "rhamnosus" not in stored


def test_a_csv_import_keeps_search_current(app, client, cream, editor):
    rows = export(client)
    for row in rows:
        row["product_name"] = "Barrier Balm"
    rows.append(
        {
            **rows[0],
            "product_slug": "sleep-balm",
            "product_name": "Sleep Balm",
            "sku": "SB-30",
            "short_description": "Lavender-free.",
        }
    )
    assert apply(client, preview(client, to_csv(rows))).status_code == 303
    assert search(client, "balm") == ["Barrier Balm", "Sleep Balm"]
    assert search(client, "lavender") == ["Sleep Balm"]
    assert search(client, "cream") == ["Barrier Balm"]  # "A rich cream for dry skin."
    assert stored_and_rebuilt(app, "sleep-balm") == ("sleep balm\nlavender-free.",) * 2


def test_a_duplicate_carries_the_search_text_of_its_original(app, client, cream, editor):
    client.post(formulation_url(cream), data=formulation())
    assert client.post(f"/admin/catalogue/products/{cream}/duplicate").status_code == 303
    stored, rebuilt = stored_and_rebuilt(app, "barrier-cream-copy")
    assert stored == rebuilt
    assert stored.startswith("barrier cream (copy)\n")
    assert "ceramide np" in stored and "bifidobacterium longum bb536" in stored
