"""Shared helpers for the feature models: column types, and announcing committed changes
to what the cached pages show (`ShownOnPages`, `shop.signals.catalogue_changed`)."""

from datetime import UTC, datetime

from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session
from sqlalchemy import DateTime, Table, event
from sqlalchemy.types import TypeDecorator

from shop.signals import catalogue_changed


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no zone, PostgreSQL does; this makes both hand back the same
    kind of value so comparisons never mix naive and aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def include_object_for(dialect_name: str):
    """An Alembic `include_object` hook for one kind of database.

    It leaves out what the models build only on other databases (an index declared
    with `.ddl_if(dialect="postgresql")`), which Alembic would otherwise report as
    missing when it compares the models with a SQLite database.
    """

    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        dialects = condition.dialect if condition is not None else None
        if isinstance(dialects, str):
            return dialects == dialect_name
        if dialects:
            return dialect_name in dialects
        return True

    return include_object


# Changes to what the cached pages show -----------------------------------------------


class ShownOnPages:
    """Mixed into a model whose rows appear on the pages the page cache keeps (catalogue
    and journal pages, the header's shelves): a commit that changes any of its rows sends
    `catalogue_changed`, and the page cache stops serving pages made before it.

    Association tables declare the same with `Table(..., info=SHOWN_ON_PAGES)`. A model
    or table that is left out is never the reason a page changes, so a change to it
    alone keeps the cache: only declare what a cached page shows."""

    shown_on_pages = True


SHOWN_ON_PAGES = {"shown_on_pages": True}  # the `info` of a Table shown on pages

_CHANGED = "shown_on_pages_changed"  # in Session.info: names of the tables changed so far


def _shown_on_pages(model: type | None, table) -> bool:
    if model is not None:
        return getattr(model, "shown_on_pages", False)
    if isinstance(table, Table):
        return table.info.get("shown_on_pages", False)
    return True  # a statement on something we cannot name: count it, to be safe


def _note(session, table_name: str) -> None:
    session.info.setdefault(_CHANGED, set()).add(table_name)


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session, flush_context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        model = type(obj)
        if _shown_on_pages(model, None):
            _note(session, model.__table__.name)


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state) -> None:
    """INSERT, UPDATE and DELETE statements (stock reserved at checkout, say) change rows
    without the flush seeing them."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    mapper = state.bind_arguments.get("mapper")
    table = getattr(state.statement, "table", None)
    if _shown_on_pages(mapper.class_ if mapper is not None else None, table):
        _note(session=state.session, table_name=getattr(table, "name", "?"))


@event.listens_for(Session, "after_commit")
def _announce_committed_changes(session) -> None:
    # A savepoint being released fires this too: only the outermost commit counts.
    if session.in_nested_transaction():
        return
    tables = session.info.pop(_CHANGED, None)
    if tables and has_app_context():
        catalogue_changed.send(current_app._get_current_object(), tables=frozenset(tables))


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session) -> None:
    # A savepoint rolled back leaves the changes made before it, to be committed.
    if not session.in_nested_transaction():
        session.info.pop(_CHANGED, None)
