"""The Key facts page: highlights near the price, texture, time to a change, questions
and answers, and the products staff pair with a product; audited, checked like the
other catalogue editors, and the same rules in the CSV import."""

from __future__ import annotations

import pytest

from shop.catalogue.admin.csv_columns import COLUMNS
from tests.factories import ProductFactory
from tests.helpers import page
from tests.helpers.catalogue_admin import (
    apply,
    audit_entries,
    export,
    preview,
    product_by_slug,
    results,
    to_csv,
)


def url(product_id: int) -> str:
    return f"/admin/catalogue/products/{product_id}/key-facts"


def key_facts(**changes) -> dict:
    data = {
        "highlights": "2% niacinamide\n\n  3 ceramides  \nFragrance-free",
        "texture": "Soft cream",
        "time_to_results": "4 weeks of daily use",
        "questions-0-question": "Is it suitable for sensitive skin?",
        "questions-0-answer": "Yes. Patch test first.",
        "questions-1-question": "",
        "questions-1-answer": "",
        "questions-2-question": "Can I use it around the eyes?",
        "questions-2-answer": "On the bone around the eye.",
        "paired": "sleep-balm, gentle-wash",
    }
    data.update(changes)
    return data


@pytest.fixture
def others(app, cream):
    with app.app_context():
        ProductFactory(slug="sleep-balm", name="Sleep Balm")
        ProductFactory(slug="gentle-wash", name="Gentle Wash")


def test_an_editor_saves_the_key_facts_and_the_change_is_audited(
    app, client, cream, others, editor
):
    form = page(client.get(url(cream)))
    assert form.select_one("textarea[name=highlights]") is not None
    assert form.select_one("input[name='questions-2-question']") is not None  # blank rows
    assert form.select_one(".catalogue-admin-nav a[aria-current=page]").text == "Key facts"

    response = client.post(url(cream), data=key_facts())
    assert response.status_code == 303
    product = product_by_slug(app, "barrier-cream")
    assert product.highlight_list == ["2% niacinamide", "3 ceramides", "Fragrance-free"]
    assert (product.texture, product.time_to_results) == ("Soft cream", "4 weeks of daily use")
    assert [(q.position, q.question) for q in product.questions] == [
        (0, "Is it suitable for sensitive skin?"),
        (1, "Can I use it around the eyes?"),
    ]
    assert [p.paired_product.slug for p in product.pairings] == ["sleep-balm", "gentle-wash"]
    [entry] = audit_entries(app, "product.key_facts")
    assert entry.after_data["paired"] == ["sleep-balm", "gentle-wash"]
    assert entry.before_data["highlights"] == []

    # Saving the same again changes nothing and records nothing.
    client.post(url(cream), data=key_facts())
    assert len(audit_entries(app, "product.key_facts")) == 1
    # What was saved is what the form shows next time.
    shown = page(client.get(url(cream)))
    assert shown.select_one("textarea[name=highlights]").text.strip().splitlines() == [
        "2% niacinamide",
        "3 ceramides",
        "Fragrance-free",
    ]
    assert shown.select_one("textarea[name=paired]").text.split() == ["sleep-balm", "gentle-wash"]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"highlights": "a\nb\nc\nd\ne"}, "highlights", "Keep to 4 highlights"),
        ({"highlights": "x" * 61}, "highlights", "Keep each highlight to 60 characters"),
        ({"texture": "x" * 121}, "texture", "Keep the texture or format to 120 characters."),
        ({"paired": "no-such-product"}, "paired", "There is no product with the slug"),
        ({"paired": "barrier-cream"}, "paired", "cannot be paired with itself"),
        ({"questions-0-answer": ""}, "questions-0-answer", "Enter the answer."),
    ],
)
def test_what_cannot_be_saved_is_refused_next_to_its_field(
    app, client, cream, others, editor, changes, field, message
):
    response = client.post(url(cream), data=key_facts(**changes))
    assert response.status_code == 400
    soup = page(response)
    assert message in soup.select_one(f"#{field}-error").text
    assert soup.select_one(f"[name='{field}']")["aria-invalid"] == "true"
    product = product_by_slug(app, "barrier-cream")
    assert (product.highlights, product.questions, product.pairings) == ("", [], [])


def test_highlights_texture_and_time_to_results_go_out_and_come_back_in_the_csv(
    app, client, cream, editor
):
    assert {"highlights", "texture", "time_to_results"} <= set(COLUMNS)
    rows = export(client)
    for row in rows:
        row["highlights"] = "2% niacinamide | 3 ceramides"
        row["texture"] = "Soft cream"
    dry_run = preview(client, to_csv(rows))
    assert dry_run.status_code == 200
    assert results(dry_run)[2][0] == "updated"
    assert apply(client, dry_run).status_code == 303
    product = product_by_slug(app, "barrier-cream")
    assert product.highlight_list == ["2% niacinamide", "3 ceramides"]
    assert product.texture == "Soft cream"
    assert {row["highlights"] for row in export(client)} == {"2% niacinamide | 3 ceramides"}

    for row in rows:
        row["highlights"] = "a | b | c | d | e"
    refused = preview(client, to_csv(rows))
    assert refused.status_code == 400
    assert "Keep to 4 highlights" in " ".join(results(refused)[2][1])


def test_a_duplicate_starts_with_the_same_key_facts(app, client, cream, others, editor):
    assert client.post(url(cream), data=key_facts()).status_code == 303
    assert client.post(f"/admin/catalogue/products/{cream}/duplicate").status_code == 303
    copy = product_by_slug(app, "barrier-cream-copy")
    assert copy.highlight_list == ["2% niacinamide", "3 ceramides", "Fragrance-free"]
    assert (copy.texture, copy.time_to_results) == ("Soft cream", "4 weeks of daily use")
    assert [q.question for q in copy.questions] == [
        "Is it suitable for sensitive skin?",
        "Can I use it around the eyes?",
    ]
    assert [p.paired_product.slug for p in copy.pairings] == ["sleep-balm", "gentle-wash"]
