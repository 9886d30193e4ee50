"""What the page cache's tests share: the product page they cache, the CSRF tokens and
per-visitor markers of a page, whether a page is kept, and the commands sent to Redis."""

import re

from tests.helpers import page

PRODUCT = "/products/barrier-cream"


def csrf_tokens(response) -> set[str]:
    return {field["value"] for field in page(response).select("input[name=csrf_token]")}


def no_markers(response) -> bool:
    return re.search(r"pc[0-9a-f]{32}-", response.get_data(as_text=True)) is None


def is_cached(app, url: str, **request_options) -> bool:
    from shop.extensions import cache
    from shop.pagecache import _page_key

    with app.test_request_context(url, **request_options):
        return cache.get(_page_key()) is not None


def commands_sent(monkeypatch) -> list[tuple[str, str]]:
    """(command, key) of every command the current app's cache sends Redis from now on."""
    from shop.extensions import cache

    client = cache.cache._write_client
    sent: list[tuple[str, str]] = []
    send = client.execute_command

    def recording(*args, **options):
        sent.append((str(args[0]).upper(), str(args[1]) if len(args) > 1 else ""))
        return send(*args, **options)

    monkeypatch.setattr(client, "execute_command", recording)
    return sent
