"""Staff sessions end: after 30 minutes without a request, and 12 hours after signing in
however busy. The times travel in the signed session cookie, so a copied cookie ends
too. The clock is the test's own: no sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers import page
from tests.helpers.staff import AuthActions

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


class Clock:
    """The time the back office reads, moved by hand."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(T0)
    monkeypatch.setattr("shop.admin.views.utcnow", clock, raising=False)
    return clock


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def sent_to_sign_in(response, next_path: str | None = "/admin/") -> bool:
    if response.status_code != 303:
        return False
    location = urlsplit(response.headers["Location"])
    return location.path == "/admin/login" and parse_qs(location.query).get("next") == (
        [next_path] if next_path else None
    )


def message_on_sign_in_page(client) -> str:
    return page(client.get("/admin/login")).select_one(".flashes").get_text(" ", strip=True)


def test_a_copied_cookie_stops_working_after_thirty_idle_minutes(app, client, login, clock):
    login("admin")
    thief = copy_of(app, client)
    assert thief.get("/admin/").status_code == 200  # a copy works at first ...
    stolen = copy_of(app, thief)  # ... and is copied again, then left alone

    for _ in range(3):  # the member of staff carries on working
        clock.advance(minutes=20)
        assert client.get("/admin/").status_code == 200

    answer = stolen.get("/admin/staff")
    assert sent_to_sign_in(answer, "/admin/staff")
    assert message_on_sign_in_page(stolen) == (
        "You were signed out after 30 minutes without activity. Please sign in again."
    )
    assert stolen.get("/admin/staff").status_code == 302  # signed out for good
    assert client.get("/admin/staff").status_code == 200  # the owner is not


def test_thirty_minutes_without_a_request_ends_the_session(app, client, login, clock):
    login("editor")
    clock.advance(minutes=29, seconds=59)
    assert client.get("/admin/").status_code == 200
    clock.advance(minutes=29, seconds=59)
    assert client.get("/admin/").status_code == 200
    clock.advance(minutes=30)
    assert sent_to_sign_in(client.get("/admin/"))


def test_a_busy_session_still_ends_twelve_hours_after_signing_in(app, client, login, clock):
    login("fulfilment")
    for _ in range(12 * 60 // 20 - 1):
        clock.advance(minutes=20)
        assert client.get("/admin/").status_code == 200
    clock.advance(minutes=19, seconds=59)  # 11:59:59 after signing in
    assert client.get("/admin/").status_code == 200
    clock.advance(seconds=1)
    assert sent_to_sign_in(client.get("/admin/"))
    assert message_on_sign_in_page(client) == (
        "You were signed out because back-office sessions last at most 12 hours. "
        "Please sign in again."
    )


def test_the_cookie_is_still_gone_when_the_browser_closes(app, client, login, clock):
    login("admin")
    clock.advance(minutes=5)
    response = client.get("/admin/")
    (cookie,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert "Expires" not in cookie and "Max-Age" not in cookie


def test_a_form_sent_after_the_session_ended_goes_to_sign_in(app, client, login, clock):
    staff = login("admin")
    clock.advance(hours=1)
    response = client.post(f"/admin/staff/{staff.id}/deactivate")
    assert sent_to_sign_in(response, next_path=None)


def test_on_the_storefront_an_ended_session_just_signs_out(app, client, login, clock):
    login("admin")
    with client.session_transaction() as sess:
        sess["cart"] = "basket-token"
    clock.advance(hours=1)
    assert client.get("/journal").status_code == 200
    with client.session_transaction() as sess:
        assert "_user_id" not in sess
        assert sess["cart"] == "basket-token"  # the basket stays
    assert client.get("/admin/").status_code == 302


def test_a_session_without_its_times_is_ended(app, client, login, clock):
    login("admin")
    with client.session_transaction() as sess:
        del sess["staff_seen_at"]
    assert sent_to_sign_in(client.get("/admin/"))


def test_the_limits_are_settings(app_factory, clock):
    app = app_factory(STAFF_IDLE_MINUTES=5, STAFF_SESSION_HOURS=1)
    client = app.test_client()
    login = AuthActions(app, client)
    staff = login("admin")
    clock.advance(minutes=4)
    assert client.get("/admin/").status_code == 200
    clock.advance(minutes=5)
    assert sent_to_sign_in(client.get("/admin/"))

    assert login.sign_in(staff.email).status_code == 303
    for _ in range(14):
        clock.advance(minutes=4)
        assert client.get("/admin/").status_code == 200
    clock.advance(minutes=4)  # 60 minutes after signing in
    assert sent_to_sign_in(client.get("/admin/"))
