"""The back-office kit: the area table every staff area follows, list filters and page
links, and CSV downloads a spreadsheet cannot turn into formulas."""

import csv
import dataclasses
import io
import subprocess
import sys
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Blueprint, url_for
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateField, StringField
from wtforms.validators import Optional

from shop.backoffice import roles
from shop.backoffice.access import FORBIDDEN_MESSAGE, protect_back_office
from shop.backoffice.exports import cell_text, csv_response, spreadsheet_cell
from shop.backoffice.lists import filter_args, read_filters
from shop.backoffice.roles import ADMINS, AREAS, Role
from tests.helpers import page

KERNEL = {"shop", "shop.config", "shop.extensions", "shop.models", "shop.numbers", "shop.signals"}


def test_the_kit_knows_no_feature():
    """Importing the kit loads the kernel and nothing of any feature (in a fresh process,
    as tests/test_imports.py does)."""
    names = ["access", "audit", "exports", "lists", "models", "roles"]
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module('shop.backoffice.' + name)\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('shop'))))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = set(result.stdout.split())
    assert {f"shop.backoffice.{name}" for name in names} <= loaded
    assert loaded - KERNEL - {"shop.backoffice"} - {f"shop.backoffice.{n}" for n in names} == set()


def test_administrators_open_every_area():
    assert all(Role.ADMIN in area.roles for area in AREAS)
    assert len({area.name for area in AREAS}) == len(AREAS)


def test_an_unknown_area_is_refused_when_the_blueprint_is_made():
    with pytest.raises(ValueError, match="unknown back-office area 'billing'"):
        protect_back_office(Blueprint("billing_admin", __name__), area="billing")


# Each area's pages and menu line follow the table: narrow an area to administrators in
# the table alone, and editors and fulfilment staff lose it everywhere.
@pytest.mark.parametrize(
    "area", [area for area in AREAS if set(area.roles) != set(ADMINS)], ids=lambda a: a.name
)
def test_every_area_follows_the_role_table(app, client, login, monkeypatch, area):
    narrowed = dataclasses.replace(area, roles=ADMINS)
    monkeypatch.setitem(roles._AREAS_BY_NAME, area.name, narrowed)
    monkeypatch.setattr(roles, "AREAS", tuple(narrowed if a is area else a for a in AREAS))
    with app.test_request_context():
        home = url_for(area.home)
    for role in area.roles:
        if role is Role.ADMIN:
            continue
        login(str(role))
        response = client.get(home)
        assert response.status_code == 403, (area.name, role)
        assert FORBIDDEN_MESSAGE in page(response).get_text(" ", strip=True)
        menu = page(client.get("/admin/")).select(".admin-nav__links a")
        assert area.label not in [a.get_text(strip=True) for a in menu]
    login("admin")
    assert client.get(home).status_code == 200


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        ("'quoted", "'quoted"),
        (None, ""),
        (12, "12"),
        (date(2026, 5, 4), "2026-05-04"),
    ],
)
def test_cells_that_look_like_formulas_are_kept_as_text(value, cell):
    assert spreadsheet_cell(value) == cell
    if isinstance(value, str) and value == value.strip():
        assert cell_text(cell) == value


def test_a_download_streams_rows_read_as_it_goes(app):
    read = []

    def rows():
        yield ["name", "note"]
        for n in range(3):
            read.append(n)
            yield [f"row {n}", "=1+1"]

    with app.test_request_context():
        response = csv_response(rows(), "things.csv", bom=True)
    assert read == []  # nothing is read before the download starts
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="things.csv"'
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffname,note\r\n")
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == [
        ["name", "note"],
        ["row 0", "'=1+1"],
        ["row 1", "'=1+1"],
        ["row 2", "'=1+1"],
    ]


@dataclass(frozen=True)
class ThingFilters:
    q: str = ""
    state: str = dataclasses.field(default="", metadata={"arg": "status"})
    since: date | None = None


class ThingFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(validators=[Optional()])
    status = StringField(validators=[Optional()])
    since = DateField(validators=[Optional()])


def test_filters_are_read_from_the_query_string_and_go_back_into_page_links(app):
    with app.test_request_context():
        args = MultiDict({"q": "  cream ", "status": "draft", "since": "2026-01-05"})
        listing = read_filters(ThingFilterForm(args), ThingFilters)
        assert listing.valid and listing.status == 200 and listing.filtered
        assert listing.filters == ThingFilters("cream", "draft", date(2026, 1, 5))
        assert listing.query_args == {"q": "cream", "status": "draft", "since": "2026-01-05"}

        refused = read_filters(ThingFilterForm(MultiDict({"since": "soon"})), ThingFilters)
        assert (refused.valid, refused.status, refused.filtered) == (False, 400, False)
        assert refused.query_args == {}
        assert refused.form.since.errors
    assert filter_args(ThingFilters()) == {}
