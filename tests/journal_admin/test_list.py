"""The article list: search, filters by status, concern and tag, pages, query count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shop.models import utcnow
from tests.factories import ArticleFactory, SkinConcernFactory, TagFactory
from tests.helpers import page


def titles(response) -> list[str]:
    return [
        row.select_one("th a").get_text(strip=True)
        for row in page(response).select("[data-articles] tbody tr")
    ]


@pytest.fixture
def articles(app):
    now = utcnow()
    with app.app_context():
        acne = SkinConcernFactory(slug="acne", name="Acne")
        tag = TagFactory(slug="zinc", name="Zinc")
        ArticleFactory(title="Draft about zinc", status="draft", published_at=None, tags=[tag])
        ArticleFactory(
            title="Scheduled for later",
            status="scheduled",
            published_at=now + timedelta(days=2),
            concerns=[acne],
        )
        ArticleFactory(
            title="Scheduled and due", status="scheduled", published_at=now - timedelta(hours=1)
        )
        ArticleFactory(title="Published on acne", concerns=[acne], tags=[tag])


def test_the_list_shows_every_article_with_its_state(client, editor, articles):
    response = client.get("/admin/journal/")
    assert response.status_code == 200
    states = {
        row.select_one("th a").get_text(strip=True): row.select_one(".article-state").get_text()
        for row in page(response).select("[data-articles] tbody tr")
    }
    assert states == {
        "Draft about zinc": "Draft",
        "Scheduled for later": "Scheduled",
        "Scheduled and due": "Published",
        "Published on acne": "Published",
    }
    nav = page(response).find("nav", attrs={"aria-label": "Back office"})
    assert nav.select_one("[aria-current=page]").get_text(strip=True) == "Journal"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("?q=ZINC", ["Draft about zinc"]),
        ("?q=50%25", []),
        ("?status=draft", ["Draft about zinc"]),
        ("?status=scheduled", ["Scheduled for later"]),
        ("?status=published", ["Published on acne", "Scheduled and due"]),
        ("?concern=acne", ["Published on acne", "Scheduled for later"]),
        ("?tag=zinc", ["Draft about zinc", "Published on acne"]),
        ("?tag=zinc&status=published", ["Published on acne"]),
    ],
)
def test_search_and_filters(client, editor, articles, query, expected):
    response = client.get(f"/admin/journal/{query}")
    assert response.status_code == 200
    assert sorted(titles(response)) == expected


def test_unknown_filters_are_refused_next_to_the_field(client, editor, articles):
    response = client.get("/admin/journal/?status=lost&concern=nope")
    assert response.status_code == 400
    errors = page(response).select(".admin-filters .field-error")
    assert len(errors) == 2
    assert len(titles(response)) == 4  # the unfiltered list instead


def test_pages_and_a_fixed_number_of_queries(app, client, editor, count_queries):
    with app.app_context():
        concern = SkinConcernFactory()
        tag = TagFactory()
        for n in range(3):
            ArticleFactory(title=f"Few {n}", concerns=[concern], tags=[tag])
    client.get("/admin/journal/")
    with count_queries() as few:
        assert len(titles(client.get("/admin/journal/"))) == 3
    with app.app_context():
        for n in range(40):
            ArticleFactory(title=f"Many {n:02d}", concerns=[concern], tags=[tag])
    with count_queries() as many:
        first = client.get("/admin/journal/")
    assert len(titles(first)) == 25
    assert len(many) == len(few)
    second = client.get("/admin/journal/?page=2")
    assert len(titles(second)) == 18
    assert not set(titles(first)) & set(titles(second))
    pages = page(first).select(".pagination a")
    assert any(a["href"] == "/admin/journal/?page=2" for a in pages)
    assert client.get("/admin/journal/?page=99999999999999999999").status_code == 200
