"""The pieces `create_app` assembles: extensions, blueprints, template helpers, errors, CLI."""

import logging
import sqlite3

import flask_login.utils
from flask import Flask, has_request_context, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import event
from werkzeug.exceptions import HTTPException

from shop import PROJECT_ROOT, connections, layout, transactions, urls
from shop.accounts.views import bp as account_bp
from shop.admin.commands import create_staff_command
from shop.admin.views import bp as admin_bp
from shop.alerts import tasks as stock_alerts
from shop.alerts.views import bp as alerts_bp
from shop.assets import register_assets
from shop.cart.views import bp as cart_bp
from shop.catalogue.admin.views import bp as catalogue_admin_bp
from shop.catalogue.commands import adjust_stock_command
from shop.catalogue.search_text import keep_search_text_current
from shop.catalogue.views import bp as catalogue_bp
from shop.checkout.views import bp as checkout_bp
from shop.commands import release_expired_command, seed_demo_command
from shop.comments.admin.views import bp as comments_admin_bp
from shop.comments.views import bp as comments_bp
from shop.consultations import payments as consultation_payments
from shop.consultations.admin.views import bp as consultations_admin_bp
from shop.consultations.commands import send_booking_reminders_command
from shop.consultations.slots import format_clinic_time
from shop.consultations.views import bp as consultations_bp
from shop.contact.admin.views import bp as contact_admin_bp
from shop.contact.views import bp as contact_bp
from shop.extensions import cache, compress, csrf, db, limiter, login_manager, mail, migrate
from shop.formatting import format_amount, format_cfu, meta_description, paragraphs
from shop.journal.admin.views import bp as journal_admin_bp
from shop.journal.views import bp as journal_bp
from shop.mail.admin.views import bp as mail_admin_bp
from shop.money import format_money, format_money_short
from shop.newsletter.admin.views import bp as newsletter_admin_bp
from shop.newsletter.views import bp as newsletter_bp
from shop.numbers import IdConverter
from shop.orders import emails as order_emails
from shop.orders.admin.views import bp as orders_admin_bp
from shop.orders.views import bp as orders_bp
from shop.pagecache import register_page_cache
from shop.pages.views import bp as pages_bp
from shop.payments import customers as payment_customers
from shop.payments.providers import uses_demo_payments
from shop.payments.views import bp as payments_bp
from shop.promotions import subscribers as promotion_subscribers
from shop.promotions.admin.views import bp as promotions_admin_bp
from shop.promotions.commands import create_promo_command
from shop.promotions.views import bp as promotions_bp
from shop.reports.admin.views import bp as reports_admin_bp
from shop.reports.funnel import register_funnel
from shop.reviews.admin.views import bp as reviews_admin_bp
from shop.reviews.commands import send_review_requests_command
from shop.reviews.views import bp as reviews_bp
from shop.security import register_security_headers
from shop.signing import KeptSerializerSessionInterface, generate_csrf
from shop.sitepages.admin.views import bp as sitepages_admin_bp
from shop.sitepages.facts import company_details
from shop.sitepages.views import bp as sitepages_bp
from shop.structured_data import page_breadcrumbs
from shop.subscriptions import billing as subscription_billing
from shop.subscriptions import subscribers as subscription_subscribers
from shop.subscriptions.admin.views import bp as subscriptions_admin_bp
from shop.subscriptions.commands import (
    renew_subscriptions_command,
    send_subscription_reminders_command,
)
from shop.subscriptions.views import bp as subscriptions_bp

log = logging.getLogger(__name__)


def assemble(app: Flask) -> None:
    """Everything an app is made of, in order: extensions, signal subscribers, blueprints,
    template helpers, error pages, commands, security headers, the funnel's counting (on
    signals, and after each product page, cached ones included), then the page cache
    (whose before-request step must run first)."""
    register_extensions(app)
    register_subscribers()
    register_blueprints(app)
    register_assets(app)
    register_template_helpers(app)
    register_errorhandlers(app)
    register_commands(app)
    register_security_headers(app)
    register_funnel(app)
    register_page_cache(app)


def register_extensions(app: Flask) -> None:
    # Flask's signed cookie sessions, their serializer built once per secret key.
    app.session_interface = KeptSerializerSessionInterface()
    # First, so that its after-request step runs last: it compresses the page as it
    # leaves, once the page cache has filled in the visitor's values.
    for name, value in compression_settings().items():
        app.config.setdefault(name, value)
    compress.init_app(app)
    connections.configure(app)
    db.init_app(app)
    connections.register(app)
    transactions.register(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_connection_settings)
    keep_search_text_current()

    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", redis_client_options())
    limiter.init_app(app)
    login_manager.init_app(app)
    _current_user_when_read(app)
    login_manager.login_view = "admin.login"
    login_manager.login_message = "Please sign in to use the back office."
    login_manager.login_message_category = "warning"
    cache.init_app(app, config=cache_settings(app.config))


def _current_user_when_read(app: Flask) -> None:
    """Templates get Flask-Login's `current_user` proxy rather than the user itself.

    Flask-Login's context processor loads the user for every template rendered, and
    with it hashes the visitor's address and browser for its session protection: 50-110
    us of every page the page cache does not answer, though only the back office's
    templates read `current_user`. Through the proxy the user is loaded when a template
    reads it, as views load it; a page rendered for the page cache still gets the
    guarded one (shop.pagecache)."""
    eager = getattr(flask_login.utils, "_user_context_processor", None)
    processors = app.template_context_processors[None]
    processors[:] = [p for p in processors if p is not eager]
    app.jinja_env.globals["current_user"] = current_user


def compression_settings() -> dict:
    """Flask-Compress for what the app renders (pages, JSON, feeds, charts): zstd at
    level 1 for browsers that offer it (Chrome, Edge and Firefox do), else brotli at
    quality 2, else gzip at level 4, chosen by measurement (bench/compression.py; figures
    in bench/RESULTS.md, "Compression" and issue 18's eighth step). A cached page is
    compressed afresh for every visitor (each copy has the visitor's own token), so the
    cost per request counts most: zstd 1 takes about half of brotli 2's time for pages
    1-3% larger, brotli 2 about a third of brotli 4's for pages 5% larger, and brotli 11
    a hundred times as long. Files of `static/` are compressed once at start-up instead
    (shop.assets); pictures are WebP and not compressed again.

    No ETag is made for a page, so Flask-Compress has no conditional request to answer
    (COMPRESS_EVALUATE_CONDITIONAL_REQUEST): assets answer theirs themselves."""
    return {
        "COMPRESS_ALGORITHM": ["zstd", "br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["zstd", "br", "deflate"],
        "COMPRESS_ZSTD_LEVEL": 1,
        "COMPRESS_BR_LEVEL": 2,
        "COMPRESS_LEVEL": 4,
        "COMPRESS_EVALUATE_CONDITIONAL_REQUEST": False,
        "COMPRESS_MIN_SIZE": 1024,
        "COMPRESS_MIMETYPES": [
            "text/html",
            "text/css",
            "text/plain",
            "text/xml",
            "text/javascript",
            "text/csv",
            "application/javascript",
            "application/json",
            "application/xml",
            "application/rss+xml",
            "application/atom+xml",
            "image/svg+xml",
        ],
    }


SQLITE_WAL_LIMIT_BYTES = 64 * 1024 * 1024
SQLITE_MMAP_BYTES = 256 * 1024 * 1024


def _sqlite_connection_settings(dbapi_connection, connection_record) -> None:
    """On SQLite writers take turns for the one write lock: a writer waits up to 30
    seconds for it (the driver's default is 5), so a burst of bookings or checkouts on a
    busy machine queues instead of failing with "database is locked".

    The database file is kept in write-ahead-log mode (the mode stays with the file; an
    in-memory database keeps its own): readers no longer hold up a writer's commit nor
    wait for it, and a commit appends to the log and syncs it once instead of writing,
    syncing and deleting a rollback journal (about a third of the CPU and wall time per
    commit on this machine). The log and its index sit beside the file (`-wal`, `-shm`),
    so the folder must be writable and local, and a copy of a running shop's database is
    made with `sqlite3 shop.sqlite3 ".backup copy.sqlite3"`, not by copying the file.
    Commits still wait for the disk (synchronous stays FULL): an order is not lost to a
    power cut. After a checkpoint the log is cut back to SQLITE_WAL_LIMIT_BYTES.

    Reads go through a memory map of the file (up to SQLITE_MMAP_BYTES) rather than a
    read() per 4 KB page into each connection's own 2 MB page cache: the benchmark's
    catalogue (a 7.6 MB file) did not fit in that cache, so a search, which reads every
    product's search text, read its pages from the file again on every request (1.6 ms of
    CPU against 0.6 ms mapped). The map is the operating system's page cache, shared by
    every worker, not a copy in each."""
    # Switching a file to the log (once, the first time a release with it connects) needs
    # the file to itself for a moment: it waits up to a second for readers to finish, and
    # not at all while another connection holds the write lock (SQLite answers "busy" at
    # once rather than risk a deadlock). Then this connection goes on in the file's old
    # mode and the next one tries again.
    dbapi_connection.execute("PRAGMA busy_timeout = 1000")
    try:
        dbapi_connection.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError as error:
        log.warning("The SQLite file stays in its journal mode for now (%s)", error)
    dbapi_connection.execute("PRAGMA busy_timeout = 30000")
    dbapi_connection.execute(f"PRAGMA journal_size_limit = {SQLITE_WAL_LIMIT_BYTES}")
    dbapi_connection.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")


def redis_client_options() -> dict:
    """How the rate limiter and the page cache talk to Redis: give up within about a
    second and try once more at most (a pooled connection may have gone stale), so a
    Redis that is down or hanging costs a request little; each then carries on without
    it (see shop.pagecache and RATELIMIT_IN_MEMORY_FALLBACK_ENABLED)."""

    return {
        "socket_connect_timeout": 0.5,
        "socket_timeout": 0.5,
        "retry": Retry(NoBackoff(), 1),
    }


def cache_settings(config) -> dict:
    """Flask-Caching's settings: Redis with REDIS_URL (every machine sees one cache),
    else files in CACHE_DIR (every worker on this machine), nothing when turned off."""
    seconds = config["PAGE_CACHE_SECONDS"]
    if seconds <= 0:
        return {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
    settings = {"CACHE_DEFAULT_TIMEOUT": seconds}
    if config.get("REDIS_URL"):
        return settings | {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": config["REDIS_URL"],
            "CACHE_KEY_PREFIX": "shop-cache:",
            "CACHE_OPTIONS": redis_client_options(),
        }
    return settings | {
        "CACHE_TYPE": "FileSystemCache",
        "CACHE_DIR": config["CACHE_DIR"],
        "CACHE_THRESHOLD": 2000,
    }


def register_subscribers() -> None:
    """What acts on the shop's signals (shop.signals): the order emails on order_paid,
    order_shipped and order_refunded; a paid order's promo code use made final; the
    back-in-stock emails on stock_available; the payment provider's records of customers
    on customer_changed and customer_erased; and the handlers of booking payments (a
    payment purpose, shop.payments.purposes). Connecting is for the process, not one
    app, and connecting again changes nothing."""
    order_emails.subscribe()
    promotion_subscribers.subscribe()
    stock_alerts.subscribe()
    payment_customers.subscribe()
    consultation_payments.subscribe()
    subscription_subscribers.subscribe()
    subscription_billing.register()


def register_blueprints(app: Flask) -> None:
    # Before any route is added: every <int:...> in a URL is held to the id columns' range.
    app.url_map.converters["int"] = IdConverter

    app.register_blueprint(pages_bp)
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(cart_bp)
    app.register_blueprint(checkout_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(orders_admin_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(catalogue_admin_bp)
    app.register_blueprint(journal_bp)
    app.register_blueprint(journal_admin_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(comments_admin_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(newsletter_bp)
    app.register_blueprint(newsletter_admin_bp)
    app.register_blueprint(mail_admin_bp)
    app.register_blueprint(reports_admin_bp)
    app.register_blueprint(consultations_bp)
    app.register_blueprint(consultations_admin_bp)
    app.register_blueprint(subscriptions_bp)
    app.register_blueprint(subscriptions_admin_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(reviews_admin_bp)
    app.register_blueprint(alerts_bp)
    app.register_blueprint(promotions_bp)
    app.register_blueprint(promotions_admin_bp)
    app.register_blueprint(sitepages_bp)
    app.register_blueprint(sitepages_admin_bp)
    app.register_blueprint(contact_bp)
    app.register_blueprint(contact_admin_bp)


def register_template_helpers(app: Flask) -> None:

    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["money_short"] = format_money_short
    app.jinja_env.filters["meta_description"] = meta_description
    app.jinja_env.filters["cfu"] = format_cfu
    app.jinja_env.filters["amount"] = format_amount
    app.jinja_env.filters["clinic_time"] = format_clinic_time
    # Templates' links are kept once built (shop.urls.page_url_builder).
    app.jinja_env.globals["url_for"] = urls.page_url_builder(app)
    app.jinja_env.globals["absolute_url"] = urls.absolute_url
    app.jinja_env.globals["page_absolute_url"] = urls.page_absolute_url
    app.jinja_env.globals["canonical_url_of_request"] = urls.canonical_url_of_request
    app.jinja_env.globals["media_url"] = urls.media_url
    app.jinja_env.globals["image_srcset"] = urls.image_srcset
    app.jinja_env.globals["picture_urls"] = urls.picture_urls
    # Footer, terms of sale and order emails (settings: the same for every page).
    app.jinja_env.globals["company"] = company_details(app.config)
    app.jinja_env.globals["page_breadcrumbs"] = page_breadcrumbs
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    app.jinja_env.filters["paragraphs"] = paragraphs
    # The header's and footer's parts that are the same for every visitor (shop.layout).
    app.jinja_env.globals["layout"] = layout.layout
    app.jinja_env.globals["nav_categories"] = layout.nav_categories

    # `csrf_token()` in forms: Flask-WTF's token (the same bytes, the same value in `g`
    # and the session) from a serializer kept per secret key (shop.signing) instead of
    # one built for every page. Flask-WTF puts its own in the context; this one, added
    # after it, takes its place.
    app.jinja_env.globals["csrf_token"] = generate_csrf

    @app.context_processor
    def shop_context() -> dict:
        theme = request.cookies.get("theme") if has_request_context() else None
        return {
            "csrf_token": generate_csrf,
            "shop_name": app.config["SHOP_NAME"],
            "theme": theme if theme in {"light", "dark"} else None,
            # The "demo shop" banner (the page cache keys pages on the provider too).
            "demo_payments": uses_demo_payments(),
        }


def register_errorhandlers(app: Flask) -> None:
    def render_error(error: HTTPException):
        code = error.code or 500
        template = "errors/404.html" if code in (404, 410) else "errors/error.html"
        if request.accept_mimetypes.best == "application/json":
            return {"error": error.name, "message": error.description}, code
        return render_template(template, error=error, code=code), code

    app.register_error_handler(HTTPException, render_error)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return (
            render_template(
                "errors/error.html",
                code=400,
                error=error,
                message="Your form had expired. Please go back, reload the page and try again.",
            ),
            400,
        )

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_template("errors/500.html"), 500


def register_commands(app: Flask) -> None:

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(release_expired_command)
    app.cli.add_command(create_staff_command)
    app.cli.add_command(send_booking_reminders_command)
    app.cli.add_command(send_review_requests_command)
    app.cli.add_command(adjust_stock_command)
    app.cli.add_command(create_promo_command)
    app.cli.add_command(renew_subscriptions_command)
    app.cli.add_command(send_subscription_reminders_command)
