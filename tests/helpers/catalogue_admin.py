"""Helpers for the catalogue admin tests."""

from __future__ import annotations

import csv
import io

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from shop.catalogue.admin.csv_columns import COLUMNS
from shop.catalogue.models import Product, Variant
from shop.extensions import db
from tests.helpers import page


def product_by_slug(app, slug: str) -> Product | None:
    """A detached copy of a product with its sizes loaded, read outside the request."""
    with app.app_context():
        product = db.session.scalar(db.select(Product).where(Product.slug == slug))
        if product is None:
            return None
        for relation in ("variants", "images", "ingredients", "strains", "nutrients"):
            getattr(product, relation)
        product.questions  # noqa: B018
        for pairing in product.pairings:
            pairing.paired_product  # noqa: B018
        product.category  # noqa: B018
        product.concerns  # noqa: B018
        product.free_from  # noqa: B018
        db.session.expunge_all()
        return product


def variant_by_sku(app, sku: str) -> Variant | None:
    with app.app_context():
        variant = db.session.scalar(db.select(Variant).where(Variant.sku == sku))
        if variant is not None:
            db.session.expunge(variant)
        return variant


def audit_entries(app, action: str | None = None) -> list:
    from shop.backoffice.models import AuditEntry

    with app.app_context():
        stmt = db.select(AuditEntry).order_by(AuditEntry.id)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        entries = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return entries


# The CSV export and import, as a browser would use them ---------------------------------

EXPORT = "/admin/catalogue/csv/export"
PREVIEW = "/admin/catalogue/csv/preview"
APPLY = "/admin/catalogue/csv/apply"


def export(client) -> list[dict]:
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def to_csv(rows: list[dict], columns=COLUMNS, bom=True, newline="\r\n") -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator=newline)
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def preview(client, data: bytes, filename="catalogue.csv"):
    file = FileStorage(io.BytesIO(data), filename=filename, content_type="text/csv")
    boundary, body = encode_multipart({"file": file})
    return client.post(PREVIEW, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def apply(client, preview_response):
    form = page(preview_response).select_one("form[data-apply-form]")
    assert form is not None, "the preview offers no Apply button"
    data = {tag["name"]: tag.get("value", "") for tag in form.select("input[name]")}
    return client.post(APPLY, data=data)


def results(response) -> dict[int, tuple[str, list[str]]]:
    """Row number -> (status, the lines of its details) as the preview shows them."""
    shown = {}
    for row in page(response).select("[data-import-rows] tbody tr"):
        details = [li.get_text(" ", strip=True) for li in row.select("li")]
        shown[int(row["data-row"])] = (row["data-status"], details)
    return shown


INCI = """Aqua | Solvent
Glycerin | Humectant

Lactobacillus Ferment Lysate | Skin conditioning
  Ceramide NP  |  Skin-restoring lipid
Tocopherol"""


def formulation(**changes) -> dict:
    data = {
        "ingredients": INCI,
        "strains-0-genus": "Lacticaseibacillus",
        "strains-0-species": "rhamnosus",
        "strains-0-designation": "GG",
        "strains-0-cfu": "5 billion",
        "strains-0-guaranteed": "y",
        "strains-1-genus": "Bifidobacterium",
        "strains-1-species": "longum",
        "strains-1-designation": "BB536",
        "strains-1-cfu": "2,000,000,000",
        "strains-2-genus": "",
        "strains-2-species": "",
        "strains-2-designation": "",
        "strains-2-cfu": "",
        "nutrients-0-name": "Zinc",
        "nutrients-0-amount": "10",
        "nutrients-0-unit": "mg",
        "nutrients-0-nrv_percent": "100",
        "nutrients-1-name": "Inulin",
        "nutrients-1-amount": "2.5",
        "nutrients-1-unit": "g",
        "nutrients-1-nrv_percent": "",
    }
    data.update(changes)
    return data


def edit_url(product_id: int) -> str:
    return f"/admin/catalogue/products/{product_id}"


def textarea_value(tag) -> str:
    """A textarea's value as a browser reads it: one leading newline is dropped."""
    text = tag.get_text()
    return text[2:] if text.startswith("\r\n") else text.removeprefix("\n")


def current_form(client, product_id: int) -> dict:
    """The edit form as the page fills it, ready to post back."""
    html = page(client.get(edit_url(product_id)))
    form = html.select_one("form[data-product-form]")
    data: dict = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        name = field["name"]
        if field.name == "textarea":
            data[name] = textarea_value(field)
        elif field.name == "select":
            chosen = field.select_one("option[selected]")
            data[name] = chosen["value"] if chosen else ""
        elif field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data.setdefault(name, []).append(field["value"])
        else:
            data[name] = field.get("value", "")
    return data


def formulation_url(product_id: int) -> str:
    return f"/admin/catalogue/products/{product_id}/formulation"
