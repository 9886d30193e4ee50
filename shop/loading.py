"""Reading the small collections a page only shows, as plain rows of one statement built
once per process.

A relationship's own lazy load or selectinload works out its statement's cache key on
every use and makes ORM objects, which costs more CPU than running it on a page that
reads a few rows. The pages on hot paths (see "Statements on hot paths" in
docs/architecture.md) read them with `parts_statement` and `read_parts` instead: one
statement object for all of an owner's collections, its id a bound parameter."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    CompoundSelect,
    Integer,
    String,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql import Executable
from sqlalchemy.types import TypeEngine

from shop.extensions import db


def plain_rows(statement: Executable, parameters: dict | None = None) -> CursorResult:
    """Run a read of plain columns (nothing in its result is a mapped class) on the
    session's own connection, in its transaction, and return its rows as they come.

    Session.execute's ORM steps around such a statement (its compile state, the
    session's events, an ORM result) cost about as much CPU as running a small one.
    Pending changes are flushed first, as the session's autoflush would. For reads only:
    a write sent this way would pass the session's hooks by (shop.models.ShownOnPages)."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, parameters)


def parts_statement(
    owner: str, columns: Sequence[tuple[str, TypeEngine]], parts: Sequence[tuple]
) -> CompoundSelect:
    """Several small collections of one row (a product's parts, an article's concerns,
    tags and references) as plain rows of one statement: a UNION ALL of one SELECT per
    part, for the owner whose id is the `owner` parameter.

    Each part is (the column naming its owner, its position column or None, its id
    column, {name in `columns`: its column}); every row has `part` (the part's index in
    `parts`), `position`, `sort_name`, `id` and each of `columns`, NULL (of the column's
    type, so that both databases and SQLAlchemy's result types agree across the UNION)
    where the part has no such column. Rows come by part, then position (a part ordered
    by position), `sort_name` (the values' "sort_name" column: a part ordered by name),
    then id. Build it once per process (functools.cache)."""
    selects = []
    for number, (owner_column, position, row_id, values) in enumerate(parts):
        sort_name = values.get("sort_name")
        row = [
            literal_column(str(number), Integer).label("part"),
            (cast(null(), Integer) if position is None else position).label("position"),
            (cast(null(), String) if sort_name is None else sort_name).label("sort_name"),
            row_id.label("id"),
        ]
        for name, type_ in columns:
            value = values.get(name)
            row.append((cast(null(), type_) if value is None else value).label(name))
        selects.append(select(*row).where(owner_column == bindparam(owner)))
    order = ("part", "position", "sort_name", "id")
    return union_all(*selects).order_by(*(literal_column(name) for name in order))


def read_parts(stmt: CompoundSelect, parameters: dict, makers: Sequence) -> list[list]:
    """Run a `parts_statement` and return each part's rows, made by the part's maker
    (a function of the row), in a list per part."""
    lists: list[list] = [[] for _ in makers]
    for row in plain_rows(stmt, parameters):
        lists[row.part].append(makers[row.part](row))
    return lists
