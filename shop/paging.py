"""One page of a public list (a listing, a product's reviews), with its total from the
same statement."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Integer, Select, bindparam, func, select

from shop.extensions import db
from shop.loading import plain_rows


@dataclass(frozen=True)
class WindowPage:
    rows: list  # the statement's rows (the window count added as a last column)
    total: int
    page: int  # the page shown: the one asked for, or the last when that was past the end
    pages: int


def window_page(
    stmt: Select,
    page: int,
    per_page: int,
    parameters: dict | None = None,
    paged: Select | None = None,
    plain: bool = False,
    count_apart: bool = False,
) -> WindowPage:
    """Page `page` of `stmt` and the number of rows in all, in one statement (a window
    count, or a count apart). Only a page past the end costs more: a count to find the
    last page, then that page.

    With `parameters`, `stmt` is a statement built once per process with bound
    parameters (see "Statements on hot paths" in docs/architecture.md): its paged form
    is built once too, the page's limit and offset parameters of it. `paged` is
    another form of it that reads the page, built once too: `windowed(stmt)` used as
    a subquery, say, with more read for the page's rows only (a `total` column kept).
    `plain` says its rows are plain columns, read on the session's connection
    (shop.loading.plain_rows). `count_apart` is `windowed`'s, for a statement whose
    order an index gives."""
    if parameters is None:
        windowed_stmt, parameters = windowed(stmt, count_apart=count_apart), {}
    elif paged is None:
        windowed_stmt = _kept_windowed(stmt, count_apart=count_apart)
    else:
        windowed_stmt = paged
    run = plain_rows if plain else db.session.execute
    rows = run(windowed_stmt, _page_of(parameters, page, per_page)).all()
    if rows:
        total = rows[0].total
    elif page == 1:
        total = 0
    else:
        count = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = db.session.scalar(count, parameters)
    pages = max(math.ceil(total / per_page), 1)
    if page > pages:
        page = pages
        rows = run(windowed_stmt, _page_of(parameters, page, per_page)).all()
    return WindowPage(rows=list(rows), total=total, page=page, pages=pages)


def _page_of(parameters: dict, page: int, per_page: int) -> dict:
    return {**parameters, "page_limit": per_page, "page_offset": (page - 1) * per_page}


def windowed(stmt: Select, literal_page: bool = False, count_apart: bool = False) -> Select:
    """`stmt` with the number of its rows (a `total` column), limited to one page (the
    `page_limit` and `page_offset` parameters).

    A window count makes the database read every row and sort them all before it can
    cut out a page. With `count_apart` the total is a subquery of its own instead,
    which the database runs once: for a statement whose order an index gives, the page
    is then the first rows of that index, and the count a scan of it. Where the rows
    must be filtered or sorted one by one anyway (search words, an order by price), the
    count apart would do that work twice: keep the window there.

    With `literal_page` the page's limit and offset are written into the SQL as each
    statement is sent (the caller still passes them as those parameters), so PostgreSQL
    can keep one plan for page 1. Given them as parameters, it cannot tell that a page
    is a dozen rows, may judge a plan for any limit too dear to keep, and then plans the
    statement again on every request (the shop's whole listing did, over 1,000
    products). Only for statements whose other parameters do not change the best plan
    much: a listing without search words (a LIKE pattern's plan depends on the
    pattern; with the page written in, search was planned on every request instead)."""
    if count_apart:
        count = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = count.scalar_subquery()
    else:
        total = func.count().over()
    return (
        stmt.add_columns(total.label("total"))
        .limit(bindparam("page_limit", type_=Integer, literal_execute=literal_page))
        .offset(bindparam("page_offset", type_=Integer, literal_execute=literal_page))
    )


# Statements built once per process are few (one per listing shape in use); keep the
# paged forms of as many.
_kept_windowed = lru_cache(maxsize=256)(windowed)
