"""What a product page only shows of a product, as plain rows: the product with its
shelf and sizes (`ProductView`, one statement), and its pictures, concerns, ingredients,
strains, nutrients, free-from flags, questions and the journal's articles that feature
it (`PageParts`, one statement).

The page changes none of them, so they need no ORM objects, and one statement for all of
them costs less than one per part (a supplement has six or seven of them). The rows keep
the names the templates read on the ORM's Product, Category, Variant, ProductImage (the
catalogue's PlainPicture), SkinConcern, Ingredient, Strain, Nutrient, FreeFromFlag and
ProductQuestion, and share their computed properties through the catalogue's mixins
(HasRating, HasSizes, HasHighlights, HasStock, HasPrice). Pages that change a product
keep the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from sqlalchemy import (
    BigInteger,
    Boolean,
    CompoundSelect,
    Integer,
    Numeric,
    String,
    Text,
    bindparam,
    func,
    select,
)
from sqlalchemy.sql import Subquery

from shop.catalogue.models import (
    FreeFromFlag,
    HasHighlights,
    HasPrice,
    HasRating,
    HasSizes,
    HasStock,
    Ingredient,
    Nutrient,
    PlainPicture,
    ProductImage,
    ProductQuestion,
    SkinConcern,
    Strain,
    product_concern,
    product_free_from,
)
from shop.journal.models import Article, ArticleProduct, public_at
from shop.loading import parts_statement, read_parts
from shop.models import utcnow


@dataclass(frozen=True, slots=True)
class LabelRow:
    """A skin concern (of a product or an article) or an article's tag: a chip with a
    link, by id, slug and name."""

    id: int
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class IngredientRow:
    inci_name: str
    function: str


@dataclass(frozen=True, slots=True)
class StrainRow:
    genus: str
    species: str
    designation: str
    cfu_per_serving: int
    guaranteed_to_best_before: bool

    @property
    def full_name(self) -> str:
        parts = [self.genus, self.species, self.designation]
        return " ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class NutrientRow:
    name: str
    amount: Decimal
    unit: str
    nrv_percent: int | None


@dataclass(frozen=True, slots=True)
class FreeFromRow:
    slug: str
    label: str


@dataclass(frozen=True, slots=True)
class ShelfView:
    """A product's category, or its category's parent, for the breadcrumbs and links."""

    id: int
    slug: str
    name: str
    parent: ShelfView | None = None


@dataclass(frozen=True, slots=True)
class ListedShelf:
    """A category as its own listing shows it: its parent for the breadcrumbs, its
    children (in their order) as links and as the shelves whose products it lists too."""

    id: int
    slug: str
    name: str
    description: str
    parent: ShelfView | None
    children: tuple[ShelfView, ...]


@dataclass(slots=True, eq=False)
class SizeView(HasStock, HasPrice):
    """A size as the product page and an article's product cards show and sell it
    (`product` is its ProductView on the product page, None on a card)."""

    id: int
    sku: str
    size_label: str
    price_pence: int
    compare_at_pence: int | None
    currency: str
    on_hand: int
    reserved: int
    is_active: bool
    subscribable: bool
    product: ProductView | None = field(default=None, repr=False)


# SizeView's columns of the variant table, in its order (its `product` is set apart).
SIZE_VIEW_COLUMNS = (
    "id",
    "sku",
    "size_label",
    "price_pence",
    "compare_at_pence",
    "currency",
    "on_hand",
    "reserved",
    "is_active",
    "subscribable",
)


@dataclass(slots=True, eq=False)
class ProductView(HasRating, HasSizes, HasHighlights):
    """A product on sale as its page shows it: its texts, rating, subscribe & save terms,
    shelf and every size in their order (`variants`; `active_variants` through HasSizes)."""

    id: int
    slug: str
    name: str
    short_description: str
    long_description: str
    how_to_use: str
    warnings: str
    serving_size: str
    highlights: str
    texture: str
    time_to_results: str
    max_per_order: int
    review_count: int
    rating_average: Decimal | None
    subscribable: bool
    subscribe_discount_percent: int | None
    subscribe_intervals: str
    has_lapsed_holds: bool
    category: ShelfView
    variants: list[SizeView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class QuestionRow:
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class FeatureRow:
    """A public article that recommends the product ("Featured in the journal")."""

    slug: str
    title: str
    standfirst: str


@dataclass(slots=True)
class PageParts:
    """A product's parts as its page shows them, each in its relationship's order."""

    images: list[PlainPicture] = field(default_factory=list)
    concerns: list[LabelRow] = field(default_factory=list)
    ingredients: list[IngredientRow] = field(default_factory=list)
    strains: list[StrainRow] = field(default_factory=list)
    nutrients: list[NutrientRow] = field(default_factory=list)
    free_from: list[FreeFromRow] = field(default_factory=list)
    questions: list[QuestionRow] = field(default_factory=list)
    featured_in: list[FeatureRow] = field(default_factory=list)

    @property
    def main_image(self) -> PlainPicture | None:
        return self.images[0] if self.images else None


# The parts read here, in the order of PageParts' fields: each part's number is its
# `part` column in the statement.
SHOWN_PARTS = (
    "images",
    "concerns",
    "ingredients",
    "strains",
    "nutrients",
    "free_from",
    "questions",
    "featured_in",
)

# "Featured in the journal" shows the newest few articles that recommend the product.
FEATURED_IN_LIMIT = 4

# The statement's columns besides `part`, `position` and `id`
# (shop.loading.parts_statement).
_COLUMNS = (
    ("text_1", String()),
    ("text_2", String()),
    ("text_3", String()),
    ("long_text", Text()),
    ("big_number", BigInteger()),
    ("flag", Boolean()),
    ("amount", Numeric(12, 3)),
    ("number_1", Integer()),
    ("number_2", Integer()),
)


@cache
def product_parts_statement() -> CompoundSelect:
    """Every part of SHOWN_PARTS of the product whose id is the `product_id` parameter,
    by part, then in each relationship's order (position), built once per process. The
    articles that feature it are those public at the `now` parameter, newest first."""
    image, ingredient, strain = ProductImage.__table__, Ingredient.__table__, Strain.__table__
    nutrient, question = Nutrient.__table__, ProductQuestion.__table__
    concern, flag = SkinConcern.__table__, FreeFromFlag.__table__
    concerns = (
        select(concern.c.id, concern.c.slug, concern.c.name, concern.c.position, product_concern)
        .join_from(concern, product_concern, product_concern.c.concern_id == concern.c.id)
        .subquery()
    )
    flags = (
        select(flag.c.id, flag.c.slug, flag.c.label, flag.c.position, product_free_from)
        .join_from(flag, product_free_from, product_free_from.c.flag_id == flag.c.id)
        .subquery()
    )
    featuring = _featuring()
    return parts_statement(
        "product_id",
        _COLUMNS,
        [
            (
                image.c.product_id,
                image.c.position,
                image.c.id,
                {
                    "text_1": image.c.stem,
                    "text_2": image.c.widths,
                    "text_3": image.c.alt_text,
                    "number_1": image.c.width,
                    "number_2": image.c.height,
                },
            ),
            (
                concerns.c.product_id,
                concerns.c.position,
                concerns.c.id,
                {"text_1": concerns.c.slug, "text_2": concerns.c.name},
            ),
            (
                ingredient.c.product_id,
                ingredient.c.position,
                ingredient.c.id,
                {"text_1": ingredient.c.inci_name, "text_2": ingredient.c.function},
            ),
            (
                strain.c.product_id,
                strain.c.position,
                strain.c.id,
                {
                    "text_1": strain.c.genus,
                    "text_2": strain.c.species,
                    "text_3": strain.c.designation,
                    "big_number": strain.c.cfu_per_serving,
                    "flag": strain.c.guaranteed_to_best_before,
                },
            ),
            (
                nutrient.c.product_id,
                nutrient.c.position,
                nutrient.c.id,
                {
                    "text_1": nutrient.c.name,
                    "text_2": nutrient.c.unit,
                    "amount": nutrient.c.amount,
                    "number_1": nutrient.c.nrv_percent,
                },
            ),
            (
                flags.c.product_id,
                flags.c.position,
                flags.c.id,
                {"text_1": flags.c.slug, "text_2": flags.c.label},
            ),
            (
                question.c.product_id,
                question.c.position,
                question.c.id,
                {"text_1": question.c.question, "long_text": question.c.answer},
            ),
            (
                featuring.c.product_id,
                featuring.c.position,
                featuring.c.id,
                {
                    "text_1": featuring.c.slug,
                    "text_2": featuring.c.title,
                    "text_3": featuring.c.standfirst,
                },
            ),
        ],
    )


def _featuring() -> Subquery:
    """The newest public articles featuring the `product_id` parameter's product, at most
    FEATURED_IN_LIMIT, numbered newest first (their `position`)."""
    article, featured = Article.__table__, ArticleProduct.__table__
    newest_first = (article.c.published_at.desc(), article.c.id.desc())
    return (
        select(
            featured.c.product_id,
            article.c.id,
            article.c.slug,
            article.c.title,
            article.c.standfirst,
            func.row_number().over(order_by=newest_first).label("position"),
        )
        .join_from(featured, article, article.c.id == featured.c.article_id)
        .where(featured.c.product_id == bindparam("product_id"), public_at(bindparam("now")))
        .order_by(*newest_first)
        .limit(FEATURED_IN_LIMIT)
        .subquery()
    )


def _image(row) -> PlainPicture:
    return PlainPicture(row.text_1, row.text_2, row.number_1, row.number_2, row.text_3)


def _concern(row) -> LabelRow:
    return LabelRow(row.id, row.text_1, row.text_2)


def _ingredient(row) -> IngredientRow:
    return IngredientRow(row.text_1, row.text_2)


def _strain(row) -> StrainRow:
    return StrainRow(row.text_1, row.text_2, row.text_3, row.big_number, row.flag)


def _nutrient(row) -> NutrientRow:
    return NutrientRow(row.text_1, row.amount, row.text_2, row.number_1)


def _free_from(row) -> FreeFromRow:
    return FreeFromRow(row.text_1, row.text_2)


def _question(row) -> QuestionRow:
    return QuestionRow(row.text_1, row.long_text)


def _feature(row) -> FeatureRow:
    return FeatureRow(row.text_1, row.text_2, row.text_3)


_MAKERS = (
    _image,
    _concern,
    _ingredient,
    _strain,
    _nutrient,
    _free_from,
    _question,
    _feature,
)


def page_parts(product_id: int) -> PageParts:
    """The product's parts of SHOWN_PARTS as plain rows, in one statement."""
    parameters = {"product_id": product_id, "now": utcnow()}
    return PageParts(*read_parts(product_parts_statement(), parameters, _MAKERS))
