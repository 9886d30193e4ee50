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
