"""Review rules: which orders are asked for a review and when, the personal links, what a
review may say, moderation (audited), the product's rating figures, helpful votes.

Plain functions: they change the models and flush; the views and the command commit
(the command commits each order on its own). A committed change to a review makes
cached product pages start again (Review is ShownOnPages), and so does the product's
rating figures being refreshed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Numeric, Select, cast, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from shop.admin.models import StaffUser
from shop.backoffice.audit import record_audit
from shop.catalogue.models import Product, SkinConcern, Variant
from shop.catalogue.services import on_sale_condition
from shop.extensions import db
from shop.loading import plain_rows
from shop.models import utcnow
from shop.numbers import MAX_ID
from shop.orders.models import FulfilmentStatus, Order, OrderLine, OrderStatus
from shop.paging import window_page
from shop.reviews.models import (
    AUTHOR_MAX_LENGTH,
    BODY_MAX_LENGTH,
    MAX_WEEKS,
    REASON_MAX_LENGTH,
    REPLY_MAX_LENGTH,
    SKIN_TYPES,
    TITLE_MAX_LENGTH,
    Review,
    ReviewInvite,
    ReviewOptOut,
    ReviewRequest,
    ReviewStatus,
    ReviewVote,
)
from shop.text import is_token, new_token, normalise_email, token_hash

INVITE_PURPOSE = "review-invite"
OPT_OUT_SALT = "review-opt-out"
# An order shipped longer ago than its due day and this is not asked any more (the
# first run of the command after it is set up does not write to every past customer).
LATEST_AFTER_DUE = timedelta(days=30)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class ReviewError(ValueError):
    """A review the rules refuse; `field` names the form field it is about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# Asking for reviews -------------------------------------------------------------------


@dataclass
class InviteLink:
    """A product of the order and its personal link's token (only in the email)."""

    product_name: str
    token: str


@dataclass
class RequestOutcome:
    order_id: int
    links: list[InviteLink] = field(default_factory=list)
    skipped: str = ""


def due_order_ids(now: datetime, days: int) -> list[int]:
    """Orders shipped at least `days` ago (and not more than 30 days before that), still
    paid, that have never been asked for a review."""
    due = now - timedelta(days=days)
    stmt = (
        select(Order.id)
        .where(
            Order.status == OrderStatus.PAID,
            Order.fulfilment_status == FulfilmentStatus.SHIPPED,
            Order.shipped_at <= due,
            Order.shipped_at > due - LATEST_AFTER_DUE,
            ~exists().where(ReviewRequest.order_id == Order.id),
        )
        .order_by(Order.shipped_at, Order.id)
    )
    return list(db.session.scalars(stmt))


def is_opted_out(email: str) -> bool:
    email = normalise_email(email)
    return db.session.scalar(select(exists().where(ReviewOptOut.email == email)))


def _products_bought(order_id: int) -> list[Product]:
    """The products of an order still on the shop's books, in the order's line order."""
    stmt = (
        select(Product)
        .join(Variant, Variant.product_id == Product.id)
        .join(OrderLine, OrderLine.variant_id == Variant.id)
        .where(OrderLine.order_id == order_id)
        .order_by(OrderLine.id)
    )
    seen: dict[int, Product] = {}
    for product in db.session.scalars(stmt):
        seen.setdefault(product.id, product)
    return list(seen.values())


def claim_review_request(order: Order, now: datetime, link_days: int) -> RequestOutcome | None:
    """Claim the order's one review request and make its links (flushes). None when it
    was claimed already (by an earlier or a concurrent run): the unique order id decides.
    The outcome says which links to send, or why none are (`skipped`)."""
    claim = ReviewRequest(order_id=order.id, created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(claim)
    except IntegrityError:
        return None
    outcome = RequestOutcome(order.id)
    if not order.email:
        outcome.skipped = "no_email"
    elif is_opted_out(order.email):
        outcome.skipped = "opted_out"
    else:
        for product in _products_bought(order.id):
            token = new_token()
            db.session.add(
                ReviewInvite(
                    request_id=claim.id,
                    order_id=order.id,
                    product_id=product.id,
                    token_hash=token_hash(token, INVITE_PURPOSE),
                    created_at=now,
                    expires_at=now + timedelta(days=link_days),
                )
            )
            outcome.links.append(InviteLink(product.name, token))
        if not outcome.links:
            outcome.skipped = "nothing_to_review"
    claim.skipped = outcome.skipped
    db.session.flush()
    return outcome


def opt_out_token(email: str) -> str:
    """The signed value in the one-click opt-out link of review emails: the address."""
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=OPT_OUT_SALT)
    return serializer.dumps(normalise_email(email))


def email_from_opt_out_token(token: str) -> str | None:
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=OPT_OUT_SALT)
    try:
        email = serializer.loads(token)
    except BadSignature:
        return None
    return email if isinstance(email, str) and email else None


def opt_out(email: str, now: datetime | None = None) -> None:
    """No more review requests to this address (flushes; asking again changes nothing)."""
    email = normalise_email(email)
    if is_opted_out(email):
        return
    try:
        with db.session.begin_nested():
            db.session.add(ReviewOptOut(email=email, created_at=now or utcnow()))
    except IntegrityError:
        pass  # opted out at the same moment by another request


# The personal link --------------------------------------------------------------------


def live_invite(token: str | None, now: datetime | None = None) -> ReviewInvite | None:
    """The invite a link's token names, if it is unused and not expired; else None."""
    if not is_token(token):
        return None
    now = now or utcnow()
    invite = db.session.scalar(
        select(ReviewInvite)
        .where(ReviewInvite.token_hash == token_hash(token, INVITE_PURPOSE))
        .options(joinedload(ReviewInvite.product), joinedload(ReviewInvite.order))
    )
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        return None
    return invite


def suggested_author_name(order: Order) -> str:
    """What the form offers as the name shown: the first name and the initial of the
    last, from the delivery address ("Ada L.")."""
    parts = (order.ship_to_name or "").split()
    if not parts:
        return ""
    name = parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0]}."
    return name[:AUTHOR_MAX_LENGTH]


@dataclass
class ReviewData:
    rating: int | None
    title: str
    body: str
    author_name: str
    skin_type: str | None = None
    concern_id: int | None = None
    weeks_used: int | None = None


def _plain(value: str | None) -> str:
    """Text as stored: line endings made \\n, control characters dropped, ends trimmed."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def checked_review(data: ReviewData) -> ReviewData:
    """`data` as stored, or ReviewError for the first thing wrong with it."""
    if data.rating not in (1, 2, 3, 4, 5):
        raise ReviewError("Choose a rating from 1 to 5 stars.", "rating")
    title = " ".join(_plain(data.title).split())
    if not title:
        raise ReviewError("Give your review a title.", "title")
    if len(title) > TITLE_MAX_LENGTH:
        raise ReviewError(f"Keep the title to {TITLE_MAX_LENGTH} characters.", "title")
    body = _plain(data.body)
    if not body:
        raise ReviewError("Tell other shoppers how it went.", "body")
    if len(body) > BODY_MAX_LENGTH:
        raise ReviewError(
            f"Reviews can be at most {BODY_MAX_LENGTH:,} characters (this one has {len(body):,}).",
            "body",
        )
    author = " ".join(_plain(data.author_name).split())
    if len(author) < 2:
        raise ReviewError(
            "Say the name to show beside your review (at least 2 letters).", "author_name"
        )
    if len(author) > AUTHOR_MAX_LENGTH or "@" in author:
        raise ReviewError(
            f"Use a name of at most {AUTHOR_MAX_LENGTH} characters (not an email).",
            "author_name",
        )
    if data.skin_type is not None and data.skin_type not in SKIN_TYPES:
        raise ReviewError("Choose a skin type from the list.", "skin_type")
    if data.concern_id is not None and (
        not 0 < data.concern_id <= MAX_ID or db.session.get(SkinConcern, data.concern_id) is None
    ):
        raise ReviewError("Choose a skin concern from the list.", "concern_id")
    if data.weeks_used is not None and not 1 <= data.weeks_used <= MAX_WEEKS:
        raise ReviewError(f"Say a number of weeks from 1 to {MAX_WEEKS}.", "weeks_used")
    return ReviewData(
        rating=data.rating,
        title=title,
        body=body,
        author_name=author,
        skin_type=data.skin_type,
        concern_id=data.concern_id,
        weeks_used=data.weeks_used,
    )


def submit_review(invite: ReviewInvite, data: ReviewData, now: datetime | None = None) -> Review:
    """The buyer's review, waiting for staff (flushes). The link is spent by one
    conditional UPDATE, so of two sends at once one is kept; ReviewError when the data
    is refused, or when the link was spent or expired meanwhile (field None)."""
    data = checked_review(data)
    now = now or utcnow()
    spent = db.session.execute(
        update(ReviewInvite)
        .where(
            ReviewInvite.id == invite.id,
            ReviewInvite.used_at.is_(None),
            ReviewInvite.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise ReviewError("This link has been used already.")
    review = Review(
        product_id=invite.product_id,
        order_id=invite.order_id,
        invite_id=invite.id,
        rating=data.rating,
        title=data.title,
        body=data.body,
        author_name=data.author_name,
        skin_type=data.skin_type,
        concern_id=data.concern_id,
        weeks_used=data.weeks_used,
        status=ReviewStatus.PENDING,
        created_at=now,
        helpful_count=0,
    )
    db.session.add(review)
    db.session.flush()
    return review


# What the product page shows ------------------------------------------------------------


class ReviewSort(StrEnum):
    NEWEST = "newest"
    HIGHEST = "highest"
    LOWEST = "lowest"
    HELPFUL = "helpful"

    @property
    def label(self) -> str:
        return {
            "newest": "Newest",
            "highest": "Highest rated",
            "lowest": "Lowest rated",
            "helpful": "Most helpful",
        }[self.value]


@dataclass
class ReviewFilters:
    """What a shopper asked the reviews section for, cleaned (unknown values dropped)."""

    stars: int | None = None
    concern: str | None = None
    sort: ReviewSort = ReviewSort.NEWEST
    page: int = 1

    @property
    def is_filtered(self) -> bool:
        return self.stars is not None or self.concern is not None

    def query_args(self, **changes) -> dict:
        args = {
            "stars": self.stars,
            "concern": self.concern,
            "review_sort": None if self.sort is ReviewSort.NEWEST else self.sort.value,
            "review_page": self.page if self.page > 1 else None,
        }
        args.update(changes)
        return {k: v for k, v in args.items() if v is not None}


def parse_review_filters(args) -> ReviewFilters:
    stars = args.get("stars", type=int)
    concern = args.get("concern", type=str)
    try:
        sort = ReviewSort(args.get("review_sort", "newest"))
    except ValueError:
        sort = ReviewSort.NEWEST
    page = args.get("review_page", default=1, type=int) or 1
    return ReviewFilters(
        stars=stars if stars in (1, 2, 3, 4, 5) else None,
        concern=concern if concern and len(concern) <= 80 else None,
        sort=sort,
        page=min(max(page, 1), 10_000),
    )


@dataclass
class ConcernCount:
    slug: str
    name: str
    count: int


@dataclass
class RatingSummary:
    """The product's approved reviews in figures: how many of each star, and of each
    skin concern reviewers named (one query)."""

    histogram: dict[int, int]
    concerns: list[ConcernCount]

    @property
    def total(self) -> int:
        return sum(self.histogram.values())

    def share(self, stars: int) -> int:
        """The percentage of reviews giving `stars`, for the histogram's bars."""
        return round(100 * self.histogram[stars] / self.total) if self.total else 0


def rating_summary(product_id: int) -> RatingSummary:
    rows = db.session.execute(
        select(Review.rating, SkinConcern.slug, SkinConcern.name, func.count(Review.id))
        .outerjoin(SkinConcern, SkinConcern.id == Review.concern_id)
        .where(Review.product_id == product_id, Review.status == ReviewStatus.APPROVED)
        .group_by(Review.rating, SkinConcern.slug, SkinConcern.name)
    ).all()
    histogram = {stars: 0 for stars in (5, 4, 3, 2, 1)}
    concerns: dict[str, ConcernCount] = {}
    for rating, slug, name, count in rows:
        histogram[rating] += count
        if slug is not None:
            concerns.setdefault(slug, ConcernCount(slug, name, 0)).count += count
    return RatingSummary(histogram, sorted(concerns.values(), key=lambda c: (-c.count, c.name)))


@dataclass
class ReviewPage:
    items: list[Review]
    total: int
    page: int
    pages: int


_REVIEW_ORDER = {
    ReviewSort.NEWEST: (Review.created_at.desc(),),
    ReviewSort.HIGHEST: (Review.rating.desc(), Review.created_at.desc()),
    ReviewSort.LOWEST: (Review.rating.asc(), Review.created_at.desc()),
    ReviewSort.HELPFUL: (Review.helpful_count.desc(), Review.created_at.desc()),
}


def reviews_page(product_id: int, filters: ReviewFilters, per_page: int) -> ReviewPage:
    """One page of a product's approved reviews, filtered and sorted, with the total
    (one query; a page past the end shows the last page, for one query more)."""
    stmt = select(Review).where(
        Review.product_id == product_id, Review.status == ReviewStatus.APPROVED
    )
    if filters.stars is not None:
        stmt = stmt.where(Review.rating == filters.stars)
    if filters.concern is not None:
        stmt = stmt.where(Review.concern.has(SkinConcern.slug == filters.concern))
    stmt = stmt.order_by(*_REVIEW_ORDER[filters.sort], Review.id.desc()).options(
        joinedload(Review.concern)
    )
    found = window_page(stmt, filters.page, per_page)
    filters.page = found.page
    return ReviewPage([row[0] for row in found.rows], found.total, found.page, found.pages)


def newest_reviews(limit: int = 3) -> list:
    """The latest approved reviews of products on sale, for the home page: what its
    cards show (rating, title, text, author, the product's name and address) as plain
    rows, in one statement."""
    return plain_rows(_newest_reviews_statement(limit)).all()


@cache
def _newest_reviews_statement(limit: int) -> Select:
    """`newest_reviews`' statement, built once per process (docs/architecture.md,
    "Statements on hot paths")."""
    return (
        select(
            Review.rating,
            Review.title,
            Review.body,
            Review.author_name,
            Product.slug.label("product_slug"),
            Product.name.label("product_name"),
        )
        .join(Review.product)
        .where(
            Review.status == ReviewStatus.APPROVED,
            on_sale_condition(),
        )
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(limit)
    )


# Reviews in the product's JSON-LD: as many as the page's first reviews, no more.
STRUCTURED_REVIEWS = 3


def structured_data(product: Product, reviews: list[Review], page_url: str) -> dict:
    """`aggregateRating` and `review` for the product's schema.org data, with the
    figures the page shows (nothing when there are no approved reviews)."""
    if product.rating is None:
        return {}
    return {
        "aggregateRating": {
            "@type": "AggregateRating",
            "ratingValue": str(product.rating),
            "reviewCount": product.review_count,
            "bestRating": 5,
            "worstRating": 1,
        },
        "review": [
            {
                "@type": "Review",
                "name": review.title,
                "reviewBody": review.body,
                "datePublished": review.created_at.date().isoformat(),
                "author": {"@type": "Person", "name": review.author_name},
                "reviewRating": {
                    "@type": "Rating",
                    "ratingValue": review.rating,
                    "bestRating": 5,
                    "worstRating": 1,
                },
                "url": f"{page_url}#review-{review.id}",
            }
            for review in reviews[:STRUCTURED_REVIEWS]
        ],
    }


def refresh_rating(product_id: int) -> None:
    """Count and average the product's approved reviews onto the product, in one
    UPDATE (flushes): what cards, the rating sort and the page's summary read."""
    approved = (Review.product_id == product_id) & (Review.status == ReviewStatus.APPROVED)
    count = select(func.count(Review.id)).where(approved).scalar_subquery()
    average = (
        select(cast(func.avg(cast(Review.rating, Numeric(6, 3))), Numeric(3, 2)))
        .where(approved)
        .scalar_subquery()
    )
    db.session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(review_count=count, rating_average=average)
        .execution_options(synchronize_session=False)
    )
    product = db.session.get(Product, product_id)
    if product is not None:
        db.session.refresh(product, ["review_count", "rating_average"])


# Helpful votes ------------------------------------------------------------------------


def voter_key(visitor_key: str) -> str:
    """The stored form of a visitor's random key (from their session)."""
    return token_hash(visitor_key, "review-voter")


def vote_helpful(review: Review, voter: str, now: datetime | None = None) -> bool:
    """Count a visitor's "helpful" for an approved review, once per visitor (a unique
    row; flushes). False when this visitor has voted for it already."""
    if review.status != ReviewStatus.APPROVED:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(ReviewVote(review_id=review.id, voter=voter, created_at=now or utcnow()))
    except IntegrityError:
        return False
    db.session.execute(
        update(Review)
        .where(Review.id == review.id)
        .values(helpful_count=Review.helpful_count + 1)
        .execution_options(synchronize_session=False)
    )
    return True


# Moderation ---------------------------------------------------------------------------

FILTERS = {
    "pending": "Waiting",
    "approved": "Shown",
    "rejected": "Rejected",
    "all": "All",
}


def moderation_query(show: str):
    """Reviews for the moderation page: waiting ones oldest first (the queue), the
    others newest first; each with its product, order and concern."""
    stmt = select(Review).options(
        joinedload(Review.product), joinedload(Review.order), joinedload(Review.concern)
    )
    if show == "pending":
        return stmt.where(Review.status == ReviewStatus.PENDING).order_by(
            Review.created_at, Review.id
        )
    if show in ("approved", "rejected"):
        stmt = stmt.where(Review.status == show)
    return stmt.order_by(Review.created_at.desc(), Review.id.desc())


def waiting_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Review).where(Review.status == ReviewStatus.PENDING)
    )


def _snapshot(review: Review) -> dict:
    return {
        "status": review.status,
        "product": review.product.slug if review.product else None,
        "order": review.order.number if review.order else None,
        "rating": review.rating,
    }


def _who(review: Review) -> str:
    name = review.product.name if review.product else "a deleted product"
    return f"review {review.id} of {name} by {review.author_name}"


def approve(review: Review, actor: StaffUser, ip: str | None = None) -> bool:
    """Show a review (flushes; audited; the product's rating refreshed). False when it
    was shown already."""
    if review.status == ReviewStatus.APPROVED:
        return False
    before = _snapshot(review)
    review.status = ReviewStatus.APPROVED
    review.reject_reason = ""
    review.moderated_at = utcnow()
    db.session.flush()
    record_audit(
        actor,
        "review.approve",
        "review",
        review.id,
        f"Approved {_who(review)}",
        before,
        _snapshot(review),
        ip=ip,
    )
    refresh_rating(review.product_id)
    return True


def reject(review: Review, reason: str, actor: StaffUser, ip: str | None = None) -> bool:
    """Take a review off the page, or keep it off, with the reason (flushes; audited;
    the rating refreshed). ReviewError without a reason; False when it already was
    rejected for that reason."""
    reason = " ".join(_plain(reason).split())
    if not reason:
        raise ReviewError("Say why the review is rejected.", "reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ReviewError(f"Keep the reason to {REASON_MAX_LENGTH} characters.", "reason")
    if review.status == ReviewStatus.REJECTED and review.reject_reason == reason:
        return False
    before = _snapshot(review) | {"reason": review.reject_reason or None}
    review.status = ReviewStatus.REJECTED
    review.reject_reason = reason
    review.moderated_at = utcnow()
    db.session.flush()
    record_audit(
        actor,
        "review.reject",
        "review",
        review.id,
        f"Rejected {_who(review)}: {reason}",
        before,
        _snapshot(review) | {"reason": reason},
        ip=ip,
    )
    refresh_rating(review.product_id)
    return True


def set_reply(review: Review, reply: str, actor: StaffUser, ip: str | None = None) -> bool:
    """The brand's public reply under a review: written, changed, or taken away with an
    empty one (flushes; audited). False when nothing changed."""
    reply = _plain(reply)
    if len(reply) > REPLY_MAX_LENGTH:
        raise ReviewError(f"Keep the reply to {REPLY_MAX_LENGTH:,} characters.", "reply")
    if reply == review.reply:
        return False
    before = {"reply": review.reply or None}
    review.reply = reply
    review.replied_at = utcnow() if reply else None
    db.session.flush()
    verb = "Replied to" if reply else "Removed the reply to"
    record_audit(
        actor,
        "review.reply",
        "review",
        review.id,
        f"{verb} {_who(review)}",
        before,
        {"reply": reply or None},
        ip=ip,
    )
    return True
