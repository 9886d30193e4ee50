"""factory_boy factories for the shop's models, committing through `db.session`."""

from datetime import timedelta

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
from shop.journal.models import Article, ArticleProduct, Author, Reference, Tag
from shop.models import utcnow
from shop.reviews.models import Review
from shop.reviews.services import refresh_rating


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


class AuthorFactory(BaseFactory):
    class Meta:
        model = Author

    slug = factory.Sequence(lambda n: f"author-{n}")
    name = factory.Sequence(lambda n: f"Sam Writer {n}")
    credentials = "Nutritionist"
    bio = "Writes about food and skin."


class TagFactory(BaseFactory):
    class Meta:
        model = Tag

    slug = factory.Sequence(lambda n: f"tag-{n}")
    name = factory.Sequence(lambda n: f"Tag {n}")


class ArticleFactory(BaseFactory):
    class Meta:
        model = Article

    slug = factory.Sequence(lambda n: f"article-{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    standfirst = "What this article is about."
    body = "## A heading\n\nSome words about skin.\n"
    author = factory.SubFactory(AuthorFactory)
    status = "published"
    published_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=1))


class ReferenceFactory(BaseFactory):
    class Meta:
        model = Reference

    article = factory.SubFactory(ArticleFactory)
    position = factory.Sequence(int)
    citation = (
        "Lee YB, Byun EJ, Kim HS. Potential Role of the Microbiome in Acne. J Clin Med. 2019."
    )
    doi = "10.3390/jcm8070987"
    pmid = "31284694"


class ArticleProductFactory(BaseFactory):
    class Meta:
        model = ArticleProduct

    article = factory.SubFactory(ArticleFactory)
    product = factory.SubFactory(ProductFactory)
    position = factory.Sequence(int)
    note = "Why it fits."


class ReviewFactory(BaseFactory):
    """An approved review (as if from an order and approved by staff); the product's
    rating figures are refreshed as moderation does."""

    class Meta:
        model = Review

    product = factory.SubFactory(ProductFactory)
    rating = 5
    title = factory.Sequence(lambda n: f"Review {n}")
    body = "It helped."
    author_name = factory.Sequence(lambda n: f"Buyer {n}")
    status = "approved"
    created_at = factory.Sequence(lambda n: utcnow() - timedelta(days=100 - n))
    moderated_at = factory.LazyFunction(utcnow)
    helpful_count = 0

    @factory.post_generation
    def rating_figures(self, create, extracted, **kwargs):
        if create:
            refresh_rating(self.product_id)
            db.session.commit()
