"""Checkout fixtures: a local Stripe-compatible server, a real SMTP server and a small shop.

The app talks to `FakeStripe` through the real `stripe` library over HTTP and sends its
email over SMTP to `smtp_server`. Helpers here drive the shop the way a browser does
(forms and redirects) and read the database in short app contexts of their own, so no
app context is ever held while other threads make requests.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from shop.catalogue.models import Variant
from shop.extensions import db
from shop.orders.models import Order, OrderEvent
from tests.factories import ProductFactory
from tests.helpers import page
from tests.stripe_server import FakeStripe, sign_payload

STRIPE_SECRET_KEY = "sk_test_shop"
WEBHOOK_SECRET = "whsec_test_shop"
SESSIONS_PATH = "/v1/checkout/sessions"

# The checkout form as a shopper fills it in on the demo provider's path.
ADDRESS = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "line1": "12 Example Street",
    "line2": "",
    "city": "London",
    "postcode": "sw1a 1aa",
}


@pytest.fixture(scope="session")
def stripe_server():
    """One local Stripe for the whole session; `fake` empties it for each test."""
    server = FakeStripe().start()
    yield server
    server.stop()


@pytest.fixture
def fake(stripe_server):
    stripe_server.reset()
    yield stripe_server
    stripe_server.reset()


@pytest.fixture
def stripe_app(app_factory, fake, smtp_server):
    """The shop with Stripe keys, pointed at `fake`, sending email to `smtp_server`."""
    smtp_server.clear()
    return app_factory(
        STRIPE_SECRET_KEY=STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=fake.url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_DEFAULT_SENDER="Flora & Barrier <hello@shop.test>",
    )


@dataclass(frozen=True)
class Products:
    cream: int  # Barrier Cream 50 ml, £18.00, 20 in stock
    capsules: int  # Live Bacteria Capsules 60 capsules, £24.50, 20 in stock
    archived: int  # a variant of a product that is no longer sold


@pytest.fixture
def shopper(stripe_app):
    """A browser on the Stripe-configured shop."""
    return stripe_app.test_client()


@pytest.fixture
def products(stripe_app) -> Products:
    return make_products(stripe_app)


def make_products(app) -> Products:
    with app.app_context():
        cream = ProductFactory(
            name="Barrier Cream",
            variants__size_label="50 ml",
            variants__price_pence=1800,
            variants__on_hand=20,
        )
        capsules = ProductFactory(
            name="Live Bacteria Capsules",
            variants__size_label="60 capsules",
            variants__price_pence=2450,
            variants__on_hand=20,
        )
        old = ProductFactory(name="Old Toner", is_active=False, variants__price_pence=900)
        return Products(
            cream=cream.variants[0].id,
            capsules=capsules.variants[0].id,
            archived=old.variants[0].id,
        )


# ------------------------------------------------------------------ driving the shop


def add_to_cart(client, variant_id, quantity=1, **extra) -> list[str]:
    """Add to the basket without JavaScript: post the form, follow the redirect, and
    return the messages the page showed (so none is left over for the next page)."""
    data = {"variant_id": str(variant_id), "quantity": str(quantity), **extra}
    response = client.post("/cart/add", data=data)
    assert response.status_code == 303, response.status_code
    return flashes(follow(client, response))


def post_checkout(client):
    return client.post("/checkout")


def session_id_from(response) -> str:
    """The Checkout Session id in a redirect to the session's hosted page."""
    assert response.status_code == 303, response.status_code
    path = urlsplit(response.headers["Location"]).path
    match = re.fullmatch(r"/pay/(cs_\w+)", path)
    assert match, response.headers["Location"]
    return match.group(1)


def flashes(response) -> list[str]:
    return [p.get_text(" ", strip=True) for p in page(response).select(".flash")]


def follow(client, response):
    """GET the local page a redirect points at (the flashed messages show there)."""
    assert response.status_code in (302, 303), response.status_code
    location = urlsplit(response.headers["Location"])
    path = location.path + (f"?{location.query}" if location.query else "")
    return client.get(path)


def session_creates(fake) -> list:
    return fake.requests_for("POST", SESSIONS_PATH)


def send_event(client, event: dict, *, secret=WEBHOOK_SECRET, timestamp=None, signature=None):
    payload = json.dumps(event)
    if signature is None:
        signature = sign_payload(payload, secret, timestamp=timestamp)
    headers = {"Content-Type": "application/json"}
    if signature:
        headers["Stripe-Signature"] = signature
    return client.post("/stripe/webhook", data=payload, headers=headers)


def session_object(fake, session_id: str) -> dict:
    """A copy of the session as the fake holds it (an event's `data.object`)."""
    with fake.lock:
        return json.loads(json.dumps(fake.sessions[session_id]))


def set_session(fake, session_id: str, **values) -> None:
    """Change a session at the fake, as Stripe would (expired, a late payment...)."""
    with fake.lock:
        fake.sessions[session_id].update(values)


# ------------------------------------------------------------------ reading the database


class Stock(NamedTuple):
    on_hand: int
    reserved: int


def stock(app, variant_id: int) -> Stock:
    with app.app_context():
        variant = db.session.get(Variant, variant_id)
        return Stock(variant.on_hand, variant.reserved)


def orders(app) -> list[Order]:
    """Every order, detached from its session (attributes and lines loaded)."""
    with app.app_context():
        found = db.session.scalars(select(Order).order_by(Order.id)).all()
        for order in found:
            order.lines  # noqa: B018 - load before the session closes
            db.session.expunge(order)
        return list(found)


def only_order(app) -> Order:
    found = orders(app)
    assert len(found) == 1, f"expected one order, found {len(found)}"
    return found[0]


def event_count(app, order_id: int, kind: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(OrderEvent)
            .where(OrderEvent.order_id == order_id, OrderEvent.kind == kind)
        )


def set_variant(app, variant_id: int, **values) -> None:
    with app.app_context():
        variant = db.session.get(Variant, variant_id)
        for key, value in values.items():
            setattr(variant, key, value)
        db.session.commit()


def update_order(app, order_id: int, **values) -> None:
    """Change an order behind the shop's back (to set up a state that takes time)."""
    with app.app_context():
        order = db.session.get(Order, order_id)
        for key, value in values.items():
            setattr(order, key, value)
        db.session.commit()


def cart_quantities(app, client) -> dict[int, int]:
    """What the client's basket holds, by variant id."""
    from shop.cart.services import find_cart

    with client.session_transaction() as session:
        token = session.get("cart")
    with app.app_context():
        cart = find_cart(token)
        return {} if cart is None else {line.variant_id: line.quantity for line in cart.lines}


def run_together(*calls, timeout: float = 60):
    """Run each call in its own thread, all released at once; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index, call):
        try:
            barrier.wait(timeout=timeout)
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    if errors:
        raise errors[0]
    return results


def client_at(app, address: str):
    """A browser of its own (its own basket) at another client address: each person
    gets CHECKOUT_OPEN_PER_CLIENT open checkouts, and every test client is 127.0.0.1."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def share_basket(app, client):
    """Another browser tab: a new test client carrying the same session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie yet"
    other = app.test_client()
    other.set_cookie("session", cookie.value)
    return other
