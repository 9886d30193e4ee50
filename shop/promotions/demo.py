"""Demo promo codes for `make run`: a welcome code and a free-delivery code."""

from __future__ import annotations

from sqlalchemy import select

from shop.extensions import db
from shop.promotions.models import Promotion, PromotionKind

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
