"""Search and sharing tags over every public page of the demo shop: a meta description
of at most 160 characters, Twitter card tags, Open Graph pictures on the home page,
listings and the journal, BreadcrumbList wherever breadcrumbs are shown, and the home
page's value strip, whole rows and newest reviews."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from markupsafe import Markup

from shop.formatting import META_DESCRIPTION_LENGTH, meta_description
from tests.helpers import json_ld, page

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}

# Public pages the sitemap does not list (it lists home, listings, products, articles).
OTHER_PUBLIC_PAGES = [
    "/shop?concern=rosacea",
    "/shop?q=zinc",
    "/shop?sort=price-asc&page=2",
    "/journal?concern=acne",
    "/newsletter",
    "/consultations",
    "/cart",
    "/account/login",
    "/no-such-page",
]


def test_meta_descriptions_are_cut_at_a_word_to_160_characters():
    assert meta_description("  Short   and\nsweet. ") == "Short and sweet."
    long = "word " * 60
    cut = meta_description(long)
    assert len(cut) <= META_DESCRIPTION_LENGTH and cut.endswith("word…")
    assert meta_description("x" * 200) == "x" * 159 + "…"
    # Text from a template block is markup: its entities are read, not cut in half.
    assert meta_description(Markup("Oats &amp; ceramides")) == "Oats & ceramides"


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def public_paths(client) -> list[str]:
    root = ET.fromstring(client.get("/sitemap.xml").data)
    paths = [urlsplit(loc.text).path for loc in root.findall("sm:url/sm:loc", SITEMAP_NS)]
    return paths + OTHER_PUBLIC_PAGES


def test_every_public_page_of_the_demo_has_short_descriptions_and_twitter_tags(demo, client):
    paths = public_paths(client)
    assert len(paths) > 30  # every product and article of the demo
    too_long = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        soup = page(response)
        description = soup.find("meta", attrs={"name": "description"})["content"]
        assert description.strip(), path
        if len(description) > META_DESCRIPTION_LENGTH:
            too_long[path] = len(description)
        assert soup.find("meta", property="og:description")["content"] == description, path
        assert soup.find("meta", attrs={"name": "twitter:description"})["content"] == description
        assert soup.find("meta", attrs={"name": "twitter:title"})["content"] == soup.title.text
        card = soup.find("meta", attrs={"name": "twitter:card"})["content"]
        has_picture = soup.find("meta", property="og:image") is not None
        assert card == ("summary_large_image" if has_picture else "summary"), path
    assert not too_long, too_long
    # The demo's longest short descriptions are cut, at a word.
    lengths = [
        len(page(client.get(p)).find("meta", attrs={"name": "description"})["content"])
        for p in paths
        if p.startswith("/products/")
    ]
    assert max(lengths) <= META_DESCRIPTION_LENGTH


def test_pictures_breadcrumbs_and_the_home_page_of_the_demo(demo, client):
    # An Open Graph picture on the home page, listings and the journal.
    for path in ["/", "/shop", "/shop/skincare", "/journal"]:
        soup = page(client.get(path))
        image = soup.find("meta", property="og:image")["content"]
        assert image.startswith("http://shop.test/media/") and image.endswith(".webp"), path
        assert soup.find("meta", property="og:image:alt")["content"].strip(), path

    # Listings and articles carry their breadcrumbs as structured data.
    [crumbs] = json_ld(client.get("/shop/moisturisers"))
    assert crumbs["@type"] == "BreadcrumbList"
    assert [(i["name"], i["item"]) for i in crumbs["itemListElement"]] == [
        ("Home", "http://shop.test/"),
        ("Shop", "http://shop.test/shop"),
        ("Skincare", "http://shop.test/shop/skincare"),
        ("Moisturisers", "http://shop.test/shop/moisturisers"),
    ]
    [index_crumbs] = json_ld(client.get("/journal"))
    assert [i["name"] for i in index_crumbs["itemListElement"]] == ["Home", "Journal"]
    article = next(p for p in public_paths(client) if p.startswith("/journal/"))
    kinds = [item["@type"] for item in json_ld(client.get(article))]
    assert "BreadcrumbList" in kinds

    # The home page sells the shop, in whole rows.
    soup = page(client.get("/"))
    strip = [" ".join(li.text.split()) for li in soup.select(".value-strip li")]
    assert strip == [
        "Free UK delivery over £40 Standard UK delivery in 2–4 working days",
        "14-day returns Unopened, within 14 days of delivery",
        "Live counts tested Every batch checked by an independent lab",
        "Made in the UK Formulated and made in small batches",
    ]
    # Three across: featured products, reviews and articles fill every row they start.
    for heading in ("featured-heading", "reviews-heading", "journal-heading"):
        items = soup.select(f"#{heading} ~ ul.grid--thirds > li")
        assert items and len(items) % 3 == 0, heading
    reviews = soup.select(".review-card")
    assert len(reviews) == 3
    assert reviews[0].select_one("a")["href"].startswith("/products/")


def test_the_home_page_shows_no_reviews_heading_before_there_are_reviews(client):
    soup = page(client.get("/"))
    assert soup.select_one("#reviews-heading") is None
    assert len(soup.select(".value-strip li")) == 4


def test_a_short_featured_row_is_cut_to_whole_rows(app, client):
    from tests.factories import ProductFactory

    with app.app_context():
        for rank in range(1, 6):
            ProductFactory(featured_rank=rank)
    soup = page(client.get("/"))
    assert len(soup.select("#featured-heading ~ ul > li")) == 3
