"""The funnel is counted on the server: product pages (cached ones too), baskets,
checkouts and payments, bots left out, in the database or in Redis (folded into the
database by the task queue), and never at the cost of a page."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from shop.extensions import db
from shop.reports import funnel
from shop.reports.funnel import fold_redis_counts, is_bot
from shop.reports.models import FunnelCount
from shop.reports.periods import london_today
from tests.factories import ProductFactory
from tests.helpers import local
from tests.helpers.checkout import ADDRESS
from tests.helpers.redis_server import RedisServer, skip_without_redis_server

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "facebookexternalhit/1.1",
    "curl/8.5.0",
    "",
]


def visitor(app, agent: str = BROWSER):
    """A test client whose requests carry `agent` as their User-Agent."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    return client


def counts(app) -> dict[tuple[str, str], int]:
    with app.app_context():
        rows = db.session.execute(
            select(FunnelCount.event, FunnelCount.product_id, FunnelCount.n)
        ).all()
        slugs = dict(db.session.execute(select(db.text("id, slug FROM product"))).all())
    return {(event, slugs[pid]): n for event, pid, n in rows}


def make_product(app, slug="barrier-cream") -> int:
    with app.app_context():
        product = ProductFactory(slug=slug, name=slug.replace("-", " ").title())
        product.variants[0].on_hand = 50
        db.session.commit()
        return product.variants[0].id


def shop_once(client, variant_id) -> None:
    """A visit: the product page, into the basket, checkout, pay (demo provider)."""
    assert client.get("/products/barrier-cream").status_code == 200
    added = client.post("/cart/add", data={"variant_id": variant_id, "quantity": 2})
    assert added.status_code in (200, 303)
    checkout = client.post("/checkout")
    assert checkout.status_code == 303
    paid = client.post(checkout.headers["Location"], data={"action": "pay", **ADDRESS})
    assert paid.status_code == 303
    success = client.get(local(paid.headers["Location"]))
    assert success.status_code in (200, 303)


@pytest.fixture
def cached_app(app_factory):
    return app_factory(PAGE_CACHE_SECONDS=60)


def test_every_step_is_counted_once_and_cached_pages_too(cached_app):
    app = cached_app
    variant_id = make_product(app)
    client = visitor(app, BROWSER)
    shop_once(client, variant_id)
    for _ in range(3):  # served from the page cache
        assert visitor(app, BROWSER).get("/products/barrier-cream").status_code == 200
    assert counts(app) == {
        ("view", "barrier-cream"): 4,
        ("add", "barrier-cream"): 1,
        ("checkout", "barrier-cream"): 1,
        ("paid", "barrier-cream"): 1,
    }
    with app.app_context():
        days = set(db.session.scalars(select(FunnelCount.day)))
    assert days == {london_today()}


def test_bots_404s_and_other_pages_are_not_counted(cached_app):
    app = cached_app
    variant_id = make_product(app)
    for agent in BOTS:
        bot = visitor(app, agent)
        assert bot.get("/products/barrier-cream").status_code == 200
        bot.post("/cart/add", data={"variant_id": variant_id, "quantity": 1})
        assert is_bot(agent)
    person = visitor(app, BROWSER)
    assert person.get("/products/no-such-thing").status_code == 404
    assert person.head("/products/barrier-cream").status_code == 200
    assert person.get("/shop").status_code == 200
    assert counts(app) == {}
    assert not is_bot(BROWSER)


def test_counting_sets_no_cookie(cached_app):
    make_product(cached_app)
    client = visitor(cached_app)
    for _ in range(2):
        response = client.get("/products/barrier-cream")
        # Only the shop's own session cookie (its forms' CSRF token), nothing of the funnel's.
        session_cookie = cached_app.config["SESSION_COOKIE_NAME"] + "="
        assert all(c.startswith(session_cookie) for c in response.headers.getlist("Set-Cookie"))
    assert counts(cached_app) == {("view", "barrier-cream"): 2}


def test_a_cached_product_page_counts_in_one_statement(cached_app, count_queries):
    make_product(cached_app)
    client = visitor(cached_app)
    client.get("/products/barrier-cream")  # fills the cache
    with cached_app.app_context():
        engine = db.engine
    statements = []
    from sqlalchemy import event

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/products/barrier-cream").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(statements) == 1 and "funnel_count" in statements[0], statements


@pytest.fixture
def redis_app(app_factory, redis_server):
    return app_factory(PAGE_CACHE_SECONDS=60, REDIS_URL=redis_server.url)


def test_with_redis_counts_wait_in_redis_until_folded(redis_app, redis_server):
    app = redis_app
    variant_id = make_product(app)
    shop_once(visitor(app, BROWSER), variant_id)
    visitor(app, BROWSER).get("/products/barrier-cream")
    assert counts(app) == {}  # not in the database yet
    day = london_today().isoformat()
    held = redis_server.client().hgetall(f"funnel:{day}")
    assert {k.decode(): int(v) for k, v in held.items()} == {
        "view@barrier-cream": 2,
        f"add:{_product_id(app)}": 1,
        f"checkout:{_product_id(app)}": 1,
        f"paid:{_product_id(app)}": 1,
    }
    with app.app_context():
        assert fold_redis_counts() == 5
        assert fold_redis_counts() == 0  # folded once
    assert counts(app) == {
        ("view", "barrier-cream"): 2,
        ("add", "barrier-cream"): 1,
        ("checkout", "barrier-cream"): 1,
        ("paid", "barrier-cream"): 1,
    }
    assert redis_server.keys("funnel*") == []
    # Counted again after the fold: added to the same counters.
    visitor(app, BROWSER).get("/products/barrier-cream")
    with app.app_context():
        assert fold_redis_counts() == 1
    assert counts(app)[("view", "barrier-cream")] == 3


def _product_id(app) -> int:
    with app.app_context():
        return db.session.scalar(db.text("SELECT id FROM product WHERE slug = 'barrier-cream'"))


def test_a_hash_left_by_a_dead_folder_is_folded_later(redis_app, redis_server):
    app = redis_app
    make_product(app)
    pid = _product_id(app)
    client = redis_server.client()
    day = london_today().isoformat()
    client.hset(f"funnel-folding:1000:abcd:{day}", mapping={f"add:{pid}": 4, "junk": 9})
    with app.app_context():
        assert fold_redis_counts(now=1100) == 0  # still being folded by someone
        assert fold_redis_counts(now=2000) == 4
    assert counts(app) == {("add", "barrier-cream"): 4}


def test_a_redis_outage_never_breaks_a_page(tmp_path, app_factory, caplog, monkeypatch):
    skip_without_redis_server()
    # The warning is logged once a minute per process: another test's outage (the page
    # cache's, in the same worker) may have just used this minute's.
    monkeypatch.setattr(funnel._trouble, "last", float("-inf"))
    server = RedisServer(tmp_path).start()
    app = app_factory(PAGE_CACHE_SECONDS=60, REDIS_URL=server.url)
    variant_id = make_product(app)
    server.stop()
    caplog.set_level(logging.WARNING)
    client = visitor(app, BROWSER)
    shop_once(client, variant_id)
    assert client.get("/products/barrier-cream").status_code == 200
    assert "funnel counter could not be written" in caplog.text
    server.start()
    assert client.get("/products/barrier-cream").status_code == 200
    assert server.client().hgetall(f"funnel:{london_today().isoformat()}") == {
        b"view@barrier-cream": b"1"
    }
    server.stop()


def test_the_fold_task_runs_on_the_queue(redis_app, redis_server):
    from shop.tasks import fold_funnel_counts

    make_product(redis_app)
    visitor(redis_app).get("/products/barrier-cream")
    with redis_app.app_context():
        fold_funnel_counts.call_local()
    assert counts(redis_app) == {("view", "barrier-cream"): 1}


def test_counts_made_at_once_are_all_kept(app):
    """Each count is one atomic UPSERT: people viewing and adding the same product at the
    same moment (separate connections) lose none (PostgreSQL and SQLite)."""
    from datetime import date

    from shop.reports.funnel import count_products, count_view
    from shop.reports.models import FunnelEvent
    from tests.helpers.checkout import run_together

    make_product(app)
    pid = _product_id(app)
    day = date(2026, 3, 29)

    def views():
        with app.app_context():
            for _ in range(10):
                count_view("barrier-cream", day=day)

    def adds():
        with app.app_context():
            for _ in range(10):
                count_products(FunnelEvent.ADD, [pid], day=day)

    run_together(views, views, views, adds, adds, adds)
    assert counts(app) == {("view", "barrier-cream"): 30, ("add", "barrier-cream"): 30}
