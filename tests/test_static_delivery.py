"""Static delivery: fingerprinted CSS, JavaScript and pictures kept for a year, and pages
and assets compressed for browsers that accept it."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest
from PIL import Image

from shop.pagecache import zstd  # compression.zstd, or its backport before Python 3.14
from tests.factories import ProductFactory
from tests.helpers import page

FOREVER = "public, max-age=31536000, immutable"
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/assets/[^"]+)"', html)


def test_pages_link_fingerprinted_css_javascript_and_icon(client):
    urls = asset_urls(client.get("/").text)
    assert any(re.fullmatch(r"/assets/css/shop\.[0-9a-f]{12}\.css", u) for u in urls), urls
    assert any(re.fullmatch(r"/assets/js/shop\.[0-9a-f]{12}\.js", u) for u in urls), urls
    assert any(re.fullmatch(r"/assets/favicon\.[0-9a-f]{12}\.svg", u) for u in urls), urls


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [
        ("gzip, deflate, br", "br", brotli.decompress),
        ("gzip", "gzip", gzip.decompress),
        ("identity", None, lambda body: body),
    ],
)
def test_assets_are_immutable_and_precompressed(app, client, accept, encoding, decode):
    css = next(u for u in asset_urls(client.get("/").text) if u.endswith(".css"))
    response = client.get(css, headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == FOREVER
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.mimetype == "text/css"
    with open(app.static_folder + "/css/shop.css", "rb") as original:
        assert decode(response.data) == original.read()


def test_an_unchanged_asset_is_not_sent_again(client):
    js = next(u for u in asset_urls(client.get("/").text) if u.endswith(".js"))
    first = client.get(js, headers=BROWSER)
    again = client.get(js, headers={**BROWSER, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_an_asset_under_another_fingerprint_is_served_but_not_kept(client):
    """A page from a host deployed earlier or later names the file by its fingerprint
    there: it gets this host's file, which no browser may keep under that name."""
    response = client.get("/assets/css/shop.000000000000.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert b"--accent" in response.data


@pytest.mark.parametrize(
    "path", ["/assets/css/nothing.0123456789ab.css", "/assets/css/shop.css", "/assets/../x"]
)
def test_unknown_assets_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_plain_static_names_still_answer_with_a_short_cache(client):
    response = client.get("/static/css/shop.css")
    assert response.status_code == 200
    assert "max-age=3600" in response.headers["Cache-Control"]
    response.close()


def test_pictures_are_immutable(app, client):
    folder = Path(app.config["MEDIA_ROOT"]) / "products"
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), "white").save(folder / "jar-cream-1-400.webp", "WEBP")
    response = client.get("/media/products/jar-cream-1-400.webp", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == FOREVER
    assert "Content-Encoding" not in response.headers  # WebP is compressed already
    response.close()


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [
        ("gzip, deflate, br, zstd", "zstd", zstd.decompress),
        ("gzip, deflate, br", "br", brotli.decompress),
        ("gzip", "gzip", gzip.decompress),
    ],
)
def test_pages_are_compressed_for_browsers_that_accept_it(app, client, accept, encoding, decode):
    with app.app_context():
        ProductFactory(name="Compressed Cream")
    response = client.get("/shop", headers={"Accept-Encoding": accept})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "Compressed Cream" in decode(response.data).decode()


def test_pages_are_sent_as_they_are_without_accept_encoding(client):
    response = client.get("/shop")
    assert "Content-Encoding" not in response.headers
    assert page(response).find("h1")


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [(BROWSER["Accept-Encoding"], "zstd", zstd.decompress), ("gzip, br", "br", brotli.decompress)],
)
def test_cached_pages_are_compressed_after_the_visitor_values_are_filled_in(
    app_factory, accept, encoding, decode
):
    app = app_factory(PAGE_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True)
    with app.app_context():
        ProductFactory(name="Cached Cream")
    first, second = app.test_client(), app.test_client()
    first.get("/shop")  # into the cache
    response = second.get("/shop", headers={"Accept-Encoding": accept})
    assert response.headers["Content-Encoding"] == encoding
    html = decode(response.data).decode()
    assert "Cached Cream" in html
    assert re.search(r'name="csrf_token" value="[\w.-]{20,}"', html)
    assert not re.search(r"pc[0-9a-f]{32}-[a-z-]+\.", html), "a marker was left unfilled"


def test_small_answers_are_sent_as_they_are(client):
    response = client.get("/healthz", headers=BROWSER)
    assert "Content-Encoding" not in response.headers  # below COMPRESS_MIN_SIZE (1 KB)
    assert response.json["status"] == "ok"
