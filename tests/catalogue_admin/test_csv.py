"""CSV export and import: a round trip through a spreadsheet, a dry run that shows
what would change and changes nothing, and an Apply that changes exactly that."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from shop.catalogue.admin.csv_columns import COLUMNS
from shop.catalogue.models import Product, StockAdjustment, Variant
from shop.extensions import db
from tests.factories import ProductFactory
from tests.helpers import page
from tests.helpers.catalogue_admin import (
    APPLY,
    PREVIEW,
    apply,
    audit_entries,
    export,
    preview,
    product_by_slug,
    results,
    to_csv,
    variant_by_sku,
)


def snapshot(app) -> list[tuple]:
    with app.app_context():
        products = db.session.scalars(db.select(Product).order_by(Product.slug)).all()
        variants = db.session.scalars(db.select(Variant).order_by(Variant.sku)).all()
        return [
            (p.slug, p.name, p.category_id, p.is_active, p.short_description) for p in products
        ] + [
            (v.sku, v.product_id, v.size_label, v.price_pence, v.compare_at_pence, v.on_hand)
            + (v.weight_grams, v.is_active, v.position)
            for v in variants
        ]


def test_the_export_has_one_row_per_size(app, client, cream, editor):
    with app.app_context():
        ProductFactory(slug="bare", name="=SUM(A1:A2)", variants=[], is_active=False)
    rows = export(client)
    assert list(rows[0]) == list(COLUMNS)
    by_sku = {row["sku"]: row for row in rows}
    assert by_sku["BC-50"] == {
        "product_slug": "barrier-cream",
        "product_name": "Barrier Cream",
        "category_slug": "moisturisers",
        "product_active": "yes",
        "short_description": "A rich cream for dry skin.",
        "highlights": "",
        "texture": "",
        "time_to_results": "",
        "max_per_order": "10",
        "sku": "BC-50",
        "size_label": "50 ml",
        "price": "24.00",
        "compare_at_price": "",
        "on_hand": "10",
        "weight_grams": "120",
        "variant_active": "yes",
    }
    assert by_sku["BC-100"]["price"] == "39.00"
    bare = by_sku[""]
    assert bare["product_name"] == "'=SUM(A1:A2)"  # a spreadsheet will not run it
    assert bare["product_active"] == "no"


def test_a_round_trip_previews_the_edits_changes_nothing_then_applies_exactly_them(
    app, client, cream, editor
):
    rows = export(client)
    by_sku = {row["sku"]: row for row in rows}
    by_sku["BC-50"]["price"] = "26.50"
    by_sku["BC-50"]["compare_at_price"] = "29.00"
    by_sku["BC-100"]["on_hand"] = "7"
    by_sku["BC-100"]["product_name"] = "Barrier Cream"
    rows.append(
        dict(
            by_sku["BC-50"],
            sku="BC-15",
            size_label="15 ml",
            price="9.00",
            compare_at_price="",
            on_hand="5",
        )
    )
    before = snapshot(app)

    dry_run = preview(client, to_csv(rows))
    assert dry_run.status_code == 200
    shown = results(dry_run)
    assert shown[2] == (
        "updated",
        ["price : 24.00 → 26.50", "compare_at_price : — → 29.00"],
    )
    assert shown[3] == ("updated", ["on_hand : 4 → 7"])
    assert shown[4][0] == "created"
    assert "size_label : — → 15 ml" in shown[4][1]
    assert "on_hand : — → 5" in shown[4][1]
    summary = page(dry_run).select_one("[data-import-summary]").get_text(" ", strip=True)
    assert "1 to create, 2 to update, 0 unchanged" in summary
    assert snapshot(app) == before
    assert audit_entries(app) == []

    applied = apply(client, dry_run)
    assert applied.status_code == 303
    assert applied.headers["Location"] == "/admin/catalogue/csv"
    after = {row[0]: row for row in snapshot(app)}
    expected = {row[0]: row for row in before}
    bc50 = expected["BC-50"]
    expected["BC-50"] = bc50[:3] + (2650, 2900) + bc50[5:]
    expected["BC-100"] = expected["BC-100"][:5] + (7,) + expected["BC-100"][6:]
    new = after.pop("BC-15")
    assert after == expected
    assert new[2:] == ("15 ml", 900, None, 5, 120, True, 2)

    with app.app_context():
        stock = db.session.scalars(db.select(StockAdjustment).order_by(StockAdjustment.id)).all()
        assert [(a.change, a.on_hand_after, a.reason, a.staff_email) for a in stock] == [
            (3, 7, "CSV import", editor.email),
            (5, 5, "CSV import", editor.email),
        ]
    updates = audit_entries(app, "variant.update")
    assert [(e.before_data, e.after_data) for e in updates] == [
        (
            {"price": "24.00", "compare_at_price": None},
            {"price": "26.50", "compare_at_price": "29.00"},
        ),
        ({"on_hand": 4}, {"on_hand": 7}),
    ]
    assert all(e.staff_email == editor.email and "(CSV import)" in e.summary for e in updates)
    (created,) = audit_entries(app, "variant.create")
    assert created.after_data["sku"] == "BC-15" and created.after_data["on_hand"] == 5
    assert audit_entries(app, "product.update") == []
    (summary_entry,) = audit_entries(app, "catalogue.import")
    assert summary_entry.after_data == {
        "products_created": 0,
        "products_updated": 0,
        "variants_created": 1,
        "variants_updated": 1,
        "stock_changes": 2,
    }

    again = preview(client, to_csv(rows))
    assert {status for status, _ in results(again).values()} == {"unchanged"}
    assert page(again).select_one("form[data-apply-form]") is None


def test_rows_with_errors_are_listed_with_their_number_and_nothing_can_be_applied(
    app, client, cream, editor
):
    rows = export(client)
    rows[0]["price"] = "-3.00"
    rows[1]["sku"] = "BC-50"
    rows.append(dict(rows[0], product_slug="new-balm", category_slug="balms", sku="NB-1"))
    rows.append(dict(rows[0], sku="BC-9", price="abc", on_hand="-2", variant_active="maybe"))
    response = preview(client, to_csv(rows))
    assert response.status_code == 400
    shown = results(response)
    assert shown[2] == ("error", ["price: A price cannot be negative."])
    assert shown[3][0] == "error"
    assert "sku: BC-50 is already on row 2" in shown[3][1][0]
    assert shown[4][0] == "error"
    assert "category_slug: there is no category “balms”" in shown[4][1][0]
    assert shown[5][0] == "error"
    assert [line.split(":")[0] for line in shown[5][1]] == ["price", "variant_active", "on_hand"]
    assert page(response).select_one("form[data-apply-form]") is None
    assert "4 with errors" in page(response).select_one("[data-import-summary]").get_text()


def test_a_product_must_have_the_same_details_on_every_row(app, client, cream, editor):
    rows = export(client)
    rows[1]["product_name"] = "Another name"
    shown = results(preview(client, to_csv(rows)))
    assert shown[3][0] == "error"
    assert "differs from row 2" in shown[3][1][0]


def test_a_sku_of_another_product_is_refused(app, client, cream, editor):
    with app.app_context():
        ProductFactory(slug="other", variants__sku="OT-1")
    rows = [row for row in export(client) if row["sku"] == "BC-50"]
    rows[0]["sku"] = "OT-1"
    shown = results(preview(client, to_csv(rows)))
    assert shown[2][0] == "error"
    assert "belongs to" in shown[2][1][0]


def test_a_new_product_and_a_subset_of_columns(app, client, shelves, cream, editor):
    columns = ("product_slug", "product_name", "category_slug", "sku", "size_label", "price")
    rows = [
        {
            "product_slug": "sleep-balm",
            "product_name": "Sleep Balm",
            "category_slug": "moisturisers",
            "sku": "SB-30",
            "size_label": "30 g",
            "price": "18",
        },
        {"product_slug": "barrier-cream", "sku": "BC-50", "price": "25"},
    ]
    rows[1].update(product_name="Barrier Cream", category_slug="moisturisers", size_label="50 ml")
    dry_run = preview(client, to_csv(rows, columns, bom=False, newline="\n"))
    assert dry_run.status_code == 200
    assert apply(client, dry_run).status_code == 303
    balm = product_by_slug(app, "sleep-balm")
    assert (balm.name, balm.is_active, balm.category.slug) == ("Sleep Balm", False, "moisturisers")
    (size,) = balm.variants
    assert (size.sku, size.price_pence, size.on_hand, size.is_active) == ("SB-30", 1800, 0, True)
    cream_size = variant_by_sku(app, "BC-50")
    assert (cream_size.price_pence, cream_size.on_hand) == (2500, 10)
    assert [e.entity_type for e in audit_entries(app, "product.create")] == ["product"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"product_slug,sku,colour\r\nx,y,red\r\n", "Unknown column: 'colour'"),
        (b"product_name,price\r\nA,1\r\n", "needs the columns product_slug and sku"),
        (b"", "The file is empty"),
        (b"product_slug,sku\r\n", "no rows to import"),
        ("product_slug,sku\r\ncr\u00e8me,X\r\n".encode("latin-1"), "not UTF-8"),
        (b"product_slug,sku\r\n" + b"a,b\r\n" * 800_000, "larger than 2 MB"),
    ],
)
def test_files_that_cannot_be_imported_are_refused_next_to_the_field(
    app, client, editor, data, message
):
    response = preview(client, data)
    assert response.status_code == 400
    html = page(response)
    assert message in html.select_one("#file-error").get_text()
    assert html.select_one("#file")["aria-invalid"] == "true"


def test_a_changed_catalogue_since_the_preview_is_shown_again_not_applied(
    app, client, cream, editor
):
    rows = export(client)
    rows[0]["price"] = "30.00"
    dry_run = preview(client, to_csv(rows))
    with app.app_context():
        variant = db.session.scalar(db.select(Variant).where(Variant.sku == "BC-50"))
        variant.price_pence = 2800
        db.session.commit()
    response = apply(client, dry_run)
    assert response.status_code == 409
    assert "changed since your preview" in page(response).get_text()
    assert results(response)[2] == ("updated", ["price : 28.00 → 30.00"])
    assert variant_by_sku(app, "BC-50").price_pence == 2800
    assert apply(client, response).status_code == 303
    assert variant_by_sku(app, "BC-50").price_pence == 3000


def test_a_tampered_or_missing_token_is_refused(app, client, cream, editor):
    assert client.post(APPLY, data={"token": "not-a-token"}).status_code == 400
    assert client.post(APPLY).status_code == 400
    assert audit_entries(app) == []


def test_the_apply_form_is_protected_by_csrf_though_it_is_large(app_factory):
    from tests.helpers.staff import STAFF_PASSWORD, make_staff

    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        ProductFactory(slug="guarded", variants__sku="G-1")
    staff = make_staff(app, role="editor")
    token = page(client.get("/admin/login")).select_one("input[name=csrf_token]")["value"]
    client.post(
        "/admin/login",
        data={"email": staff.email, "password": STAFF_PASSWORD, "csrf_token": token},
    )
    rows = export(client)
    rows[0]["price"] = "99.00"
    rows[0]["short_description"] = "x" * 300
    csrf_token = page(client.get("/admin/catalogue/csv")).select_one("input[name=csrf_token]")
    file = FileStorage(io.BytesIO(to_csv(rows)), filename="c.csv", content_type="text/csv")
    boundary, body = encode_multipart({"file": file, "csrf_token": csrf_token["value"]})
    dry_run = client.post(
        PREVIEW, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert dry_run.status_code == 200
    form = page(dry_run).select_one("form[data-apply-form]")
    without_csrf = {"token": form.select_one("input[name=token]")["value"]}
    assert client.post(APPLY, data=without_csrf).status_code == 400
    assert variant_by_sku(app, "G-1").price_pence != 9900
    assert apply(client, dry_run).status_code == 303
    assert variant_by_sku(app, "G-1").price_pence == 9900


def test_an_old_address_cannot_be_imported_as_a_new_product(app, client, cream, editor):
    with app.app_context():
        from shop.catalogue.models import SlugRedirect

        db.session.add(SlugRedirect(old_slug="old-cream", product_id=cream))
        db.session.commit()
    rows = [row for row in export(client) if row["sku"] == "BC-50"]
    rows[0].update(product_slug="old-cream", sku="OC-1")
    shown = results(preview(client, to_csv(rows)))
    assert shown[2][0] == "error"
    assert "old address of “Barrier Cream”, whose slug is now barrier-cream" in shown[2][1][0]


def test_the_most_per_order_goes_out_and_comes_back(app, client, shelves, cream, editor):
    rows = export(client)
    assert {row["max_per_order"] for row in rows} == {"10"}
    for row in rows:
        row["max_per_order"] = "6"
    rows.append(
        dict(rows[0], product_slug="sleep-balm", sku="SB-30", size_label="30 g", max_per_order="")
    )
    dry_run = preview(client, to_csv(rows))
    shown = results(dry_run)
    assert shown[2] == ("updated", ["max_per_order : 10 → 6"])
    assert shown[3] == ("unchanged", [])
    assert apply(client, dry_run).status_code == 303
    assert product_by_slug(app, "barrier-cream").max_per_order == 6
    assert product_by_slug(app, "sleep-balm").max_per_order == 10  # empty: the usual 10
    entry = audit_entries(app, "product.update")[-1]
    assert (entry.before_data, entry.after_data) == ({"max_per_order": 10}, {"max_per_order": 6})


@pytest.mark.parametrize("cell", ["0", "100", "-1", "ten", "9" * 400])
def test_a_most_per_order_out_of_range_is_refused(app, client, cream, editor, cell):
    rows = export(client)
    for row in rows:
        row["max_per_order"] = cell
    response = preview(client, to_csv(rows))
    assert response.status_code == 400
    assert results(response)[2] == (
        "error",
        ["max_per_order: use a whole number from 1 to 99, like 10."],
    )


# The import and the forms read and check a value with the same rule, so they refuse it
# for the same reason, in the same words.
@pytest.mark.parametrize(
    "column, field, form, value, message",
    [
        ("product_name", "name", "product", "x" * 201, "Keep the name to 200 characters."),
        (
            "short_description",
            "short_description",
            "product",
            "x" * 301,
            "Keep the short description to 300 characters.",
        ),
        ("size_label", "size_label", "size", "", "Enter the size, like “50 ml”."),
        ("size_label", "size_label", "size", "x" * 81, "Keep the size to 80 characters."),
        ("price", "price", "size", "24.999", "Use at most two decimal places"),
        ("price", "price", "size", "-1", "A price cannot be negative."),
    ],
)
def test_the_import_and_the_forms_refuse_a_value_for_the_same_reason(
    app, client, shelves, cream, editor, column, field, form, value, message
):
    rows = [row for row in export(client) if row["sku"] == "BC-50"]
    rows[0][column] = value
    shown = results(preview(client, to_csv(rows)))
    assert shown[2][0] == "error"
    assert any(line.startswith(f"{column}: ") and message in line for line in shown[2][1])

    if form == "product":
        url = "/admin/catalogue/products/new"
        data = {"name": "Calm Serum", "slug": "", "category": str(shelves["moisturisers"])}
    else:
        url = f"/admin/catalogue/products/{cream}/variants"
        data = {"sku": "BC-15", "size_label": "15 ml", "price": "9.50", "weight_grams": "40"}
    response = client.post(url, data={**data, field: value})
    assert response.status_code == 400
    assert message in page(response).select_one(f"#{field}-error").get_text()
