"""Redis going away mid-run does not take the shop down.

A real redis-server is started on a free port for this module, the shop is pointed at
it for its rate limits and page cache (REDIS_URL in the app's own settings: the task
queue, built from the process environment, is left alone), and then the server is
stopped and started again under the running app. Shoppers keep browsing, adding to the
basket and paying, and staff keep signing in, while it is away: pages are served
without the cache and the limits are counted in the process's memory (both say so in
the log). When it is back, the same app uses the cache and Redis's limits again.
"""

from __future__ import annotations

import logging
import time

import pytest

from tests.factories import ArticleFactory, CategoryFactory, ProductFactory
from tests.helpers import local, page
from tests.helpers.checkout import ADDRESS
from tests.helpers.redis_server import RedisServer, skip_without_redis_server
from tests.helpers.staff import STAFF_PASSWORD, make_staff

PAGES = ["/", "/shop", "/shop/moisturisers", "/products/barrier-cream", "/journal"]
PAGES += ["/journal/gut-skin-axis"]


@pytest.fixture
def app(app_factory, redis_server):
    """The shop on `redis_server` for rate limits and the page cache, limits on."""
    app = app_factory(
        REDIS_URL=redis_server.url,
        RATELIMIT_STORAGE_URI=redis_server.url,
        RATELIMIT_ENABLED=True,
        PAGE_CACHE_SECONDS=60,
    )
    with app.app_context():
        shelf = CategoryFactory(slug="moisturisers", name="Moisturisers")
        product = ProductFactory(slug="barrier-cream", name="Barrier Cream", category=shelf)
        product.variants[0].on_hand = 100
        ArticleFactory(slug="gut-skin-axis", title="The gut-skin axis")
        from shop.extensions import db

        db.session.commit()
        app.variant_id = product.variants[0].id
    app.staff_email = make_staff(app, role="admin").email
    return app


def shop_and_sign_in(app) -> list[tuple[str, int]]:
    """Everything a shopper and a member of staff do in a visit, as (what, status)."""
    shopper, staff = app.test_client(), app.test_client()
    seen = [(path, shopper.get(path).status_code) for path in PAGES]
    added = shopper.post("/cart/add", data={"variant_id": app.variant_id, "quantity": 1})
    seen.append(("add to basket", added.status_code))
    seen.append(("basket", shopper.get("/cart").status_code))
    checkout = shopper.post("/checkout")
    seen.append(("checkout", checkout.status_code))
    payment_page = checkout.headers.get("Location", "")
    seen.append(("payment page", shopper.get(payment_page).status_code))
    paid = shopper.post(payment_page, data={"action": "pay", **ADDRESS})
    seen.append(("pay", paid.status_code))
    success = shopper.get(local(paid.headers.get("Location", "")))
    seen.append(("success", success.status_code))
    order_page = shopper.get(success.headers.get("Location", ""))
    seen.append(("order page", order_page.status_code))
    assert "Paid" in page(order_page).select_one(".order-status").get_text()
    signed_in = staff.post(
        "/admin/login", data={"email": app.staff_email, "password": STAFF_PASSWORD}
    )
    seen.append(("sign in", signed_in.status_code))
    seen.append(("dashboard", staff.get("/admin/").status_code))
    return seen


def failed_sign_in(client, n: int) -> int:
    """A wrong sign-in for a fresh email (so only the per-address limit counts)."""
    data = {"email": f"guess{n}@example.com", "password": "Wrong-password-entirely"}
    return client.post("/admin/login", data=data).status_code


def served_without_sql(count_queries, client, path: str) -> bool:
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return statements == []


def test_the_shop_keeps_selling_while_redis_is_away(app, redis_server, count_queries, caplog):
    caplog.set_level(logging.INFO, logger="shop.pagecache")
    caplog.set_level(logging.INFO, logger="flask-limiter")
    product = "/products/barrier-cream"

    # Redis answers: pages are cached in it, limits counted in it.
    assert all(status in (200, 303) for _what, status in shop_and_sign_in(app))
    app.test_client().get(product)
    assert served_without_sql(count_queries, app.test_client(), product)
    assert redis_server.keys("shop-cache:page:*")
    assert redis_server.keys("LIMITS*")

    redis_server.stop()

    # Away: every page and step still answers, without the cache ...
    seen = shop_and_sign_in(app)
    assert [what for what, status in seen if status not in (200, 303)] == []
    assert not served_without_sql(count_queries, app.test_client(), product)
    cache_warnings = [r for r in caplog.records if r.name == "shop.pagecache"]
    assert len(cache_warnings) == 1  # said once, not on every request
    assert "served without it" in cache_warnings[0].getMessage()
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)
    # ... and sign-ins are still limited, per process: 10 a minute from one address.
    guesser = app.test_client()
    statuses = [failed_sign_in(guesser, n) for n in range(10)]
    # One sign-in was made during the outage already: the tenth attempt here is refused.
    assert statuses == [200] * 9 + [429]

    redis_server.start()  # same port, empty

    # Back: the same app uses the cache again at once ...
    for path in PAGES:
        assert app.test_client().get(path).status_code == 200
    assert served_without_sql(count_queries, app.test_client(), product)
    assert redis_server.keys("shop-cache:page:*")
    assert any(r.getMessage() == "The page cache answers again" for r in caplog.records)
    # ... and Redis's limits once Flask-Limiter's next check finds it (it looks again
    # after 1, 2, 4 ... seconds): the in-memory count that refused this address is gone.
    deadline = time.monotonic() + 70
    n = 100
    while failed_sign_in(guesser, n) == 429:
        assert time.monotonic() < deadline, "the rate limiter never went back to Redis"
        time.sleep(0.25)
        n += 1
    assert redis_server.keys("LIMITS*admin.login*")
    assert any(r.getMessage() == "Rate limit storage recovered" for r in caplog.records)
    assert all(status in (200, 303) for _what, status in shop_and_sign_in(app))


def test_a_change_made_while_redis_was_away_empties_the_cache_when_it_is_back(
    app_factory, tmp_path
):
    """Redis kept its pages through the outage (it was only unreachable): the change
    committed meanwhile could not give the cache a new generation then, so it does when
    Redis answers, before any page is read from it (the old pages stay, never read)."""
    skip_without_redis_server()
    server = RedisServer(tmp_path, keep_data=True).start()
    try:
        app = app_factory(REDIS_URL=server.url, PAGE_CACHE_SECONDS=60)
        with app.app_context():
            from shop.catalogue.models import Variant
            from shop.extensions import db

            product = ProductFactory(slug="barrier-cream", variants__price_pence=2400)
            variant_id = product.variants[0].id
        assert "£24.00" in app.test_client().get("/products/barrier-cream").get_data(True)
        assert server.keys("shop-cache:page:*")

        server.stop()
        with app.app_context():
            db.session.get(Variant, variant_id).price_pence = 2650
            db.session.commit()  # stands, though the cache could not be emptied
        assert "£26.50" in app.test_client().get("/products/barrier-cream").get_data(True)
        server.start()
        assert server.keys("shop-cache:page:*")  # the old page came back with Redis

        for _ in range(2):  # emptied, then rendered anew and cached
            page_text = app.test_client().get("/products/barrier-cream").get_data(True)
            assert "£26.50" in page_text and "£24.00" not in page_text
    finally:
        server.stop()
