"""Reading a loaded object's collections with statements built once per process.

A relationship's own lazy load or selectinload works out its statement's cache key on
every use, which costs more CPU than running it on a page that reads a few rows. The
pages on hot paths (see "Statements on hot paths" in docs/architecture.md) read the
collections they show with `collection_statement` instead: the same statement object
each time, the parent's id a bound parameter, the rows in the relationship's order."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, bindparam, inspect, select
from sqlalchemy.orm.attributes import set_committed_value

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
