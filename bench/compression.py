"""What compressing the shop's pages costs and saves, in-process (not part of `make test`).

    .venv/bin/python -m bench.compression

On a fresh demo shop (`seed-demo` in a temporary folder, SQLite) it takes the HTML of the
home page, a listing, a product and an article as a visitor gets them, then times each
encoding Flask-Compress could use (CPU time, best of five batches) and reports the size;
then it times a whole cached page through the app with and without `Accept-Encoding`.
"""

from __future__ import annotations

import gzip
import tempfile
import time
import timeit
from pathlib import Path

import brotli

from shop.pagecache import zstd  # compression.zstd, or its backport before Python 3.14

PAGES = {
    "home": "/",
    "listing": "/shop",
    "product": "/products/probiotic-moisturiser",
    "article": "/journal/what-is-the-gut-skin-axis",
}
ENCODINGS = {
    "gzip 4": lambda data: gzip.compress(data, compresslevel=4),
    "gzip 6": lambda data: gzip.compress(data, compresslevel=6),
    "brotli 1": lambda data: brotli.compress(data, quality=1),
    "brotli 2": lambda data: brotli.compress(data, quality=2),
    "brotli 4": lambda data: brotli.compress(data, quality=4),
    "brotli 11": lambda data: brotli.compress(data, quality=11),
    "zstd 1": lambda data: zstd.compress(data, level=1),
    "zstd 3": lambda data: zstd.compress(data, level=3),
}


def best_us(fn, number: int = 200) -> float:
    return 1e6 * min(timeit.repeat(fn, number=number, repeat=5, timer=time.process_time)) / number


def main() -> None:
    from shop import create_app
    from shop.extensions import db

    root = Path(tempfile.mkdtemp(prefix="bench-compression-"))
    config = {
        "TESTING": True,
        "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'shop.db'}",
        "MEDIA_ROOT": str(root / "media"),
        "CACHE_DIR": str(root / "cache"),
        "PAGE_CACHE_SECONDS": 300,
        "SHOP_BASE_URL": "http://127.0.0.1:5000",
        "RATELIMIT_ENABLED": False,
    }
    app = create_app(config)
    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    client = app.test_client()
    print("| page | HTML bytes | " + " | ".join(f"{name}: bytes, µs" for name in ENCODINGS) + " |")
    print("| --- " * (2 + len(ENCODINGS)) + "|")
    for name, path in PAGES.items():
        html = client.get(path).data
        cells = [name, f"{len(html):,}"]
        for encode in ENCODINGS.values():
            cells.append(f"{len(encode(html)):,}, {best_us(lambda e=encode, h=html: e(h)):.0f}")
        print("| " + " | ".join(cells) + " |")
    print()
    print("| cached page, whole request | identity µs | gzip µs | br µs | zstd µs |")
    print("| --- | --- | --- | --- | --- |")
    for name, path in PAGES.items():
        client.get(path)  # into the cache
        cells = [name]
        for accept in ("identity", "gzip", "br", "zstd"):
            headers = {"Accept-Encoding": accept}

            def hit(path=path, headers=headers):
                client.get(path, headers=headers).close()

            cells.append(f"{best_us(hit, 100):.0f}")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
