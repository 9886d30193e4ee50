"""What a page served from the page cache costs, next to the ceiling, in-process.

Run after `make bench` (it reuses the benchmark database and bench/out/<db>-manifest.json)::

    .venv/bin/python -m bench.hitpath --db sqlite

Each request is a direct WSGI call (no server, no sockets), timed by CPU time, the best
of five batches. It prints whole requests (the ceiling's page, the shop's /robots.txt,
a cached product page for a first visit and for a returning visitor) and then the parts
of serving a cached page, timed alone inside a request: the explanation of the gap
between a cached page and the ceiling in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import timeit

from werkzeug.test import EnvironBuilder

from bench.profile_pages import BASE_URL, BATCHES, use_bench_database


def per_call_us(fn, number: int) -> float:
    """Microseconds per call: the quickest of BATCHES batches (other load only adds)."""
    batch = max(number // BATCHES, 1)
    return 1e6 * min(timeit.repeat(fn, number=batch, repeat=BATCHES, timer=_cpu)) / batch


def _cpu() -> float:
    import time

    return time.process_time()


def wsgi_call(app, path: str, headers: dict | None = None):
    environ = EnvironBuilder(path=path, base_url=BASE_URL, headers=headers).get_environ()

    def call():
        captured = {}

        def start_response(status, response_headers, exc_info=None):
            captured["status"] = status
            captured["headers"] = response_headers

        body = b"".join(app(dict(environ), start_response))
        return captured, body

    return call


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="sqlite")
    parser.add_argument("--number", type=int, default=5000, help="requests per measurement")
    args = parser.parse_args(argv)

    manifest = use_bench_database(args.db)
    os.environ["CACHE_DIR"] = tempfile.mkdtemp(prefix="shop-hitpath-")

    from flask import g, session
    from flask_wtf.csrf import generate_csrf

    from bench.ceiling import app as ceiling
    from shop import create_app
    from shop.extensions import cache
    from shop.newsletter.tokens import form_stamp
    from shop.pagecache import GENERATION_KEY, _page_key, join_frames, join_page

    app = create_app()
    product = f"/products/{manifest['product']}"
    first_visit = wsgi_call(app.wsgi_app, product)
    captured, _body = first_visit()  # rendered and kept
    cookie = next(
        value.split(";", 1)[0]
        for name, value in captured["headers"]
        if name == "Set-Cookie" and value.startswith("session=")
    )
    returning = wsgi_call(app.wsgi_app, product, {"Cookie": cookie})
    captured, body = first_visit()
    assert captured["status"].startswith("200"), captured["status"]

    rows = [
        ("ceiling: bench/ceiling.py GET /", wsgi_call(ceiling.wsgi_app, "/")),
        ("the shop: GET /robots.txt (no template, no SQL)", wsgi_call(app.wsgi_app, "/robots.txt")),
        (f"cached page, first visit: GET {product}", first_visit),
        ("cached page, returning visitor (session cookie)", returning),
    ]
    print(f"{len(body):,} bytes of HTML; CPU time per request, in-process, best of {BATCHES}")
    print()
    print("| request | µs |")
    print("| --- | ---: |")
    for label, call in rows:
        print(f"| {label} | {per_call_us(call, args.number):,.0f} |")

    with app.test_request_context(product, base_url=BASE_URL):

        def generation():
            return cache.get(GENERATION_KEY)

        current = generation()
        key = _page_key(current)
        page = cache.get(key)
        field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")

        def new_visitor_token():
            g.pop(field, None)
            session.pop(field, None)
            return generate_csrf()

        def session_cookie():
            response = app.response_class("")
            app.session_interface.save_session(app, session, response)

        def fill():
            g.pop(field, None)
            return join_page(page)

        def fill_frames():
            g.pop(field, None)
            return join_frames(page)

        new_visitor_token()
        parts = [
            ("reading the generation from the cache (FileSystemCache)", generation),
            (
                "reading the generation and the page together (get_many, as a hit does)",
                lambda: cache.get_many(GENERATION_KEY, key),
            ),
            (
                "the cache key (sha256 of generation, path, query, theme...)",
                lambda: _page_key(current),
            ),
            ("reading the page from the cache (FileSystemCache)", lambda: cache.get(key)),
            ("a CSRF token for a new visitor (Flask-WTF)", new_visitor_token),
            ("the newsletter form's signed stamp", form_stamp),
            ("joining the kept parts with this visitor's values (signing token and stamp)", fill),
            ("signing the session cookie (Flask)", session_cookie),
        ]
        if page[2] is not None:  # kept with its zstd frames
            parts.insert(
                -1, ("the same as zstd frames (kept frames, a frame per value)", fill_frames)
            )
        print()
        print("| part of serving a cached page | µs |")
        print("| --- | ---: |")
        for label, fn in parts:
            print(f"| {label} | {per_call_us(fn, args.number):,.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
