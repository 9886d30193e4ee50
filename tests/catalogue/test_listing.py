"""The shop listings: categories, filters, search, sort, pagination and bad input."""

import re

import pytest
from sqlalchemy import select, text

from shop.catalogue.models import Category, Product
from shop.extensions import db
from tests.factories import CategoryFactory, ProductFactory
from tests.helpers import card_names, page
from tests.helpers.database import POSTGRES_URL, sqlite_plan

pytestmark = pytest.mark.usefixtures("small_catalogue")


def test_shop_lists_products_on_sale_only(client):
    response = client.get("/shop")
    assert response.status_code == 200
    names = card_names(response)
    assert set(names) == {
        "Barrier Cream",
        "Clarifying Gel Cleanser",
        "Live Bacteria Capsules",
        "Oat Milk Cleanser",
    }
    assert "Showing 1–4 of 4 products" in page(response).select_one(".listing__count").text


def test_products_with_sizes_show_from_price_and_stock(client):
    soup = page(client.get("/shop"))
    cream = next(c for c in soup.select(".product-card") if "Barrier Cream" in c.text)
    assert "from" in cream.select_one(".product-card__meta").text
    assert "£24.00" in cream.text
    assert "In stock" in cream.text


def test_category_page_shows_its_products_and_its_children(client):
    assert card_names(client.get("/shop/cleansers")) == [
        "Clarifying Gel Cleanser",
        "Oat Milk Cleanser",
    ]
    skincare = card_names(client.get("/shop/skincare"))
    assert set(skincare) == {"Barrier Cream", "Clarifying Gel Cleanser", "Oat Milk Cleanser"}
    soup = page(client.get("/shop/skincare"))
    assert soup.h1.text == "Skincare"
    assert {a.text for a in soup.select(".page-header .chip")} == {"Moisturisers", "Cleansers"}


def test_a_shelf_shows_its_parent_description_and_children_in_their_order(app, client):
    """A shelf's own part of its listing (read with its parent and children in one
    statement): the parent in the breadcrumbs, its description, its children as links in
    their position's order (not the order they were made in), none on a leaf shelf, and
    the children's products listed with its own."""
    with app.app_context():
        skincare = db.session.scalar(select(Category).where(Category.slug == "skincare"))
        skincare.description = "Creams & cleansers with live cultures."
        later = CategoryFactory(slug="toners", name="Toners", parent=skincare, position=10_000)
        first = CategoryFactory(slug="balms", name="Balms", parent=skincare, position=-1)
        assert later.id < first.id
        ProductFactory(slug="night-balm", name="Night Balm", category=first)
        db.session.commit()
    soup = page(client.get("/shop/skincare"))
    assert soup.select_one(".page-header .lede").text == "Creams & cleansers with live cultures."
    chips = [a.text for a in soup.select(".page-header .chip")]
    assert chips[0] == "Balms" and chips[-1] == "Toners" and len(chips) == 4
    assert soup.select_one(".page-header .chip")["href"] == "/shop/balms"
    assert "Night Balm" in card_names(client.get("/shop/skincare"))
    leaf = page(client.get("/shop/balms"))
    assert [li.get_text(strip=True) for li in leaf.select(".breadcrumbs li")] == [
        "Home",
        "Shop",
        "Skincare",
        "Balms",
    ]
    assert leaf.select_one('.breadcrumbs a[href="/shop/skincare"]') is not None
    assert leaf.select(".page-header .chip") == []
    assert card_names(client.get("/shop/balms")) == ["Night Balm"]


def test_unknown_category_is_the_friendly_404(client):
    response = client.get("/shop/lipsticks")
    assert response.status_code == 404
    assert "We can’t find that page" in response.get_data(as_text=True)


def test_filter_by_concern(client):
    names = card_names(client.get("/shop?concern=acne"))
    assert set(names) == {"Clarifying Gel Cleanser", "Live Bacteria Capsules"}
    assert card_names(client.get("/shop/skincare?concern=acne")) == ["Clarifying Gel Cleanser"]
    soup = page(client.get("/shop?concern=acne"))
    assert soup.select_one("#filter-concern option[selected]")["value"] == "acne"


def test_free_from_flags_must_all_match(client):
    assert set(card_names(client.get("/shop?free_from=vegan"))) == {
        "Barrier Cream",
        "Clarifying Gel Cleanser",
    }
    both = client.get("/shop?free_from=vegan&free_from=fragrance-free")
    assert card_names(both) == ["Barrier Cream"]
    checked = {i["value"] for i in page(both).select("input[name=free_from][checked]")}
    assert checked == {"vegan", "fragrance-free"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("barrier", ["Barrier Cream"]),  # name
        ("BLEMISH-PRONE", ["Clarifying Gel Cleanser"]),  # short description, any case
        ("busy gut", ["Live Bacteria Capsules"]),  # long description, every word
        ("ceramide", ["Barrier Cream"]),  # INCI ingredient
        ("bifidobacterium", ["Live Bacteria Capsules"]),  # strain genus
        ("BB536", ["Live Bacteria Capsules"]),  # strain designation
        ("100%", ["Oat Milk Cleanser"]),  # LIKE wildcards are literal
        ("_", []),
        ("cream capsules", []),  # all words must match
    ],
)
def test_search_across_names_descriptions_ingredients_and_strains(client, query, expected):
    response = client.get("/shop", query_string={"q": query})
    assert response.status_code == 200
    assert card_names(response) == expected


def test_search_without_results_helps_the_shopper(client):
    response = client.get("/shop/cleansers?q=lipstick")
    soup = page(response)
    empty = soup.select_one(".empty-state")
    assert empty is not None
    assert "No products match “lipstick”" in empty.text
    links = {a["href"] for a in empty.select("a")}
    assert "/shop?q=lipstick" in links  # search the whole shop instead
    assert "/shop" in links


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (
            "featured",
            [
                "Clarifying Gel Cleanser",
                "Barrier Cream",
                "Live Bacteria Capsules",
                "Oat Milk Cleanser",
            ],
        ),
        (
            "price-asc",
            [
                "Oat Milk Cleanser",
                "Clarifying Gel Cleanser",
                "Barrier Cream",
                "Live Bacteria Capsules",
            ],
        ),
        (
            "price-desc",
            [
                "Live Bacteria Capsules",
                "Barrier Cream",
                "Clarifying Gel Cleanser",
                "Oat Milk Cleanser",
            ],
        ),
    ],
)
def test_sort(client, sort, expected):
    assert card_names(client.get(f"/shop?sort={sort}")) == expected


def test_sort_newest_first(app, client):
    from datetime import UTC, datetime, timedelta

    with app.app_context():
        category = db.session.scalar(db.select(Category).filter_by(slug="capsules"))
        now = datetime.now(UTC)
        ProductFactory(name="Brand New", category=category, created_at=now + timedelta(days=1))
        ProductFactory(name="Ancient", category=category, created_at=now - timedelta(days=900))
    names = card_names(client.get("/shop/capsules?sort=newest"))
    assert names[0] == "Brand New"
    assert names[-1] == "Ancient"


def test_pagination_keeps_filters_and_clamps_out_of_range_pages(app, client):
    with app.app_context():
        category = db.session.scalar(db.select(Category).filter_by(slug="capsules"))
        for n in range(30):
            ProductFactory(
                name=f"Capsule {n:02d}", category=category, variants__price_pence=100 + n
            )
    first = client.get("/shop/capsules?sort=price-asc")
    assert card_names(first)[:2] == ["Capsule 00", "Capsule 01"]
    pager = page(first).select_one("nav.pagination")
    assert pager.select_one("[aria-current=page]").text == "1"
    next_link = pager.select_one("a[rel=next]")["href"]
    assert "sort=price-asc" in next_link and "page=2" in next_link

    second = client.get(next_link)
    assert card_names(second)[0] == "Capsule 12"
    assert "Showing 13–24 of 31 products" in second.get_data(as_text=True)

    last = client.get("/shop/capsules?sort=price-asc&page=999")
    assert last.status_code == 200
    assert card_names(last)[-1] == "Live Bacteria Capsules"
    assert page(last).select_one(".pagination [aria-current=page]").text == "3"


def test_featured_order_pages_and_total_on_a_shelf_and_the_whole_shop(app, client):
    """The whole shop and a shelf in the featured order count their products apart from
    reading the page (shop.paging.windowed's count_apart): the totals, the pages and a
    page past the end are as every other listing's."""
    with app.app_context():
        category = db.session.scalar(db.select(Category).filter_by(slug="capsules"))
        for n in range(30):
            ProductFactory(name=f"Capsule {n:02d}", category=category, featured_rank=None)
        ProductFactory(name="Zinc Ranked", category=category, featured_rank=0)
    first = client.get("/shop/capsules")
    # Featured first (by rank), then the rest by name.
    assert card_names(first)[:3] == ["Zinc Ranked", "Capsule 00", "Capsule 01"]
    assert "Showing 1–12 of 32 products" in first.get_data(as_text=True)
    second = client.get("/shop/capsules?page=2")
    assert card_names(second)[0] == "Capsule 11"
    assert "Showing 13–24 of 32 products" in second.get_data(as_text=True)
    last = client.get("/shop/capsules?page=999")
    assert card_names(last) == [f"Capsule {n}" for n in range(23, 30)] + ["Live Bacteria Capsules"]
    assert "Showing 25–32 of 32 products" in last.get_data(as_text=True)
    whole = client.get("/shop?page=3")
    assert "Showing 25–35 of 35 products" in whole.get_data(as_text=True)
    assert len(card_names(whole)) == 11


def test_sqlite_reads_the_featured_page_from_the_order_index(app, client):
    """The whole shop's page is the start of ix_product_listing_order, and its total a
    count of that index: no sort of every product on sale, no window over them. A
    search still counts and sorts in one pass."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's plans")
    plan = sqlite_plan(app, client, "/shop", " AS total")
    assert "SCAN product USING INDEX ix_product_listing_order" in plan, plan
    assert "CO-ROUTINE" not in plan, plan  # the window's pass over every row
    search = sqlite_plan(app, client, "/shop?q=cream", " AS total")
    assert "CO-ROUTINE" in search, search


BAD_VALUES = [
    "-3",
    "0",
    "abc",
    "99999999999999999999999",
    "nonsense",
    "",
    "%00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "x" * 10_000,
    "é" * 500,
    "\\",
    "%",
]


@pytest.mark.parametrize("param", ["page", "sort", "concern", "free_from", "q"])
def test_bad_listing_parameters_never_break_the_page(client, param):
    for path in ("/shop", "/shop/cleansers"):
        for value in BAD_VALUES:
            response = client.get(path, query_string={param: value})
            assert response.status_code == 200, (path, param, value[:20])
            body = response.get_data(as_text=True)
            assert "<script>alert(1)</script>" not in body
            # Nonsense is ignored: the page still lists the shelf's products.
            if param != "q":
                assert card_names(response), (path, param, value[:20])


def test_a_long_query_is_cut_and_echoed_escaped(client):
    response = client.get("/shop", query_string={"q": "<b>" + "y" * 5000})
    soup = page(response)
    assert soup.select_one("#filter-q")["value"] == ("<b>" + "y" * 5000)[:200]
    assert "<b>yyy" not in response.get_data(as_text=True)


def test_repeated_parameters_are_handled(client):
    response = client.get("/shop?page=2&page=x&sort=a&sort=price-asc&concern=acne&concern=zzz")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/", "/shop", "/shop/cleansers?sort=newest", "/shop?q=cream"])
def test_cards_leave_the_long_texts_in_the_database(client, count_queries, path):
    """A card shows a name, summary, price, stock and picture: the rows read for it
    carry no long description, directions or warnings."""
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200 and card_names(response)
    columns_read = [re.split(r"\sFROM\s", s, maxsplit=1)[0] for s in statements]
    assert any("product.short_description" in read for read in columns_read), statements
    for column in ("long_description", "how_to_use", "warnings"):
        assert not any(f"product.{column}" in read for read in columns_read), (column, statements)


def test_cards_say_what_the_products_themselves_say(app):
    """A card's plain values (shop.catalogue.cards) are the ORM product's: the lowest
    price and price range over active sizes only, the best-stocked active size less what
    is held for unpaid orders, the rating, and the first picture by position."""
    from decimal import Decimal

    from shop.catalogue.services import (
        ListingFilters,
        featured_products,
        list_products,
        product_stock_state,
    )
    from tests.factories import ProductImageFactory, VariantFactory

    with app.app_context():
        cleansers = db.session.scalar(db.select(Category).filter_by(slug="cleansers"))
        held = ProductFactory(
            slug="held-serum",
            name="Held Serum",
            category=cleansers,
            featured_rank=3,
            review_count=3,
            rating_average=Decimal("4.35"),
            variants__price_pence=2000,
            variants__on_hand=9,
            variants__reserved=8,
        )
        # A cheaper size no longer sold, and one sold out by an unpaid checkout.
        VariantFactory(product=held, sku="HS-OLD", price_pence=900, on_hand=50, is_active=False)
        VariantFactory(product=held, sku="HS-100", price_pence=3100, on_hand=4, reserved=4)
        ProductImageFactory(product=held, stem="products/second", position=1)
        ProductImageFactory(product=held, stem="products/first", position=0, alt_text="First")
        ProductFactory(
            slug="sold-out-balm",
            name="Sold Out Balm",
            category=cleansers,
            variants__on_hand=3,
            variants__reserved=3,
        )
        db.session.commit()

    with app.app_context():
        cards = list_products(ListingFilters(), None, per_page=50).items + featured_products()
        products = {p.slug: p for p in db.session.scalars(db.select(Product))}
        assert {"held-serum", "sold-out-balm"} <= {card.slug for card in cards}
        for card in cards:
            product = products[card.slug]
            assert (card.id, card.name, card.short_description) == (
                product.id,
                product.name,
                product.short_description,
            )
            assert card.lowest_price == product.lowest_price, card.slug
            assert card.has_price_range == product.has_price_range, card.slug
            assert card.best_available == product.best_available, card.slug
            assert card.rating == product.rating and card.review_count == product.review_count
            assert product_stock_state(card, 5) is product_stock_state(product, 5)
            image, orm_image = card.main_image, product.main_image
            if orm_image is None:
                assert image is None, card.slug
            else:
                fields = ("stem", "widths", "width", "height", "alt_text")
                assert [getattr(image, f) for f in fields] == [
                    getattr(orm_image, f) for f in fields
                ]
        held = next(card for card in cards if card.slug == "held-serum")
        assert (held.lowest_price, held.has_price_range, held.best_available) == (2000, True, 1)
        assert held.rating == Decimal("4.4") and held.main_image.stem == "products/first"
        balm = next(card for card in cards if card.slug == "sold-out-balm")
        assert balm.best_available == 0 and not balm.has_price_range


@pytest.mark.skipif(not POSTGRES_URL, reason="plans of prepared statements are PostgreSQL's")
def test_postgres_keeps_one_plan_for_a_listings_first_page(app, client):
    """A listing's first page is written into its statement (LIMIT and OFFSET are not
    bound parameters), and PostgreSQL keeps one plan for it. With them as parameters
    it planned the statement again on every request of the benchmark's 1,000 products
    (bench/RESULTS.md, issue 18's eleventh step); a catalogue this small gets a kept
    plan either way, so this checks the statement's form and the kept plan."""
    # The whole shop counts apart from its page; an order by price counts in a window.
    for path, total in (("/shop", "%(SELECT count(*)%"), ("/shop?sort=price-asc", "%OVER ()%")):
        for _ in range(16):
            assert client.get(path).status_code == 200
        with app.app_context():
            plans = db.session.execute(
                text(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE"
                    " statement LIKE :total AND statement LIKE '%LIMIT 12 OFFSET 0)%'"
                ),
                {"total": total},
            ).all()
            db.session.remove()
        assert len(plans) == 1, f"the first page's statement of {path} was not prepared as one"
        assert plans[0].generic_plans > 0, f"{path} was planned again on every request"
