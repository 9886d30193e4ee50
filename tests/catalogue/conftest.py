import pytest

from shop.extensions import db
from tests.factories import (
    CategoryFactory,
    FreeFromFlagFactory,
    IngredientFactory,
    ProductFactory,
    SkinConcernFactory,
    StrainFactory,
    VariantFactory,
)


@pytest.fixture
def shelves(app):
    """Skincare (moisturisers, cleansers) and supplements (capsules), with concerns and flags."""
    with app.app_context():
        skincare = CategoryFactory(slug="skincare", name="Skincare", position=0)
        supplements = CategoryFactory(slug="supplements", name="Supplements", position=1)
        moisturisers = CategoryFactory(slug="moisturisers", name="Moisturisers", parent=skincare)
        cleansers = CategoryFactory(slug="cleansers", name="Cleansers", parent=skincare)
        capsules = CategoryFactory(slug="capsules", name="Capsules", parent=supplements)
        acne = SkinConcernFactory(slug="acne", name="Acne")
        rosacea = SkinConcernFactory(slug="rosacea", name="Rosacea")
        vegan = FreeFromFlagFactory(slug="vegan", label="Vegan")
        fragrance = FreeFromFlagFactory(slug="fragrance-free", label="Fragrance-free")
        ids = {
            name: obj.id
            for name, obj in {
                "skincare": skincare,
                "supplements": supplements,
                "moisturisers": moisturisers,
                "cleansers": cleansers,
                "capsules": capsules,
                "acne": acne,
                "rosacea": rosacea,
                "vegan": vegan,
                "fragrance-free": fragrance,
            }.items()
        }
    return ids


@pytest.fixture
def small_catalogue(app, shelves):
    """Four products on sale, one archived, one without an active variant."""
    from shop.catalogue.models import Category, FreeFromFlag, SkinConcern

    with app.app_context():
        cat = {c.slug: c for c in db.session.scalars(db.select(Category))}
        concern = {c.slug: c for c in db.session.scalars(db.select(SkinConcern))}
        flag = {f.slug: f for f in db.session.scalars(db.select(FreeFromFlag))}
        cream = ProductFactory(
            slug="barrier-cream",
            name="Barrier Cream",
            short_description="A rich cream for dry skin.",
            category=cat["moisturisers"],
            concerns=[concern["rosacea"]],
            free_from=[flag["vegan"], flag["fragrance-free"]],
            featured_rank=2,
            variants__price_pence=2400,
        )
        VariantFactory(product=cream, sku="BC-100", size_label="100 ml", price_pence=3900)
        IngredientFactory(product=cream, inci_name="Ceramide NP", function="Skin-restoring lipid")
        gel = ProductFactory(
            slug="clarifying-gel",
            name="Clarifying Gel Cleanser",
            short_description="A foaming gel for oily, blemish-prone skin.",
            category=cat["cleansers"],
            concerns=[concern["acne"]],
            free_from=[flag["vegan"]],
            featured_rank=1,
            variants__price_pence=1600,
        )
        IngredientFactory(product=gel, inci_name="Salicylic Acid", function="Exfoliant")
        caps = ProductFactory(
            slug="live-capsules",
            name="Live Bacteria Capsules",
            short_description="Five strains in every capsule.",
            long_description="Made for a busy gut and the skin it feeds.",
            category=cat["capsules"],
            concerns=[concern["acne"], concern["rosacea"]],
            variants__price_pence=2900,
        )
        StrainFactory(product=caps, genus="Bifidobacterium", species="longum", designation="BB536")
        ProductFactory(
            slug="oat-milk-cleanser",
            name="Oat Milk Cleanser",
            short_description="A milky cleanser that leaves skin soft (100% gentle).",
            category=cat["cleansers"],
            variants__price_pence=1450,
        )
        ProductFactory(
            slug="old-toner", name="Old Toner", category=cat["cleansers"], is_active=False
        )
        ProductFactory(
            slug="no-sizes",
            name="Product Without Sizes",
            category=cat["cleansers"],
            variants__is_active=False,
        )
    return None
