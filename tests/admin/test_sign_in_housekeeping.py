"""The hourly sign-in housekeeping job: dead customer sign-in codes and old staff
sign-in attempts go; live codes, recent attempts and the holds they cause stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from shop import tasks
from shop.accounts.models import CodePurpose, SignInCode
from shop.admin import auth
from shop.admin.models import LoginAttempt, SignInLock
from shop.extensions import db
from shop.models import utcnow


def code(email: str, *, expires_in: timedelta, used: bool = False, attempts: int = 0):
    now = utcnow()
    return SignInCode(
        email=email,
        purpose=CodePurpose.SIGN_IN,
        code_hash="c" * 64,
        link_hash=email.ljust(64, "x")[:64],
        created_at=now - timedelta(minutes=1),
        expires_at=now + expires_in,
        used_at=now if used else None,
        attempts=attempts,
    )


def test_the_job_forgets_dead_codes_and_old_attempts_and_keeps_the_rest(app):
    now = utcnow()
    with app.app_context():
        db.session.add_all(
            [
                code("live@example.com", expires_in=timedelta(minutes=10)),
                code("expired@example.com", expires_in=-timedelta(seconds=1)),
                code("spent@example.com", expires_in=timedelta(minutes=10), used=True),
                code("guessed@example.com", expires_in=timedelta(minutes=10), attempts=5),
                LoginAttempt(email="old@example.com", ip="", at=now - timedelta(days=91)),
                LoginAttempt(email="recent@example.com", ip="", at=now - timedelta(days=89)),
                SignInLock(email="old@example.com", last_attempt_at=now - timedelta(days=91)),
                SignInLock(email="recent@example.com", last_attempt_at=now - timedelta(hours=2)),
            ]
        )
        db.session.commit()

    with app.app_context():  # the consumer's app, as run_queue gives it
        tasks.sign_in_housekeeping.call_local()

    with app.app_context():
        assert db.session.scalars(select(SignInCode.email)).all() == ["live@example.com"]
        assert db.session.scalars(select(LoginAttempt.email)).all() == ["recent@example.com"]
        assert db.session.scalars(select(SignInLock.email)).all() == ["recent@example.com"]


def test_a_hold_in_force_survives_the_job(app):
    """Five wrong passwords in a row hold the email back; forgetting old attempts
    leaves the hold as it was."""
    now = utcnow()
    with app.app_context():
        for seconds in range(50, 0, -10):
            db.session.add(
                LoginAttempt(email="held@example.com", ip="", at=now - timedelta(seconds=seconds))
            )
        db.session.commit()
        before = auth.sign_in_wait("held@example.com", now)
        assert before is not None

    with app.app_context():
        tasks.sign_in_housekeeping.call_local()

    with app.app_context():
        assert auth.sign_in_wait("held@example.com", now) == before
