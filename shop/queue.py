"""The task queue (huey): what web requests and commands put background jobs on.

The queue lives in Redis with `REDIS_URL` (shared by every host), else in a SQLite
file in `instance/` (`instance/tasks.sqlite3`, shared by the processes of one
machine). A consumer runs the jobs beside the web server; its entry point is
`shop.tasks`, which imports every feature's jobs:

    huey_consumer shop.tasks.huey --workers 2

Features define their jobs next to the code they run, with `@huey.task()`, and
never run them inside a request (a job is known by its module and name: one that
moves leaves what is already queued under the old name to the sweep). A job needs
an app context: `app_context()` gives the current one when there is one (tests)
and otherwise the worker's own app, created once per worker process.
"""

from __future__ import annotations

import logging
import threading
from contextlib import nullcontext
from pathlib import Path

from flask import Flask, has_app_context
from huey import RedisHuey, SqliteHuey
from huey.storage import SqliteStorage
from redis import ConnectionPool

from shop import PROJECT_ROOT, create_app
from shop.config import load_settings

logger = logging.getLogger(__name__)

# Seconds a Redis that does not answer may hold up the request that queues a task
# (the row in the database is the record, so the request goes on without it).
REDIS_TIMEOUT_SECONDS = 2


class InstanceSqliteStorage(SqliteStorage):
    """huey's SQLite storage, making its file and tables when first used (not when
    this module is imported, which the web workers and tests do too)."""

    def __init__(self, *args, **kwargs):
        kwargs["create_tables"] = False
        super().__init__(*args, **kwargs)

    def _create_connection(self):
        Path(self.filename).parent.mkdir(parents=True, exist_ok=True)
        conn = super()._create_connection()
        for statement in self.ddl:
            conn.execute(statement)
        return conn


def _make_huey():
    instance = PROJECT_ROOT / "instance"
    redis_url = load_settings(str(instance))["REDIS_URL"]
    if redis_url:
        pool = ConnectionPool.from_url(
            redis_url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            # Above the consumer's 1-second blocking read, which would time out otherwise.
            socket_timeout=REDIS_TIMEOUT_SECONDS + 3,
        )
        return RedisHuey("shop", connection_pool=pool, results=False)
    return SqliteHuey(
        "shop",
        results=False,
        storage_class=InstanceSqliteStorage,
        filename=str(instance / "tasks.sqlite3"),
    )


huey = _make_huey()

_worker_app: Flask | None = None
_worker_app_lock = threading.Lock()


def _worker_application() -> Flask:
    global _worker_app
    with _worker_app_lock:
        if _worker_app is None:
            _worker_app = create_app()
            consumer_log = logging.getLogger("huey")
            if consumer_log.handlers:
                # huey_consumer prints its own lines; the app's root handler would repeat them.
                consumer_log.propagate = False
        return _worker_app


def app_context():
    """The current app context if there is one, else one of this worker's app."""
    if has_app_context():
        return nullcontext()
    return _worker_application().app_context()
