"""The SQLite database file in write-ahead-log mode (shop.factory): a reader in the middle
of its transaction does not hold up a writer's commit, and a commit is still synced (the
test apps turn syncing off for speed, so the last test checks it on a connection of its
own)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from shop.extensions import db
from shop.factory import SQLITE_MMAP_BYTES, SQLITE_WAL_LIMIT_BYTES, _sqlite_connection_settings
from tests.factories import ProductFactory
from tests.helpers.database import POSTGRES_URL

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's own file settings")


def test_every_connection_keeps_a_write_ahead_log_and_maps_the_file(app):
    with app.app_context(), db.engine.connect() as connection:

        def setting(name: str):
            return connection.execute(text(f"PRAGMA {name}")).scalar()

        assert setting("journal_mode") == "wal"
        assert setting("journal_size_limit") == SQLITE_WAL_LIMIT_BYTES
        assert setting("mmap_size") == SQLITE_MMAP_BYTES
        assert setting("busy_timeout") == 30000


def test_a_reader_mid_transaction_does_not_hold_up_a_writers_commit(app):
    """A reader whose transaction is open (a long report's SELECT holds one as long) keeps
    a writer's commit waiting with a rollback journal: here it would give up after 0.2 s
    with "database is locked". With the log the commit goes through, and the reader goes
    on seeing the database as it was when its transaction began."""
    with app.app_context():
        product = ProductFactory(name="Before")
        db.session.commit()
        product_id = product.id
        db.session.remove()
        name_of = text("SELECT name FROM product WHERE id = :id")
        with db.engine.connect() as reader, db.engine.connect() as writer:
            reader.exec_driver_sql("BEGIN")  # the driver begins one only before a write
            assert reader.execute(name_of, {"id": product_id}).scalar() == "Before"
            writer.execute(text("PRAGMA busy_timeout = 200"))
            writer.execute(
                text("UPDATE product SET name = 'After' WHERE id = :id"), {"id": product_id}
            )
            writer.commit()
            assert reader.execute(name_of, {"id": product_id}).scalar() == "Before"
            reader.rollback()
            assert reader.execute(name_of, {"id": product_id}).scalar() == "After"


def test_a_file_another_process_keeps_busy_switches_later(tmp_path, caplog):
    """The first connection of a release with the log finds the file held by a writer of
    the old one: it goes on in the old mode (reads work), and a connection made once the
    writer is done switches the file."""
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as made:
        made.execute("CREATE TABLE t (n INTEGER)")
        made.execute("INSERT INTO t VALUES (1)")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the write lock, held
    writer.execute("INSERT INTO t VALUES (2)")

    first = sqlite3.connect(path, isolation_level=None)
    _sqlite_connection_settings(first, None)
    assert "stays in its journal mode" in caplog.text
    assert first.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert first.execute("SELECT count(*) FROM t").fetchone() == (1,)
    assert first.execute("PRAGMA busy_timeout").fetchone() == (30000,)
    first.close()

    writer.execute("COMMIT")
    writer.close()
    later = sqlite3.connect(path, isolation_level=None)
    _sqlite_connection_settings(later, None)
    assert later.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert later.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL: synced at commit
    assert later.execute("SELECT count(*) FROM t").fetchone() == (2,)
    later.close()
