"""One page of a public list (a listing, a product's reviews), with its total from the
same statement."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from shop.extensions import db


@dataclass(frozen=True)
class WindowPage:
    rows: list  # the statement's rows (the window count added as a last column)
    total: int
    page: int  # the page shown: the one asked for, or the last when that was past the end
    pages: int


def window_page(stmt: Select, page: int, per_page: int) -> WindowPage:
    """Page `page` of `stmt` and the number of rows in all, in one statement (a window
    count). Only a page past the end costs more: a count to find the last page, then
    that page."""
    rows = db.session.execute(
        stmt.add_columns(func.count().over().label("total"))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    if rows:
        total = rows[0].total
    elif page == 1:
        total = 0
    else:
        total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(math.ceil(total / per_page), 1)
    if page > pages:
        page = pages
        rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return WindowPage(rows=list(rows), total=total, page=page, pages=pages)
