"""Promotion helpers: make a code, read it back, apply it the way a browser does."""

from __future__ import annotations

from sqlalchemy import select

from shop.catalogue.models import Category, Product
from shop.extensions import db
from shop.promotions.models import Promotion, PromotionUse
from tests.helpers import page


def make_promotion(app, code: str = "SPRING10", **fields) -> int:
    """A promotion (10% off, no limits unless given); returns its id."""
    values = {
        "name": code.title(),
        "kind": "percent",
        "percent_off": 10,
        "uses_reserved": 0,
        "uses_final": 0,
    } | fields
    if values["kind"] != "percent" and "percent_off" not in fields:
        values["percent_off"] = None
    products = values.pop("products", [])
    categories = values.pop("categories", [])
    with app.app_context():
        promotion = Promotion(code=code, **values)
        promotion.products = [db.session.get(Product, pid) for pid in products]
        promotion.categories = [db.session.get(Category, cid) for cid in categories]
        db.session.add(promotion)
        db.session.commit()
        return promotion.id


def promotion(app, promotion_id: int) -> Promotion:
    with app.app_context():
        found = db.session.get(Promotion, promotion_id)
        db.session.expunge(found)
        return found


def uses(app, promotion_id: int) -> list[tuple[int, str]]:
    """(order id, status) of each use of a promotion."""
    with app.app_context():
        return [
            (use.order_id, use.status)
            for use in db.session.scalars(
                select(PromotionUse)
                .where(PromotionUse.promotion_id == promotion_id)
                .order_by(PromotionUse.id)
            )
        ]


def apply_code(client, code: str):
    """Post the basket's code field; the response (303 when applied, 400 when refused)."""
    return client.post("/cart/promo", data={"code": code})


def promo_error(response) -> str:
    found = page(response).select_one("[data-promo-error]")
    return found.get_text(" ", strip=True) if found else ""


def totals(client) -> dict[str, str]:
    """The basket's totals as shown: label -> amount."""
    html = page(client.get("/cart"))
    return {
        row.dt.get_text(" ", strip=True): row.dd.get_text(strip=True)
        for row in html.select(".totals > div")
    }
