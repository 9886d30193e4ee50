"""Authors and tags: adding and changing authors, and the tags an editor names (the
missing ones created), all audited."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from shop.backoffice.audit import changed_values, record_audit
from shop.extensions import db
from shop.journal.admin.errors import JournalError
from shop.journal.models import Article, Author, Tag
from shop.text import slugify

SLUG_LENGTH = 80  # of Author.slug and Tag.slug


def tag_slug(name: str) -> str:
    """The slug of an author or tag called `name` ('' when it has no letter or digit)."""
    return slugify(name, SLUG_LENGTH)


def _unique_slug(model, base: str) -> str:
    """`base`, or `base-2`, `base-3`... whichever no row of `model` uses yet."""
    taken = set(
        db.session.scalars(
            select(model.slug).where(or_(model.slug == base, model.slug.like(f"{base}-%")))
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def split_tag_names(text: str | None) -> list[str]:
    """The tag names in a comma-separated list, trimmed, each once (case-insensitively)."""
    names: dict[str, str] = {}
    for raw in (text or "").split(","):
        name = " ".join(raw.split())
        if name and name.lower() not in names:
            names[name.lower()] = name
    return list(names.values())


def author_snapshot(author: Author) -> dict:
    return {"name": author.name, "credentials": author.credentials, "bio": author.bio}


def create_author(name: str, credentials: str, bio: str, actor, ip: str | None = None) -> Author:
    name = " ".join((name or "").split())
    if not name:
        raise JournalError("Write the author's name.")
    author = Author(
        slug=_unique_slug(Author, tag_slug(name) or "author"),
        name=name,
        credentials=(credentials or "").strip(),
        bio=(bio or "").strip(),
    )
    db.session.add(author)
    db.session.flush()
    record_audit(
        actor,
        "author.create",
        "author",
        author.id,
        f"Added the author {author.display_name}",
        None,
        author_snapshot(author),
        ip=ip,
    )
    return author


def update_author(
    author: Author, name: str, credentials: str, bio: str, actor, ip: str | None = None
) -> bool:
    """Change an author's details. False when nothing changed."""
    name = " ".join((name or "").split())
    if not name:
        raise JournalError("Write the author's name.")
    before = author_snapshot(author)
    author.name, author.credentials, author.bio = name, credentials.strip(), bio.strip()
    old, new = changed_values(before, author_snapshot(author))
    if not new:
        return False
    record_audit(
        actor,
        "author.update",
        "author",
        author.id,
        f"Changed {author.display_name}",
        old,
        new,
        ip=ip,
    )
    return True


def authors_with_counts() -> list[tuple[Author, int]]:
    """Every author with how many articles name them, in one query."""
    count = func.count(Article.id)
    rows = db.session.execute(
        select(Author, count)
        .outerjoin(Article, Article.author_id == Author.id)
        .group_by(Author.id)
        .order_by(Author.name, Author.id)
    ).all()
    return [(author, int(n)) for author, n in rows]


def tags_named(names: list[str], actor, ip: str | None = None) -> list[Tag]:
    """The tags called `names`: existing ones by their slug, the others created."""
    wanted = {}
    for name in names:
        slug = tag_slug(name)
        if not slug:
            raise JournalError(f"“{name}” needs at least one letter or digit to be a tag.")
        wanted.setdefault(slug, name)
    if not wanted:
        return []
    existing = {t.slug: t for t in db.session.scalars(select(Tag).where(Tag.slug.in_(wanted)))}
    tags = []
    for slug, name in wanted.items():
        tag = existing.get(slug)
        if tag is None:
            tag = Tag(slug=slug, name=name[:120])
            db.session.add(tag)
            db.session.flush()
            record_audit(
                actor,
                "tag.create",
                "tag",
                tag.id,
                f"Added the tag {tag.name}",
                None,
                {"slug": tag.slug, "name": tag.name},
                ip=ip,
            )
        tags.append(tag)
    return tags
