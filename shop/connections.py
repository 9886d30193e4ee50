"""A pooled PostgreSQL connection is asked whether it still works only when the server
has sent it something while it sat in the pool.

SQLAlchemy's `pool_pre_ping` runs `SELECT 1` on every checkout, a round trip to the
server at the start of every request that reads the database (about 0.1 ms of the
worker's CPU, 5% of an add to basket; bench/RESULTS.md, issue 18's eighth step). A
connection in the pool has nothing to read: it is between transactions and the server
speaks only when asked. When the server ends the connection (a restart, a failover,
`pg_terminate_backend`, an idle timeout) it sends its last message and closes the
socket, which makes the socket readable. So at checkout the socket is polled without
waiting (no round trip): nothing to read, and the connection is handed out as it is;
anything to read, and it is pinged as `pool_pre_ping` would, and replaced if the ping
fails (DisconnectionError: the pool takes a fresh connection).

What this cannot see is a server that vanished without a word (a cable pulled, a host
powered off): the request then fails once the network gives up, where `pool_pre_ping`
would have spent the same wait on its ping and then tried a fresh connection, which
fails the same way while the server is away. SQLite connections are local files:
they keep SQLAlchemy's own pre-ping. Setting `pool_pre_ping` in
SQLALCHEMY_ENGINE_OPTIONS brings SQLAlchemy's back for PostgreSQL too.
"""

from __future__ import annotations

import select

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from shop.extensions import db


def has_something_to_read(fd: int) -> bool:
    """Whether the socket `fd` has data or its end waiting, without waiting."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def ping_when_spoken_to(engine: Engine) -> None:
    """Check `engine`'s PostgreSQL connections at checkout as the module says."""
    dialect = engine.dialect

    def check(dbapi_connection, connection_record, connection_proxy) -> None:
        try:
            quiet = not has_something_to_read(dbapi_connection.pgconn.socket)
        except Exception:  # no socket any more: the connection is gone
            raise DisconnectionError("the connection has no socket") from None
        if quiet:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(f"the connection failed its ping: {error}") from error

    event.listen(engine, "checkout", check)


def configure(app: Flask) -> None:
    """Before the engine is made: SQLAlchemy's pre-ping for anything but PostgreSQL
    (unless the settings chose), this module's check for PostgreSQL."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_pre_ping", not _is_postgresql(app))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def register(app: Flask) -> None:
    """Once the engine is made."""
    if _is_postgresql(app) and not app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"]:
        with app.app_context():
            ping_when_spoken_to(db.engine)


def _is_postgresql(app: Flask) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
