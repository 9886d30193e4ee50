"""The shop's own pages: /pages/<slug>, kept by the page cache like the catalogue's."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from shop.cart.shipping import shipping_options
from shop.pages.views import THEME_COOKIE_MAX_AGE
from shop.sitepages import facts, services

bp = Blueprint("sitepages", __name__)


@bp.get("/pages/<slug>")
def page(slug: str):
    site_page = services.page_for(slug)
    if site_page is None:
        abort(404)
    parts = services.page_parts(site_page.body)
    blocks = {part.block for part in parts if part.block}
    config = current_app.config
    return render_template(
        "sitepages/page.html",
        page=site_page,
        parts=parts,
        delivery=shipping_options() if "delivery-options" in blocks else (),
        cookies=facts.essential_cookies(config, THEME_COOKIE_MAX_AGE)
        if "cookies" in blocks
        else (),
        retention=facts.retention_periods(config) if "retention" in blocks else (),
    )


@bp.app_template_global("shop_pages")
def shop_pages() -> tuple[services.PageKind, ...]:
    """The pages the footer links to (a fixed list: no query on every page)."""
    return services.PAGES
