"""A page served from the page cache: kept split at its markers (`page:parts2:` keys),
answered before the view with one round trip to Redis (the generation and the page
together), never out of date after a change, and filled in with each visitor's own
values, signed with the current key or a fallback one; for a browser that takes zstd,
the parts' frames kept beside them with a frame per visitor value between them."""

import re

import pytest

from shop.catalogue.models import Variant
from shop.extensions import db
from shop.pagecache import zstd  # compression.zstd, or its backport before Python 3.14
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
    key, (parts, names, frames) = kept_page(app)
    assert key.startswith("page:parts2:")
    assert "csrf" in names and "cart-count" in names
    assert len(parts) == len(names) + 1
    assert all(isinstance(part, bytes) for part in parts)
    assert [zstd.decompress(frame) for frame in frames] == list(parts)
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


BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def test_a_browser_that_takes_zstd_gets_the_kept_frames_and_its_own_values(app, cream):
    app.test_client().get(PRODUCT)  # kept
    plain = app.test_client().get(PRODUCT)
    first, second = app.test_client(), app.test_client()
    framed = first.get(PRODUCT, headers=BROWSER)
    assert framed.headers["Content-Encoding"] == "zstd"
    assert "Accept-Encoding" in framed.headers["Vary"]
    assert int(framed.headers["Content-Length"]) == len(framed.data)
    _key, (parts, names, frames) = kept_page(app)
    for frame in frames:  # sent as kept, not compressed again
        assert frame in framed.data

    def html(response) -> str:
        return zstd.decompress(response.data).decode()

    def without_hidden_fields(text: str) -> str:
        return re.sub(r"<input[^>]*hidden[^>]*>", "<hidden>", text)

    text = html(framed)
    assert "Barrier Cream" in text
    assert not re.search(r"pc[0-9a-f]{32}-", text)
    assert without_hidden_fields(text) == without_hidden_fields(plain.get_data(as_text=True))

    def raw_tokens(text: str) -> set[str]:  # the session's token, whenever it was signed
        return {
            token.split(".")[0] for token in re.findall(r'name="csrf_token" value="([^"]+)"', text)
        }

    tokens = raw_tokens(text)
    assert len(tokens) == 1
    assert tokens != {token.split(".")[0] for token in csrf_tokens(plain)}
    # The token is this visitor's: the same one on their next page, another visitor's not.
    assert raw_tokens(html(first.get(PRODUCT, headers=BROWSER))) == tokens
    assert raw_tokens(html(second.get(PRODUCT, headers=BROWSER))) != tokens


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("br, zstd;q=0.5", "br"),
        ("gzip;q=0.9, zstd;q=0.8", "gzip"),
        ("zstd;q=0, br", "br"),
        ("*", "zstd"),
        ("gzip, zstd", "zstd"),
        ("identity", None),
    ],
)
def test_a_hit_takes_the_encoding_the_browser_prefers(app, cream, accept, encoding):
    app.test_client().get(PRODUCT)  # kept
    response = app.test_client().get(PRODUCT, headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding


def test_a_page_kept_without_frames_is_compressed_as_it_leaves(app, cream, monkeypatch):
    monkeypatch.setattr("shop.pagecache.FRAMES_AT_MOST", 0)  # no page is worth framing
    app.test_client().get(PRODUCT)  # kept
    _key, (parts, _names, frames) = kept_page(app)
    assert frames is None
    response = app.test_client().get(PRODUCT, headers=BROWSER)
    assert response.headers["Content-Encoding"] == "zstd"
    html = zstd.decompress(response.data).decode()
    assert "Barrier Cream" in html and not re.search(r"pc[0-9a-f]{32}-", html)


def test_a_hit_follows_the_apps_order_of_encodings(app_factory):
    app = app_factory(
        PAGE_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True, COMPRESS_ALGORITHM=["br", "zstd", "gzip"]
    )
    with app.app_context():
        _cream()
    app.test_client().get(PRODUCT)  # kept, with its frames
    assert kept_page(app)[1][2] is not None
    response = app.test_client().get(PRODUCT, headers=BROWSER)
    assert response.headers["Content-Encoding"] == "br"  # a tie goes to the app's first


def test_a_page_that_framing_would_swell_is_kept_without_frames(app):
    from shop.pagecache import compress_parts

    with app.app_context():
        # One section of text said again and again, cut at many markers: as frames it
        # cannot refer back to itself.
        section = b"<li><a href='/products/barrier-cream'>Barrier Cream</a> from 24.00</li>" * 4
        assert compress_parts((section,) * 40) is None
        whole = compress_parts((section * 40,))
        assert whole is not None and len(whole) == 1


def test_a_hit_is_one_round_trip_to_redis(redis_apps, cream_in_redis, monkeypatch):
    first, _second = redis_apps
    first.test_client().get(PRODUCT)  # kept
    first.test_client().get(PRODUCT)  # this worker has seen the generation
    with first.app_context():
        sent = commands_sent(monkeypatch)
        response = first.test_client().get(PRODUCT)
    assert response.status_code == 200 and "Barrier Cream" in response.get_data(as_text=True)
    assert [command for command, _key in sent] == ["MGET"]


def test_a_page_not_kept_reads_the_generation_and_the_shelves_in_one_round_trip(
    redis_apps, cream_in_redis, monkeypatch
):
    first, _second = redis_apps
    client = first.test_client()
    client.get("/cart")  # the shelves fragment kept; this worker has seen the generation
    with first.app_context():
        sent = commands_sent(monkeypatch)
        response = client.get("/cart")
    assert response.status_code == 200
    assert "Moisturisers" in page(response).select_one(".site-nav").get_text()
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
