"""Writing a review through the personal link (single use, 90 days, anything else a 404),
what the form accepts, and moderation in /admin/reviews (approve, reject with a reason,
reply; audited), which the product page and its figures follow."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from shop.backoffice.models import AuditEntry
from shop.catalogue.models import Product, Variant
from shop.extensions import db
from shop.models import utcnow
from shop.orders.models import Order
from shop.reviews.models import ReviewInvite
from tests.factories import SkinConcernFactory
from tests.helpers import json_ld, page
from tests.helpers.accounts import CustomerActions
from tests.helpers.alerts import ask, sell_out
from tests.helpers.checkout import flashes, follow
from tests.helpers.reviews import REVIEW_LINK, links, review_form, reviews, shipped_order
from tests.helpers.staff import AuthActions


def asked(shop, items=None, **order) -> dict[str, str]:
    """Ship an order, send its review request; {product name: its link's path}."""
    products = shop.products
    shipped_order(shop, items or {products.cream: 1, products.capsules: 1}, **order)
    result = shop.app.test_cli_runner().invoke(args=["send-review-requests"])
    assert result.exit_code == 0, result.output
    (mail,) = shop.smtp.wait_for(1)
    shop.smtp.clear()
    lines = mail.text_part().splitlines()
    found = {}
    for before, line in zip(lines, lines[1:], strict=False):
        paths = links(REVIEW_LINK, type("Line", (), {"text_part": lambda self, t=line: t})())
        if paths:
            found[before.rstrip(":")] = paths[0]
    assert len(found) == len(links(REVIEW_LINK, mail))
    return found


def product_slug(app, variant_id: int) -> str:
    with app.app_context():
        return db.session.get(Variant, variant_id).product.slug


def test_a_buyer_reviews_through_the_link_once(shop):
    link = asked(shop)["Barrier Cream"]
    buyer = shop.app.test_client()

    form_page = buyer.get(link)
    assert form_page.status_code == 200
    assert form_page.headers["Cache-Control"] == "no-store"
    assert form_page.headers["Referrer-Policy"] == "no-referrer"
    html = page(form_page)
    assert html.h1.get_text() == "Review Barrier Cream"
    assert html.find("link", rel="canonical") is None, "the token stays out of canonical links"
    radios = html.select("input[type=radio][name=rating]")
    assert [r["value"] for r in radios] == ["5", "4", "3", "2", "1"]
    for radio in radios:
        assert html.select_one(f"label[for={radio['id']}]").get_text().startswith(radio["value"])
    assert html.select_one("#author_name")["value"] == "Ada L."

    sent = buyer.post(link, data=review_form())
    assert sent.status_code == 303
    assert "Thank you for your review" in page(follow(buyer, sent)).get_text()
    (review,) = reviews(shop.app)
    assert (review.rating, review.status, review.author_name) == (4, "pending", "Ada L.")
    assert review.body == "Less redness after three weeks.\nNo stinging at all."
    assert (review.skin_type, review.weeks_used) == ("sensitive", 3)

    # Used: the link is gone, as is sending it again.
    assert buyer.get(link).status_code == 404
    assert buyer.post(link, data=review_form()).status_code == 404
    assert len(reviews(shop.app)) == 1


def test_links_are_single_use_per_product_and_order(shop):
    first = asked(shop)
    second = asked(shop, {shop.products.cream: 1}, email="bo@example.com")
    buyer = shop.app.test_client()
    for path, rating in (
        (first["Barrier Cream"], "4"),
        (first["Live Bacteria Capsules"], "2"),  # the other product of the same order
        (second["Barrier Cream"], "5"),  # the same product of another order
    ):
        assert buyer.post(path, data=review_form(rating=rating)).status_code == 303
        assert buyer.post(path, data=review_form(rating="1")).status_code == 404
    with shop.app.app_context():
        orders = {
            order.email: order.id for order in db.session.scalars(select(Order).order_by(Order.id))
        }
        names = {p.id: p.name for p in db.session.scalars(select(Product))}
    found = [(r.order_id, names[r.product_id], r.rating) for r in reviews(shop.app)]
    assert found == [
        (orders["ada@example.com"], "Barrier Cream", 4),
        (orders["ada@example.com"], "Live Bacteria Capsules", 2),
        (orders["bo@example.com"], "Barrier Cream", 5),
    ]


def test_wrong_malformed_and_expired_links_are_404(shop):
    link = asked(shop)["Barrier Cream"]
    client = shop.app.test_client()
    token = link.rsplit("/", 1)[1]
    for path in (
        "/reviews/new/" + token[:-1] + ("A" if token[-1] != "A" else "B"),
        "/reviews/new/short",
        "/reviews/new/" + "x" * 300,
    ):
        assert client.get(path).status_code == 404, path
    with shop.app.app_context():
        db.session.execute(update(ReviewInvite).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get(link).status_code == 404
    assert client.post(link, data=review_form()).status_code == 404
    assert reviews(shop.app) == []


def test_links_last_ninety_days(shop):
    link = asked(shop)["Barrier Cream"]
    with shop.app.app_context():
        invite = db.session.scalar(select(ReviewInvite).order_by(ReviewInvite.id))
        assert (
            timedelta(days=89, hours=23)
            < invite.expires_at - invite.created_at
            <= timedelta(days=90)
        )
    assert shop.app.test_client().get(link).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"rating": None}, "rating", "Choose a rating from 1 to 5 stars."),
        ({"rating": "6"}, "rating", "Choose a rating from 1 to 5 stars."),
        ({"title": "  "}, "title", "Give your review a title."),
        ({"body": ""}, "body", "Tell other shoppers how it went."),
        ({"body": "x" * 3001}, "body", "Reviews can be at most 3,000 characters"),
        ({"author_name": "a@b.com"}, "author_name", "not an email"),
        ({"skin_type": "scaly"}, "skin_type", "Choose a skin type from the list."),
        ({"concern_id": "999"}, "concern_id", "Choose a skin concern from the list."),
        ({"concern_id": "9" * 30}, "concern_id", "Choose a skin concern from the list."),
        ({"weeks_used": "500"}, "weeks_used", "Say a number from 1 to 104."),
        ({"weeks_used": "soon"}, "weeks_used", "Not a valid integer value."),
    ],
)
def test_bad_input_is_explained_and_kept(shop, changes, field, message):
    link = asked(shop)["Barrier Cream"]
    response = shop.app.test_client().post(link, data=review_form(**changes))
    assert response.status_code == 400
    html = page(response)
    errors = " ".join(p.get_text() for p in html.select(".field-error"))
    assert message in errors
    assert html.select_one("#title")["value"] == review_form(**changes)["title"].strip()
    assert html.select_one("#body").get_text().strip() == review_form(**changes)["body"].strip()
    assert reviews(shop.app) == []
    # The link still works: nothing was spent.
    assert shop.app.test_client().get(link).status_code == 200


def test_a_body_of_3000_characters_with_a_concern_is_taken(shop):
    with shop.app.app_context():
        concern = SkinConcernFactory(slug="rosacea", name="Rosacea").id
    link = asked(shop)["Barrier Cream"]
    body = "Calm. " * 500
    response = shop.app.test_client().post(
        link, data=review_form(body=body[:3000], concern_id=str(concern))
    )
    assert response.status_code == 303
    (review,) = reviews(shop.app)
    assert review.concern_id == concern and len(review.body) <= 3000


def review_card(client, slug: str):
    return page(client.get(f"/products/{slug}")).select(".review")


def test_moderation_approve_reject_reply_all_audited_and_shown(shop):
    cream_slug = product_slug(shop.app, shop.products.cream)
    paths = asked(shop)
    buyer = shop.app.test_client()
    buyer.post(paths["Barrier Cream"], data=review_form(rating="5", title="<b>Lovely</b>"))
    buyer.post(paths["Live Bacteria Capsules"], data=review_form(rating="1", title="Cured me"))
    cream_review, capsules_review = reviews(shop.app)
    visitor = shop.app.test_client()
    assert review_card(visitor, cream_slug) == [], "nothing shows before staff approve"

    queue = page(shop.staff.get("/admin/reviews/"))
    cards = queue.select("[data-review-id]")
    assert [int(c["data-review-id"]) for c in cards] == [cream_review.id, capsules_review.id]
    order_number = shop.order(cream_review.order_id).number
    assert order_number in cards[0].get_text()
    assert "Never edit a review's words" in queue.get_text()

    approved = shop.staff.post(f"/admin/reviews/{cream_review.id}/approve", data={})
    assert approved.status_code == 303
    refused = shop.staff.post(f"/admin/reviews/{capsules_review.id}/reject", data={"reason": " "})
    assert refused.status_code == 400
    assert "Say why the review is rejected." in page(refused).get_text()
    shop.staff.post(
        f"/admin/reviews/{capsules_review.id}/reject",
        data={"reason": "Health claim: says it cured a disease"},
    )
    shop.staff.post(
        f"/admin/reviews/{cream_review.id}/reply", data={"reply": "Thank you, Ada!\nWe are glad."}
    )

    (card,) = review_card(visitor, cream_slug)
    assert card.select_one(".review__title").get_text(" ", strip=True).endswith("<b>Lovely</b>")
    assert card.select_one(".review__title b") is None, "escaped, never markup"
    assert "Verified buyer" in card.get_text()
    assert "Reply from Flora & Barrier" in card.select_one(".review__reply").get_text()
    assert "Sensitive skin" in card.get_text() and "used it for 3 weeks" in card.get_text()
    capsules_slug = product_slug(shop.app, shop.products.capsules)
    assert review_card(visitor, capsules_slug) == []

    with shop.app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        actions = [(e.action, e.entity_id) for e in entries if e.action.startswith("review.")]
        cream = db.session.scalar(select(Product).where(Product.slug == cream_slug))
        figures = (cream.review_count, str(cream.rating_average))
        reason = [e.summary for e in entries if e.action == "review.reject"][0]
    assert actions == [
        ("review.approve", str(cream_review.id)),
        ("review.reject", str(capsules_review.id)),
        ("review.reply", str(cream_review.id)),
    ]
    assert "Health claim" in reason
    assert figures == (1, "5.00")

    # Rejecting a shown review takes it off the page and out of the figures.
    shop.staff.post(f"/admin/reviews/{cream_review.id}/reject", data={"reason": "Spam"})
    assert review_card(visitor, cream_slug) == []
    assert json_ld_product(visitor, cream_slug).get("aggregateRating") is None


def json_ld_product(client, slug: str) -> dict:
    return next(d for d in json_ld(client.get(f"/products/{slug}")) if d["@type"] == "Product")


@pytest.mark.parametrize(("role", "status"), [("editor", 200), ("admin", 200), ("fulfilment", 403)])
def test_editors_and_administrators_moderate(mail_app, role, status):
    client = mail_app.test_client()
    AuthActions(mail_app, client)(role)
    assert client.get("/admin/reviews/").status_code == status
    assert mail_app.test_client().get("/admin/reviews/").status_code == 302


def test_flashes_after_approval(shop):
    link = asked(shop)["Barrier Cream"]
    shop.app.test_client().post(link, data=review_form())
    (review,) = reviews(shop.app)
    response = shop.staff.post(f"/admin/reviews/{review.id}/approve", data={"show": "pending"})
    assert "Approved the review by Ada L." in " ".join(flashes(follow(shop.staff, response)))
    assert shop.staff.post("/admin/reviews/999999/approve", data={}).status_code == 404


def test_the_customers_data_download_holds_their_reviews_and_alerts(shop, smtp_server):
    link = asked(shop)["Barrier Cream"]
    shop.app.test_client().post(link, data=review_form(title="Soothing"))
    capsules = shop.products.capsules
    sell_out(shop.app, capsules)
    ada = shop.app.test_client()
    CustomerActions(shop.app, ada, smtp_server).sign_in("ada@example.com")
    ask(ada, shop.app, product_slug(shop.app, capsules), capsules, "ada@example.com")

    data = json.loads(ada.get("/account/export").get_data(as_text=True))
    assert [(r["product"], r["title"], r["status"]) for r in data["reviews"]] == [
        ("Barrier Cream", "Soothing", "pending")
    ]
    assert [(a["size"], a["status"]) for a in data["back_in_stock_requests"]] == [
        ("60 capsules", "waiting")
    ]
