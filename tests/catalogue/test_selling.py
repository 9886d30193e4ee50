"""What sells a product on its page: delivery, returns and the saving beside the price,
key facts, questions and answers (shown, with no FAQPage markup), "Often bought with"
from paid orders with the staff's pairings after them, and the Offer's delivery and
returns in the structured data, all from the settings the basket uses."""

from __future__ import annotations

import pytest

from shop.catalogue.models import Product, ProductPairing, ProductQuestion
from shop.catalogue.services import BOUGHT_WITH_ORDERS, often_bought_with
from shop.extensions import db
from shop.orders.models import OrderStatus
from tests.factories import ProductFactory, VariantFactory
from tests.helpers import json_ld, page
from tests.helpers.orders import make_order


def product_id(slug: str) -> int:
    return db.session.scalar(db.select(Product.id).where(Product.slug == slug))


def variant_of(slug: str) -> int:
    product = db.session.scalar(db.select(Product).where(Product.slug == slug))
    return product.variants[0].id


@pytest.fixture
def cream_with_facts(app, small_catalogue):
    """The barrier cream with key facts, two questions and a size on sale (£30, was £36)."""
    with app.app_context():
        cream = db.session.scalar(db.select(Product).filter_by(slug="barrier-cream"))
        cream.highlights = "2% niacinamide\n3 ceramides\nFragrance-free\nVegan\nA fifth line"
        cream.texture = "Soft cream"
        cream.time_to_results = "4 weeks of daily use"
        cream.questions = [
            ProductQuestion(position=0, question="Can I use it at night?", answer="Yes."),
            ProductQuestion(
                position=1, question="Is it <b>safe</b>?", answer="Line one.\n\nLine two."
            ),
        ]
        VariantFactory(
            product=cream,
            sku="BC-SALE",
            size_label="Sale jar",
            price_pence=3000,
            compare_at_pence=3600,
            position=5,
        )
        db.session.commit()


def test_delivery_returns_vat_and_the_saving_sit_beside_the_price(client, cream_with_facts):
    soup = page(client.get("/products/barrier-cream"))
    promises = [" ".join(li.text.split()) for li in soup.select(".product__promises li")]
    assert promises[0] == (
        "Standard UK delivery in 2–4 working days, £3.95, free on orders over £40. "
        "Express UK delivery in 1 working day, £6.95. Delivery details"
    )
    assert promises[1] == (
        "Changed your mind? Return it unopened within 14 days of delivery for a refund. "
        "How returns work"
    )
    links = [a["href"] for a in soup.select(".product__promises a")]
    assert links == ["/pages/delivery", "/pages/returns"]
    assert promises[2] == "Prices include VAT at 20%."
    # The first size is not on sale: no saving shown, but its place is kept for the
    # picker, which fills it in from each size's data-saving.
    saving = soup.select_one("[data-variant-saving]")
    assert saving.has_attr("hidden") and saving.text == ""
    sale = soup.select_one("input[data-saving='Save £6']")
    assert sale is not None
    chosen = page(client.get(f"/products/barrier-cream?variant={sale['value']}"))
    assert chosen.select_one("[data-variant-saving]").text == "Save £6"
    assert chosen.select_one(".product__price .stock").text == "In stock"


def test_delivery_and_returns_follow_the_settings(app_factory):
    app = app_factory(
        SHIPPING_OPTIONS=[
            {
                "code": "tracked",
                "name": "Tracked delivery",
                "price_pence": 450,
                "free_from_pence": 3000,
                "min_days": 3,
                "max_days": 5,
            }
        ],
        RETURN_WINDOW_DAYS=30,
    )
    with app.app_context():
        ProductFactory(slug="cream", name="Cream", variants__price_pence=3500)
    response = app.test_client().get("/products/cream")
    soup = page(response)
    promises = [" ".join(li.text.split()) for li in soup.select(".product__promises li")]
    assert promises[0].startswith("Tracked delivery in 3–5 working days, £4.50")
    assert "free on orders over £30" in promises[0]
    assert "within 30 days" in promises[1]
    [product, _crumbs] = json_ld(response)
    [offer] = product["offers"]
    [shipping] = offer["shippingDetails"]
    assert shipping["shippingLabel"] == "Tracked delivery"
    # £35 alone reaches the £30 threshold, so this size ships free.
    assert shipping["shippingRate"] == {
        "@type": "MonetaryAmount",
        "value": "0.00",
        "currency": "GBP",
    }
    assert shipping["deliveryTime"]["transitTime"]["minValue"] == 3
    assert shipping["deliveryTime"]["transitTime"]["maxValue"] == 5
    assert offer["hasMerchantReturnPolicy"]["merchantReturnDays"] == 30


def test_the_offers_carry_delivery_and_returns(client, cream_with_facts):
    [product, crumbs] = json_ld(client.get("/products/barrier-cream"))
    assert crumbs["@type"] == "BreadcrumbList"
    by_sku = {offer["sku"]: offer for offer in product["offers"]}
    standard, express = by_sku["BC-100"]["shippingDetails"]
    assert standard["shippingRate"]["value"] == "3.95"  # £39 is under the £40 threshold
    assert standard["shippingDestination"] == {"@type": "DefinedRegion", "addressCountry": "GB"}
    assert express["shippingRate"]["value"] == "6.95"
    assert express["deliveryTime"]["transitTime"]["maxValue"] == 1
    policy = by_sku["BC-100"]["hasMerchantReturnPolicy"]
    assert policy == {
        "@type": "MerchantReturnPolicy",
        "applicableCountry": "GB",
        "returnPolicyCategory": "https://schema.org/MerchantReturnFiniteReturnWindow",
        "merchantReturnDays": 14,
        "returnMethod": "https://schema.org/ReturnByMail",
        "returnFees": "https://schema.org/ReturnFeesCustomerResponsibility",
    }


def test_key_facts_and_questions_are_shown_without_faq_markup(client, cream_with_facts):
    response = client.get("/products/barrier-cream")
    soup = page(response)
    facts = soup.select_one(".key-facts")
    # At most four highlights, however many lines staff typed.
    assert [li.text for li in facts.select(".key-facts__highlights li")] == [
        "2% niacinamide",
        "3 ceramides",
        "Fragrance-free",
        "Vegan",
    ]
    assert [
        (dt.text, dd.text) for dt, dd in zip(facts.select("dt"), facts.select("dd"), strict=True)
    ] == [
        ("Texture and format", "Soft cream"),
        ("When most people see a change", "4 weeks of daily use"),
    ]
    assert [a.text for a in soup.select(".product__concerns a")] == ["Rosacea"]
    questions = soup.select(".product-questions__item")
    assert [q.summary.text for q in questions] == ["Can I use it at night?", "Is it <b>safe</b>?"]
    assert [p.text for p in questions[1].select("p")] == ["Line one.", "Line two."]
    assert b"<b>safe</b>" not in response.data  # escaped
    # Visible only: Google keeps FAQ rich results to government and health sites.
    assert all(item.get("@type") != "FAQPage" for item in json_ld(response))
    assert b"FAQPage" not in response.data


def test_a_product_without_key_facts_shows_none_of_their_headings(client, small_catalogue):
    soup = page(client.get("/products/clarifying-gel"))
    assert soup.select_one(".key-facts") is None
    assert soup.select_one(".product-questions") is None
    assert soup.select_one("#bought-with-heading") is None


def paid(*slugs: str, status=OrderStatus.PAID) -> None:
    make_order({variant_of(slug): 1 for slug in slugs}, status)


def test_often_bought_with_ranks_products_by_the_paid_orders_they_share(
    app, client, small_catalogue
):
    with app.app_context():
        paid("barrier-cream", "clarifying-gel")
        paid("barrier-cream", "clarifying-gel", "live-capsules")
        paid("barrier-cream", "live-capsules")
        paid("barrier-cream", "clarifying-gel")
        # Orders that were never paid, or refunded, say nothing about what sells together.
        paid("barrier-cream", "oat-milk-cleanser", status=OrderStatus.PENDING)
        paid("barrier-cream", "oat-milk-cleanser", status=OrderStatus.EXPIRED)
        paid("barrier-cream", "oat-milk-cleanser", status=OrderStatus.REFUNDED)
        # An order without the cream counts for nothing.
        paid("oat-milk-cleanser", "clarifying-gel")
        cream = product_id("barrier-cream")
        assert [p.slug for p in often_bought_with(cream)] == ["clarifying-gel", "live-capsules"]
    soup = page(client.get("/products/barrier-cream"))
    cards = soup.select("#bought-with-heading ~ ul .product-card")
    assert [c.select_one(".product-card__name").text for c in cards] == [
        "Clarifying Gel Cleanser",
        "Live Bacteria Capsules",
    ]
    assert cards[0].select_one(".price").text.strip() == "£16.00"


def test_staff_pairings_fill_the_row_after_what_orders_show(app, small_catalogue):
    with app.app_context():
        cream = product_id("barrier-cream")
        paid("barrier-cream", "live-capsules")
        db.session.add_all(
            [
                # Chosen in this order; one of them is also bought with it (counted first),
                # one is archived and one has no size on sale (neither shown).
                ProductPairing(product_id=cream, paired_product_id=product_id("old-toner")),
                ProductPairing(
                    product_id=cream, paired_product_id=product_id("oat-milk-cleanser"), position=1
                ),
                ProductPairing(
                    product_id=cream, paired_product_id=product_id("no-sizes"), position=2
                ),
                ProductPairing(
                    product_id=cream, paired_product_id=product_id("clarifying-gel"), position=3
                ),
                ProductPairing(
                    product_id=cream, paired_product_id=product_id("live-capsules"), position=4
                ),
            ]
        )
        db.session.commit()
        assert [p.slug for p in often_bought_with(cream)] == [
            "live-capsules",
            "oat-milk-cleanser",
            "clarifying-gel",
        ]
        assert [p.slug for p in often_bought_with(cream, limit=1)] == ["live-capsules"]


def test_often_bought_with_is_one_statement_and_reads_a_bounded_history(
    app, small_catalogue, count_queries
):
    with app.app_context():
        cream = product_id("barrier-cream")
        for _ in range(3):
            paid("barrier-cream", "clarifying-gel", "live-capsules")
        with count_queries() as statements:
            found = often_bought_with(cream)
            # The cards' sizes and pictures came with them.
            [(p.lowest_price, p.main_image) for p in found]
        assert len(statements) == 1, statements
        # The history read is cut to the latest BOUGHT_WITH_ORDERS orders, the row to four.
        assert statements[0].count("LIMIT") >= 2, statements[0]
        assert BOUGHT_WITH_ORDERS == 500
