"""A page served from the page cache: kept split at its markers (`page:parts1:` keys),
answered before the view with one round trip to Redis (the generation and the page
together), never out of date after a change, and filled in with each visitor's own
values, signed with the current key or a fallback one."""

import re

import pytest

from shop.catalogue.models import Variant
from shop.extensions import db
from tests.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.helpers import page
from tests.helpers.pagecache import PRODUCT, commands_sent, csrf_tokens, is_cached, no_markers


@pytest.fixture
def app(app_factory):
    return app_factory(PAGE_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True)


@pytest.fixture
def cream(app):
    with app.app_context():
        return _cream()


def _cream() -> int:
    shelf = CategoryFactory(slug="moisturisers", name="Moisturisers")
    product = ProductFactory(
        slug="barrier-cream", name="Barrier Cream", category=shelf, variants=[]
    )
    return VariantFactory(product=product, price_pence=2400, on_hand=10).id


@pytest.fixture
def redis_apps(app_factory, redis_server, tmp_path):
    """Two workers of one shop on one Redis."""
    return [
        app_factory(
            PAGE_CACHE_SECONDS=60,
            WTF_CSRF_ENABLED=True,
            REDIS_URL=redis_server.url,
            CACHE_DIR=str(tmp_path / folder),
        )
        for folder in ("a", "b")
    ]


def kept_page(app, url=PRODUCT):
    from shop.extensions import cache
    from shop.pagecache import _page_key

    with app.test_request_context(url):
        return _page_key(), cache.get(_page_key())


def test_a_page_is_kept_split_at_its_markers(app, cream):
    app.test_client().get(PRODUCT)
    key, (parts, names) = kept_page(app)
    assert key.startswith("page:parts1:")
    assert "csrf" in names and "cart-count" in names
    assert len(parts) == len(names) + 1
    assert all(isinstance(part, bytes) for part in parts)
    assert not any(b"pc" in part and b"-csrf." in part for part in parts)


def test_a_hit_is_the_same_page_as_the_first_visitors_but_for_their_values(app, cream):
    first = app.test_client().get(PRODUCT)
    second = app.test_client().get(PRODUCT)
    assert second.status_code == 200 and second.mimetype == "text/html"
    assert no_markers(first) and no_markers(second)
    assert csrf_tokens(first) != csrf_tokens(second)

    def without_hidden_fields(response) -> str:  # tokens and stamps: each visitor's own
        return re.sub(r"<input[^>]*hidden[^>]*>", "<hidden>", response.get_data(as_text=True))

    assert without_hidden_fields(first) == without_hidden_fields(second)


def test_a_hit_is_one_round_trip_to_redis(redis_apps, cream_in_redis, monkeypatch):
    first, _second = redis_apps
    first.test_client().get(PRODUCT)  # kept
    first.test_client().get(PRODUCT)  # this worker has seen the generation
    with first.app_context():
        sent = commands_sent(monkeypatch)
        response = first.test_client().get(PRODUCT)
    assert response.status_code == 200 and "Barrier Cream" in response.get_data(as_text=True)
    assert [command for command, _key in sent] == ["MGET"]


def test_an_edit_by_another_worker_shows_at_the_next_hit(redis_apps, cream_in_redis, monkeypatch):
    first, second = redis_apps
    first.test_client().get(PRODUCT)
    first.test_client().get(PRODUCT)
    with second.app_context():
        db.session.get(Variant, cream_in_redis).price_pence = 3131
        db.session.commit()
    with first.app_context():
        sent = commands_sent(monkeypatch)
        html = first.test_client().get(PRODUCT).get_data(as_text=True)
    assert "£31.31" in html
    # The generation had moved: the page is read again under the new one, then rendered.
    assert [command for command, _key in sent][:2] == ["MGET", "GET"]
    with first.app_context():
        sent = commands_sent(monkeypatch)
        html = first.test_client().get(PRODUCT).get_data(as_text=True)
    assert "£31.31" in html
    assert [command for command, _key in sent] == ["MGET"]


def test_a_lost_generation_starts_anew(redis_apps, cream_in_redis, redis_server):
    first, _second = redis_apps
    first.test_client().get(PRODUCT)
    first.test_client().get(PRODUCT)
    redis_server.client().delete("shop-cache:page-generation")
    with first.app_context():
        db.session.get(Variant, cream_in_redis).price_pence = 2929
        db.session.commit()  # writes a new generation, or not: either way no stale page
    redis_server.client().delete("shop-cache:page-generation")
    html = first.test_client().get(PRODUCT).get_data(as_text=True)
    assert "£29.29" in html
    assert redis_server.client().get("shop-cache:page-generation") is not None
    assert is_cached(first, PRODUCT)


def test_an_edit_shows_at_the_next_hit_on_the_shared_file_cache(app_factory, app, cream):
    other_worker = app_factory(PAGE_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True)
    app.test_client().get(PRODUCT)
    app.test_client().get(PRODUCT)
    with other_worker.app_context():
        db.session.get(Variant, cream).price_pence = 2727
        db.session.commit()
    assert "£27.27" in app.test_client().get(PRODUCT).get_data(as_text=True)
    assert "£27.27" in app.test_client().get(PRODUCT).get_data(as_text=True)


def test_a_visitor_whose_cookie_was_signed_with_a_fallback_key_keeps_their_session(
    app_factory, cream
):
    """After SECRET_KEY changes (the old one kept in SECRET_KEY_FALLBACKS), a visitor's
    cookie from before still opens: their basket and CSRF token stay theirs."""
    before = app_factory(PAGE_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True, SECRET_KEY="old-key")
    visitor = before.test_client()
    token = csrf_tokens(visitor.get(PRODUCT)).pop()
    assert (
        visitor.post(
            "/cart/add", data={"variant_id": cream, "quantity": 2, "csrf_token": token}
        ).status_code
        == 303
    )
    visitor.get(PRODUCT)  # shows the message "added", which leaves the session
    cookie = visitor.get_cookie("session").value

    after = app_factory(
        PAGE_CACHE_SECONDS=60,
        WTF_CSRF_ENABLED=True,
        SECRET_KEY="new-key",
        SECRET_KEY_FALLBACKS=["old-key"],
    )
    after.test_client().get(PRODUCT)  # kept by the new key's workers
    returning = after.test_client()
    returning.set_cookie("session", cookie)
    response = returning.get(PRODUCT)  # from the cache
    assert no_markers(response)
    assert page(response).select_one("[data-cart-count]").get_text() == "2"
    new_token = csrf_tokens(response).pop()
    added = returning.post(
        "/cart/add", data={"variant_id": cream, "quantity": 1, "csrf_token": new_token}
    )
    assert added.status_code == 303
    assert returning.get("/cart").get_data(as_text=True).count("Barrier Cream") >= 1

    stranger = after.test_client()
    stranger.set_cookie("session", cookie.replace(cookie[-5:], "AAAAA"))
    refused = stranger.post(
        "/cart/add", data={"variant_id": cream, "quantity": 1, "csrf_token": new_token}
    )
    assert refused.status_code == 400


@pytest.fixture
def cream_in_redis(redis_apps):
    with redis_apps[0].app_context():
        return _cream()
