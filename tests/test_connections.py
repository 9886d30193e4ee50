"""Pooled PostgreSQL connections: pinged only when the server has spoken to them while
they sat in the pool (shop.connections), replaced when it has closed them."""

from __future__ import annotations

import time

import psycopg
import pytest

from shop.connections import has_something_to_read
from shop.extensions import db
from tests.factories import ProductFactory
from tests.helpers.database import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="the check is PostgreSQL's")


def _plain_url(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")


def _end_the_pools_connection(app) -> None:
    """What a restart of the server does to the shop's pooled connection: the server
    ends it (here with pg_terminate_backend, from a connection of the test's own)."""
    with app.app_context(), db.engine.connect() as connection:
        pid = connection.connection.dbapi_connection.info.backend_pid
    with psycopg.connect(_plain_url(app), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        while admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)
        ).fetchone()[0]:
            assert time.monotonic() < deadline, "the connection was not ended"
            time.sleep(0.05)


@pytest.fixture
def pings(app, monkeypatch):
    """How many times the dialect pinged a connection (its own ping still runs)."""
    with app.app_context():
        dialect = db.engine.dialect
    made = []
    ping = dialect.do_ping

    def counted(dbapi_connection):
        made.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return made


def test_postgres_connections_are_not_pre_pinged_with_a_round_trip(app):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is False


def test_a_quiet_pooled_connection_is_handed_out_without_a_ping(app, client, pings):
    with app.app_context():
        ProductFactory(name="Quiet Cream")
    for _ in range(3):
        response = client.get("/shop")
        assert response.status_code == 200
        assert "Quiet Cream" in response.text
    assert pings == []


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(app, client, pings):
    with app.app_context():
        ProductFactory(name="Restarted Cream")
    assert client.get("/shop").status_code == 200
    _end_the_pools_connection(app)

    response = client.get("/shop")
    assert response.status_code == 200
    assert "Restarted Cream" in response.text
    assert len(pings) >= 1, "the ended connection was pinged before it was used"
    assert client.get("/shop").status_code == 200
    assert len(pings) == 1, "the fresh connection is quiet again"


def test_a_socket_is_readable_once_its_server_has_spoken(app):
    with psycopg.connect(_plain_url(app)) as connection:
        connection.execute("SELECT 1")
        connection.commit()
        assert not has_something_to_read(connection.pgconn.socket)
        with psycopg.connect(_plain_url(app), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (connection.info.backend_pid,))
        deadline = time.monotonic() + 10
        while not has_something_to_read(connection.pgconn.socket):
            assert time.monotonic() < deadline, "the server's last message never came"
            time.sleep(0.01)
