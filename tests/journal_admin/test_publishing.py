"""Publishing now, scheduling in UK time, unpublishing, and what shoppers see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shop.extensions import db
from shop.journal.models import Article
from shop.models import utcnow
from tests.factories import ArticleFactory
from tests.helpers import page
from tests.helpers.journal_admin import article_by_slug, audit_entries, resubmit


def draft(app, **fields) -> str:
    with app.app_context():
        article = ArticleFactory(
            slug="zinc", title="Zinc", status="draft", published_at=None, **fields
        )
        return f"/admin/journal/{article.id}"


def errors_for(response, name):
    field = page(response).select_one(f'[data-journal-editor] [name="{name}"]')
    return [
        p.get_text(strip=True) for p in field.find_parent(class_="field").select(".field-error")
    ]


def test_publish_now_puts_it_on_the_site(app, client, editor):
    url = draft(app)
    assert client.get("/journal/zinc").status_code == 404
    before = utcnow()
    response = resubmit(client, url, action="publish", title="Zinc, published")
    assert response.status_code == 303
    article = article_by_slug(app, "zinc")
    assert article.status == "published" and article.title == "Zinc, published"
    assert before <= article.published_at <= utcnow()
    editor_page = page(client.get(url))
    assert editor_page.select_one("[data-article-state]")["data-article-state"] == "published"
    assert "Published: shoppers can read it at /journal/zinc." in editor_page.get_text()
    public = client.get("/journal/zinc")
    assert public.status_code == 200
    assert page(public).h1.get_text() == "Zinc, published"
    update, publish = audit_entries(app, "article.")
    assert update["action"] == "article.update" and update["after"] == {"title": "Zinc, published"}
    assert publish["action"] == "article.publish"
    assert publish["before"] == {"status": "draft", "published_at": None}
    assert publish["after"]["status"] == "published"


def test_an_empty_article_cannot_be_published(app, client, editor):
    url = draft(app, body="")
    response = resubmit(client, url, action="publish")
    assert response.status_code == 400
    assert errors_for(response, "body") == ["Write the article before publishing it."]
    assert article_by_slug(app, "zinc").status == "draft"


def test_scheduling_hides_the_article_until_its_time(app, client, editor):
    url = draft(app)
    year = utcnow().year + 1
    response = resubmit(client, url, action="schedule", publish_at=f"{year}-07-01T09:30")
    assert response.status_code == 303
    article = article_by_slug(app, "zinc")
    assert article.status == "scheduled"
    # 09:30 in July is British Summer Time: 08:30 UTC.
    assert article.published_at == datetime(year, 7, 1, 8, 30, tzinfo=UTC)
    assert client.get("/journal/zinc").status_code == 404
    editor_page = page(client.get(url))
    assert editor_page.select_one("[data-article-state]")["data-article-state"] == "scheduled"
    assert f"1 July {year}, 09:30 BST" in editor_page.get_text()
    assert editor_page.select_one('[name="publish_at"]')["value"] == f"{year}-07-01T09:30"
    [entry] = audit_entries(app, "article.schedule")
    assert entry["after"] == {"status": "scheduled", "published_at": f"{year}-07-01T08:30:00+00:00"}

    # Time passes.
    with app.app_context():
        stored = db.session.get(Article, article.id)
        stored.published_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert client.get("/journal/zinc").status_code == 200
    assert page(client.get(url)).select_one("[data-article-state]")["data-article-state"] == (
        "published"
    )


def test_winter_times_are_greenwich_mean_time(app, client, editor):
    url = draft(app)
    year = utcnow().year + 1
    assert (
        resubmit(client, url, action="schedule", publish_at=f"{year}-01-15 09:30").status_code
        == 303
    )
    assert article_by_slug(app, "zinc").published_at == datetime(year, 1, 15, 9, 30, tzinfo=UTC)


def test_schedule_times_are_checked(app, client, editor):
    url = draft(app)
    year = utcnow().year + 1
    last_sunday_of_march = max(
        day for day in (datetime(year, 3, d) for d in range(25, 32)) if day.weekday() == 6
    )
    cases = {
        "": "Choose the date and time to publish, in UK time.",
        "tomorrow": "Enter a date and time like 2026-06-05 09:00.",
        f"{year}-02-30T09:00": "Enter a date and time like 2026-06-05 09:00.",
        "2001-01-01T09:00": "Choose a time in the future.",
        last_sunday_of_march.strftime("%Y-%m-%dT01:30"): (
            "That time does not exist in the UK: the clocks go forward then."
        ),
    }
    for value, message in cases.items():
        response = resubmit(client, url, action="schedule", publish_at=value)
        assert response.status_code == 400, value
        assert errors_for(response, "publish_at") == [message], value
        assert page(response).select_one('[name="publish_at"]')["value"] == value
    assert article_by_slug(app, "zinc").status == "draft"
    assert audit_entries(app, "article.") == []


def test_unpublish_takes_it_off_the_site(app, client, editor):
    with app.app_context():
        article = ArticleFactory(slug="live", published_at=utcnow() - timedelta(days=3))
        url = f"/admin/journal/{article.id}"
    assert client.get("/journal/live").status_code == 200
    response = resubmit(client, url, action="unpublish")
    assert response.status_code == 303
    assert client.get("/journal/live").status_code == 404
    stored = article_by_slug(app, "live")
    assert stored.status == "draft" and stored.published_at is None
    [entry] = audit_entries(app, "article.unpublish")
    assert entry["before"]["status"] == "published" and entry["after"] == {
        "status": "draft",
        "published_at": None,
    }
    # And back again.
    assert resubmit(client, url, action="publish").status_code == 303
    assert client.get("/journal/live").status_code == 200


def test_a_scheduled_article_can_be_published_now_or_unpublished(app, client, editor):
    with app.app_context():
        article = ArticleFactory(
            slug="later", status="scheduled", published_at=utcnow() + timedelta(days=2)
        )
        url = f"/admin/journal/{article.id}"
    soup = page(client.get(url))
    buttons = {b["value"] for b in soup.select('[data-journal-editor] button[name="action"]')}
    assert buttons == {"save", "preview", "publish", "schedule", "unpublish"}
    assert resubmit(client, url, action="publish").status_code == 303
    assert client.get("/journal/later").status_code == 200
    assert article_by_slug(app, "later").published_at <= utcnow()


def test_publishing_a_new_article_in_one_step(app, client, editor):
    from tests.helpers.journal_admin import article_form

    response = client.post("/admin/journal/new", data=article_form(action="publish"))
    assert response.status_code == 303
    assert client.get("/journal/zinc-and-skin").status_code == 200
    assert [e["action"] for e in audit_entries(app, "article.")] == [
        "article.create",
        "article.publish",
    ]
