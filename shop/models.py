"""Shared column helpers for the feature models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


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
