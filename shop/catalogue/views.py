"""Shop listings and product pages."""

from urllib.parse import quote

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from shop.cart.shipping import shipping_options
from shop.catalogue import services
from shop.catalogue.models import Product, SlugRedirect
from shop.extensions import db
from shop.orders.lifecycle import release_lapsed_reservations
from shop.reviews import services as reviews
from shop.subscriptions.pricing import offer_for
from shop.urls import media_url, page_absolute_url, page_url

bp = Blueprint("catalogue", __name__)


@bp.get("/shop", defaults={"category_slug": None})
@bp.get("/shop/<category_slug>")
def listing(category_slug: str | None):
    category = None
    if category_slug is not None:
        category = services.category_by_slug(category_slug)
        if category is None:
            abort(404)
    concerns, flags = services.listing_facets()
    filters = services.parse_listing_filters(
        request.args, {c.slug for c in concerns}, {f.slug for f in flags}
    )
    page = services.list_products(filters, category, current_app.config["PRODUCTS_PER_PAGE"])
    return render_template(
        "catalogue/listing.html",
        category=category,
        concerns=concerns,
        flags=flags,
        filters=filters,
        listing=page,
        stock_state=_stock_state_of,
        sort_options=list(services.Sort),
    )


@bp.get("/products/<slug>")
def product_detail(slug: str):
    page = services.product_page(slug)
    if page is None:
        # An old address of a renamed product moves on for good, query string and all.
        current_slug = services.is_slug(slug) and db.session.scalar(
            db.select(Product.slug).join(SlugRedirect).where(SlugRedirect.old_slug == slug)
        )
        if not current_slug or current_slug == slug:
            abort(404)
        location = url_for("catalogue.product_detail", slug=current_slug)
        if request.query_string:
            location += "?" + quote(request.query_string, safe="=&;%+/?:@,!$'()*~-._")
        return redirect(location, code=301)
    product, parts = page
    if product.has_lapsed_holds:
        # A size shows sold out because a checkout whose payment window has passed still
        # holds it: free those units before showing the page.
        held = [v.id for v in product.active_variants if v.available <= 0 < v.reserved]
        if release_lapsed_reservations(held):
            db.session.commit()
            product, parts = services.product_page(slug)
    selected = services.choose_variant(product, request.args.get("variant", type=int))
    threshold = current_app.config["LOW_STOCK_THRESHOLD"]
    breadcrumbs = _breadcrumbs(product)
    # The page's own links are the same for every visitor: kept once built.
    own_url = page_absolute_url("catalogue.product_detail", slug=product.slug)
    delivery = shipping_options()
    return_days = current_app.config["RETURN_WINDOW_DAYS"]
    structured_data = services.product_structured_data(
        product,
        page_url=own_url,
        image_urls=[media_url(image, external=True) for image in parts.images],
        breadcrumbs=[(name, page_absolute_url(ep, **values)) for name, ep, values in breadcrumbs],
        low_threshold=threshold,
        brand=current_app.config["SHOP_NAME"],
        shipping=delivery,
        return_days=return_days,
    )
    review_filters = reviews.parse_review_filters(request.args)
    summary = review_page = None
    if product.review_count:
        # Two queries, whatever the number of reviews: the figures and one page.
        summary = reviews.rating_summary(product.id)
        review_page = reviews.reviews_page(
            product.id, review_filters, current_app.config["REVIEWS_PER_PAGE"]
        )
    structured_data[0].update(
        reviews.structured_data(product, review_page.items if review_page else [], own_url)
    )
    return render_template(
        "catalogue/product.html",
        product=product,
        parts=parts,
        rating_summary=summary,
        review_page=review_page,
        review_filters=review_filters,
        review_sorts=list(reviews.ReviewSort),
        sold_out=[v for v in product.active_variants if v.available <= 0],
        selected=selected,
        breadcrumbs=[(name, page_url(ep, **values)) for name, ep, values in breadcrumbs],
        structured_data=structured_data,
        canonical_url=own_url,
        variant_state=lambda v: services.stock_state(v.available, threshold),
        card_state=lambda p: services.product_stock_state(p, threshold),
        featured_in=parts.featured_in,
        subscribe_offer=offer_for(product),
        bought_with=services.often_bought_with(product.id),
        delivery=delivery,
        return_days=return_days,
    )


def _stock_state_of(product):
    return services.product_stock_state(product, current_app.config["LOW_STOCK_THRESHOLD"])


def _breadcrumbs(product) -> list[tuple[str, str, dict]]:
    """Home > Shop > group > category > product, as (name, endpoint, url values)."""
    crumbs = [("Home", "pages.home", {}), ("Shop", "catalogue.listing", {})]
    category = product.category
    for shelf in (category.parent, category):
        if shelf is not None:
            crumbs.append((shelf.name, "catalogue.listing", {"category_slug": shelf.slug}))
    crumbs.append((product.name, "catalogue.product_detail", {"slug": product.slug}))
    return crumbs
