"""Security headers on every response, and cookies that scripts and other sites can't use."""

import pytest

from tests.factories import ProductFactory


@pytest.fixture
def product(app):
    with app.app_context():
        return ProductFactory(slug="cream").slug


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/shop?q=x"),
        ("GET", "/products/cream"),
        ("GET", "/no-such-page"),
        ("GET", "/static/css/shop.css"),
        ("GET", "/robots.txt"),
        ("GET", "/healthz"),
        ("POST", "/shop"),
        ("POST", "/cart/add"),
    ],
)
def test_every_response_carries_the_security_headers(client, product, method, path):
    with client.open(path, method=method) as response:
        headers = response.headers
    policy = dict(
        part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";")
    )
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # plain HTTP: no HSTS


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://shop.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")


def test_pages_have_no_inline_scripts_or_styles(client, product):
    from tests.helpers import page

    for path in ("/", "/shop", "/products/cream", "/cart"):
        soup = page(client.get(path))
        for script in soup.find_all("script"):
            assert script.get("src") or script.get("type") == "application/ld+json", path
        assert not soup.find_all(style=True), path
        assert not soup.find_all("style"), path


def test_session_cookie_is_http_only_and_same_site(client, product):
    from shop.extensions import db

    with client.application.app_context():
        from shop.catalogue.models import Variant

        variant_id = db.session.scalar(db.select(Variant.id))
    response = client.post("/cart/add", data={"variant_id": variant_id, "quantity": 1})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_nul_characters_in_the_address_are_refused_plainly(client):
    for path in ("/checkout/success?session_id=%00", "/shop?q=a%00b"):
        assert client.get(path).status_code == 400, path
    assert client.get("/products/a%00").status_code == 404
