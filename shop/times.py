"""Times as people in the UK read and type them (Europe/London), stored in UTC: the one
place the shop names its time zone (journal scheduling, promotions, emails, bookings,
reports)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def uk_to_utc(local: datetime) -> datetime:
    """A wall-clock time in the UK (naive) as an aware UTC time.

    ValueError for a time the UK skips when the clocks go forward. A time that
    happens twice when they go back is taken the first time (British Summer Time).
    """
    utc = local.replace(tzinfo=UK, fold=0).astimezone(UTC)
    if utc.astimezone(UK).replace(tzinfo=None) != local:
        raise ValueError("That time does not exist in the UK: the clocks go forward then.")
    return utc


def uk_time(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UK) if moment is not None else None


def format_uk(moment: datetime | None, with_year: bool = True) -> str:
    """'5 June 2026, 09:00 BST': how staff read a time."""
    if moment is None:
        return ""
    local = moment.astimezone(UK)
    pattern = "%-d %B %Y, %H:%M %Z" if with_year else "%-d %B, %H:%M %Z"
    return local.strftime(pattern)


def datetime_local_value(moment: datetime | None) -> str:
    """A UTC time as the value of an <input type=datetime-local> in UK time."""
    return moment.astimezone(UK).strftime("%Y-%m-%dT%H:%M") if moment else ""
