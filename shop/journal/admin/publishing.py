"""Publishing an article now, scheduling it, or taking it back to a draft (audited)."""

from __future__ import annotations

from datetime import datetime

from shop.backoffice.audit import record_audit
from shop.journal.admin.errors import JournalError
from shop.journal.models import Article, ArticleStatus
from shop.journal.services import is_public
from shop.models import utcnow
from shop.times import format_uk


def _publishing(article: Article) -> dict:
    return {
        "status": article.status,
        "published_at": article.published_at.isoformat() if article.published_at else None,
    }


def _check_publishable(article: Article) -> None:
    if not (article.body or "").strip():
        raise JournalError("Write the article before publishing it.")


def publish_now(article: Article, actor, ip: str | None = None, now=None) -> bool:
    """Make the article public now. False when it already was (its date is kept)."""
    now = now or utcnow()
    _check_publishable(article)
    if article.status == ArticleStatus.PUBLISHED and is_public(article, now):
        return False
    before = _publishing(article)
    if not is_public(article, now):  # a scheduled article whose time has come keeps its date
        article.published_at = now
    article.status = ArticleStatus.PUBLISHED
    record_audit(
        actor,
        "article.publish",
        "article",
        article.id,
        f"Published “{article.title}”",
        before,
        _publishing(article),
        ip=ip,
    )
    return True


def schedule(article: Article, when: datetime, actor, ip: str | None = None, now=None) -> bool:
    """Publish the article at `when` (UTC, in the future). False when it already was."""
    now = now or utcnow()
    _check_publishable(article)
    if when <= now:
        raise JournalError("Choose a time in the future.")
    if article.status == ArticleStatus.SCHEDULED and article.published_at == when:
        return False
    before = _publishing(article)
    article.status = ArticleStatus.SCHEDULED
    article.published_at = when
    record_audit(
        actor,
        "article.schedule",
        "article",
        article.id,
        f"Scheduled “{article.title}” for {format_uk(when)}",
        before,
        _publishing(article),
        ip=ip,
    )
    return True


def unpublish(article: Article, actor, ip: str | None = None) -> bool:
    """Take the article back to a draft: shoppers no longer see it. False if it was one."""
    if article.status == ArticleStatus.DRAFT and article.published_at is None:
        return False
    before = _publishing(article)
    article.status = ArticleStatus.DRAFT
    article.published_at = None
    record_audit(
        actor,
        "article.unpublish",
        "article",
        article.id,
        f"Unpublished “{article.title}”",
        before,
        _publishing(article),
        ip=ip,
    )
    return True
