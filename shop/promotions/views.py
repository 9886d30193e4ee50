"""Links that apply a promo code: /promo/<code>?next=/products/... for articles and
campaigns (the basket's own form and /cart?code= are the basket's, in shop.cart.views)."""

from flask import Blueprint, flash, redirect, request, url_for

from shop.cart.views import apply_code_from_link
from shop.extensions import limiter
from shop.pages.services import safe_local_path

bp = Blueprint("promotions", __name__)


@bp.get("/promo/<code>")
@limiter.limit("30 per minute")
def apply_link(code: str):
    """Apply the code to the visitor's basket and go where the link asks (a path on this
    site only; the basket otherwise). A code that does not apply just says why."""
    message, category = apply_code_from_link(code[:100])
    flash(message, category)
    target = safe_local_path(request.args.get("next")) or url_for("cart.view_cart")
    return redirect(target, code=303)
