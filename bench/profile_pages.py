"""Where a page's time goes, measured in-process through the Flask test client.

Run after `make bench` (it reuses the benchmark database and bench/out/<db>-manifest.json)::

    .venv/bin/python -m bench.profile_pages --db postgres                 # every page
    .venv/bin/python -m bench.profile_pages --db sqlite --page search --cprofile

For each page, averaged over the quietest of five batches of --repeat / 5 requests after
a warm-up (other processes on the machine only ever add time), it prints the CPU time
of a request (time.process_time, so other processes on the machine barely change it)
and its wall time, and splits them into:

- SQL: time inside the database driver, between SQLAlchemy's before_cursor_execute and
  after_cursor_execute events (the statements and, for PostgreSQL, the wait for the
  server), with the number of statements;
- render: time inside Jinja rendering (Flask's before_render_template and
  template_rendered signals), which includes any SQL a template triggers;
- the rest: routing, the view, building and compiling statements, turning rows into
  objects (SQLAlchemy ORM), sessions, cookies and headers.

On PostgreSQL running on the same machine it adds the CPU time the server processes
spent on the page's statements (planning, running, committing), read from their
/proc/<pid>/schedstat over the same batch: the share `make bench` counts as the
database's in its CPU ms/req.

Like the load test, every request but the cart page's and add to cart's comes without
cookies (a new visitor, who gets a session cookie with a CSRF token). `add to cart` is
`POST /cart/add` as the page's script sends it (quantity 1, `Accept: application/json`),
rotating, like the load test, over 32 baskets x 2 sizes (each basket made beforehand with
its first size in it), so that no line reaches its cap.

By default the page cache is off, so that every page is rendered. `make bench` serves the
basket and add to cart with it on (they are never kept whole, but the layout's shelves and
footer come from it): --page-cache profiles them that way.

With --cprofile it also runs the page under cProfile (timed by CPU time) and prints the
functions with the most cumulative time in the shop's own code and the most time of
their own anywhere, which names the functions and templates to look at. --explain
prints EXPLAIN ANALYZE of the page's slowest statement (PostgreSQL only).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import itertools
import json
import os
import pstats
import sys
import time
from pathlib import Path

from bench.settings import production_settings

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BASE_URL = "https://bench.localhost"
BATCHES = 5
ADD_BASKETS = 32
# The two requests that are not a page's GET by a new visitor (see cart_client, adding_client).
CART_PAGES = {"cart page": "/cart", "add to cart": "/cart/add"}


class Meter:
    """Adds up time spent in the database driver and in template rendering."""

    def __init__(self, app, engine):
        from flask import before_render_template, template_rendered
        from sqlalchemy import event

        self.reset()
        self._depth = 0
        event.listen(engine, "before_cursor_execute", self._before_sql)
        event.listen(engine, "after_cursor_execute", self._after_sql)
        before_render_template.connect(self._before_render, app)
        template_rendered.connect(self._after_render, app)

    def reset(self) -> None:
        self.backends: set[int] = set()  # PostgreSQL server processes the statements went to
        self.statements: list[tuple[float, str, object]] = []
        self.sql_wall = self.sql_cpu = self.render_wall = self.render_cpu = 0.0
        self.sql_in_render = 0.0

    def snapshot(self) -> dict:
        return {
            "statements": list(self.statements),
            "sql_wall": self.sql_wall,
            "sql_cpu": self.sql_cpu,
            "render_wall": self.render_wall,
            "render_cpu": self.render_cpu,
            "sql_in_render": self.sql_in_render,
        }

    def _before_sql(self, conn, cursor, statement, parameters, context, executemany):
        backend = getattr(getattr(cursor.connection, "info", None), "backend_pid", None)
        if backend:
            self.backends.add(backend)
        self._sql = (time.perf_counter(), time.process_time())

    def _after_sql(self, conn, cursor, statement, parameters, context, executemany):
        wall, cpu = self._sql
        took = time.perf_counter() - wall
        self.sql_wall += took
        self.sql_cpu += time.process_time() - cpu
        if self._depth:
            self.sql_in_render += took
        self.statements.append((took, statement, parameters))

    def _before_render(self, sender, template, context, **extra):
        if self._depth == 0:
            self._render = (time.perf_counter(), time.process_time())
        self._depth += 1

    def _after_render(self, sender, template, context, **extra):
        self._depth -= 1
        if self._depth == 0:
            wall, cpu = self._render
            self.render_wall += time.perf_counter() - wall
            self.render_cpu += time.process_time() - cpu


def cart_client(app, manifest: dict):
    """A test client whose session holds a cart with three lines."""
    from bench.querycount import CSRF

    client = app.test_client()
    product = f"/products/{manifest['product']}"
    token = CSRF.search(client.get(product, base_url=BASE_URL).get_data(as_text=True)).group(1)
    for variant_id in manifest["cart_variants"][:3]:
        client.post(
            "/cart/add",
            base_url=BASE_URL,
            data={"csrf_token": token, "variant_id": variant_id, "quantity": 1},
            headers={"Accept": "application/json", "Referer": BASE_URL + product},
        )
    return client


def adding_client(app, manifest: dict):
    """A request function that adds one more of a size to a basket, rotating over
    ADD_BASKETS baskets (each its own visitor) x 2 sizes."""
    from bench.querycount import CSRF

    product = f"/products/{manifest['product']}"
    headers = {"Accept": "application/json", "Referer": BASE_URL + product}
    variants = manifest["cart_variants"]
    adds = []
    for i in range(min(ADD_BASKETS, len(variants) // 2)):
        client = app.test_client()
        page = client.get(product, base_url=BASE_URL).get_data(as_text=True)
        token = CSRF.search(page).group(1)
        pair = variants[2 * i], variants[2 * i + 1]
        for variant_id in pair:
            data = {"csrf_token": token, "variant_id": variant_id, "quantity": 1}
            adds.append((client, data))
        client.post("/cart/add", base_url=BASE_URL, data=adds[-2][1], headers=headers)
    turns = itertools.cycle(adds)

    def add():
        client, data = next(turns)
        return client.post("/cart/add", base_url=BASE_URL, data=data, headers=headers)

    return add


def server_cpu(backends: set[int]) -> float | None:
    """CPU seconds the PostgreSQL server processes `backends` have used so far, from
    /proc/<pid>/schedstat (nanoseconds on a CPU); None where they cannot be read (no
    PostgreSQL, or a server on another machine)."""
    total = 0
    for pid in backends:
        try:
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
    return total / 1e9 if backends else None


def profile_page(app, meter: Meter, fetch, name: str, path: str, args) -> None:
    """Profile `fetch`, a function making the page's request and returning the answer."""
    for _ in range(3):
        response = fetch()
    if response.status_code != 200:
        print(f"({path} answers {response.status_code}: {response.get_data(as_text=True)[:200]})")
    # The quietest of a few batches: other processes on the machine only ever add time.
    best = None
    n = max(args.repeat // BATCHES, 1)
    backends = set(meter.backends)  # those the warm-up requests used
    for _batch in range(BATCHES):
        meter.reset()
        server = server_cpu(backends)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            fetch()
        cpu = (time.process_time() - cpu) / n * 1000
        wall = (time.perf_counter() - wall) / n * 1000
        # Not shown when a statement went to a connection the warm-up did not use.
        after = server_cpu(backends) if meter.backends <= backends else None
        server = (after - server) / n * 1000 if None not in (server, after) else None
        backends |= meter.backends
        if best is None or cpu < best[0]:
            best = (cpu, wall, meter.snapshot(), server)
    cpu, wall, taken, server = best
    sql_wall, sql_cpu = taken["sql_wall"] / n * 1000, taken["sql_cpu"] / n * 1000
    render_wall, render_cpu = taken["render_wall"] / n * 1000, taken["render_cpu"] / n * 1000
    in_render = taken["sql_in_render"] / n * 1000
    meter.statements = taken["statements"]
    print(
        f"{name:<17} CPU {cpu:6.1f} ms | wall {wall:6.1f} ms | "
        f"SQL {len(meter.statements) // n:2d} statements, wall {sql_wall:6.1f} ms, "
        f"CPU {sql_cpu:5.1f} ms | render wall {render_wall:5.1f} ms (SQL inside "
        f"{in_render:4.1f}), CPU {render_cpu:5.1f} ms | rest CPU "
        f"{max(cpu - sql_cpu - render_cpu, 0):5.1f} ms | {len(response.data):,} bytes"
        + (f" | PostgreSQL server CPU {server:4.2f} ms" if server is not None else "")
    )
    if args.statements or args.explain:
        slowest: dict[str, list[float]] = {}
        for took, statement, _params in meter.statements:
            slowest.setdefault(statement, []).append(took)
        ranked = sorted(slowest.items(), key=lambda item: -sum(item[1]))
        for statement, times in ranked[: args.statements or 1]:
            print(
                f"    {sum(times) / n * 1000:6.2f} ms/request  " + " ".join(statement.split())[:300]
            )
        if args.explain and app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            explain(app, meter, ranked[0][0])
    if args.cprofile:
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.repeat):
            fetch()
        profiler.disable()
        stats = pstats.Stats(profiler, stream=io.StringIO())
        print_profile(stats, args.repeat, args.top)


def explain(app, meter: Meter, statement: str) -> None:
    from shop.extensions import db

    params = next(p for _t, s, p in meter.statements if s == statement)
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            print("\n".join("      " + row[0] for row in cursor.fetchall()))
        finally:
            raw.close()


def _where(key) -> str:
    filename, line, function = key
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
    return f"{filename}:{line}({function})"


LAYERS = (
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("DB driver", ("psycopg", "sqlite3")),
    ("Jinja", ("jinja2/", "markupsafe/", str(ROOT / "templates"))),
    ("Werkzeug", ("werkzeug/",)),
    ("Flask", ("flask/", "flask_")),
    ("WTForms", ("wtforms/",)),
    ("shop code", (str(ROOT / "shop"),)),
)


def _layer(filename: str) -> str:
    for name, markers in LAYERS:
        if any(marker in filename for marker in markers):
            return name
    return "builtins and other" if filename == "~" else "other Python"


def print_profile(stats: pstats.Stats, repeat: int, top: int) -> None:
    """The shop's own functions and templates by cumulative time, and the top own times."""
    rows = stats.stats  # {(file, line, function): (cc, nc, tottime, cumtime, callers)}
    total = max((cum for _cc, _nc, _tt, cum, _callers in rows.values()), default=0)
    own = [
        (cum, nc, key)
        for key, (_cc, nc, _tt, cum, _callers) in rows.items()
        if key[0].startswith((str(ROOT / "shop"), str(ROOT / "templates")))
    ]
    print(
        f"    cProfile (CPU time, with profiler overhead): {total / repeat * 1000:.1f} ms and "
        f"{stats.total_calls / repeat:,.0f} Python function calls per request (the count does "
        "not depend on the machine's load)\n    shop code and templates by cumulative time:"
    )
    for cum, calls, key in sorted(own, reverse=True)[:top]:
        print(
            f"      {cum / repeat * 1000:7.2f} ms {100 * cum / total:5.1f}% "
            f"{calls / repeat:7.1f} calls  {_where(key)}"
        )
    print("    any code by own time:")
    ranked = sorted(rows.items(), key=lambda item: -item[1][2])[:top]
    for key, (_cc, nc, tottime, _cum, _callers) in ranked:
        print(
            f"      {tottime / repeat * 1000:7.2f} ms {100 * tottime / total:5.1f}% "
            f"{nc / repeat:7.1f} calls  {_where(key)}"
        )
    layers: dict[str, float] = {}
    for key, (_cc, _nc, tottime, _cum, _callers) in rows.items():
        layers[_layer(key[0])] = layers.get(_layer(key[0]), 0.0) + tottime
    print(
        "    own time by layer: "
        + ", ".join(
            f"{name} {100 * t / total:.0f}%"
            for name, t in sorted(layers.items(), key=lambda i: -i[1])
        )
    )
    for label, names in (
        ("url_for", {"url_for"}),
        ("Jinja render", {"render"}),
        ("Session.execute and friends", {"_execute_internal"}),
    ):
        cum = max(
            (v[3] for k, v in rows.items() if k[2] in names and "site-packages" in k[0]),
            default=0,
        )
        print(f"    {label}: {cum / repeat * 1000:.2f} ms per request ({100 * cum / total:.0f}%)")


def shop_settings(page_cache: bool, rate_limits: bool = True) -> dict:
    """What the tools make the app with: the page cache off, so that every page is
    rendered, unless `page_cache` (as `make bench` serves cached pages, the basket and
    add to cart). Rate limits are on, as `make bench` serves the pages (no page limits a
    GET, so none answers 429), unless not `rate_limits`: add to cart, which `make bench`
    serves without them (bench/nolimit.py: the route allows 60 adds a minute per client
    address, and every request comes from one)."""
    settings = {} if rate_limits else {"RATELIMIT_ENABLED": False}
    if not page_cache:
        settings["PAGE_CACHE_SECONDS"] = 0
    return settings


def use_bench_database(db: str) -> dict:
    """Point the shop (through the environment) at the database `make bench` left
    behind, in the production profile; return that run's manifest."""
    from bench.run import DEFAULT_POSTGRES_URL

    manifest_path = OUT / f"{db}-manifest.json"
    if not manifest_path.exists():
        raise SystemExit(f"{manifest_path} is missing: run `make bench` first")
    if db == "postgres":
        url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL)
    else:
        url = f"sqlite:///{OUT / 'bench.sqlite3'}"
    os.environ.update(production_settings())
    os.environ.update(
        SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-profile-" + "x" * 32,
        DATABASE_URL=url,
        MEDIA_ROOT=str(OUT / "media"),
    )
    for key in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "PAGE_CACHE_SECONDS"):
        os.environ.pop(key, None)
    return json.loads(manifest_path.read_text())


def main(argv: list[str] | None = None) -> int:
    from bench.querycount import pages

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--page", action="append", help="a page name (default: all)")
    parser.add_argument("--path", action="append", default=[], help="any other URL to profile")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--statements", type=int, default=0, help="show the N slowest")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--page-cache",
        action="store_true",
        help="keep the page cache on, as `make bench` serves the basket and add to cart",
    )
    args = parser.parse_args(argv)

    manifest = use_bench_database(args.db)

    urls = pages(manifest) | CART_PAGES
    chosen = args.page or ([] if args.path else list(urls))
    urls.update({path: path for path in args.path})
    chosen += args.path
    unknown = set(chosen) - set(urls)
    if unknown:
        parser.error(f"unknown page(s) {sorted(unknown)}; choose from {list(urls)}")
    # Add to cart last, from an app of its own without rate limits: the limiter is one
    # object, and making that app switches it off for the other app too.
    pages_first = [name for name in chosen if name != "add to cart"]
    if pages_first:
        app, meter = metered_app(shop_settings(args.page_cache))
        plain = app.test_client(use_cookies=False)  # a first visit each time, as under wrk
        with_cart = cart_client(app, manifest) if "cart page" in chosen else None
        for name in pages_first:
            client = with_cart if name == "cart page" else plain
            fetch = functools.partial(client.get, urls[name], base_url=BASE_URL)
            profile_page(app, meter, fetch, name, urls[name], args)
    if "add to cart" in chosen:
        app, meter = metered_app(shop_settings(args.page_cache, rate_limits=False))
        fetch = adding_client(app, manifest)
        profile_page(app, meter, fetch, "add to cart", urls["add to cart"], args)
    return 0


def metered_app(settings: dict):
    """The shop made with `settings`, and a Meter on it."""
    import logging

    from shop import create_app
    from shop.extensions import db

    app = create_app(settings)
    logging.getLogger().setLevel(logging.WARNING)
    with app.app_context():
        engine = db.engine
    return app, Meter(app, engine)


if __name__ == "__main__":
    sys.exit(main())
