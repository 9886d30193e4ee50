"""Back-office list pages: the filters a list reads from its query string, and the page
of rows it shows (the links under it come from the `pagination` macro in
templates/admin/_pagination.html, given `query_args` so every page keeps the filters).

A list's filters are a frozen dataclass of plain values, with "" or None for "any";
its filter form (built from `request.args`, without CSRF) has a field of the same name
for each, or the name in the dataclass field's `metadata["arg"]`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import request

from shop.extensions import db
from shop.numbers import page_number


def page_of(statement, per_page: int):
    """The page of `statement` the query string asks for (`?page=`, 1 to MAX_PAGE;
    anything else is the first page). A page past the end is empty, not an error."""
    return db.paginate(
        statement,
        page=request.args.get("page", 1, type=page_number),
        per_page=per_page,
        error_out=False,
    )


def _arg_name(field: dataclasses.Field) -> str:
    return field.metadata.get("arg", field.name)


def filter_args(filters) -> dict[str, str]:
    """The filters that are set, as query-string arguments (dates as YYYY-MM-DD)."""
    args = {}
    for field in dataclasses.fields(filters):
        value = getattr(filters, field.name)
        if value in (None, ""):
            continue
        args[_arg_name(field)] = value.isoformat() if isinstance(value, date) else str(value)
    return args


@dataclass(frozen=True)
class ListFilters:
    """A list's filter form, whether what it was sent is valid, and the filters it
    says (all unset when it is not valid)."""

    form: Any
    filters: Any
    valid: bool

    @property
    def status(self) -> int:
        """200, or 400 when the filters sent were refused (the form says why)."""
        return 200 if self.valid else 400

    @property
    def query_args(self) -> dict[str, str]:
        """The filters again, for the page links."""
        return filter_args(self.filters)

    @property
    def filtered(self) -> bool:
        return self.filters != type(self.filters)()


def read_filters(form, filters_type: type) -> ListFilters:
    """Validate `form` (a filter form made from `request.args`, its choices set up) and
    read it into a `filters_type`: text trimmed, empty fields unset."""
    if not form.validate():
        return ListFilters(form, filters_type(), False)
    values = {}
    for field in dataclasses.fields(filters_type):
        value = form[_arg_name(field)].data
        if field.default == "":
            value = (value or "").strip()
        values[field.name] = value
    return ListFilters(form, filters_type(**values), True)
