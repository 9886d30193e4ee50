"""Staff find, add, edit, duplicate and archive products; renamed products keep their
old address working."""

from __future__ import annotations

import pytest

from shop.catalogue.models import Category, Product, SlugRedirect
from shop.extensions import db
from tests.factories import ProductFactory, VariantFactory
from tests.helpers import page
from tests.helpers.catalogue_admin import (
    audit_entries,
    current_form,
    edit_url,
    product_by_slug,
    textarea_value,
)
from tests.helpers.staff import STAFF_PASSWORD, make_staff

LIST = "/admin/catalogue/"
NEW = "/admin/catalogue/products/new"


def product_form(shelves, **changes) -> dict:
    data = {
        "name": "Calm Serum",
        "slug": "calm-serum",
        "category": str(shelves["moisturisers"]),
        "short_description": "A light serum for reactive skin.",
        "long_description": "First paragraph.\n\nSecond paragraph.",
        "how_to_use": "Two drops, morning and night.",
        "warnings": "For external use only.",
        "serving_size": "",
        "featured_rank": "3",
        "concerns": [str(shelves["rosacea"])],
        "free_from": [str(shelves["vegan"]), str(shelves["fragrance-free"])],
    }
    data.update(changes)
    return data


# The list -------------------------------------------------------------------------------


def make_listing(app, shelves):
    with app.app_context():
        cleansers = db.session.get(Category, shelves["cleansers"])
        capsules = db.session.get(Category, shelves["capsules"])
        ProductFactory(
            slug="oat-cleanser", name="Oat Cleanser", category=cleansers, variants__sku="OAT-1"
        )
        ProductFactory(
            slug="gel-cleanser",
            name="Gel Cleanser",
            category=cleansers,
            variants__sku="GEL-1",
            variants__on_hand=3,
        )
        ProductFactory(
            slug="live-capsules",
            name="Live Capsules",
            category=capsules,
            variants__sku="CAP-30",
            variants__on_hand=0,
        )
        ProductFactory(
            slug="old-toner",
            name="Old Toner",
            category=cleansers,
            is_active=False,
            variants__sku="TONER-1",
        )


def listed(response) -> list[str]:
    return [
        a.get_text(strip=True)
        for a in page(response).select("[data-products] tbody th[data-label=Product] a")
    ]


def test_the_list_finds_products_by_name_slug_and_sku(app, client, shelves, editor):
    make_listing(app, shelves)
    response = client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == ["Gel Cleanser", "Live Capsules", "Oat Cleanser", "Old Toner"]
    assert listed(client.get(LIST, query_string={"q": "oat"})) == ["Oat Cleanser"]
    assert listed(client.get(LIST, query_string={"q": "gel-clean"})) == ["Gel Cleanser"]
    assert listed(client.get(LIST, query_string={"q": "cap-30"})) == ["Live Capsules"]
    assert listed(client.get(LIST, query_string={"q": "100%_"})) == []


def test_the_list_filters_by_category_stock_and_status(app, client, shelves, editor):
    make_listing(app, shelves)
    assert listed(client.get(LIST, query_string={"category": "capsules"})) == ["Live Capsules"]
    assert listed(client.get(LIST, query_string={"category": "skincare"})) == [
        "Gel Cleanser",
        "Oat Cleanser",
        "Old Toner",
    ]
    assert listed(client.get(LIST, query_string={"stock": "sold_out"})) == ["Live Capsules"]
    assert listed(client.get(LIST, query_string={"stock": "low"})) == ["Gel Cleanser"]
    assert listed(client.get(LIST, query_string={"stock": "in_stock"})) == [
        "Oat Cleanser",
        "Old Toner",
    ]
    assert listed(client.get(LIST, query_string={"status": "archived"})) == ["Old Toner"]
    assert "Old Toner" not in listed(client.get(LIST, query_string={"status": "active"}))
    bad = client.get(LIST, query_string={"stock": "plenty"})
    assert bad.status_code == 400
    assert page(bad).select_one("#stock")["aria-invalid"] == "true"


def test_the_list_is_paginated(app, client, shelves, editor):
    with app.app_context():
        category = db.session.get(Category, shelves["cleansers"])
        for n in range(53):
            ProductFactory(slug=f"p-{n:02d}", name=f"Product {n:02d}", category=category)
    first = client.get(LIST)
    assert len(listed(first)) == 50
    second = client.get(LIST, query_string={"page": 2})
    assert listed(second) == ["Product 50", "Product 51", "Product 52"]
    assert page(second).select_one(".pagination [aria-current=page]").get_text() == "2"
    next_link = page(first).select_one(".pagination a[rel=next]")
    assert next_link.get_text() == "Next" and next_link["href"] == f"{LIST}?page=2"
    filtered = client.get(LIST, query_string={"category": "cleansers", "page": 2})
    previous = page(filtered).select_one(".pagination a[rel=prev]")
    assert previous.get_text() == "Previous"
    assert "category=cleansers" in previous["href"] and "page=1" in previous["href"]


def test_the_list_runs_a_fixed_number_of_queries(app, client, shelves, editor, count_queries):
    def add_products(start: int, stop: int) -> None:
        with app.app_context():
            category = db.session.get(Category, shelves["cleansers"])
            for n in range(start, stop):
                product = ProductFactory(slug=f"p-{n}", name=f"P {n:02d}", category=category)
                VariantFactory(product=product, sku=f"P{n}-B", position=1)

    def queries() -> int:
        with count_queries() as statements:
            assert client.get(LIST).status_code == 200
        return len(statements)

    add_products(0, 5)
    few = queries()
    add_products(5, 45)
    assert queries() == few


# Adding and editing ----------------------------------------------------------------------


def test_an_editor_adds_a_product_archived_with_its_details(app, client, shelves, editor):
    response = client.post(NEW, data=product_form(shelves))
    assert response.status_code == 303
    product = product_by_slug(app, "calm-serum")
    assert response.headers["Location"] == edit_url(product.id)
    assert product.name == "Calm Serum"
    assert product.is_active is False
    assert product.category.slug == "moisturisers"
    assert product.featured_rank == 3
    assert [c.slug for c in product.concerns] == ["rosacea"]
    assert {f.slug for f in product.free_from} == {"vegan", "fragrance-free"}
    (entry,) = audit_entries(app, "product.create")
    assert entry.staff_email == editor.email
    assert entry.after_data["slug"] == "calm-serum"
    assert entry.after_data["free_from"] == ["vegan", "fragrance-free"]
    assert entry.before_data == {}
    shown = page(client.get(edit_url(product.id)))
    assert shown.select_one("#name")["value"] == "Calm Serum"
    assert shown.select_one("#category option[selected]").get_text() == "Moisturisers"


def test_an_empty_slug_is_made_from_the_name(app, client, shelves, editor):
    response = client.post(NEW, data=product_form(shelves, name="Rosé Balm, 30 g", slug=""))
    assert response.status_code == 303
    assert product_by_slug(app, "rose-balm-30-g") is not None


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"name": ""}, "name", "Enter the product's name."),
        ({"slug": "Calm Serum!"}, "slug", "That is not a usable slug."),
        ({"category": ""}, "category", "Choose the category"),
        ({"featured_rank": "first"}, "featured_rank", "Not a valid integer value."),
        ({"max_per_order": "0"}, "max_per_order", "Use a number from 1 to 99."),
        ({"max_per_order": "100"}, "max_per_order", "Use a number from 1 to 99."),
        ({"max_per_order": "9" * 400}, "max_per_order", "Use a number from 1 to 99."),
        ({"max_per_order": "a few"}, "max_per_order", "Not a valid integer value."),
        ({"slug": "barrier-cream"}, "slug", "“Barrier Cream” already uses this slug."),
    ],
)
def test_bad_details_are_refused_next_to_the_field(
    app, client, shelves, cream, editor, changes, field, message
):
    data = product_form(shelves, **changes)
    response = client.post(NEW, data=data)
    assert response.status_code == 400
    html = page(response)
    control = html.select_one(f"#{field}")
    assert control["aria-invalid"] == "true"
    error = html.select_one(f"#{field}-error")
    assert message in error.get_text()
    assert f"{field}-error" in control["aria-describedby"].split()
    assert textarea_value(html.select_one("#short_description")) == data["short_description"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == 1


def test_a_group_category_is_refused(app, client, shelves, editor):
    response = client.post(NEW, data=product_form(shelves, category=str(shelves["skincare"])))
    assert response.status_code == 400
    assert (
        "Choose one of the categories listed"
        in page(response).select_one("#category-error").get_text()
    )


def test_the_most_per_order_is_10_unless_staff_choose_another(app, client, cream, editor):
    form = current_form(client, cream)
    assert form["max_per_order"] == "10"
    response = client.post(edit_url(cream), data={**form, "max_per_order": "4"})
    assert response.status_code == 303
    assert product_by_slug(app, "barrier-cream").max_per_order == 4
    (entry,) = audit_entries(app, "product.update")
    assert (entry.before_data, entry.after_data) == ({"max_per_order": 10}, {"max_per_order": 4})
    assert current_form(client, cream)["max_per_order"] == "4"
    # Left empty, it is the usual 10.
    response = client.post(edit_url(cream), data={**form, "max_per_order": ""})
    assert response.status_code == 303
    assert product_by_slug(app, "barrier-cream").max_per_order == 10


def test_editing_saves_the_changes_and_audits_before_and_after(app, client, cream, editor):
    data = current_form(client, cream)
    data["name"] = "Barrier Cream Rich"
    data["short_description"] = "Richer."
    response = client.post(edit_url(cream), data=data)
    assert response.status_code == 303
    product = product_by_slug(app, "barrier-cream")
    assert product.name == "Barrier Cream Rich"
    (entry,) = audit_entries(app, "product.update")
    assert entry.before_data == {
        "name": "Barrier Cream",
        "short_description": "A rich cream for dry skin.",
    }
    assert entry.after_data == {"name": "Barrier Cream Rich", "short_description": "Richer."}
    assert entry.entity_id == str(cream)

    again = client.post(edit_url(cream), data=current_form(client, cream))
    assert again.status_code == 303
    assert len(audit_entries(app, "product.update")) == 1


# Slugs and old addresses -----------------------------------------------------------------


def test_a_new_slug_keeps_the_old_address_working_with_a_301(app, client, cream, editor):
    data = current_form(client, cream)
    data["slug"] = "barrier-cream-rich"
    assert client.post(edit_url(cream), data=data).status_code == 303
    with app.app_context():
        product = db.session.get(Product, cream)
        product.is_active = True
        db.session.commit()

    response = client.get("/products/barrier-cream?variant=7&utm_source=mail%20out")
    assert response.status_code == 301
    assert response.headers["Location"] == (
        "/products/barrier-cream-rich?variant=7&utm_source=mail%20out"
    )
    assert client.get("/products/barrier-cream-rich").status_code == 200
    assert client.get("/products/never-existed").status_code == 404
    (entry,) = audit_entries(app, "product.update")
    assert entry.before_data == {"slug": "barrier-cream"}
    assert entry.after_data == {"slug": "barrier-cream-rich"}
    assert "/products/barrier-cream now redirects" in entry.summary
    listed_old = page(client.get(edit_url(cream))).select(".catalogue-old-addresses code")
    assert [code.get_text() for code in listed_old] == ["/products/barrier-cream"]


def test_renaming_twice_sends_every_old_address_to_the_current_one(app, client, cream, editor):
    for slug in ("barrier-cream-2", "barrier-cream-3"):
        data = current_form(client, cream)
        data["slug"] = slug
        assert client.post(edit_url(cream), data=data).status_code == 303
    with app.app_context():
        db.session.get(Product, cream).is_active = True
        db.session.commit()
    for old in ("barrier-cream", "barrier-cream-2"):
        response = client.get(f"/products/{old}")
        assert response.status_code == 301
        assert response.headers["Location"] == "/products/barrier-cream-3"


def test_a_product_may_take_back_its_own_old_slug(app, client, cream, editor):
    data = current_form(client, cream)
    data["slug"] = "barrier-cream-new"
    client.post(edit_url(cream), data=data)
    data["slug"] = "barrier-cream"
    assert client.post(edit_url(cream), data=data).status_code == 303
    with app.app_context():
        redirects = {r.old_slug: r.product_id for r in db.session.scalars(db.select(SlugRedirect))}
    assert redirects == {"barrier-cream-new": cream}


def test_an_old_address_of_another_product_is_taken_over_only_on_purpose(
    app, client, shelves, cream, editor
):
    data = current_form(client, cream)
    data["slug"] = "barrier-cream-rich"
    client.post(edit_url(cream), data=data)

    refused = client.post(NEW, data=product_form(shelves, slug="barrier-cream"))
    assert refused.status_code == 400
    html = page(refused)
    assert "old address of “Barrier Cream”" in html.select_one("#slug-error").get_text()
    assert html.select_one("#slug")["value"] == "barrier-cream"
    assert html.select_one("#take_over_redirect") is not None
    assert product_by_slug(app, "barrier-cream") is None

    taken = client.post(
        NEW, data=product_form(shelves, slug="barrier-cream", take_over_redirect="y")
    )
    assert taken.status_code == 303
    newcomer = product_by_slug(app, "barrier-cream")
    assert newcomer.name == "Calm Serum"
    with app.app_context():
        assert db.session.scalar(db.select(SlugRedirect)) is None
        VariantFactory(product=db.session.get(Product, newcomer.id), sku="CS-30")
        db.session.get(Product, newcomer.id).is_active = True
        db.session.commit()
    assert client.get("/products/barrier-cream").status_code == 200
    (entry,) = audit_entries(app, "product.create")
    assert entry.after_data["took_over_address_of"] == "barrier-cream-rich"


# Duplicating and archiving ---------------------------------------------------------------


def test_duplicating_copies_the_product_archived_with_new_skus_and_no_stock(
    app, client, cream, editor
):
    response = client.post(f"/admin/catalogue/products/{cream}/duplicate")
    assert response.status_code == 303
    copy = product_by_slug(app, "barrier-cream-copy")
    assert response.headers["Location"] == edit_url(copy.id)
    assert copy.name == "Barrier Cream (copy)"
    assert copy.is_active is False
    assert copy.category.slug == "moisturisers"
    assert [(v.sku, v.size_label, v.price_pence, v.on_hand) for v in copy.variants] == [
        ("BC-50-COPY", "50 ml", 2400, 0),
        ("BC-100-COPY", "100 ml", 3900, 0),
    ]
    original = product_by_slug(app, "barrier-cream")
    assert [v.on_hand for v in original.variants] == [10, 4]

    again = client.post(f"/admin/catalogue/products/{cream}/duplicate")
    assert again.status_code == 303
    second = product_by_slug(app, "barrier-cream-copy-2")
    assert [v.sku for v in second.variants] == ["BC-50-COPY2", "BC-100-COPY2"]
    entries = audit_entries(app, "product.duplicate")
    assert [e.after_data["copied_from"] for e in entries] == ["barrier-cream", "barrier-cream"]


def test_archiving_hides_a_product_and_unarchiving_brings_it_back(app, client, cream, editor):
    assert client.get("/products/barrier-cream").status_code == 200
    response = client.post(f"/admin/catalogue/products/{cream}/archive")
    assert response.status_code == 303
    assert client.get("/products/barrier-cream").status_code == 404
    assert product_by_slug(app, "barrier-cream").is_active is False
    assert client.post(f"/admin/catalogue/products/{cream}/unarchive").status_code == 303
    assert client.get("/products/barrier-cream").status_code == 200
    actions = [(e.action, e.before_data, e.after_data) for e in audit_entries(app)]
    assert actions == [
        ("product.archive", {"is_active": True}, {"is_active": False}),
        ("product.unarchive", {"is_active": False}, {"is_active": True}),
    ]


def test_archive_goes_back_to_a_local_page_only(app, client, cream, editor):
    local = client.post(
        f"/admin/catalogue/products/{cream}/archive", data={"next": "/admin/catalogue/"}
    )
    assert local.headers["Location"] == "/admin/catalogue/"
    away = client.post(
        f"/admin/catalogue/products/{cream}/unarchive", data={"next": "https://evil.example/"}
    )
    assert away.headers["Location"] == edit_url(cream)


def test_archive_buttons_need_a_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        product_id = ProductFactory(slug="guarded").id
    staff = make_staff(app, role="editor")
    token = page(client.get("/admin/login")).select_one("input[name=csrf_token]")["value"]
    signed_in = client.post(
        "/admin/login",
        data={"email": staff.email, "password": STAFF_PASSWORD, "csrf_token": token},
    )
    assert signed_in.status_code == 303
    refused = client.post(f"/admin/catalogue/products/{product_id}/archive")
    assert refused.status_code == 400
    assert product_by_slug(app, "guarded").is_active is True
    edit = page(client.get(edit_url(product_id)))
    token = edit.select_one("form[action$='/archive'] input[name=csrf_token]")["value"]
    allowed = client.post(
        f"/admin/catalogue/products/{product_id}/archive", data={"csrf_token": token}
    )
    assert allowed.status_code == 303
    assert product_by_slug(app, "guarded").is_active is False


def test_old_addresses_cost_one_query_and_only_when_no_product_matches(
    app, client, cream, editor, count_queries
):
    data = current_form(client, cream)
    data["slug"] = "barrier-cream-rich"
    client.post(edit_url(cream), data=data)
    with app.app_context():
        db.session.get(Product, cream).is_active = True
        db.session.commit()
    with count_queries() as hit:
        assert client.get("/products/barrier-cream-rich").status_code == 200
    assert not [s for s in hit if "slug_redirect" in s]
    with count_queries() as miss:
        assert client.get("/products/barrier-cream").status_code == 301
    assert len([s for s in miss if "slug_redirect" in s]) == 1
    with count_queries() as unknown:
        assert client.get("/products/Not%20A%20Slug").status_code == 404
    assert not [s for s in unknown if "slug_redirect" in s]
