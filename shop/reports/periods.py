"""Days, weeks and months as a UK shop counts them: in Europe/London, so a day is the
shop's day whether the clocks say GMT or BST (23 hours in late March, 25 in late
October), and a week starts on Monday.

A report's range is a run of whole London days; it is cut into buckets (days, weeks or
months), each the UTC instants [start, end) it covers, so SQL compares stored UTC times
with bound values and never needs to know about time zones (SQLite does not). The
previous period is the run of days just before the range, as long as it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import Integer, bindparam, column, text

from shop.models import UTCDateTime, utcnow
from shop.times import UK

LONDON = UK  # the shop's days are London days
# A custom range longer than this is refused (a report of two years is already long).
MAX_RANGE_DAYS = 731


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Preset(StrEnum):
    LAST_7 = "7"
    LAST_30 = "30"
    LAST_90 = "90"
    THIS_YEAR = "year"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return {
            "7": "Last 7 days",
            "30": "Last 30 days",
            "90": "Last 90 days",
            "year": "This year",
            "custom": "Custom",
        }[self.value]


def london_today(now: datetime | None = None) -> date:
    """Today's date in London."""
    return (now or utcnow()).astimezone(LONDON).date()


def london_day(moment: datetime) -> date:
    """The London date of an instant."""
    return moment.astimezone(LONDON).date()


def london_midnight(day: date) -> datetime:
    """The instant (in UTC) London's `day` begins."""
    return datetime.combine(day, time(), LONDON).astimezone(UTC)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Bucket:
    """A day, week or month of a report (cut to the range): London dates
    [first, end) and the UTC instants [start, stop) they cover."""

    first: date
    end: date  # the day after the last

    @property
    def start(self) -> datetime:
        return london_midnight(self.first)

    @property
    def stop(self) -> datetime:
        return london_midnight(self.end)

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    def label(self, grain: Grain) -> str:
        if grain == Grain.MONTH:
            return self.first.strftime("%b %Y")
        if grain == Grain.WEEK:
            return f"w/c {self.first.day} {self.first:%b}"
        return f"{self.first.day} {self.first:%b}"


@dataclass(frozen=True)
class Period:
    """A report's range of London days [first, end), how it is cut, and the previous
    period of the same length."""

    first: date
    end: date  # the day after the last
    grain: Grain

    @property
    def days(self) -> int:
        return (self.end - self.first).days

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def start(self) -> datetime:
        return london_midnight(self.first)

    @property
    def stop(self) -> datetime:
        return london_midnight(self.end)

    def buckets(self) -> list[Bucket]:
        """The range cut into days, weeks (from Monday) or months, the first and last
        cut to the range."""
        cuts = [self.first]
        day = self.first
        while True:
            if self.grain == Grain.DAY:
                day = day + timedelta(days=1)
            elif self.grain == Grain.WEEK:
                day = week_start(day) + timedelta(days=7)
            else:
                day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
            if day >= self.end:
                break
            cuts.append(day)
        cuts.append(self.end)
        return [Bucket(a, b) for a, b in zip(cuts, cuts[1:], strict=False)]

    def previous(self) -> Period:
        """The period of as many days just before this one."""
        return Period(self.first - timedelta(days=self.days), self.first, self.grain)

    def previous_buckets(self) -> list[Bucket]:
        """Each bucket of this period moved back by the period's length: bucket k of
        the previous period is compared with bucket k of this one."""
        shift = timedelta(days=self.days)
        return [Bucket(b.first - shift, b.end - shift) for b in self.buckets()]

    def describe(self) -> str:
        return f"{self.first:%-d %b %Y} to {self.last:%-d %b %Y}"


def default_grain(days: int) -> Grain:
    if days <= 31:
        return Grain.DAY
    if days <= 190:
        return Grain.WEEK
    return Grain.MONTH


def period_for(
    preset: str,
    today: date,
    first: date | None = None,
    last: date | None = None,
    grain: str | None = None,
) -> Period:
    """The period a report's form asks for (already validated)."""
    if preset == Preset.CUSTOM and first and last:
        start, end = first, last + timedelta(days=1)
    elif preset == Preset.THIS_YEAR:
        start, end = today.replace(month=1, day=1), today + timedelta(days=1)
    else:
        days = int(preset) if preset in {"7", "30", "90"} else 30
        start, end = today - timedelta(days=days - 1), today + timedelta(days=1)
    chosen = Grain(grain) if grain in set(Grain) else default_grain((end - start).days)
    return Period(start, end, chosen)


def buckets_table(rows: list[tuple[int, int, datetime, datetime]], name: str = "buckets"):
    """(period, index, start, stop) rows as a CTE a report's query joins to:
    `column1` the period (0 this one, 1 the previous), `column2` the bucket's index,
    `column3` and `column4` its UTC instants. A VALUES list, which SQLite and
    PostgreSQL both read and name alike."""
    parts, params = [], []
    for n, (period, index, start, stop) in enumerate(rows):
        parts.append(f"(:p{n}, :i{n}, :s{n}, :e{n})")
        params += [
            bindparam(f"p{n}", period, type_=Integer()),
            bindparam(f"i{n}", index, type_=Integer()),
            bindparam(f"s{n}", start, type_=UTCDateTime()),
            bindparam(f"e{n}", stop, type_=UTCDateTime()),
        ]
    values = text("VALUES " + ", ".join(parts)).bindparams(*params)
    return values.columns(
        column("column1", Integer()),
        column("column2", Integer()),
        column("column3", UTCDateTime()),
        column("column4", UTCDateTime()),
    ).cte(name)


def period_buckets(period: Period, with_previous: bool = True):
    """The buckets CTE of `period` (and of its previous period)."""
    rows = [(0, k, b.start, b.stop) for k, b in enumerate(period.buckets())]
    if with_previous:
        rows += [(1, k, b.start, b.stop) for k, b in enumerate(period.previous_buckets())]
    return buckets_table(rows)
