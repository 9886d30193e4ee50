"""`flask seed-demo`: a realistic demo catalogue, loaded again without changing anything."""

from collections import Counter

from PIL import Image
from sqlalchemy import func, select

from shop.catalogue.models import (
    Category,
    Ingredient,
    Nutrient,
    Product,
    ProductImage,
    Strain,
    Variant,
)
from shop.extensions import db
from tests.helpers import json_ld

SEEDED_TABLES = (Category, Product, Variant, ProductImage, Ingredient, Strain, Nutrient)


def snapshot() -> dict:
    """Every seeded row, as plain tuples, to compare two runs."""
    rows = {}
    for model in SEEDED_TABLES:
        columns = model.__table__.columns
        rows[model.__tablename__] = sorted(
            tuple(str(getattr(obj, c.key)) for c in columns)
            for obj in db.session.scalars(select(model))
        )
    return rows


def test_seed_demo_builds_a_real_catalogue_and_is_idempotent(app, runner, client, tmp_path):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "17 products" in result.output or "products" in result.output

    with app.app_context():
        first = snapshot()
        products = db.session.scalars(select(Product)).all()
        assert len(products) >= 14
        leaf_counts = Counter(p.category.slug for p in products)
        assert set(leaf_counts) == {"moisturisers", "cleansers", "serums", "synbiotics", "capsules"}
        assert sum(1 for p in products if len(p.variants) > 1) >= 3
        for product in products:
            assert product.concerns or product.category.parent.slug == "supplements"
            assert product.ingredients, product.slug
            assert product.images and product.images[0].alt_text
            for variant in product.variants:
                assert isinstance(variant.price_pence, int) and 300 <= variant.price_pence <= 15000
        supplements = [p for p in products if p.category.parent.slug == "supplements"]
        assert any(p.strains for p in supplements)
        sachets = db.session.scalar(select(Product).filter_by(slug="synbiotic-sachets"))
        zinc = next(n for n in sachets.nutrients if n.name.lower().startswith("zinc"))
        assert (zinc.amount, zinc.unit) == (10, "mg")
        assert sachets.strains and all(s.cfu_per_serving > 0 for s in sachets.strains)
        assert db.session.scalar(select(Product).filter_by(slug="probiotic-moisturiser"))
        image_files = [
            tmp_path / "media" / image.filename(width)
            for image in db.session.scalars(select(ProductImage))
            for width in image.width_list
        ]

    # The drawn images exist, are real WebP pictures, and are served.
    for path in image_files:
        with Image.open(path) as picture:
            assert picture.format == "WEBP"
    with client.get("/media/" + image_files[0].relative_to(tmp_path / "media").as_posix()) as r:
        assert r.status_code == 200 and r.mimetype == "image/webp"

    # A second run changes nothing.
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert snapshot() == first


def test_seed_keeps_staff_edits(app, runner):
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        product = db.session.scalar(select(Product).filter_by(slug="probiotic-moisturiser"))
        product.name = "Renamed by staff"
        product.variants[0].price_pence = 1234
        db.session.commit()
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        product = db.session.scalar(select(Product).filter_by(slug="probiotic-moisturiser"))
        assert product.name == "Renamed by staff"
        assert product.variants[0].price_pence == 1234
        assert db.session.scalar(select(func.count()).select_from(Product)) >= 14


def test_every_demo_product_page_renders_with_valid_structured_data(app, runner, client):
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        slugs = db.session.scalars(select(Product.slug)).all()
    for slug in slugs:
        response = client.get(f"/products/{slug}")
        assert response.status_code == 200, slug
        product_data, crumbs = json_ld(response)
        assert product_data["offers"], slug
        assert crumbs["itemListElement"][-1]["name"] == product_data["name"]
    assert client.get("/shop?concern=acne").status_code == 200
