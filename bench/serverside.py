"""Where a rendered page's server CPU goes: the web worker or the database.

Run after `make bench` (it reuses the benchmark database and bench/out/<db>-manifest.json)::

    .venv/bin/python -m bench.serverside                      # every page, PostgreSQL
    .venv/bin/python -m bench.serverside --page product --repeat 500

It serves the shop as the load benchmark's "rendered" columns do (gunicorn, production
settings, page cache off) but with one worker, and asks for each page one request at a
time from this process. For each page it prints the CPU time per request of the worker
and, on PostgreSQL, of the database's server processes serving the benchmark database,
read from /proc/<pid>/schedstat (nanoseconds) before and after. The load benchmark's
"CPU ms/req" is the sum of the two (and gunicorn's master), measured under concurrency;
this splits it, one request at a time, so that a change on either side shows.

The database's figure counts only the server processes of the worker's own connections
(named by their application_name), so other users of the database do not disturb it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import subprocess
import sys
import time

from bench.querycount import pages
from bench.run import DEFAULT_POSTGRES_URL, OUT, ROOT, free_port, shop_env

APPLICATION = "bench-serverside"


def _cpu_ns(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/schedstat") as handle:
            return int(handle.read().split()[0])
    except OSError:
        return 0


def _database_processes(url: str) -> list[int]:
    """The server processes of the worker's own connections (found by their
    application_name), not those of anything else using the database."""
    import psycopg

    with psycopg.connect(url.split("?", 1)[0]) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [APPLICATION]
        ).fetchall()
    return [pid for (pid,) in rows]


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--page", action="append", help="a page name (default: all)")
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args(argv)

    manifest_path = OUT / f"{args.db}-manifest.json"
    if not manifest_path.exists():
        raise SystemExit(f"{manifest_path} is missing: run `make bench` first")
    urls = pages(json.loads(manifest_path.read_text()))
    chosen = args.page or list(urls)
    if unknown := set(chosen) - set(urls):
        parser.error(f"unknown page(s) {sorted(unknown)}; choose from {list(urls)}")

    if args.db == "postgres":
        database = os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL)
        url = f"{database}{'&' if '?' in database else '?'}application_name={APPLICATION}"
    else:
        url, database = f"sqlite:///{OUT / 'bench.sqlite3'}", None
    env = shop_env(secrets.token_hex(32), url, OUT / "media", OUT / "cache-serverside")
    env["PAGE_CACHE_SECONDS"] = "0"
    port = free_port()
    log = (OUT / "gunicorn-serverside.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - the benchmark's own command
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "sync"]
        + ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(ROOT)]
        + ["wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(port, "/") == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start: see bench/out/gunicorn-serverside.log")
            time.sleep(0.2)
        print(f"{args.db}: CPU per request, one gunicorn worker, {args.repeat} requests each")
        for name in chosen:
            path = urls[name]
            for _ in range(30):  # warm up: compiled statements, prepared statements, plans
                _get(port, path)
            workers = [server.pid, *_children(server.pid)]
            databases = _database_processes(database) if database else []
            before = [sum(map(_cpu_ns, workers)), sum(map(_cpu_ns, databases))]
            statuses = {_get(port, path) for _ in range(args.repeat)}
            after = [sum(map(_cpu_ns, workers)), sum(map(_cpu_ns, databases))]
            worker, db = ((a - b) / args.repeat / 1e6 for a, b in zip(after, before, strict=True))
            print(
                f"  {name:<17} worker {worker:6.2f} ms   database {db:6.2f} ms   "
                f"together {worker + db:6.2f} ms   answers {sorted(statuses)}"
            )
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
