"""The catalogue: categories, products, variants, images and formulations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from shop.extensions import db
from shop.models import SHOWN_ON_PAGES, ShownOnPages, UTCDateTime, utcnow

product_concern = Table(
    "product_concern",
    db.metadata,
    Column("product_id", ForeignKey("product.id", ondelete="CASCADE"), primary_key=True),
    Column("concern_id", ForeignKey("skin_concern.id", ondelete="CASCADE"), primary_key=True),
    # The other way round: a concern's products (a listing's concern filter on
    # PostgreSQL, and a concern deleted), read without a scan of the whole table.
    Index("ix_product_concern_by_concern", "concern_id", "product_id"),
    info=SHOWN_ON_PAGES,
)

product_free_from = Table(
    "product_free_from",
    db.metadata,
    Column("product_id", ForeignKey("product.id", ondelete="CASCADE"), primary_key=True),
    Column("flag_id", ForeignKey("free_from_flag.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_product_free_from_by_flag", "flag_id", "product_id"),  # as product_concern's
    info=SHOWN_ON_PAGES,
)


class Category(ShownOnPages, db.Model):
    """A shelf of the shop. Top-level groups (skincare, supplements) hold leaf categories."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="Category.position"
    )
    products: Mapped[list[Product]] = relationship(back_populates="category")

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class SkinConcern(ShownOnPages, db.Model):
    """A skin condition shoppers browse by: acne, rosacea, atopic dermatitis, psoriasis..."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class FreeFromFlag(ShownOnPages, db.Model):
    """A claim about what a product does without: fragrance-free, vegan, ..."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)


# How many of one size a single order may hold: each product's own limit (staff set it,
# 10 unless they do), never more than the ceiling. It keeps one unpaid checkout from
# holding a whole size's stock.
DEFAULT_MAX_PER_ORDER = 10
MAX_PER_ORDER_CEILING = 99
# Key facts at a glance: a product page shows at most this many highlights.
MAX_HIGHLIGHTS = 4


class HasRating:
    """A product's rating as pages show it, on the ORM's Product and on the plain rows
    a product card reads (shop.catalogue.cards) alike."""

    review_count: int
    rating_average: Decimal | None

    @property
    def rating(self) -> Decimal | None:
        """The average rating as pages show it, to one decimal place (4.3), or None."""
        if not self.review_count or self.rating_average is None:
            return None
        return self.rating_average.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class HasHighlights:
    """A product's key facts as its page lists them, on the ORM's Product and on the
    product page's plain rows (shop.catalogue.page_parts.ProductView) alike."""

    highlights: str

    @property
    def highlight_list(self) -> list[str]:
        """The highlights as a list, at most MAX_HIGHLIGHTS, blank lines left out."""
        lines = [line.strip() for line in (self.highlights or "").splitlines()]
        return [line for line in lines if line][:MAX_HIGHLIGHTS]


class HasSizes:
    """What a product's page and cards work out from its sizes (`variants`, in their
    order), on the ORM's Product and on plain rows (the product page's ProductView, an
    article's BuyableCard) alike."""

    variants: list

    @property
    def active_variants(self) -> list:
        return [v for v in self.variants if v.is_active]

    @property
    def lowest_price(self) -> int | None:
        prices = [v.price_pence for v in self.active_variants]
        return min(prices) if prices else None

    @property
    def has_price_range(self) -> bool:
        return len({v.price_pence for v in self.active_variants}) > 1

    @property
    def best_available(self) -> int:
        """The units still available of its best-stocked active size (0 without one)."""
        return max((v.available for v in self.active_variants), default=0)


class Product(HasRating, HasSizes, HasHighlights, ShownOnPages, db.Model):
    __table_args__ = (
        # LIKE '%term%' on search_text uses this trigram index on PostgreSQL.
        Index(
            "ix_product_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        # The products a listing may show, in the featured order, with their shelf: a
        # listing's page and total, and the home page's featured products, are read from
        # this small index instead of the whole, wide product table (on_sale's
        # conditions as each database writes them).
        Index(
            "ix_product_listing",
            "featured_rank",
            "name",
            "id",
            "category_id",
            postgresql_where=text("is_active IS true AND has_active_size IS true"),
            sqlite_where=text("is_active IS 1 AND has_active_size IS 1"),
        ),
        CheckConstraint(
            f"max_per_order BETWEEN 1 AND {MAX_PER_ORDER_CEILING}", name="max_per_order_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_description: Mapped[str] = mapped_column(String(300), default="")
    long_description: Mapped[str] = mapped_column(Text, default="")
    how_to_use: Mapped[str] = mapped_column(Text, default="")
    warnings: Mapped[str] = mapped_column(Text, default="")
    # What one serving is, for supplements ("1 sachet (4 g)", "2 capsules").
    serving_size: Mapped[str] = mapped_column(String(120), default="")
    # Key facts shown at a glance near the price: up to MAX_HIGHLIGHTS short lines
    # ("2% niacinamide", "20 billion live cultures"), one a line; the texture or format
    # ("Light gel-cream", "Sachets of powder to stir into water"); and how long most
    # people take to see a change ("4 to 6 weeks of daily use").
    highlights: Mapped[str] = mapped_column(Text, default="", server_default="")
    texture: Mapped[str] = mapped_column(String(120), default="", server_default="")
    time_to_results: Mapped[str] = mapped_column(String(120), default="", server_default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    # No index of its own: queries for products on sale read ix_product_listing, which
    # SQLite would pass over for an index on this column alone.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Whether any of its sizes is active: kept by the database itself, whoever changes
    # the sizes (VARIANT_KEEPS_HAS_ACTIVE_SIZE below), never written by the shop. With
    # `is_active` it says whether the product is on sale (`shop.catalogue.services.on_sale`)
    # without looking at every product's sizes on every listing.
    has_active_size: Mapped[bool] = mapped_column(Boolean, server_default=false())
    featured_rank: Mapped[int | None] = mapped_column(Integer)
    # The most of one size an order may hold (see DEFAULT_MAX_PER_ORDER).
    max_per_order: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_MAX_PER_ORDER, server_default=str(DEFAULT_MAX_PER_ORDER)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # What shop search looks in, lower-cased: name, descriptions, INCI names and strains.
    # Kept up to date on every flush by shop.catalogue.search_text.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Approved reviews, counted and averaged when staff moderate one (shop.reviews), so
    # cards and the rating sort cost no query of their own.
    review_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rating_average: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    # Subscribe & save: whether the product can be delivered on a schedule, the discount
    # on those deliveries (None: the shop's SUBSCRIBE_DISCOUNT_PERCENT) and the intervals
    # offered, in months ("1,2,3"). Each size can be left out (Variant.subscribable).
    subscribable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    subscribe_discount_percent: Mapped[int | None] = mapped_column(Integer)
    subscribe_intervals: Mapped[str] = mapped_column(
        String(40), default="1,2,3", server_default="1,2,3"
    )
    # Whether a size showing sold out is held by an unpaid checkout whose payment window
    # has passed: read with the product for its page only (None elsewhere).
    has_lapsed_holds: Mapped[bool | None] = query_expression()

    category: Mapped[Category] = relationship(back_populates="products")
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", order_by="Variant.position", cascade="all, delete-orphan"
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", order_by="ProductImage.position", cascade="all, delete-orphan"
    )
    ingredients: Mapped[list[Ingredient]] = relationship(
        back_populates="product", order_by="Ingredient.position", cascade="all, delete-orphan"
    )
    strains: Mapped[list[Strain]] = relationship(
        back_populates="product", order_by="Strain.position", cascade="all, delete-orphan"
    )
    nutrients: Mapped[list[Nutrient]] = relationship(
        back_populates="product", order_by="Nutrient.position", cascade="all, delete-orphan"
    )
    concerns: Mapped[list[SkinConcern]] = relationship(
        secondary=product_concern, order_by="SkinConcern.position"
    )
    free_from: Mapped[list[FreeFromFlag]] = relationship(
        secondary=product_free_from, order_by="FreeFromFlag.position"
    )
    questions: Mapped[list[ProductQuestion]] = relationship(
        back_populates="product", order_by="ProductQuestion.position", cascade="all, delete-orphan"
    )
    pairings: Mapped[list[ProductPairing]] = relationship(
        foreign_keys="ProductPairing.product_id",
        order_by="ProductPairing.position",
        cascade="all, delete-orphan",
    )

    @property
    def main_image(self) -> ProductImage | None:
        return self.images[0] if self.images else None

    def __repr__(self) -> str:
        return f"<Product {self.slug}>"


# The featured order itself (featured products first, by rank, then the rest by name),
# so that the whole shop's page is the first rows of this index and not a sort of every
# product on sale (shop.paging.windowed's count_apart); PostgreSQL reads a shelf's page
# from it too. An expression index: SQLite's schema cannot be read back with it, so
# Alembic cannot compare it there (tests/test_migrations.py checks that it exists), and
# a batch migration that copies the product table on SQLite must create it again.
Index(
    "ix_product_listing_order",
    Product.featured_rank.is_(None),
    Product.featured_rank,
    Product.name,
    Product.id,
    Product.category_id,
    postgresql_where=text("is_active IS true AND has_active_size IS true"),
    sqlite_where=text("is_active IS 1 AND has_active_size IS 1"),
)

# The trigram operator class of the search index comes with the pg_trgm extension.
event.listen(
    db.metadata,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)


class HasStock:
    """What a size has to sell, on the ORM's Variant and on the plain rows the basket
    page reads (shop.cart.rows) alike: anything with `on_hand` and `reserved`."""

    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        """Units that can still be sold: on hand less those held for unpaid orders."""
        return max(self.on_hand - self.reserved, 0)


class HasPrice:
    """A size's price as pages show it, on the ORM's Variant and on the product page's
    plain rows (shop.catalogue.page_parts.SizeView) alike."""

    price_pence: int
    compare_at_pence: int | None

    @property
    def is_on_sale(self) -> bool:
        return self.compare_at_pence is not None and self.compare_at_pence > self.price_pence


class Variant(HasStock, HasPrice, ShownOnPages, db.Model):
    """A size of a product that is bought: its own SKU, price and stock."""

    __table_args__ = (
        CheckConstraint("price_pence >= 0", name="price_not_negative"),
        CheckConstraint("compare_at_pence IS NULL OR compare_at_pence >= 0", name="compare_at"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_stock"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    size_label: Mapped[str] = mapped_column(String(80))
    price_pence: Mapped[int] = mapped_column(Integer)
    compare_at_pence: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="gbp")
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Whether this size may be subscribed to, when its product is subscribable.
    subscribable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    product: Mapped[Product] = relationship(back_populates="variants")

    def __repr__(self) -> str:
        return f"<Variant {self.sku}>"


# Product.has_active_size, kept current by the database after every insert, delete or
# change of a size's `is_active` or product: the back office, the CSV import, a Core
# UPDATE and a hand-written statement alike. A stock change (on_hand, reserved) does not
# fire it. Two transactions switching off a product's last two sizes at once on PostgreSQL
# do not each leave it on for the other's size: the second's UPDATE of the product waits
# for the first's, then PostgreSQL evaluates it again on the committed row
# (tests/catalogue/test_has_active_size.py). A migration that rebuilds the variant table
# on SQLite (batch mode) drops its triggers and must create them again.
VARIANT_KEEPS_HAS_ACTIVE_SIZE = {
    "postgresql": (
        """CREATE OR REPLACE FUNCTION product_has_active_size() RETURNS trigger AS $$
DECLARE
    product_ids integer[];
    one integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        product_ids := ARRAY[NEW.product_id];
    ELSIF TG_OP = 'DELETE' THEN
        product_ids := ARRAY[OLD.product_id];
    ELSE
        product_ids := ARRAY[OLD.product_id, NEW.product_id];
    END IF;
    FOREACH one IN ARRAY product_ids LOOP
        UPDATE product SET has_active_size = EXISTS (
            SELECT 1 FROM variant WHERE variant.product_id = one AND variant.is_active IS true
        ) WHERE id = one;
    END LOOP;
    RETURN NULL;
END
$$ LANGUAGE plpgsql""",
        """CREATE TRIGGER variant_added_or_removed AFTER INSERT OR DELETE ON variant
FOR EACH ROW EXECUTE FUNCTION product_has_active_size()""",
        """CREATE TRIGGER variant_switched AFTER UPDATE OF is_active, product_id ON variant
FOR EACH ROW WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active
    OR OLD.product_id IS DISTINCT FROM NEW.product_id)
EXECUTE FUNCTION product_has_active_size()""",
    ),
    "sqlite": (
        """CREATE TRIGGER variant_added AFTER INSERT ON variant BEGIN
UPDATE product SET has_active_size = EXISTS (
    SELECT 1 FROM variant WHERE product_id = NEW.product_id AND is_active IS 1
) WHERE id = NEW.product_id;
END""",
        """CREATE TRIGGER variant_removed AFTER DELETE ON variant BEGIN
UPDATE product SET has_active_size = EXISTS (
    SELECT 1 FROM variant WHERE product_id = OLD.product_id AND is_active IS 1
) WHERE id = OLD.product_id;
END""",
        """CREATE TRIGGER variant_switched AFTER UPDATE OF is_active, product_id ON variant
WHEN OLD.is_active IS NOT NEW.is_active OR OLD.product_id IS NOT NEW.product_id BEGIN
UPDATE product SET has_active_size = EXISTS (
    SELECT 1 FROM variant WHERE product_id = OLD.product_id AND is_active IS 1
) WHERE id = OLD.product_id;
UPDATE product SET has_active_size = EXISTS (
    SELECT 1 FROM variant WHERE product_id = NEW.product_id AND is_active IS 1
) WHERE id = NEW.product_id;
END""",
    ),
}
for _dialect, _statements in VARIANT_KEEPS_HAS_ACTIVE_SIZE.items():
    for _statement in _statements:
        event.listen(
            Variant.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect)
        )
event.listen(
    Variant.__table__,
    "after_drop",
    DDL("DROP FUNCTION IF EXISTS product_has_active_size()").execute_if(dialect="postgresql"),
)


class PictureFiles:
    """A picture's files, `<stem>-<width>.webp` under MEDIA_ROOT, from its `stem` and
    `widths` ("400,800": the widths on disk, smallest first)."""

    stem: str
    widths: str

    @property
    def width_list(self) -> list[int]:
        return [int(w) for w in self.widths.split(",") if w]

    def filename(self, width: int | None = None) -> str:
        sizes = self.width_list
        chosen = width if width in sizes else sizes[-1]
        return f"{self.stem}-{chosen}.webp"

    def files(self) -> list[tuple[int, str]]:
        """Each width on disk with its file name, smallest first."""
        stem = self.stem
        return [(width, f"{stem}-{width}.webp") for width in self.width_list]


@dataclass(frozen=True, slots=True)
class PlainPicture(PictureFiles):
    """A picture that is not a product's (an article's hero), in the shape the image
    macros expect: what a ProductImage shows, without being a database row."""

    stem: str
    widths: str
    width: int
    height: int
    alt_text: str


class ProductImage(PictureFiles, ShownOnPages, db.Model):
    """A picture of a product, stored as files `<stem>-<width>.webp` under MEDIA_ROOT."""

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    stem: Mapped[str] = mapped_column(String(200))
    # Comma-separated widths available on disk, smallest first: "400,800".
    widths: Mapped[str] = mapped_column(String(100))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    alt_text: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship(back_populates="images")


class Ingredient(ShownOnPages, db.Model):
    """One line of the ingredient list, in INCI order (highest concentration first)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    inci_name: Mapped[str] = mapped_column(String(200))
    function: Mapped[str] = mapped_column(String(200), default="")

    product: Mapped[Product] = relationship(back_populates="ingredients")


class Strain(ShownOnPages, db.Model):
    """A bacterial strain in a product and how many live bacteria a serving carries."""

    __table_args__ = (CheckConstraint("cfu_per_serving >= 0", name="cfu_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    genus: Mapped[str] = mapped_column(String(80))
    species: Mapped[str] = mapped_column(String(80))
    designation: Mapped[str] = mapped_column(String(80), default="")
    cfu_per_serving: Mapped[int] = mapped_column(BigInteger)
    guaranteed_to_best_before: Mapped[bool] = mapped_column(Boolean, default=True)

    product: Mapped[Product] = relationship(back_populates="strains")

    @property
    def full_name(self) -> str:
        parts = [self.genus, self.species, self.designation]
        return " ".join(p for p in parts if p)


class Nutrient(ShownOnPages, db.Model):
    """A nutrient per serving, with its share of the nutrient reference value."""

    __table_args__ = (UniqueConstraint("product_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit: Mapped[str] = mapped_column(String(20))
    nrv_percent: Mapped[int | None] = mapped_column(Integer)

    product: Mapped[Product] = relationship(back_populates="nutrients")


class ProductQuestion(ShownOnPages, db.Model):
    """A question shoppers ask about a product and the shop's answer, shown on its page."""

    __tablename__ = "product_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)

    product: Mapped[Product] = relationship(back_populates="questions")


class ProductPairing(ShownOnPages, db.Model):
    """A product staff chose to show under "Often bought with" on another's page, for
    when the order history says too little (a new product, a quiet shop)."""

    __tablename__ = "product_pairing"
    __table_args__ = (
        UniqueConstraint("product_id", "paired_product_id"),
        CheckConstraint("product_id <> paired_product_id", name="not_itself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    paired_product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    paired_product: Mapped[Product] = relationship(foreign_keys=[paired_product_id])


class StockAdjustment(db.Model):
    """A change staff made to a size's units on hand, and why: kept for stock-taking."""

    __tablename__ = "stock_adjustment"
    __table_args__ = (
        CheckConstraint("on_hand_after >= 0", name="on_hand_after_not_negative"),
        CheckConstraint("length(reason) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(
        ForeignKey("variant.id", ondelete="CASCADE"), index=True
    )
    change: Mapped[int] = mapped_column(Integer)  # units added (positive) or taken away
    reason: Mapped[str] = mapped_column(Text)
    # A copy of who made it, so the record survives the staff account.
    staff_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    on_hand_after: Mapped[int] = mapped_column(Integer)

    variant: Mapped[Variant] = relationship()


class SlugRedirect(db.Model):
    """An address a product used to have: /products/<old_slug> answers 301 to its current one."""

    __tablename__ = "slug_redirect"

    id: Mapped[int] = mapped_column(primary_key=True)
    old_slug: Mapped[str] = mapped_column(String(120), unique=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
