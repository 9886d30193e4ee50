"""Articles, their authors, tags, references and the products they feature."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Column,
    ColumnElement,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalogue.models import PlainPicture, Product, SkinConcern
from shop.extensions import db
from shop.models import SHOWN_ON_PAGES, ShownOnPages, UTCDateTime, utcnow

article_concern = Table(
    "article_concern",
    db.metadata,
    Column("article_id", ForeignKey("article.id", ondelete="CASCADE"), primary_key=True),
    Column("concern_id", ForeignKey("skin_concern.id", ondelete="CASCADE"), primary_key=True),
    info=SHOWN_ON_PAGES,
)

article_tag = Table(
    "article_tag",
    db.metadata,
    Column("article_id", ForeignKey("article.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
    info=SHOWN_ON_PAGES,
)


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # public from published_at on
    PUBLISHED = "published"


class AuthorName:
    """An author's name as pages show it, from `name` and `credentials`: on the ORM's
    Author and on the plain rows of article cards (shop.journal.services.ArticleCard)."""

    @property
    def display_name(self) -> str:
        """'Dr. Jane Smith' for a title, 'Sam Lee, Nutritionist' for a qualification."""
        if not self.credentials:
            return self.name
        if self.credentials.rstrip(".") in {"Dr", "Prof", "Professor"}:
            return f"{self.credentials} {self.name}"
        return f"{self.name}, {self.credentials}"


class Author(AuthorName, ShownOnPages, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    credentials: Mapped[str] = mapped_column(String(120), default="")
    bio: Mapped[str] = mapped_column(Text, default="")


class Tag(ShownOnPages, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class HasHero:
    """An article's hero picture from its `hero_*` columns: on the ORM's Article and on
    the plain rows of article cards (shop.journal.services.ArticleCard)."""

    @property
    def hero(self):
        """The hero picture in the shape the image macros expect, or None."""
        if not self.hero_stem:
            return None

        return PlainPicture(
            stem=self.hero_stem,
            widths=self.hero_widths,
            width=self.hero_width,
            height=self.hero_height,
            alt_text=self.hero_alt,
        )


class Article(HasHero, ShownOnPages, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    standfirst: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("author.id", ondelete="SET NULL"), index=True
    )
    # No index of its own: the public pages ask for two of its three values, nearly every
    # article, and SQLite (which keeps no statistics unless told to) took such an index
    # for a narrow one, read every public article through it and sorted them, where
    # reading ix_article_published_at newest first stops after the few a page shows.
    status: Mapped[str] = mapped_column(String(20), default=ArticleStatus.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    hero_stem: Mapped[str | None] = mapped_column(String(200))
    hero_widths: Mapped[str] = mapped_column(String(100), default="")
    hero_width: Mapped[int] = mapped_column(Integer, default=0)
    hero_height: Mapped[int] = mapped_column(Integer, default=0)
    hero_alt: Mapped[str] = mapped_column(String(300), default="")

    author: Mapped[Author | None] = relationship()
    concerns: Mapped[list[SkinConcern]] = relationship(
        secondary=article_concern, order_by="SkinConcern.position"
    )
    tags: Mapped[list[Tag]] = relationship(secondary=article_tag, order_by="Tag.name")
    references: Mapped[list[Reference]] = relationship(
        back_populates="article", order_by="Reference.position", cascade="all, delete-orphan"
    )
    featured: Mapped[list[ArticleProduct]] = relationship(
        back_populates="article",
        order_by="ArticleProduct.position",
        cascade="all, delete-orphan",
    )


class Reference(ShownOnPages, db.Model):
    """A source the article cites, in the order it is listed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    citation: Mapped[str] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(String(200))
    pmid: Mapped[str | None] = mapped_column(String(20))
    pmcid: Mapped[str | None] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(String(500))

    article: Mapped[Article] = relationship(back_populates="references")


class ArticleProduct(ShownOnPages, db.Model):
    """A product the article recommends ("Shop this article"), with an optional note."""

    __table_args__ = (UniqueConstraint("article_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")

    article: Mapped[Article] = relationship(back_populates="featured")
    product: Mapped[Product] = relationship()


def public_at(now) -> ColumnElement[bool]:
    """The articles readers may see at `now` (a moment, or a bound parameter for a
    statement built once per process): published, or scheduled and their time has come;
    never drafts. The SQL form of shop.journal.services.is_public.

    The two statuses are two comparisons, not IN with a list: SQLAlchemy writes such a
    list into the statement's text each time it is run (an "expanding" parameter): the
    product page's parts statement took 60-70 us more for it on every request."""
    return and_(
        or_(Article.status == ArticleStatus.PUBLISHED, Article.status == ArticleStatus.SCHEDULED),
        Article.published_at.is_not(None),
        Article.published_at <= now,
    )
