"""Media URLs: built from the route's prefix, they are exactly what url_for gives."""

import pytest
from flask import url_for

from shop.catalogue.models import ProductImage
from shop.urls import image_srcset, media_url

STEMS = [
    "products/barrier-cream-1",
    "products/with space",
    "products/crème-ünïcode",
    "articles/a#b?c%d+e&f=g;h@i'j(k)",
    "100%/pure~oil",
]


def picture(stem: str) -> ProductImage:
    return ProductImage(stem=stem, widths="400,800", width=800, height=800, alt_text="")


def expected(image: ProductImage, width=None, **values) -> str:
    return url_for("pages.media", filename=image.filename(width), **values)


@pytest.mark.parametrize("base_url", ["http://localhost/", "https://shop.example/under/a/root/"])
@pytest.mark.parametrize("stem", STEMS)
def test_media_urls_are_what_url_for_builds(app, stem, base_url):
    image = picture(stem)
    with app.test_request_context("/", base_url=base_url):
        for width in (None, 400, 800, 123):
            assert media_url(image, width) == expected(image, width)
        assert image_srcset(image) == (f"{expected(image, 400)} 400w, {expected(image, 800)} 800w")
        # Absolute: on SHOP_BASE_URL, with the request's script root.
        assert media_url(image, external=True) == "http://shop.test" + expected(image)


@pytest.mark.parametrize("stem", STEMS)
def test_absolute_media_urls_never_follow_the_request_host(app, stem):
    image = picture(stem)
    with app.test_request_context("/", base_url="https://evil.example/root/"):
        assert media_url(image, 400, external=True) == "http://shop.test" + expected(image, 400)
        assert media_url(image, 400, external=True).startswith("http://shop.test/root/media/")


def test_each_request_gets_urls_for_its_own_root_on_the_shops_address(app):
    """Requests made inside one application context (an email sent from a task) do
    not reuse another request's root, and neither takes its host for absolute URLs."""
    image = picture("products/x")
    with app.app_context():
        with app.test_request_context("/", base_url="https://one.example/"):
            first = media_url(image, 400, external=True), media_url(image, 400)
        with app.test_request_context("/", base_url="https://two.example/root/"):
            second = media_url(image, 400, external=True), media_url(image, 400)
    assert first == ("http://shop.test/media/products/x-400.webp", "/media/products/x-400.webp")
    assert second == (
        "http://shop.test/root/media/products/x-400.webp",
        "/root/media/products/x-400.webp",
    )


# Links templates build through the kept-link url_for (shop.urls.page_url_builder).
LINKS = [
    ("pages.home", {}),
    ("catalogue.listing", {}),
    ("catalogue.listing", {"category_slug": "moisturisers"}),
    ("catalogue.listing", {"category_slug": "moisturisers", "page": 2, "sort": "price-asc"}),
    ("catalogue.listing", {"sort": "price-asc", "category_slug": "moisturisers"}),
    ("catalogue.listing", {"q": "crème & ünïcode/?#%"}),
    ("catalogue.product_detail", {"slug": "with space"}),
    ("catalogue.product_detail", {"slug": "probiotic-moisturiser"}),
    ("journal.article", {"slug": "a#b?c%d"}),
    ("pages.media", {"filename": "products/x y-400.webp"}),
    # None is left out, as url_for leaves it out.
    ("catalogue.listing", {"category_slug": None}),
    ("catalogue.listing", {"category_slug": None, "page": None}),
    ("catalogue.listing", {"category_slug": "moisturisers", "page": None, "q": "x"}),
]


@pytest.mark.parametrize("base_url", ["http://localhost/", "https://shop.example/under/a/root/"])
def test_templates_links_are_what_url_for_builds(app, base_url):
    page_url_for = app.jinja_env.globals["url_for"]
    for _ in range(2):  # built, then kept
        with app.test_request_context("/", base_url=base_url):
            for endpoint, values in LINKS:
                assert page_url_for(endpoint, **values) == url_for(endpoint, **values)


def test_kept_links_follow_each_requests_root(app):
    page_url_for = app.jinja_env.globals["url_for"]
    with app.test_request_context("/", base_url="https://one.example/"):
        assert page_url_for("catalogue.listing") == "/shop"
    with app.test_request_context("/", base_url="https://two.example/root/"):
        assert page_url_for("catalogue.listing") == "/root/shop"


def test_links_it_does_not_keep_go_to_url_for(app):
    """Lists, None (kept), external and anchored links, values of other types."""
    page_url_for = app.jinja_env.globals["url_for"]
    with app.test_request_context("/shop", base_url="https://evil.example/"):
        cases = [
            ("catalogue.listing", {"free_from": ["fragrance", "alcohol"]}),
            ("catalogue.listing", {"category_slug": None}),
            ("catalogue.listing", {"_anchor": "results"}),
            ("catalogue.listing", {"_external": True}),
            ("catalogue.listing", {"page": True}),
            ("catalogue.listing", {"page": 1}),
        ]
        for endpoint, values in cases:
            assert page_url_for(endpoint, **values) == url_for(endpoint, **values)


def test_outside_a_request_links_are_built_by_url_for(app):
    """Without a request (a task, with SERVER_NAME set) links come from url_for on the
    app's own root, and nothing built there is kept for requests."""
    page_url_for = app.jinja_env.globals["url_for"]
    app.config.update(SERVER_NAME="shop.example", APPLICATION_ROOT="/app")
    with app.app_context():
        assert page_url_for("catalogue.listing") == "http://shop.example/app/shop"
        assert page_url_for("catalogue.listing") == url_for("catalogue.listing")
        assert page_url_for("journal.article", slug="x") == url_for("journal.article", slug="x")
    with app.test_request_context("/", base_url="https://shop.example/root/"):
        assert page_url_for("catalogue.listing") == "/root/shop"


@pytest.mark.parametrize("base_url", ["https://evil.example/", "https://evil.example/root/"])
def test_absolute_and_asset_links_are_what_url_for_builds(app, base_url):
    from shop.assets import _assets, asset_url
    from shop.urls import absolute_url, page_absolute_url

    for _ in range(2):  # built, then kept
        with app.test_request_context("/", base_url=base_url):
            asset = _assets().by_name["css/shop.css"]
            assert asset_url("css/shop.css") == url_for(
                "assets.serve_asset", filename=asset.fingerprinted
            )
            for endpoint, values in LINKS:
                expected_url = "http://shop.test" + url_for(endpoint, **values)
                assert absolute_url(endpoint, **values) == expected_url
                assert page_absolute_url(endpoint, **values) == expected_url


def test_a_pages_own_address_keeps_no_value_of_its_route(app):
    """base.html's canonical link: kept once built for a route without values; a route
    with values (a token's, say) goes to absolute_url and stays out of the kept links."""
    from shop.urls import canonical_url_of_request

    builder = app.extensions["shop_page_url_for"]
    with app.test_request_context("/cart", base_url="https://evil.example/under/"):
        assert canonical_url_of_request() == "http://shop.test/under/cart"
    token = "t0ken-" + "x" * 20
    with app.test_request_context(f"/orders/{token}", base_url="https://evil.example/"):
        assert canonical_url_of_request() == f"http://shop.test/orders/{token}"
    with app.test_request_context("/no/such/page"):
        assert canonical_url_of_request() == ""
    (kept,) = [c.cell_contents for c in builder.__closure__ if isinstance(c.cell_contents, dict)]
    assert ("/under", "cart.view_cart") in kept
    assert kept and not [key for key in kept if token in repr(key)]
