"""shop.signing: the session cookie, CSRF tokens and form stamps made with itsdangerous
objects kept per secret key are byte for byte those of the stock implementations
(Flask's SecureCookieSessionInterface, Flask-WTF's generate_csrf, itsdangerous'
TimestampSigner), and values signed with a fallback key still verify."""

import pytest
from flask import Flask, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf import csrf as flask_wtf_csrf
from itsdangerous import BadSignature, TimestampSigner

from shop import signing
from shop.newsletter.tokens import FORM_SALT, check_form_stamp, form_stamp

NOW = 1_760_000_000
SESSION = {"csrf_token": "0f" * 20, "cart": {"12": 3}, "_fresh": False, "note": "café <b>"}


@pytest.fixture
def frozen_clock(monkeypatch):
    """itsdangerous reads the time with time.time(): the same second for both sides."""
    import itsdangerous.timed

    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: NOW + 0.25)


def flask_app(key: str = "current-key", fallbacks=()) -> Flask:
    app = Flask(__name__)
    app.secret_key = key
    app.config["SECRET_KEY_FALLBACKS"] = list(fallbacks)
    return app


def test_the_session_cookie_is_byte_identical_to_flasks(frozen_clock):
    app = flask_app(fallbacks=["old-key"])
    stock = SecureCookieSessionInterface().get_signing_serializer(app)
    kept = signing.KeptSerializerSessionInterface().get_signing_serializer(app)
    assert kept.dumps(SESSION) == stock.dumps(SESSION)
    assert kept.dumps({}) == stock.dumps({})
    assert kept.loads(stock.dumps(SESSION)) == SESSION
    assert stock.loads(kept.dumps(SESSION)) == SESSION


def test_the_session_serializer_is_built_once_per_key_and_follows_a_new_key(frozen_clock):
    app = flask_app()
    interface = signing.KeptSerializerSessionInterface()
    assert interface.get_signing_serializer(app) is interface.get_signing_serializer(app)
    before = interface.get_signing_serializer(app).dumps(SESSION)
    app.secret_key = "another-key"
    after = interface.get_signing_serializer(app).dumps(SESSION)
    assert after != before
    assert after == SecureCookieSessionInterface().get_signing_serializer(app).dumps(SESSION)


def test_a_cookie_signed_with_a_fallback_key_still_verifies(frozen_clock):
    old = SecureCookieSessionInterface().get_signing_serializer(flask_app("old-key"))
    cookie = old.dumps(SESSION)
    app = flask_app("new-key", fallbacks=["old-key"])
    kept = signing.KeptSerializerSessionInterface().get_signing_serializer(app)
    assert kept.loads(cookie) == SESSION
    # ...and new cookies are signed with the current key, as Flask's are.
    assert kept.dumps(SESSION) == SecureCookieSessionInterface().get_signing_serializer(app).dumps(
        SESSION
    )
    stranger = SecureCookieSessionInterface().get_signing_serializer(flask_app("other-key"))
    with pytest.raises(BadSignature):
        kept.loads(stranger.dumps(SESSION))
    without_fallback = signing.KeptSerializerSessionInterface().get_signing_serializer(
        flask_app("new-key")
    )
    with pytest.raises(BadSignature):
        without_fallback.loads(cookie)


def test_the_shop_signs_its_sessions_with_the_kept_serializer(app):
    assert isinstance(app.session_interface, signing.KeptSerializerSessionInterface)


def test_a_session_cookie_from_before_still_opens(app_factory, frozen_clock):
    """A cookie made by Flask's own interface (an older release of the shop) opens."""
    app = app_factory(SECRET_KEY="current-key", SECRET_KEY_FALLBACKS=["old-key"])
    for key in ("current-key", "old-key"):
        cookie = (
            SecureCookieSessionInterface()
            .get_signing_serializer(flask_app(key))
            .dumps({"note": key})
        )
        with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
            opened = app.session_interface.open_session(app, request)
            assert opened["note"] == key


def sessions_app(**config) -> Flask:
    """A Flask app on the shop's session interface: /keep starts a lasting session (as
    the basket does), /look only reads it, /change writes to it."""
    app = flask_app()
    app.session_interface = signing.KeptSerializerSessionInterface()
    app.config.update(config)

    @app.get("/keep")
    def keep():
        session.permanent = True
        session["cart"] = "token"
        return "kept"

    @app.get("/look")
    def look():
        return session.get("cart", "none")

    @app.get("/change")
    def change():
        session["note"] = "changed"
        return "changed"

    return app


def signed_at(monkeypatch, client, path: str, when: float) -> str | None:
    """Request `path` with itsdangerous' clock at `when`; the Set-Cookie header, if any."""
    import itsdangerous.timed

    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: when)
    try:
        return client.get(path).headers.get("Set-Cookie")
    finally:
        monkeypatch.undo()


def test_a_lasting_session_is_signed_again_only_once_its_cookie_is_an_hour_old(monkeypatch):
    import time

    app = sessions_app()
    client = app.test_client()
    now = time.time()
    assert "Expires=" in signed_at(monkeypatch, client, "/keep", now - 60)
    # A minute later: read, not changed, not written again (Flask would sign it again).
    response = client.get("/look")
    assert response.text == "token"
    assert "Set-Cookie" not in response.headers
    # Changed: written at once, however fresh.
    assert "Set-Cookie" in client.get("/change").headers
    # Signed more than SESSION_REFRESH_AFTER ago: signed again, its expiry moved on.
    hours_ago = now - signing.SESSION_REFRESH_AFTER.total_seconds() - 60
    client = app.test_client()
    signed_at(monkeypatch, client, "/keep", hours_ago)
    response = client.get("/look")
    assert response.text == "token"
    cookie = response.headers["Set-Cookie"]
    kept = app.session_interface.get_signing_serializer(app)
    value = client.get_cookie("session").value
    assert value in cookie
    data, when = kept.loads(value, return_timestamp=True)
    assert data == {"_permanent": True, "cart": "token"}
    assert abs(when.timestamp() - time.time()) < 5
    assert "Set-Cookie" not in client.get("/look").headers


def test_a_cookie_older_than_the_lifetime_is_a_new_session(monkeypatch):
    import time
    from datetime import timedelta

    app = sessions_app(PERMANENT_SESSION_LIFETIME=timedelta(days=30))
    client = app.test_client()
    signed_at(monkeypatch, client, "/keep", time.time() - 31 * 86400)
    assert client.get("/look").text == "none"


def test_sessions_that_do_not_last_or_a_shop_that_never_refreshes_are_not_signed_again(
    monkeypatch,
):
    import time

    long_ago = time.time() - 2 * signing.SESSION_REFRESH_AFTER.total_seconds()
    never = sessions_app(SESSION_REFRESH_EACH_REQUEST=False).test_client()
    signed_at(monkeypatch, never, "/keep", long_ago)
    assert "Set-Cookie" not in never.get("/look").headers
    passing = sessions_app().test_client()  # a session for this visit only (not lasting)
    signed_at(monkeypatch, passing, "/change", long_ago)
    assert "Set-Cookie" not in passing.get("/look").headers


def test_csrf_tokens_are_byte_identical_to_flask_wtfs(app_factory, frozen_clock):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.test_request_context("/"):
        ours = signing.generate_csrf()
        raw = session["csrf_token"]
        g.pop("csrf_token")
        theirs = flask_wtf_csrf.generate_csrf()
        assert session["csrf_token"] == raw
        assert ours == theirs
        assert signing.generate_csrf() == ours  # one token per request, kept in g
        flask_wtf_csrf.validate_csrf(ours)  # raises if it does not verify


def test_csrf_tokens_follow_wtf_csrf_secret_key_and_field_name(app_factory, frozen_clock):
    app = app_factory(
        WTF_CSRF_ENABLED=True, WTF_CSRF_SECRET_KEY="csrf-only", WTF_CSRF_FIELD_NAME="token"
    )
    with app.test_request_context("/"):
        ours = signing.generate_csrf()
        assert "token" in session and g.token == ours
        g.pop("token")
        assert flask_wtf_csrf.generate_csrf() == ours
        flask_wtf_csrf.validate_csrf(ours)


def test_a_csrf_token_made_for_another_session_fails(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.test_request_context("/"):
        token = signing.generate_csrf()
    with app.test_request_context("/"):
        session["csrf_token"] = "ab" * 20
        with pytest.raises(flask_wtf_csrf.ValidationError):
            flask_wtf_csrf.validate_csrf(token)


def test_form_stamps_are_byte_identical_to_a_timestamp_signers(app_factory, frozen_clock):
    app = app_factory()
    with app.test_request_context("/"):
        stamp = form_stamp()
        assert (
            stamp
            == TimestampSigner(app.config["SECRET_KEY"], salt=FORM_SALT).sign(b"signup").decode()
        )
        assert form_stamp(salt="other") != stamp
        assert check_form_stamp(stamp, min_seconds=0, max_age=60, now=NOW + 5).valid
        # A stamp at a chosen time is made as before.
        signer = TimestampSigner(app.config["SECRET_KEY"], salt=FORM_SALT)
        _value, at = signer.unsign(form_stamp(at=NOW - 100), return_timestamp=True)
        assert at.timestamp() == NOW - 100
        assert form_stamp() == stamp  # the kept signer's clock was left alone
