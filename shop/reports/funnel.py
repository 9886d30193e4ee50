"""Counting the funnel on the server: product page views, add to basket, checkout
started and paid, one counter per (event, London day, product).

No cookie, no script, nothing about the visitor is read or kept but whether their
browser calls itself a bot (then nothing is counted). Counting never breaks a page:
a counter that cannot be written is lost and logged (once a minute at most).

Where the counters live:
- embedded default (no REDIS_URL): the `funnel_count` table, one atomic
  `INSERT ... ON CONFLICT DO UPDATE SET n = n + 1` per event (SQLite and PostgreSQL);
- production (REDIS_URL): one `HINCRBY` per event on the day's hash in Redis, a round
  trip with no database work on cached pages; the task queue's `fold_funnel_counts`
  (every minute) moves them into the table, which is what reports read.

Product page views are counted after the response, cache hits included (the page
cache answers before any view runs, and Flask still runs the after-request steps), by
the product's slug, which is all a cached page's request knows; unknown slugs never
reach this (they are 404s, not counted). Baskets, checkouts and payments are counted on
the shop's signals (`added_to_basket`, `checkout_started`, `order_paid`).
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections import defaultdict
from datetime import date
from functools import cache

import redis
from flask import Flask, current_app, has_request_context, request
from redis.exceptions import RedisError
from sqlalchemy import Date, bindparam, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from shop.catalogue.models import Product, Variant
from shop.extensions import database_kind, db
from shop.orders.models import OrderLine
from shop.reports.models import FunnelCount, FunnelEvent
from shop.reports.periods import london_today
from shop.signals import added_to_basket, checkout_started, order_paid

log = logging.getLogger(__name__)

PRODUCT_PAGE = "catalogue.product_detail"
# User agents that say they are a robot: crawlers, link previews, monitors, scripts and
# headless browsers. An empty user agent is counted as a robot too.
BOT_PATTERN = re.compile(
    r"bot|crawl|spider|slurp|archiver|facebookexternalhit|embedly|preview|scan|monitor"
    r"|pingdom|uptime|headless|phantomjs|lighthouse|python-|curl|wget|httpie|go-http"
    r"|java/|okhttp|axios|node-fetch|libwww|scrapy|feedfetcher|mediapartners",
    re.IGNORECASE,
)
REDIS_KEY = "funnel:"  # + ISO day: a hash of "event:product_id" or "view@slug" to counts
FOLDING_KEY = "funnel-folding:"  # + unix time + ":" + random + ":" + ISO day
# A hash being folded for longer than this was left by a folder that died: fold it again.
ABANDONED_SECONDS = 300
LOG_EVERY_SECONDS = 60


def is_bot(user_agent: str | None) -> bool:
    return not user_agent or BOT_PATTERN.search(user_agent) is not None


class _Trouble:
    """Log a counter that could not be written at most once a minute per process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last = float("-inf")

    def note(self, error: Exception) -> None:
        with self.lock:
            now = time.monotonic()
            if now - self.last < LOG_EVERY_SECONDS:
                return
            self.last = now
        log.warning("A funnel counter could not be written (%s: %s)", type(error).__name__, error)


_trouble = _Trouble()


def redis_client(app: Flask | None = None) -> redis.Redis | None:
    """The app's Redis connection for counters (None without REDIS_URL), made once per
    app with the same short timeouts as the cache and rate limits."""
    from shop.factory import redis_client_options

    app = app or current_app._get_current_object()
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    client = app.extensions.get("funnel_redis")
    if client is None:
        client = redis.Redis.from_url(url, **redis_client_options())
        app.extensions["funnel_redis"] = client
    return client


# Writing one count --------------------------------------------------------------------


def upsert_counts(rows, dialect: str | None = None):
    """INSERT ... ON CONFLICT (event, day, product) DO UPDATE SET n = n + excluded.n,
    for `rows` (a select of event, day, product_id, n, or a list of dicts), in the
    session's dialect unless `dialect` names one."""
    dialect = dialect or database_kind()
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = FunnelCount.__table__
    if isinstance(rows, list):
        statement = insert(table).values(rows)
    else:
        statement = insert(table).from_select(["event", "day", "product_id", "n"], rows)
    return statement.on_conflict_do_update(
        index_elements=["event", "day", "product_id"],
        set_={"n": table.c.n + statement.excluded.n},
    )


def _write_database(statement) -> None:
    """Run one counting statement on a connection of its own, committed at once, so
    the request's session (and whatever it holds) is never touched."""
    with db.engine.begin() as connection:
        connection.execute(statement)


@cache
def _view_statement(dialect: str):
    """One view of the product with the slug `:slug` on `:day`, added to its counter:
    built once per process and dialect (every product page runs it without Redis)."""
    rows = select(
        literal(str(FunnelEvent.VIEW)), bindparam("day", type_=Date), Product.id, literal(1)
    ).where(Product.slug == bindparam("slug"))
    return upsert_counts(rows, dialect)


def count_view(slug: str, day: date | None = None) -> None:
    """One view of the product page at /products/<slug> (never raises)."""
    day = day or london_today()
    try:
        client = redis_client()
        if client is not None:
            client.hincrby(f"{REDIS_KEY}{day.isoformat()}", f"view@{slug}", 1)
            return
        with db.engine.begin() as connection:  # as _write_database
            connection.execute(_view_statement(connection.dialect.name), {"day": day, "slug": slug})
    except (RedisError, SQLAlchemyError, OSError) as error:
        _trouble.note(error)


def count_products(event: FunnelEvent, product_ids, day: date | None = None) -> None:
    """One `event` for each product in `product_ids` (never raises)."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    day = day or london_today()
    try:
        client = redis_client()
        if client is not None:
            key = f"{REDIS_KEY}{day.isoformat()}"
            if len(ids) == 1:  # one product (an add to basket): no pipeline to build
                client.hincrby(key, f"{event}:{ids[0]}", 1)
                return
            with client.pipeline(transaction=False) as pipe:
                for product_id in ids:
                    pipe.hincrby(key, f"{event}:{product_id}", 1)
                pipe.execute()
            return
        rows = [{"event": str(event), "day": day, "product_id": pid, "n": 1} for pid in ids]
        _write_database(upsert_counts(rows))
    except (RedisError, SQLAlchemyError, OSError) as error:
        _trouble.note(error)


def _from_a_person() -> bool:
    """Outside a request (a webhook's task, a command) there is nobody to ask; in one,
    a robot's user agent is left out."""
    return not has_request_context() or not is_bot(request.user_agent.string)


# What is counted ------------------------------------------------------------------------


def count_product_page(response):
    """After every request: a product page served to a person, from the cache or not."""
    real = request._get_current_object()  # after every request: read the proxy once
    if (
        real.endpoint == PRODUCT_PAGE
        and response.status_code == 200
        and real.method == "GET"
        and not is_bot(real.user_agent.string)
    ):
        slug = (real.view_args or {}).get("slug")
        if slug:
            count_view(slug)
    return response


def on_added_to_basket(app, *, product_id: int, **_values) -> None:
    if _from_a_person():
        count_products(FunnelEvent.ADD, [product_id])


def _products_of(order_id: int) -> list[int]:
    """The products an order holds (one query; the subscriber's own transaction ends
    here, holding nothing)."""
    ids = db.session.scalars(
        select(Variant.product_id)
        .join(OrderLine, OrderLine.variant_id == Variant.id)
        .where(OrderLine.order_id == order_id)
    ).all()
    db.session.rollback()
    return list(ids)


def on_checkout_started(app, *, product_ids: tuple[int, ...], **_values) -> None:
    if _from_a_person():
        count_products(FunnelEvent.CHECKOUT, product_ids)


def on_order_paid(app, *, order_id: int, **_values) -> None:
    # Paid by a webhook (Stripe's user agent) as often as on the success page: always counted.
    count_products(FunnelEvent.PAID, _products_of(order_id))


def register_funnel(app: Flask) -> None:
    """Count product pages on every request, and baskets, checkouts and payments on
    their signals (connecting again changes nothing)."""
    app.after_request(count_product_page)
    added_to_basket.connect(on_added_to_basket)
    checkout_started.connect(on_checkout_started)
    order_paid.connect(on_order_paid)


# Folding Redis's counters into the table ---------------------------------------------------


def _parse_field(field: str) -> tuple[str, str] | None:
    """("view", slug) or (event, product id as text); None for what this never wrote."""
    if field.startswith("view@"):
        return "view@", field[5:]
    event, _, product_id = field.partition(":")
    if event in set(FunnelEvent) and product_id.isdigit():
        return event, product_id
    return None


def _rows_of(day: date, counts: dict[str, int], slugs: dict[str, int]) -> list[dict]:
    totals: dict[tuple[str, int], int] = defaultdict(int)
    for field, n in counts.items():
        parsed = _parse_field(field)
        if parsed is None or n <= 0:
            continue
        event, subject = parsed
        if event == "view@":
            product_id = slugs.get(subject)
            if product_id is None:
                continue  # a product whose slug changed or that went since
            totals[(str(FunnelEvent.VIEW), product_id)] += n
        else:
            totals[(event, int(subject))] += n
    return [
        {"event": event, "day": day, "product_id": pid, "n": n}
        for (event, pid), n in sorted(totals.items())
    ]


def _claim(client: redis.Redis, now: float) -> list[str]:
    """Move each day's hash aside under a name of our own (RENAME is atomic: counts
    made from then on start a new hash), and claim hashes a dead folder left behind."""
    claimed = []
    for key in client.scan_iter(match=f"{REDIS_KEY}*", count=100):
        key = key.decode() if isinstance(key, bytes) else key
        day = key[len(REDIS_KEY) :]
        mine = f"{FOLDING_KEY}{int(now)}:{secrets.token_hex(4)}:{day}"
        try:
            client.rename(key, mine)
        except redis.ResponseError:
            continue  # another folder took it first
        claimed.append(mine)
    for key in client.scan_iter(match=f"{FOLDING_KEY}*", count=100):
        key = key.decode() if isinstance(key, bytes) else key
        if key in claimed:
            continue
        started = key[len(FOLDING_KEY) :].split(":", 1)[0]
        if started.isdigit() and now - int(started) > ABANDONED_SECONDS:
            day = key.rsplit(":", 1)[1]
            mine = f"{FOLDING_KEY}{int(now)}:{secrets.token_hex(4)}:{day}"
            try:
                client.rename(key, mine)
            except redis.ResponseError:
                continue
            claimed.append(mine)
    return claimed


def fold_redis_counts(now: float | None = None) -> int:
    """Move the counters Redis holds into the table; the number of counts moved.

    Each hash is claimed (renamed) before it is read, written to the database in one
    transaction, and deleted once that has committed. Safe on many consumers at once:
    each hash is claimed by one. A folder that dies before deleting leaves its hash to be
    folded again after ABANDONED_SECONDS (between the commit and the delete, that would
    count it twice: a window of one round trip)."""
    client = redis_client()
    if client is None:
        return 0
    moved = 0
    for key in _claim(client, now if now is not None else time.time()):
        raw = client.hgetall(key)
        counts = {(f.decode() if isinstance(f, bytes) else f): int(n) for f, n in raw.items()}
        day = date.fromisoformat(key.rsplit(":", 1)[1])
        wanted = [f[5:] for f in counts if f.startswith("view@")]
        slugs = {}
        if wanted:
            found = db.session.execute(
                select(Product.slug, Product.id).where(Product.slug.in_(wanted))
            ).all()
            slugs = {slug: product_id for slug, product_id in found}
        rows = _rows_of(day, counts, slugs)
        if rows:
            db.session.execute(upsert_counts(rows))
        db.session.commit()
        client.delete(key)
        moved += sum(row["n"] for row in rows)
    return moved


def funnel_total(event: FunnelEvent) -> int:
    """Every count of `event` in the table (for tests and the demo)."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(FunnelCount.n), 0)).where(FunnelCount.event == event)
        )
    )
