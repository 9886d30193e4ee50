"""Helpers for the orders admin tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shop.backoffice.models import AuditEntry
from shop.catalogue.models import Variant
from shop.extensions import db
from shop.orders.models import Order, Refund
from tests.helpers import page
from tests.helpers.checkout import Products, add_to_cart, post_checkout, session_id_from
from tests.helpers.staff import AuthActions, Staff

DEMO_ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Example Street",
    "line2": "",
    "city": "London",
    "postcode": "SW1A 1AA",
}


STRIPE_SHIPPING = {
    "name": "Jo Bloggs",
    "address": {
        "line1": "12 Kefir Lane",
        "line2": "Flat 3",
        "city": "Leeds",
        "postal_code": "LS1 4AP",
        "country": "GB",
    },
}


@dataclass
class Shop:
    """A shop, a member of staff's browser on its back office, and ways to buy from it."""

    app: object
    smtp: object
    products: Products
    fake: object = None
    staff: object = field(init=False)
    auth: AuthActions = field(init=False)

    def __post_init__(self):
        self.staff = self.app.test_client()
        self.auth = AuthActions(self.app, self.staff)

    # -------------------------------------------------------------- staff

    def sign_in(self, role: str = "fulfilment", **fields) -> Staff:
        return self.auth(role, **fields)

    def detail(self, order_id: int):
        return self.staff.get(f"/admin/orders/{order_id}")

    def ship(self, order_id: int, carrier: str = "royal-mail", tracking: str = "AB123456789GB"):
        return self.staff.post(
            f"/admin/orders/{order_id}/ship",
            data={"carrier": carrier, "tracking_number": tracking},
        )

    def refund_form(self, order_id: int) -> dict[str, str]:
        """The refund form's fields as the order page draws them (the request key included)."""
        form = page(self.detail(order_id)).select_one("form[data-refund-form]")
        assert form is not None, "no refund form on the order page"
        values = {}
        for tag in form.select("input[name]"):
            if tag.get("type") == "checkbox":
                continue
            values[tag["name"]] = tag.get("value", "")
        return values

    def refund(self, order_id: int, amount: str, **fields):
        """Fill in and send the refund form; `return_<line id>`, `return_all`, `reason`..."""
        data = self.refund_form(order_id)
        data.update({"amount": amount, **{k: str(v) for k, v in fields.items()}})
        return self.staff.post(f"/admin/orders/{order_id}/refund", data=data)

    # -------------------------------------------------------------- shoppers

    def buy(self, items: dict[int, int], email: str = "ada@example.com") -> int:
        """A shopper's paid order of {variant id: quantity}; returns its id. The order
        confirmation email is received and then forgotten."""
        shopper = self.app.test_client()
        for variant_id, quantity in items.items():
            add_to_cart(shopper, variant_id, quantity)
        if self.fake is None:
            payment_page = shopper.post("/checkout").headers["Location"]
            paid = shopper.post(
                payment_page, data={"action": "pay", "email": email, **DEMO_ADDRESS}
            )
            assert paid.status_code == 303, paid.status_code
            success = shopper.get(paid.headers["Location"].removeprefix("http://shop.test"))
        else:
            session_id = session_id_from(post_checkout(shopper))
            self.fake.pay_session(session_id, shipping=STRIPE_SHIPPING)
            success = shopper.get(f"/checkout/success?session_id={session_id}")
        assert success.status_code == 303, success.status_code
        token = urlsplit(success.headers["Location"]).path.rsplit("/", 1)[-1]
        self.smtp.wait_for(1)
        self.smtp.clear()
        with self.app.app_context():
            order = db.session.scalar(select(Order).where(Order.access_token == token))
            assert order.status == "paid"
            return order.id

    def start_checkout(self, items: dict[int, int]) -> int:
        """An order placed but not paid for; returns its id."""
        shopper = self.app.test_client()
        for variant_id, quantity in items.items():
            add_to_cart(shopper, variant_id, quantity)
        assert shopper.post("/checkout").status_code == 303
        with self.app.app_context():
            return db.session.scalar(select(func.max(Order.id)))

    # -------------------------------------------------------------- reading the database

    def order(self, order_id: int) -> Order:
        """The order, detached, with its lines, events and refunds loaded."""
        with self.app.app_context():
            order = db.session.scalar(
                select(Order)
                .where(Order.id == order_id)
                .options(
                    selectinload(Order.lines),
                    selectinload(Order.events),
                    selectinload(Order.refunds).selectinload(Refund.lines),
                )
            )
            db.session.expunge_all()
            return order

    def on_hand(self, variant_id: int) -> int:
        with self.app.app_context():
            return db.session.get(Variant, variant_id).on_hand

    def audit(self, action: str) -> list[AuditEntry]:
        with self.app.app_context():
            entries = list(
                db.session.scalars(
                    select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
                )
            )
            db.session.expunge_all()
            return entries

    def update_order(self, order_id: int, **values) -> None:
        """Change an order behind the shop's back (to set up a state that takes time)."""
        with self.app.app_context():
            order = db.session.get(Order, order_id)
            for key, value in values.items():
                setattr(order, key, value)
            db.session.commit()
