"""Instructions a rendered page costs the web process, counted by valgrind: a figure that
does not depend on what else the machine runs.

Run after `make bench` (it reuses the benchmark database and bench/out/<db>-manifest.json);
it needs valgrind (`apt-get install valgrind`)::

    .venv/bin/python -m bench.instructions --db sqlite --page article
    .venv/bin/python -m bench.instructions --db sqlite --path "/shop?q=zinc" --requests 20

On this shared machine the CPU time of the same page, measured the same way, moves by
2x between runs minutes apart, which hides a change worth 5%. The number of
instructions the Python process executes for a request does not move: it names what a
change saved, where `make bench` can only say that nothing got worse.

For each page it runs the shop (production settings, page cache off, as the "rendered"
columns of `make bench`; with --page-cache on, as the "cached" columns and the basket;
"cart page" and "add to cart" as `bench.profile_pages` serves them) in-process under
`valgrind --tool=callgrind` twice: after a warm-up of 10 requests, once with WARM more
requests and once with WARM + --requests, and prints the difference over --requests: the
instructions of one request, without the start-up's. It counts the web process only (on
PostgreSQL the server's share is not in it: `bench.profile_pages` prints that), and not
the kernel's work for it (system calls, file reads, syncs to the disk). Each run takes a
minute or two: valgrind runs Python about 50 times slower. With --page-cache pages are
kept for an hour (a run outlasts the production profile's 60 s), the page is served once
outside valgrind first (so that both runs find it and the layout's parts kept), and
nothing else may use the benchmark's Redis database meanwhile: a page rendered again in
one run and not the other (a new generation, a flushed cache) gives a figure that means
nothing, even a negative one.

Instructions are not time: a cache miss costs far more than an instruction, and a page
that touches less memory gains more than its count says. Use them to compare two
versions of the same page, not two pages.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.profile_pages import (
    BASE_URL,
    CART_PAGES,
    OUT,
    ROOT,
    adding_client,
    cart_client,
    shop_settings,
    use_bench_database,
)

WARM = 5
COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def serve(db: str, path: str, requests: int, page_cache: bool = False) -> None:
    """What runs under valgrind: the warm-up, then `requests` requests of `path`. The
    basket (/cart) is a visitor's with three lines, and /cart/add adds one more of a size,
    rotating over baskets, as `bench.profile_pages` and the load test do."""
    import functools
    import gc
    import logging

    manifest = use_bench_database(db)
    from shop import create_app

    settings = shop_settings(page_cache, rate_limits=path != CART_PAGES["add to cart"])
    if page_cache:
        # Valgrind runs Python about 50 times slower: a run outlasts the production
        # profile's 60 s, and a page that expires in one of the two runs and not in the
        # other is rendered again in it, which makes the difference mean nothing.
        settings["PAGE_CACHE_SECONDS"] = 3600
    app = create_app(settings)
    logging.getLogger().setLevel(logging.WARNING)
    headers = {"Accept-Encoding": "gzip, deflate, br, zstd"}
    if path == CART_PAGES["add to cart"]:
        fetch = adding_client(app, manifest)
    else:
        # The basket's own visitor; any other page, a first visit each time, as under wrk.
        client = (
            cart_client(app, manifest)
            if path == CART_PAGES["cart page"]
            else app.test_client(use_cookies=False)
        )
        fetch = functools.partial(client.get, path, base_url=BASE_URL, headers=headers)
    for _ in range(10):
        fetch()
    gc.freeze()  # as wsgi.py does after start-up
    for _ in range(requests):
        response = fetch()
        response.get_data()
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")


def serve_command(db: str, path: str, requests: int, page_cache: bool) -> list[str]:
    """The command that runs `serve` in a process of its own."""
    command = [sys.executable, "-m", "bench.instructions", "--serve", "--db", db]
    command += ["--path", path, "--requests", str(requests)]
    return command + (["--page-cache"] if page_cache else [])


def warm_cache(db: str, path: str) -> None:
    """Serve `path` once outside valgrind, so that both counted runs find what the page
    needs already kept (the page, the layout's parts): otherwise only the first makes
    them, and the difference between the runs leaves that out (a basket came out at 1.26
    M instructions instead of 8.3)."""
    done = subprocess.run(  # noqa: S603 (our own interpreter and module, fixed arguments)
        serve_command(db, path, WARM, page_cache=True),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"serving {path} failed:\n{done.stdout}\n{done.stderr[-2000:]}")


def count(db: str, path: str, requests: int, scratch: Path, page_cache: bool = False) -> int:
    """Instructions of a whole run of `serve` with `requests` requests."""
    out = scratch / f"callgrind.{requests}.out"
    done = subprocess.run(  # noqa: S603 (our own interpreter and module, fixed arguments)
        [
            shutil.which("valgrind") or "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            *serve_command(db, path, requests, page_cache),
        ],
        cwd=ROOT,
        # String hashes seeded alike in every run: a dict's probes then take the same
        # instructions each time.
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    found = COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"valgrind failed on {path}:\n{done.stdout}\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="sqlite")
    parser.add_argument("--page", action="append", help="a page name (default: all)")
    parser.add_argument("--path", action="append", default=[], help="any other URL")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--page-cache",
        action="store_true",
        help="keep the page cache on (Redis, as make bench): count a page served from it",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.db, args.path[0], args.requests, args.page_cache)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    from bench.querycount import pages

    manifest_path = OUT / f"{args.db}-manifest.json"
    if not manifest_path.exists():
        raise SystemExit(f"{manifest_path} is missing: run `make bench` first")
    urls = pages(json.loads(manifest_path.read_text())) | CART_PAGES
    chosen = args.page or ([] if args.path else list(urls))
    unknown = set(chosen) - set(urls)
    if unknown:
        parser.error(f"unknown page(s) {sorted(unknown)}; choose from {list(urls)}")
    targets = [(name, urls[name]) for name in chosen] + [(path, path) for path in args.path]
    with tempfile.TemporaryDirectory(prefix="shop-instructions-") as scratch:
        for name, path in targets:
            if args.page_cache:
                warm_cache(args.db, path)
            few = count(args.db, path, WARM, Path(scratch), args.page_cache)
            many = count(args.db, path, WARM + args.requests, Path(scratch), args.page_cache)
            per_request = (many - few) / args.requests
            print(f"{name:17} {per_request / 1e6:7.2f} M instructions per request", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
