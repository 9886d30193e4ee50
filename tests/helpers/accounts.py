"""Customer accounts in tests: an app that mails a real SMTP server, and signing in the
way a customer does (ask for a code, read it from the email that arrived, type it).

The fixtures here are global (root conftest `pytest_plugins`): `acc_app` is the shop on
https://shop.test mailing `smtp_server`, `acc_client` its browser, and `customer` a
`CustomerActions` for that browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from shop.accounts.models import Customer, SignInCode
from shop.extensions import db
from tests.helpers import page

CODE_SUBJECT = re.compile(r"^(\d{6}) is your ")


@pytest.fixture
def acc_app(mailing_app):
    """The shop on https://shop.test, mailing `smtp_server` (empty at the start)."""
    return mailing_app()


@pytest.fixture
def acc_client(acc_app):
    return acc_app.test_client()


@dataclass(frozen=True)
class CodeMail:
    """What a sign-in email gave: the code, the link's path, and the message itself."""

    code: str
    link: str
    mail: object


def code_mails(smtp_server, email: str) -> list[CodeMail]:
    """Every code email `email` has received so far, oldest first."""
    found = []
    for mail in smtp_server.messages:
        if mail.rcpt_tos != [email.lower()]:
            continue
        match = CODE_SUBJECT.match(mail.message["Subject"] or "")
        if not match:
            continue
        links = re.findall(r"https://shop\.test(/account/login/[\w-]+)", mail.text_part())
        found.append(CodeMail(match.group(1), links[0] if links else "", mail))
    return found


def latest_code(smtp_server, email: str) -> CodeMail:
    mails = code_mails(smtp_server, email)
    assert mails, f"no code email for {email}"
    return mails[-1]


class CustomerActions:
    """Sign a test client in and out as a customer, through the pages and real mail."""

    def __init__(self, app, client, smtp_server):
        self.app = app
        self.client = client
        self.smtp = smtp_server

    def ask_for_code(self, email: str, next: str | None = None, client=None):
        data = {"email": email}
        if next is not None:
            data["next"] = next
        return (client or self.client).post("/account/login", data=data)

    def type_code(self, code: str, client=None):
        return (client or self.client).post("/account/code", data={"code": code})

    def sign_in(self, email: str = "ada@example.com", next: str | None = None, client=None):
        """Ask for a code, read it from the email and type it; returns the answer (303)."""
        before = len(code_mails(self.smtp, email))
        asked = self.ask_for_code(email, next, client)
        assert asked.status_code == 303, asked.get_data(as_text=True)
        mails = code_mails(self.smtp, email)
        assert len(mails) == before + 1, "the code email did not arrive"
        answer = self.type_code(mails[-1].code, client)
        assert answer.status_code == 303, page(answer).get_text(" ", strip=True)[:500]
        return answer

    def sign_out(self, client=None):
        return (client or self.client).post("/account/logout")


@pytest.fixture
def customer(acc_app, acc_client, smtp_server) -> CustomerActions:
    return CustomerActions(acc_app, acc_client, smtp_server)


def find_customer(app, email: str) -> Customer | None:
    """A detached copy of the account using `email`, or None."""
    with app.app_context():
        found = db.session.scalar(select(Customer).where(Customer.email == email.lower()))
        if found is not None:
            db.session.expunge(found)
        return found


def code_row(app, email: str, purpose: str = "sign_in") -> SignInCode | None:
    with app.app_context():
        row = db.session.scalar(
            select(SignInCode).where(
                SignInCode.email == email.lower(), SignInCode.purpose == purpose
            )
        )
        if row is not None:
            db.session.expunge(row)
        return row


def location(response) -> str:
    """A redirect's target as a local path (with its query and fragment)."""
    parts = urlsplit(response.headers["Location"])
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path + (f"#{parts.fragment}" if parts.fragment else "")
