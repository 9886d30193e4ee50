"""/admin/promotions: editors create, change and switch off codes (audited), see their
figures and download their uses; fulfilment staff are kept out."""

from __future__ import annotations

from sqlalchemy import select

from shop.backoffice.models import AuditEntry
from shop.extensions import db
from shop.promotions.models import Promotion
from tests.helpers import page


def test_editors_create_edit_and_deactivate_codes_with_an_audit_trail(app, client, login):
    login("editor")
    new = page(client.get("/admin/promotions/new"))
    assert new.select_one("select[name=kind]") is not None
    token = new.select_one("input[name=csrf_token]")["value"]
    refused = client.post(
        "/admin/promotions/new",
        data={"csrf_token": token, "code": "x", "kind": "percent", "percent_off": "10"},
    )
    assert refused.status_code == 400
    assert "A code has 3 to 40" in page(refused).get_text(" ")

    made = client.post(
        "/admin/promotions/new",
        data={
            "csrf_token": token,
            "code": "summer20",
            "name": "Summer",
            "kind": "amount",
            "amount_off": "5.00",
            "min_spend": "30",
            "starts_at": "2026-07-01 09:00",
            "is_active": "y",
        },
    )
    assert made.status_code == 303
    with app.app_context():
        promo = db.session.scalar(select(Promotion).where(Promotion.code == "SUMMER20"))
        assert (promo.amount_off_pence, promo.min_spend_pence) == (500, 3000)
        assert promo.starts_at.isoformat() == "2026-07-01T08:00:00+00:00"  # 09:00 BST
        promo_id = promo.id

    edit = page(client.get(f"/admin/promotions/{promo_id}"))
    assert edit.select_one("input[name=starts_at]")["value"] == "2026-07-01 09:00"
    client.post(f"/admin/promotions/{promo_id}/active", data={"csrf_token": token, "active": "0"})
    listing = page(client.get("/admin/promotions/?show=inactive"))
    assert listing.select_one('[data-promotion="SUMMER20"]') is not None
    csv = client.get(f"/admin/promotions/{promo_id}/uses.csv")
    assert csv.get_data(as_text=True).splitlines()[0].startswith("code,order,placed_at,status")
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_type == "promotion")
        ).all()
    assert actions == ["promotion.create", "promotion.deactivate"]


def test_fulfilment_staff_cannot_open_promotions(client, login):
    login("fulfilment")
    assert client.get("/admin/promotions/").status_code == 403
