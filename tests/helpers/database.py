"""The test database: which one this process uses, the app settings every test starts
from, and emptying PostgreSQL between tests."""

import os
from contextlib import contextmanager

from sqlalchemy import create_engine, event, make_url, text

from shop.config import normalise_database_url
from shop.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_database(url: str) -> str:
    """The database this process uses: TEST_DATABASE_URL's, or a per-worker one beside it."""
    url = normalise_database_url(url)
    if not XDIST_WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{XDIST_WORKER}").render_as_string(
        hide_password=False
    )


POSTGRES_URL = _worker_database(TEST_DATABASE_URL) if TEST_DATABASE_URL else None


# An override that leaves a setting out of the test config, so the app's own default
# (from shop.config.load_settings) applies: make_config(tmp_path, SHOP_BASE_URL=UNSET).
UNSET = object()


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
    return {name: value for name, value in config.items() if value is not UNSET}


def create_postgres_database(url: str) -> None:
    """Create this worker's database when it does not exist yet (xdist workers only)."""
    parsed = make_url(url)
    maintenance = create_engine(
        parsed.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with maintenance.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    maintenance.dispose()


def fast_sqlite(dbapi_connection, connection_record):
    # A test database is thrown away: skip waiting for the disk on every commit.
    dbapi_connection.execute("PRAGMA synchronous=OFF")


_EMPTYING_ENGINE = None


def empty_postgres_tables() -> None:
    """Empty every table and restart every id sequence, as TRUNCATE ... RESTART IDENTITY
    would; DELETE is several times faster than TRUNCATE on tables this small."""
    global _EMPTYING_ENGINE
    if _EMPTYING_ENGINE is None:
        _EMPTYING_ENGINE = create_engine(POSTGRES_URL)
    with _EMPTYING_ENGINE.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        conn.execute(
            text(
                "SELECT setval(c.oid, 1, false) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'S' AND n.nspname = 'public'"
            )
        )


@contextmanager
def counting_queries(app):
    """Count the SQL statements `app` runs inside the block."""
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


def sqlite_plan(app, client, path: str, marker: str) -> str:
    """SQLite's plan (EXPLAIN QUERY PLAN) for the statement containing `marker` that the
    page at `path` runs, with the parameters it ran with."""
    run: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        run.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    statement, parameters = next((s, p) for s, p in run if marker in s)
    with app.app_context(), engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return "\n".join(row[-1] for row in plan)
