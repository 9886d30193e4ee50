"""The product page: variants, prices, stock, formulation, structured data and SEO tags."""

import pytest

from shop.catalogue.models import Product, Variant
from shop.extensions import db
from tests.factories import (
    IngredientFactory,
    NutrientFactory,
    ProductFactory,
    ProductImageFactory,
    StrainFactory,
    VariantFactory,
)
from tests.helpers import json_ld, page


@pytest.fixture
def sachets(app, shelves):
    """A supplement with three sizes (in stock, low, sold out) and a full formulation."""
    from shop.catalogue.models import Category, SkinConcern

    with app.app_context():
        category = db.session.scalar(db.select(Category).filter_by(slug="capsules"))
        acne = db.session.scalar(db.select(SkinConcern).filter_by(slug="acne"))
        product = ProductFactory(
            slug="synbiotic-sachets",
            name="Synbiotic Sachets",
            short_description="Live cultures, prebiotic fibre and zinc in one sachet.",
            long_description="Paragraph one.\n\nParagraph two.",
            how_to_use="Stir one sachet into a glass of cold water.",
            warnings="Do not exceed the recommended daily intake.",
            serving_size="1 sachet (4 g)",
            category=category,
            concerns=[acne],
            variants=[],
        )
        VariantFactory(
            product=product,
            sku="SS-30",
            size_label="30 sachets",
            price_pence=3200,
            on_hand=40,
            position=0,
        )
        VariantFactory(
            product=product,
            sku="SS-60",
            size_label="60 sachets",
            price_pence=5800,
            compare_at_pence=6400,
            on_hand=5,
            reserved=2,
            position=1,
        )
        VariantFactory(
            product=product,
            sku="SS-90",
            size_label="90 sachets",
            price_pence=8100,
            on_hand=4,
            reserved=4,
            position=2,
        )
        StrainFactory(
            product=product,
            position=0,
            genus="Lactobacillus",
            species="acidophilus",
            designation="LA-5",
            cfu_per_serving=6_000_000_000,
        )
        StrainFactory(
            product=product,
            position=1,
            genus="Bifidobacterium",
            species="animalis subsp. lactis",
            designation="BB-12",
            cfu_per_serving=4_000_000_000,
            guaranteed_to_best_before=False,
        )
        NutrientFactory(product=product, name="Zinc", amount="10.000", unit="mg", nrv_percent=100)
        NutrientFactory(product=product, name="Inulin", amount="2.5", unit="g", nrv_percent=None)
        IngredientFactory(
            product=product,
            position=0,
            inci_name="Inulin (from chicory root)",
            function="Prebiotic fibre",
        )
        IngredientFactory(
            product=product, position=1, inci_name="Zinc gluconate", function="Source of zinc"
        )
        ProductImageFactory(
            product=product,
            stem="products/synbiotic-sachets-1",
            alt_text="A box of synbiotic sachets",
        )
        return {v.sku: v.id for v in product.variants}


def test_product_page_shows_what_a_shopper_needs(client, sachets):
    response = client.get("/products/synbiotic-sachets")
    assert response.status_code == 200
    soup = page(response)
    assert soup.h1.text == "Synbiotic Sachets"
    # The first size in stock is chosen; its price is shown with VAT included.
    price = soup.select_one(".product__price")
    assert "£32.00" in price.text and "incl. VAT" in price.text and "In stock" in price.text
    # Every size, its price and its stock state.
    options = {
        o.select_one(".variant-option__size").text: o for o in soup.select(".variant-option")
    }
    assert list(options) == ["30 sachets", "60 sachets", "90 sachets"]
    assert "£58.00" in options["60 sachets"].text and "£64.00" in options["60 sachets"].text
    assert "Low stock" in options["60 sachets"].text
    assert "Sold out" in options["90 sachets"].text
    assert options["90 sachets"].input.has_attr("disabled")
    assert options["30 sachets"].input.has_attr("checked")
    # Formulation tables.
    captions = [c.text for c in soup.select(".formulation caption")]
    assert captions[0] == "Live bacterial strains per serving"
    strains = [row.get_text(" ", strip=True) for row in soup.select(".formulation tbody tr")]
    assert "Lactobacillus acidophilus LA-5 6 billion CFU Yes" in strains
    assert "Bifidobacterium animalis subsp. lactis BB-12 4 billion CFU At manufacture" in strains
    assert "Zinc 10 mg 100%" in strains
    assert "Inulin 2.5 g –" in strains
    assert "1 Inulin (from chicory root) Prebiotic fibre" in strains
    assert "Total 10 billion CFU" in soup.select_one(".formulation tfoot").get_text(" ", strip=True)
    assert "1 sachet (4 g)" in soup.select_one(".formulation").text
    # Concerns, how to use, warnings, image alt text.
    assert [a.text for a in soup.select(".product__concerns a")] == ["Acne"]
    assert soup.select_one(".product__concerns a")["href"] == "/shop?concern=acne"
    text = soup.get_text(" ", strip=True)
    assert "Stir one sachet into a glass of cold water." in text
    assert "Do not exceed the recommended daily intake." in text
    assert soup.select_one(".product__image")["alt"] == "A box of synbiotic sachets"
    # Breadcrumbs.
    crumbs = [li.get_text(strip=True) for li in soup.select(".breadcrumbs li")]
    assert crumbs == ["Home", "Shop", "Supplements", "Capsules", "Synbiotic Sachets"]


def test_sizes_come_in_their_order_without_the_retired_ones(app, client, sachets):
    """Sizes show by position whatever order they were added in; a retired size is left
    out of the page and its structured data; a shelf with no parent has a short trail."""
    with app.app_context():
        from shop.catalogue.models import Category

        product = db.session.get(Variant, sachets["SS-30"]).product
        VariantFactory(product=product, sku="SS-10", size_label="10 sachets", position=-1)
        VariantFactory(product=product, sku="SS-OLD", size_label="Old box", is_active=False)
        product.category = db.session.scalar(db.select(Category).filter_by(slug="supplements"))
        db.session.commit()
    response = client.get("/products/synbiotic-sachets")
    soup = page(response)
    sizes = [o.text for o in soup.select(".variant-option__size")]
    assert sizes == ["10 sachets", "30 sachets", "60 sachets", "90 sachets"]
    offers = json_ld(response)[0]["offers"]
    assert [offer["sku"] for offer in offers] == ["SS-10", "SS-30", "SS-60", "SS-90"]
    crumbs = [li.get_text(strip=True) for li in soup.select(".breadcrumbs li")]
    assert crumbs == ["Home", "Shop", "Supplements", "Synbiotic Sachets"]


def test_variant_parameter_selects_a_size(client, sachets):
    soup = page(client.get(f"/products/synbiotic-sachets?variant={sachets['SS-60']}"))
    price = soup.select_one(".product__price")
    assert "£58.00" in price.text and "Low stock" in price.text
    assert soup.find("input", value=str(sachets["SS-60"])).has_attr("checked")
    # An unknown or malformed variant falls back to the default size.
    for value in ("999999", "abc", "-1"):
        response = client.get(f"/products/synbiotic-sachets?variant={value}")
        assert response.status_code == 200
        assert "£32.00" in page(response).select_one(".product__price").text


def test_structured_data_matches_the_page_and_the_database(app, client, sachets):
    response = client.get("/products/synbiotic-sachets")
    product_data, crumbs = json_ld(response)
    assert product_data["@type"] == "Product"
    assert product_data["name"] == "Synbiotic Sachets"
    assert product_data["url"] == "http://shop.test/products/synbiotic-sachets"
    assert product_data["image"] == ["http://shop.test/media/products/synbiotic-sachets-1-800.webp"]
    with app.app_context():
        variants = db.session.scalars(db.select(Variant).order_by(Variant.position)).all()
        expected = {v.sku: (f"{v.price_pence / 100:.2f}", v.on_hand - v.reserved) for v in variants}
    offers = {offer["sku"]: offer for offer in product_data["offers"]}
    assert set(offers) == set(expected)
    availability = {
        "SS-30": "https://schema.org/InStock",
        "SS-60": "https://schema.org/LimitedAvailability",
        "SS-90": "https://schema.org/OutOfStock",
    }
    for sku, (price, _available) in expected.items():
        assert offers[sku]["@type"] == "Offer"
        assert offers[sku]["price"] == price
        assert offers[sku]["priceCurrency"] == "GBP"
        assert offers[sku]["availability"] == availability[sku]
    # The visible price of each size agrees with its offer.
    soup = page(response)
    for option in soup.select(".variant-option"):
        sku_id = int(option.input["value"])
        sku = next(s for s, i in sachets.items() if i == sku_id)
        assert f"£{offers[sku]['price']}" in option.select_one(".variant-option__price").text

    assert crumbs["@type"] == "BreadcrumbList"
    assert [item["name"] for item in crumbs["itemListElement"]] == [
        "Home",
        "Shop",
        "Supplements",
        "Capsules",
        "Synbiotic Sachets",
    ]
    assert [item["position"] for item in crumbs["itemListElement"]] == [1, 2, 3, 4, 5]
    assert crumbs["itemListElement"][-1]["item"] == product_data["url"]


def test_structured_data_follows_stock_changes(app, client, sachets):
    with app.app_context():
        variant = db.session.get(Variant, sachets["SS-30"])
        variant.on_hand = 0
        db.session.commit()
    product_data, _ = json_ld(client.get("/products/synbiotic-sachets"))
    offer = next(o for o in product_data["offers"] if o["sku"] == "SS-30")
    assert offer["availability"] == "https://schema.org/OutOfStock"


def test_json_ld_cannot_be_broken_out_of(app, client, shelves):
    with app.app_context():
        ProductFactory(slug="evil", name="</script><script>alert(1)</script>")
    response = client.get("/products/evil")
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert json_ld(response)[0]["name"] == "</script><script>alert(1)</script>"


def test_meta_tags(client, sachets):
    soup = page(client.get("/products/synbiotic-sachets?utm_source=x"))
    assert soup.title.text == "Synbiotic Sachets (30 sachets) | Flora & Barrier"
    meta = {
        m.get("name") or m.get("property"): m["content"]
        for m in soup.find_all("meta")
        if m.get("content")
    }
    assert meta["description"] == "Live cultures, prebiotic fibre and zinc in one sachet."
    canonical = soup.find("link", rel="canonical")["href"]
    assert canonical == "http://shop.test/products/synbiotic-sachets"
    assert meta["og:url"] == canonical
    assert meta["og:type"] == "product"
    assert meta["og:title"] == soup.title.text
    assert meta["og:image"].endswith("/media/products/synbiotic-sachets-1-800.webp")
    assert meta["product:price:amount"] == "32.00"


def test_sold_out_everywhere_cannot_be_added(app, client, sachets):
    with app.app_context():
        for variant in db.session.scalars(db.select(Variant)):
            variant.reserved = variant.on_hand
        db.session.commit()
    soup = page(client.get("/products/synbiotic-sachets"))
    assert "Sold out in every size" in soup.text
    assert soup.select_one(".buy-form button[type=submit]") is None


@pytest.mark.parametrize("slug", ["nope", "archived", "no-active-size", "%00", "a" * 500])
def test_missing_archived_or_unsellable_products_are_404(app, client, shelves, slug):
    with app.app_context():
        ProductFactory(slug="archived", is_active=False)
        ProductFactory(slug="no-active-size", variants__is_active=False)
    response = client.get(f"/products/{slug}")
    assert response.status_code == 404
    assert "We can’t find that page" in response.get_data(as_text=True)


def test_archived_products_leave_listings_and_sitemap(app, client, shelves):
    with app.app_context():
        ProductFactory(slug="going", name="Going Soon")
        product = db.session.scalar(db.select(Product).filter_by(slug="going"))
        assert "Going Soon" in client.get("/shop").get_data(as_text=True)
        product.is_active = False
        db.session.commit()
    assert "Going Soon" not in client.get("/shop").get_data(as_text=True)
    assert "/products/going" not in client.get("/sitemap.xml").get_data(as_text=True)


def test_the_page_reads_every_part_in_one_statement(app, client, sachets, count_queries):
    """A product with every part (sizes, pictures, ingredients, strains, nutrients,
    concerns, flags) is read in one statement for itself, its sizes and shelves, and one
    for all the parts the page shows of it; a cream with no strains or nutrients, or a
    product with nothing but pictures, reads no more."""
    from shop.catalogue.models import Category, FreeFromFlag, SkinConcern

    with app.app_context():
        product = db.session.scalar(db.select(Product).filter_by(slug="synbiotic-sachets"))
        product.free_from = [db.session.scalar(db.select(FreeFromFlag).filter_by(slug="vegan"))]
        moisturisers = db.session.scalar(db.select(Category).filter_by(slug="moisturisers"))
        rosacea = db.session.scalar(db.select(SkinConcern).filter_by(slug="rosacea"))
        cream = ProductFactory(
            slug="barrier-cream", name="Barrier Cream", category=moisturisers, concerns=[rosacea]
        )
        IngredientFactory(product=cream, position=0, inci_name="Aqua", function="Solvent")
        ProductImageFactory(product=cream, stem="products/barrier-cream-1")
        bare = ProductFactory(
            slug="bare-cream", name="Bare Cream", category=moisturisers, concerns=[rosacea]
        )
        ProductImageFactory(product=bare, stem="products/bare-cream-1")
        db.session.commit()
    client.get("/products/synbiotic-sachets")
    with count_queries() as everything:
        client.get("/products/synbiotic-sachets")
    with count_queries() as skincare:
        soup = page(client.get("/products/barrier-cream"))
    with count_queries() as bare:
        bare_page = page(client.get("/products/bare-cream"))
    # The header's shelves (1), the product (1), its parts with "Featured in" (1),
    # "Often bought with" (1), and the funnel's view counter (shop.reports.funnel) after
    # the page.
    assert len(everything) <= 5, everything
    assert everything[-1].startswith("INSERT INTO funnel_count"), everything
    assert len(skincare) == len(bare) == len(everything)
    assert not bare_page.select(".formulation table")
    captions = [c.text for c in soup.select(".formulation caption")]
    assert captions == ["Ingredients (INCI), in order of quantity"]
    assert [a.text for a in soup.select(".product__concerns a")] == ["Rosacea"]
    assert soup.select_one(".product__image")["src"].endswith(
        "/media/products/barrier-cream-1-400.webp"
    )
