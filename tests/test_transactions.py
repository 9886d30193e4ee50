"""How a request's transaction ends: committed when it only read, rolled back otherwise
(shop/transactions.py)."""

import pytest
from sqlalchemy import event, func, select, text

from shop.catalogue.models import SkinConcern
from shop.extensions import db
from tests.helpers.database import POSTGRES_URL


@pytest.fixture
def shop(app):
    """The app with a few routes of its own, and what its connections were told to do."""

    @app.get("/_read")
    def read():
        return str(db.session.scalar(select(func.count()).select_from(SkinConcern)))

    @app.get("/_insert-and-leave")
    def insert_and_leave():
        db.session.execute(
            text(
                "INSERT INTO skin_concern (slug, name, description, position)"
                " VALUES ('left', 'Left', '', 0)"
            )
        )
        return "done"

    @app.get("/_flush-and-leave")
    def flush_and_leave():
        db.session.scalar(select(func.count()).select_from(SkinConcern))
        db.session.add(SkinConcern(slug="flushed", name="Flushed"))
        db.session.flush()
        return "done"

    @app.get("/_add-and-leave")
    def add_and_leave():
        db.session.scalar(select(func.count()).select_from(SkinConcern))
        db.session.add(SkinConcern(slug="added", name="Added"))
        return "done"

    @app.get("/_read-then-fail")
    def read_then_fail():
        db.session.scalar(select(func.count()).select_from(SkinConcern))
        raise RuntimeError("the view failed")

    @app.get("/_write-committed")
    def write_committed():
        db.session.add(SkinConcern(slug="kept", name="Kept"))
        db.session.commit()
        return "done"

    endings = []
    with app.app_context():
        event.listen(db.engine, "commit", lambda conn: endings.append("commit"))
        event.listen(db.engine, "rollback", lambda conn: endings.append("rollback"))
    app.endings = endings
    return app


def slugs(app) -> set[str]:
    with app.app_context():
        found = set(db.session.scalars(select(SkinConcern.slug)))
        db.session.remove()
    return found


def test_a_request_that_only_read_ends_with_commit(shop):
    assert shop.test_client().get("/_read").status_code == 200
    assert shop.endings == ["commit"]


@pytest.mark.parametrize("path", ["/_insert-and-leave", "/_flush-and-leave", "/_add-and-leave"])
def test_a_request_that_wrote_without_committing_is_rolled_back(shop, path):
    assert shop.test_client().get(path).status_code == 200
    assert "commit" not in shop.endings
    assert slugs(shop) == set()


def test_a_request_that_failed_is_rolled_back(shop):
    shop.config["PROPAGATE_EXCEPTIONS"] = False
    assert shop.test_client().get("/_read-then-fail").status_code == 500
    assert "commit" not in shop.endings


def test_a_read_after_a_commit_is_committed_again(shop):
    client = shop.test_client()
    assert client.get("/_write-committed").status_code == 200
    assert client.get("/_read").get_data(as_text=True) == "1"
    assert slugs(shop) == {"kept"}


@pytest.mark.skipif(not POSTGRES_URL, reason="prepared statements are PostgreSQL's")
def test_postgres_keeps_prepared_statements_from_one_request_to_the_next(shop):
    """psycopg prepares a statement it has run five times on a connection, and forgets
    them all on ROLLBACK: a page's statements are prepared only if requests that read
    end with COMMIT."""
    client = shop.test_client()
    for _ in range(8):
        assert client.get("/_read").status_code == 200
    with shop.app_context():
        prepared = db.session.scalars(
            text(
                "SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%skin_concern%'"
            )
        ).all()
        db.session.remove()
    assert prepared, "the page's statement was never prepared"


def test_what_a_request_loaded_stays_readable_after_it(shop):
    """Committing a transaction that only read expires nothing: objects loaded in a
    request context keep their values once it ends, as when the session just closes."""
    with shop.app_context():
        db.session.add(SkinConcern(slug="loaded", name="Loaded"))
        db.session.commit()
        db.session.remove()
    with shop.test_request_context():
        concern = db.session.scalars(select(SkinConcern)).one()
    assert shop.endings[-1] == "commit"
    assert concern.name == "Loaded"
