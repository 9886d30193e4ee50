"""Pages run a fixed number of SQL queries, however big the catalogue grows."""

import secrets
from datetime import timedelta

from shop.catalogue.models import (
    Category,
    FreeFromFlag,
    Ingredient,
    Nutrient,
    Product,
    ProductImage,
    ProductPairing,
    ProductQuestion,
    SkinConcern,
    Strain,
    Variant,
)
from shop.comments.models import Comment
from shop.extensions import db
from shop.journal.models import Article, Author
from shop.models import utcnow
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.reviews.models import Review
from shop.reviews.services import refresh_rating
from tests.helpers import page


def add_products(start: int, stop: int) -> None:
    """Add products with two sizes, an image, a full formulation, questions, a product
    paired with each by staff and paid orders of each with the one before, in one commit."""
    serums = db.session.scalar(db.select(Category).filter_by(slug="serums"))
    if serums is None:
        skincare = Category(slug="skincare", name="Skincare")
        serums = Category(slug="serums", name="Serums", parent=skincare)
        db.session.add_all(
            [SkinConcern(slug=f"concern-{n}", name=f"Concern {n}") for n in range(4)]
        )
        db.session.add_all([FreeFromFlag(slug=f"flag-{n}", label=f"Flag {n}") for n in range(3)])
        db.session.flush()
    concerns = db.session.scalars(db.select(SkinConcern)).all()
    flags = db.session.scalars(db.select(FreeFromFlag)).all()
    for n in range(start, stop):
        product = Product(
            slug=f"serum-{n}",
            name=f"Serum {n}",
            short_description="A serum.",
            category=serums,
            featured_rank=n if n < 6 else None,
            concerns=concerns[: 1 + n % 4],
            free_from=flags[: 1 + n % 3],
        )
        product.variants = [
            Variant(sku=f"S{n}-30", size_label="30 ml", price_pence=1500 + n, on_hand=10),
            Variant(sku=f"S{n}-50", size_label="50 ml", price_pence=2200 + n, on_hand=2),
        ]
        product.images = [
            ProductImage(
                stem=f"products/serum-{n}",
                widths="400,800",
                width=800,
                height=800,
                alt_text="A bottle",
            )
        ]
        product.ingredients = [
            Ingredient(position=i, inci_name=f"Ingredient {i}", function="Humectant")
            for i in range(12)
        ]
        product.strains = [
            Strain(position=i, genus="Lactobacillus", species=f"species{i}", cfu_per_serving=10**9)
            for i in range(3)
        ]
        product.nutrients = [
            Nutrient(position=i, name=f"Nutrient {i}", amount="1", unit="mg") for i in range(3)
        ]
        product.questions = [
            ProductQuestion(position=i, question=f"Question {i}?", answer="An answer.")
            for i in range(3)
        ]
        # Approved reviews, more of them the further along: the product page shows
        # one page of them, its histogram and concerns, in queries of their own.
        db.session.add(product)
        db.session.flush()
        db.session.add_all(
            Review(
                product_id=product.id,
                rating=1 + (n + r) % 5,
                title=f"Review {r}",
                body="Calmer skin.",
                author_name="A buyer",
                concern_id=concerns[r % len(concerns)].id,
                status="approved",
                helpful_count=r,
            )
            for r in range(2 + n % 10)
        )
        db.session.flush()
        refresh_rating(product.id)
        before = db.session.scalar(db.select(Product).filter_by(slug=f"serum-{n - 1}"))
        if before is not None:
            db.session.add(ProductPairing(product_id=product.id, paired_product_id=before.id))
            add_paid_orders([product.variants[0], before.variants[1]], 1 + n % 3)
    db.session.commit()


def add_articles() -> None:
    """Four public articles by one author, each with an approved comment and one
    waiting for moderation: the home page's latest articles show their counts."""
    author = Author(slug="sam", name="Sam Writer", credentials="Nutritionist")
    for n in range(4):
        article = Article(
            slug=f"article-{n}",
            title=f"Article {n}",
            author=author,
            status="published",
            published_at=utcnow() - timedelta(days=n + 1),
        )
        db.session.add(article)
        db.session.flush()
        db.session.add_all(
            Comment(article_id=article.id, body="Thank you.", status=status)
            for status in ("approved", "pending")
        )
    db.session.commit()


def add_paid_orders(variants: list[Variant], count: int) -> None:
    """`count` paid orders of one of each of `variants`, for "Often bought with"."""
    for _ in range(count):
        total = sum(v.price_pence for v in variants)
        order = Order(
            access_token=secrets.token_urlsafe(32),
            checkout_key=secrets.token_hex(32),
            status=OrderStatus.PAID,
            subtotal_pence=total,
            shipping_pence=0,
            total_pence=total,
            shipping_code="standard",
            shipping_name="Standard UK delivery",
            payment_provider="demo",
            payment_expires_at=utcnow() + timedelta(minutes=31),
            paid_at=utcnow(),
        )
        order.lines = [
            OrderLine(
                variant_id=v.id,
                product_name=v.product.name,
                size_label=v.size_label,
                sku=v.sku,
                unit_price_pence=v.price_pence,
                quantity=1,
            )
            for v in variants
        ]
        db.session.add(order)


PAGES = [
    "/",
    "/shop",
    "/shop/skincare",
    "/shop/serums?concern=concern-0&free_from=flag-0&sort=price-desc",
    "/shop?q=serum&page=2",
    "/shop?q=serum&page=99",  # past the end: the last page
    "/shop?sort=rating",
    "/products/serum-3",
    "/products/serum-9?stars=4&concern=concern-1&review_sort=helpful",
    "/sitemap.xml",
]


def queries_per_page(app, count_queries) -> dict[str, int]:
    client = app.test_client()
    result = {}
    for path in PAGES:
        with count_queries() as statements:
            response = client.get(path)
        assert response.status_code == 200, path
        result[path] = len(statements)
    return result


def test_query_counts_do_not_grow_with_the_catalogue(app, count_queries):
    with app.app_context():
        add_products(0, 20)  # two pages of search results, as in the large catalogue
        add_articles()
    small = queries_per_page(app, count_queries)
    with app.app_context():
        add_products(20, 200)
    large = queries_per_page(app, count_queries)
    assert small == large, (small, large)
    # And the numbers stay small: a listing is its shelves (one statement), filters and
    # one page with its count and its cards' sizes and pictures (one statement); only a
    # page past the end counts again and then reads the last page. The home page adds
    # its newest reviews (one), reads its featured products' cards in one and its
    # latest articles with their authors and comment counts in one.
    listings = [path for path in PAGES if path.startswith("/shop") and "page=99" not in path]
    assert large["/shop?q=serum&page=99"] == large["/shop?q=serum&page=2"] + 2, large
    assert large["/shop"] == large["/shop?q=serum&page=2"] == large["/shop?sort=rating"] == 3, large
    # A shelf adds itself with its parent and children (one statement).
    assert (
        large["/shop/skincare"]
        == large["/shop/serums?concern=concern-0&free_from=flag-0&sort=price-desc"]
        == 4
    ), large
    assert max(large[path] for path in listings) <= 4, large
    assert large["/"] <= 5, large
    home = page(app.test_client().get("/"))
    assert len(home.select(".article-card__comments")) == 3
    # A product page with every part: the shelves (1), the product with its sizes and
    # shelf (1), its eight parts (pictures, ingredients, strains, nutrients, concerns,
    # flags, questions and the articles it is featured in: all in one statement),
    # "Often bought with" from the order history and staff's pairings (1), its reviews
    # (two) and, without Redis, the funnel's count of the view (one upsert after the
    # response; with Redis it is no SQL).
    products = [path for path in PAGES if path.startswith("/products/")]
    assert {large[path] for path in products} == {7}, large
    assert max(large.values()) <= 7, large
    # The product pages counted show reviews (two queries: the figures and one page).
    shown = page(app.test_client().get("/products/serum-9?stars=4&concern=concern-1"))
    assert shown.select(".review") and shown.select(".reviews__histogram")
    # ...and the parts counted are on the page: questions, and products bought with it.
    assert len(shown.select(".product-questions__item")) == 3
    assert shown.select("#bought-with-heading ~ ul .product-card")
