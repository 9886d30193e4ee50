"""The Alembic migrations build exactly the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from shop.extensions import db
from tests.conftest import POSTGRES_URL


def schema_differences(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrations_match_the_models_on_sqlite(app_factory, tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    app = app_factory(create_schema=False, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
    assert schema_differences(app) == []
    with app.app_context():
        downgrade(revision="base")
        tables = inspect(db.engine).get_table_names()
    assert tables == ["alembic_version"]


@pytest.mark.skipif(not POSTGRES_URL, reason="set TEST_DATABASE_URL to check PostgreSQL")
def test_migrations_match_the_models_on_postgresql(app_factory):
    # A schema of its own, so the tables the other tests use are left alone.
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        conn.execute(text("CREATE SCHEMA migration_check"))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3Dmigration_check"
    try:
        app = app_factory(create_schema=False, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
        assert schema_differences(app) == []
        with app.app_context():
            downgrade(revision="base")
            assert inspect(db.engine).get_table_names() == ["alembic_version"]
            db.engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        admin.dispose()
