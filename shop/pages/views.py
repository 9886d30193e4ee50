"""Home, theme switch, media, sitemap, robots.txt and the health check."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from shop.cart.shipping import shipping_options
from shop.catalogue import services as catalogue
from shop.journal import services as journal
from shop.pages.services import database_is_reachable, safe_local_path
from shop.reviews import services as reviews
from shop.sitepages import services as sitepages
from shop.urls import absolute_url

bp = Blueprint("pages", __name__)


THEME_COOKIE_MAX_AGE = 365 * 24 * 3600
# The home page's grids are one column on a phone and three across from a tablet up
# (.grid--thirds), so whole rows of three leave no card on its own in a last row.
HOME_ROW = 3
HOME_FEATURED = 6


def whole_rows(items: list, row: int) -> list:
    """`items` cut to whole rows of `row`; all of them when there is not one row."""
    if len(items) <= row:
        return items
    return items[: len(items) - len(items) % row]


@bp.get("/")
def home():
    threshold = current_app.config["LOW_STOCK_THRESHOLD"]
    articles, comment_counts = journal.latest_articles(HOME_ROW)
    featured = catalogue.featured_products(HOME_FEATURED)
    return render_template(
        "pages/home.html",
        featured=whole_rows(featured, HOME_ROW),
        newest_reviews=reviews.newest_reviews(HOME_ROW),
        delivery=shipping_options()[0],
        return_days=current_app.config["RETURN_WINDOW_DAYS"],
        concerns=catalogue.all_concerns(),
        stock_state=lambda product: catalogue.product_stock_state(product, threshold),
        articles=articles,
        comment_counts=comment_counts,
    )


@bp.post("/theme")
def set_theme():
    """Remember the shopper's light/dark choice in a cookie; works without JavaScript."""
    choice = request.form.get("theme", "")
    back = safe_local_path(request.form.get("next")) or url_for("pages.home")
    response = redirect(back, code=303)
    if choice in {"light", "dark"}:
        response.set_cookie(
            "theme",
            choice,
            max_age=THEME_COOKIE_MAX_AGE,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=False,
        )
    else:
        response.delete_cookie("theme")
    return response


@bp.get("/media/<path:filename>")
def media(filename: str):
    """Product and article images. File names are made by the shop, never reused."""
    if not filename.endswith(".webp"):
        abort(404)
    response = send_from_directory(current_app.config["MEDIA_ROOT"], filename, max_age=31536000)
    response.cache_control.immutable = True
    return response


@bp.get("/robots.txt")
def robots_txt():
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /cart",
        "Disallow: /checkout",
        "Disallow: /orders/",
        "Disallow: /newsletter/confirm/",
        "Disallow: /newsletter/unsubscribe/",
        "",
        f"Sitemap: {absolute_url('pages.sitemap')}",
        "",
    ]
    return Response("\n".join(lines), mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap():
    pages = [(absolute_url("pages.home"), None), (absolute_url("catalogue.listing"), None)]
    for category in catalogue.top_categories():
        for shelf in [category, *category.children]:
            url = absolute_url("catalogue.listing", category_slug=shelf.slug)
            pages.append((url, None))
    for slug, updated in catalogue.sitemap_products():
        pages.append((absolute_url("catalogue.product_detail", slug=slug), updated))
    pages.append((absolute_url("journal.index"), None))
    for slug, updated in sitepages.sitemap_pages():
        pages.append((absolute_url("sitepages.page", slug=slug), updated))
    for slug, updated in journal.sitemap_articles():
        pages.append((absolute_url("journal.article", slug=slug), updated))
    xml = render_template("pages/sitemap.xml", pages=pages)
    response = make_response(xml)
    response.mimetype = "application/xml"
    return response


@bp.get("/healthz")
def healthz():
    if database_is_reachable():
        return {"status": "ok", "database": "ok"}
    return {"status": "error", "database": "unreachable"}, 503
