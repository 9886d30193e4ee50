"""Managing authors: list, add, edit, all audited."""

from __future__ import annotations

from tests.factories import ArticleFactory, AuthorFactory
from tests.helpers import page
from tests.helpers.journal_admin import audit_entries


def test_authors_are_listed_with_their_article_counts(app, client, editor):
    with app.app_context():
        busy = AuthorFactory(name="Owen Pryce", credentials="MSc")
        AuthorFactory(name="Idle Person", credentials="")
        ArticleFactory(author=busy)
        ArticleFactory(author=busy)
    rows = page(client.get("/admin/journal/authors")).select("[data-authors] tbody tr")
    counts = {
        row.th.get_text(strip=True): row.select("td")[-1].get_text(strip=True) for row in rows
    }
    assert counts == {"Idle Person": "0", "Owen Pryce, MSc": "2"}


def test_adding_and_editing_an_author(app, client, editor):
    response = client.post(
        "/admin/journal/authors/new",
        data={"name": "  Amara   Okafor ", "credentials": "Dr", "bio": "A GP."},
    )
    assert response.status_code == 303
    [created] = audit_entries(app, "author.")
    assert created["after"] == {"name": "Amara Okafor", "credentials": "Dr", "bio": "A GP."}
    author_id = created["entity_id"]
    url = f"/admin/journal/authors/{author_id}"
    assert page(client.get(url)).select_one('[name="name"]')["value"] == "Amara Okafor"
    assert client.post(url, data={"name": "", "credentials": "Dr"}).status_code == 400
    response = client.post(
        url, data={"name": "Amara Okafor", "credentials": "Prof", "bio": "A GP."}
    )
    assert response.status_code == 303
    update = audit_entries(app, "author.update")[0]
    assert update["before"] == {"credentials": "Dr"} and update["after"] == {"credentials": "Prof"}
    assert "Prof Amara Okafor" in client.get("/admin/journal/authors").get_data(as_text=True)


def test_a_second_author_with_the_same_name_gets_their_own_slug(app, client, editor):
    for _ in range(2):
        assert (
            client.post("/admin/journal/authors/new", data={"name": "Sam Lee"}).status_code == 303
        )
    from sqlalchemy import select

    from shop.extensions import db
    from shop.journal.models import Author

    with app.app_context():
        assert sorted(db.session.scalars(select(Author.slug))) == ["sam-lee", "sam-lee-2"]
