"""Fixtures: a fresh database for every test, the app, its client and CLI runner.

The suite runs on SQLite by default. With TEST_DATABASE_URL set (for example
postgresql://postgres@127.0.0.1:5432/test) it runs on that PostgreSQL database
instead. Either way the schema is built once per session, not once per test:

- SQLite: the schema is built once into a template file, and every test starts
  from its own copy of that file (copying is far cheaper than creating ~40 tables).
- PostgreSQL: the schema is built once, and every table is emptied after each test.

Under pytest-xdist (`-n 2`) each worker process gets its own database: its own
template file on SQLite, its own database (`<name>_gw0`, ...) on PostgreSQL, created
when missing. So each test still starts from nothing, whichever worker runs it.

The task queue is kept in memory and emptied for every test; the test client and
CLI runner run it after each request or command, as a consumer would (see
tests/helpers/queue.py).
"""

import shutil

import pytest
from huey.storage import MemoryStorage
from jinja2 import BytecodeCache
from sqlalchemy import event, text

from shop import create_app
from shop.extensions import db
from shop.tasks import huey
from tests.helpers.database import (
    POSTGRES_URL,
    XDIST_WORKER,
    counting_queries,
    create_postgres_database,
    empty_postgres_tables,
    fast_sqlite,
    make_config,
)
from tests.helpers.queue import QueueRunningClient, QueueRunningCliRunner

pytest_plugins = [
    "tests.helpers.staff",
    "tests.helpers.checkout",
    "tests.helpers.redis_server",
    "tests.helpers.accounts",
    "tests.helpers.mailing",
]


class SessionBytecodeCache(BytecodeCache):
    """Compiled templates kept for the whole session, so each new app loads them instead
    of parsing and compiling every template again (Jinja keys each by its name and a
    checksum of its source, so a test's own templates never mix with the shop's)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = SessionBytecodeCache()


@pytest.fixture(scope="session")
def _test_schema(tmp_path_factory):
    """Build the schema once per session (per worker): on PostgreSQL in an empty `public`
    schema; on SQLite in a template file that every test copies. Returns that file, or
    None on PostgreSQL."""
    if POSTGRES_URL:
        if XDIST_WORKER:
            create_postgres_database(POSTGRES_URL)
        app = create_app(make_config(tmp_path_factory.mktemp("schema")))
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            db.create_all()
            db.engine.dispose()
        return None
    folder = tmp_path_factory.mktemp("schema")
    template = folder / "template.sqlite3"
    app = create_app(make_config(folder, SQLALCHEMY_DATABASE_URI=f"sqlite:///{template}"))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return template


@pytest.fixture(scope="session", autouse=True)
def _task_queue_in_memory():
    """Keep the task queue in this process, whatever REDIS_URL says (tests/helpers/queue.py
    runs it)."""
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
def app_factory(tmp_path, _test_schema):
    """Make apps on this test's fresh database; each is torn down after the test.

    Apps made in one test share its database (as workers of one shop do). On SQLite the
    first app copies the session's template into place; `create_schema=False` leaves the
    database as the test's own settings find it (the migration tests build theirs).
    """
    made = []

    def make(create_schema: bool = True, **overrides):
        config = make_config(tmp_path, **overrides)
        build = create_schema and not POSTGRES_URL
        database = tmp_path / "test.sqlite3"
        if build and config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{database}":
            if not database.exists():
                shutil.copyfile(_test_schema, database)
            build = False  # the template's copy, or the one an earlier app of this test made
        app = create_app(config)
        app.jinja_env.bytecode_cache = TEMPLATES
        app.test_client_class = QueueRunningClient
        app.test_cli_runner_class = QueueRunningCliRunner
        if not POSTGRES_URL:
            with app.app_context():
                event.listen(db.engine, "connect", fast_sqlite)
                if build:
                    db.create_all()
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if POSTGRES_URL and made:
        empty_postgres_tables()


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
    return lambda: counting_queries(app)


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
