"""What state an article is in (draft, scheduled, published): the same rule as the
public pages, in Python and as SQL."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import and_, or_

from shop.journal.models import Article, ArticleStatus
from shop.journal.services import is_public
from shop.models import utcnow

LIVE_STATUSES = (ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED)


class ArticleState(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # waiting for its time
    PUBLISHED = "published"  # shoppers can read it (a scheduled article whose time has come too)

    @property
    def label(self) -> str:
        return {"draft": "Draft", "scheduled": "Scheduled", "published": "Published"}[self.value]


def article_state(article: Article, now: datetime | None = None) -> ArticleState:
    """What shoppers see of `article` now: the same rule as the public pages (is_public)."""
    now = now or utcnow()
    if is_public(article, now):
        return ArticleState.PUBLISHED
    if article.status in LIVE_STATUSES and article.published_at is not None:
        return ArticleState.SCHEDULED
    return ArticleState.DRAFT


def state_condition(state: ArticleState, now: datetime):
    """`article_state(...) == state` as SQL."""
    live = and_(Article.status.in_(LIVE_STATUSES), Article.published_at.is_not(None))
    if state is ArticleState.PUBLISHED:
        return and_(live, Article.published_at <= now)
    if state is ArticleState.SCHEDULED:
        return and_(live, Article.published_at > now)
    return or_(Article.status.not_in(LIVE_STATUSES), Article.published_at.is_(None))
