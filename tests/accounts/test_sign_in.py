"""Passwordless sign-in: a code or a link by real email, single use, 15 minutes, one
live code per address, five wrong tries, no enumeration, rate limits, and customer and
staff sessions that never mix."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from shop.accounts import services
from shop.accounts.models import Customer, SignInCode
from shop.extensions import db
from shop.models import utcnow
from tests.helpers import page
from tests.helpers.accounts import (
    CustomerActions,
    code_mails,
    code_row,
    find_customer,
    latest_code,
    location,
)
from tests.helpers.checkout import run_together
from tests.helpers.staff import AuthActions


def test_the_account_page_sends_anonymous_visitors_to_sign_in(acc_client):
    response = acc_client.get("/account")
    assert response.status_code == 302
    assert location(response) == "/account/login?next=/account"
    form = page(acc_client.get(location(response))).select_one("form[data-account-login]")
    assert form.select_one("input[name=email]")["type"] == "email"
    assert form.select_one("input[name=next]")["value"] == "/account"


def test_a_code_by_email_opens_the_account_and_goes_back(
    acc_app, acc_client, customer, smtp_server
):
    asked = customer.ask_for_code("  Ada@Example.COM ", next="/account/orders")
    assert asked.status_code == 303
    assert location(asked) == "/account/code"
    shown = acc_client.get("/account/code")
    assert shown.headers["Cache-Control"] == "no-store"
    assert "ada@example.com" in page(shown).select_one("main").get_text()
    assert page(shown).select_one("input[name=code]")["autocomplete"] == "one-time-code"
    assert find_customer(acc_app, "ada@example.com") is None  # not before the code

    mail = latest_code(smtp_server, "ada@example.com")
    assert mail.mail.rcpt_tos == ["ada@example.com"]
    assert mail.code in mail.mail.text_part() and mail.code in mail.mail.html_part()
    assert f'href="https://shop.test{mail.link}"' in mail.mail.html_part()
    assert "15 minutes" in mail.mail.text_part()
    # Nothing but a keyed hash is stored: not the code, not the link's token.
    row = code_row(acc_app, "ada@example.com")
    token = mail.link.rsplit("/", 1)[1]
    assert mail.code not in (row.code_hash, row.link_hash) and token != row.link_hash

    signed_in = customer.type_code(mail.code)
    assert signed_in.status_code == 303
    assert location(signed_in) == "/account/orders"
    account = find_customer(acc_app, "ada@example.com")
    assert account is not None and account.last_signed_in_at is not None
    overview = acc_client.get("/account")
    assert overview.status_code == 200
    assert overview.headers["Cache-Control"] == "no-store"
    assert "ada@example.com" in page(overview).select_one("[data-account-details]").get_text()
    assert page(overview).select_one(".account-link").get_text() == "Your account"


def test_the_code_may_be_pasted_with_spaces(acc_client, customer, smtp_server):
    customer.ask_for_code("ada@example.com")
    code = latest_code(smtp_server, "ada@example.com").code
    assert customer.type_code(f" {code[:3]} {code[3:]} ").status_code == 303


def test_the_link_opens_a_button_and_only_the_button_signs_in(
    acc_app, acc_client, customer, smtp_server
):
    customer.ask_for_code("ada@example.com", next="/journal")
    link = latest_code(smtp_server, "ada@example.com").link
    scanner = acc_app.test_client()  # a mail scanner opening the link
    opened = scanner.get(link)
    assert opened.status_code == 200
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    assert page(opened).select_one("form[data-account-link] button").get_text() == "Sign in"
    assert find_customer(acc_app, "ada@example.com") is None
    assert scanner.get("/account").status_code == 302

    pressed = acc_client.post(link)
    assert pressed.status_code == 303
    assert location(pressed) == "/journal"  # the same browser asked for it: next kept
    assert acc_client.get("/account").status_code == 200
    # Used once: the link and the code are spent.
    again = acc_app.test_client().post(link)
    assert again.status_code == 410
    assert acc_app.test_client().get(link).status_code == 410
    with acc_app.app_context():
        code = latest_code(smtp_server, "ada@example.com").code
        assert services.check_code("ada@example.com", code).problem == "dead"


def test_a_used_code_does_not_work_again(acc_app, customer, smtp_server):
    customer.sign_in("ada@example.com")
    code = latest_code(smtp_server, "ada@example.com").code
    with acc_app.app_context():
        assert services.check_code("ada@example.com", code).problem == "dead"
        db.session.commit()


def test_five_wrong_codes_kill_the_code(acc_app, acc_client, customer, smtp_server):
    customer.ask_for_code("ada@example.com")
    right = latest_code(smtp_server, "ada@example.com").code
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        answer = customer.type_code(wrong)
        assert answer.status_code == 400
        error = page(answer).select_one(".field-error").get_text()
        assert f"try {left} more time" in error
    fifth = customer.type_code(wrong)
    assert "no longer works" in page(fifth).select_one("[data-code-error]").get_text()
    late = customer.type_code(right)  # the right code, too late
    assert late.status_code == 400
    assert "no longer works" in page(late).select_one("[data-code-error]").get_text()
    assert acc_client.get("/account").status_code == 302
    assert code_row(acc_app, "ada@example.com").attempts == 5
    # Its link died with it.
    link = latest_code(smtp_server, "ada@example.com").link
    assert acc_client.post(link).status_code == 410


def test_a_malformed_code_is_refused_without_using_a_try(acc_app, customer):
    customer.ask_for_code("ada@example.com")
    for typed in ("", "12345", "1234567", "abcdef", "１２３４５６"):
        answer = customer.type_code(typed)
        assert answer.status_code == 400, typed
        assert page(answer).select_one(".field-error") is not None
    assert code_row(acc_app, "ada@example.com").attempts == 0


def test_codes_and_links_expire_after_15_minutes(acc_app, acc_client, customer, smtp_server):
    customer.ask_for_code("ada@example.com")
    mail = latest_code(smtp_server, "ada@example.com")
    with acc_app.app_context():
        row = db.session.scalar(select(SignInCode))
        assert timedelta(minutes=14) < row.expires_at - row.created_at <= timedelta(minutes=15)
        db.session.execute(update(SignInCode).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    answer = customer.type_code(mail.code)
    assert answer.status_code == 400
    assert "no longer works" in page(answer).select_one("[data-code-error]").get_text()
    assert acc_client.get(mail.link).status_code == 410
    assert acc_client.post(mail.link).status_code == 410
    assert find_customer(acc_app, "ada@example.com") is None


def test_a_new_code_replaces_the_old_one(acc_app, acc_client, customer, smtp_server):
    customer.ask_for_code("ada@example.com")
    first = latest_code(smtp_server, "ada@example.com")
    customer.ask_for_code("ada@example.com")
    second = latest_code(smtp_server, "ada@example.com")
    assert len(code_mails(smtp_server, "ada@example.com")) == 2
    with acc_app.app_context():
        rows = db.session.scalars(select(SignInCode)).all()
        assert len(rows) == 1  # one live code per address
    if first.code != second.code:
        assert customer.type_code(first.code).status_code == 400
    assert acc_client.post(first.link).status_code == 410
    assert customer.type_code(second.code).status_code == 303


def test_the_same_page_for_known_and_unknown_addresses(acc_app, customer, smtp_server):
    other = CustomerActions(acc_app, acc_app.test_client(), smtp_server)
    other.sign_in("known@example.com")
    other.sign_out()

    known_client, unknown_client = acc_app.test_client(), acc_app.test_client()
    known = customer.ask_for_code("known@example.com", client=known_client)
    unknown = customer.ask_for_code("nobody@example.com", client=unknown_client)
    assert (known.status_code, location(known)) == (unknown.status_code, location(unknown))

    def shown(client, email):
        html = page(client.get("/account/code")).select_one("main")
        for token in html.select("input[name=csrf_token]"):
            token["value"] = "TOKEN"  # each visitor's own
        return str(html).replace(email, "EMAIL")

    assert shown(known_client, "known@example.com") == shown(unknown_client, "nobody@example.com")
    # Both were sent a code the same way (the first code opens the account).
    known_mail = latest_code(smtp_server, "known@example.com").mail
    unknown_mail = latest_code(smtp_server, "nobody@example.com").mail
    assert known_mail.message["Subject"][6:] == unknown_mail.message["Subject"][6:]
    assert find_customer(acc_app, "nobody@example.com") is None


@pytest.mark.parametrize(
    "next_path, expected",
    [
        ("/journal/gut-skin#comments", "/journal/gut-skin#comments"),
        ("https://evil.example/steal", "/account"),
        ("//evil.example/steal", "/account"),
        ("/\\evil.example", "/account"),
    ],
)
def test_only_local_next_paths_are_followed(customer, next_path, expected):
    answer = customer.sign_in("ada@example.com", next=next_path)
    assert location(answer) == expected


def test_bad_addresses_are_refused_with_a_message(acc_client, smtp_server):
    for typed in ("", "not an address", "a@b", "x" * 300 + "@example.com", "a\r\nb@example.com"):
        answer = acc_client.post("/account/login", data={"email": typed})
        assert answer.status_code == 400, typed
        assert page(answer).select_one(".field-error") is not None
    assert smtp_server.messages == []


def test_the_code_page_without_asking_first_goes_to_the_sign_in_page(acc_client):
    assert location(acc_client.get("/account/code")) == "/account/login"
    assert location(acc_client.post("/account/code", data={"code": "123456"})) == "/account/login"


def test_nonsense_links_are_gone(acc_client):
    for token in ("x", "a" * 43, "a" * 200, "bad%20token-with-spaces-in-it"):
        assert acc_client.get(f"/account/login/{token}").status_code == 410
        assert acc_client.post(f"/account/login/{token}").status_code == 410


# Rate limits -----------------------------------------------------------------------


def test_codes_are_limited_per_address(app_factory, smtp_server):
    smtp_server.clear()
    app = app_factory(
        RATELIMIT_ENABLED=True,
        ACCOUNT_CODE_EMAIL_LIMIT="2 per hour",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
    )
    for number in range(2):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{number + 1}"
        assert client.post("/account/login", data={"email": "ada@example.com"}).status_code == 303
    refused = app.test_client().post("/account/login", data={"email": "Ada@example.com"})
    assert refused.status_code == 429
    assert "Too many codes" in refused.get_data(as_text=True)
    assert len(code_mails(smtp_server, "ada@example.com")) == 2
    # Another address is not held back.
    assert (
        app.test_client().post("/account/login", data={"email": "bo@example.com"}).status_code
        == 303
    )


def test_codes_are_limited_per_client_address(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, ACCOUNT_CODE_IP_LIMIT="3 per minute")
    client = app.test_client()
    for number in range(3):
        sent = client.post("/account/login", data={"email": f"person{number}@example.com"})
        assert sent.status_code == 303
    assert client.post("/account/login", data={"email": "more@example.com"}).status_code == 429
    assert client.get("/account/login").status_code == 200  # reading the page is not limited


def test_typing_codes_is_limited_per_client_address(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, ACCOUNT_CODE_CHECK_IP_LIMIT="3 per minute")
    client = app.test_client()
    client.post("/account/login", data={"email": "ada@example.com"})
    for _ in range(3):
        assert client.post("/account/code", data={"code": "000000"}).status_code in (400, 303)
    assert client.post("/account/code", data={"code": "000000"}).status_code == 429


# At once ---------------------------------------------------------------------------


def _guess(app, email: str, code: str):
    def call():
        with app.app_context():
            result = services.check_code(email, code)
            db.session.commit()
            db.session.remove()
            return result

    return call


def test_a_burst_of_guesses_gets_five_tries_in_all(acc_app, customer, smtp_server):
    customer.ask_for_code("ada@example.com")
    right = latest_code(smtp_server, "ada@example.com").code
    wrong = [f"{(int(right) + n) % 1_000_000:06d}" for n in range(1, 13)]
    results = run_together(*[_guess(acc_app, "ada@example.com", code) for code in wrong])
    assert sum(1 for r in results if r.problem == "wrong") == 4
    assert code_row(acc_app, "ada@example.com").attempts == 5
    with acc_app.app_context():
        assert services.check_code("ada@example.com", right).problem == "dead"


def test_the_right_code_sent_many_times_at_once_signs_in_once(acc_app, customer, smtp_server):
    customer.ask_for_code("ada@example.com")
    right = latest_code(smtp_server, "ada@example.com").code
    results = run_together(*[_guess(acc_app, "ada@example.com", right) for _ in range(4)])
    assert sum(1 for r in results if r.ok) == 1


# Sessions ----------------------------------------------------------------------------


def test_signing_in_starts_a_fresh_session_keeping_only_the_basket(acc_app, acc_client, customer):
    acc_client.get("/account/login")
    with acc_client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["cart"] = "k" * 43
    customer.sign_in("ada@example.com")
    with acc_client.session_transaction() as session:
        assert "planted" not in session
        assert "customer_sign_in" not in session
        assert session["customer"]["id"] == find_customer(acc_app, "ada@example.com").id


def test_a_customer_session_grants_nothing_in_the_back_office(acc_app, acc_client, customer):
    customer.sign_in("ada@example.com")
    for path in ("/admin/", "/admin/comments/", "/admin/orders/", "/admin/staff"):
        response = acc_client.get(path)
        assert response.status_code == 302, path
        assert location(response).startswith("/admin/login"), path


def test_a_staff_session_is_not_a_customer_account(acc_app, acc_client):
    AuthActions(acc_app, acc_client)("admin")
    assert acc_client.get("/admin/").status_code == 200
    response = acc_client.get("/account")
    assert location(response) == "/account/login?next=/account"
    assert page(acc_client.get("/journal")).select_one(".account-link").get_text() == "Sign in"


def test_a_customer_signing_in_ends_a_staff_session_in_that_browser(acc_app, acc_client, customer):
    AuthActions(acc_app, acc_client)("admin")
    customer.sign_in("ada@example.com")
    assert location(acc_client.get("/admin/")).startswith("/admin/login")
    assert acc_client.get("/account").status_code == 200


def test_signing_out_ends_the_session_and_copies_of_it(acc_app, acc_client, customer):
    customer.sign_in("ada@example.com")
    copy = acc_app.test_client()
    cookie = acc_client.get_cookie("session")
    copy.set_cookie("session", cookie.value)
    assert copy.get("/account").status_code == 200
    out = customer.sign_out()
    assert out.status_code == 303
    assert acc_client.get("/account").status_code == 302
    assert copy.get("/account").status_code == 302


def test_a_session_older_than_its_lifetime_ends(acc_app, acc_client, customer):
    customer.sign_in("ada@example.com")
    with acc_client.session_transaction() as session:
        claim = dict(session["customer"])
        claim["at"] -= 31 * 86400
        session["customer"] = claim
    assert acc_client.get("/account").status_code == 302


def test_forged_session_values_are_ignored(acc_app, acc_client, customer):
    customer.sign_in("ada@example.com")
    for forged in (
        "1",
        {"id": "1", "v": 1, "at": 1},
        {"id": 1},
        [1, 1, 1],
        {"id": 10**30, "v": 1, "at": 1},
    ):
        with acc_client.session_transaction() as session:
            session["customer"] = forged
        assert acc_client.get("/account").status_code == 302, forged


def test_the_first_sign_in_of_an_address_makes_one_account(acc_app):
    def open_account():
        with acc_app.app_context():
            account = services.sign_in("twice@example.com")
            db.session.commit()
            account_id = account.id
            db.session.remove()
            return account_id

    first, second = run_together(open_account, open_account)
    assert first == second
    with acc_app.app_context():
        assert len(db.session.scalars(select(Customer)).all()) == 1
