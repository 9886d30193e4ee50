"""Administrators manage staff accounts; nobody else can."""

import pytest
from sqlalchemy import select

from shop.admin import services
from shop.admin.models import StaffUser
from shop.backoffice.models import AuditEntry
from shop.extensions import db
from tests.helpers import page
from tests.helpers.staff import get_staff, make_staff

GOOD_PASSWORD = "Teal-kettle-orchard-93"


def audit_entries(app, action: str | None = None) -> list[AuditEntry]:
    with app.app_context():
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        entries = list(db.session.scalars(stmt))
        db.session.expunge_all()
    return entries


def staff_by_email(app, email: str) -> StaffUser | None:
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def create(client, **overrides):
    data = {
        "email": "new.person@example.com",
        "role": "fulfilment",
        "password": GOOD_PASSWORD,
        "confirm": GOOD_PASSWORD,
    }
    data.update(overrides)
    return client.post("/admin/staff/new", data=data)


def test_the_staff_page_lists_every_account(app, client, login):
    me = login("admin", email="boss@example.com")
    make_staff(app, email="ed@example.com", role="editor", is_active=False)
    html = page(client.get("/admin/staff"))
    table = html.select_one(".table-wrap table[data-staff-table]")
    rows = {
        row.th.get_text(" ", strip=True): row.get_text(" ", strip=True)
        for row in table.select("tbody tr")
    }
    assert set(rows) == {"boss@example.com (you)", "ed@example.com"}
    assert "Deactivated" in rows["ed@example.com"] and "Reactivate" in rows["ed@example.com"]
    # No buttons to change or deactivate your own account.
    mine = table.select_one(f'tr[data-staff-id="{me.id}"]')
    assert mine.find("form") is None


def test_an_admin_adds_a_member_of_staff(app, client, login):
    admin = login("admin")
    assert client.get("/admin/staff/new").status_code == 200

    response = create(client, email="New.Person@Example.com ")

    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/staff"
    user = staff_by_email(app, "new.person@example.com")
    assert user.role == "fulfilment" and user.is_active
    assert user.password_hash.startswith("scrypt:")
    assert GOOD_PASSWORD not in user.password_hash
    listing = client.get("/admin/staff").get_data(as_text=True)
    assert "Created the fulfilment account new.person@example.com." in listing

    (entry,) = audit_entries(app, "staff.create")
    assert entry.staff_user_id == admin.id and entry.staff_email == admin.email
    assert entry.entity_type == "staff_user" and entry.entity_id == str(user.id)
    assert entry.before is None
    assert entry.after_data == {
        "email": "new.person@example.com",
        "role": "fulfilment",
        "is_active": True,
    }
    assert entry.ip == "127.0.0.1"
    assert "scrypt" not in (entry.after or "") and GOOD_PASSWORD not in (entry.after or "")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"password": "Short-1", "confirm": "Short-1"}, "Use at least 12 characters."),
        (
            {"password": "password123456", "confirm": "password123456"},
            "one of the most commonly used",
        ),
        ({"password": "Sunshine2024!!", "confirm": "Sunshine2024!!"}, "most commonly used"),
        ({"password": "aaaaaaaaaaaaaaaa", "confirm": "aaaaaaaaaaaaaaaa"}, "too few different"),
        (
            {"password": "new.person-rocks-77", "confirm": "new.person-rocks-77"},
            "Don't include your email address",
        ),
        ({"confirm": "Something-else-entirely-1"}, "The two passwords are not the same."),
        ({"email": "not-an-email"}, "Please enter an email address like name@example.com."),
        ({"role": "owner"}, "Please choose one of the roles listed."),
    ],
    ids=["short", "common", "common-decorated", "repetitive", "email", "confirm", "email", "role"],
)
def test_weak_or_wrong_details_are_refused_with_a_reason(app, client, login, overrides, message):
    login("admin")
    response = create(client, **overrides)
    assert response.status_code == 400
    errors = " ".join(p.get_text(strip=True) for p in page(response).select(".field-error"))
    assert message in errors
    assert staff_by_email(app, "new.person@example.com") is None
    # What was typed is kept (but never the password).
    email_input = page(response).find("input", attrs={"name": "email"})
    assert email_input["value"] == overrides.get("email", "new.person@example.com")
    assert not page(response).find("input", attrs={"name": "password"}).get("value")


def test_an_email_can_have_only_one_account(app, client, login):
    login("admin")
    make_staff(app, email="new.person@example.com")
    response = create(client, email="NEW.person@example.com")
    assert response.status_code == 400
    assert "There is already a staff account for new.person@example.com." in response.get_data(
        as_text=True
    )


def test_an_admin_changes_a_role_and_the_log_shows_before_and_after(app, client, login):
    admin = login("admin")
    target = make_staff(app, role="editor")
    response = client.post(f"/admin/staff/{target.id}/role", data={"role": "fulfilment"})
    assert response.status_code == 303
    assert get_staff(app, target.id).role == "fulfilment"
    (entry,) = audit_entries(app, "staff.role")
    assert entry.staff_email == admin.email
    assert entry.changes == [("role", "editor", "fulfilment")]

    again = client.post(f"/admin/staff/{target.id}/role", data={"role": "fulfilment"})
    assert "was already fulfilment" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert len(audit_entries(app, "staff.role")) == 1


def test_an_unknown_role_changes_nothing(app, client, login):
    login("admin")
    target = make_staff(app, role="editor")
    response = client.post(f"/admin/staff/{target.id}/role", data={"role": "owner"})
    assert "Please choose one of the roles listed." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert get_staff(app, target.id).role == "editor"
    assert client.post("/admin/staff/999999/role", data={"role": "admin"}).status_code == 404


def test_deactivating_signs_the_person_out_and_reactivating_lets_them_back(app, login, client):
    admin = login("admin")
    target = make_staff(app, role="editor")
    other_client = app.test_client()
    from tests.helpers.staff import AuthActions

    AuthActions(app, other_client).sign_in(target.email)
    assert other_client.get("/admin/").status_code == 200

    response = client.post(f"/admin/staff/{target.id}/deactivate")
    assert response.status_code == 303
    user = get_staff(app, target.id)
    assert not user.is_active and user.session_version == 2
    assert other_client.get("/admin/").status_code == 302
    (entry,) = audit_entries(app, "staff.deactivate")
    assert entry.staff_user_id == admin.id
    assert entry.changes == [("is_active", True, False)]

    client.post(f"/admin/staff/{target.id}/reactivate")
    assert get_staff(app, target.id).is_active
    assert [e.action for e in audit_entries(app)] == ["staff.deactivate", "staff.reactivate"]
    assert AuthActions(app, other_client).sign_in(target.email).status_code == 303


def test_an_admin_cannot_deactivate_or_demote_themselves(app, client, login):
    admin = login("admin")
    response = client.post(f"/admin/staff/{admin.id}/deactivate")
    assert "You cannot deactivate your own account." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    response = client.post(f"/admin/staff/{admin.id}/role", data={"role": "editor"})
    assert "You cannot change your own role." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    user = get_staff(app, admin.id)
    assert user.is_active and user.role == "admin"
    assert audit_entries(app) == []


def test_the_last_active_admin_cannot_be_removed(app):
    only_admin = make_staff(app, role="admin")
    editor = make_staff(app, role="editor")
    with app.app_context():
        admin = db.session.get(StaffUser, only_admin.id)
        actor = db.session.get(StaffUser, editor.id)
        with pytest.raises(services.StaffError, match="at least one active administrator"):
            services.change_role(admin, "editor", actor)
        with pytest.raises(services.StaffError, match="at least one active administrator"):
            services.set_active(admin, False, actor)


@pytest.mark.parametrize("role", ["editor", "fulfilment"])
def test_other_roles_cannot_touch_staff_accounts(app, client, login, role):
    login(role)
    target = make_staff(app, role="fulfilment")
    assert client.get("/admin/staff").status_code == 403
    assert create(client).status_code == 403
    assert client.post(f"/admin/staff/{target.id}/role", data={"role": "admin"}).status_code == 403
    assert client.post(f"/admin/staff/{target.id}/deactivate").status_code == 403
    assert staff_by_email(app, "new.person@example.com") is None
    user = get_staff(app, target.id)
    assert user.role == "fulfilment" and user.is_active
    assert audit_entries(app) == []


def test_staff_changes_need_the_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    from tests.helpers.staff import STAFF_PASSWORD

    admin = make_staff(app, role="admin")
    target = make_staff(app, role="editor")
    client = app.test_client()
    token = page(client.get("/admin/login")).find("input", attrs={"name": "csrf_token"})["value"]
    client.post(
        "/admin/login",
        data={"email": admin.email, "password": STAFF_PASSWORD, "csrf_token": token},
    )
    assert client.post(f"/admin/staff/{target.id}/deactivate").status_code == 400
    assert get_staff(app, target.id).is_active
    form = page(client.get("/admin/staff")).select_one(
        f'form[action="/admin/staff/{target.id}/deactivate"]'
    )
    data = {"csrf_token": form.find("input", attrs={"name": "csrf_token"})["value"]}
    assert client.post(f"/admin/staff/{target.id}/deactivate", data=data).status_code == 303
    assert not get_staff(app, target.id).is_active


def test_changing_a_password_ends_sessions_and_is_logged_without_the_password(app, login):
    staff = login("editor")
    with app.app_context():
        user = db.session.get(StaffUser, staff.id)
        with pytest.raises(services.StaffError):
            services.change_password(user, "short", actor=None)
        services.change_password(user, "Amber-harbour-violin-58", actor=None)
        db.session.commit()
        assert user.session_version == 2
    (entry,) = audit_entries(app, "staff.password")
    assert entry.before is None and entry.after is None
    assert "Amber" not in entry.summary


def test_ensure_demo_admin_creates_once(app):
    with app.app_context():
        first = services.ensure_demo_admin("demo@example.com", "Quince-meadow-shop-2025!")
        db.session.commit()
        again = services.ensure_demo_admin("demo@example.com", "Another-password-2025")
        assert again.id == first.id and again.role == "admin"
        assert db.session.scalar(select(db.func.count()).select_from(StaffUser)) == 1
