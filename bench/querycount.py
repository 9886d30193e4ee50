"""Count the SQL statements each benchmarked page runs, through the Flask test client.

Like tests/catalogue/test_query_counts.py, statements are counted with SQLAlchemy's
`before_cursor_execute` event, here against the benchmark database itself. Each page is
requested once to warm up and then once counted: rendered every time (page cache off),
and as a visitor gets it from the page cache. Run by bench/run.py with the shop's
environment::

    python -m bench.querycount --manifest bench/out/postgres-manifest.json

and prints one JSON object: {"rendered": {page name: statements}, "cached": {...}}.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event

from shop.extensions import db

# The production profile marks the session cookie Secure, so the client speaks https;
# Flask-WTF then wants a same-origin Referer on every POST, as a browser sends.
BASE_URL = "https://bench.localhost"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def pages(manifest: dict) -> dict[str, str]:
    """The GET pages of the benchmark, by name: shared with bench/run.py."""
    return {
        "home": "/",
        "listing": "/shop",
        "filtered listing": (
            f"/shop/{manifest['category']}?concern={manifest['concern']}&sort=price-asc"
        ),
        "search": f"/shop?q={manifest['search']}",
        "product": f"/products/{manifest['product']}",
        "article": f"/journal/{manifest['article']}",
    }


@contextmanager
def counting(engine):
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def count(app, manifest: dict, show: bool = False) -> dict:
    with app.app_context():
        engine = db.engine
    result: dict = {}
    client = app.test_client()
    for name, path in pages(manifest).items():
        client.get(path, base_url=BASE_URL)
        with counting(engine) as statements:
            response = client.get(path, base_url=BASE_URL)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        result[name] = len(statements)
        if show:
            print(f"--- {name}: {path}", *statements, sep="\n\n", file=sys.stderr)

    # A shopper with a few items: the cart page, and one more add-to-cart.
    product = f"/products/{manifest['product']}"
    page = client.get(product, base_url=BASE_URL)
    token = CSRF.search(page.get_data(as_text=True)).group(1)
    headers = {"Accept": "application/json", "Referer": BASE_URL + product}
    variants = manifest["cart_variants"]

    def add(variant_id: int):
        return client.post(
            "/cart/add",
            base_url=BASE_URL,
            data={"csrf_token": token, "variant_id": variant_id, "quantity": 1},
            headers=headers,
        )

    for variant_id in variants[:3]:
        assert add(variant_id).status_code == 200
    client.get("/cart", base_url=BASE_URL)
    with counting(engine) as statements:
        response = client.get("/cart", base_url=BASE_URL)
    assert response.status_code == 200
    result["cart page"] = len(statements)
    if show:
        print("--- cart page", *statements, sep="\n\n", file=sys.stderr)

    with counting(engine) as statements:
        response = add(variants[0])
    assert response.status_code == 200, response.get_data(as_text=True)
    result["add to cart"] = len(statements)
    if show:
        print("--- add to cart", *statements, sep="\n\n", file=sys.stderr)

    # The same request once the line holds all that may be bought: 409.
    with app.app_context():
        from shop.cart.services import MAX_QUANTITY

    with counting(engine) as statements:
        response = client.post(
            "/cart/add",
            base_url=BASE_URL,
            data={"csrf_token": token, "variant_id": variants[0], "quantity": MAX_QUANTITY},
            headers=headers,
        )
    assert response.status_code == 200, response.get_data(as_text=True)
    with counting(engine) as statements:
        response = add(variants[0])
    assert response.status_code == 409, response.status_code
    result["add to cart (409 at the cap)"] = len(statements)
    if show:
        print("--- add to cart at the cap", *statements, sep="\n\n", file=sys.stderr)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True, type=Path)
    parser.add_argument("--show", action="store_true", help="print the statements to stderr")
    args = parser.parse_args(argv)

    from shop import create_app

    manifest = json.loads(args.manifest.read_text())
    rendered = create_app({"RATELIMIT_ENABLED": False, "PAGE_CACHE_SECONDS": 0})
    cached = create_app({"RATELIMIT_ENABLED": False})
    with cached.app_context():
        from shop.pagecache import invalidate

        invalidate()  # pages an earlier run kept in the same cache are not counted
    result = {
        "rendered": count(rendered, manifest, show=args.show),
        "cached": count(cached, manifest, show=args.show),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
