"""Browser tests: whole journeys in Debian's Chromium, driven by Playwright, against
the shop served over real HTTP.

- One Chromium for the package (headless, `/usr/bin/chromium`); every browser test is
  skipped with a clear message where it is not installed.
- One database for the package, loaded once with `seed-demo` (drawing the demo images
  takes a while): an SQLite file under a temporary folder, or the PostgreSQL database of
  TEST_DATABASE_URL, emptied again when the package is done, as tests/conftest.py does.
- Each module serves the shop from a thread (werkzeug's `make_server`, threaded) on
  127.0.0.1 and a free port, with real forms (CSRF on), no rate limits and
  SHOP_BASE_URL set to the server's own URL; `live_server` is that server, and a module
  can override it (the Stripe journey points its app at a local Stripe). Beside it a
  thread runs the task queue, as the consumer does beside `make run`.
- Each test gets fresh browser contexts (its own cookies, so its own basket). When a test
  fails, every page it opened is saved as `test-artifacts/<test name>.png`.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import event
from werkzeug.serving import WSGIRequestHandler, make_server

from shop import create_app
from shop.extensions import db
from tests.helpers.database import POSTGRES_URL, empty_postgres_tables, fast_sqlite, make_config
from tests.helpers.queue import QueueWorker

CHROMIUM = Path("/usr/bin/chromium")
NO_CHROMIUM = "Chromium not found at /usr/bin/chromium: browser tests skipped"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
PAGES = pytest.StashKey[list]()


def pytest_collection_modifyitems(items):
    """Under pytest-xdist, every browser test runs in one worker: one Chromium and one
    demo shop (seeding it draws every picture) instead of one per worker."""
    for item in items:
        if item.path.is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.xdist_group("browser"))


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "browser: drives Debian's Chromium through Playwright against the shop served over "
        "HTTP (skipped when /usr/bin/chromium is missing)",
    )


# ------------------------------------------------------------------ the browser


@pytest.fixture(scope="package", autouse=True)
def browser():
    """Headless Chromium for this package's tests; skips every one of them without it."""
    if not CHROMIUM.is_file():
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


# ------------------------------------------------------------------ the shop, served


@pytest.fixture(scope="package")
def shop_data(tmp_path_factory, _test_schema):
    """The folder whose database and media every server in this package uses, loaded
    with the demo catalogue and journal by `flask seed-demo`."""
    root = tmp_path_factory.mktemp("browser-shop")
    app = create_app(make_config(root))
    with app.app_context():
        if not POSTGRES_URL:
            db.create_all()
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()
    yield root
    if POSTGRES_URL:
        empty_postgres_tables()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


def _closing(app):
    """The app with every response read and closed before it is written.

    werkzeug's development server closes a response only after draining the socket; when
    the browser drops a connection mid-answer (it navigates on while pictures load) that
    draining fails first, the picture's open file is left to the garbage collector, and
    its ResourceWarning fails whichever test is running. Reading each response whole
    closes it on every path (what production servers do after a dropped connection)."""

    def serve(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return serve


class LiveServer:
    """The shop served from a background thread at `url` (http://127.0.0.1:<port>)."""

    def __init__(self, app):
        self.app = app
        self._server = make_server(
            "127.0.0.1", 0, _closing(app), threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        app.config["SHOP_BASE_URL"] = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"shop {self.url}",
            daemon=True,
        )
        self._thread.start()
        self._queue = QueueWorker(app)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._queue.stop()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def serve(shop_data):
    """Start the shop on the package's database: `serve(STRIPE_SECRET_KEY=...)`."""
    servers: list[LiveServer] = []

    def start(**overrides) -> LiveServer:
        # As in production: CSRF checked, whole pages served from the page cache.
        config = {
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
            "PAGE_CACHE_SECONDS": 60,
            **overrides,
        }
        app = create_app(make_config(shop_data, **config))
        if not POSTGRES_URL:
            with app.app_context():
                event.listen(db.engine, "connect", fast_sqlite)
        server = LiveServer(app)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def live_server(serve) -> LiveServer:
    """The shop with the demo payment provider (no Stripe key) and mail to the outbox."""
    return serve()


# ------------------------------------------------------------------ pages


@pytest.fixture
def new_page(browser, live_server, request):
    """Open a page in a fresh browser context: `new_page(theme="dark")`,
    `new_page(java_script_enabled=False)`, `new_page(server=other_server)`.

    Uncaught JavaScript errors and Content-Security-Policy refusals fail the test.
    """
    contexts = []
    pages = request.node.stash.setdefault(PAGES, [])
    problems: list[str] = []

    def open_page(server: LiveServer | None = None, theme: str | None = None, **options):
        server = server or live_server
        options.setdefault("base_url", server.url)
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("color_scheme", "light")
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        if theme:
            context.add_cookies([{"name": "theme", "value": theme, "url": server.url}])
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"Console: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        pages.append(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def page(new_page):
    """A page in a fresh browser context on `live_server`, in the light theme."""
    return new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Save a screenshot of every page a failed test opened, in test-artifacts/."""
    report = yield
    if report.when == "call" and report.failed:
        pages = [page for page in item.stash.get(PAGES, []) if not page.is_closed()]
        folder = item.config.rootpath / "test-artifacts"
        stem = re.sub(r"[^\w.\[\]-]+", "_", item.name)
        for number, page in enumerate(pages, start=1):
            name = f"{stem}.png" if number == 1 else f"{stem}-{number}.png"
            try:
                folder.mkdir(exist_ok=True)
                page.screenshot(path=folder / name, full_page=True)
            except Exception as exc:  # noqa: BLE001 - the test's own failure matters more
                report.sections.append(("screenshot", f"could not save {name}: {exc}"))
            else:
                report.sections.append(("screenshot", str(folder / name)))
    return report
