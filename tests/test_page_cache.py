"""The whole-page cache: visitors share rendered catalogue and journal pages, but each
gets their own CSRF token, newsletter stamp and basket count, and nobody sees a page
that is out of date after staff or a checkout change what it shows."""

import re
from urllib.parse import urlsplit

import pytest
from flask import template_rendered
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import String, delete, insert, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shop.catalogue.models import Product, StockAdjustment, Variant, product_concern
from shop.extensions import db
from shop.models import ShownOnPages
from shop.newsletter.tokens import check_form_stamp
from shop.pagecache import NotForCachedPages
from tests.factories import CategoryFactory, ProductFactory, SkinConcernFactory, VariantFactory
from tests.helpers import page
from tests.helpers.pagecache import PRODUCT, commands_sent, csrf_tokens, is_cached, no_markers
from tests.helpers.staff import AuthActions, make_staff


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


FUNNEL_COUNTER = "INSERT INTO funnel_count"


def statements_for(app, count_queries, client, url):
    """The response to GET `url` and the statements it ran, less the funnel's counter: a
    product page served to a browser is counted once for the reports (shop.reports.funnel:
    in the embedded default, one UPSERT), cached or not."""
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    counted = [s for s in statements if s.startswith(FUNNEL_COUNTER)]
    assert len(counted) == (1 if urlsplit(url).path.startswith("/products/") else 0), counted
    return response, [s for s in statements if not s.startswith(FUNNEL_COUNTER)]


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


def test_machines_share_the_cache_in_redis(app_factory, redis_server, tmp_path, monkeypatch):
    """With REDIS_URL, two apps with their own CACHE_DIR (two machines) share one cache,
    and its generation: a change is one SET of it, never a search through Redis's keys
    (Redis also holds the task queue and the rate limits)."""
    first, second = (
        app_factory(PAGE_CACHE_SECONDS=60, REDIS_URL=redis_server.url, CACHE_DIR=str(folder))
        for folder in (tmp_path / "a", tmp_path / "b")
    )
    with first.app_context():
        shelf = CategoryFactory(slug="moisturisers", name="Moisturisers")
        product = ProductFactory(slug="barrier-cream", name="Barrier Cream", category=shelf)
        variant_id = product.variants[0].id
    first.test_client().get(PRODUCT)
    assert is_cached(second, PRODUCT)
    redis = redis_server.client()
    generation = redis.get("shop-cache:page-generation")
    assert generation is not None
    assert redis.ttl("shop-cache:page-generation") > 60  # outlives the pages kept under it

    with second.app_context():
        sent = commands_sent(monkeypatch)
        db.session.get(Variant, variant_id).price_pence = 3333
        db.session.commit()
    assert sent == [("SET", "shop-cache:page-generation")]
    assert redis.get("shop-cache:page-generation") not in (None, generation)
    assert redis.keys("shop-cache:page:*")  # the old page is left to expire, unread
    assert not is_cached(first, PRODUCT)
    assert "£33.33" in first.test_client().get(PRODUCT).get_data(as_text=True)


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


# Nothing stale: a page rendered before a change is never served after it ---------------


def test_a_page_rendered_while_a_change_is_committed_is_never_served_after_it(
    app_factory, cream, app
):
    """A worker reads the product and renders its page; meanwhile another worker commits
    a new price (and the cache hears of it); then the first keeps its page. That page
    shows the old price to its own visitor, who asked before the change, but to nobody
    after."""
    other_worker = app_factory(PAGE_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True)

    def change_the_price_meanwhile(sender, template, context, **extra):
        if template.name == "catalogue/product.html":
            with other_worker.app_context():
                db.session.get(Variant, cream).price_pence = 2650
                db.session.commit()

    with template_rendered.connected_to(change_the_price_meanwhile, app):
        raced = app.test_client().get(PRODUCT).get_data(as_text=True)
    assert "£24.00" in raced

    for worker in (app, other_worker):
        text = worker.test_client().get(PRODUCT).get_data(as_text=True)
        assert "£26.50" in text and "£24.00" not in text


def test_a_change_committed_after_a_savepoint_was_rolled_back_shows_at_once(app, cream):
    """A savepoint given up inside a change (a duplicate ignored, say) leaves the change
    to be committed, and the cache still hears of it when it is."""
    client = app.test_client()
    assert "£24.00" in client.get(PRODUCT).get_data(as_text=True)
    with app.app_context():
        db.session.get(Variant, cream).price_pence = 2650
        db.session.flush()
        with pytest.raises(LookupError), db.session.begin_nested():
            raise LookupError("given up")
        db.session.commit()
    assert "£26.50" in client.get(PRODUCT).get_data(as_text=True)


def test_a_savepoint_released_inside_a_change_is_not_its_commit(app_factory, cream, app):
    """Releasing a savepoint is not the commit: a visitor who reads the page between the
    two still sees the old price, and the commit then replaces that page."""
    other_worker = app_factory(PAGE_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True)
    with other_worker.app_context():
        db.session.get(Variant, cream).price_pence = 2650
        db.session.flush()
        with db.session.begin_nested():
            pass
        assert "£24.00" in app.test_client().get(PRODUCT).get_data(as_text=True)
        db.session.commit()
    assert "£26.50" in app.test_client().get(PRODUCT).get_data(as_text=True)


# Which changes count: what the models declare ------------------------------------------


class NoticeBase(DeclarativeBase):
    pass


class Notice(ShownOnPages, NoticeBase):
    """A model of no feature's package that declares itself shown on pages."""

    __tablename__ = "page_cache_test_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


def test_a_change_to_a_model_that_says_it_is_shown_renews_the_pages(app, cream):
    app.test_client().get(PRODUCT)
    with app.app_context():
        NoticeBase.metadata.create_all(db.engine)
    try:
        assert is_cached(app, PRODUCT)
        with app.app_context():
            db.session.add(Notice(text="Free delivery this weekend"))
            db.session.commit()
        assert not is_cached(app, PRODUCT)
    finally:
        with app.app_context():
            NoticeBase.metadata.drop_all(db.engine)


def test_a_change_to_a_model_that_is_not_shown_keeps_the_pages(app, cream, count_queries):
    """A stock-taking record is catalogue data that no cached page shows (the size's
    stock, which they do show, is a change of its own)."""
    client = app.test_client()
    client.get(PRODUCT)
    with app.app_context():
        db.session.add(
            StockAdjustment(variant_id=cream, change=0, reason="Counted", on_hand_after=10)
        )
        db.session.commit()
    _response, statements = statements_for(app, count_queries, client, PRODUCT)
    assert statements == []


def test_changes_to_a_shown_association_table_renew_the_pages(app, cream):
    with app.app_context():
        concern = SkinConcernFactory(slug="rosacea", name="Rosacea")
        db.session.execute(
            insert(product_concern).values(
                product_id=db.session.get(Variant, cream).product_id, concern_id=concern.id
            )
        )
        db.session.commit()
    app.test_client().get(PRODUCT)
    assert is_cached(app, PRODUCT)
    with app.app_context():
        db.session.execute(delete(product_concern))
        db.session.commit()
    assert not is_cached(app, PRODUCT)


def test_the_header_shelves_follow_a_change_at_once(app, cream):
    client = app.test_client()
    assert "Cleansers" not in page(client.get("/journal")).select_one(".site-nav").get_text()
    with app.app_context():
        CategoryFactory(slug="cleansers", name="Cleansers")
    assert "Cleansers" in page(client.get(PRODUCT)).select_one(".site-nav").get_text()


def test_the_footer_shelves_follow_a_rename_at_once(app, cream):
    """The shelves fragment (shop.layout.layout) is kept under the generation:
    a shelf renamed by staff shows on the next page, in the header and in the footer."""
    from shop.catalogue.models import Category

    with app.app_context():
        skincare = CategoryFactory(slug="skincare", name="Skincare")
        CategoryFactory(slug="cleansers", name="Cleansers", parent=skincare)
    client = app.test_client()
    footer = page(client.get("/journal")).select_one(".site-footer").get_text()
    assert "Cleansers" in footer and "Face washes" not in footer
    assert is_cached(app, "/journal")
    with app.app_context():
        db.session.scalars(select(Category).filter_by(slug="cleansers")).one().name = "Face washes"
        db.session.scalars(select(Category).filter_by(slug="skincare")).one().name = "Skin"
        db.session.commit()
    shown = page(client.get("/journal"))
    assert "Face washes" in shown.select_one(".site-footer").get_text()
    assert "Cleansers" not in shown.select_one(".site-footer").get_text()
    assert "Skin" in [a.get_text() for a in shown.select(".site-nav a")]


def test_the_layout_is_kept_for_pages_the_cache_does_not_keep(app, cream, count_queries):
    """The basket is never a cached page, but its layout parts (shop.layout: the shelves
    and the footer's fixed parts) are kept between requests: the second basket page
    neither reads the shelves nor shows anything older than a rename made since."""
    from shop import layout, pagecache
    from shop.catalogue.models import Category

    def made_again():
        raise AssertionError("the layout parts were made again")

    with app.app_context():
        skincare = CategoryFactory(slug="skincare", name="Skincare")
        CategoryFactory(slug="cleansers", name="Cleansers", parent=skincare)
    client = app.test_client()
    first = page(client.get("/cart"))
    assert "Cleansers" in first.select_one(".site-footer").get_text()
    with count_queries() as statements:
        again = client.get("/cart")
    assert again.status_code == 200 and not statements  # an empty basket: no query at all
    # The same footer but for the newsletter form's CSRF token and stamp, which are
    # signed with the second they are made in.
    footers = [page(again).select_one(".site-footer"), first.select_one(".site-footer")]
    for footer in footers:
        for signed in footer.select("input[name=csrf_token], input[name=stamp]"):
            assert signed["value"]
            signed["value"] = ""
    assert str(footers[0]) == str(footers[1])
    with app.test_request_context("/cart"):
        kept = pagecache.cached_fragment(layout.FRAGMENT, made_again)
    assert "Cleansers" in kept.footer_shelves and "data-company" in kept.footer_company
    with app.app_context():
        db.session.scalars(select(Category).filter_by(slug="cleansers")).one().name = "Face washes"
        db.session.commit()
    footer = page(client.get("/cart")).select_one(".site-footer")
    assert "Face washes" in footer.get_text() and "Cleansers" not in footer.get_text()
    assert footer.select_one("[data-company]") is not None
    assert len(footer.select("[data-footer-pages] a")) == len(first.select("[data-footer-pages] a"))


def test_the_kept_layout_links_start_with_the_requests_root(app, cream):
    """The footer's kept links are made with the request's root, so a shop mounted
    under a path keeps its own (the fragment is kept per root)."""
    with app.app_context():
        skincare = CategoryFactory(slug="skincare", name="Skincare")
        CategoryFactory(slug="cleansers", name="Cleansers", parent=skincare)
    client = app.test_client()
    for _ in range(2):  # made, then read from the cache
        plain = page(client.get("/cart")).select_one(".site-footer a[href$='/cleansers']")
        mounted = page(client.get("/cart", base_url="http://localhost/uk/"))
        assert plain["href"] == "/shop/cleansers"
        assert mounted.select_one(".site-footer a[href$='/cleansers']")["href"] == (
            "/uk/shop/cleansers"
        )


def test_the_header_marks_the_shelf_being_shown(app, cream):
    client = app.test_client()
    with app.app_context():
        CategoryFactory(slug="supplements", name="Supplements")

    def current(url):
        nav = page(client.get(url)).select_one(".site-nav")
        return [a.get_text(strip=True) for a in nav.select("[aria-current=page]")]

    assert current("/shop/moisturisers") == ["Moisturisers"]
    assert current("/shop/supplements") == ["Supplements"]
    assert current("/shop") == ["Shop all"]
    assert current("/journal") == ["Journal"]
    assert current(PRODUCT) == []


def test_catalogue_changed_is_sent_after_the_commit_with_the_tables(app, cream):
    from shop.signals import catalogue_changed

    heard = []

    def listen(sender, tables):
        heard.append((sender, tables))

    with catalogue_changed.connected_to(listen), app.app_context():
        db.session.get(Variant, cream).price_pence = 2650
        db.session.flush()
        assert heard == []  # not before the commit
        db.session.commit()
        db.session.add(StockAdjustment(variant_id=cream, change=0, reason="x", on_hand_after=1))
        db.session.commit()  # nothing shown changed: nothing sent
        db.session.get(Variant, cream).price_pence = 9999
        db.session.flush()
        db.session.rollback()  # nothing committed: nothing sent
    assert heard == [(app, frozenset({"variant"}))]


# Which page: tracking parameters and their order ---------------------------------------


def test_tracking_parameters_and_the_order_of_parameters_share_one_page(app, cream, count_queries):
    campaign = "/shop?utm_source=spring-mailing&q=barrier&utm_campaign=spring&sort=price-asc"
    first = app.test_client().get(campaign + "&gclid=abc&fbclid=def&mc_eid=ghi")
    assert "Barrier Cream" in first.get_data(as_text=True)
    for address in ("/shop?sort=price-asc&q=barrier", "/shop?q=barrier&sort=price-asc&_ga=1"):
        response, statements = statements_for(app, count_queries, app.test_client(), address)
        assert statements == []
        text = response.get_data(as_text=True)
        assert "Barrier Cream" in text
        # Nothing of the campaign link that first made the page is in it.
        for name in ("utm_", "gclid", "fbclid", "mc_eid", "spring-mailing"):
            assert name not in text
        form = page(response).select_one(".theme-switch input[name=next]")
        assert form["value"] == "/shop?q=barrier&sort=price-asc"


def test_the_pages_own_parameters_still_make_their_own_pages(app, cream):
    with app.app_context():
        product = db.session.get(Variant, cream).product
        larger = VariantFactory(product=product, size_label="100 ml", price_pence=4100, position=1)
        larger_id = larger.id
    client = app.test_client()
    assert "£24.00" in page(client.get(PRODUCT)).select_one("[data-variant-price]").get_text()
    chosen = client.get(f"{PRODUCT}?utm_medium=email&variant={larger_id}")
    assert "£41.00" in page(chosen).select_one("[data-variant-price]").get_text()
    again = client.get(f"{PRODUCT}?variant={larger_id}")
    assert "£41.00" in page(again).select_one("[data-variant-price]").get_text()
    assert "£24.00" in page(client.get(PRODUCT)).select_one("[data-variant-price]").get_text()


# Per-visitor values on a cached page: only through markers ------------------------------


def with_template(app, name: str, source: str, **more: str) -> None:
    """Give `app` its own version of template `name` (and any `more` templates)."""
    app.jinja_loader = ChoiceLoader([DictLoader({name: source, **more}), app.jinja_loader])


def product_page_showing(line: str) -> str:
    return (
        '{% extends "base.html" %}{% block content %}<p id="probe">' + line + "</p>{% endblock %}"
    )


def shopper_with_two_items(app, variant_id):
    """A visitor with two items in their basket (the message saying so already seen)."""
    client = app.test_client()
    assert (
        client.post("/cart/add", data={"variant_id": variant_id, "quantity": 2}).status_code == 303
    )
    assert "added" in client.get("/cart").get_data(as_text=True).lower()
    return client


@pytest.mark.parametrize(
    ("line", "refused"),
    [
        ("{{ cart_item_count() }}", "cart_item_count"),
        ("{{ session.get('cart') }}", "session"),
        ("{% if session %}a basket{% endif %}", "session"),
        ("{{ g.cart }}", "g"),
        ("{{ current_user.is_authenticated }}", "current_user"),
        ("{{ request.cookies.get('session') }}", "request.cookies"),
        ("{{ request.headers['User-Agent'] }}", "request.headers"),
        ("{{ request.url }}", "request.url"),
        ("{{ request.host }}", "request.host"),
        ("{% from '_probe.html' import probe %}{{ probe() }}", "session"),
    ],
)
def test_a_template_cannot_put_a_visitors_own_value_in_a_cached_page(
    app_factory, cream, line, refused
):
    app = app_factory(PAGE_CACHE_SECONDS=60)
    with_template(
        app,
        "catalogue/product.html",
        product_page_showing(line),
        **{"_probe.html": "{% macro probe() %}{{ session.get('cart') }}{% endmacro %}"},
    )
    shopper = shopper_with_two_items(app, cream)
    with pytest.raises(NotForCachedPages, match=rf"^{re.escape(refused)} differs"):
        shopper.get(PRODUCT)
    assert not is_cached(app, PRODUCT)


def test_outside_tests_such_a_page_is_served_to_its_visitor_but_never_kept(
    app_factory, cream, caplog
):
    app = app_factory(PAGE_CACHE_SECONDS=60, TESTING=False)
    with_template(app, "catalogue/product.html", product_page_showing("{{ cart_item_count() }}"))
    shopper = shopper_with_two_items(app, cream)
    assert page(shopper.get(PRODUCT)).select_one("#probe").get_text() == "2"
    assert not is_cached(app, PRODUCT)
    assert page(app.test_client().get(PRODUCT)).select_one("#probe").get_text() == "0"
    assert "cart_item_count differs between visitors" in caplog.text


def test_pages_rendered_for_the_cache_see_the_request_as_keyed(app_factory, cream):
    """What the key is made of stays readable: the path and the page's own parameters,
    in the key's order; and markers are still the way to a visitor's own values."""
    app = app_factory(PAGE_CACHE_SECONDS=60)
    line = (
        "{{ request.path }} {{ request.args.get('variant') }} {{ request.full_path }} "
        "{{ request.endpoint }} {{ cart_count_text() }}"
    )
    with_template(app, "catalogue/product.html", product_page_showing(line))
    shopper = shopper_with_two_items(app, cream)
    shown = shopper.get(PRODUCT + "?variant=7&utm_source=x&a=1")
    assert page(shown).select_one("#probe").get_text() == (
        f"{PRODUCT} 7 {PRODUCT}?a=1&variant=7 catalogue.product_detail 2"
    )
    assert is_cached(app, PRODUCT + "?a=1&variant=7")


def test_pages_that_are_not_cached_still_read_the_visitors_own_values(app_factory, cream):
    from flask import render_template_string

    app = app_factory(PAGE_CACHE_SECONDS=60)
    shopper = shopper_with_two_items(app, cream)
    with app.test_request_context(PRODUCT):
        assert render_template_string("{{ cart_item_count() }}") == "0"
    with_template(app, "catalogue/product.html", product_page_showing("{{ cart_item_count() }}"))
    app.config["PAGE_CACHE_SECONDS"] = 0
    assert page(shopper.get(PRODUCT)).select_one("#probe").get_text() == "2"
