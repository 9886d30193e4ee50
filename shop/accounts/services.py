"""Account rules: one-time codes, opening an account at the first sign-in, the basket
kept with it, order history, changing details, and the customer's own data.

Plain functions: they take data, change the models and flush. They never read the
request, the session or the signed-in customer; the views pass the customer in and
commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from shop.accounts import codes
from shop.accounts.models import (
    CODE_MAX_ATTEMPTS,
    CodePurpose,
    Customer,
    SignInCode,
    new_session_key,
)
from shop.alerts.models import StockAlert
from shop.backoffice.audit import record_audit
from shop.cart import services as cart_services
from shop.cart.models import Cart
from shop.comments.models import Comment
from shop.consultations.services import bookings_for_email, erase_health_notes_for
from shop.extensions import database_kind, db
from shop.models import utcnow
from shop.newsletter.models import Subscriber
from shop.orders.models import Order, OrderStatus
from shop.reviews.models import Review
from shop.signals import customer_changed, customer_erased, send_after_commit
from shop.subscriptions.services import end_subscriptions_of
from shop.text import normalise_email

CODE_LIFETIME = timedelta(minutes=15)
NAME_MAX_LENGTH = 120
# Orders a customer placed: paid, and those paid and then refunded. Checkouts that were
# never paid are not orders they placed.
PLACED = (OrderStatus.PAID, OrderStatus.REFUNDED)


class AccountError(ValueError):
    """A change the account's rules refuse; the message says why, for the customer."""


# One-time codes -------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    """A new code and link token, as they go into the email (never stored as such)."""

    email: str
    code: str
    link_token: str
    expires_at: datetime


def _insert_for(dialect_name: str):
    if dialect_name == "postgresql":
        return postgresql.insert
    if dialect_name == "sqlite":
        return sqlite.insert
    raise RuntimeError(f"no upsert for {dialect_name}")  # pragma: no cover


def issue_code(
    email: str,
    purpose: str = CodePurpose.SIGN_IN,
    *,
    customer_id: int | None = None,
    now: datetime | None = None,
) -> IssuedCode:
    """Make a new code and link for `email` (flushes): it replaces any code the address
    had for `purpose`, in one INSERT ... ON CONFLICT DO UPDATE, so two requests at once
    leave exactly one live code (the later one)."""
    now = now or utcnow()
    email = normalise_email(email)
    code, token = codes.new_code(), codes.new_link_token()
    values = {
        "customer_id": customer_id,
        "code_hash": codes.code_hash(email, str(purpose), code),
        "link_hash": codes.link_hash(token),
        "created_at": now,
        "expires_at": now + CODE_LIFETIME,
        "attempts": 0,
        "used_at": None,
    }
    insert = _insert_for(database_kind())
    statement = insert(SignInCode).values(email=email, purpose=str(purpose), **values)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[SignInCode.email, SignInCode.purpose], set_=values
        )
    )
    return IssuedCode(email=email, code=code, link_token=token, expires_at=now + CODE_LIFETIME)


@dataclass(frozen=True)
class CodeCheck:
    """What checking a code or link came to: the verified address, or the problem
    ("wrong": try again, `attempts_left` more; "dead": used, expired, replaced or typed
    wrong too often)."""

    email: str | None = None
    customer_id: int | None = None
    problem: str | None = None
    attempts_left: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None


def _live(now: datetime):
    return (
        SignInCode.used_at.is_(None),
        SignInCode.expires_at > now,
        SignInCode.attempts < CODE_MAX_ATTEMPTS,
    )


def check_code(
    email: str, code: str, purpose: str = CodePurpose.SIGN_IN, now: datetime | None = None
) -> CodeCheck:
    """Check a typed code for `email`, and spend it if it is right (flushes; commit
    whatever the answer, so a wrong try counts).

    Each check first takes one of the code's CODE_MAX_ATTEMPTS tries with a conditional
    UPDATE, and compares against the hash that UPDATE returned: however many guesses
    arrive at once, no more than five are ever compared. The right code is then spent
    by a second conditional UPDATE (still unused, still the same code), so it signs in
    once.
    """
    now = now or utcnow()
    email = normalise_email(email)
    if not codes.looks_like_code(code):
        return CodeCheck(problem="wrong", attempts_left=CODE_MAX_ATTEMPTS)
    claimed = db.session.execute(
        update(SignInCode)
        .where(SignInCode.email == email, SignInCode.purpose == str(purpose), *_live(now))
        .values(attempts=SignInCode.attempts + 1)
        .returning(SignInCode.id, SignInCode.code_hash, SignInCode.attempts)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if claimed is None:
        return CodeCheck(problem="dead")
    row_id, stored_hash, attempts = claimed
    if not codes.same_code(stored_hash, email, str(purpose), code):
        left = CODE_MAX_ATTEMPTS - attempts
        return CodeCheck(problem="wrong" if left > 0 else "dead", attempts_left=left)
    spent = db.session.execute(
        update(SignInCode)
        .where(
            SignInCode.id == row_id,
            SignInCode.used_at.is_(None),
            SignInCode.code_hash == stored_hash,
        )
        .values(used_at=now)
        .returning(SignInCode.customer_id)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if spent is None:
        return CodeCheck(problem="dead")
    return CodeCheck(email=email, customer_id=spent[0])


def link_is_live(token: str, now: datetime | None = None) -> bool:
    """Whether a sign-in link would still work (reads only: opening the link spends
    nothing, so a mail scanner following it changes nothing)."""
    if not codes.looks_like_link_token(token):
        return False
    now = now or utcnow()
    found = db.session.scalar(
        select(SignInCode.id).where(
            SignInCode.link_hash == codes.link_hash(token),
            SignInCode.purpose == CodePurpose.SIGN_IN,
            *_live(now),
        )
    )
    return found is not None


def spend_link(token: str, now: datetime | None = None) -> CodeCheck:
    """Spend a sign-in link with one conditional UPDATE (flushes): the verified address,
    or "dead" when it was used, expired, replaced or its code was guessed at too often."""
    if not codes.looks_like_link_token(token):
        return CodeCheck(problem="dead")
    now = now or utcnow()
    spent = db.session.execute(
        update(SignInCode)
        .where(
            SignInCode.link_hash == codes.link_hash(token),
            SignInCode.purpose == CodePurpose.SIGN_IN,
            *_live(now),
        )
        .values(used_at=now)
        .returning(SignInCode.email)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if spent is None:
        return CodeCheck(problem="dead")
    return CodeCheck(email=spent[0])


def forget_spent_codes(now: datetime | None = None) -> int:
    """Delete codes that can no longer be used (flushes); returns how many went."""
    now = now or utcnow()
    return db.session.execute(
        delete(SignInCode).where(
            (SignInCode.used_at.is_not(None))
            | (SignInCode.expires_at <= now)
            | (SignInCode.attempts >= CODE_MAX_ATTEMPTS)
        )
    ).rowcount


# Signing in -------------------------------------------------------------------------


def customer_by_email(email: str) -> Customer | None:
    return db.session.scalar(select(Customer).where(Customer.email == normalise_email(email)))


def sign_in(email: str, now: datetime | None = None) -> Customer:
    """The account of a verified address, opened now if it has none (flushes)."""
    now = now or utcnow()
    email = normalise_email(email)
    customer = customer_by_email(email)
    if customer is None:
        try:
            # A savepoint: two first sign-ins at once both try, one insert stands.
            with db.session.begin_nested():
                customer = Customer(
                    email=email, name="", session_key=new_session_key(), created_at=now
                )
                db.session.add(customer)
        except IntegrityError:
            customer = customer_by_email(email)
            if customer is None:
                raise
    customer.last_signed_in_at = now
    db.session.flush()
    return customer


def end_sessions(customer: Customer) -> None:
    """Sign the account out everywhere: every session cookie naming it stops working."""
    customer.session_key = new_session_key()
    db.session.flush()


# The basket kept with the account ---------------------------------------------------


@dataclass
class BasketAtSignIn:
    """Which basket the signed-in customer now uses, and what the shopper is told."""

    cart: Cart
    notes: list[str] = field(default_factory=list)


def keep_basket(customer: Customer, guest_token: str | None) -> BasketAtSignIn:
    """Bring the guest basket and the one kept with the account together (flushes).

    - only one of them holds anything: that one becomes the account's basket;
    - both do: the guest basket's lines move into the account's, each capped by the
      stock left and the most one order may hold, and the guest basket is emptied;
    - neither exists: a new, empty basket is kept with the account, so whatever is
      added while signed in stays with it.
    """
    guest = cart_services.find_cart(guest_token, pictures=False)
    kept = cart_services.find_cart_by_id(customer.cart_id) if customer.cart_id else None
    if guest is not None and kept is not None and guest.id == kept.id:
        return BasketAtSignIn(kept)
    notes: list[str] = []
    if kept is None or not kept.lines:
        chosen = guest or kept or cart_services.new_cart()
    elif guest is None or not guest.lines:
        chosen = kept
    else:
        notes = cart_services.merge_baskets(guest, kept)
        chosen = kept
    db.session.flush()
    customer.cart_id = chosen.id
    db.session.flush()
    return BasketAtSignIn(chosen, notes)


# Orders -----------------------------------------------------------------------------


def orders_query(customer: Customer):
    """The orders placed with the account's verified email, newest first, guest orders
    from before the account existed included (a select to paginate).

    By the address, not a column on the order: the order belongs to whoever can read
    mail at the address it was placed with, and proving that is what signing in is.
    """
    return (
        select(Order)
        .where(func.lower(Order.email) == customer.email, Order.status.in_(PLACED))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .options(selectinload(Order.lines))
    )


def customer_order(customer: Customer, order_id: int) -> Order | None:
    """One of the customer's placed orders, or None when it is not theirs."""
    order = db.session.get(Order, order_id)
    if order is None or order.status not in PLACED:
        return None
    if normalise_email(order.email) != customer.email:
        return None
    return order


@dataclass
class BuyAgain:
    """What "Buy again" did: the items added, and a note for each line it could not add
    in full."""

    added: int = 0
    notes: list[str] = field(default_factory=list)


def buy_again(order: Order, cart: Cart) -> BuyAgain:
    """Put an order's items back in the basket (flushes): what is still sold, at
    today's prices (the basket always prices from the catalogue), never more than is in
    stock or one order may hold; a note for whatever could not be added."""
    result = BuyAgain()
    for line in order.lines:
        name = f"{line.product_name} ({line.size_label})"
        if line.variant_id is None:
            result.notes.append(f"{name} is no longer sold.")
            continue
        before = next((ln.quantity for ln in cart.lines if ln.variant_id == line.variant_id), 0)
        try:
            added, message = cart_services.add_to_cart(
                cart, line.variant_id, min(line.quantity, cart_services.MAX_QUANTITY)
            )
        except cart_services.CartError as exc:
            result.notes.append(str(exc))
            continue
        result.added += added.quantity - before
        if added.quantity - before < line.quantity:
            result.notes.append(message)
    return result


# Details ----------------------------------------------------------------------------


def change_name(customer: Customer, name: str) -> None:
    name = " ".join((name or "").split())
    if len(name) > NAME_MAX_LENGTH:
        raise AccountError(f"Use at most {NAME_MAX_LENGTH} characters.")
    if name != customer.name:
        customer.name = name
        send_after_commit(customer_changed, customer_id=customer.id)
    db.session.flush()


def request_email_change(customer: Customer, new_email: str) -> IssuedCode:
    """A code for the new address, to prove the customer reads it (flushes)."""
    new_email = normalise_email(new_email)
    if new_email == customer.email:
        raise AccountError("That is already your email address.")
    return issue_code(new_email, CodePurpose.CHANGE_EMAIL, customer_id=customer.id)


def confirm_email_change(customer: Customer, new_email: str, code: str) -> CodeCheck:
    """Check the code sent to `new_email` and, if it is right, make it the account's
    address (flushes). AccountError when another account already uses it."""
    checked = check_code(new_email, code, CodePurpose.CHANGE_EMAIL)
    if not checked.ok:
        return checked
    if checked.customer_id != customer.id:
        return CodeCheck(problem="dead")
    taken = customer_by_email(checked.email)
    if taken is not None and taken.id != customer.id:
        raise AccountError(
            "Another account already uses that address. Sign in with it to use that account."
        )
    customer.email = checked.email
    send_after_commit(customer_changed, customer_id=customer.id)
    db.session.flush()
    return checked


# The customer's data ----------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def newsletter_subscription(customer: Customer) -> Subscriber | None:
    return db.session.scalar(select(Subscriber).where(Subscriber.email == customer.email))


def export_data(customer: Customer, now: datetime | None = None) -> dict:
    """Everything the shop holds about the customer, as plain data for a JSON download,
    and an audit entry saying it was downloaded (flushes)."""
    now = now or utcnow()
    orders = db.session.scalars(orders_query(customer)).all()
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.customer_id == customer.id)
        .order_by(Comment.created_at)
        .options(selectinload(Comment.article))
    ).all()
    subscriber = newsletter_subscription(customer)
    basket = cart_services.find_cart_by_id(customer.cart_id) if customer.cart_id else None
    reviews = (
        db.session.scalars(
            select(Review)
            .where(Review.order_id.in_([order.id for order in orders]))
            .order_by(Review.created_at)
            .options(selectinload(Review.product))
        ).all()
        if orders
        else []
    )
    alerts = db.session.scalars(
        select(StockAlert)
        .where(StockAlert.email == customer.email)
        .order_by(StockAlert.requested_at)
        .options(selectinload(StockAlert.variant))
    ).all()
    data = {
        "exported_at": now.isoformat(),
        "account": {
            "email": customer.email,
            "name": customer.name,
            "display_name": customer.display_name,
            "created_at": _iso(customer.created_at),
            "last_signed_in_at": _iso(customer.last_signed_in_at),
            "comments_blocked": customer.comments_blocked,
            "stripe_customer_id": customer.stripe_customer_id,
        },
        "orders": [
            {
                "number": order.number,
                "placed_at": _iso(order.created_at),
                "paid_at": _iso(order.paid_at),
                "status": order.status,
                "fulfilment_status": order.fulfilment_status,
                "currency": order.currency,
                "subtotal_pence": order.subtotal_pence,
                "shipping_pence": order.shipping_pence,
                "total_pence": order.total_pence,
                "refunded_pence": order.refunded_pence,
                "email": order.email,
                "ship_to": {
                    "name": order.ship_to_name,
                    "line1": order.ship_to_line1,
                    "line2": order.ship_to_line2,
                    "city": order.ship_to_city,
                    "postcode": order.ship_to_postcode,
                    "country": order.ship_to_country,
                },
                "delivery": order.shipping_name,
                "lines": [
                    {
                        "product": line.product_name,
                        "size": line.size_label,
                        "sku": line.sku,
                        "unit_price_pence": line.unit_price_pence,
                        "quantity": line.quantity,
                    }
                    for line in order.lines
                ],
            }
            for order in orders
        ],
        "comments": [
            {
                "article": comment.article.title,
                "article_slug": comment.article.slug,
                "body": comment.body,
                "status": comment.status,
                "written_at": _iso(comment.created_at),
            }
            for comment in comments
        ],
        "reviews": [
            {
                "product": review.product.name,
                "rating": review.rating,
                "title": review.title,
                "body": review.body,
                "name_shown": review.author_name,
                "status": review.status,
                "written_at": _iso(review.created_at),
            }
            for review in reviews
        ],
        "back_in_stock_requests": [
            {
                "sku": alert.variant.sku,
                "size": alert.variant.size_label,
                "status": alert.status,
                "requested_at": _iso(alert.requested_at),
                "expires_at": _iso(alert.expires_at),
            }
            for alert in alerts
        ],
        "newsletter": None
        if subscriber is None
        else {
            "email": subscriber.email,
            "status": subscriber.status,
            "topics": subscriber.topic_names,
            "requested_at": _iso(subscriber.requested_at),
            "confirmed_at": _iso(subscriber.confirmed_at),
            "unsubscribed_at": _iso(subscriber.unsubscribed_at),
            "consent_version": subscriber.consent_version,
        },
        "consultations": [
            {
                "service": booking.service.name,
                "mentor": booking.mentor.name,
                "starts_at": _iso(booking.starts_at),
                "status": booking.status,
                "name": booking.name,
                "email": booking.email,
                "skin_concerns": booking.concerns.splitlines(),
                "notes": booking.notes,
                "consented_at": _iso(booking.consented_at),
                "paid_pence": booking.paid_pence,
                "refunded_pence": booking.refunded_pence,
            }
            for booking in bookings_for_email(customer.email)
        ],
        "basket": []
        if basket is None
        else [
            {
                "product": line.variant.product.name,
                "size": line.variant.size_label,
                "quantity": line.quantity,
            }
            for line in basket.lines
        ],
    }
    record_audit(
        None,
        "customer.export",
        "customer",
        customer.id,
        f"Customer account {customer.id} downloaded its data",
        after={"orders": len(orders), "comments": len(comments)},
        now=now,
    )
    return data


def erase_account(customer: Customer, now: datetime | None = None) -> None:
    """Erase the account at the customer's request (flushes).

    Personal data goes: the account row (email, names, the Stripe customer id), its
    codes, the link to its basket, which is emptied, and its subscriptions, which end;
    after the commit, the Stripe
    Customer too (customer_erased: shop.payments.customers). Their comments stay, shown as
    "a former customer". Orders stay for the accounting record (six years in the UK);
    nothing on them names the account, and they were found by an address the shop no
    longer links to anyone. The newsletter subscription is a consent of its own, kept
    until its owner unsubscribes. The audit log keeps that it happened, by id only.
    """
    now = now or utcnow()
    orders = db.session.scalar(
        select(func.count()).select_from(orders_query(customer).order_by(None).subquery())
    )
    comments = db.session.execute(
        update(Comment)
        .where(Comment.customer_id == customer.id)
        .values(customer_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(
        delete(SignInCode).where(
            (SignInCode.customer_id == customer.id) | (SignInCode.email == customer.email)
        )
    )
    if customer.cart_id:
        cart_services.empty_cart(customer.cart_id)
    # Health notes given for consultations are special category data: they go too (the
    # bookings stay, like orders, for the clinic's records).
    notes = erase_health_notes_for(customer.email)
    # Subscriptions end (Stripe ends its own with the Stripe Customer) and forget the
    # address; their orders stay, like the others.
    ended = end_subscriptions_of(customer.id)
    record_audit(
        None,
        "customer.erase",
        "customer",
        customer.id,
        f"Customer account {customer.id} erased at the customer's request",
        before={
            "orders_kept": orders,
            "comments_kept_anonymous": comments,
            "booking_notes_erased": notes,
            "subscriptions_ended": ended,
        },
        now=now,
    )
    send_after_commit(
        customer_erased, customer_id=customer.id, stripe_customer_id=customer.stripe_customer_id
    )
    db.session.delete(customer)
    db.session.flush()
