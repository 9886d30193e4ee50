"""Basket pages. Without JavaScript every change is a form POST and a redirect;
with it, adding to the basket answers JSON and the page updates in place."""

from types import SimpleNamespace

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from shop.accounts.session import current_customer
from shop.cart import services
from shop.cart.forms import (
    AddToCartForm,
    PromoCodeForm,
    RemoveLineForm,
    RemovePromoForm,
    ShippingForm,
    UpdateLineForm,
)
from shop.cart.models import SESSION_KEY as CART_SESSION_KEY
from shop.extensions import db, limiter
from shop.money import format_money
from shop.pagecache import VisitorValue, not_on_cached_pages
from shop.pages.services import safe_local_path
from shop.promotions.services import (
    GUEST,
    PromoRefused,
    Shopper,
    check_dates_and_uses,
    find_promotion,
)

bp = Blueprint("cart", __name__)


SESSION_KEY = CART_SESSION_KEY


def current_cart(create: bool = False, pictures: bool = True):
    """This visitor's basket, found by the token in the signed session cookie; without
    the products' pictures for the requests that change it and show no page."""
    if "cart" not in g:
        g.cart = services.find_cart(session.get(SESSION_KEY), pictures=pictures)
    if g.cart is None and create:
        g.cart = services.new_cart()
        db.session.flush()
        session[SESSION_KEY] = g.cart.token
        session.permanent = True  # keep the basket for CART_LIFETIME_DAYS
    return g.cart


def current_shopper() -> Shopper:
    """Who is shopping, for codes limited per customer: the signed-in account, or a guest."""
    customer = current_customer()
    if customer is None:
        return GUEST
    return Shopper(customer_id=customer.id, email=customer.email)


def cart_item_count() -> int:
    """Items in the visitor's basket, for the header: counted from the basket when this
    request has loaded it, else one query (only when there is a basket)."""
    request_g = g._get_current_object()  # the header asks twice: each proxy read costs
    count = request_g.get("cart_count")
    if count is None:
        cart = request_g.get("cart")
        count = services.loaded_item_count(cart) if cart is not None else None
        if count is None:
            count = services.item_count(session.get(SESSION_KEY))
        request_g.cart_count = count
    return count


def _commit_change() -> None:
    """Commit a change to the basket, counting its items first: the count then comes
    from the lines as changed, before the commit expires them (counting afterwards
    would take a query)."""
    g.pop("cart_count", None)
    cart_item_count()
    db.session.commit()


# The header's count, filled in per visitor on cached pages.
cart_count_text = VisitorValue("cart-count", lambda: str(cart_item_count()))
cart_items_word = VisitorValue(
    "cart-items-word", lambda: "item" if cart_item_count() == 1 else "items"
)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _respond(message: str, category: str = "success", status: int = 200, back: str | None = None):
    if _wants_json():
        return jsonify(
            ok=status < 400,
            message=message,
            count=cart_item_count(),
            cart_url=url_for("cart.view_cart"),
        ), status
    flash(message, category)
    return redirect(back or url_for("cart.view_cart"), code=303)


# The promo code field as the basket page shows it before anything is typed: no value,
# no message. All the template reads of the form; building a PromoCodeForm for it cost
# more than the rest of the basket's own markup.
_BLANK_PROMO_FORM = SimpleNamespace(code=SimpleNamespace(data=None, errors=()))


def _render_cart(summary, *, errors=None, promo_form=None, status: int = 200):
    if promo_form is None:
        promo_form = _BLANK_PROMO_FORM
    return render_template(
        "cart/cart.html", summary=summary, errors=errors or {}, promo_form=promo_form
    ), status


@bp.get("/cart")
def view_cart():
    if "code" in request.args:
        # A link that applies a code (/cart?code=SPRING10): apply it, then show the
        # basket at its own address.
        message, category = apply_code_from_link(request.args.get("code", "")[:100])
        flash(message, category)
        return redirect(url_for("cart.view_cart"), code=303)
    # Plain rows, not the ORM's objects: this page only shows the basket.
    token = session.get(SESSION_KEY)
    cart = services.basket_for_page(token)
    if services.free_lapsed_stock_for(cart):
        # Stock a lapsed checkout held is free again: commit that, and read the basket
        # again as it now stands.
        db.session.commit()
        cart = services.basket_for_page(token)
    # The header's count, from the basket just read (no basket: nothing in it).
    g.cart_count = cart.item_count if cart is not None else 0
    return _render_cart(services.summarise(cart, current_shopper()))


def apply_code_from_link(code: str) -> tuple[str, str]:
    """Apply a code from a link (/cart?code=, /promo/<code>), making a basket for it if
    there is none (only for a code that is current); a message for the shopper and its
    category."""
    try:
        if current_cart(pictures=False) is None:
            check_dates_and_uses(find_promotion(code))
        cart = current_cart(create=True, pictures=False)
        summary = services.apply_code(cart, code, current_shopper())
    except PromoRefused as exc:
        db.session.rollback()
        return str(exc), "error"
    _commit_change()
    return _applied_message(summary), "success"


def _applied_message(summary) -> str:
    if summary.promotion is None:
        return f"The code {summary.promo_code} will apply to your basket."
    applied = summary.promotion
    if applied.free_shipping:
        return f"The code {applied.code} is applied: {applied.name}, free delivery."
    off = format_money(applied.discount_pence)
    return f"The code {applied.code} is applied: {applied.name}, {off} off."


@bp.post("/cart/promo")
@limiter.limit("20 per minute;100 per hour")
def apply_promo():
    """The basket's code field. A refused code leaves the basket as it was and says why
    next to the field."""
    form = PromoCodeForm()
    cart = current_cart()
    if not form.validate():
        summary = services.summarise(cart, current_shopper())
        return _promo_refused(summary, form, form.code.errors[0])
    if cart is None or not cart.lines:
        return _promo_refused(services.summarise(cart), form, "Your basket is empty.")
    try:
        summary = services.apply_code(cart, form.code.data, current_shopper())
    except PromoRefused as exc:
        db.session.rollback()
        g.pop("cart", None)
        return _promo_refused(services.summarise(current_cart(), current_shopper()), form, str(exc))
    message = _applied_message(summary)
    _commit_change()
    return _respond(message)


def _promo_refused(summary, form, message: str):
    if _wants_json():
        return jsonify(ok=False, message=message, count=cart_item_count()), 400
    form.code.errors = [message]
    return _render_cart(summary, promo_form=form, status=400)


@bp.post("/cart/promo/remove")
def remove_promo():
    if not RemovePromoForm().validate():
        return _respond("Your form had expired. Please try again.", "error", 400)
    cart = current_cart(pictures=False)
    code = services.remove_code(cart) if cart is not None else None
    if code is None:
        return _respond("There is no code on your basket.", "info")
    _commit_change()
    return _respond(f"The code {code} is removed.")


@bp.post("/cart/add")
@limiter.limit("60 per minute")
def add():
    form = AddToCartForm()
    back = safe_local_path(form.next.data)
    if not form.validate():
        message = next(iter(form.errors.values()))[0]
        return _respond(message, "error", 400, back)
    variant_id, quantity = form.variant_id.data, form.quantity.data
    subscribe_every = form.subscribe_every.data or 0
    try:
        # The usual add in fewer statements; anything else (no basket yet, ...) the
        # whole way.
        quick = services.quick_add(session.get(SESSION_KEY), variant_id, quantity, subscribe_every)
        if quick is None:
            _line, message = services.add_to_cart(
                current_cart(create=True, pictures=False), variant_id, quantity, subscribe_every
            )
    except services.CartError as exc:
        db.session.rollback()
        if exc.item_count is not None:
            g.cart_count = exc.item_count
        return _respond(str(exc), "error", 409, back)
    if quick is None:
        _commit_change()
    else:
        message, g.cart_count = quick
        db.session.commit()
    return _respond(message)


@bp.post("/cart/update")
def update():
    form = UpdateLineForm()
    valid = form.validate()
    # A quantity that is not valid shows the basket page again, pictures and all.
    cart = current_cart(pictures=not valid)
    if cart is None:
        return _respond("Your basket is empty.", "error", 409)
    if form.line_id.errors:  # no such line: nothing to show a message beside
        return _respond(form.line_id.errors[0], "error", 409)
    if not valid:
        message = form.quantity.errors[0] if form.quantity.errors else "Please enter a quantity."
        if _wants_json():
            return _respond(message, "error", 400)
        # Show the message beside the line, with what was typed kept in the field.
        errors = {
            form.line_id.data: {"message": message, "value": request.form.get("quantity", "")[:10]}
        }
        return _render_cart(services.summarise(cart, current_shopper()), errors=errors, status=400)
    try:
        message = services.update_quantity(cart, form.line_id.data, form.quantity.data)
    except services.CartError as exc:
        db.session.rollback()
        return _respond(str(exc), "error", 409)
    _commit_change()
    return _respond(message)


@bp.post("/cart/remove")
def remove():
    form = RemoveLineForm()
    cart = current_cart(pictures=False)
    if cart is None or not form.validate():
        return _respond("That item is no longer in your basket.", "error", 409)
    try:
        message = services.remove_line(cart, form.line_id.data)
    except services.CartError as exc:
        db.session.rollback()
        return _respond(str(exc), "error", 409)
    _commit_change()
    return _respond(message)


@bp.post("/cart/shipping")
def choose_shipping():
    form = ShippingForm()
    cart = current_cart(pictures=False)
    if cart is None:
        return redirect(url_for("cart.view_cart"), code=303)
    try:
        if not form.validate():
            raise services.CartError("Please choose one of the delivery options shown.")
        option = services.set_shipping(cart, form.shipping.data)
    except services.CartError as exc:
        db.session.rollback()
        return _respond(str(exc), "error", 400)
    _commit_change()
    return _respond(f"Delivery: {option.name}.")


# The raw count is this visitor's: a page kept for everyone shows it only through the
# markers above, so templates rendering such a page are refused it.
_cart_item_count_for_templates = not_on_cached_pages("cart_item_count", lambda: cart_item_count)


@bp.app_context_processor
def cart_context():
    return {
        "cart_item_count": _cart_item_count_for_templates,
        "cart_count_text": cart_count_text,
        "cart_items_word": cart_items_word,
        "max_quantity": services.MAX_QUANTITY,
        "free_delivery_threshold": current_app.config["SHIPPING_OPTIONS"][0].get("free_from_pence"),
    }
