"""Writing and changing articles: fields, authors, tags, references, featured
products, bad input kept next to its field, and the audit log."""

from __future__ import annotations

from sqlalchemy import select

from shop.extensions import db
from shop.journal.models import Article, Author, Tag
from tests.factories import ArticleFactory, ArticleProductFactory, AuthorFactory, ReferenceFactory
from tests.helpers import page
from tests.helpers.journal_admin import (
    EDITOR,
    article_by_slug,
    article_form,
    audit_entries,
    resubmit,
)


def field_errors(response, name: str) -> list[str]:
    """The messages shown next to the field called `name`."""
    field = page(response).select_one(f'{EDITOR} [name="{name}"]')
    assert field is not None, name
    wrapper = field.find_parent(class_="field")
    return [p.get_text(" ", strip=True) for p in wrapper.select(".field-error")]


def load(app, slug: str) -> dict:
    """An article with its lists, as plain data."""
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        return {
            "id": article.id,
            "title": article.title,
            "status": article.status,
            "author": article.author.name if article.author else None,
            "credentials": article.author.credentials if article.author else None,
            "concerns": [c.slug for c in article.concerns],
            "tags": [t.slug for t in article.tags],
            "references": [
                (r.position, r.citation, r.doi, r.pmid, r.pmcid, r.url) for r in article.references
            ],
            "featured": [(f.position, f.product.slug, f.note) for f in article.featured],
        }


# Creating -------------------------------------------------------------------------------


def test_an_editor_writes_a_draft(app, client, editor, shelf):
    with app.app_context():
        author = AuthorFactory(name="Rachel Finch", credentials="RNutr")
        author_id = author.id
    response = client.post(
        "/admin/journal/new",
        data=article_form(
            author=str(author_id),
            concerns=[str(shelf["acne"])],
            tags=[str(shelf["tag"])],
        ),
    )
    assert response.status_code == 303
    saved = load(app, "zinc-and-skin")
    assert response.headers["Location"] == f"/admin/journal/{saved['id']}"
    assert saved["status"] == "draft" and saved["author"] == "Rachel Finch"
    assert saved["concerns"] == ["acne"] and saved["tags"] == ["gut-skin-axis"]
    follow = client.get(response.headers["Location"])
    assert "Saved the draft" in follow.get_data(as_text=True)
    assert page(follow).select_one("[data-article-state]")["data-article-state"] == "draft"
    # A draft is not on the site.
    assert client.get("/journal/zinc-and-skin").status_code == 404

    [entry] = audit_entries(app, "article.")
    assert entry["action"] == "article.create" and entry["staff_email"] == editor.email
    assert entry["entity_id"] == str(saved["id"]) and entry["before"] is None
    assert entry["after"]["title"] == "Zinc and skin" and entry["after"]["status"] == "draft"


def test_the_web_address_is_made_from_the_title_when_left_empty(app, client, editor):
    response = client.post(
        "/admin/journal/new", data=article_form(slug="", title="Skin & the gut: what's new?")
    )
    assert response.status_code == 303
    assert article_by_slug(app, "skin-the-gut-what-s-new") is not None


def test_bad_web_addresses_are_refused_and_the_form_kept(app, client, editor):
    with app.app_context():
        ArticleFactory(slug="taken")
    cases = {
        "Has Capitals": "lower-case letters",
        "double--hyphen": "lower-case letters",
        "-leading": "lower-case letters",
        "x" * 121: "120 characters",
        "taken": "Another article already uses this web address.",
    }
    for slug, message in cases.items():
        response = client.post(
            "/admin/journal/new", data=article_form(slug=slug, body="Keep *this* text.")
        )
        assert response.status_code == 400, slug
        assert any(message in error for error in field_errors(response, "slug")), slug
        soup = page(response)
        assert soup.select_one(f'{EDITOR} [name="slug"]')["value"] == slug
        assert soup.select_one(f'{EDITOR} [name="body"]').get_text().strip() == "Keep *this* text."
        assert soup.select_one("[role=alert]") is not None
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Article)) == 1


def test_title_is_required_and_lengths_are_checked(client, editor):
    response = client.post(
        "/admin/journal/new", data=article_form(title="", slug="ok", standfirst="s" * 281)
    )
    assert response.status_code == 400
    assert field_errors(response, "title") == ["Give the article a title."]
    assert "280 characters" in field_errors(response, "standfirst")[0]


def test_a_new_author_can_be_created_from_the_editor(app, client, editor):
    response = client.post(
        "/admin/journal/new",
        data=article_form(
            author="new",
            new_author_name="Amara Okafor",
            new_author_credentials="Dr",
            new_author_bio="A GP with an interest in skin.",
        ),
    )
    assert response.status_code == 303
    saved = load(app, "zinc-and-skin")
    assert saved["author"] == "Amara Okafor" and saved["credentials"] == "Dr"
    actions = [entry["action"] for entry in audit_entries(app)]
    assert actions == ["author.create", "article.create"]


def test_a_new_author_needs_a_name_and_cannot_clash_with_a_chosen_one(app, client, editor):
    response = client.post("/admin/journal/new", data=article_form(author="new"))
    assert response.status_code == 400
    assert field_errors(response, "new_author_name") == ["Write the new author's name."]
    with app.app_context():
        existing = AuthorFactory().id
    response = client.post(
        "/admin/journal/new", data=article_form(author=str(existing), new_author_name="Someone")
    )
    assert response.status_code == 400
    assert "choose “A new author”" in field_errors(response, "new_author_name")[0]
    response = client.post("/admin/journal/new", data=article_form(author="99999"))
    assert response.status_code == 400
    assert field_errors(response, "author") == ["Choose an author from the list."]
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Author)) == 1


def test_tags_are_created_inline_and_existing_ones_reused(app, client, editor, shelf):
    response = client.post(
        "/admin/journal/new",
        data=article_form(new_tags="Sleep, gut-skin AXIS, Stress,  sleep "),
    )
    assert response.status_code == 303
    assert load(app, "zinc-and-skin")["tags"] == ["gut-skin-axis", "sleep", "stress"]
    with app.app_context():
        assert sorted(db.session.scalars(select(Tag.slug))) == ["gut-skin-axis", "sleep", "stress"]
    assert [e["after"]["name"] for e in audit_entries(app, "tag.create")] == ["Sleep", "Stress"]
    response = client.post(
        "/admin/journal/new", data=article_form(slug="other", new_tags="!!!, ok")
    )
    assert response.status_code == 400
    assert "needs at least one letter or digit" in field_errors(response, "new_tags")[0]


# Editing -------------------------------------------------------------------------------


def test_editing_changes_only_what_changed_and_logs_before_and_after(app, client, editor):
    with app.app_context():
        article = ArticleFactory(slug="zinc", title="Zinc", status="draft", published_at=None)
        url = f"/admin/journal/{article.id}"
    unchanged = resubmit(client, url)
    assert unchanged.status_code == 303
    assert "Nothing had changed." in client.get(url).get_data(as_text=True)
    assert audit_entries(app, "article.") == []

    response = resubmit(client, url, title="Zinc, explained", standfirst="A new standfirst.")
    assert response.status_code == 303
    assert article_by_slug(app, "zinc").title == "Zinc, explained"
    [entry] = audit_entries(app, "article.")
    assert entry["action"] == "article.update"
    assert entry["before"] == {"title": "Zinc", "standfirst": "What this article is about."}
    assert entry["after"] == {"title": "Zinc, explained", "standfirst": "A new standfirst."}


def test_an_unknown_article_is_not_found(client, editor):
    assert client.get("/admin/journal/424242").status_code == 404
    assert client.post("/admin/journal/424242", data=article_form()).status_code == 404


def test_an_unknown_action_is_refused(client, editor):
    response = client.post("/admin/journal/new", data=article_form(action="explode"))
    assert response.status_code == 400


# References -----------------------------------------------------------------------------


def test_references_are_validated_one_by_one(app, client, editor):
    data = article_form(
        **{
            "references-0-citation": "Lee YB, et al. Potential Role of the Microbiome in Acne.",
            "references-0-doi": "10.3390/jcm8070987",
            "references-1-citation": "",
            "references-1-doi": "10.1000/xyz",
            "references-2-citation": "Bad identifiers.",
            "references-2-doi": "11.1234/nope",
            "references-2-pmid": "PMID12a",
            "references-2-pmcid": "PMX123",
            "references-2-url": "javascript:alert(1)",
            "references-3-citation": "A link that is not the web.",
            "references-3-url": "ftp://example.com/paper.pdf",
        }
    )
    response = client.post("/admin/journal/new", data=data)
    assert response.status_code == 400
    assert field_errors(response, "references-1-citation") == [
        "Write the citation, or clear the whole reference."
    ]
    assert field_errors(response, "references-2-doi") == ["A DOI looks like 10.3390/jcm8070987."]
    assert field_errors(response, "references-2-pmid") == ["A PMID is digits only, like 31284694."]
    assert field_errors(response, "references-2-pmcid") == [
        "A PMCID is PMC and digits, like PMC6678709."
    ]
    assert "https://" in field_errors(response, "references-2-url")[0]
    assert "https://" in field_errors(response, "references-3-url")[0]
    assert field_errors(response, "references-0-doi") == []
    # What was typed is still there.
    soup = page(response)
    assert soup.select_one('[name="references-2-url"]')["value"] == "javascript:alert(1)"
    assert article_by_slug(app, "zinc-and-skin") is None


def test_references_keep_their_order_and_tidy_identifiers(app, client, editor):
    data = article_form(
        **{
            "references-0-citation": "Second, by its order box.",
            "references-0-order": "2",
            "references-0-pmid": "PMID: 28631091",
            "references-1-citation": "First.",
            "references-1-order": "1",
            "references-1-doi": "https://doi.org/10.3390/jcm8070987",
            "references-1-pmcid": "pmc6678709",
            "references-2-citation": "",
            "references-3-citation": "Third, with a link.",
            "references-3-url": "https://example.org/paper",
        }
    )
    assert client.post("/admin/journal/new", data=data).status_code == 303
    assert load(app, "zinc-and-skin")["references"] == [
        (0, "First.", "10.3390/jcm8070987", None, "PMC6678709", None),
        (1, "Second, by its order box.", None, "28631091", None, None),
        (2, "Third, with a link.", None, None, None, "https://example.org/paper"),
    ]


def test_references_round_trip_through_the_editor(app, client, editor):
    with app.app_context():
        article = ArticleFactory(slug="refs")
        ReferenceFactory(article=article, position=0, citation="One.")
        ReferenceFactory(article=article, position=1, citation="Two.", doi=None, pmid="123")
        url = f"/admin/journal/{article.id}"
    soup = page(client.get(url))
    assert soup.select_one('[name="references-1-citation"]').get_text().strip() == "Two."
    assert soup.select_one('[name="references-2-citation"]') is not None  # blank rows to add more
    response = resubmit(client, url, **{"references-0-order": "2", "references-1-order": "1"})
    assert response.status_code == 303
    assert [ref[1] for ref in load(app, "refs")["references"]] == ["Two.", "One."]
    [entry] = audit_entries(app, "article.update")
    assert [ref["citation"] for ref in entry["before"]["references"]] == ["One.", "Two."]
    assert [ref["citation"] for ref in entry["after"]["references"]] == ["Two.", "One."]


# Featured products ------------------------------------------------------------------------


def test_featured_products_keep_their_order_and_notes(app, client, editor, shelf):
    data = article_form(
        **{
            "featured-0-product": "barrier-cream",
            "featured-0-order": "2",
            "featured-0-note": "  For the   evening. ",
            "featured-1-product": "Synbiotic Sachets",  # typed by name
            "featured-1-order": "1",
            "featured-1-note": "Zinc and fibre.",
            "featured-2-product": "",
        }
    )
    assert client.post("/admin/journal/new", data=data).status_code == 303
    saved = load(app, "zinc-and-skin")
    assert saved["featured"] == [
        (0, "synbiotic-sachets", "Zinc and fibre."),
        (1, "barrier-cream", "For the evening."),
    ]
    url = f"/admin/journal/{saved['id']}"
    soup = page(client.get(url))
    options = [option["value"] for option in soup.select("datalist#journal-products option")]
    assert "barrier-cream" in options and "old-serum" not in options  # active products only
    assert soup.select_one('[name="featured-0-product"]')["value"] == "synbiotic-sachets"

    # Reorder and drop one, keeping the other's row.
    response = resubmit(
        client, url, **{"featured-0-product": "", "featured-0-note": "", "featured-1-order": "1"}
    )
    assert response.status_code == 303
    assert load(app, "zinc-and-skin")["featured"] == [(0, "barrier-cream", "For the evening.")]
    [entry] = audit_entries(app, "article.update")
    assert entry["after"] == {
        "featured": [{"product": "barrier-cream", "note": "For the evening."}]
    }


def test_featured_products_are_checked(app, client, editor, shelf):
    data = article_form(
        **{
            "featured-0-product": "no-such-product",
            "featured-1-product": "old-serum",
            "featured-2-product": "barrier-cream",
            "featured-3-product": "barrier-cream",
            "featured-4-note": "A note without a product.",
            "featured-5-product": "synbiotic-sachets",
            "featured-5-note": "x" * 201,
        }
    )
    response = client.post("/admin/journal/new", data=data)
    assert response.status_code == 400
    assert "No product has that name or address" in field_errors(response, "featured-0-product")[0]
    assert field_errors(response, "featured-1-product") == [
        "“Old Serum” is archived. Choose a product on sale."
    ]
    assert field_errors(response, "featured-2-product") == []
    assert field_errors(response, "featured-3-product") == [
        "“Barrier Cream” is already in the list."
    ]
    assert field_errors(response, "featured-4-note") == [
        "Choose a product for this note, or clear it."
    ]
    assert field_errors(response, "featured-5-note") == [
        "Keep the note to 200 characters or fewer."
    ]
    assert article_by_slug(app, "zinc-and-skin") is None


def test_a_product_archived_after_it_was_featured_can_stay(app, client, editor, shelf):
    with app.app_context():
        article = ArticleFactory(slug="kept")
        from shop.catalogue.models import Product

        ArticleProductFactory(
            article=article, product=db.session.get(Product, shelf["old"]), position=0, note="Old."
        )
        url = f"/admin/journal/{article.id}"
    response = resubmit(client, url, title="Kept, retitled")
    assert response.status_code == 303
    assert load(app, "kept")["featured"] == [(0, "old-serum", "Old.")]


# Bad input and CSRF -----------------------------------------------------------------------


def test_the_editor_needs_the_csrf_token(app_factory):
    from tests.helpers.staff import STAFF_PASSWORD, make_staff

    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    staff = make_staff(app, role="editor")
    token = page(client.get("/admin/login")).select_one("input[name=csrf_token]")["value"]
    client.post(
        "/admin/login",
        data={"email": staff.email, "password": STAFF_PASSWORD, "csrf_token": token},
    )
    assert client.post("/admin/journal/new", data=article_form()).status_code == 400
    assert article_by_slug(app, "zinc-and-skin") is None
    token = page(client.get("/admin/journal/new")).select_one(f"{EDITOR} input[name=csrf_token]")[
        "value"
    ]
    response = client.post("/admin/journal/new", data=article_form(csrf_token=token))
    assert response.status_code == 303
    assert article_by_slug(app, "zinc-and-skin") is not None
    author_token = page(client.get("/admin/journal/authors/new")).select_one(
        "main form input[name=csrf_token]"
    )["value"]
    assert client.post("/admin/journal/authors/new", data={"name": "A"}).status_code == 400
    assert (
        client.post(
            "/admin/journal/authors/new", data={"name": "A", "csrf_token": author_token}
        ).status_code
        == 303
    )


def test_nonsense_in_the_form_is_refused_without_an_error_page(client, editor, shelf):
    data = article_form(
        concerns=["abc", "99999"],
        tags=["x"],
        **{"featured-0-order": "first", "references-99999999-citation": "Far away."},
    )
    response = client.post("/admin/journal/new", data=data)
    assert response.status_code == 400
    assert page(response).select_one(EDITOR) is not None
