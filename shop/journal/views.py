"""Journal pages: the index, an article, and the Atom feed."""

from flask import Blueprint, abort, current_app, make_response, render_template, request

from shop.catalogue.services import all_concerns, product_stock_state
from shop.comments import services as comment_services
from shop.consultations.services import services_by_slugs
from shop.journal import services
from shop.urls import media_url, page_absolute_url

bp = Blueprint("journal", __name__)


@bp.get("/journal")
def index():
    concerns = {c.slug: c for c in all_concerns()}
    tags = {t.slug: t for t in services.all_tags()}
    concern = request.args.get("concern", type=str)
    tag = request.args.get("tag", type=str)
    concern = concern if concern in concerns else None
    tag = tag if tag in tags else None
    page_number = request.args.get("page", default=1, type=int) or 1
    page = services.list_articles(
        concern=concern, tag=tag, page=min(max(page_number, 1), services.MAX_PAGE)
    )
    return render_template(
        "journal/index.html",
        page=page,
        comment_counts=page.comment_counts,
        concerns=list(concerns.values()),
        tags=list(tags.values()),
        concern=concerns.get(concern),
        tag=tags.get(tag),
    )


@bp.get("/journal/<slug>")
def article(slug: str):
    item = services.article_by_slug(slug)
    if item is None:
        abort(404)
    return article_page(item)


def article_page(item, status: int = 200):
    """An article's page: also what a comment that came back with errors is shown on."""
    body = services.body_of(item)
    shop_items = services.shop_this_article(item.id)
    cards = services.article_cards(item, shop_items)
    threshold = current_app.config["LOW_STOCK_THRESHOLD"]
    url = page_absolute_url("journal.article", slug=item.slug)
    hero = item.hero
    modified = max(item.updated_at, item.published_at)
    shown = services.article_parts(item.id)
    comments = shown.comments
    structured_data = services.article_structured_data(
        item,
        url=url,
        image_urls=[media_url(hero, external=True)] if hero else [],
        publisher=current_app.config["SHOP_NAME"],
        modified=modified,
        concerns=shown.concerns,
    )
    structured_data.update(comment_services.structured_data(comments, url))
    related, related_comments = services.related_articles(item, shown)
    page = render_template(
        "journal/article.html",
        article=item,
        shown=shown,
        body=body,
        cards=cards,
        booking_cards=services_by_slugs(body.service_slugs),
        shop_items=shop_items,
        related=related,
        comments=comments,
        comment_counts=related_comments,
        structured_data=structured_data,
        canonical_url=url,
        modified=modified,
        stock_state=lambda product: product_stock_state(product, threshold),
    )
    return page, status


@bp.get("/journal/feed.xml")
def feed():
    articles = services.feed_articles()
    updated = max((max(a.updated_at, a.published_at) for a in articles), default=None)
    xml = render_template(
        "journal/feed.xml",
        articles=articles,
        updated=updated,
        body_of=services.body_of,
    )
    response = make_response(xml)
    response.mimetype = "application/atom+xml"
    return response
