"""The Preview button: the page again with the article below it as shoppers would
see it, product cards included, nothing saved; and bodies that try to run code."""

from __future__ import annotations

from shop.catalogue.models import Product
from shop.extensions import db
from tests.factories import ArticleFactory, ProductImageFactory
from tests.helpers import page
from tests.helpers.journal_admin import EDITOR, article_by_slug, article_form, resubmit

BODY = (
    "## Why zinc\n\nZinc contributes to the maintenance of normal skin "
    "(doi:10.3390/jcm8070987).\n\n"
    "{{ product: barrier-cream }}\n\n"
    "More words.\n\n"
    "{{ product: no-such-thing }}\n\n"
    "{{ product: old-serum }}\n"
)


def test_preview_shows_the_rendered_article_and_saves_nothing(app, client, editor, shelf):
    with app.app_context():
        cream = db.session.get(Product, shelf["cream"])
        ProductImageFactory(product=cream, stem="products/barrier-cream-1")
    data = article_form(
        body=BODY,
        action="preview",
        concerns=[str(shelf["acne"])],
        author="new",
        new_author_name="Amara Okafor",
        new_author_credentials="Dr",
        new_author_bio="A GP.",
        **{
            "featured-0-product": "synbiotic-sachets",
            "featured-0-note": "Zinc and fibre.",
            "references-0-citation": "Lee YB, et al. J Clin Med. 2019.",
            "references-0-pmid": "31284694",
        },
    )
    response = client.post("/admin/journal/new", data=data)
    assert response.status_code == 200
    soup = page(response)
    # The form is still there, as typed.
    assert soup.select_one(f'{EDITOR} [name="body"]').get_text().strip() == BODY.strip()
    preview = soup.select_one("[data-journal-preview]")
    assert preview.select_one(".article__title").get_text(strip=True) == "Zinc and skin"
    assert "By Dr Amara Okafor" in preview.select_one(".article__meta").get_text(" ", strip=True)
    body = preview.select_one(".article__body")
    assert body.h2.get_text() == "Why zinc"
    assert body.find("a", href="https://doi.org/10.3390/jcm8070987")
    # The same product card shoppers get, with its picture and add-to-basket form.
    card = body.select_one(".inline-product")
    assert "Barrier Cream" in card.get_text() and "£24.00" in card.get_text()
    assert "products/barrier-cream-1-400.webp" in card.img["src"]
    assert card.find("form", action="/cart/add")
    # Unknown and archived products are flagged to staff where the card would be.
    flagged = [p["data-unknown-shortcode"] for p in body.select("[data-unknown-shortcode]")]
    assert flagged == ["no-such-thing", "old-serum"]
    warning = preview.select_one("[data-unknown-shortcodes]").get_text(" ", strip=True)
    assert "no-such-thing" in warning and "old-serum" in warning
    assert [n.get_text() for n in preview.select(".shop-article__name")] == ["Synbiotic Sachets"]
    assert preview.select_one(".shop-article__note").get_text() == "Zinc and fibre."
    assert (
        preview.select_one(".references a")["href"] == "https://pubmed.ncbi.nlm.nih.gov/31284694/"
    )
    assert [chip.get_text() for chip in preview.select(".chip")] == ["Acne"]
    # Nothing was saved.
    assert article_by_slug(app, "zinc-and-skin") is None


def test_preview_of_an_existing_article_does_not_change_it(app, client, editor, shelf):
    with app.app_context():
        article = ArticleFactory(slug="saved", title="Saved title")
        url = f"/admin/journal/{article.id}"
    response = resubmit(client, url, action="preview", title="Unsaved title")
    assert response.status_code == 200
    preview = page(response).select_one("[data-journal-preview]")
    assert preview.select_one(".article__title").get_text(strip=True) == "Unsaved title"
    assert article_by_slug(app, "saved").title == "Saved title"


def test_preview_with_mistakes_still_shows_and_marks_them(app, client, editor):
    data = article_form(
        action="preview",
        slug="Not A Slug",
        **{"references-0-citation": "Cited.", "references-0-url": "javascript:alert(1)"},
    )
    response = client.post("/admin/journal/new", data=data)
    assert response.status_code == 400
    soup = page(response)
    assert soup.select_one("[data-journal-preview] .article__body h2").get_text() == "Zinc"
    assert soup.select_one('[name="slug"]').find_parent(class_="field").select(".field-error")
    # The refused link is not put in the preview.
    assert not soup.select('[data-journal-preview] a[href^="javascript"]')
    assert "Cited." in soup.select_one("[data-journal-preview] .references").get_text()


HOSTILE = (
    "## Hello\n\n"
    "<script>alert('body')</script>\n\n"
    '<img src="x" onerror="alert(1)">\n\n'
    "[click me](javascript:alert(2)) and [data](data:text/html;base64,PHNjcmlwdD4=)\n\n"
    '<a href="https://example.com" onclick="alert(3)">raw link</a>\n'
)


def assert_inert(container) -> None:
    """No script, no event handler, no javascript: or data: link inside `container`."""
    assert container.find("script") is None
    assert container.find("img", src="x") is None
    for tag in container.find_all(True):
        assert not [name for name in tag.attrs if name.lower().startswith("on")], tag
        href = (tag.get("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "data:")), tag


def test_a_hostile_body_is_saved_as_written_but_renders_inert(app, client, editor):
    preview = client.post("/admin/journal/new", data=article_form(body=HOSTILE, action="preview"))
    assert preview.status_code == 200
    body = page(preview).select_one("[data-journal-preview] .article__body")
    assert body.h2.get_text() == "Hello"
    assert_inert(body)
    assert "click me" in body.get_text()

    saved = client.post("/admin/journal/new", data=article_form(body=HOSTILE, action="publish"))
    assert saved.status_code == 303
    article = article_by_slug(app, "zinc-and-skin")
    assert article.body == HOSTILE  # it is Markdown: kept exactly as written
    # The editor shows the text, escaped, not as markup.
    editor_page = page(client.get(saved.headers["Location"]))
    assert editor_page.select_one('[name="body"]').get_text().strip() == HOSTILE.strip()
    assert editor_page.find("script", string=lambda s: s and "alert" in s) is None

    public = client.get("/journal/zinc-and-skin")
    assert public.status_code == 200
    assert_inert(page(public).select_one(".article__body"))
    assert "<script>alert" not in public.get_data(as_text=True)
