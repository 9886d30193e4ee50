"""The Alembic migrations build exactly the schema the models describe, and fill in
what a new column needs for the rows already there."""

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from shop.catalogue.models import Product
from shop.catalogue.search_text import product_search_text
from shop.extensions import db
from shop.models import include_object_for
from tests.helpers.database import POSTGRES_URL


def schema_differences(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        opts = {"compare_type": True, "include_object": include_object_for(conn.dialect.name)}
        context = MigrationContext.configure(conn, opts=opts)
        return compare_metadata(context, db.metadata)


def add_products_before_search_text() -> None:
    """Two products as a shop had them before revision 0006 added product.search_text."""
    now = datetime(2026, 1, 5, tzinfo=UTC)
    product = (
        "INSERT INTO product (id, slug, name, short_description, long_description,"
        " how_to_use, warnings, serving_size, category_id, is_active, created_at, updated_at)"
        " VALUES (:id, :slug, :name, :short, :long, '', '', '', 1, true, :now, :now)"
    )
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO category (id, slug, name, description, position)"
                " VALUES (1, 'serums', 'Serums', '', 0)"
            )
        )
        conn.execute(
            text(product),
            [
                {
                    "id": 1,
                    "slug": "calm-serum",
                    "name": "Calm SÉRUM",
                    "short": "For REACTIVE skin.",
                    "long": "Line one.\n\nLine two.",
                    "now": now,
                },
                {"id": 2, "slug": "bare", "name": "Bare", "short": "", "long": "", "now": now},
            ],
        )
        # Calm Serum has an active size and one switched off; Bare has only the latter.
        conn.execute(
            text(
                "INSERT INTO variant (product_id, sku, size_label, price_pence, currency,"
                " on_hand, reserved, weight_grams, position, is_active)"
                " VALUES (:product, :sku, '30 ml', 1800, 'gbp', 5, 0, 60, 0, :active)"
            ),
            [
                {"product": 1, "sku": "CALM-30", "active": True},
                {"product": 1, "sku": "CALM-15", "active": False},
                {"product": 2, "sku": "BARE-30", "active": False},
            ],
        )
        conn.execute(
            text(
                "INSERT INTO ingredient (product_id, position, inci_name, function)"
                " VALUES (1, :position, :name, '')"
            ),
            [{"position": 1, "name": "Aqua"}, {"position": 0, "name": "Ceramide NP"}],
        )
        conn.execute(
            text(
                "INSERT INTO strain (product_id, position, genus, species, designation,"
                " cfu_per_serving, guaranteed_to_best_before)"
                " VALUES (1, :position, :genus, :species, :designation, 1000000000, true)"
            ),
            [
                {
                    "position": 0,
                    "genus": "Bifidobacterium",
                    "species": "longum",
                    "designation": "BB536",
                },
                {
                    "position": 1,
                    "genus": "Lactobacillus",
                    "species": "acidophilus",
                    "designation": "",
                },
            ],
        )


def upgrade_with_products(app) -> None:
    """Migrate to the newest revision through 0005 with products in the shop, and check
    that 0006 filled in their search text as the models would write it (0007 their most
    per order, 0020 whether they have an active size, and the triggers it made)."""
    with app.app_context():
        upgrade(revision="0005_back_office")
        add_products_before_search_text()
        upgrade()
        products = db.session.scalars(db.select(Product).order_by(Product.id)).all()
        assert [p.search_text for p in products] == [
            "calm sérum\nfor reactive skin.\nline one.\n\nline two.\nceramide np\naqua"
            "\nbifidobacterium longum bb536\nlactobacillus acidophilus",
            "bare",
        ]
        assert [product_search_text(p) for p in products] == [p.search_text for p in products]
        assert [p.max_per_order for p in products] == [10, 10]  # 0007: the usual limit
        assert [p.has_active_size for p in products] == [True, False]  # 0020
        # ... and the database keeps it from then on.
        db.session.execute(text("UPDATE variant SET is_active = (sku = 'BARE-30')"))
        db.session.commit()
        db.session.expire_all()
        assert [p.has_active_size for p in products] == [False, True]
        db.session.remove()


# SQLAlchemy cannot read back an index on an expression from SQLite (it says so and
# skips it); PostgreSQL's run compares those indexes too.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_migrations_match_the_models_on_sqlite(app_factory, tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    app = app_factory(create_schema=False, SQLALCHEMY_DATABASE_URI=url)
    upgrade_with_products(app)
    assert schema_differences(app) == []
    with app.app_context(), db.engine.connect() as conn:
        built = dict(
            conn.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE name IN"
                    " ('ix_shop_order_email_lower', 'ix_product_listing_order')"
                )
            ).all()
        )
    assert built == {
        "ix_shop_order_email_lower": (
            "CREATE INDEX ix_shop_order_email_lower ON shop_order (lower(email))"
        ),
        "ix_product_listing_order": (
            "CREATE INDEX ix_product_listing_order ON product ((featured_rank IS NULL),"
            " featured_rank, name, id, category_id)"
            " WHERE is_active IS 1 AND has_active_size IS 1"
        ),
    }
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
        # An extension belongs to the whole database: it lives in public, which stays
        # on the search path (after the schema of its own) so its operators are found.
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3Dmigration_check%2Cpublic"
    try:
        app = app_factory(create_schema=False, SQLALCHEMY_DATABASE_URI=url)
        upgrade_with_products(app)
        assert schema_differences(app) == []
        with app.app_context():
            downgrade(revision="base")
            tables = inspect(db.engine).get_table_names(schema="migration_check")
            assert tables == ["alembic_version"]
            db.engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        admin.dispose()
