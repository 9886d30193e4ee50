"""Demo reviews and a waiting back-in-stock request, so a newcomer sees what reviews look
like on product pages and cards, and a waiting count in the back office. Like the other
seeds it only adds what is missing (a review by its product and title, a request by its
size and address), so running it again changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from shop.alerts.models import AlertStatus, StockAlert
from shop.catalogue.models import Product, SkinConcern, Variant
from shop.extensions import db
from shop.models import utcnow
from shop.reviews.models import Review, ReviewStatus
from shop.reviews.services import refresh_rating

# (product slug, rating, title, body, author, skin type, concern slug, weeks, brand reply)
DEMO_REVIEWS = (
    (
        "probiotic-moisturiser", 5, "Calmer skin in three weeks",
        "My cheeks used to sting with almost every cream. After three weeks of this one, "
        "morning and night, the redness has settled and nothing stings.",
        "Hannah R.", "sensitive", "rosacea", 3, "",
    ),
    (
        "probiotic-moisturiser", 4, "Comfortable, a little rich for summer",
        "Lovely under sunscreen in winter. In the warm weeks I used a smaller amount.",
        "Tom B.", "combination", None, 8,
        "Thank you, Tom. In summer, half a pea-sized amount is often enough.",
    ),
    (
        "probiotic-moisturiser", 5, "The only cream my eczema tolerates",
        "Fragrance-free and no stinging on my dry patches. I have bought it three times.",
        "Priya S.", "dry", "atopic-dermatitis", 12, "",
    ),
    (
        "probiotic-moisturiser", 3, "Fine, but the jar is small",
        "Does what it says. I would like a bigger size for the body.",
        "Gareth L.", "normal", None, None,
        "Thanks, Gareth: the 100 ml jar is there for that.",
    ),
    (
        "gentle-cream-cleanser", 5, "No tight feeling after washing",
        "Takes off sunscreen without leaving my skin squeaky. Gentle enough for the eyes.",
        "Aisha K.", "dry", "dry-sensitive-skin", 6, "",
    ),
    (
        "gentle-cream-cleanser", 4, "Good, slow pump",
        "Lovely cleanser. The pump is a bit slow when the bottle is nearly empty.",
        "Mark D.", "oily", None, 4, "",
    ),
    (
        "synbiotic-sachets", 4, "Easy to take every morning",
        "Mixes into cold water without clumps. My digestion feels more settled after a month.",
        "Jo P.", None, None, 5, "",
    ),
    (
        "synbiotic-sachets", 2, "Taste not for me",
        "The powder is fine in yoghurt but I could not get on with it in water.",
        "Sam T.", None, None, 2,
        "Sorry to hear that, Sam. Many customers stir it into yoghurt or a smoothie.",
    ),
    (
        "niacinamide-serum", 5, "Fewer breakouts on my chin",
        "Light, soaks in quickly, and after six weeks I have far fewer spots along my jaw.",
        "Lena M.", "oily", "acne", 6, "",
    ),
)  # fmt: skip

DEMO_ALERT = ("OCR-200", "waiting.demo@example.com")


def seed_demo_reviews() -> dict[str, int]:
    """Create the missing demo reviews (approved) and the waiting request."""
    created = {"reviews": 0, "back-in-stock requests": 0}
    products = {p.slug: p for p in db.session.scalars(select(Product))}
    concerns = {c.slug: c.id for c in db.session.scalars(select(SkinConcern))}
    now = utcnow()
    touched = set()
    for n, (slug, rating, title, body, author, skin, concern, weeks, reply) in enumerate(
        DEMO_REVIEWS
    ):
        product = products.get(slug)
        if product is None or db.session.scalar(
            select(Review.id).where(Review.product_id == product.id, Review.title == title)
        ):
            continue
        written = now - timedelta(days=40 - 3 * n)
        db.session.add(
            Review(
                product_id=product.id,
                rating=rating,
                title=title,
                body=body,
                author_name=author,
                skin_type=skin,
                concern_id=concerns.get(concern) if concern else None,
                weeks_used=weeks,
                status=ReviewStatus.APPROVED,
                created_at=written,
                moderated_at=written + timedelta(days=1),
                reply=reply,
                replied_at=written + timedelta(days=1) if reply else None,
                helpful_count=(n * 7) % 5,
            )
        )
        touched.add(product.id)
        created["reviews"] += 1
    db.session.flush()
    for product_id in sorted(touched):
        refresh_rating(product_id)
    sku, email = DEMO_ALERT
    variant_id = db.session.scalar(select(Variant.id).where(Variant.sku == sku))
    if variant_id is not None and not db.session.scalar(
        select(StockAlert.id).where(StockAlert.variant_id == variant_id, StockAlert.email == email)
    ):
        db.session.add(
            StockAlert(
                variant_id=variant_id,
                email=email,
                status=AlertStatus.WAITING,
                requested_at=now,
                confirmed_at=now,
                expires_at=now + timedelta(days=90),
            )
        )
        created["back-in-stock requests"] += 1
    db.session.flush()
    return created
