"""Plain reads on the session's connection (shop.loading.plain_rows)."""

from sqlalchemy import select

from shop.catalogue.models import SkinConcern
from shop.extensions import db
from shop.loading import plain_rows


def test_a_plain_read_sees_the_sessions_pending_changes_in_its_transaction(app):
    table = SkinConcern.__table__
    slugs = select(table.c.slug).order_by(table.c.slug)
    with app.app_context():
        db.session.add(SkinConcern(slug="kept", name="Kept"))
        db.session.commit()
        db.session.add(SkinConcern(slug="pending", name="Pending"))
        # Flushed first, as the session's autoflush would, and read in its transaction.
        assert [slug for (slug,) in plain_rows(slugs)] == ["kept", "pending"]
        db.session.rollback()
        assert [slug for (slug,) in plain_rows(slugs)] == ["kept"]
        with db.session.no_autoflush:
            db.session.add(SkinConcern(slug="held", name="Held"))
            assert [slug for (slug,) in plain_rows(slugs)] == ["kept"]
        db.session.rollback()
