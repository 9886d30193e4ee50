"""Numbers too large for the database (ids of 2^31 and more, hundreds of digits) are
refused with a 4xx and a message, in URLs and in forms, never a 500."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from shop.cart.models import CartLine
from shop.extensions import db
from tests.factories import ProductFactory
from tests.helpers import page

# As typed: str(int) refuses past 4,300 digits, so the longest is a string from the start.
TOO_LARGE = [str(2**31), str(2**63), str(10**300), "9" * 5000]
NAMES = ["2^31", "2^63", "10^300", "5000 digits"]


def routes_with_ids(app) -> list[tuple[str, str]]:
    """Every (method, rule) whose URL holds an integer, as the app routes them."""
    found = []
    for rule in app.url_map.iter_rules():
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((method, rule.rule))
    return found


def test_every_back_office_address_with_an_id_is_covered(app):
    rules = {rule for _method, rule in routes_with_ids(app)}
    for expected in [
        "/admin/orders/<int:order_id>",
        "/admin/catalogue/products/<int:product_id>",
        "/admin/catalogue/variants/<int:variant_id>",
        "/admin/catalogue/images/<int:image_id>",
        "/admin/journal/<int:article_id>",
        "/admin/journal/authors/<int:author_id>",
        "/admin/newsletter/campaigns/<int:campaign_id>",
        "/admin/newsletter/subscribers/<int:subscriber_id>/erase",
        "/admin/staff/<int:user_id>/role",
    ]:
        assert expected in rules


@pytest.mark.parametrize("number", TOO_LARGE, ids=NAMES)
def test_ids_too_large_in_back_office_urls_are_404(app, client, login, number):
    login("admin")
    routes = routes_with_ids(app)
    assert len(routes) > 30
    for method, rule in routes:
        url = re.sub(r"<int:\w+>", number, rule)
        response = client.open(url, method=method)
        assert response.status_code == 404, (method, rule, response.status_code)
        assert "We can’t find that page" in response.get_data(as_text=True), (method, rule)
        json = client.open(url, method=method, headers={"Accept": "application/json"})
        assert json.status_code == 404
        assert json.json["message"], (method, rule)


def test_the_largest_id_a_column_holds_is_an_ordinary_404(app, client, login):
    login("admin")
    assert client.get(f"/admin/orders/{2**31 - 1}").status_code == 404
    assert client.get(f"/admin/catalogue/products/{2**31 - 1}").status_code == 404


@pytest.mark.parametrize("number", TOO_LARGE, ids=NAMES)
def test_page_numbers_too_large_show_the_first_page(app, client, login, number):
    login("admin")
    for path in ["/admin/orders/", "/admin/audit", "/admin/newsletter/subscribers"]:
        response = client.get(path, query_string={"page": number})
        assert response.status_code == 200, (path, response.status_code)


@pytest.fixture
def basket(app, client) -> dict:
    """A basket with 2 of a size; the size's and the line's ids."""
    with app.app_context():
        variant_id = ProductFactory(name="Kefir Serum", variants__on_hand=20).variants[0].id
    client.post("/cart/add", data={"variant_id": variant_id, "quantity": 2})
    with app.app_context():
        line_id = db.session.scalar(db.select(CartLine.id))
    return {"variant_id": variant_id, "line_id": line_id}


def basket_lines(app) -> list[tuple[int, int]]:
    with app.app_context():
        return [(ln.variant_id, ln.quantity) for ln in db.session.scalars(db.select(CartLine))]


def public_posts(basket: dict, number: str):
    """(path, form, the message a shopper is shown) for each public form with a number."""
    variant, line = basket["variant_id"], basket["line_id"]
    gone = "That item is no longer in your basket."
    return [
        ("/cart/add", {"variant_id": number, "quantity": 1}, "no longer available"),
        ("/cart/add", {"variant_id": f"-{number}", "quantity": 1}, "no longer available"),
        ("/cart/add", {"variant_id": variant, "quantity": number}, "Choose a quantity from 1"),
        ("/cart/update", {"line_id": number, "quantity": 1}, gone),
        ("/cart/update", {"line_id": line, "quantity": number}, "Choose a quantity from 0"),
        ("/cart/remove", {"line_id": number}, gone),
    ]


@pytest.mark.parametrize("number", TOO_LARGE, ids=NAMES)
def test_numbers_too_large_in_public_forms_are_refused_with_a_message(app, client, basket, number):
    before = basket_lines(app)
    for path, form, message in public_posts(basket, number):
        response = client.post(path, data=form, headers={"Accept": "application/json"})
        assert 400 <= response.status_code < 500, (path, form, response.status_code)
        assert message in response.json["message"], (path, response.json)

        # Without JavaScript: the page the shopper lands on says what was wrong.
        response = client.post(path, data=form)
        assert 300 <= response.status_code < 500, (path, response.status_code)
        if response.status_code in (302, 303):
            response = client.get(response.headers["Location"])
        shown = page(response)
        said = [p.get_text(" ", strip=True) for p in shown.select(".flash, .field-error")]
        assert any(message in text for text in said), (path, said)
    assert basket_lines(app) == before
