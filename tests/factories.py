"""factory_boy factories for the shop's models, committing through `db.session`."""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from shop.catalogue.models import (
    Category,
    FreeFromFlag,
    Ingredient,
    Nutrient,
    Product,
    ProductImage,
    SkinConcern,
    Strain,
    Variant,
)
from shop.extensions import db


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class CategoryFactory(BaseFactory):
    class Meta:
        model = Category

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")
    description = "A shelf of the shop."
    position = factory.Sequence(int)


class SkinConcernFactory(BaseFactory):
    class Meta:
        model = SkinConcern

    slug = factory.Sequence(lambda n: f"concern-{n}")
    name = factory.Sequence(lambda n: f"Concern {n}")
    position = factory.Sequence(int)


class FreeFromFlagFactory(BaseFactory):
    class Meta:
        model = FreeFromFlag

    slug = factory.Sequence(lambda n: f"flag-{n}")
    label = factory.Sequence(lambda n: f"Flag {n}")
    position = factory.Sequence(int)


class ProductFactory(BaseFactory):
    class Meta:
        model = Product

    slug = factory.Sequence(lambda n: f"product-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    short_description = "A gentle product for testing."
    long_description = "First paragraph.\n\nSecond paragraph."
    how_to_use = "Use daily."
    category = factory.SubFactory(CategoryFactory)
    is_active = True

    @factory.post_generation
    def variants(self, create, extracted, **kwargs):
        """Give every product one variant unless variants are passed (or an empty list)."""
        if extracted is None:
            VariantFactory(product=self, **kwargs)
        db.session.refresh(self)


class VariantFactory(BaseFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory, variants=[])
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    size_label = "50 ml"
    price_pence = 1800
    on_hand = 20
    reserved = 0
    weight_grams = 120
    position = 0


class ProductImageFactory(BaseFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    stem = factory.Sequence(lambda n: f"products/test-{n}")
    widths = "400,800"
    width = 800
    height = 800
    alt_text = "A jar of cream on a green background"


class IngredientFactory(BaseFactory):
    class Meta:
        model = Ingredient

    product = factory.SubFactory(ProductFactory)
    position = factory.Sequence(int)
    inci_name = "Aqua"
    function = "Solvent"


class StrainFactory(BaseFactory):
    class Meta:
        model = Strain

    product = factory.SubFactory(ProductFactory)
    position = factory.Sequence(int)
    genus = "Lacticaseibacillus"
    species = "rhamnosus"
    designation = "LR-32"
    cfu_per_serving = 5_000_000_000


class NutrientFactory(BaseFactory):
    class Meta:
        model = Nutrient

    product = factory.SubFactory(ProductFactory)
    position = factory.Sequence(int)
    name = factory.Sequence(lambda n: f"Nutrient {n}")
    amount = "10"
    unit = "mg"
    nrv_percent = 100
