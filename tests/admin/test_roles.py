"""Who may open what: every /admin route is checked for every role.

ACCESS lists each back-office endpoint with the roles allowed in. A new route
that is not listed here fails `test_every_admin_endpoint_declares_its_roles`,
so each one has to say who may use it.
"""

from urllib.parse import urlsplit

import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter

from shop.backoffice.access import FORBIDDEN_MESSAGE, role_required
from shop.backoffice.roles import allowed, roles_for
from tests.helpers import page
from tests.helpers.staff import make_staff

PUBLIC = "public"
ADMIN = {"admin"}
EDITORS = {"admin", "editor"}
EVERY_ROLE = {"admin", "editor", "fulfilment", "analyst", "mentor"}
ANALYSTS = {"admin", "analyst"}
MENTORS = {"admin", "mentor"}
FULFILMENT_STAFF = {"admin", "fulfilment"}

ACCESS: dict[str, set[str] | str] = {
    "admin.login": PUBLIC,
    "admin.logout": EVERY_ROLE,
    "admin.dashboard": EVERY_ROLE,
    "admin.staff_list": ADMIN,
    "admin.staff_new": ADMIN,
    "admin.staff_role": ADMIN,
    "admin.staff_deactivate": ADMIN,
    "admin.staff_reactivate": ADMIN,
    "admin.audit_log": ADMIN,
    # Catalogue products, sizes, stock, pictures and CSV (shop/catalogue/admin/views.py)
    "catalogue_admin.product_list": EDITORS,
    "catalogue_admin.product_new": EDITORS,
    "catalogue_admin.product_edit": EDITORS,
    "catalogue_admin.product_duplicate": EDITORS,
    "catalogue_admin.product_archive": EDITORS,
    "catalogue_admin.product_unarchive": EDITORS,
    "catalogue_admin.product_variants": EDITORS,
    "catalogue_admin.variant_edit": EDITORS,
    "catalogue_admin.variant_stock": EDITORS,
    "catalogue_admin.product_formulation": EDITORS,
    "catalogue_admin.product_key_facts": EDITORS,
    "catalogue_admin.product_images": EDITORS,
    "catalogue_admin.image_update": EDITORS,
    "catalogue_admin.image_move": EDITORS,
    "catalogue_admin.image_delete": EDITORS,
    "catalogue_admin.csv_page": EDITORS,
    "catalogue_admin.csv_export": EDITORS,
    "catalogue_admin.csv_preview": EDITORS,
    "catalogue_admin.csv_apply": EDITORS,
    # Orders (shop/orders/admin/views.py): administrators and fulfilment
    # Subscriptions (shop/subscriptions/admin/views.py): administrators and fulfilment
    "subscriptions_admin.subscription_list": {"admin", "fulfilment"},
    "subscriptions_admin.subscription_detail": {"admin", "fulfilment"},
    "subscriptions_admin.cancel": {"admin", "fulfilment"},
    "orders_admin.order_list": {"admin", "fulfilment"},
    "orders_admin.order_detail": {"admin", "fulfilment"},
    "orders_admin.order_ship": {"admin", "fulfilment"},
    "orders_admin.order_refund": {"admin", "fulfilment"},
    # Newsletter campaigns and subscribers (shop/newsletter/admin/views.py)
    "newsletter_admin.campaign_list": EDITORS,
    "newsletter_admin.campaign_new": EDITORS,
    "newsletter_admin.campaign_detail": EDITORS,
    "newsletter_admin.campaign_preview": EDITORS,
    "newsletter_admin.campaign_edit": EDITORS,
    "newsletter_admin.campaign_test": EDITORS,
    "newsletter_admin.campaign_send": EDITORS,
    "newsletter_admin.campaign_resume": EDITORS,
    "newsletter_admin.subscriber_list": EDITORS,
    "newsletter_admin.subscriber_export": EDITORS,
    "newsletter_admin.subscriber_erase": EDITORS,
    # Emails waiting or given up (shop/mail/admin/views.py): administrators only
    "mail_admin.message_list": ADMIN,
    "mail_admin.message_retry": ADMIN,
    # Comment moderation (shop/comments/admin/views.py)
    # Consultations (shop/consultations/admin/views.py): mentors their own bookings,
    # administrators everything, services and mentors included
    "consultations_admin.calendar": MENTORS,
    "consultations_admin.booking": MENTORS,
    "consultations_admin.booking_notes": MENTORS,
    "consultations_admin.booking_move": MENTORS,
    "consultations_admin.booking_cancel": MENTORS,
    "consultations_admin.booking_no_show": MENTORS,
    "consultations_admin.book": MENTORS,
    "consultations_admin.setup": ADMIN,
    "consultations_admin.service_edit": ADMIN,
    "consultations_admin.mentor_edit": ADMIN,
    "consultations_admin.hours_add": ADMIN,
    "consultations_admin.hours_remove": ADMIN,
    "consultations_admin.time_off_add": ADMIN,
    "consultations_admin.time_off_remove": ADMIN,
    "comments_admin.comment_list": EDITORS,
    "comments_admin.comment_approve": EDITORS,
    "comments_admin.comment_hide": EDITORS,
    "comments_admin.comment_delete": EDITORS,
    "comments_admin.customer_block": EDITORS,
    "comments_admin.customer_unblock": EDITORS,
    # Review moderation (shop/reviews/admin/views.py)
    "reviews_admin.review_list": EDITORS,
    "reviews_admin.review_approve": EDITORS,
    "reviews_admin.review_reject": EDITORS,
    "reviews_admin.review_reply": EDITORS,
    "promotions_admin.promotion_list": EDITORS,
    "promotions_admin.promotion_new": EDITORS,
    "promotions_admin.promotion_edit": EDITORS,
    "promotions_admin.promotion_active": EDITORS,
    "promotions_admin.promotion_uses_csv": EDITORS,
    # Journal articles and authors (shop/journal/admin/views.py)
    "journal_admin.article_list": EDITORS,
    "journal_admin.article_new": EDITORS,
    "journal_admin.article_edit": EDITORS,
    "journal_admin.author_list": EDITORS,
    "journal_admin.author_new": EDITORS,
    "journal_admin.author_edit": EDITORS,
    # Reports (shop/reports/admin/views.py): administrators and analysts, read only
    "reports_admin.index": ANALYSTS,
    "reports_admin.sales": ANALYSTS,
    "reports_admin.sales_csv": ANALYSTS,
    "reports_admin.products": ANALYSTS,
    "reports_admin.products_csv": ANALYSTS,
    "reports_admin.stock": ANALYSTS,
    "reports_admin.stock_csv": ANALYSTS,
    "reports_admin.customers": ANALYSTS,
    "reports_admin.customers_csv": ANALYSTS,
    "reports_admin.funnel": ANALYSTS,
    "reports_admin.funnel_csv": ANALYSTS,
    # The shop's own pages (shop/sitepages/admin/views.py)
    "sitepages_admin.page_list": EDITORS,
    "sitepages_admin.page_edit": EDITORS,
    # Customers' messages (shop/contact/admin/views.py): whoever answers about orders
    "contact_admin.message_list": FULFILMENT_STAFF,
    "contact_admin.message_detail": FULFILMENT_STAFF,
    "contact_admin.message_reply": FULFILMENT_STAFF,
    "contact_admin.message_status": FULFILMENT_STAFF,
}


def admin_routes(app, target_id: int) -> list[tuple[str, str, set[str]]]:
    """(endpoint, url, methods) for every /admin rule, sign-out last, with any
    int in the URL filled with `target_id` and any other value with a dummy."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith("/admin"):
                continue
            values = {
                name: target_id if isinstance(converter, IntegerConverter) else "dummy"
                for name, converter in rule._converters.items()
            }
            routes.append((rule.endpoint, url_for(rule.endpoint, **values), set(rule.methods)))
    return sorted(routes, key=lambda route: route[0] == "admin.logout")


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
