"""`flask seed-demo` shows approved reviews (not all five stars) on several products, a
sold-out size with the alert form, and someone waiting for it in the back office."""

from sqlalchemy import func, select

from shop.alerts.models import StockAlert
from shop.extensions import db
from shop.reviews.models import Review
from tests.helpers import json_ld, page


def test_the_demo_shows_reviews_a_sold_out_size_and_a_waiting_request(app, runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "9 reviews" in result.output

    with app.app_context():
        rated = db.session.execute(
            select(Review.product_id, func.count(), func.min(Review.rating))
            .where(Review.status == "approved")
            .group_by(Review.product_id)
        ).all()
    assert len(rated) >= 3
    assert min(lowest for _, _, lowest in rated) < 5, "not all five stars"

    html = page(client.get("/products/probiotic-moisturiser"))
    assert "4.3 out of 5 stars (4 reviews)" in " ".join(
        html.select_one(".product__rating").get_text().split()
    )
    assert html.select_one(".review__reply") is not None
    product = next(
        d for d in json_ld(client.get("/products/probiotic-moisturiser")) if d["@type"] == "Product"
    )
    assert product["aggregateRating"]["reviewCount"] == 4

    sold_out = page(client.get("/products/oat-ceramide-rich-cream"))
    assert sold_out.select_one(".stock-alert form") is not None

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Review)) == 9
        assert db.session.scalar(select(func.count()).select_from(StockAlert)) == 1
