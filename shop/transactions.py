"""A request that only read ends its transaction with COMMIT, not ROLLBACK.

Both end a transaction that changed nothing the same way, but on PostgreSQL the driver
(psycopg 3) forgets every prepared statement of the connection on ROLLBACK, in case the
transaction had created or dropped what they refer to. Every request used to end with
one, so no statement was ever prepared, and PostgreSQL planned each of a page's
statements again on every request: most of the database's time on a rendered page
(the product page's first statement takes about 1.5 ms to plan and 0.2 ms to run).
Ended with COMMIT, a connection keeps its statements from one request to the next, and
after a few runs PostgreSQL reuses a plan instead of making a new one.

Only a transaction that provably changed nothing is committed: every statement it ran
was a SELECT (counted on the connection as each one is sent), the session holds no
unflushed objects and no changes or signals waiting for a commit, and the request ended
without an exception. Anything else ends as before, rolled back.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

from shop.extensions import db

logger = logging.getLogger(__name__)

_WROTE = "shop.transactions.wrote"  # on Connection.info: a statement other than SELECT ran
_CONNECTION = "shop.transactions.connection"  # on Session.info: the transaction's connection


@event.listens_for(Engine, "begin")
def _forget_writes(conn: Connection) -> None:
    conn.info.pop(_WROTE, None)


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, cursor, statement: str, parameters, context, executemany) -> None:
    if not statement.startswith("SELECT "):
        conn.info[_WROTE] = True


@event.listens_for(Session, "after_begin")
def _keep_connection(session: Session, transaction: SessionTransaction, conn: Connection) -> None:
    session.info[_CONNECTION] = conn


@event.listens_for(Session, "after_transaction_end")
def _drop_connection(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTION, None)


def only_read(session: Session) -> bool:
    """Whether the session's transaction ran nothing but SELECTs and has nothing waiting
    to be written or announced."""
    conn = session.info.get(_CONNECTION)
    if conn is None or conn.closed or conn.info.get(_WROTE):
        return False
    if session.new or session.dirty or session.deleted:
        return False
    # Anything else kept on the session (changed tables, signals waiting for a commit)
    # means something meant to be committed or forgotten: leave it to the rollback.
    return set(session.info) == {_CONNECTION} and session.in_transaction()


def end_reading_transaction(exc: BaseException | None) -> None:
    if exc is not None or not db.session.registry.has():
        return
    session = db.session()
    if not only_read(session):
        return
    # Nothing changed, so nothing needs reloading: objects keep what they loaded, as they
    # do when the session closes (a test's request context ending, say, leaves them
    # readable).
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    except SQLAlchemyError:
        # The page has been made; a connection lost now is the pool's to replace.
        logger.warning("Ending a read-only transaction failed", exc_info=True)
        session.rollback()
    finally:
        session.expire_on_commit = expire


def register(app: Flask) -> None:
    # Request teardown runs before Flask-SQLAlchemy's app-context teardown closes the
    # session (which would roll the transaction back).
    app.teardown_request(end_reading_transaction)
