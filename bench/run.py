"""Benchmark the shop under load and write bench/RESULTS.md.

    make bench                                   # both databases, 10 s per page
    .venv/bin/python -m bench.run --db postgres --duration 5 --connections 16

For each database (PostgreSQL at BENCH_DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/bench, and a SQLite file under bench/out/) it:

1. recreates the database, builds the schema with `flask --app shop db upgrade`
   (falling back to db.create_all() where the migrations lag behind the models) and
   generates 1,000 products and 200 articles (bench/generate.py);
2. counts the SQL statements of every page through the Flask test client
   (bench/querycount.py);
3. serves the shop with gunicorn (production profile, generated SECRET_KEY, demo
   payments chosen on purpose, the local Redis for limits, page cache and queue: see
   bench/settings.py) and drives each page
   from wrk on loopback: a warm-up, then a timed run; the same for a minimal Flask page
   (bench/ceiling.py) under the same gunicorn settings, the ceiling every page is
   compared with;
4. serves the shop once more with the page cache off (PAGE_CACHE_SECONDS=0) and
   measures the catalogue and journal pages again: what a page costs when it has to be
   rendered (the first visitor after a change, a search nobody made before).

wrk is installed with apt-get when missing; where that is impossible a small Python
load generator (bench/loadgen.py) is used instead, and the output says so. Raw outputs
go to bench/out/. A "## Findings" section already in RESULTS.md is kept as it is.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.metadata
import json
import os
import platform
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from bench.querycount import pages as get_pages
from bench.settings import production_settings

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "RESULTS.md"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/bench"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FINDINGS = "## Findings"
PAGE_ORDER = [
    "home",
    "listing",
    "filtered listing",
    "search",
    "product",
    "article",
    "cart page",
    "add to cart",
]
CART_ITEMS = 3  # lines in the cart whose page is measured
BUSY = 0.15  # share of the CPU other processes may use before a page is measured again


def log(message: str) -> None:
    print(message, flush=True)


def run_command(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run one of the benchmark's own commands (none is built from outside input)."""
    return subprocess.run(command, check=False, **kwargs)  # noqa: S603


# ----------------------------------------------------------------------- settings


@dataclass
class Settings:
    workers: int
    connections: int
    duration: int
    warmup: int
    threads: int
    sessions: int
    retries: int
    pages: list[str]
    # What a browser sends with every page request (Accept-Encoding: the shop compresses
    # pages for clients that accept it, as browsers do; Chrome, Edge and Firefox send
    # this); "" measures uncompressed pages.
    accept_encoding: str = "gzip, deflate, br, zstd"
    database: str | None = None
    loader: str = "wrk"
    loader_note: str = ""


@dataclass
class Measurement:
    name: str
    request: str
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    non_2xx: int
    errors: int
    others: float = 0.0
    cpu_ms: float = 0.0
    queries: int | None = None


@dataclass
class DatabaseRun:
    name: str
    url: str
    version: str = ""
    schema_notes: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    queries: dict = field(default_factory=dict)
    ceiling: Measurement | None = None
    pages: list[Measurement] = field(default_factory=list)
    rendered: dict[str, Measurement] = field(default_factory=dict)  # page cache off
    notes: list[str] = field(default_factory=list)
    skipped: str = ""


# ------------------------------------------------------------------ load generator


def ensure_wrk() -> tuple[str | None, str]:
    """wrk's path, installing it with apt-get when missing; else None and the reason."""
    found = shutil.which("wrk")
    if found:
        return found, ""
    apt = shutil.which("apt-get")
    if apt is None:
        return None, "wrk is not installed and apt-get is not available"
    if os.geteuid() == 0:
        prefix: list[str] = []
    elif shutil.which("sudo"):
        prefix = ["sudo", "-n"]
    else:
        return None, "wrk is not installed, and apt-get needs root (no sudo here)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*prefix, apt, "install", "-y", "-q", "--no-install-recommends", "wrk"]
    log("wrk is missing: installing it with apt-get ...")
    if run_command(install, env=env, capture_output=True).returncode != 0:
        run_command([*prefix, apt, "update", "-q"], env=env, capture_output=True)
        done = run_command(install, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
            return None, f"`apt-get install wrk` failed: {reason}"
    found = shutil.which("wrk")
    return (found, "") if found else (None, "apt-get ran but wrk is still not on PATH")


def _lua(value: str) -> str:
    if "]==]" in value:
        raise ValueError("value cannot be quoted for Lua")
    return f"[==[{value}]==]"


def wrk_script(spec: list[dict]) -> str:
    """A wrk script sending `spec` in turn and printing a JSON summary with p50/p95/p99."""
    items = []
    for item in spec:
        headers = ", ".join(
            f"[ {_lua(k)} ] = {_lua(v)}" for k, v in item.get("headers", {}).items()
        )
        body = _lua(item["body"]) if item.get("body") else "nil"
        items.append(f"  {{{_lua(item['method'])}, {_lua(item['path'])}, {{{headers}}}, {body}}},")
    return "\n".join(
        [
            "-- Written by bench/run.py.",
            "local specs = {",
            *items,
            "}",
            "local requests = {}",
            "local counter = 0",
            "local next_id = 0",
            "setup = function(thread)",
            "  thread:set('thread_id', next_id)",
            "  next_id = next_id + 1",
            "end",
            "init = function(args)",
            "  for i, s in ipairs(specs) do",
            "    requests[i] = wrk.format(s[1], s[2], s[3], s[4])",
            "  end",
            "  counter = ((thread_id or 0) * 104729) % #requests",
            "end",
            "request = function()",
            "  counter = counter % #requests + 1",
            "  return requests[counter]",
            "end",
            "done = function(summary, latency, requests)",
            "  local e = summary.errors",
            '  io.write(string.format(\'BENCH_JSON {"requests": %d, "duration_us": %d, \'',
            '    .. \'"p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, \'',
            '    .. \'"max_us": %d, "errors_connect": %d, "errors_read": %d, \'',
            '    .. \'"errors_write": %d, "errors_timeout": %d, "errors_status": %d}\\n\',',
            "    summary.requests, summary.duration, latency:percentile(50),",
            "    latency:percentile(95), latency:percentile(99), latency.mean, latency.max,",
            "    e.connect, e.read, e.write, e.timeout, e.status))",
            "end",
            "",
        ]
    )


def drive(
    settings: Settings, wrk: str | None, port: int, spec: list[dict], seconds: int, label: str
) -> dict:
    """Send `spec` for `seconds` from a second process; return the summary."""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    if wrk:
        script = OUT / f"{slug}.lua"
        script.write_text(wrk_script(spec))
        command = [
            wrk,
            f"-t{settings.threads}",
            f"-c{settings.connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ]
    else:
        spec_file = OUT / f"{slug}.json"
        spec_file.write_text(json.dumps(spec))
        command = [
            sys.executable,
            "-m",
            "bench.loadgen",
            "--port",
            str(port),
            "--spec",
            str(spec_file),
            "--connections",
            str(settings.connections),
            "--duration",
            str(seconds),
            "--processes",
            str(settings.threads),
        ]
    done = run_command(command, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 60)
    (OUT / f"{slug}.txt").write_text(" ".join(command) + "\n\n" + done.stdout + done.stderr)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise RuntimeError(f"load generator gave no summary for {label}:\n{done.stdout}{done.stderr}")


# ------------------------------------------------------------------------ servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, headers=None, body: str | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.msg, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


class Gunicorn:
    """A gunicorn serving `app` with the benchmark's settings, stopped on exit."""

    def __init__(self, app: str, env: dict, settings: Settings, log_name: str, ready: str):
        self.port = free_port()
        self.log_path = OUT / f"gunicorn-{log_name}.log"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(settings.workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
            app,
        ]
        self.log_file = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - the benchmark's own command
            command, cwd=ROOT, env=env, stdout=self.log_file, stderr=subprocess.STDOUT
        )
        self._wait(ready)

    def _wait(self, path: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                if request(self.port, "GET", path)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer {path} within 60 s; see {self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# ---------------------------------------------------------------------- measuring


def _pid_ticks() -> dict[int, tuple[int, int, int]]:
    """Every process: (parent pid, owner uid, CPU ticks used so far)."""
    result = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            uid = entry.stat().st_uid
        except OSError:
            continue
        result[int(entry.name)] = (int(fields[1]), uid, int(fields[11]) + int(fields[12]))
    return result


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


class CpuWatch:
    """How much CPU the server side used during a run, and how much other processes did.

    The server side is the gunicorn master and workers and, on PostgreSQL, the server
    processes serving the benchmark database (found by their process titles). Others
    are everything else the machine ran at the time: other sessions' test runs, say.
    """

    def __init__(self, server_pid: int, database: str | None):
        self.server_pid = server_pid
        self.database = database

    def _serves_database(self, pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                title = handle.read().decode("utf-8", "replace").split()
        except OSError:
            return False
        # "postgres: [cluster:] user database host(port) state"
        words = [w for w in title[1:] if not w.endswith(":")]
        return bool(title) and title[0] == "postgres:" and words[1:2] == [self.database]

    def _ours(self, table: dict) -> set[int]:
        ours = {self.server_pid, os.getpid()}
        changed = True
        while changed:
            before = len(ours)
            ours |= {pid for pid, (ppid, _uid, _t) in table.items() if ppid in ours}
            changed = len(ours) != before
        if self.database:
            ours |= {pid for pid in table if self._serves_database(pid)}
        return ours

    def __enter__(self):
        self.start_table = _pid_ticks()
        self.start_machine = _machine_ticks()
        self.start_children = os.times().children_user + os.times().children_system
        return self

    def __exit__(self, *exc):
        end_table = _pid_ticks()
        busy = _machine_ticks()[0] - self.start_machine[0]
        total = _machine_ticks()[1] - self.start_machine[1]
        ours = self._ours(end_table)
        server = 0
        for pid in ours:
            if pid in end_table and pid != os.getpid():
                before = self.start_table.get(pid, (0, 0, 0))[2]
                server += max(end_table[pid][2] - before, 0)
        hertz = os.sysconf("SC_CLK_TCK")
        children = os.times().children_user + os.times().children_system
        loader = round((children - self.start_children) * hertz)
        self.server_seconds = server / hertz
        self.others = max(busy - server - loader, 0) / total if total else 0.0


def measure(
    settings: Settings,
    wrk: str | None,
    server: Gunicorn,
    name: str,
    spec: list[dict],
    db_name: str,
    retries: int = 0,
) -> Measurement:
    """Warm up, then measure; up to `retries` times again while other processes are busy."""
    best: Measurement | None = None
    for attempt in range(1 + retries):
        label = f"{db_name} {name}"
        drive(settings, wrk, server.port, spec, settings.warmup, label + " warm-up")
        with CpuWatch(server.process.pid, settings.database) as watch:
            summary = drive(settings, wrk, server.port, spec, settings.duration, label)
        seconds = summary["duration_us"] / 1e6
        errors = sum(
            v for k, v in summary.items() if k.startswith("errors_") and k != "errors_status"
        )
        first = spec[0]
        measurement = Measurement(
            name=name,
            request=f"{first['method']} {first['path']}",
            requests=summary["requests"],
            rps=summary["requests"] / seconds if seconds else 0.0,
            p50_ms=summary["p50_us"] / 1000,
            p95_ms=summary["p95_us"] / 1000,
            p99_ms=summary["p99_us"] / 1000,
            non_2xx=summary["errors_status"],
            errors=errors,
            others=watch.others,
            cpu_ms=1000 * watch.server_seconds / summary["requests"] if summary["requests"] else 0,
        )
        log(
            f"  {name:<18} {measurement.rps:8.1f} req/s   p50 {measurement.p50_ms:7.2f} ms   "
            f"p95 {measurement.p95_ms:7.2f} ms   p99 {measurement.p99_ms:7.2f} ms   "
            f"CPU {measurement.cpu_ms:5.1f} ms/req   other load {100 * measurement.others:3.0f}%"
            + (f"   non-2xx {measurement.non_2xx}" if measurement.non_2xx else "")
            + (f"   socket errors {errors}" if errors else "")
        )
        if best is None or measurement.others < best.others:
            best = measurement
        if measurement.others <= BUSY:
            break
        if attempt < retries:
            log(f"  (other processes used {100 * measurement.others:.0f}% of the CPU: again)")
    return best


# -------------------------------------------------------------------------- shop


def session_cookie(message, previous: str | None = None) -> str | None:
    for header in message.get_all("Set-Cookie") or []:
        pair = header.split(";", 1)[0]
        if pair.startswith("session="):
            return pair
    return previous


def new_session(port: int, product_path: str) -> tuple[str, str]:
    """A visitor's session cookie and CSRF token, scraped from a product page."""
    status, message, text = request(port, "GET", product_path)
    cookie, match = session_cookie(message), CSRF.search(text)
    if status != 200 or cookie is None or match is None:
        raise RuntimeError(f"could not get a session and CSRF token from {product_path}")
    return cookie, match.group(1)


def add_form(token: str, variant_id: int) -> str:
    return urlencode({"csrf_token": token, "variant_id": variant_id, "quantity": 1})


ADD_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Accept": "application/json",
}


def add_to_cart(port: int, cookie: str, token: str, variant_id: int) -> str:
    headers = {**ADD_HEADERS, "Cookie": cookie}
    status, message, text = request(port, "POST", "/cart/add", headers, add_form(token, variant_id))
    if status != 200:
        raise RuntimeError(f"POST /cart/add answered {status}: {text[:300]}")
    return session_cookie(message, cookie)


def shop_env(secret: str, database_url: str, media_root: Path, cache_dir: Path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STRIPE_", "MAIL_", "SHOP_", "FLASK_", "PAYMENT_"))
        and key not in {"REDIS_URL", "DATABASE_URL", "SECRET_KEY", "MEDIA_ROOT", "CACHE_DIR"}
        and key != "PAGE_CACHE_SECONDS"
    }
    env.update(production_settings())
    env.update(
        SECRET_KEY=secret,
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media_root),
        CACHE_DIR=str(cache_dir),
        PYTHONPATH=str(ROOT),
    )
    return env


def reset_postgres(url: str) -> str:
    """Drop and create the benchmark database; return the server's version."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"unexpected database name in {url!r}")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
        return connection.execute("SHOW server_version").fetchone()[0]


def run_python(module: list[str], env: dict, what: str) -> str:
    done = run_command(
        [sys.executable, "-m", *module], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def prepare(db: DatabaseRun, env: dict, manifest: Path) -> dict:
    """Schema, data and query counts; returns the manifest."""
    log(f"[{db.name}] building the schema with `flask --app shop db upgrade` ...")
    upgrade = run_command(
        [sys.executable, "-m", "flask", "--app", "shop", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    (OUT / f"{db.name}-upgrade.log").write_text(upgrade.stdout + upgrade.stderr)
    generate = ["bench.generate", "--manifest", str(manifest)]
    if upgrade.returncode != 0:
        last = (upgrade.stderr.strip().splitlines() or ["?"])[-1]
        log(f"[{db.name}] NOTE: db upgrade failed ({last}); falling back to db.create_all()")
        generate.append("--create-all")
    log(f"[{db.name}] generating 1,000 products and 200 articles ...")
    began = time.monotonic()
    summary = json.loads(run_python(generate, env, "bench/generate.py"))
    db.counts = summary["counts"]
    db.schema_notes = summary["schema_notes"]
    for note in db.schema_notes:
        log(f"[{db.name}] NOTE: {note}")
    log(f"[{db.name}] generated in {time.monotonic() - began:.1f} s: {db.counts}")
    db.queries = json.loads(
        run_python(["bench.querycount", "--manifest", str(manifest)], env, "query counts")
    )
    log(f"[{db.name}] SQL statements per page: {db.queries}")
    return json.loads(manifest.read_text())


def bench_database(db: DatabaseRun, settings: Settings, wrk: str | None, secret: str) -> None:
    media_root = OUT / "media"
    cache_dir = OUT / f"cache-{db.name}"
    shutil.rmtree(cache_dir, ignore_errors=True)
    env = shop_env(secret, db.url, media_root, cache_dir)
    settings.database = urlsplit(db.url).path.lstrip("/") if db.name == "postgres" else None
    manifest = prepare(db, env, OUT / f"{db.name}-manifest.json")
    urls = get_pages(manifest)
    product_path = urls["product"]

    log(f"[{db.name}] ceiling: bench/ceiling.py under the same gunicorn settings")
    with Gunicorn("bench.ceiling:app", env, settings, f"{db.name}-ceiling", "/") as server:
        spec = [{"method": "GET", "path": "/"}]
        db.ceiling = measure(
            settings, wrk, server, "ceiling", spec, db.name, retries=min(settings.retries, 1)
        )

    log(f"[{db.name}] the shop (wsgi:app)")
    with Gunicorn("wsgi:app", env, settings, f"{db.name}-shop", "/healthz") as server:
        cookie, token = new_session(server.port, product_path)
        for variant_id in manifest["cart_variants"][:CART_ITEMS]:
            cookie = add_to_cart(server.port, cookie, token, variant_id)
        browser = {"Accept-Encoding": settings.accept_encoding} if settings.accept_encoding else {}
        specs = {
            name: [{"method": "GET", "path": path, "headers": dict(browser)}]
            for name, path in urls.items()
        }
        specs["cart page"] = [
            {"method": "GET", "path": "/cart", "headers": {**browser, "Cookie": cookie}}
        ]
        specs = {name: spec for name, spec in specs.items() if name in settings.pages}
        for name, spec in specs.items():
            db.pages.append(measure(settings, wrk, server, name, spec, db.name))
        # Measure again the pages the rest of the machine disturbed most (a bounded
        # number, to keep the run short), keeping the quieter run of each.
        busy = sorted((p for p in db.pages if p.others > BUSY), key=lambda p: -p.others)
        for page in busy[: settings.retries]:
            log(f"  (other processes used {100 * page.others:.0f}% of the CPU: {page.name} again)")
            again = measure(settings, wrk, server, page.name, specs[page.name], db.name)
            if again.others < page.others:
                db.pages[db.pages.index(page)] = again
    if "add to cart" in settings.pages:
        add_to_cart_load(db, settings, wrk, env, manifest)

    cacheable = {name: spec for name, spec in specs.items() if name in urls}
    if cacheable:
        log(f"[{db.name}] the shop again with the page cache off (PAGE_CACHE_SECONDS=0)")
        rendered_env = env | {"PAGE_CACHE_SECONDS": "0"}
        with Gunicorn("wsgi:app", rendered_env, settings, f"{db.name}-rendered", "/healthz") as s:
            for name, spec in cacheable.items():
                db.rendered[name] = measure(settings, wrk, s, name, spec, db.name)
                db.rendered[name].queries = db.queries["rendered"].get(name)
    for page in db.pages:
        page.queries = db.queries["cached"].get(page.name, db.queries["rendered"].get(page.name))


def add_to_cart_load(
    db: DatabaseRun, settings: Settings, wrk: str | None, env: dict, manifest: dict
) -> None:
    product_path = get_pages(manifest)["product"]
    log(f"[{db.name}] add to cart (bench/nolimit.py: the shop with its rate limits off)")
    with Gunicorn("bench.nolimit:app", env, settings, f"{db.name}-cart", "/healthz") as server:
        variants = manifest["cart_variants"]
        sessions = min(settings.sessions, len(variants) // 2)
        spec = []
        for i in range(sessions):
            first, second = variants[2 * i], variants[2 * i + 1]
            cookie, token = new_session(server.port, product_path)
            cookie = add_to_cart(server.port, cookie, token, first)
            for variant_id in (first, second):
                headers = {**ADD_HEADERS, "Cookie": cookie}
                body = add_form(token, variant_id)
                spec.append(
                    {"method": "POST", "path": "/cart/add", "headers": headers, "body": body}
                )
        measurement = measure(
            settings, wrk, server, "add to cart", spec, db.name, retries=min(settings.retries, 1)
        )
        db.pages.append(measurement)
        capacity = len(spec) * 99
        counts = db.queries["cached"]
        db.notes.append(
            f"add to cart rotated over {sessions} carts x 2 products ({len(spec)} lines, "
            f"room for about {capacity:,} adds before a line reaches its cap of 99); "
            f"{measurement.non_2xx:,} of {measurement.requests:,} answers were not 2xx; "
            f"a 409 at the cap runs {counts.get('add to cart (409 at the cap)', '?')} SQL "
            f"statements to a 200's {counts.get('add to cart', '?')}"
        )


# ------------------------------------------------------------------------ results


def machine_info(wrk: str | None, settings: Settings) -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    system = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                system = f"{line.split('=', 1)[1].strip(chr(34))}, kernel {platform.release()}"
    except OSError:
        pass
    if wrk:
        version = run_command([wrk, "-v"], capture_output=True, text=True)
        loader = (version.stdout + version.stderr).strip().splitlines()[0]
    else:
        loader = f"Python fallback (bench/loadgen.py): {settings.loader_note}"
    return {
        "CPU": cpu,
        "Cores": f"{os.cpu_count()} (usable by this process: {len(os.sched_getaffinity(0))})",
        "RAM": memory,
        "OS": system,
        "Python": platform.python_version(),
        "gunicorn": importlib.metadata.version("gunicorn"),
        "Flask / SQLAlchemy": (
            f"{importlib.metadata.version('flask')} / {importlib.metadata.version('sqlalchemy')}"
        ),
        "PostgreSQL": "",
        "SQLite": sqlite3.sqlite_version,
        "Load generator": loader,
        "Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _ratio(page: Measurement, ceiling: Measurement | None) -> str:
    if not ceiling or not ceiling.rps:
        return "-"
    return f"{100 * page.rps / ceiling.rps:.1f}%"


def table(db: DatabaseRun) -> list[str]:
    lines = [
        "| page | request | req/s | p50 ms | p95 ms | p99 ms | vs ceiling | SQL "
        "| CPU ms/req | non-2xx | other load "
        "| rendered: req/s | p50 ms | p99 ms | vs ceiling | SQL | CPU ms/req |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows = [*db.pages, db.ceiling] if db.ceiling else db.pages
    for page in rows:
        is_ceiling = page is db.ceiling
        request_text = "GET / of bench/ceiling.py" if is_ceiling else page.request
        request_text = request_text.replace("|", "\\|")
        lines.append(
            f"| {page.name} | `{request_text}` | {page.rps:,.0f} | {page.p50_ms:.1f} | "
            f"{page.p95_ms:.1f} | {page.p99_ms:.1f} | "
            f"{'100%' if is_ceiling else _ratio(page, db.ceiling)} | "
            f"{'-' if page.queries is None else page.queries} | {page.cpu_ms:.1f} | "
            f"{page.non_2xx:,} | "
            f"{100 * page.others:.0f}% | " + _rendered_cells(db.rendered.get(page.name), db.ceiling)
        )
    return lines


def _rendered_cells(page: Measurement | None, ceiling: Measurement | None) -> str:
    """The same page with the page cache off, or dashes where it is never cached."""
    if page is None:
        return "- | - | - | - | - | - |"
    return (
        f"{page.rps:,.0f} | {page.p50_ms:.1f} | {page.p99_ms:.1f} | {_ratio(page, ceiling)} | "
        f"{'-' if page.queries is None else page.queries} | {page.cpu_ms:.1f} |"
    )


def write_results(
    runs: list[DatabaseRun], settings: Settings, machine: dict, took: float, hit_path: str = ""
):
    old = RESULTS.read_text() if RESULTS.exists() else ""
    kept = old[old.index(FINDINGS) :].rstrip() if FINDINGS in old else ""
    measured = [m for db in runs for m in [*db.pages, db.ceiling] if m is not None]
    others = sum(m.others for m in measured) / len(measured) if measured else 0.0
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/run.py); the Findings section at the end is written "
        "by hand and kept when the benchmark runs again.",
        "",
    ]
    if others > BUSY:
        lines += [
            f"**This run shared the machine: other processes used on average {100 * others:.0f}% "
            'of its CPU while pages were measured (column "other load").** req/s and '
            "latency are therefore far below what the machine gives when quiet; compare pages "
            "by CPU ms/req, SQL and their share of the ceiling rather than by absolute numbers.",
            "",
        ]
    lines += [
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {key} | {value} |" for key, value in machine.items() if value],
        "",
        "## Settings",
        "",
        f"- gunicorn: `--workers {settings.workers} --worker-class sync` (1 thread per worker), "
        "`--log-level warning`, bound to 127.0.0.1; the same for the ceiling.",
        "- Shop: `SHOP_ENV=production`, a generated `SECRET_KEY`, demo payments chosen on "
        "purpose (`PAYMENT_PROVIDER=demo`), the local Redis for rate limits, the page cache "
        "and the task queue (`BENCH_REDIS_URL`, database 15 by default), `MEDIA_ROOT` under "
        "bench/out/ (bench/settings.py).",
        "- Page cache (shop/pagecache.py): home, listings, search, product and article pages "
        "are kept whole for `PAGE_CACHE_SECONDS` (60 s by default) and every visitor gets "
        "a copy with their own CSRF token, newsletter stamp and basket count filled in; wrk "
        "sends no cookies, so every request is a first visit that also gets a new session "
        'cookie. The columns under "rendered" measure the same pages from a second '
        "gunicorn with `PAGE_CACHE_SECONDS=0`, i.e. rendered for every request, as for the "
        "first visitor after a change or a search nobody has made in the last minute.",
        f"- Load: {settings.loader}, {settings.threads} threads, {settings.connections} "
        f"connections, {settings.warmup} s warm-up then {settings.duration} s measured per "
        "page, from a second process on loopback. req/s is over the measured run; p50/p95/p99 "
        "are the latency percentiles of every request in it. Page requests carry "
        + (
            f"`Accept-Encoding: {settings.accept_encoding}` as a browser's do, so pages are "
            "compressed as they leave (shop.factory.compression_settings: zstd 1 where "
            "offered, else brotli 2; a cached page as its kept zstd frames, shop/pagecache.py) "
            "and CPU ms/req includes that."
            if settings.accept_encoding
            else "no Accept-Encoding, so pages leave uncompressed."
        ),
        "- Data: 1,000 products over five categories (1-3 sizes each, INCI lists, strains and "
        "nutrients for supplements, concerns for skincare, free-from flags, one image row "
        "each) and 200 published articles each featuring 3 products with shortcode cards "
        "(bench/generate.py).",
        "- SQL: statements one request runs, counted with SQLAlchemy's "
        "`before_cursor_execute` through the Flask test client against the same database "
        "(bench/querycount.py), after one warm-up request: from the page cache (0 for a "
        "visitor without a basket) and rendered.",
        "- vs ceiling: the page's req/s as a share of the minimal Flask page's "
        "(bench/ceiling.py) on the same settings.",
        "- CPU ms/req: CPU time the server side (gunicorn master and workers, and for "
        "PostgreSQL its server processes) spent per request during the measured run; it "
        "depends much less than req/s and latency on what else the machine runs (though "
        "a busy machine still inflates it: caches and cores are shared).",
        "- other load: the share of the machine's CPU that processes outside the benchmark "
        "(other sessions' test runs, say) used during the measured run; above "
        f"{100 * BUSY:.0f}% the ceiling, add to cart and the {settings.retries} most "
        "disturbed other pages are measured once more and the quieter run kept. "
        "PostgreSQL server processes count as the benchmark's only when they serve its "
        "database.",
        f"- The whole run took {took / 60:.1f} minutes.",
        "",
    ]
    for db in runs:
        title = {"postgres": "PostgreSQL", "sqlite": "SQLite"}.get(db.name, db.name)
        lines += [f"## {title}" + (f" {db.version}" if db.version else ""), ""]
        if db.skipped:
            lines += [f"Skipped: {db.skipped}", ""]
            continue
        lines += table(db)
        lines.append("")
        for note in db.schema_notes + db.notes:
            lines.append(f"- {note[0].upper()}{note[1:]}.")
        lines.append("")
    if hit_path:
        lines += [
            "## A cached page next to the ceiling, in-process",
            "",
            "bench/hitpath.py: whole requests as direct WSGI calls (no gunicorn, no "
            "sockets), then the parts of serving a page from the cache, each timed alone.",
            "",
            hit_path,
            "",
        ]
    lines += [
        "## Notes",
        "",
        "- `cart page` is `GET /cart` for a visitor whose session cookie (taken beforehand) "
        f"holds a cart with {CART_ITEMS} lines.",
        "- `add to cart` is `POST /cart/add` (`variant_id`, `quantity=1`, the CSRF token and "
        "session cookie scraped from a product page first, `Accept: application/json`). It "
        "is served by bench/nolimit.py, the same app with `RATELIMIT_ENABLED=False`: the "
        "route allows 60 requests a minute per client address and all load comes from "
        "127.0.0.1, so with the limit on almost every answer would be a 429.",
        "- Once a line reaches its cap (the stock available, at most 99) the answer is a 409 "
        "after the same reads (CSRF check, cart, variant, header count) but without the "
        "UPDATE and COMMIT, so it is slightly cheaper than a successful add. The benchmark "
        "rotates over many carts so that the answers stay 200s; the non-2xx column shows "
        "whether any were not.",
        "- Raw outputs (wrk scripts and reports, gunicorn logs, manifests) are in bench/out/.",
        "",
    ]
    text = "\n".join(lines)
    text += "\n" + (kept or FINDINGS + "\n\n_Not written yet._") + "\n"
    RESULTS.write_text(text)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark the shop with gunicorn and wrk; write bench/RESULTS.md."
    )
    parser.add_argument("--db", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per page")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per page")
    parser.add_argument("--connections", type=int, default=16, help="open connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--sessions", type=int, default=128, help="carts for add to cart")
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="per database, how many of the pages during which other processes used more "
        f"than {100 * BUSY:.0f}%% of the CPU are measured again (the quieter run is kept; "
        "the ceiling and add to cart get one more try each when this is not 0)",
    )
    parser.add_argument(
        "--pages",
        default=",".join(PAGE_ORDER),
        help="comma-separated pages to measure (default: all); the ceiling always runs",
    )
    parser.add_argument(
        "--accept-encoding",
        default="gzip, deflate, br, zstd",
        help="Accept-Encoding sent with page requests, as a browser does ('' for none)",
    )
    parser.add_argument("--no-results", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args(argv)
    began = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)

    settings = Settings(
        workers=args.workers,
        connections=args.connections,
        duration=args.duration,
        warmup=args.warmup,
        threads=args.threads,
        sessions=args.sessions,
        retries=args.retries,
        pages=[name.strip() for name in args.pages.split(",")],
        accept_encoding=args.accept_encoding,
    )
    unknown = set(settings.pages) - set(PAGE_ORDER)
    if unknown:
        parser.error(f"unknown page(s) {sorted(unknown)}; choose from {PAGE_ORDER}")
    wrk, reason = ensure_wrk()
    if wrk:
        settings.loader = f"wrk (`wrk -t{args.threads} -c{args.connections} --latency`)"
    else:
        settings.loader = "the Python fallback load generator (bench/loadgen.py)"
        settings.loader_note = reason
        log(
            f"NOTE: {reason}. Falling back to the Python load generator (bench/loadgen.py); "
            "it uses far more CPU than wrk, so the numbers are lower than wrk's would be."
        )
    machine = machine_info(wrk, settings)
    secret = secrets.token_hex(32)

    runs: list[DatabaseRun] = []
    names = ["postgres", "sqlite"] if args.db == "both" else [args.db]
    for name in names:
        if name == "postgres":
            url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL)
            db = DatabaseRun(name=name, url=url)
            try:
                db.version = reset_postgres(url)
                machine["PostgreSQL"] = db.version
            except Exception as exc:  # any failure to reach the server
                if args.db != "both":
                    raise
                db.skipped = f"no PostgreSQL server answered at {url} ({exc})"
                log(f"[postgres] SKIPPED: {db.skipped}")
                runs.append(db)
                continue
        else:
            path = OUT / "bench.sqlite3"
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            db = DatabaseRun(name=name, url=f"sqlite:///{path}", version=sqlite3.sqlite_version)
        runs.append(db)
        bench_database(db, settings, wrk, secret)

    measured_dbs = [db for db in runs if not db.skipped]
    hit_path = ""
    if measured_dbs:
        # A cached page touches no database: one breakdown serves both.
        name = measured_dbs[-1].name
        log(f"[{name}] a cached page next to the ceiling, in-process (bench/hitpath.py)")
        done = run_command(
            [sys.executable, "-m", "bench.hitpath", "--db", name],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
        )
        hit_path = done.stdout.strip() if done.returncode == 0 else ""
        log(hit_path or f"bench/hitpath.py failed:\n{done.stderr}")
    took = time.monotonic() - began
    for db in measured_dbs:
        log("")
        log(f"{db.name}:")
        for line in table(db):
            log(line)
    (OUT / "results.json").write_text(
        json.dumps(
            {
                "machine": machine,
                "settings": settings.__dict__,
                "runs": [
                    {**db.__dict__, "ceiling": db.ceiling and db.ceiling.__dict__}
                    | {"pages": [p.__dict__ for p in db.pages]}
                    | {"rendered": {k: m.__dict__ for k, m in db.rendered.items()}}
                    for db in runs
                ],
            },
            indent=2,
        )
    )
    if not args.no_results:
        write_results(runs, settings, machine, took, hit_path)
        log(f"\nWrote {RESULTS.relative_to(ROOT)} ({took / 60:.1f} minutes).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
