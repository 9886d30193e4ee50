"""Checks and lists for the site-wide pages."""

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from shop.extensions import db


def database_is_reachable() -> bool:
    """True when the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True


def safe_local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site ('/shop?x=1'), else None.

    Refuses absolute URLs, scheme-relative '//host' and backslash tricks, so a
    redirect built from it never leaves the site.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    return target
