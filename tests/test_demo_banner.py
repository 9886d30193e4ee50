"""A shop taking demo payments says so on every page (storefront, back office, error
pages, cached pages); a shop taking real payments never does."""

from __future__ import annotations

import pytest

from tests.factories import CategoryFactory, ProductFactory
from tests.helpers import page
from tests.helpers.staff import AuthActions

STRIPE = {"STRIPE_SECRET_KEY": "sk_test_banner", "STRIPE_WEBHOOK_SECRET": "whsec_banner"}
PAGES = ["/", "/shop", "/products/barrier-cream", "/journal", "/cart", "/newsletter"]


def banner(response):
    return page(response).select_one("[data-demo-banner]")


@pytest.fixture
def shop_with(app_factory):
    """Make an app (settings as keyword arguments) on this test's database, which holds
    a product to look at."""
    made = []

    def make(**settings):
        app = app_factory(**settings)
        if not made:
            with app.app_context():
                shelf = CategoryFactory(slug="moisturisers", name="Moisturisers")
                ProductFactory(slug="barrier-cream", name="Barrier Cream", category=shelf)
        made.append(app)
        return app

    return make


@pytest.mark.parametrize("path", PAGES)
def test_every_storefront_page_of_a_demo_shop_says_so(shop_with, path):
    response = shop_with().test_client().get(path)
    assert response.status_code == 200
    notice = banner(response)
    assert notice is not None and notice.name == "aside"  # a landmark of its own
    assert notice["aria-label"] == "Demo shop"
    assert "no real payments are taken" in notice.get_text(" ", strip=True)


@pytest.mark.parametrize("path", PAGES)
def test_a_shop_taking_real_payments_shows_no_banner(shop_with, path):
    response = shop_with(**STRIPE).test_client().get(path)
    assert response.status_code == 200
    assert banner(response) is None


def test_back_office_and_error_pages_say_so_too(shop_with):
    app = shop_with()
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/broken")
    def broken():
        raise RuntimeError("a bug")

    client = app.test_client()
    assert banner(client.get("/admin/login")) is not None
    AuthActions(app, client)("admin")
    assert banner(client.get("/admin/")) is not None
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and banner(missing) is not None
    failed = client.get("/broken")
    assert failed.status_code == 500 and banner(failed) is not None


def test_cached_pages_follow_the_provider(shop_with, tmp_path):
    """Two apps on one cache: a page a demo shop cached never reaches a Stripe shop's
    visitors with the banner, nor the other way round."""
    cached = {"PAGE_CACHE_SECONDS": 60, "CACHE_DIR": str(tmp_path / "shared-cache")}
    demo = shop_with(**cached)
    real = shop_with(**cached, **STRIPE)
    for _ in range(2):  # rendered, then from the cache
        assert banner(demo.test_client().get("/products/barrier-cream")) is not None
        assert banner(real.test_client().get("/products/barrier-cream")) is None


def test_a_production_demo_site_says_so_and_a_real_shop_does_not(shop_with):
    production = {
        "SHOP_ENV": "production",
        "SHOP_BASE_URL": "https://staging.example",
        "REDIS_URL": "redis://127.0.0.1:1/0",  # never reached: no cache, no limits here
        "MAIL_SERVER": "127.0.0.1",
    }
    staging = shop_with(**production, PAYMENT_PROVIDER="demo")
    assert banner(staging.test_client().get("/", base_url="https://staging.example"))
    real = shop_with(**production, **STRIPE)
    assert banner(real.test_client().get("/", base_url="https://shop.example")) is None
