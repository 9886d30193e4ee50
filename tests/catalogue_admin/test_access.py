"""Only editors and administrators reach the catalogue screens."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from shop.backoffice.access import FORBIDDEN_MESSAGE
from tests.helpers import page

PAGES = [
    ("get", "/admin/catalogue/"),
    ("get", "/admin/catalogue/products/new"),
    ("get", "/admin/catalogue/products/{id}"),
    ("get", "/admin/catalogue/products/{id}/variants"),
    ("get", "/admin/catalogue/products/{id}/formulation"),
    ("get", "/admin/catalogue/products/{id}/key-facts"),
    ("post", "/admin/catalogue/products/{id}/key-facts"),
    ("get", "/admin/catalogue/products/{id}/images"),
    ("get", "/admin/catalogue/csv"),
    ("get", "/admin/catalogue/csv/export"),
    ("post", "/admin/catalogue/products/{id}/archive"),
    ("post", "/admin/catalogue/products/{id}/duplicate"),
    ("post", "/admin/catalogue/csv/apply"),
]


@pytest.mark.parametrize("method, path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(app, client, cream, method, path):
    response = getattr(client, method)(path.format(id=cream))
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/admin/login"
    assert "next=" in location.query


@pytest.mark.parametrize("method, path", PAGES)
def test_fulfilment_staff_are_refused(app, client, cream, login, method, path):
    login("fulfilment")
    response = getattr(client, method)(path.format(id=cream))
    assert response.status_code == 403
    assert FORBIDDEN_MESSAGE in page(response).get_text(" ", strip=True)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("role", ["admin", "editor"])
def test_editors_and_administrators_get_in_from_the_menu(app, client, cream, login, role):
    login(role)
    nav = page(client.get("/admin/")).find("nav", attrs={"aria-label": "Back office"})
    link = nav.find("a", string="Catalogue")
    assert link["href"] == "/admin/catalogue/"
    response = client.get(link["href"])
    assert response.status_code == 200
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    current = page(response).find("nav", attrs={"aria-label": "Back office"})
    assert [a.get_text() for a in current.select("[aria-current=page]")] == ["Catalogue"]
    inside = page(client.get(f"/admin/catalogue/products/{cream}/variants"))
    nav = inside.find("nav", attrs={"aria-label": "Back office"})
    assert [a.get_text() for a in nav.select("[aria-current=page]")] == ["Catalogue"]
