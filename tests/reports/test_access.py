"""The analyst role: the reports and the dashboard, read only, and nothing else."""

from __future__ import annotations

import pytest

from tests.helpers import page
from tests.helpers.roles import ACCESS, PUBLIC, admin_routes
from tests.helpers.staff import make_staff

REPORT_PAGES = [
    "/admin/reports/",
    "/admin/reports/sales",
    "/admin/reports/products",
    "/admin/reports/stock",
    "/admin/reports/customers",
    "/admin/reports/funnel",
]


def test_an_analyst_reaches_the_reports_and_nothing_else(app, client, login):
    target = make_staff(app, role="editor")
    login("analyst")
    for endpoint, url, methods in admin_routes(app, target.id):
        if ACCESS[endpoint] == PUBLIC or endpoint == "admin.logout":
            continue
        if endpoint.startswith("reports_admin.") or endpoint == "admin.dashboard":
            assert methods & {"POST", "PUT", "PATCH", "DELETE"} == set(), endpoint
            response = client.get(url)
            response.get_data()
            assert response.status_code == 200, endpoint
            assert client.post(url).status_code == 405, endpoint
        elif "GET" in methods:
            assert client.get(url).status_code == 403, endpoint
        else:
            assert client.post(url).status_code == 403, endpoint


def test_the_analyst_menu_and_dashboard(client, login):
    login("analyst")
    html = page(client.get("/admin/"))
    nav = html.find("nav", attrs={"aria-label": "Back office"})
    assert [a.get_text(strip=True) for a in nav.select(".admin-nav__links a")] == [
        "Dashboard",
        "Reports",
    ]
    assert html.select_one("[data-dashboard-reports]") is not None
    assert html.select_one('[data-stat="today"]') is not None  # today's sales, UK time


@pytest.mark.parametrize("role", ["editor", "fulfilment"])
def test_other_roles_do_not_see_the_reports(client, login, role):
    login(role)
    assert client.get("/admin/reports/sales").status_code == 403
    assert page(client.get("/admin/")).select_one("[data-dashboard-reports]") is None


def test_an_analyst_account_is_made_from_the_command_line(app, runner):
    result = runner.invoke(
        args=["create-staff", "numbers@example.com", "--role", "analyst", "--password-stdin"],
        input="quiet-orchard-ledger-77\n",
    )
    assert result.exit_code == 0, result.output
    assert "analyst account numbers@example.com" in result.output


@pytest.mark.parametrize("path", REPORT_PAGES)
def test_every_report_page_is_accessible_and_works_without_script(client, login, path):
    login("admin")
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = page(response)
    assert html.select("script[src*=pygal], svg script, svg style, [style]") == []
    for svg in html.select("figure.report-chart svg"):
        assert svg["role"] == "img"
        title_id, desc_id = svg["aria-labelledby"].split()
        assert svg.find(id=title_id).name == "title" and svg.find(id=title_id).get_text()
        assert svg.find(id=desc_id).name == "desc"
        figure = svg.find_parent("figure")
        assert figure.figcaption.get_text(strip=True)
        assert figure.details.summary.get_text(strip=True) == "Show data"
        assert figure.details.table.select("thead th")


def test_a_bad_range_is_refused_with_a_message(client, login):
    login("analyst")
    response = client.get(
        "/admin/reports/sales?range=custom&date_from=2026-03-05&date_to=2026-03-01"
    )
    assert response.status_code == 400
    assert "The last day is before the first." in page(response).get_text()
    response = client.get(
        "/admin/reports/sales?range=custom&date_from=2020-01-01&date_to=2026-03-01"
    )
    assert response.status_code == 400
    assert client.get("/admin/reports/sales?range=nonsense&grain=hour").status_code == 400
    assert client.get("/admin/reports/sales?measure=nonsense").status_code == 200
