"""Warnings on the editor about linked products shoppers can't see or buy."""

from __future__ import annotations

from shop.catalogue.models import Product
from shop.extensions import db
from tests.factories import ArticleFactory, ArticleProductFactory
from tests.helpers import page
from tests.helpers.journal_admin import article_form, resubmit


def warnings(response) -> dict[str, str]:
    box = page(response).select_one("[data-linked-warnings]")
    if box is None:
        return {}
    return {li["data-slug"]: li["data-problem"] for li in box.select("li")}


def test_sold_out_and_archived_linked_products_are_flagged(app, client, editor, shelf):
    with app.app_context():
        article = ArticleFactory(
            slug="linked",
            body=(
                "Intro.\n\n{{ product: barrier-cream }}\n\n{{ product: old-serum }}\n\n"
                "{{ product: gone-for-good }}\n\nSee {{ product: synbiotic-sachets }} inline.\n"
            ),
        )
        for position, key in enumerate(["balm", "cream"]):
            ArticleProductFactory(
                article=article,
                product=db.session.get(Product, shelf[key]),
                position=position,
            )
        url = f"/admin/journal/{article.id}"
    response = client.get(url)
    assert warnings(response) == {
        "squalane-balm": "sold_out",
        "old-serum": "archived",
        "gone-for-good": "missing",
        "synbiotic-sachets": "inline",
    }
    text = page(response).select_one("[data-linked-warnings]").get_text(" ", strip=True)
    assert "“Squalane Balm” (squalane-balm) is sold out" in text and "Shop this article" in text
    assert "“Old Serum” (old-serum) is archived" in text
    # The featured row says so too.
    row = page(response).select_one('[data-product="squalane-balm"]')
    assert "Sold out" in row.get_text()

    # Once the balm is back in stock and the cream archived, the warnings follow.
    with app.app_context():
        balm = db.session.get(Product, shelf["balm"])
        balm.variants[0].on_hand = 10
        db.session.get(Product, shelf["cream"]).is_active = False
        db.session.commit()
    flagged = warnings(client.get(url))
    assert flagged["barrier-cream"] == "archived" and "squalane-balm" not in flagged


def test_saving_with_unknown_shortcodes_warns(app, client, editor, shelf):
    response = client.post(
        "/admin/journal/new",
        data=article_form(body="Hi.\n\n{{ product: no-such-thing }}\n\n{{ product: old-serum }}\n"),
    )
    assert response.status_code == 303
    follow = client.get(response.headers["Location"])
    flash = page(follow).select_one(".flash--warning").get_text(" ", strip=True)
    assert "shoppers won't see" in flash and "no-such-thing, old-serum" in flash
    assert warnings(follow) == {"no-such-thing": "missing", "old-serum": "archived"}


def test_warnings_follow_the_form_not_the_saved_article(app, client, editor, shelf):
    with app.app_context():
        url = f"/admin/journal/{ArticleFactory(slug='quiet').id}"
    assert warnings(client.get(url)) == {}
    response = resubmit(client, url, action="preview", body="{{ product: squalane-balm }}\n")
    assert warnings(response) == {"squalane-balm": "sold_out"}
