"""The audit log: what `record_audit` keeps and how administrators read it."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from shop.admin.models import StaffUser
from shop.backoffice.audit import record_audit
from shop.backoffice.models import AuditEntry
from shop.extensions import db
from tests.helpers import page
from tests.helpers.staff import make_staff

DAY = datetime(2025, 5, 14, 12, 0, tzinfo=UTC)


def add_entries(app, actor_id: int | None, specs: list[dict]) -> None:
    with app.app_context():
        actor = db.session.get(StaffUser, actor_id) if actor_id else None
        for spec in specs:
            record_audit(
                actor,
                spec.get("action", "product.update"),
                spec.get("entity_type", "product"),
                spec.get("entity_id", 1),
                spec.get("summary", "Changed a product"),
                spec.get("before"),
                spec.get("after"),
                now=spec.get("at", DAY),
            )
        db.session.commit()


def shown_ids(response) -> list[int]:
    return [int(li["data-audit-id"]) for li in page(response).select("[data-audit-id]")]


def test_record_audit_keeps_who_what_and_the_values_and_only_flushes(app):
    staff = make_staff(app, role="editor", email="ed@example.com")
    with app.app_context():
        actor = db.session.get(StaffUser, staff.id)
        entry = record_audit(
            actor,
            "product.price",
            "product",
            42,
            "Changed the price of Barrier Cream",
            {"price_pence": 2400, "name": "Barrier Cream"},
            {"price_pence": 2600, "name": "Barrier Cream"},
            ip="198.51.100.7",
        )
        assert entry.id is not None  # flushed
        assert entry.staff_user_id == staff.id and entry.staff_email == "ed@example.com"
        assert entry.entity_id == "42"
        assert entry.changes == [("price_pence", 2400, 2600)]
        db.session.rollback()  # the caller decides whether it is kept
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_an_entry_keeps_the_email_the_account_had_at_the_time(app):
    staff = make_staff(app, email="old.name@example.com")
    add_entries(app, staff.id, [{"summary": "Before the rename"}])
    with app.app_context():
        db.session.get(StaffUser, staff.id).email = "new.name@example.com"
        db.session.commit()
        entry = db.session.scalar(select(AuditEntry))
        assert entry.staff_user_id == staff.id
        assert entry.staff_email == "old.name@example.com"


def test_changes_list_added_removed_and_changed_keys(app):
    entry = AuditEntry(
        before='{"a": 1, "b": "same", "gone": true}', after='{"a": 2, "b": "same", "new": [1]}'
    )
    assert entry.changes == [("a", 1, 2), ("gone", True, None), ("new", None, [1])]
    assert AuditEntry(before=None, after='{"x": 1}').changes == [("x", None, 1)]


def test_the_log_shows_newest_first_with_a_readable_diff(app, client, login):
    admin = login("admin")
    add_entries(
        app,
        admin.id,
        [
            {"summary": "Older", "at": DAY - timedelta(hours=1)},
            {
                "summary": "Newer",
                "before": {"price_pence": 2400, "name": "Cream", "is_active": True},
                "after": {"price_pence": 2600, "name": "Cream", "is_active": False, "tags": ["a"]},
            },
        ],
    )
    response = client.get("/admin/audit")
    assert response.status_code == 200
    html = page(response)
    summaries = [p.get_text(strip=True) for p in html.select(".audit-entry__summary")]
    assert summaries == ["Newer", "Older"]
    rows = html.select(".audit-diff tbody tr")
    assert [[cell.get_text(strip=True) for cell in row.find_all(["th", "td"])] for row in rows] == [
        ["is_active", "Yes", "No"],
        ["price_pence", "2400", "2600"],
        ["tags", "—", '["a"]'],
    ]
    assert admin.email in html.select_one(".audit-entry__head").get_text()


def test_the_log_filters_by_staff_type_action_and_dates(app, client, login):
    admin = login("admin", email="boss@example.com")
    editor = make_staff(app, email="ed@example.com")
    add_entries(
        app,
        editor.id,
        [
            {"action": "product.price", "entity_type": "product", "at": DAY},
            {"action": "article.publish", "entity_type": "article", "at": DAY + timedelta(days=2)},
        ],
    )
    add_entries(app, admin.id, [{"action": "staff.role", "entity_type": "staff_user"}])
    with app.app_context():
        ids = {e.action: e.id for e in db.session.scalars(select(AuditEntry))}

    def ids_for(**args):
        response = client.get("/admin/audit", query_string=args)
        assert response.status_code == 200, response.get_data(as_text=True)
        return set(shown_ids(response))

    assert ids_for() == set(ids.values())
    assert ids_for(staff_email="ED@") == {ids["product.price"], ids["article.publish"]}
    assert ids_for(entity_type="article") == {ids["article.publish"]}
    assert ids_for(action="staff.role") == {ids["staff.role"]}
    assert ids_for(date_from="2025-05-15") == {ids["article.publish"]}
    assert ids_for(date_to="2025-05-14") == {ids["product.price"], ids["staff.role"]}
    assert ids_for(date_from="2025-05-14", date_to="2025-05-14", staff_email="ed") == {
        ids["product.price"]
    }
    # The menus offer what the log holds.
    html = page(client.get("/admin/audit"))
    options = [o["value"] for o in html.select("select[name=entity_type] option")]
    assert options == ["", "article", "product", "staff_user"]


def test_bad_filters_are_explained_not_a_crash(client, login):
    login("admin")
    response = client.get(
        "/admin/audit", query_string={"date_from": "2025-13-45", "date_to": "yesterday"}
    )
    assert response.status_code == 400
    assert page(response).select(".field-error")
    reversed_range = client.get(
        "/admin/audit", query_string={"date_from": "2025-05-10", "date_to": "2025-05-01"}
    )
    assert "The end date is before the start date." in reversed_range.get_data(as_text=True)
    assert client.get("/admin/audit", query_string={"page": "-3"}).status_code == 200
    assert client.get("/admin/audit", query_string={"page": "abc"}).status_code == 200


def test_the_log_is_paginated_and_keeps_the_filters(app, client, login):
    admin = login("admin")
    add_entries(
        app,
        admin.id,
        [{"entity_id": n, "at": DAY + timedelta(minutes=n)} for n in range(55)]
        + [{"entity_type": "article", "action": "article.publish"}],
    )
    first = client.get("/admin/audit", query_string={"entity_type": "product"})
    assert len(shown_ids(first)) == 50
    next_link = page(first).select_one("a[rel=next]")["href"]
    assert "entity_type=product" in next_link and "page=2" in next_link
    second = client.get(next_link)
    assert len(shown_ids(second)) == 5
    assert not set(shown_ids(first)) & set(shown_ids(second))


def test_only_admins_read_the_log(client, login):
    login("editor")
    assert client.get("/admin/audit").status_code == 403
