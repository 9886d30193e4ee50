"""Reviews on product pages and cards: the average and count near the price, the
histogram, filters by stars and concern, sorts, pages, JSON-LD equal to what the page
shows (none without reviews), cards with stars and the rating sort, helpful votes
(one per visitor, rate-limited), and the page cache showing an approval at once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shop.catalogue.models import Product
from shop.extensions import db
from shop.reviews import services
from shop.reviews.models import Review
from tests.factories import ProductFactory, ReviewFactory, SkinConcernFactory
from tests.helpers import card_names, json_ld, page
from tests.helpers.checkout import flashes, follow
from tests.helpers.staff import AuthActions

SLUG = "kefir-serum"


@pytest.fixture
def serum(app) -> int:
    """A serum with seven approved reviews (4.3 on average), one waiting, one rejected."""
    with app.app_context():
        product = ProductFactory(slug=SLUG, name="Kefir Serum")
        rosacea = SkinConcernFactory(slug="rosacea", name="Rosacea")
        acne = SkinConcernFactory(slug="acne", name="Acne")
        for n, (rating, concern) in enumerate(
            [(5, rosacea), (5, rosacea), (4, acne), (5, None), (3, acne), (5, None), (3, None)]
        ):
            ReviewFactory(
                product=product,
                rating=rating,
                concern=concern,
                title=f"Review {n}",
                helpful_count=n % 3,
            )
        ReviewFactory(product=product, rating=1, status="pending", title="Waiting")
        ReviewFactory(product=product, rating=1, status="rejected", title="Rejected")
        return product.id


def words(tag) -> str:
    """A tag's text as read aloud: its words, single-spaced."""
    return " ".join(tag.get_text().split())


def product_json(response) -> dict:
    return next(d for d in json_ld(response) if d["@type"] == "Product")


def titles(response) -> list[str]:
    return [t.get_text(strip=True) for t in page(response).select(".review__heading")]


def test_the_average_and_count_near_the_price_and_the_histogram(app, client, serum):
    response = client.get(f"/products/{SLUG}")
    html = page(response)
    summary = words(html.select_one(".product__rating"))
    assert "4.3 out of 5 stars" in summary and "(7 reviews)" in summary
    assert html.select_one(".product__rating a")["href"] == "#reviews"
    rows = {
        row.th.get_text(strip=True): words(row.select("td")[-1])
        for row in html.select(".reviews__histogram tr")
    }
    assert rows == {
        "5 stars": "4 reviews",
        "4 stars": "1 review",
        "3 stars": "2 reviews",
        "2 stars": "0 reviews",
        "1 star": "0 reviews",
    }
    assert "Waiting" not in titles(response) and "Rejected" not in titles(response)
    assert html.select_one("#reviews-heading").get_text() == "Reviews (7)"
    assert all("Verified buyer" in card.get_text() for card in html.select(".review"))


def test_json_ld_says_what_the_page_shows(app, client, serum):
    response = client.get(f"/products/{SLUG}")
    data = product_json(response)
    assert data["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": "4.3",
        "reviewCount": 7,
        "bestRating": 5,
        "worstRating": 1,
    }
    shown = page(response).select(".review")[:3]
    assert [r["name"] for r in data["review"]] == [
        card.select_one(".review__heading").get_text(strip=True) for card in shown
    ]
    for item, card in zip(data["review"], shown, strict=True):
        assert item["author"]["name"] == card.select_one(".review__meta strong").get_text()
        assert item["reviewBody"] in card.select_one(".review__body").get_text()
        assert f"{item['reviewRating']['ratingValue']} out of 5" in words(card)
        assert item["url"].endswith(f"#{card['id']}")
    with app.app_context():
        product = db.session.get(Product, serum)
        approved = db.session.scalars(
            select(Review.rating).where(Review.product_id == serum, Review.status == "approved")
        ).all()
    assert product.review_count == len(approved) == 7
    assert f"{sum(approved) / len(approved):.1f}" == data["aggregateRating"]["ratingValue"]


def test_no_reviews_no_rating(app, client):
    with app.app_context():
        ProductFactory(slug="plain-cream", name="Plain Cream")
    response = client.get("/products/plain-cream")
    assert "aggregateRating" not in product_json(response)
    assert "review" not in product_json(response)
    html = page(response)
    assert html.select_one(".product__rating") is None
    assert "No reviews yet." in html.select_one("#reviews").get_text()


def test_filters_sorts_and_pages(app, client, serum):
    five = client.get(f"/products/{SLUG}?stars=5")
    assert len(page(five).select(".review")) == 4
    assert all("5 out of 5" in words(c) for c in page(five).select(".review"))
    rosacea = client.get(f"/products/{SLUG}?concern=rosacea")
    assert titles(rosacea) == ["Review 1", "Review 0"]
    options = [o.get_text() for o in page(rosacea).select("#review-concern option")]
    assert options == ["Any concern", "Acne (2)", "Rosacea (2)"]

    newest = client.get(f"/products/{SLUG}")
    assert titles(newest) == ["Review 6", "Review 5", "Review 4", "Review 3", "Review 2"]
    second = client.get(f"/products/{SLUG}?review_page=2")
    assert titles(second) == ["Review 1", "Review 0"]
    assert page(newest).select_one(".reviews a[rel=next]")["href"] == (
        f"/products/{SLUG}?review_page=2#reviews"
    )
    assert titles(client.get(f"/products/{SLUG}?review_page=99")) == titles(second)
    lowest = client.get(f"/products/{SLUG}?review_sort=lowest")
    assert titles(lowest)[:2] == ["Review 6", "Review 4"]
    helpful = client.get(f"/products/{SLUG}?review_sort=helpful")
    assert titles(helpful)[:2] == ["Review 5", "Review 2"]
    # Nonsense is ignored, never an error.
    for query in (
        "stars=9",
        "stars=x",
        "concern=no-such-concern",
        "review_sort=best",
        "review_page=-1",
    ):
        assert client.get(f"/products/{SLUG}?{query}").status_code == 200, query


def test_cards_show_stars_and_listings_sort_by_rating(app, client, serum):
    with app.app_context():
        good = ProductFactory(name="Good Cream")
        ReviewFactory(product=good, rating=4)
        ProductFactory(name="Unrated Balm")
        best = ProductFactory(name="Best Balm")
        ReviewFactory(product=best, rating=5)
    response = client.get("/shop?sort=rating")
    assert card_names(response) == ["Best Balm", "Kefir Serum", "Good Cream", "Unrated Balm"]
    cards = {
        card.select_one(".product-card__name").get_text(strip=True): card
        for card in page(response).select(".product-card")
    }
    assert "4.3 out of 5 stars (7 reviews)" in words(cards["Kefir Serum"])
    assert cards["Unrated Balm"].select_one(".stars") is None
    assert "Customer rating" in [o.get_text() for o in page(response).select("#filter-sort option")]


def review_id(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Review.id).where(Review.title == title))


def helpful_count(app, review: int) -> int:
    with app.app_context():
        return db.session.get(Review, review).helpful_count


def test_one_helpful_vote_per_visitor(app, client, serum):
    review = review_id(app, "Review 6")
    before = helpful_count(app, review)
    voted = client.post(f"/products/{SLUG}/reviews/{review}/helpful")
    assert voted.status_code == 303
    assert voted.headers["Location"] == f"/products/{SLUG}#review-{review}"
    assert "Thank you: your vote is counted." in flashes(follow(client, voted))
    again = client.post(f"/products/{SLUG}/reviews/{review}/helpful")
    assert "You have already said this review was helpful." in flashes(follow(client, again))
    assert helpful_count(app, review) == before + 1
    app.test_client().post(f"/products/{SLUG}/reviews/{review}/helpful")
    assert helpful_count(app, review) == before + 2
    card = page(client.get(f"/products/{SLUG}")).select_one(f"#review-{review}")
    assert f"({before + 2})" in card.select_one(".review__vote button").get_text()

    # Waiting reviews, other products' slugs and unknown ids are 404, and count nothing.
    waiting = review_id(app, "Waiting")
    assert client.post(f"/products/{SLUG}/reviews/{waiting}/helpful").status_code == 303
    assert helpful_count(app, waiting) == 0
    assert client.post(f"/products/other/reviews/{review}/helpful").status_code == 404
    assert client.post(f"/products/{SLUG}/reviews/99999999/helpful").status_code == 404


def test_helpful_votes_are_rate_limited(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, REVIEW_VOTE_LIMIT="3 per minute")
    with app.app_context():
        product = ProductFactory(slug=SLUG)
        ids = [ReviewFactory(product=product).id for _ in range(4)]
    client = app.test_client()
    statuses = [
        client.post(f"/products/{SLUG}/reviews/{review}/helpful").status_code for review in ids
    ]
    assert statuses == [303, 303, 303, 429]
    assert [helpful_count(app, review) for review in ids] == [1, 1, 1, 0]


def test_an_approved_review_shows_at_once_on_the_cached_page(app_factory):
    app = app_factory(PAGE_CACHE_SECONDS=60)
    with app.app_context():
        product = ProductFactory(slug=SLUG)
        ReviewFactory(product=product, title="First", rating=5)
        waiting = ReviewFactory(product=product, title="Second", rating=3, status="pending").id
    visitor = app.test_client()
    first = visitor.get(f"/products/{SLUG}")
    assert titles(first) == ["First"]
    assert titles(visitor.get(f"/products/{SLUG}")) == ["First"]  # from the cache

    editor = app.test_client()
    AuthActions(app, editor)("editor")
    editor.post(f"/admin/reviews/{waiting}/approve")

    shown = visitor.get(f"/products/{SLUG}")
    assert titles(shown) == ["Second", "First"]
    assert "4.0 out of 5 stars" in words(page(shown).select_one(".product__rating"))

    # A vote is counted on the page at once, and what the voter was told is theirs alone.
    voter = app.test_client()
    voted = voter.post(f"/products/{SLUG}/reviews/{waiting}/helpful")
    assert "Thank you: your vote is counted." in flashes(follow(voter, voted))
    other = visitor.get(f"/products/{SLUG}")
    assert flashes(other) == []
    assert "(1)" in page(other).select_one(f"#review-{waiting} .review__vote").get_text()
    assert re.search(r"pc[0-9a-f]{32}-", other.get_data(as_text=True)) is None


def test_rating_figures_follow_moderation(app):
    with app.app_context():
        product = ProductFactory()
        review = ReviewFactory(product=product, rating=2, status="pending")
        services.refresh_rating(product.id)
        assert (product.review_count, product.rating_average) == (0, None)
        review.status = "approved"
        services.refresh_rating(product.id)
        assert (product.review_count, str(product.rating)) == (1, "2.0")
