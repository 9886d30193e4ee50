"""Account pages: passwordless sign-in (an emailed code, or its link), the account,
its orders, settings and the customer's own data. Every page under /account is sent
with Cache-Control: no-store (shop.security)."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup

from shop.accounts import emails, services
from shop.accounts.forms import (
    ActionForm,
    CodeForm,
    DeleteForm,
    EmailForm,
    NameForm,
    SignInButtonForm,
)
from shop.accounts.session import (
    current_customer,
    customer_required,
    end_customer_session,
    has_customer_session,
    start_customer_session,
)
from shop.cart.views import SESSION_KEY as CART_SESSION_KEY
from shop.cart.views import current_cart
from shop.consultations.services import bookings_for_email
from shop.extensions import db, limiter
from shop.newsletter.emails import unsubscribe_url
from shop.numbers import page_number
from shop.pagecache import VisitorValue, not_on_cached_pages
from shop.pages.services import safe_local_path
from shop.security import typed_email_key
from shop.urls import page_url

bp = Blueprint("account", __name__, url_prefix="/account")

# The address a code was sent to (and where to go after signing in), between the
# sign-in form and the page where the code is typed.
PENDING_SIGN_IN = "customer_sign_in"
PENDING_EMAIL = "customer_new_email"
ORDERS_PER_PAGE = 20

SEND_IP_LIMIT_MESSAGE = "Too many codes asked for from your network. Please wait a few minutes."
SEND_EMAIL_LIMIT_MESSAGE = (
    "Too many codes asked for this address. Please use the latest email, or try again later."
)
CHECK_LIMIT_MESSAGE = "Too many codes tried from your network. Please wait a few minutes."
DEAD_CODE = (
    "This code no longer works: it was used, it is more than 15 minutes old, a newer "
    "one was sent, or it was typed wrong too often. Ask for a new code."
)


def _send_limits(view):
    """Codes are sent at most so often per client address and per email address."""
    config = lambda name: lambda: current_app.config[name]  # noqa: E731
    view = limiter.limit(
        config("ACCOUNT_CODE_EMAIL_LIMIT"),
        key_func=typed_email_key("account-email"),
        methods=["POST"],
        error_message=SEND_EMAIL_LIMIT_MESSAGE,
    )(view)
    return limiter.limit(
        config("ACCOUNT_CODE_IP_LIMIT"), methods=["POST"], error_message=SEND_IP_LIMIT_MESSAGE
    )(view)


def _check_limit(view):
    return limiter.limit(
        lambda: current_app.config["ACCOUNT_CODE_CHECK_IP_LIMIT"],
        methods=["POST"],
        error_message=CHECK_LIMIT_MESSAGE,
    )(view)


def _private(response):
    """Pages reached by a token: not indexed, the token not sent on as Referer."""
    response = make_response(response)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# The header's link, filled in per visitor on cached pages ------------------------------


def _account_link() -> Markup:
    # Built with the templates' kept links (shop.urls.page_url): filled in on every page
    # served from the cache.
    if has_customer_session() and current_customer() is not None:
        return _LINK_START + page_url("account.overview") + Markup('">Your account</a>')
    return _LINK_START + page_url("account.login") + Markup('">Sign in</a>')


_LINK_START = Markup('<a class="account-link" href="')  # + the address, escaped


account_link = VisitorValue("account-link", _account_link)
_current_customer_for_templates = not_on_cached_pages("current_customer", current_customer)


@bp.app_context_processor
def account_context() -> dict:
    return {"account_link": account_link, "current_customer": _current_customer_for_templates}


# Signing in -------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@_send_limits
def login():
    """One email field. Whatever address is posted, the answer is the same page (a code
    is sent to every address: the first verified sign-in opens the account)."""
    form = EmailForm()
    next_path = safe_local_path(
        form.next.data if request.method == "POST" else request.args.get("next")
    )
    if request.method == "GET":
        if current_customer() is not None:
            return redirect(next_path or url_for("account.overview"))
        form.next.data = next_path or ""
        return render_template("account/login.html", form=form)
    if not form.validate():
        return render_template("account/login.html", form=form), 400
    issued = services.issue_code(form.normalised_email)
    emails.send_sign_in_code(issued)
    db.session.commit()
    session[PENDING_SIGN_IN] = {"email": issued.email, "next": next_path}
    return redirect(url_for("account.enter_code"), code=303)


def _pending_sign_in() -> dict | None:
    pending = session.get(PENDING_SIGN_IN)
    if not isinstance(pending, dict) or not isinstance(pending.get("email"), str):
        return None
    return pending


def _code_page(form: CodeForm, pending: dict, error: str | None = None, status: int = 200):
    page = render_template(
        "account/check_email.html", form=form, email=pending["email"], error=error
    )
    return page, status


@bp.route("/code", methods=["GET", "POST"])
@_check_limit
def enter_code():
    """ "Check your email", with the form where the code is typed."""
    pending = _pending_sign_in()
    if pending is None:
        return redirect(url_for("account.login"))
    form = CodeForm()
    if request.method == "GET":
        return _code_page(form, pending)
    if not form.validate():
        return _code_page(form, pending, status=400)
    checked = services.check_code(pending["email"], form.code.data)
    db.session.commit()  # a wrong try counts, whatever happens next
    if checked.ok:
        return _sign_in(checked.email, safe_local_path(pending.get("next")))
    if checked.problem == "wrong":
        left = checked.attempts_left
        form.code.errors = [
            f"That code is not right. You can try {left} more time{'s' if left != 1 else ''}."
        ]
        return _code_page(form, pending, status=400)
    return _code_page(form, pending, error=DEAD_CODE, status=400)


@bp.route("/login/<token>", methods=["GET", "POST"])
@_check_limit
def login_link(token: str):
    """GET shows one "Sign in" button and spends nothing (mail scanners open links);
    the button's POST signs in."""
    form = SignInButtonForm()
    if request.method == "POST" and form.validate():
        checked = services.spend_link(token)
        db.session.commit()
        if checked.ok:
            pending = _pending_sign_in() or {}
            same = pending.get("email") == checked.email
            return _sign_in(checked.email, safe_local_path(pending.get("next")) if same else None)
        return _private((render_template("account/link.html", form=None), 410))
    live = services.link_is_live(token)
    page = render_template("account/link.html", form=form if live else None)
    return _private((page, 200 if live else 410))


def _sign_in(email: str, next_path: str | None):
    """Open the account (made now if new), bring the baskets together, and start a
    fresh session."""
    customer = services.sign_in(email)
    basket = services.keep_basket(customer, session.get(CART_SESSION_KEY))
    db.session.commit()
    start_customer_session(customer, basket.cart.token)
    flash(f"You are signed in as {customer.email}.", "success")
    for note in basket.notes:
        flash(note, "warning")
    return redirect(next_path or url_for("account.overview"), code=303)


@bp.post("/logout")
def logout():
    """Sign out here, and end the account's sessions on every other device too."""
    customer = current_customer()
    if ActionForm().validate() and customer is not None:
        services.end_sessions(customer)
        db.session.commit()
    end_customer_session()
    flash("You have signed out.", "success")
    return redirect(url_for("pages.home"), code=303)


# The account --------------------------------------------------------------------------


@bp.get("")
@customer_required
def overview():
    customer = current_customer()
    subscriber = services.newsletter_subscription(customer)
    preferences = (
        unsubscribe_url(subscriber.unsubscribe_token)
        if subscriber is not None and subscriber.status != "unsubscribed"
        else None
    )
    return render_template(
        "account/overview.html",
        customer=customer,
        bookings=bookings_for_email(customer.email),
        subscriber=subscriber,
        preferences_url=preferences,
        form=ActionForm(),
    )


@bp.get("/orders")
@customer_required
def orders():
    customer = current_customer()
    page = db.paginate(
        services.orders_query(customer),
        page=request.args.get("page", 1, type=page_number),
        per_page=ORDERS_PER_PAGE,
        error_out=False,
    )
    return render_template("account/orders.html", page=page, form=ActionForm())


@bp.post("/orders/<int:order_id>/buy-again")
@customer_required
def buy_again(order_id: int):
    """Put an order's items back in the basket, at today's prices."""
    customer = current_customer()
    order = services.customer_order(customer, order_id)
    if order is None:
        abort(404)
    if not ActionForm().validate():
        abort(400)
    cart = current_cart(create=True, pictures=False)
    result = services.buy_again(order, cart)
    customer.cart_id = cart.id
    db.session.commit()
    if result.added:
        count = result.added
        flash(f"Added {count} item{'s' if count != 1 else ''} from your order.", "success")
    for note in result.notes:
        flash(note, "warning")
    return redirect(url_for("cart.view_cart"), code=303)


# Settings -----------------------------------------------------------------------------


def _settings_page(status: int = 200, **forms):
    customer = current_customer()
    forms.setdefault("name_form", NameForm(formdata=None, name=customer.name))
    forms.setdefault("email_form", EmailForm(formdata=None))
    forms.setdefault("delete_form", DeleteForm(formdata=None))
    return render_template("account/settings.html", customer=customer, **forms), status


@bp.get("/settings")
@customer_required
def settings():
    return _settings_page()


@bp.post("/settings/name")
@customer_required
def change_name():
    form = NameForm()
    if not form.validate():
        return _settings_page(400, name_form=form)
    services.change_name(current_customer(), form.name.data)
    db.session.commit()
    flash("Your name is saved.", "success")
    return redirect(url_for("account.settings"), code=303)


@bp.post("/settings/email")
@customer_required
@_send_limits
def change_email():
    """Send a code to the new address; the change is made once it is typed."""
    form = EmailForm()
    if not form.validate():
        return _settings_page(400, email_form=form)
    try:
        issued = services.request_email_change(current_customer(), form.normalised_email)
    except services.AccountError as exc:
        db.session.rollback()
        form.email.errors = [str(exc)]
        return _settings_page(400, email_form=form)
    emails.send_email_change_code(issued)
    db.session.commit()
    session[PENDING_EMAIL] = issued.email
    return redirect(url_for("account.confirm_email"), code=303)


@bp.route("/settings/email/confirm", methods=["GET", "POST"])
@customer_required
@_check_limit
def confirm_email():
    new_email = session.get(PENDING_EMAIL)
    if not isinstance(new_email, str):
        return redirect(url_for("account.settings"))
    form = CodeForm()
    status, error = 200, None
    if request.method == "POST":
        status = 400
        if form.validate():
            customer = current_customer()
            old_email = customer.email
            try:
                checked = services.confirm_email_change(customer, new_email, form.code.data)
            except services.AccountError as exc:
                db.session.commit()  # the spent code stays spent
                error = str(exc)
            else:
                if checked.ok:
                    emails.send_email_changed(old_email, checked.email)
                    db.session.commit()
                    session.pop(PENDING_EMAIL, None)
                    flash(f"Your account now uses {checked.email}.", "success")
                    return redirect(url_for("account.settings"), code=303)
                db.session.commit()
                if checked.problem == "wrong":
                    left = checked.attempts_left
                    form.code.errors = [
                        f"That code is not right. You can try {left} more "
                        f"time{'s' if left != 1 else ''}."
                    ]
                else:
                    error = DEAD_CODE
    page = render_template("account/confirm_email.html", form=form, email=new_email, error=error)
    return page, status


# The customer's data ------------------------------------------------------------------


@bp.get("/export")
@customer_required
def export():
    """Everything held about the customer, as a JSON download."""
    data = services.export_data(current_customer())
    db.session.commit()
    response = make_response(json.dumps(data, indent=2, ensure_ascii=False))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = 'attachment; filename="my-account-data.json"'
    return response


@bp.post("/delete")
@customer_required
def delete():
    """Erase the account (the box on the settings page must be ticked)."""
    form = DeleteForm()
    if not form.validate():
        return _settings_page(400, delete_form=form)
    services.erase_account(current_customer())
    db.session.commit()
    end_customer_session()
    flash(
        "Your account has been erased. Orders are kept for our accounts, with no link "
        "to you; your comments now read “a former customer”.",
        "success",
    )
    return redirect(url_for("pages.home"), code=303)
