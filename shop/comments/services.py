"""Comment rules: who may comment, what waits for moderation, reports, and what staff
may do (every staff action goes to the audit log).

Plain functions: they change the models and flush; the views commit. A committed change
to a comment makes cached article pages start again (Comment is ShownOnPages).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import joinedload

from shop.accounts.models import Customer
from shop.admin.models import StaffUser
from shop.backoffice.audit import record_audit
from shop.comments.models import (
    BODY_MAX_LENGTH,
    Comment,
    CommentStatus,
    ShownComment,
    shown_author_name,
)
from shop.comments.rendering import normalise_body
from shop.extensions import db
from shop.journal.models import Article
from shop.models import utcnow

if TYPE_CHECKING:
    from shop.journal.services import ArticleView

DISPLAY_NAME_MAX_LENGTH = 40
_DISPLAY_NAME = re.compile(r"[\w .,'’&()-]+")


class CommentError(ValueError):
    """A comment the rules refuse; the message says why, for the customer."""


# Reading ----------------------------------------------------------------------------


def approved_comments_rows():
    """The comments shown under articles (approved ones), each with its author's display
    name, as a subquery for a statement about one article's page: its columns are
    `article_id`, `id`, `body`, `created_at`, `customer_id` and `display_name`.
    `shown_comments` makes them what the page shows."""
    return (
        select(
            Comment.article_id,
            Comment.id,
            Comment.body,
            Comment.created_at,
            Comment.customer_id,
            Customer.display_name,
        )
        .outerjoin(Customer, Customer.id == Comment.customer_id)
        .where(Comment.status == CommentStatus.APPROVED)
        .subquery()
    )


def shown_comments(rows) -> list[ShownComment]:
    """The comments an article's page shows, oldest first, from rows of
    `approved_comments_rows` as (id, body, created_at, customer_id, display_name)."""
    comments = [
        ShownComment(id, body, created_at, shown_author_name(customer_id is not None, name))
        for id, body, created_at, customer_id, name in rows
    ]
    comments.sort(key=lambda comment: (comment.created_at, comment.id))
    return comments


def approved_comment_count(article_id):
    """The number of comments shown under the article whose id is `article_id` (a
    column or a parameter), as a scalar subquery for a statement about articles: what
    article cards show, read with the articles themselves."""
    return (
        select(func.count(Comment.id))
        .where(Comment.article_id == article_id, Comment.status == CommentStatus.APPROVED)
        .scalar_subquery()
    )


def structured_data(comments: list[ShownComment], url: str) -> dict:
    """`commentCount` and `comment` for the article's JSON-LD (schema.org Comment)."""
    return {
        "commentCount": len(comments),
        "comment": [
            {
                "@type": "Comment",
                "text": comment.body,
                "dateCreated": comment.created_at.isoformat(),
                "url": f"{url}#comment-{comment.id}",
                "author": {"@type": "Person", "name": comment.author_name},
            }
            for comment in comments
        ],
    }


# Writing ----------------------------------------------------------------------------


def checked_display_name(value: str | None) -> str:
    """A display name as stored, or CommentError saying what is wrong with it."""
    name = " ".join((value or "").split())
    if len(name) < 2:
        raise CommentError("Choose a name to show beside your comments (at least 2 characters).")
    if len(name) > DISPLAY_NAME_MAX_LENGTH:
        raise CommentError(f"Use at most {DISPLAY_NAME_MAX_LENGTH} characters.")
    if "@" in name or not _DISPLAY_NAME.fullmatch(name):
        raise CommentError("Use letters, numbers, spaces and simple punctuation (not an email).")
    return name


def checked_body(value: str | None) -> str:
    body = normalise_body(value)
    if not body:
        raise CommentError("Write your comment.")
    if len(body) > BODY_MAX_LENGTH:
        raise CommentError(
            f"Comments can be at most {BODY_MAX_LENGTH:,} characters (this one has {len(body):,})."
        )
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in body):
        raise CommentError("Your comment holds characters we cannot show. Please remove them.")
    return body


def is_trusted(customer: Customer) -> bool:
    """Whether the customer has a comment staff approved (shown now): theirs then
    appear at once."""
    return db.session.scalar(
        select(
            exists().where(
                Comment.customer_id == customer.id,
                Comment.status == CommentStatus.APPROVED,
                Comment.moderated_at.is_not(None),
            )
        )
    )


def post_comment(
    customer: Customer,
    article: Article | ArticleView,
    body: str,
    display_name: str | None = None,
    now: datetime | None = None,
) -> Comment:
    """Add a customer's comment (flushes). Their first waits for staff; after one has
    been approved, the next ones are shown at once. A display name is chosen with the
    first comment and never changes. CommentError when refused (blocked, bad input)."""
    if customer.comments_blocked:
        raise CommentError("Your account can no longer post comments.")
    body = checked_body(body)
    if customer.display_name is None:
        customer.display_name = checked_display_name(display_name)
    comment = Comment(
        article_id=article.id,
        customer_id=customer.id,
        body=body,
        status=CommentStatus.APPROVED if is_trusted(customer) else CommentStatus.PENDING,
        created_at=now or utcnow(),
        report_count=0,
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def report_comment(
    comment_id: int, article: Article | ArticleView, now: datetime | None = None
) -> bool:
    """A reader's report: the comment leaves the page and goes back into the queue for
    staff to look at again (one conditional UPDATE; flushes). False when it was not
    shown on this article."""
    result = db.session.execute(
        update(Comment)
        .where(
            Comment.id == comment_id,
            Comment.article_id == article.id,
            Comment.status == CommentStatus.APPROVED,
        )
        .values(
            status=CommentStatus.PENDING,
            report_count=Comment.report_count + 1,
            reported_at=now or utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


# Moderation -------------------------------------------------------------------------

FILTERS = {
    "pending": "Waiting",
    "reported": "Reported",
    "approved": "Shown",
    "hidden": "Hidden",
    "all": "All",
}


def moderation_query(show: str):
    """Comments for the moderation page: waiting ones oldest first (the queue), the
    others newest first."""
    stmt = select(Comment).options(joinedload(Comment.customer), joinedload(Comment.article))
    if show == "pending":
        return stmt.where(Comment.status == CommentStatus.PENDING).order_by(
            Comment.created_at, Comment.id
        )
    if show == "reported":
        stmt = stmt.where(Comment.report_count > 0)
    elif show in ("approved", "hidden"):
        stmt = stmt.where(Comment.status == show)
    return stmt.order_by(Comment.created_at.desc(), Comment.id.desc())


def waiting_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Comment).where(Comment.status == CommentStatus.PENDING)
    )


def _snapshot(comment: Comment) -> dict:
    return {"status": comment.status, "article": comment.article.slug if comment.article else None}


def _who(comment: Comment) -> str:
    return f"comment {comment.id} by {comment.author_name}"


def moderate(comment: Comment, status: str, actor: StaffUser, ip: str | None = None) -> bool:
    """Approve or hide a comment (flushes; audited). False when it already was."""
    status = CommentStatus(status)
    if comment.status == status:
        return False
    before = _snapshot(comment)
    comment.status = status
    comment.moderated_at = utcnow()
    verb = "Approved" if status == CommentStatus.APPROVED else "Hid"
    record_audit(
        actor,
        f"comment.{'approve' if status == CommentStatus.APPROVED else 'hide'}",
        "comment",
        comment.id,
        f"{verb} {_who(comment)}",
        before,
        _snapshot(comment),
        ip=ip,
    )
    return True


def delete_comment(comment: Comment, actor: StaffUser, ip: str | None = None) -> None:
    """Delete a comment for good (flushes); the audit log keeps who and what."""
    record_audit(
        actor,
        "comment.delete",
        "comment",
        comment.id,
        f"Deleted {_who(comment)}",
        {**_snapshot(comment), "body": comment.body[:500]},
        None,
        ip=ip,
    )
    db.session.delete(comment)
    db.session.flush()


def set_blocked(customer: Customer, blocked: bool, actor: StaffUser, ip: str | None = None) -> int:
    """Block an account from commenting (its comments still waiting are hidden), or let
    it comment again (flushes; audited). Returns how many waiting comments were hidden."""
    if customer.comments_blocked == blocked:
        return 0
    hidden = 0
    customer.comments_blocked_at = utcnow() if blocked else None
    if blocked:
        hidden = db.session.execute(
            update(Comment)
            .where(Comment.customer_id == customer.id, Comment.status == CommentStatus.PENDING)
            .values(status=CommentStatus.HIDDEN, moderated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
    record_audit(
        actor,
        "customer.block_comments" if blocked else "customer.unblock_comments",
        "customer",
        customer.id,
        f"{'Blocked' if blocked else 'Unblocked'} comments from "
        f"{customer.display_name or f'customer {customer.id}'}",
        {"blocked": not blocked},
        {"blocked": blocked, "waiting_comments_hidden": hidden},
        ip=ip,
    )
    return hidden
