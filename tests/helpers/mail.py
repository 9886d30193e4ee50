"""Helpers for the mail tests: paying for an order, reading the outbox and a timeline."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy import select

from shop.extensions import db
from shop.mail.models import OutgoingEmail
from shop.orders.models import Order, OrderEvent
from tests.helpers.checkout import add_to_cart

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Example Street",
    "line2": "",
    "city": "London",
    "postcode": "SW1A 1AA",
}


@dataclass(frozen=True)
class Paid:
    order_id: int
    email: str
    response: object  # the success page's answer


def pay(app, client, variant_id: int, email: str = "ada@example.com") -> Paid:
    """Buy one `variant_id` with the demo provider: basket, checkout, payment page and
    the success page the provider sends the shopper back to."""
    add_to_cart(client, variant_id, 1)
    payment_page = client.post("/checkout").headers["Location"]
    paid = client.post(payment_page, data={"action": "pay", "email": email, **ADDRESS})
    assert paid.status_code == 303, paid.status_code
    success = client.get(paid.headers["Location"].removeprefix("http://shop.test"))
    assert success.status_code == 303, success.status_code
    token = urlsplit(success.headers["Location"]).path.rsplit("/", 1)[-1]
    with app.app_context():
        order_id = db.session.scalar(select(Order.id).where(Order.access_token == token))
    return Paid(order_id, email, success)


def outbox(app) -> list[OutgoingEmail]:
    """Every stored email, oldest first, detached."""
    with app.app_context():
        rows = list(db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)))
        db.session.expunge_all()
        return rows


def timeline(app, order_id: int) -> list[tuple[str, str]]:
    """(kind, message) of the order's events, oldest first."""
    with app.app_context():
        return [
            (event.kind, event.message)
            for event in db.session.scalars(
                select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
            )
        ]


def email_events(app, order_id: int) -> list[str]:
    return [kind for kind, _message in timeline(app, order_id) if kind.startswith("email_")]


GREETING_TXT = "Hello {{ name }},\nWelcome to {{ shop_name }}.\n"
GREETING_HTML = "<p>Hello <strong>{{ name }}</strong>, welcome to {{ shop_name }}.</p>\n"


def use_test_templates(app, folder):
    """Let `app` render the `greeting` email from `folder`, before its own templates."""
    folder.mkdir(exist_ok=True)
    (folder / "greeting.txt").write_text(GREETING_TXT, encoding="utf-8")
    (folder / "greeting.html").write_text(GREETING_HTML, encoding="utf-8")
    app.jinja_loader = ChoiceLoader([FileSystemLoader(str(folder)), app.jinja_loader])
    return app
