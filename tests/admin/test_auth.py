"""Signing in and out of the back office: errors, next=, sessions, CSRF, throttling."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from shop.admin import auth
from shop.admin.models import LoginAttempt, StaffUser
from shop.extensions import db
from tests.factories import VariantFactory
from tests.helpers import page
from tests.helpers.staff import STAFF_PASSWORD, get_staff, make_staff

INCORRECT = "Email or password is incorrect"


def attempts(app) -> list[tuple[str, bool]]:
    with app.app_context():
        rows = db.session.execute(
            select(LoginAttempt.email, LoginAttempt.succeeded).order_by(LoginAttempt.id)
        ).all()
    return [tuple(row) for row in rows]


def login_form(html):
    return html.find("form", action="/admin/login")


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_login_page_shows_the_form(client):
    response = client.get("/admin/login")
    assert response.status_code == 200
    form = page(response).find("form", action="/admin/login")
    assert form["method"] == "post"
    assert form.find("input", attrs={"name": "email"})["autocomplete"] == "username"
    assert form.find("input", attrs={"name": "password"})["type"] == "password"
    assert response.headers["Cache-Control"] == "no-store"


def test_staff_sign_in_and_see_the_dashboard(app, client, login):
    staff = make_staff(app, role="editor", email="jo@example.com")
    response = login.sign_in("  JO@Example.com ")
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert "Signed in as jo@example.com." in dashboard.get_data(as_text=True)
    assert get_staff(app, staff.id).last_login_at is not None
    assert attempts(app) == [("jo@example.com", True)]


@pytest.mark.parametrize(
    "email, password",
    [
        ("jo@example.com", "Wrong-password-entirely-1"),
        ("nobody@example.com", STAFF_PASSWORD),
    ],
    ids=["wrong password", "unknown email"],
)
def test_a_failed_sign_in_says_the_same_thing_whatever_was_wrong(
    app, client, login, email, password
):
    make_staff(app, email="jo@example.com")
    response = login.sign_in(email, password)
    assert response.status_code == 200
    html = page(response)
    assert html.select_one("[data-login-error]").get_text(strip=True) == INCORRECT
    assert html.find("input", attrs={"name": "email"})["value"] == email
    assert not html.find("input", attrs={"name": "password"}).get("value")
    assert client.get("/admin/").status_code == 302
    assert attempts(app) == [(email, False)]


def test_a_deactivated_account_cannot_sign_in(app, client, login):
    make_staff(app, email="gone@example.com", is_active=False)
    response = login.sign_in("gone@example.com")
    assert INCORRECT in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_an_empty_form_is_refused_with_messages_beside_the_fields(client):
    response = client.post("/admin/login", data={"email": "", "password": ""})
    assert response.status_code == 400
    errors = [p.get_text(strip=True) for p in page(response).select(".field-error")]
    assert errors == ["Please enter your email address.", "Please enter your password."]


def test_anonymous_visitors_are_sent_to_sign_in_and_brought_back(app, client, login):
    response = client.get("/admin/staff")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/admin/login"
    assert parse_qs(location.query) == {"next": ["/admin/staff"]}

    html = page(client.get(response.headers["Location"]))
    assert login_form(html).find("input", attrs={"name": "next"})["value"] == "/admin/staff"
    assert "Please sign in to use the back office." in html.get_text()

    staff = make_staff(app, role="admin")
    signed_in = login.sign_in(staff.email, next="/admin/staff")
    assert signed_in.headers["Location"] == "/admin/staff"


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example", "/\\evil.example", "evil.example", "///evil"],
)
def test_next_never_leads_off_the_site(app, client, login, target):
    staff = make_staff(app)
    form = login_form(page(client.get("/admin/login", query_string={"next": target})))
    assert form.find("input", attrs={"name": "next"})["value"] == ""
    response = login.sign_in(staff.email, next=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"


def test_signing_in_starts_a_new_session_keeping_only_the_basket(app, client, login):
    staff = make_staff(app)
    client.get("/admin/login")
    with client.session_transaction() as sess:
        sess["planted"] = "set before signing in"
        sess["cart"] = "basket-token"
        sess.permanent = True
    before = session_cookie(client)

    response = login.sign_in(staff.email)

    assert response.status_code == 303
    assert session_cookie(client) != before
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["cart"] == "basket-token"
        assert sess["_user_id"] == f"{staff.id}:1"
        assert not sess.permanent
    set_cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert set_cookie and "Expires" not in set_cookie[0]  # gone when the browser closes
    assert not client.get_cookie("remember_token")


def test_a_staff_session_stays_a_browser_session_after_using_the_basket(app, client, login):
    login("editor")
    with app.app_context():
        variant_id = VariantFactory().id
    response = client.post("/cart/add", data={"variant_id": variant_id, "quantity": 1})
    assert response.status_code == 303
    with client.session_transaction() as sess:
        assert sess.get("cart")
        assert not sess.permanent
    assert client.get("/admin/").status_code == 200


def test_already_signed_in_staff_skip_the_form(client, login):
    login("fulfilment")
    response = client.get("/admin/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_sign_out_is_post_only_and_ends_the_session(app, client, login):
    staff = login("editor")
    assert client.get("/admin/logout").status_code == 405
    assert client.get("/admin/").status_code == 200
    copied_cookie = session_cookie(client)

    response = login.sign_out()

    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/login"
    with client.session_transaction() as sess:
        assert "_user_id" not in sess
    assert client.get("/admin/").status_code == 302
    # A copy of the old cookie no longer works either.
    client.set_cookie("session", copied_cookie)
    assert client.get("/admin/").status_code == 302
    assert get_staff(app, staff.id).session_version == 2


def test_changing_the_session_version_ends_open_sessions(app, client, login):
    staff = login("admin")
    assert client.get("/admin/staff").status_code == 200
    with app.app_context():
        db.session.get(StaffUser, staff.id).session_version += 1
        db.session.commit()
    response = client.get("/admin/staff")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/admin/login"


def test_a_deactivated_account_loses_its_open_session(app, client, login):
    staff = login("editor")
    with app.app_context():
        db.session.get(StaffUser, staff.id).is_active = False
        db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_a_tampered_user_id_in_the_session_is_ignored(app, client, login):
    staff = login("admin")
    for forged in [str(staff.id), f"{staff.id}:x", f"{staff.id}:1:1", "", "１:1"]:
        with client.session_transaction() as sess:
            sess["_user_id"] = forged
        assert client.get("/admin/").status_code == 302, forged


# CSRF ---------------------------------------------------------------------------


def csrf_token_from(response) -> str:
    return page(response).find("input", attrs={"name": "csrf_token"})["value"]


def test_sign_in_and_out_need_the_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    staff = make_staff(app)
    client = app.test_client()
    token = csrf_token_from(client.get("/admin/login"))

    refused = client.post("/admin/login", data={"email": staff.email, "password": STAFF_PASSWORD})
    assert refused.status_code == 400
    assert "Your form had expired" in refused.get_data(as_text=True)
    assert attempts(app) == []

    accepted = client.post(
        "/admin/login",
        data={"email": staff.email, "password": STAFF_PASSWORD, "csrf_token": token},
    )
    assert accepted.status_code == 303

    dashboard = client.get("/admin/")
    assert client.post("/admin/logout").status_code == 400
    assert client.get("/admin/").status_code == 200
    signed_out = client.post("/admin/logout", data={"csrf_token": csrf_token_from(dashboard)})
    assert signed_out.status_code == 303
    assert client.get("/admin/").status_code == 302


# Throttling one account, with a clock of our own --------------------------------

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def fail(email: str, at: datetime) -> auth.SignIn:
    return auth.authenticate(email, "not-the-password-at-all", "203.0.113.9", now=at)


def test_five_failures_hold_an_account_back_for_a_minute(app):
    make_staff(app, email="jo@example.com")
    with app.app_context():
        for second in range(5):
            assert fail("jo@example.com", T0 + timedelta(seconds=second)).wait is None
        held = auth.authenticate(
            "jo@example.com", STAFF_PASSWORD, "198.51.100.1", T0 + timedelta(seconds=10)
        )
        assert held.user is None
        assert held.wait == timedelta(seconds=54)
        assert auth.wait_message(held.wait) == "Too many attempts. Try again in 1 minute."
        # Attempts refused while held back are not recorded and extend nothing.
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 5
        # The real user gets in once the minute is up.
        later = auth.authenticate(
            "jo@example.com", STAFF_PASSWORD, "198.51.100.1", T0 + timedelta(seconds=65)
        )
        assert later.user is not None and later.user.email == "jo@example.com"


def test_the_wait_grows_with_each_further_failure_up_to_fifteen_minutes(app):
    make_staff(app, email="jo@example.com")
    waits = []
    with app.app_context():
        now = T0
        for _ in range(5):
            fail("jo@example.com", now)
            now += timedelta(seconds=1)
        for _ in range(6):
            wait = auth.sign_in_wait("jo@example.com", now)
            waits.append(round(wait.total_seconds() / 60, 2))
            now += wait  # the guesser waits exactly as long as told, then guesses again
            assert fail("jo@example.com", now).wait is None
        assert auth.wait_message(auth.sign_in_wait("jo@example.com", now)) == (
            "Too many attempts. Try again in 15 minutes."
        )
    assert waits[0] == pytest.approx(0.97, abs=0.02)
    assert waits[1:] == [2, 4, 8, 15, 15]


def test_a_successful_sign_in_clears_the_failures(app):
    make_staff(app, email="jo@example.com")
    with app.app_context():
        for second in range(4):
            fail("jo@example.com", T0 + timedelta(seconds=second))
        assert auth.authenticate(
            "jo@example.com", STAFF_PASSWORD, None, T0 + timedelta(seconds=5)
        ).user
        for second in range(4):
            fail("jo@example.com", T0 + timedelta(seconds=10 + second))
        assert auth.sign_in_wait("jo@example.com", T0 + timedelta(seconds=20)) is None


def test_failures_spread_over_more_than_fifteen_minutes_do_not_hold_back(app):
    make_staff(app, email="jo@example.com")
    with app.app_context():
        for n in range(8):
            fail("jo@example.com", T0 + timedelta(minutes=4 * n))
        assert auth.sign_in_wait("jo@example.com", T0 + timedelta(minutes=29)) is None


def test_unknown_emails_are_held_back_the_same_way(app):
    with app.app_context():
        for second in range(5):
            fail("Nobody@Example.com", T0 + timedelta(seconds=second))
        wait = auth.sign_in_wait("nobody@example.com", T0 + timedelta(seconds=5))
    assert wait == timedelta(seconds=59)


def test_one_account_held_back_leaves_the_others_alone(app):
    make_staff(app, email="jo@example.com")
    make_staff(app, email="sam@example.com")
    with app.app_context():
        for second in range(5):
            fail("jo@example.com", T0 + timedelta(seconds=second))
        now = T0 + timedelta(seconds=6)
        assert auth.sign_in_wait("jo@example.com", now) is not None
        assert auth.authenticate("sam@example.com", STAFF_PASSWORD, None, now).user is not None


def test_the_sign_in_page_says_how_long_to_wait(app, client, login):
    staff = make_staff(app)
    for _ in range(5):
        assert INCORRECT in login.sign_in(staff.email, "Wrong-password-entirely-1").get_data(
            as_text=True
        )
    held = login.sign_in(staff.email)  # even the right password waits
    assert held.status_code == 429
    message = page(held).select_one("[data-login-error]").get_text(strip=True)
    assert message == "Too many attempts. Try again in 1 minute."
    assert client.get("/admin/").status_code == 302


# Throttling one IP address ------------------------------------------------------


def test_eleven_sign_in_attempts_in_a_minute_from_one_address_are_refused(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    client = app.test_client()
    for n in range(10):
        # A different email each time, so the per-account hold never starts.
        response = client.post(
            "/admin/login", data={"email": f"guess{n}@example.com", "password": "x" * 12}
        )
        assert response.status_code == 200, n
    refused = client.post("/admin/login", data={"email": "guess@example.com", "password": "x" * 12})
    assert refused.status_code == 429
    text = page(refused).get_text(" ", strip=True)
    assert "Too many sign-in attempts from your network" in text
    assert "Go to the home page" in text
    assert len(attempts(app)) == 10
    # Only the form submissions are limited; the page itself still loads.
    assert client.get("/admin/login").status_code == 200


def test_a_quiet_hour_after_a_hold_starts_the_count_again(app):
    make_staff(app, email="jo@example.com")
    with app.app_context():
        for second in range(5):
            fail("jo@example.com", T0 + timedelta(seconds=second))
        back = T0 + timedelta(hours=2)
        assert auth.sign_in_wait("jo@example.com", back) is None
        fail("jo@example.com", back)
        assert auth.sign_in_wait("jo@example.com", back + timedelta(seconds=1)) is None


def test_a_very_long_run_of_failures_counts_as_at_its_longest():
    failures = [T0 + timedelta(minutes=15 * n) for n in range(3)]
    assert auth.held_until(failures) is None
    assert auth.held_until(failures, history_cut=True) == failures[-1] + timedelta(minutes=15)


# Guesses sent all at once ------------------------------------------------------------


@pytest.mark.parametrize("email", ["jo@example.com", "nobody@example.com"])
def test_twenty_guesses_at_once_get_no_more_checks_than_five_in_a_row(app, email):
    """Attempts for one email take turns, so the hold counts every one of them: twenty
    wrong passwords sent together get five password checks, like twenty sent one by one.
    Runs on PostgreSQL too (TEST_DATABASE_URL)."""
    from tests.helpers.checkout import run_together

    make_staff(app, email="jo@example.com")
    guessers = [app.test_client() for _ in range(20)]

    responses = run_together(
        *[
            lambda client=client, n=n: client.post(
                "/admin/login", data={"email": email, "password": f"Wrong-guess-number-{n}"}
            )
            for n, client in enumerate(guessers)
        ]
    )

    statuses = [response.status_code for response in responses]
    assert statuses.count(200) == auth.THROTTLE_FAILURES  # checked: "incorrect"
    assert statuses.count(429) == 20 - auth.THROTTLE_FAILURES  # held back unchecked
    # Only checked attempts are recorded: five passwords were compared, no more.
    assert attempts(app) == [(email, False)] * auth.THROTTLE_FAILURES
