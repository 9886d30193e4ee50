"""Site-wide pages: home, theme switch, errors, sitemap, robots.txt, health check."""

import xml.etree.ElementTree as ET

import pytest

from tests.factories import ProductFactory, SkinConcernFactory
from tests.helpers import page

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_home_shows_featured_products_and_concerns(app, client):
    with app.app_context():
        SkinConcernFactory(slug="rosacea", name="Rosacea", description="Redness-prone skin.")
        ProductFactory(name="Featured Cream", featured_rank=1)
        ProductFactory(name="Quiet Cleanser", featured_rank=None)
    response = client.get("/")
    assert response.status_code == 200
    soup = page(response)
    featured = [
        n.text for n in soup.select("#featured-heading ~ .product-grid .product-card__name")
    ]
    assert featured == ["Featured Cream"]
    concern_link = soup.select_one(".concern-card")
    assert concern_link["href"] == "/shop?concern=rosacea"
    assert "Redness-prone skin." in concern_link.text


@pytest.mark.parametrize("path", ["/", "/shop", "/robots.txt"])
def test_every_page_has_title_description_canonical_and_open_graph(client, path):
    if path == "/robots.txt":
        return
    soup = page(client.get(path))
    assert soup.title.text.strip()
    assert soup.find("meta", attrs={"name": "description"})["content"].strip()
    canonical = soup.find("link", rel="canonical")["href"]
    assert canonical.startswith("http://shop.test/")
    for prop in ("og:title", "og:description", "og:url", "og:type", "og:site_name"):
        assert soup.find("meta", property=prop)["content"], prop
    assert soup.find("meta", property="og:url")["content"] == canonical


def test_pages_are_accessible_by_structure(client):
    soup = page(client.get("/shop"))
    skip = soup.select_one("a.skip-link")
    assert skip["href"] == "#main" and soup.find(id="main") is not None
    assert soup.html["lang"] == "en-GB"
    assert len(soup.find_all("h1")) == 1
    for field in soup.select("input:not([type=hidden]), select, textarea"):
        assert soup.find("label", attrs={"for": field["id"]}), field


def test_theme_switch_is_remembered_without_javascript(client):
    response = client.post("/theme", data={"theme": "dark", "next": "/shop?q=cream"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/shop?q=cream"
    cookie = client.get_cookie("theme")
    assert cookie.value == "dark"
    assert page(client.get("/")).html["data-theme"] == "dark"
    client.post("/theme", data={"theme": "system"})
    assert client.get_cookie("theme") is None
    assert not page(client.get("/")).html.has_attr("data-theme")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil", "shop"])
def test_theme_switch_never_redirects_off_site(client, target):
    response = client.post("/theme", data={"theme": "light", "next": target})
    assert response.headers["Location"] == "/"


def test_forms_need_a_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/theme", data={"theme": "dark"})
    assert response.status_code == 400
    assert "form had expired" in response.get_data(as_text=True)
    token = page(client.get("/")).select_one(".theme-switch input[name=csrf_token]")["value"]
    response = client.post("/theme", data={"theme": "dark", "csrf_token": token})
    assert response.status_code == 303


def test_unknown_pages_are_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    soup = page(response)
    assert soup.h1.text == "We can’t find that page"
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert soup.select_one("form[role=search]")["action"] == "/shop"


def test_wrong_method_is_a_clear_4xx(client):
    assert client.post("/shop").status_code == 405
    assert client.get("/theme").status_code == 405


def test_server_errors_show_the_friendly_500(app_factory):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("broken on purpose")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Sorry, something went wrong on our side" in response.get_data(as_text=True)


def test_sitemap_lists_pages_categories_and_products(app, client):
    with app.app_context():
        ProductFactory(slug="on-sale")
        ProductFactory(slug="archived", is_active=False)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    urls = [loc.text for loc in root.findall("sm:url/sm:loc", SITEMAP_NS)]
    assert "http://shop.test/" in urls
    assert "http://shop.test/shop" in urls
    assert "http://shop.test/products/on-sale" in urls
    assert "http://shop.test/products/archived" not in urls
    assert any(u.startswith("http://shop.test/shop/category-") for u in urls)
    assert len(urls) == len(set(urls))


def test_robots_txt_points_to_the_sitemap_and_hides_private_pages(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert "Sitemap: http://shop.test/sitemap.xml" in body
    for private in ("/admin/", "/cart", "/checkout", "/orders/"):
        assert f"Disallow: {private}" in body


def test_healthz_checks_the_database(app_factory, tmp_path):
    ok = app_factory().test_client().get("/healthz")
    assert ok.status_code == 200
    assert ok.json == {"status": "ok", "database": "ok"}

    broken = app_factory(
        create_schema=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_media_serves_only_image_files(app, client, tmp_path):
    media = tmp_path / "media" / "products"
    media.mkdir(parents=True)
    (media / "x-400.webp").write_bytes(b"RIFF....WEBP")
    (media / "secret.txt").write_text("no")
    with client.get("/media/products/x-400.webp") as response:
        assert response.status_code == 200
        assert response.data == b"RIFF....WEBP"
        assert "max-age=31536000" in response.headers["Cache-Control"]
    assert client.get("/media/products/secret.txt").status_code == 404
    assert client.get("/media/../test.sqlite3").status_code == 404


def test_templates_load_the_signed_in_user_only_when_they_read_it(app, client, login):
    """Storefront pages never read `current_user`, so rendering one loads nobody (no
    user looked up, no session-protection hash of the visitor's address); the back
    office's templates read it through the proxy and still show who is signed in."""
    from flask_login.signals import user_accessed

    loads = []

    def loaded(sender, **extra):
        loads.append(sender)

    with user_accessed.connected_to(loaded, app):
        assert client.get("/shop").status_code == 200
        assert client.get("/cart").status_code == 200
        assert loads == []
        staff = login("editor")
        loads.clear()
        soup = page(client.get("/admin/"))
    assert staff.email in soup.select_one(".admin-nav__who").text
    assert loads  # the back office's guard and its template loaded the user
