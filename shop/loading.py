"""Reading a loaded object's collections with statements built once per process.

A relationship's own lazy load or selectinload works out its statement's cache key on
every use, which costs more CPU than running it on a page that reads a few rows. The
pages on hot paths (see "Statements on hot paths" in docs/architecture.md) read the
collections they show with `collection_statement` instead: the same statement object
each time, the parent's id a bound parameter, the rows in the relationship's order."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    inspect,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import TypeEngine

from shop.extensions import db


@cache
def collection_statement(model: type, name: str) -> Select:
    """The rows of `model.<name>` (a one-to-many or many-to-many relationship) for the
    parent whose id is the `parent_id` parameter, in the relationship's order."""
    relationship = inspect(model).relationships[name]
    target = relationship.mapper.class_
    ((_parent_column, foreign_key),) = relationship.synchronize_pairs
    stmt = select(target)
    if relationship.secondary is not None:
        stmt = stmt.join(relationship.secondary, relationship.secondaryjoin)
    stmt = stmt.where(foreign_key == bindparam("parent_id"))
    if relationship.order_by:
        stmt = stmt.order_by(*relationship.order_by)
    return stmt


def load_collection(obj, name: str, stmt: Select | None = None) -> list:
    """Read `obj.<name>` with `stmt` (`collection_statement` by default) and set it as
    loaded, as the relationship's own loading would."""
    stmt = collection_statement(type(obj), name) if stmt is None else stmt
    rows = db.session.scalars(stmt, {"parent_id": obj.id}).unique().all()
    set_committed_value(obj, name, rows)
    return rows


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
    for row in db.session.execute(stmt, parameters):
        lists[row.part].append(makers[row.part](row))
    return lists
