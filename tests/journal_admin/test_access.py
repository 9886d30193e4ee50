"""Who may use the journal's staff screens: editors and administrators."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.factories import ArticleFactory, AuthorFactory


@pytest.fixture
def urls(app):
    with app.app_context():
        article = ArticleFactory()
        author = AuthorFactory()
        return [
            "/admin/journal/",
            "/admin/journal/new",
            f"/admin/journal/{article.id}",
            "/admin/journal/authors",
            "/admin/journal/authors/new",
            f"/admin/journal/authors/{author.id}",
        ]


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_editors_and_administrators_get_in(client, login, urls, role):
    login(role)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_fulfilment_staff_are_refused(client, login, urls):
    login("fulfilment")
    for url in urls:
        assert client.get(url).status_code == 403, url
        if not url.endswith(("/journal/", "/authors")):  # the lists are read-only
            assert client.post(url, data={"title": "x"}).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client, urls):
    for url in urls:
        for response in (client.get(url), client.post(url, data={"title": "x"})):
            if response.status_code == 405:  # the lists are read-only
                continue
            assert response.status_code == 302, url
            location = urlsplit(response.headers["Location"])
            assert location.path == "/admin/login"
            assert "next=" in location.query


def test_the_journal_shows_in_the_editors_menu(client, login):
    login("editor")
    from tests.helpers import page

    nav = page(client.get("/admin/")).find("nav", attrs={"aria-label": "Back office"})
    links = {a.get_text(strip=True): a["href"] for a in nav.select(".admin-nav__links a")}
    assert links["Journal"] == "/admin/journal/"
