"""What counting the funnel adds to a product page served from the page cache.

    .venv/bin/python -m bench.funnelcost [--redis redis://127.0.0.1:PORT/0]

In-process WSGI calls on a fresh SQLite file with the demo catalogue (or Redis for the
counters and the cache with --redis), timed by CPU time (the best of five batches, taken
in turns in one run): the same cached page for a browser (counted: one UPSERT, or one
HINCRBY) and for a robot's user agent (the same page, not counted).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from werkzeug.test import EnvironBuilder

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36"
ROBOT = "Mozilla/5.0 (compatible; Googlebot/2.1)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", default="")
    parser.add_argument("--number", type=int, default=2000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="shop-funnelcost-")
    os.environ.update(
        SHOP_ENV="testing",
        DATABASE_URL=f"sqlite:///{folder}/shop.sqlite3",
        MEDIA_ROOT=f"{folder}/media",
        CACHE_DIR=f"{folder}/cache",
        PAGE_CACHE_SECONDS="60",
    )
    if args.redis:
        os.environ["REDIS_URL"] = args.redis
    from shop import create_app
    from shop.catalogue.demo import seed_demo_catalogue
    from shop.extensions import db

    app = create_app({"PAGE_CACHE_SECONDS": 60, "TESTING": False})
    with app.app_context():
        db.create_all()
        seed_demo_catalogue(f"{folder}/media")
        db.session.commit()
        slug = db.session.scalar(db.text("SELECT slug FROM product ORDER BY id LIMIT 1"))

    def call(agent: str):
        builder = EnvironBuilder(path=f"/products/{slug}", headers={"User-Agent": agent})
        environ = builder.get_environ()
        body = app(environ, lambda status, headers: None)
        b"".join(body)
        getattr(body, "close", lambda: None)()

    call(BROWSER)  # fills the cache
    best = {BROWSER: float("inf"), ROBOT: float("inf")}
    batch = max(args.number // 5, 1)
    for _ in range(5):
        for agent in (BROWSER, ROBOT):
            start = time.process_time()
            for _ in range(batch):
                call(agent)
            best[agent] = min(best[agent], (time.process_time() - start) / batch)
    print(f"counters in {'Redis' if args.redis else 'the database (SQLite)'}")
    print(f"  cached product page, robot (not counted): {best[ROBOT] * 1e6:7.0f} µs CPU")
    print(f"  cached product page, browser (counted):   {best[BROWSER] * 1e6:7.0f} µs CPU")


if __name__ == "__main__":
    main()
