"""Back-office fixtures: a staff factory and a `login` helper like the Flask
tutorial's `auth` fixture.

Scrypt is slow on purpose, so every factory-made account shares one hash of
STAFF_PASSWORD, computed once per session with a small scrypt cost (the hash names
its own cost, so the shop checks it as it would any other). Accounts made through
the shop's own code (`create_staff`) get the shop's real cost.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import factory
import pytest
from werkzeug.security import generate_password_hash

from shop.admin.models import StaffUser
from shop.extensions import db
from tests.factories import BaseFactory

STAFF_PASSWORD = "Quiet-otter-lantern-47"


@cache
def staff_password_hash() -> str:
    return generate_password_hash(STAFF_PASSWORD, method="scrypt:1024:8:1")


class StaffUserFactory(BaseFactory):
    class Meta:
        model = StaffUser

    email = factory.Sequence(lambda n: f"staff{n}@example.com")
    role = "editor"
    is_active = True
    session_version = 1
    password_hash = factory.LazyFunction(staff_password_hash)


class Staff(NamedTuple):
    """What a test needs to know about an account, readable outside an app context."""

    id: int
    email: str
    role: str


def make_staff(app, **fields) -> Staff:
    """Create an account (role, email, is_active... as keyword arguments)."""
    with app.app_context():
        user = StaffUserFactory(**fields)
        return Staff(user.id, user.email, user.role)


def get_staff(app, user_id: int) -> StaffUser:
    """A fresh copy of an account, detached, with its columns loaded."""
    with app.app_context():
        user = db.session.get(StaffUser, user_id)
        db.session.expunge(user)
        return user


class AuthActions:
    """Sign `client` in and out of the back office.

    `login("editor")` creates an editor and signs in as them; `login.sign_in(email)`
    signs in an existing account; `login.sign_out()` posts the sign-out form.
    """

    def __init__(self, app, client):
        self._app = app
        self._client = client

    def __call__(self, role: str = "admin", **fields) -> Staff:
        staff = make_staff(self._app, role=role, **fields)
        response = self.sign_in(staff.email)
        assert response.status_code == 303, response.get_data(as_text=True)
        return staff

    def sign_in(self, email: str, password: str = STAFF_PASSWORD, next: str | None = None):
        data = {"email": email, "password": password}
        if next is not None:
            data["next"] = next
        return self._client.post("/admin/login", data=data)

    def sign_out(self):
        return self._client.post("/admin/logout")


@pytest.fixture
def login(app, client) -> AuthActions:
    return AuthActions(app, client)
