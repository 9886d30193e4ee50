"""Product.has_active_size, which says with is_active whether a product is on sale, is
kept by the database whoever changes a product's sizes: the ORM, a Core UPDATE, a
statement written by hand, two transactions at once."""

import threading
import time

import pytest
from sqlalchemy import select, text, update

from shop.catalogue.models import Product, Variant
from shop.extensions import db
from tests.factories import ProductFactory, VariantFactory
from tests.helpers.database import POSTGRES_URL


def has_active_size(slug: str) -> bool:
    db.session.expire_all()
    return db.session.scalar(select(Product.has_active_size).where(Product.slug == slug))


def listed(client) -> str:
    return client.get("/shop").get_data(as_text=True)


def test_a_product_is_on_sale_while_one_of_its_sizes_is(app, client):
    with app.app_context():
        product = ProductFactory(slug="serum", name="Calm Serum", variants=[])
        assert not has_active_size("serum")  # no sizes yet
        small = VariantFactory(product=product, sku="S-15", is_active=False)
        db.session.commit()
        assert not has_active_size("serum")
        large = VariantFactory(product=product, sku="S-30")
        db.session.commit()
        assert has_active_size("serum")
        assert "Calm Serum" in listed(client)

        large.is_active = False
        db.session.commit()
        assert not has_active_size("serum")
        assert "Calm Serum" not in listed(client)
        assert client.get("/products/serum").status_code == 404

        small.is_active = True
        db.session.commit()
        assert has_active_size("serum")
        db.session.delete(small)
        db.session.commit()
        assert not has_active_size("serum")


def test_a_size_moved_to_another_product_moves_what_is_on_sale(app):
    with app.app_context():
        ProductFactory(slug="old-home", variants__sku="MOVED")
        new_home = ProductFactory(slug="new-home", variants=[])
        size = db.session.scalar(select(Variant).where(Variant.sku == "MOVED"))
        size.product = new_home
        db.session.commit()
        assert not has_active_size("old-home")
        assert has_active_size("new-home")


def test_statements_that_bypass_the_orm_keep_it_too(app):
    with app.app_context():
        ProductFactory(slug="cream", variants__sku="C-50")
        db.session.execute(update(Variant).where(Variant.sku == "C-50").values(is_active=False))
        db.session.commit()
        assert not has_active_size("cream")
        db.session.execute(text("UPDATE variant SET is_active = true WHERE sku = 'C-50'"))
        db.session.commit()
        assert has_active_size("cream")
        db.session.execute(text("DELETE FROM variant WHERE sku = 'C-50'"))
        db.session.commit()
        assert not has_active_size("cream")


def test_a_stock_change_leaves_the_product_alone(app):
    """Only a change of a size's is_active or product fires the trigger: selling and
    restocking update no product row (they would lock it for every sale)."""
    with app.app_context():
        ProductFactory(slug="sachets", variants__sku="SA-30")
        db.session.execute(text("UPDATE product SET has_active_size = false"))
        db.session.execute(update(Variant).values(on_hand=Variant.on_hand + 5, reserved=2))
        db.session.execute(update(Variant).values(is_active=True))  # unchanged: no trigger
        db.session.commit()
        # Had a trigger run, it would have put the flag right again.
        assert not has_active_size("sachets")


@pytest.mark.skipif(not POSTGRES_URL, reason="set TEST_DATABASE_URL to check PostgreSQL")
def test_switching_off_the_last_two_sizes_at_once_takes_the_product_off_sale(app):
    """Two staff each switch off one of a product's two sizes at the same moment: each
    transaction's trigger, on its own, sees the other's size still on. The second's
    UPDATE of the product waits for the first's, and PostgreSQL evaluates it again on the
    committed row, so the product goes off sale."""
    with app.app_context():
        product = ProductFactory(slug="duo", variants=[])
        VariantFactory(product=product, sku="DUO-A")
        VariantFactory(product=product, sku="DUO-B")
        db.session.commit()
        assert has_active_size("duo")
        engine = db.engine
        first, second = engine.connect(), engine.connect()
        try:
            first.execute(text("UPDATE variant SET is_active = false WHERE sku = 'DUO-A'"))
            errors = []

            def switch_off_b():
                try:
                    second.execute(text("UPDATE variant SET is_active = false WHERE sku = 'DUO-B'"))
                    second.commit()
                except Exception as error:  # reported below, in the test's thread
                    errors.append(error)

            worker = threading.Thread(target=switch_off_b)
            worker.start()
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            deadline = time.monotonic() + 10
            with engine.connect() as watcher:
                while not watcher.scalar(text(waiting)) and time.monotonic() < deadline:
                    time.sleep(0.01)
                assert watcher.scalar(text(waiting)), "the second switch never waited"
            first.commit()
            worker.join(10)
            assert not worker.is_alive() and not errors
        finally:
            first.close()
            second.close()
        assert not has_active_size("duo")
