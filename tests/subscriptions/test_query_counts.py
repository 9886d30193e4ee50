"""The product and basket pages with subscription choices run as many queries with many
sizes and subscription lines as with one."""

from sqlalchemy import select

from shop.catalogue.models import Product
from shop.extensions import db
from tests.factories import ProductFactory, VariantFactory
from tests.helpers.checkout import add_to_cart
from tests.helpers.database import counting_queries


def subscribable_product(app, sizes: int) -> tuple[str, list[int]]:
    with app.app_context():
        product = ProductFactory(subscribable=True, variants__on_hand=20)
        for _ in range(sizes - 1):
            VariantFactory(product=product, on_hand=20)
        db.session.commit()
        product = db.session.scalar(select(Product).where(Product.id == product.id))
        return product.slug, [v.id for v in product.variants]


def test_the_product_page_with_subscription_choices_costs_no_query_per_size(app, client):
    one, _ = subscribable_product(app, 1)
    many, _ = subscribable_product(app, 6)
    client.get(f"/products/{one}")  # warm up
    with counting_queries(app) as few:
        assert "subscribe_every" in client.get(f"/products/{one}").get_data(as_text=True)
    with counting_queries(app) as more:
        assert client.get(f"/products/{many}").status_code == 200
    assert len(more) == len(few), more


def test_the_basket_with_subscription_lines_costs_no_query_per_line(app, client):
    _slug, sizes = subscribable_product(app, 6)
    add_to_cart(client, sizes[0], 1, subscribe_every="1")
    client.get("/cart")
    with counting_queries(app) as few:
        assert client.get("/cart").status_code == 200
    for variant_id in sizes[1:]:
        add_to_cart(client, variant_id, 1, subscribe_every="2")
    with counting_queries(app) as more:
        page = client.get("/cart").get_data(as_text=True)
    assert page.count("data-subscription-terms") == 6
    assert len(more) == len(few), more
