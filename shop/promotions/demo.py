"""Demo promo codes for `make run`: a welcome code and a free-delivery code."""

from __future__ import annotations

from sqlalchemy import select

from shop.extensions import db
from shop.promotions.models import Promotion, PromotionKind
from shop.promotions.services import describe

DEMO_CODES = (
    ("WELCOME10", "Welcome: 10% off", PromotionKind.PERCENT, {"percent_off": 10}),
    (
        "FREESHIP",
        "Free delivery",
        PromotionKind.FREE_SHIPPING,
        {"min_spend_pence": 2000},
    ),
)


def seed_demo_promotions() -> dict[str, int]:
    """Add the demo codes that are missing (never changes one staff have edited)."""
    made = 0
    for code, name, kind, values in DEMO_CODES:
        if db.session.scalar(select(Promotion.id).where(Promotion.code == code)) is not None:
            continue
        db.session.add(
            Promotion(code=code, name=name, kind=kind, uses_reserved=0, uses_final=0, **values)
        )
        made += 1
    db.session.flush()
    return {"promo codes": made} if made else {}


def demo_codes_text() -> str:
    """'WELCOME10 (10% off), FREESHIP (Free delivery when you spend £20.00)', as they are now."""
    codes = [code for code, *_ in DEMO_CODES]
    found = {
        p.code: p for p in db.session.scalars(select(Promotion).where(Promotion.code.in_(codes)))
    }
    return ", ".join(f"{code} ({describe(found[code])})" for code in codes if code in found)
