"""Demo comments: two demo customers and a comment or two under the first articles, so
a newcomer sees what comments look like. Like the other seeds it only adds what is
missing (by the demo customers' addresses), so running it again changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from shop.accounts.models import Customer
from shop.comments.models import Comment, CommentStatus
from shop.extensions import db
from shop.journal.models import Article
from shop.models import utcnow

# (customer email, display name, article slug, comment), shown in this order.
DEMO_COMMENTS = (
    (
        "hannah.demo@example.com",
        "Hannah R.",
        "what-is-the-gut-skin-axis",
        "This finally explains why my skin flares when my digestion is off. "
        "The section on short-chain fatty acids was new to me.\n\n"
        "Has anyone tried the sachets alongside the moisturiser?",
    ),
    (
        "tom.demo@example.com",
        "Tom B.",
        "what-is-the-gut-skin-axis",
        "I have, for about two months. Hard to say which one helped, but my cheeks "
        "are far calmer than last winter.",
    ),
    (
        "tom.demo@example.com",
        "Tom B.",
        "probiotics-on-the-skin-versus-in-the-gut",
        "Useful to see the live and heat-treated strains told apart. More like this, please.",
    ),
)


def seed_demo_comments() -> dict[str, int]:
    """Create the demo customers and their approved comments that are missing."""
    created = {"customers": 0, "comments": 0}
    emails = {email for email, *_ in DEMO_COMMENTS}
    customers = {
        c.email: c for c in db.session.scalars(select(Customer).where(Customer.email.in_(emails)))
    }
    articles = {a.slug: a for a in db.session.scalars(select(Article))}
    now = utcnow()
    for position, (email, name, slug, body) in enumerate(DEMO_COMMENTS):
        article = articles.get(slug)
        if article is None:
            continue
        customer = customers.get(email)
        if customer is None:
            customer = customers[email] = Customer(email=email, name=name, display_name=name)
            db.session.add(customer)
            db.session.flush()
            created["customers"] += 1
        elif db.session.scalar(
            select(Comment.id).where(Comment.customer_id == customer.id, Comment.body == body)
        ):
            continue
        written = (article.published_at or now) + timedelta(days=2 + position)
        db.session.add(
            Comment(
                article_id=article.id,
                customer_id=customer.id,
                body=body,
                status=CommentStatus.APPROVED,
                created_at=min(written, now),
                moderated_at=min(written, now),
                report_count=0,
            )
        )
        created["comments"] += 1
    db.session.flush()
    return created
