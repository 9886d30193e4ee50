"""Who may open what: every /admin route is checked for every role.

ACCESS (tests/helpers/roles.py) lists each back-office endpoint with the roles allowed
in. A new route that is not listed there fails
`test_every_admin_endpoint_declares_its_roles`, so each one has to say who may use it.
"""

from urllib.parse import urlsplit

import pytest

from shop.backoffice.access import FORBIDDEN_MESSAGE, role_required
from shop.backoffice.roles import allowed, roles_for
from tests.helpers import page
from tests.helpers.roles import ACCESS, EVERY_ROLE, PUBLIC, admin_routes
from tests.helpers.staff import make_staff


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and (
        urlsplit(response.headers["Location"]).path == "/admin/login"
    )


def test_every_admin_endpoint_declares_its_roles(app):
    endpoints = {endpoint for endpoint, _url, _methods in admin_routes(app, 1)}
    assert endpoints, "no /admin routes found"
    missing = endpoints - ACCESS.keys()
    assert not missing, f"add these endpoints to ACCESS with the roles they allow: {missing}"


def test_anonymous_visitors_only_reach_the_sign_in_page(app, client):
    target = make_staff(app, role="fulfilment")
    for endpoint, url, methods in admin_routes(app, target.id):
        if "GET" in methods:
            response = client.get(url)
            if ACCESS[endpoint] == PUBLIC:
                assert response.status_code == 200, endpoint
            else:
                assert is_login_redirect(response), endpoint
        else:
            assert client.get(url).status_code == 405, endpoint
            assert is_login_redirect(client.post(url)), endpoint


def reached(response) -> bool:
    """The page let the user in: whatever it then said (a 404 for a dummy id,
    a redirect after a form), it was not a refusal or a crash."""
    return (
        response.status_code not in (401, 403)
        and response.status_code < 500
        and not (is_login_redirect(response))
    )


@pytest.mark.parametrize("role", sorted(EVERY_ROLE))
def test_each_role_reaches_exactly_what_it_is_allowed(app, client, login, role):
    target = make_staff(app, role="fulfilment")
    login(role)
    for endpoint, url, methods in admin_routes(app, target.id):
        roles = ACCESS[endpoint]
        if roles == PUBLIC:
            # Signed-in staff are passed straight on from the sign-in page.
            assert client.get(url).status_code == 302, endpoint
            continue
        if "GET" in methods:
            response = client.get(url)
            response.get_data()  # a download is read to its end
        else:
            assert client.get(url).status_code == 405, endpoint
            response = client.post(url)
        if role not in roles:
            assert response.status_code == 403, f"{role} {endpoint} {response.status_code}"
            assert FORBIDDEN_MESSAGE in page(response).get_text(" ", strip=True)
        elif endpoint.startswith("admin.") and "GET" in methods:
            assert response.status_code == 200, f"{role} {endpoint} {response.status_code}"
        elif endpoint.startswith("admin."):
            assert response.status_code == 303, f"{role} {endpoint} {response.status_code}"
        else:
            assert reached(response), f"{role} {endpoint} {response.status_code}"


def test_the_forbidden_page_is_the_friendly_error_page(client, login):
    login("fulfilment")
    response = client.get("/admin/staff")
    assert response.status_code == 403
    html = page(response)
    assert html.h1.get_text(strip=True) == "Forbidden"
    assert html.select_one(".error-page .lede").get_text(strip=True) == FORBIDDEN_MESSAGE


def test_allowed_matches_the_roles(app):
    expected = {
        "admin": {"catalogue", "journal", "newsletter", "orders", "mail", "staff", "audit"},
        "editor": {"catalogue", "journal", "newsletter"},
        "fulfilment": {"orders"},
        "analyst": {"reports"},
    }
    expected["admin"].add("reports")
    for role, areas in expected.items():
        staff = make_staff(app, role=role)
        inactive = make_staff(app, role=role, is_active=False)
        with app.app_context():
            from shop.admin.models import StaffUser
            from shop.extensions import db

            user = db.session.get(StaffUser, staff.id)
            gone = db.session.get(StaffUser, inactive.id)
            for area in [
                "catalogue",
                "journal",
                "newsletter",
                "orders",
                "mail",
                "staff",
                "audit",
                "reports",
            ]:
                assert allowed(user, area) is (area in areas), (role, area)
                assert allowed(gone, area) is False
    assert roles_for("orders") == ("admin", "fulfilment")
    assert roles_for("journal") == ("admin", "editor")


def test_allowed_refuses_unknown_areas_and_the_anonymous_user():
    from flask_login import AnonymousUserMixin

    assert allowed(AnonymousUserMixin(), "orders") is False
    assert allowed(None, "orders") is False
    with pytest.raises(ValueError):
        allowed(None, "billing")
    with pytest.raises(ValueError):
        roles_for("billing")


def test_role_required_refuses_unknown_roles():
    with pytest.raises(ValueError):
        role_required("owner")
    with pytest.raises(ValueError):
        role_required()
    assert role_required("admin", "editor")(lambda: None).allowed_roles == {"admin", "editor"}


@pytest.mark.parametrize(
    "role, shown, hidden",
    [
        ("admin", ["Mail", "Staff", "Audit log"], []),
        ("editor", [], ["Mail", "Staff", "Audit log"]),
        ("fulfilment", [], ["Mail", "Staff", "Audit log"]),
    ],
)
def test_the_admin_menu_shows_only_what_the_role_may_open(client, login, role, shown, hidden):
    login(role)
    nav = page(client.get("/admin/")).find("nav", attrs={"aria-label": "Back office"})
    links = [a.get_text(strip=True) for a in nav.select(".admin-nav__links a")]
    assert links[0] == "Dashboard"
    assert nav.select_one("[aria-current=page]").get_text(strip=True) == "Dashboard"
    for label in shown:
        assert label in links
    for label in hidden:
        assert label not in links


def test_the_dashboard_lists_the_sections_a_role_may_open(client, login):
    login("editor")
    sections = page(client.get("/admin/")).select(".admin-sections li")
    labels = [li.get_text(" ", strip=True).removesuffix(" (coming soon)") for li in sections]
    assert labels == [
        "Catalogue",
        "Journal",
        "Comments",
        "Reviews",
        "Promotions",
        "Newsletter",
        "Pages",
    ]


def test_the_menu_marks_the_section_being_used(client, login):
    login("admin")
    nav = page(client.get("/admin/staff/new")).find("nav", attrs={"aria-label": "Back office"})
    assert [a.get_text(strip=True) for a in nav.select("[aria-current=page]")] == ["Staff"]
