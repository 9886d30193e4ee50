"""Pages holding one person's data (basket, order, payment, account, back office) are
never kept by a browser or a proxy: Cache-Control: no-store, set by address."""

from __future__ import annotations

import pytest

from tests.factories import ProductFactory
from tests.helpers import local
from tests.helpers.checkout import ADDRESS
from tests.helpers.staff import AuthActions


@pytest.fixture
def variant_id(app):
    with app.app_context():
        return ProductFactory(slug="cream", variants__on_hand=10).variants[0].id


def test_a_whole_demo_purchase_is_never_stored(app, client, variant_id):
    answers = {"/cart (empty)": client.get("/cart")}
    answers["POST /cart/add"] = client.post(
        "/cart/add", data={"variant_id": variant_id, "quantity": 1}
    )
    answers["/cart"] = client.get("/cart")
    answers["POST /checkout"] = checkout = client.post("/checkout")
    payment_page = checkout.headers["Location"]
    answers["demo payment page"] = client.get(payment_page)
    answers["POST demo payment"] = paid = client.post(
        payment_page, data={"action": "pay", **ADDRESS}
    )
    answers["/checkout/success"] = success = client.get(local(paid.headers["Location"]))
    order_page = success.headers["Location"]
    answers["/orders/<token>"] = client.get(order_page)
    token = order_page.rsplit("/", 1)[1]
    answers["/checkout/cancel"] = client.get(f"/checkout/cancel?order={token}")

    for what, response in answers.items():
        assert response.status_code < 400, what
        assert response.headers.get("Cache-Control") == "no-store", what


def test_back_office_pages_are_never_stored(app, client):
    AuthActions(app, client)("admin")
    for path in ("/admin/", "/admin/staff", "/admin/audit", "/admin/login"):
        response = client.get(path)
        assert response.headers.get("Cache-Control") == "no-store", path


def test_pages_added_later_under_account_are_covered(app_factory):
    """The rule is by address, so a customer-account page nobody has written yet gets it."""
    app = app_factory()

    @app.get("/account/orders")
    def account_orders():
        return "Your orders"

    response = app.test_client().get("/account/orders")
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/products/cream", "/journal", "/robots.txt"])
def test_public_pages_stay_cacheable(client, variant_id, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
