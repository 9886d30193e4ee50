"""Journal pages: publishing states, product links both ways, feed, JSON-LD, query counts."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from shop.catalogue.models import Product, Variant
from shop.comments.models import Comment
from shop.extensions import db
from shop.journal.models import Article
from shop.models import utcnow
from tests.factories import (
    ArticleFactory,
    ArticleProductFactory,
    AuthorFactory,
    ProductFactory,
    ReferenceFactory,
    SkinConcernFactory,
    TagFactory,
    VariantFactory,
)
from tests.helpers import json_ld, page
from tests.helpers.database import sqlite_plan

ATOM = {"a": "http://www.w3.org/2005/Atom"}


@pytest.fixture
def story(app):
    """A published article featuring two products, with a shortcode and references."""
    with app.app_context():
        acne = SkinConcernFactory(slug="acne", name="Acne")
        tag = TagFactory(slug="gut-skin-axis", name="Gut-skin axis")
        author = AuthorFactory(
            name="Jane Okafor", credentials="Dr.", bio="A GP with an interest in skin."
        )
        cream = ProductFactory(slug="barrier-cream", name="Barrier Cream", variants=[])
        VariantFactory(product=cream, sku="BC-50", price_pence=2400, on_hand=3)
        sachets = ProductFactory(slug="synbiotic-sachets", name="Synbiotic Sachets", variants=[])
        VariantFactory(product=sachets, sku="SS-30", price_pence=2900, on_hand=50)
        VariantFactory(product=sachets, sku="SS-60", size_label="60", price_pence=5200, on_hand=50)
        article = ArticleFactory(
            slug="gut-skin-axis",
            title="What is the gut-skin axis?",
            standfirst="How the gut and the skin talk to each other.",
            body=(
                "## The short answer\n\nSignals travel (doi:10.3390/jcm8070987).\n\n"
                "{{ product: barrier-cream }}\n\nMore words.\n\n{{ product: no-such-thing }}\n"
            ),
            author=author,
            concerns=[acne],
            tags=[tag],
            published_at=utcnow() - timedelta(days=10),
            updated_at=utcnow() - timedelta(days=2),
        )
        ArticleProductFactory(article=article, product=sachets, position=0, note="Zinc + fibre.")
        ArticleProductFactory(article=article, product=cream, position=1, note="")
        ReferenceFactory(article=article, position=0)
        related = ArticleFactory(slug="zinc", title="Zinc and skin", concerns=[acne])
        ArticleFactory(slug="unrelated", title="Something else")
        return {"article": article.id, "cream": cream.id, "related": related.id}


def test_article_page_shows_everything_a_reader_needs(client, story):
    response = client.get("/journal/gut-skin-axis")
    assert response.status_code == 200
    soup = page(response)
    assert soup.h1.text == "What is the gut-skin axis?"
    meta = soup.select_one(".article__meta").get_text(" ", strip=True)
    assert "By Dr. Jane Okafor" in meta and "min read" in meta and "Updated" in meta
    body = soup.select_one(".article__body")
    assert body.h2.text == "The short answer"
    assert body.find("a", href="https://doi.org/10.3390/jcm8070987")
    # The shortcode became a live product card; the unknown one rendered nothing.
    card = body.select_one(".inline-product")
    assert "Barrier Cream" in card.text and "£24.00" in card.text and "Low stock" in card.text
    assert card.find("form", action="/cart/add")
    assert "no-such-thing" not in body.text and "{{" not in body.text
    # Shop this article, in the editor's order, with notes and add-to-cart.
    items = soup.select(".shop-article__item")
    assert [i.select_one(".shop-article__name").text for i in items] == [
        "Synbiotic Sachets",
        "Barrier Cream",
    ]
    assert "Zinc + fibre." in items[0].text
    assert len(items[0].select("select[name=variant_id] option")) == 2
    # References with links, author bio, related articles.
    ref = soup.select_one(".references li")
    assert ref.find("a", href="https://pubmed.ncbi.nlm.nih.gov/31284694/")
    assert "A GP with an interest in skin." in soup.select_one(".article__author").text
    related = [a.text for a in soup.select("#related-heading ~ .article-grid .article-card__title")]
    assert related == ["Zinc and skin"]


def test_buying_from_shop_this_article(app, client, story):
    soup = page(client.get("/journal/gut-skin-axis"))
    form = soup.select(".shop-article__item form")[1]
    data = {i["name"]: i.get("value", "") for i in form.select("input")}
    response = client.post(form["action"], data=data)
    assert response.status_code == 303
    with app.app_context():
        from shop.cart.models import CartLine

        line = db.session.scalar(db.select(CartLine))
        assert (line.variant.sku, line.quantity) == ("BC-50", 1)


def test_an_articles_product_cards_offer_the_sizes_on_sale_in_their_order(app, client, story):
    """The inline card and "Shop this article" offer a product's active sizes that are
    in stock, in their order, priced from the cheapest; a sold-out product shows its
    badge instead of a form."""
    with app.app_context():
        serum = ProductFactory(slug="night-serum", name="Night Serum", variants=[])
        VariantFactory(product=serum, size_label="100 ml", price_pence=4200, position=2)
        VariantFactory(product=serum, size_label="30 ml", price_pence=1900, position=0)
        VariantFactory(product=serum, size_label="50 ml", price_pence=2600, position=1, on_hand=0)
        VariantFactory(
            product=serum, size_label="Old", price_pence=900, position=3, is_active=False
        )
        gone = ProductFactory(slug="gone-balm", name="Gone Balm", variants=[])
        VariantFactory(product=gone, on_hand=2, reserved=2)
        article = db.session.get(Article, story["article"])
        ArticleProductFactory(article=article, product=serum, position=7, note="At night.")
        ArticleProductFactory(article=article, product=gone, position=8)
        article.body += "\n{{ product: night-serum }}\n"
        db.session.commit()
    soup = page(client.get("/journal/gut-skin-axis"))
    inline = [c for c in soup.select(".inline-product") if "Night Serum" in c.text][0]
    items = {
        i.select_one(".shop-article__name").text: i for i in soup.select(".shop-article__item")
    }
    for card in (inline, items["Night Serum"]):
        options = [o.text for o in card.select("select option")]
        assert options == ["30 ml, £19.00", "100 ml, £42.00"]
        assert "from" in card.select_one(".price-from").text
        assert card.select_one(".price").text == "£19.00"
    assert items["Night Serum"].select_one(".shop-article__note").text == "At night."
    assert items["Gone Balm"].select_one("form") is None
    assert "Sold out" in items["Gone Balm"].text


def test_drafts_and_future_articles_are_not_public_until_their_time(app, client, story):
    with app.app_context():
        ArticleFactory(slug="draft", status="draft", published_at=None)
        ArticleFactory(slug="later", status="scheduled", published_at=utcnow() + timedelta(hours=2))
    for slug in ("draft", "later"):
        assert client.get(f"/journal/{slug}").status_code == 404
        assert f"/journal/{slug}" not in client.get("/journal").get_data(as_text=True)
        assert f"/journal/{slug}" not in client.get("/journal/feed.xml").get_data(as_text=True)
        assert f"/journal/{slug}" not in client.get("/sitemap.xml").get_data(as_text=True)
    # Its time comes: it appears on its own, with nothing else to run.
    with app.app_context():
        article = db.session.scalar(db.select(Article).filter_by(slug="later"))
        article.published_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert client.get("/journal/later").status_code == 200
    assert "/journal/later" in client.get("/journal").get_data(as_text=True)


def test_journal_pages_count_public_articles_only(app, client, story):
    """The index counts its total apart from reading its page when it is not filtered
    (shop.paging.windowed's count_apart): drafts and articles whose time has not come
    are in neither, and the last page is where the public articles end."""
    with app.app_context():
        for n in range(14):
            ArticleFactory(slug=f"public-{n}", published_at=utcnow() - timedelta(hours=n + 1))
        for n in range(10):
            ArticleFactory(slug=f"draft-{n}", status="draft", published_at=None)
            ArticleFactory(
                slug=f"later-{n}", status="scheduled", published_at=utcnow() + timedelta(hours=2)
            )

    def shown(path: str) -> tuple[list[str], list[str]]:
        soup = page(client.get(path))
        slugs = [a["href"].rsplit("/", 1)[-1] for a in soup.select(".article-card__title a")]
        pages = [item.get_text(" ", strip=True) for item in soup.select(".pagination li")]
        return slugs, pages

    # 14 new and the story's 3: 17 public articles, two pages of 9.
    first, pages = shown("/journal")
    assert first == [f"public-{n}" for n in range(9)]
    assert pages == ["1", "Page 2"]
    second, _ = shown("/journal?page=2")
    assert second[:5] == [f"public-{n}" for n in range(9, 14)] and len(second) == 8
    assert shown("/journal?page=99")[0] == second  # past the end: the last page
    assert not [slug for slug in first + second if slug.startswith(("draft", "later"))]


def test_sqlite_reads_the_newest_articles_from_the_published_at_index(app, client, story):
    """The home page's newest articles, an article's related ones and the journal's first
    page read ix_article_published_at newest first and stop after what they show: no
    index on the status alone lures SQLite (which keeps no statistics) into reading every
    public article and sorting them."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's plans")
    for path, marker in (
        ("/", "FROM article"),
        ("/journal/gut-skin-axis", "article.id != "),
        ("/journal", " AS total"),
    ):
        plan = sqlite_plan(app, client, path, marker)
        assert "SEARCH article USING INDEX ix_article_published_at" in plan, (path, plan)
        assert "ix_article_status" not in plan, (path, plan)


def test_archived_products_leave_the_article_without_breaking_it(app, client, story):
    with app.app_context():
        db.session.get(Product, story["cream"]).is_active = False
        db.session.commit()
    response = client.get("/journal/gut-skin-axis")
    assert response.status_code == 200
    soup = page(response)
    names = [i.select_one(".shop-article__name").text for i in soup.select(".shop-article__item")]
    assert names == ["Synbiotic Sachets"]
    assert soup.select_one(".inline-product") is None


def test_sold_out_products_show_their_state_without_a_buy_button(app, client, story):
    with app.app_context():
        db.session.scalar(db.select(Variant).filter_by(sku="BC-50")).on_hand = 0
        db.session.commit()
    soup = page(client.get("/journal/gut-skin-axis"))
    card = soup.select_one(".inline-product")
    assert "Sold out" in card.text and card.find("form") is None


def test_product_pages_link_back_to_articles(app, client, story):
    soup = page(client.get("/products/barrier-cream"))
    links = [a["href"] for a in soup.select(".featured-in a")]
    assert links == ["/journal/gut-skin-axis"]
    with app.app_context():
        db.session.get(Article, story["article"]).status = "draft"
        db.session.commit()
    assert page(client.get("/products/barrier-cream")).select_one(".featured-in") is None


def test_featured_in_shows_the_newest_four_public_articles(app, client, story):
    """ "Featured in the journal", read with the product's other parts: the four newest
    articles readers may see that recommend it, newest first; not a draft, nor one
    scheduled for later, nor one that recommends another product."""
    now = utcnow()
    with app.app_context():
        cream = db.session.get(Product, story["cream"])
        other = ProductFactory(slug="other-cream")
        for slug, status, days, product in [
            ("older", "published", -30, cream),
            ("newest", "published", -1, cream),
            ("scheduled-past", "scheduled", -2, cream),
            ("middle", "published", -5, cream),
            ("scheduled-later", "scheduled", 3, cream),
            ("a-draft", "draft", -1, cream),
            ("about-another", "published", 0, other),
        ]:
            article = ArticleFactory(
                slug=slug, status=status, published_at=now + timedelta(days=days)
            )
            ArticleProductFactory(article=article, product=product, position=0)
        db.session.commit()
    soup = page(client.get("/products/barrier-cream"))
    links = [a["href"] for a in soup.select(".featured-in a")]
    # The story's article (ten days old) is the fourth; "older" would be the fifth.
    assert links == [
        "/journal/newest",
        "/journal/scheduled-past",
        "/journal/middle",
        "/journal/gut-skin-axis",
    ]


def test_journal_index_filters_and_home_shows_latest(client, story):
    soup = page(client.get("/journal"))
    titles = [a.text for a in soup.select(".article-card__title a")]
    assert set(titles) == {"What is the gut-skin axis?", "Zinc and skin", "Something else"}
    assert titles[-1] == "What is the gut-skin axis?"  # newest first: it is the oldest
    acne = [
        a.text for a in page(client.get("/journal?concern=acne")).select(".article-card__title a")
    ]
    assert set(acne) == {"What is the gut-skin axis?", "Zinc and skin"}
    tagged = page(client.get("/journal?tag=gut-skin-axis")).select(".article-card__title a")
    assert [a.text for a in tagged] == ["What is the gut-skin axis?"]
    for bad in ("?page=-1", "?page=x", "?concern=<x>", "?tag=" + "z" * 5000, "?page=99999"):
        assert client.get("/journal" + bad).status_code == 200
    home = page(client.get("/"))
    assert len(home.select("#journal-heading ~ .article-grid li")) == 3


def test_article_json_ld(client, story):
    [data, crumbs] = json_ld(client.get("/journal/gut-skin-axis"))
    assert data["@type"] == "Article"
    assert data["headline"] == "What is the gut-skin axis?"
    assert data["author"]["name"] == "Jane Okafor"
    assert data["url"] == "http://shop.test/journal/gut-skin-axis"
    assert data["datePublished"] < data["dateModified"]
    assert data["publisher"]["name"] == "Flora & Barrier"
    # The visible breadcrumbs, as a BreadcrumbList on the shop's own address.
    assert crumbs["@type"] == "BreadcrumbList"
    assert [(i["position"], i["name"], i["item"]) for i in crumbs["itemListElement"]] == [
        (1, "Home", "http://shop.test/"),
        (2, "Journal", "http://shop.test/journal"),
        (3, "What is the gut-skin axis?", "http://shop.test/journal/gut-skin-axis"),
    ]


def test_atom_feed_is_valid(client, story):
    response = client.get("/journal/feed.xml")
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for required in ("a:id", "a:title", "a:updated", "a:link[@rel='self']"):
        assert root.find(required, ATOM) is not None, required
    entries = root.findall("a:entry", ATOM)
    assert len(entries) == 3
    for entry in entries:
        for required in ("a:id", "a:title", "a:updated", "a:published", "a:author/a:name"):
            assert entry.find(required, ATOM).text, required
    first = next(e for e in entries if e.find("a:title", ATOM).text == "What is the gut-skin axis?")
    content = first.find("a:content", ATOM)
    assert content.get("type") == "html"
    assert "<h2>The short answer</h2>" in content.text


def test_articles_are_in_the_sitemap(client, story):
    body = client.get("/sitemap.xml").get_data(as_text=True)
    assert "http://shop.test/journal/gut-skin-axis" in body
    assert "http://shop.test/journal</loc>" in body


def test_article_page_query_count_does_not_grow_with_linked_products(
    app, client, story, count_queries
):
    client.get("/journal/gut-skin-axis")
    with count_queries() as few:
        client.get("/journal/gut-skin-axis")
    with app.app_context():
        article = db.session.get(Article, story["article"])
        extra = [ProductFactory(slug=f"extra-{n}") for n in range(12)]
        for n, product in enumerate(extra):
            ArticleProductFactory(article=article, product=product, position=10 + n)
        article.body += "".join(f"\n{{{{ product: extra-{n} }}}}\n" for n in range(12))
        db.session.commit()
    with count_queries() as many:
        soup = page(client.get("/journal/gut-skin-axis"))
    assert len(soup.select(".shop-article__item")) == 14
    assert len(soup.select(".inline-product")) == 13
    assert len(many) == len(few)


def test_shortcode_cards_follow_the_same_rules_featured_or_not(app, client, story):
    """A card for every shortcode naming a product on sale, whether the article features
    it or not; none for archived products, products with no size on sale, or unknowns."""
    with app.app_context():
        article = db.session.get(Article, story["article"])
        ProductFactory(slug="not-featured", name="Not Featured Serum")
        ProductFactory(slug="archived-not-featured", name="Archived Serum", is_active=False)
        no_sizes = ProductFactory(slug="no-sizes", name="Sizeless Balm", variants__is_active=False)
        ArticleProductFactory(article=article, product=no_sizes, position=5)
        article.body += (
            "\n{{ product: not-featured }}\n\n{{ product: archived-not-featured }}\n"
            "\n{{ product: no-sizes }}\n\n{{ product: synbiotic-sachets }}\n"
        )
        db.session.commit()
    soup = page(client.get("/journal/gut-skin-axis"))
    cards = [c.select_one(".inline-product__name").text for c in soup.select(".inline-product")]
    assert cards == ["Barrier Cream", "Not Featured Serum", "Synbiotic Sachets"]
    shop_items = [
        i.select_one(".shop-article__name").text for i in soup.select(".shop-article__item")
    ]
    assert shop_items == ["Synbiotic Sachets", "Barrier Cream"]


def test_featured_products_are_not_read_twice_for_their_cards(app, client, story, count_queries):
    client.get("/journal/gut-skin-axis")
    with count_queries() as with_unknown:
        client.get("/journal/gut-skin-axis")
    with app.app_context():
        article = db.session.get(Article, story["article"])
        article.body = article.body.replace("{{ product: no-such-thing }}", "")
        db.session.commit()
    with count_queries() as featured_only:
        soup = page(client.get("/journal/gut-skin-axis"))
    assert len(soup.select(".inline-product")) == 1
    # The shortcode naming no featured product is looked up (one statement finds nothing);
    # the featured product's card needs nothing more than "Shop this article" read.
    assert len(featured_only) == len(with_unknown) - 1
    # The header's shelves (2); the article (1), its featured products with their sizes
    # and pictures (1), its concerns, tags, references and the comments shown under it
    # (1); related articles with their comment counts (1).
    assert len(featured_only) <= 6, featured_only


def test_tags_concerns_and_references_keep_their_order(app, client):
    """An article's parts, read as plain rows in one statement, come in each one's own
    order: tags by name, concerns and references by position, whatever order they were
    added in."""
    with app.app_context():
        article = ArticleFactory(slug="ordered", title="In order")
        article.tags = [TagFactory(slug=s, name=n) for s, n in [("z", "Zinc"), ("b", "Barrier")]]
        article.concerns = [
            SkinConcernFactory(slug="later", name="Later", position=2),
            SkinConcernFactory(slug="first", name="First", position=1),
        ]
        ReferenceFactory(article=article, position=1, citation="Second source.")
        ReferenceFactory(article=article, position=0, citation="First source.")
        db.session.commit()
    soup = page(client.get("/journal/ordered"))
    assert [a.text for a in soup.select(".article__tags a")] == ["#Barrier", "#Zinc"]
    assert [a.text for a in soup.select(".chips .chip")][:2] == ["First", "Later"]
    citations = [li.get_text(" ", strip=True) for li in soup.select(".references li")]
    assert citations[0].startswith("First source.") and citations[1].startswith("Second")


def test_journal_index_reads_its_cards_with_their_comment_counts_in_one_statement(
    app, client, story, count_queries
):
    """A page of the index is its cards, with their authors, comment counts and the
    total, in one statement, however many articles and comments there are."""
    client.get("/journal")

    def counted(*paths: str) -> dict[str, int]:
        found = {}
        for path in paths:
            with count_queries() as statements:
                assert client.get(path).status_code == 200
            found[path] = len(statements)
        return found

    few = counted("/journal", "/journal?concern=acne&tag=gut-skin-axis")
    with app.app_context():
        for n in range(12):
            article = ArticleFactory(slug=f"more-{n}", published_at=utcnow() - timedelta(hours=n))
            db.session.add(Comment(article=article, body="Thanks.", status="approved"))
        db.session.commit()
    many = counted("/journal", "/journal?concern=acne&tag=gut-skin-axis", "/journal?page=2")
    cards = page(client.get("/journal")).select(".article-card")
    assert len(cards) == 9 and len(page(client.get("/journal?page=2")).select(".article-card")) == 6
    assert cards[0].select_one(".article-card__comments").get_text() == "1 comment"
    assert few.items() <= many.items()
    # The header's shelves, the concerns and tags to filter by (one each) and the page.
    assert set(many.values()) == {4}, many


def test_public_articles_are_found_by_statuses_sent_as_parameters(app, client, story):
    """The statuses readers may see are two comparisons (shop.journal.models.public_at),
    not a list SQLAlchemy writes into the statement's text each time it is sent (an
    "expanding" parameter: 30 us of a product page's parts statement on every request).
    What the pages still write in are lists whose length varies: the products and
    services an article's shortcodes name, the concerns and tags its related articles
    share or the journal is filtered by."""
    from sqlalchemy import event

    written_in: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        compiled = getattr(context, "compiled", None)
        for parameter in getattr(compiled, "post_compile_params", ()):
            written_in.append(parameter.key)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for path in ("/journal/gut-skin-axis", "/products/barrier-cream", "/", "/journal"):
            assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert not [key for key in written_in if "status" in key]
    assert all("slug" in key or key in {"concern_ids", "tag_ids"} for key in written_in)
