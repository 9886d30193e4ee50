"""`flask --app shop create-staff EMAIL --role ROLE`."""

from sqlalchemy import select

from shop.admin.models import StaffUser
from shop.backoffice.models import AuditEntry
from shop.extensions import db
from tests.helpers.staff import make_staff

GOOD_PASSWORD = "Copper-willow-harbour-61"


def staff(app) -> list[StaffUser]:
    with app.app_context():
        users = list(db.session.scalars(select(StaffUser).order_by(StaffUser.id)))
        db.session.expunge_all()
    return users


def test_creates_an_account_after_asking_for_the_password_twice(app, runner):
    result = runner.invoke(
        args=["create-staff", "Ops@Example.com", "--role", "fulfilment"],
        input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    (user,) = staff(app)
    assert result.output.endswith(f"Created fulfilment account ops@example.com (id {user.id}).\n")
    assert GOOD_PASSWORD not in result.output  # the prompt hides what is typed
    assert "Repeat for confirmation" in result.output
    assert user.email == "ops@example.com" and user.role == "fulfilment" and user.is_active
    assert user.password_hash.startswith("scrypt:")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        assert entry.action == "staff.create" and entry.staff_user_id is None
        assert "from the command line" in entry.summary


def test_reads_the_password_from_stdin_for_scripts(app, runner):
    result = runner.invoke(
        args=["create-staff", "ed@example.com", "--role", "editor", "--password-stdin"],
        input=f"{GOOD_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Repeat" not in result.output
    assert [u.role for u in staff(app)] == ["editor"]


def test_a_short_password_is_refused(app, runner):
    result = runner.invoke(
        args=["create-staff", "ed@example.com", "--role", "editor", "--password-stdin"],
        input="Short-pw-1\n",
    )
    assert result.exit_code == 1
    assert "Error: Use at least 12 characters." in result.output
    assert staff(app) == []


def test_a_common_password_is_refused(app, runner):
    result = runner.invoke(
        args=["create-staff", "ed@example.com", "--role", "editor"],
        input="qwertyuiop12\nqwertyuiop12\n",
    )
    assert result.exit_code == 1
    assert "one of the most commonly used" in result.output
    assert staff(app) == []


def test_a_duplicate_email_is_refused(app, runner):
    make_staff(app, email="ed@example.com")
    result = runner.invoke(
        args=["create-staff", "ED@example.com", "--role", "admin", "--password-stdin"],
        input=f"{GOOD_PASSWORD}\n",
    )
    assert result.exit_code == 1
    assert "There is already a staff account for ed@example.com." in result.output
    assert [u.role for u in staff(app)] == ["editor"]


def test_a_bad_email_or_role_is_refused(app, runner):
    bad_email = runner.invoke(
        args=["create-staff", "not-an-email", "--role", "admin", "--password-stdin"],
        input=f"{GOOD_PASSWORD}\n",
    )
    assert bad_email.exit_code == 1
    assert "not a usable email address" in bad_email.output
    bad_role = runner.invoke(args=["create-staff", "ed@example.com", "--role", "owner"])
    assert bad_role.exit_code == 2
    assert "'owner' is not one of 'admin', 'editor', 'fulfilment'" in bad_role.output
    assert staff(app) == []
