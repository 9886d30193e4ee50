"""The whole-page cache: visitors share rendered catalogue and journal pages, but each
gets their own CSRF token, newsletter stamp and basket count, and nobody sees a page
that is out of date after staff or a checkout change what it shows."""

import re

import pytest
from sqlalchemy import update

from shop.catalogue.models import Product, Variant
from shop.extensions import db
from shop.newsletter.tokens import check_form_stamp
from tests.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.helpers import page
from tests.helpers.staff import AuthActions, make_staff

PRODUCT = "/products/barrier-cream"


@pytest.fixture
def app(app_factory):
    """The app of every test here (and of `count_queries`): caching on, CSRF checked."""
    return app_factory(PAGE_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True)


@pytest.fixture
def cream(app):
    with app.app_context():
        shelf = CategoryFactory(slug="moisturisers", name="Moisturisers")
        product = ProductFactory(
            slug="barrier-cream", name="Barrier Cream", category=shelf, variants=[]
        )
        variant = VariantFactory(product=product, price_pence=2400, on_hand=10)
        return variant.id


def csrf_tokens(response) -> set[str]:
    return {field["value"] for field in page(response).select("input[name=csrf_token]")}


def no_markers(response) -> bool:
    return re.search(r"pc[0-9a-f]{32}-", response.get_data(as_text=True)) is None


def statements_for(app, count_queries, client, url):
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return response, statements


def test_second_visitor_is_served_without_touching_the_database(app, cream, count_queries):
    first, rendered = statements_for(app, count_queries, app.test_client(), PRODUCT)
    second, served = statements_for(app, count_queries, app.test_client(), PRODUCT)
    assert rendered and served == []
    assert no_markers(first) and no_markers(second)
    assert page(second).h1.get_text(strip=True) == "Barrier Cream"
    # Everything but the visitor's own values is the same page.
    strip = re.compile(r'name="(csrf_token|stamp)" value="[^"]*"')
    assert strip.sub("", first.get_data(as_text=True)) == strip.sub(
        "", second.get_data(as_text=True)
    )


def test_each_visitor_gets_a_working_csrf_token_of_their_own(app, cream):
    alice, bob = app.test_client(), app.test_client()
    alice_tokens = csrf_tokens(alice.get(PRODUCT))
    bob_tokens = csrf_tokens(bob.get(PRODUCT))  # from the cache
    assert len(alice_tokens) == 1 and len(bob_tokens) == 1
    assert alice_tokens != bob_tokens

    # Alice's token is no good in Bob's session; Bob's own is.
    refused = bob.post(
        "/cart/add", data={"variant_id": cream, "quantity": 1, "csrf_token": alice_tokens.pop()}
    )
    assert refused.status_code == 400
    added = bob.post(
        "/cart/add", data={"variant_id": cream, "quantity": 1, "csrf_token": bob_tokens.pop()}
    )
    assert added.status_code == 303


def test_basket_count_is_the_visitors_own(app, cream):
    shopper, browser = app.test_client(), app.test_client()
    token = csrf_tokens(shopper.get(PRODUCT)).pop()
    shopper.post("/cart/add", data={"variant_id": cream, "quantity": 2, "csrf_token": token})
    # The flash message after adding keeps that one page out of the cache ...
    with_flash = shopper.get(PRODUCT)
    assert "added" in page(with_flash).select_one(".flashes").get_text().lower()
    # ... and nobody else ever sees it, nor the shopper's count.
    other = browser.get(PRODUCT)
    assert page(other).select_one(".flashes") is None
    assert page(other).select_one("[data-cart-count]").get_text() == "0"
    assert " items" in page(other).select_one(".cart-link").get_text()

    again = shopper.get(PRODUCT)  # now from the cache
    link = page(again).select_one(".cart-link")
    assert link.select_one("[data-cart-count]").get_text() == "2"
    assert no_markers(again)


def test_newsletter_stamp_is_signed_for_each_visitor(app, cream):
    app.test_client().get(PRODUCT)
    response = app.test_client().get(PRODUCT)
    stamp = page(response).select_one("input[name=stamp]")["value"]
    with app.app_context():
        assert check_form_stamp(stamp, min_seconds=0, max_age=60).valid


def test_a_price_change_shows_at_once(app, cream):
    client = app.test_client()
    assert "£24.00" in client.get(PRODUCT).get_data(as_text=True)
    with app.app_context():
        db.session.get(Variant, cream).price_pence = 2650
        db.session.commit()
    assert "£26.50" in client.get(PRODUCT).get_data(as_text=True)


def test_stock_taken_by_a_bulk_update_shows_at_once(app, cream):
    client = app.test_client()
    assert "Sold out" not in client.get(PRODUCT).get_data(as_text=True)
    with app.app_context():
        db.session.execute(update(Variant).where(Variant.id == cream).values(reserved=10))
        db.session.commit()
    assert "Sold out" in client.get(PRODUCT).get_data(as_text=True)


def test_a_rolled_back_change_keeps_the_cache(app, cream, count_queries):
    client = app.test_client()
    client.get(PRODUCT)
    with app.app_context():
        db.session.get(Product, db.session.get(Variant, cream).product_id).name = "Renamed"
        db.session.flush()
        db.session.rollback()
    _response, statements = statements_for(app, count_queries, client, PRODUCT)
    assert statements == []


def is_cached(app, url: str, **request_options) -> bool:
    from shop.extensions import cache
    from shop.pagecache import _page_key

    with app.test_request_context(url, **request_options):
        return cache.get(_page_key()) is not None


def test_workers_share_the_cache_and_its_emptying(app_factory, cream, app):
    """Two apps on one CACHE_DIR stand for two gunicorn workers."""
    other_worker = app_factory(PAGE_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True)
    app.test_client().get(PRODUCT)
    assert is_cached(other_worker, PRODUCT)
    with other_worker.app_context():
        db.session.get(Variant, cream).price_pence = 1999
        db.session.commit()
    assert not is_cached(app, PRODUCT)
    assert "£19.99" in app.test_client().get(PRODUCT).get_data(as_text=True)


def test_a_worker_with_a_new_secret_key_never_serves_the_old_workers_pages(app_factory, cream, app):
    """During a deploy that changes SECRET_KEY, old and new workers share one cache. The
    markers of a page kept by the old ones mean nothing to the new ones: a new worker
    renders its own copy instead of serving markers in place of tokens."""
    app.test_client().get(PRODUCT)
    new_worker = app_factory(
        PAGE_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True, SECRET_KEY="a-new-secret-key-for-the-deploy"
    )
    response = new_worker.test_client().get(PRODUCT)
    assert response.status_code == 200
    assert no_markers(response)
    assert len(csrf_tokens(response)) == 1


def test_staff_are_never_served_a_cached_page(app, cream, count_queries):
    app.config["WTF_CSRF_ENABLED"] = False
    staff_client = app.test_client()
    staff = make_staff(app, role="admin")
    AuthActions(app, staff_client).sign_in(staff.email)
    app.test_client().get(PRODUCT)  # cached for visitors
    _response, statements = statements_for(app, count_queries, staff_client, PRODUCT)
    assert statements


def test_theme_and_query_string_are_part_of_the_page(app, cream):
    light, dark = app.test_client(), app.test_client()
    dark.set_cookie("theme", "dark")
    assert 'data-theme="dark"' not in light.get("/shop").get_data(as_text=True)
    assert 'data-theme="dark"' in dark.get("/shop").get_data(as_text=True)
    assert 'data-theme="dark"' not in light.get("/shop").get_data(as_text=True)

    found = light.get("/shop?q=barrier")
    missing = light.get("/shop?q=nothing-like-it")
    assert "Barrier Cream" in found.get_data(as_text=True)
    assert "Barrier Cream" not in missing.get_data(as_text=True)


def test_errors_and_personal_pages_are_not_cached(app, cream):
    client = app.test_client()
    missing = client.get("/products/not-yet")
    assert missing.status_code == 404
    assert not is_cached(app, "/products/not-yet")
    # The error page was rendered with markers handed out: they are filled in too.
    assert no_markers(missing) and len(csrf_tokens(missing)) == 1
    assert client.get("/products/a%00b").status_code == 404  # refused before the view
    assert no_markers(client.get("/products/a%00b"))
    assert client.get("/cart").status_code == 200
    assert not is_cached(app, "/cart")
    assert client.get("/newsletter").status_code == 200
    assert not is_cached(app, "/newsletter")
    client.get(PRODUCT)
    assert is_cached(app, PRODUCT)


def test_head_requests_share_the_page(app, cream, count_queries):
    client = app.test_client()
    assert client.head(PRODUCT).status_code == 200
    assert is_cached(app, PRODUCT)
    response, statements = statements_for(app, count_queries, client, PRODUCT)
    assert statements == [] and no_markers(response)
    assert page(response).h1.get_text(strip=True) == "Barrier Cream"


def test_a_forged_host_neither_fills_the_cache_nor_shows_in_it(app, cream, count_queries):
    """Links come from SHOP_BASE_URL, so a page is the same whatever Host was named: one
    copy serves every host, and inventing hosts adds nothing to the cache."""
    forged = app.test_client().get(PRODUCT, headers={"Host": "evil.example"})
    assert forged.status_code == 200
    response, statements = statements_for(app, count_queries, app.test_client(), PRODUCT)
    assert statements == []
    assert "evil.example" not in response.get_data(as_text=True)
    assert page(response).find("link", rel="canonical")["href"] == "http://shop.test" + PRODUCT


REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_answers() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not redis_answers(), reason="no Redis server at 127.0.0.1:6379")
def test_machines_share_the_cache_in_redis(app_factory, tmp_path):
    """With REDIS_URL, two apps with their own CACHE_DIR (two machines) share one cache."""
    first = app_factory(PAGE_CACHE_SECONDS=60, REDIS_URL=REDIS_URL, CACHE_DIR=str(tmp_path / "a"))
    second = app_factory(PAGE_CACHE_SECONDS=60, REDIS_URL=REDIS_URL, CACHE_DIR=str(tmp_path / "b"))
    with first.app_context():
        from shop.pagecache import empty

        empty()
        shelf = CategoryFactory(slug="moisturisers", name="Moisturisers")
        product = ProductFactory(slug="barrier-cream", name="Barrier Cream", category=shelf)
        variant_id = product.variants[0].id
    first.test_client().get(PRODUCT)
    assert is_cached(second, PRODUCT)
    with second.app_context():
        db.session.get(Variant, variant_id).price_pence = 3333
        db.session.commit()
    assert not is_cached(first, PRODUCT)
    assert "£33.33" in first.test_client().get(PRODUCT).get_data(as_text=True)
    with first.app_context():
        empty()


def test_a_page_rendered_for_a_returning_visitor_is_kept(app, cream, count_queries):
    """Flask-Login marks an existing session on its first render; that must not stop
    the page being kept."""
    returning = app.test_client()
    returning.get("/journal")  # now has a session
    returning.get(PRODUCT)
    _response, statements = statements_for(app, count_queries, app.test_client(), PRODUCT)
    assert statements == []


def test_a_page_showing_a_message_flashed_while_rendering_is_not_kept(app, cream):
    from flask import flash, request

    @app.before_request
    def announce():
        if request.args.get("announce"):
            flash("Free delivery this weekend.")

    flashed = app.test_client().get(PRODUCT + "?announce=1")
    assert "Free delivery this weekend." in flashed.get_data(as_text=True)
    assert not is_cached(app, PRODUCT + "?announce=1")
    later = app.test_client().get(PRODUCT + "?announce=")
    assert "Free delivery" not in later.get_data(as_text=True)
