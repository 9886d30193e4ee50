"""Who the signed-in customer is: their own key in the signed session cookie.

Why not Flask-Login, which the back office uses: Flask-Login keeps one user per
session under one key (`_user_id`) read by one `user_loader`, and everything staff may
do hangs off `current_user` (role checks, the back-office guard, the page cache's
"staff are never served cached pages"). Customers in the same machinery would need
typed ids and a check of the type in every one of those places, and one place that
forgot would let a customer session into /admin. Kept apart, they cannot mix: a
customer session is the `customer` key, read only by `current_customer()` here, which
nothing under /admin looks at; a staff session has no such key, so it is nobody's
customer account. Signing in as either starts a fresh session (only the basket carries
over), so one browser is one of them at a time.

The key holds the account id, its session key and when the customer signed in, signed
with the cookie. A new `Customer.session_key` (signing out) ends every copy of the
cookie, and so does erasing the account (a new account given the same id has another
key); CUSTOMER_SESSION_DAYS ends any session that old.
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from functools import wraps

from flask import current_app, g, redirect, request, session, url_for
from werkzeug.local import LocalProxy

from shop.accounts.models import Customer
from shop.cart.models import SESSION_KEY as CART_SESSION_KEY
from shop.extensions import db
from shop.models import utcnow

SESSION_KEY = "customer"


def session_claim() -> dict | None:
    """The customer key of this request's session, if it is well formed. Read with
    dict.get, which does not mark the session as used (that would add Vary: Cookie)."""
    claim = dict.get(session._get_current_object(), SESSION_KEY)
    if not isinstance(claim, dict):
        return None
    if not (
        type(claim.get("id")) is int
        and type(claim.get("at")) is int
        and isinstance(claim.get("k"), str)
    ):
        return None
    return claim


def has_customer_session() -> bool:
    """Whether the cookie names a customer (no database read: for the header link)."""
    return session_claim() is not None


def current_customer() -> Customer | None:
    """The signed-in customer, or None: the account the cookie names, if it still
    exists, its session key is the one in the cookie and the session is not too old."""
    if "customer" not in g:
        g.customer = _load_customer()
    return g.customer


def _load_customer() -> Customer | None:
    claim = session_claim()
    if claim is None:
        return None
    days = current_app.config["CUSTOMER_SESSION_DAYS"]
    if utcnow().timestamp() - claim["at"] >= timedelta(days=days).total_seconds():
        return None
    customer = db.session.get(Customer, claim["id"])
    if customer is None or not hmac.compare_digest(customer.session_key, claim["k"]):
        return None
    return customer


customer = LocalProxy(current_customer)


def start_customer_session(signed_in: Customer, cart_token: str | None) -> None:
    """A fresh session for the customer: nothing from before survives (a staff sign-in
    included) but the basket, now `cart_token`. Kept for CART_LIFETIME_DAYS, as the
    basket is."""
    session.clear()
    if cart_token:
        session[CART_SESSION_KEY] = cart_token
    session[SESSION_KEY] = {
        "id": signed_in.id,
        "k": signed_in.session_key,
        "at": int(utcnow().timestamp()),
    }
    session.permanent = True
    g.customer = signed_in
    g.pop("cart", None)
    g.pop("cart_count", None)


def end_customer_session() -> None:
    """Forget the customer in this browser, and the basket with them (it stays with the
    account, for their next sign-in)."""
    session.clear()
    g.customer = None
    g.pop("cart", None)
    g.pop("cart_count", None)


def login_url(next_path: str | None = None) -> str:
    return url_for("account.login", next=next_path)


def customer_required(view):
    """Let a view run only for a signed-in customer; others go to the sign-in page,
    coming back here afterwards (for a GET)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_customer() is None:
            back = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(login_url(back))
        return view(*args, **kwargs)

    return wrapped
