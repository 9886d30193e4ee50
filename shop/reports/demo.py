"""90 days of believable order history for `seed-demo`, so the reports have something to
show on a newcomer's `make run`: paid orders every day (more at weekends and in the
last weeks), a few refunds, newsletter sign-ups and the funnel's counts. Outside
production only, written with bulk inserts (a second or so), once."""

from __future__ import annotations

import random
import secrets
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from shop.catalogue.models import Product, Variant
from shop.extensions import db
from shop.models import utcnow
from shop.newsletter.consent import CURRENT_VERSION
from shop.newsletter.models import Subscriber
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.reports.funnel import upsert_counts
from shop.reports.models import FunnelEvent
from shop.reports.periods import london_midnight, london_today

DAYS = 90
DEMO_PREFIX = "DEMO-"
SHIPPING_PENCE, FREE_FROM_PENCE = 395, 4000
NAMES = ["ada", "bea", "cy", "dee", "eve", "fin", "gus", "hal", "ivy", "jo", "kit", "lou"]


def _already_seeded() -> bool:
    return bool(
        db.session.scalar(select(func.count(Order.id)).where(Order.number.like(f"{DEMO_PREFIX}%")))
    )


def seed_demo_history(today: date | None = None, seed: int = 19) -> dict[str, int]:
    """Add the history (once; flushes through Core inserts, the caller commits)."""
    if _already_seeded():
        return {}
    sizes = db.session.execute(
        select(
            Variant.id,
            Variant.product_id,
            Variant.price_pence,
            Variant.sku,
            Variant.size_label,
            Product.name,
        )
        .join(Product, Product.id == Variant.product_id)
        .where(Variant.is_active, Product.is_active)
        .order_by(Variant.id)
    ).all()
    if not sizes:
        return {}
    rng = random.Random(seed)
    today = today or london_today()
    first = today - timedelta(days=DAYS - 1)  # the last 90 days, today included
    now = utcnow()
    popularity = [rng.choice([1, 2, 3, 5, 8]) for _ in sizes]
    loyal = [f"{rng.choice(NAMES)}.{n}@example.com" for n in range(120)]
    occasional = [f"{rng.choice(NAMES)}.{n}@example.com" for n in range(120, 3000)]
    orders, lines_by_token, funnel = [], {}, {}
    number = 0
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        busy = 1.4 if day.weekday() >= 5 else 1.0
        growth = 0.7 + 0.6 * offset / DAYS
        for _ in range(max(0, round(rng.gauss(6, 2) * busy * growth))):
            number += 1
            picked = rng.choices(range(len(sizes)), weights=popularity, k=rng.choice([1, 1, 2, 3]))
            lines = {}
            for index in picked:
                lines[index] = lines.get(index, 0) + rng.choice([1, 1, 1, 2])
            subtotal = sum(sizes[i].price_pence * q for i, q in lines.items())
            shipping = 0 if subtotal >= FREE_FROM_PENCE else SHIPPING_PENCE
            total = subtotal + shipping
            refunded = 0
            if rng.random() < 0.04:
                refunded = total if rng.random() < 0.4 else min(subtotal, 1000)
            paid_at = london_midnight(day) + timedelta(minutes=rng.randint(7 * 60, 23 * 60))
            if paid_at > now:
                continue  # today's orders so far
            token = secrets.token_urlsafe(32)
            orders.append(
                {
                    "number": f"{DEMO_PREFIX}{number:05d}",
                    "access_token": token,
                    "checkout_key": secrets.token_hex(32),
                    "status": str(OrderStatus.REFUNDED if refunded == total else OrderStatus.PAID),
                    "fulfilment_status": "shipped" if offset < DAYS - 3 else "unfulfilled",
                    "email": rng.choice(loyal if rng.random() < 0.3 else occasional),
                    "currency": "gbp",
                    "subtotal_pence": subtotal,
                    "shipping_pence": shipping,
                    "total_pence": total,
                    "refunded_pence": refunded,
                    "amount_paid_pence": total,
                    "shipping_code": "standard",
                    "shipping_name": "Standard UK delivery",
                    "payment_provider": "demo",
                    "payment_expires_at": paid_at,
                    "created_at": paid_at - timedelta(minutes=4),
                    "updated_at": paid_at,
                    "paid_at": paid_at,
                }
            )
            lines_by_token[token] = lines
            for i in lines:
                pid = sizes[i].product_id
                for event in ("checkout", "paid"):
                    funnel[(event, day, pid)] = funnel.get((event, day, pid), 0) + 1
        for i, weight in enumerate(popularity):
            pid = sizes[i].product_id
            views = int(rng.gauss(14, 4) * weight * growth)
            paid = funnel.get(("paid", day, pid), 0)
            funnel[("view", day, pid)] = max(views, paid * 8) + funnel.get(("view", day, pid), 0)
            funnel[("add", day, pid)] = max(int(views * 0.09), paid + 1)
            # Some checkouts are never paid for.
            abandoned = int(paid * rng.uniform(0.2, 0.7)) + (rng.random() < 0.3)
            funnel[("checkout", day, pid)] = funnel.get(("checkout", day, pid), 0) + abandoned
    if not orders:
        return {}
    db.session.execute(insert(Order), orders)
    ids = dict(
        db.session.execute(
            select(Order.access_token, Order.id).where(Order.number.like(f"{DEMO_PREFIX}%"))
        ).all()
    )
    db.session.execute(
        insert(OrderLine),
        [
            {
                "order_id": ids[token],
                "variant_id": sizes[i].id,
                "product_name": sizes[i].name,
                "size_label": sizes[i].size_label,
                "sku": sizes[i].sku,
                "unit_price_pence": sizes[i].price_pence,
                "quantity": quantity,
            }
            for token, lines in lines_by_token.items()
            for i, quantity in lines.items()
        ],
    )
    rows = [
        {"event": str(FunnelEvent(event)), "day": day, "product_id": pid, "n": n}
        for (event, day, pid), n in funnel.items()
        if n > 0
    ]
    for start in range(0, len(rows), 500):
        db.session.execute(upsert_counts(rows[start : start + 500]))
    subscribers = []
    for n in range(260):
        at = london_midnight(first + timedelta(days=int(rng.triangular(0, DAYS, DAYS)))) + (
            timedelta(minutes=rng.randint(8 * 60, 22 * 60))
        )
        leaves = rng.random() < 0.08
        if at > now:
            continue
        subscribers.append(
            {
                "email": f"reader.{n}@example.com",
                "status": "unsubscribed" if leaves else "confirmed",
                "unsubscribe_token": secrets.token_urlsafe(32),
                "consent_version": CURRENT_VERSION,
                "source": "footer",
                "requested_at": at,
                "confirmed_at": at + timedelta(minutes=9),
                "unsubscribed_at": min(at + timedelta(days=rng.randint(1, 20)), now)
                if leaves
                else None,
                "created_at": at,
            }
        )
    taken = set(db.session.scalars(select(Subscriber.email)))
    fresh = [row for row in subscribers if row["email"] not in taken]
    if fresh:
        db.session.execute(insert(Subscriber), fresh)
    return {"demo orders": len(orders), "demo subscribers": len(fresh)}
