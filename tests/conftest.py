"""Fixtures: a fresh database for every test, the app, its client and CLI runner.

The suite runs on SQLite by default. With TEST_DATABASE_URL set (for example
postgresql://postgres@127.0.0.1:5432/test) it runs on that PostgreSQL database
instead: the schema is built once per session and every table is emptied after
each test, so each test still starts from nothing.

The task queue is kept in memory and emptied for every test; the test client and
CLI runner run it after each request or command, as a consumer would (see
tests/queue.py).
"""

import os
from contextlib import contextmanager

import pytest
from huey.storage import MemoryStorage
from sqlalchemy import create_engine, event, text

from shop import create_app
from shop.config import normalise_database_url
from shop.extensions import db
from shop.tasks import huey
from tests.queue import QueueRunningClient, QueueRunningCliRunner

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
POSTGRES_URL = normalise_database_url(TEST_DATABASE_URL) if TEST_DATABASE_URL else None


def make_config(tmp_path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SHOP_ENV": "testing",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": POSTGRES_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MAIL_SERVER": None,  # tests that send real mail use the `mail_app` fixture
        "STRIPE_SECRET_KEY": None,
        "STRIPE_WEBHOOK_SECRET": None,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PAGE_CACHE_SECONDS": int(os.environ.get("TEST_PAGE_CACHE_SECONDS", "0")),
        "CACHE_DIR": str(tmp_path / "cache"),
        "SHOP_BASE_URL": "http://shop.test",
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def _postgres_schema(tmp_path_factory):
    """Build the schema once per session on PostgreSQL, from an empty `public` schema."""
    if not POSTGRES_URL:
        yield
        return
    app = create_app(make_config(tmp_path_factory.mktemp("schema")))
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.create_all()
        db.engine.dispose()
    yield


def _fast_sqlite(dbapi_connection, connection_record):
    # A test database is thrown away: skip waiting for the disk on every commit.
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def _empty_postgres_tables() -> None:
    names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _task_queue_in_memory():
    """Keep the task queue in this process, whatever REDIS_URL says (tests/queue.py runs it)."""
    saved = huey.storage
    huey.storage = MemoryStorage(huey.name)
    yield
    huey.storage = saved


@pytest.fixture(autouse=True)
def _empty_task_queue():
    huey.flush()
    yield
    huey.flush()


@pytest.fixture
def app_factory(tmp_path, _postgres_schema):
    """Make apps on this test's fresh database; each is torn down after the test."""
    made = []

    def make(create_schema: bool = True, **overrides):
        app = create_app(make_config(tmp_path, **overrides))
        app.test_client_class = QueueRunningClient
        app.test_cli_runner_class = QueueRunningCliRunner
        with app.app_context():
            if create_schema and not POSTGRES_URL:
                event.listen(db.engine, "connect", _fast_sqlite)
                db.create_all()
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if POSTGRES_URL and made:
        _empty_postgres_tables()


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a `with count_queries() as counter:` block."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server on 127.0.0.1, shared by the whole session (see tests/smtp.py)."""
    from tests.smtp import SMTPServer

    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(app_factory, smtp_server):
    """An app that sends email over SMTP to `smtp_server`, which starts this test empty."""
    smtp_server.clear()
    return app_factory(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_DEFAULT_SENDER="Flora & Barrier <hello@shop.test>",
    )
