"""The staff list of articles: search by title, filter by state, concern and tag."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload

from shop.catalogue.models import SkinConcern
from shop.catalogue.services import like_pattern
from shop.extensions import db
from shop.journal.admin.states import ArticleState, state_condition
from shop.journal.models import Article, Tag
from shop.models import utcnow


@dataclass(frozen=True)
class ArticleFilters:
    q: str = ""
    state: str = field(default="", metadata={"arg": "status"})  # an ArticleState
    concern: str = ""
    tag: str = ""


def article_list_query(filters: ArticleFilters, now: datetime | None = None) -> Select:
    """Articles matching `filters`, most recently changed first, with their authors."""
    now = now or utcnow()
    stmt = select(Article).options(joinedload(Article.author))
    if filters.q:
        stmt = stmt.where(Article.title.ilike(like_pattern(filters.q), escape="\\"))
    if filters.state:
        stmt = stmt.where(state_condition(ArticleState(filters.state), now))
    if filters.concern:
        stmt = stmt.where(Article.concerns.any(SkinConcern.slug == filters.concern))
    if filters.tag:
        stmt = stmt.where(Article.tags.any(Tag.slug == filters.tag))
    return stmt.order_by(Article.updated_at.desc(), Article.id.desc())


def state_counts(now: datetime | None = None) -> dict[ArticleState, int]:
    """How many articles are in each state, in one query."""
    now = now or utcnow()
    columns = [
        func.coalesce(func.sum(case((state_condition(state, now), 1), else_=0)), 0)
        for state in ArticleState
    ]
    row = db.session.execute(select(*columns).select_from(Article)).one()
    return {state: int(count) for state, count in zip(ArticleState, row, strict=True)}
