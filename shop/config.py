"""Settings read from the environment.

Every setting the shop reads is listed here, with its default for a
developer's machine. `SHOP_ENV` chooses the profile: `development` (the
default for `flask --app shop ...`), `production` (the default for `wsgi.py`)
or `testing`. In development a `.env` file in the working directory is read
first; it never overrides a variable that is already set.
"""

import json
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

DEFAULT_SECRET_KEY = "dev-only-change-me"  # noqa: S105 - refused in production
# What `make run` serves: absolute links point here in development unless told otherwise.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
PAYMENT_PROVIDERS = ("stripe", "demo")


# The business behind the shop as the demo has it: the footer, the terms of sale and the
# order emails show these until the real ones are set (see demo_company_settings).
DEMO_COMPANY = {
    "COMPANY_LEGAL_NAME": "Flora & Barrier Ltd",
    "COMPANY_ADDRESS": "Unit 4, Example Business Park|Oxford Road|Manchester|M1 1AA",
    "COMPANY_NUMBER": "01234567",
    "COMPANY_VAT_NUMBER": "GB 123 4567 89",
    "CONTACT_EMAIL": "hello@example.com",
}


class ConfigurationError(RuntimeError):
    """Raised when the shop would run unsafely with the settings it was given."""


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError as exc:
        raise ConfigurationError(f"expected a whole number, got {value!r}") from exc


def normalise_database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


DEFAULT_SHIPPING_OPTIONS = [
    {
        "code": "standard",
        "name": "Standard UK delivery",
        "price_pence": 395,
        "free_from_pence": 4000,
        "min_days": 2,
        "max_days": 4,
    },
    {
        "code": "express",
        "name": "Express UK delivery",
        "price_pence": 695,
        "free_from_pence": None,
        "min_days": 1,
        "max_days": 1,
    },
]


def _shipping_options(value: str | None) -> list[dict]:
    """Delivery options: the defaults, or a JSON list of objects shaped like them."""
    if not value:
        return [dict(option) for option in DEFAULT_SHIPPING_OPTIONS]
    try:
        options = json.loads(value)
        for option in options:
            option.setdefault("free_from_pence", None)
            option.setdefault("min_days", 2)
            option.setdefault("max_days", 4)
            if not (option["code"] and option["name"] and int(option["price_pence"]) >= 0):
                raise ValueError
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigurationError(
            "SHIPPING_OPTIONS must be a JSON list of objects with code, name and price_pence"
        ) from exc
    if not options:
        raise ConfigurationError("SHIPPING_OPTIONS needs at least one option")
    return options


def load_settings(instance_path: str, environ: os._Environ | dict | None = None) -> dict:
    """Build the app's settings from `environ` (the process environment by default)."""
    env = os.environ if environ is None else environ
    shop_env = env.get("SHOP_ENV", "development").strip().lower() or "development"
    if shop_env == "development" and environ is None:
        load_dotenv(Path.cwd() / ".env", override=False)

    instance = Path(instance_path)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'shop.sqlite3'}"
    production = shop_env == "production"
    mail_server = env.get("MAIL_SERVER") or None
    redis_url = env.get("REDIS_URL") or None

    return {
        "SHOP_ENV": shop_env,
        "SECRET_KEY": env.get("SECRET_KEY") or DEFAULT_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        # pool_pre_ping: shop.connections.configure chooses it for the database in use.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # Every absolute link (emails, feeds, sitemap, canonical, Stripe's return pages) is
        # built on this, never on the request's Host; production has no default.
        "SHOP_BASE_URL": (env.get("SHOP_BASE_URL") or "").rstrip("/")
        or (None if production else DEVELOPMENT_BASE_URL),
        "SHOP_NAME": env.get("SHOP_NAME") or "Flora & Barrier",
        # The business behind the shop, as UK law asks a shop to show it (footer, terms of
        # sale, order emails). The defaults are a demo's: set the real ones.
        "COMPANY_LEGAL_NAME": env.get("COMPANY_LEGAL_NAME") or DEMO_COMPANY["COMPANY_LEGAL_NAME"],
        # One line per part of the address; "|" separates lines in the variable.
        "COMPANY_ADDRESS": env.get("COMPANY_ADDRESS") or DEMO_COMPANY["COMPANY_ADDRESS"],
        # Companies House
        "COMPANY_NUMBER": env.get("COMPANY_NUMBER") or DEMO_COMPANY["COMPANY_NUMBER"],
        "COMPANY_REGISTERED_IN": env.get("COMPANY_REGISTERED_IN") or "England and Wales",
        "COMPANY_VAT_NUMBER": env.get("COMPANY_VAT_NUMBER") or DEMO_COMPANY["COMPANY_VAT_NUMBER"],
        # Where customers write to, and where the contact form's messages are sent.
        "CONTACT_EMAIL": env.get("CONTACT_EMAIL") or DEMO_COMPANY["CONTACT_EMAIL"],
        "MEDIA_ROOT": env.get("MEDIA_ROOT") or str(instance / "media"),
        "LOW_STOCK_THRESHOLD": _int(env.get("LOW_STOCK_THRESHOLD"), 5),
        "STOCK_LEAD_DAYS": _int(env.get("STOCK_LEAD_DAYS"), 21),
        "PRODUCTS_PER_PAGE": _int(env.get("PRODUCTS_PER_PAGE"), 12),
        "SHIPPING_OPTIONS": _shipping_options(env.get("SHIPPING_OPTIONS")),
        # Days a shopper has to send back what they bought (the 14-day right to cancel a
        # distance sale): product pages and their structured data say so.
        "RETURN_WINDOW_DAYS": _int(env.get("RETURN_WINDOW_DAYS"), 14),
        "CART_LIFETIME_DAYS": _int(env.get("CART_LIFETIME_DAYS"), 30),
        # Unpaid checkouts (stock held for 31 minutes each) one client address may have
        # open at once; 0 for no limit.
        "CHECKOUT_OPEN_PER_CLIENT": _int(env.get("CHECKOUT_OPEN_PER_CLIENT"), 3),
        "PERMANENT_SESSION_LIFETIME": timedelta(days=_int(env.get("CART_LIFETIME_DAYS"), 30)),
        # Payments: `stripe` or `demo`; unset means stripe when a secret key is set, else demo
        # (see payment_provider; production refuses to guess).
        "PAYMENT_PROVIDER": (env.get("PAYMENT_PROVIDER") or "").strip().lower() or None,
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE") or None,
        # Mail: without MAIL_SERVER, mail is logged and written to the outbox folder.
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": _int(env.get("MAIL_PORT"), 25),
        "MAIL_USE_TLS": _flag(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _flag(env.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER") or "shop@localhost",
        "MAIL_OUTBOX_DIR": str(instance / "outbox"),
        "MAIL_SUPPRESS_SEND": False,
        # Seconds each SMTP step (connect, every command and answer) may take.
        "MAIL_TIMEOUT": _int(env.get("MAIL_TIMEOUT"), 10),
        # Days a sent email stays in the outbox (0 keeps them for ever).
        "MAIL_KEEP_DAYS": _int(env.get("MAIL_KEEP_DAYS"), 30),
        # Shared state for many workers
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Redis away: count in this process's memory (logged) until it answers again.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        # Whole catalogue and journal pages kept for visitors (0 turns caching off);
        # in Redis with REDIS_URL, else in files under CACHE_DIR shared by one machine's workers.
        "PAGE_CACHE_SECONDS": _int(env.get("PAGE_CACHE_SECONDS"), 60 if production else 0),
        "CACHE_DIR": env.get("CACHE_DIR") or str(instance / "cache"),
        # Staff sessions end after this long without a request, or this long after signing in.
        "STAFF_IDLE_MINUTES": _int(env.get("STAFF_IDLE_MINUTES"), 30),
        "STAFF_SESSION_HOURS": _int(env.get("STAFF_SESSION_HOURS"), 12),
        # Days staff sign-in attempts (email typed, client address, time) are kept.
        "SIGN_IN_ATTEMPTS_KEEP_DAYS": _int(env.get("SIGN_IN_ATTEMPTS_KEEP_DAYS"), 90),
        # Customer accounts: how long a sign-in lasts, and how often codes may be asked
        # for (per client address, per email address) and typed (per client address).
        "CUSTOMER_SESSION_DAYS": _int(env.get("CUSTOMER_SESSION_DAYS"), 30),
        "ACCOUNT_CODE_IP_LIMIT": env.get("ACCOUNT_CODE_IP_LIMIT") or "10 per minute;50 per hour",
        "ACCOUNT_CODE_EMAIL_LIMIT": env.get("ACCOUNT_CODE_EMAIL_LIMIT") or "5 per hour",
        "ACCOUNT_CODE_CHECK_IP_LIMIT": env.get("ACCOUNT_CODE_CHECK_IP_LIMIT")
        or "20 per minute;100 per hour",
        # Comments: per account, and the least time a person takes to write one.
        "COMMENT_ACCOUNT_LIMIT": env.get("COMMENT_ACCOUNT_LIMIT") or "5 per 10 minutes;30 per day",
        "COMMENT_MIN_FILL_SECONDS": _int(env.get("COMMENT_MIN_FILL_SECONDS"), 3),
        # Consultations: a booking can be moved or cancelled with a full refund until this
        # many hours before it starts; a picked slot is held this long for the shopper's
        # details (then for the payment window); slots open this far ahead, and no sooner
        # than the notice; health notes are erased this many days after the session.
        "BOOKING_CHANGE_HOURS": _int(env.get("BOOKING_CHANGE_HOURS"), 24),
        "BOOKING_HOLD_MINUTES": _int(env.get("BOOKING_HOLD_MINUTES"), 15),
        "BOOKING_NOTICE_HOURS": _int(env.get("BOOKING_NOTICE_HOURS"), 12),
        "BOOKING_DAYS_AHEAD": _int(env.get("BOOKING_DAYS_AHEAD"), 28),
        "BOOKING_NOTES_KEEP_DAYS": _int(env.get("BOOKING_NOTES_KEEP_DAYS"), 90),
        # Slots one client address may hold (pick) in a while.
        "BOOKING_HOLD_IP_LIMIT": env.get("BOOKING_HOLD_IP_LIMIT") or "10 per 10 minutes;30 per day",
        # Reviews: the request goes this many days after an order ships; its links
        # work this long; helpful votes one client address may cast; reviews per page.
        "REVIEW_REQUEST_DAYS": _int(env.get("REVIEW_REQUEST_DAYS"), 10),
        "REVIEW_LINK_DAYS": _int(env.get("REVIEW_LINK_DAYS"), 90),
        "REVIEW_VOTE_LIMIT": env.get("REVIEW_VOTE_LIMIT") or "10 per minute;60 per hour",
        "REVIEWS_PER_PAGE": _int(env.get("REVIEWS_PER_PAGE"), 5),
        # Back-in-stock alerts: how long a request waits, and how often one may be made
        # from one client address and for one email address.
        "STOCK_ALERT_DAYS": _int(env.get("STOCK_ALERT_DAYS"), 90),
        "STOCK_ALERT_IP_LIMIT": env.get("STOCK_ALERT_IP_LIMIT") or "10 per minute;60 per hour",
        "STOCK_ALERT_EMAIL_LIMIT": env.get("STOCK_ALERT_EMAIL_LIMIT") or "5 per hour",
        # The contact form: messages one client address and one email address may send
        # (its bot checks are the newsletter's: NEWSLETTER_MIN_FILL_SECONDS, _FORM_MAX_AGE),
        # and days a message is kept after it was last answered or closed (0: for ever).
        "CONTACT_IP_LIMIT": env.get("CONTACT_IP_LIMIT") or "5 per minute;20 per hour",
        "CONTACT_EMAIL_LIMIT": env.get("CONTACT_EMAIL_LIMIT") or "5 per hour",
        "CONTACT_KEEP_DAYS": _int(env.get("CONTACT_KEEP_DAYS"), 365),
        # Subscribe & save: the discount on subscribed deliveries when a product sets
        # none, and how many days before a renewal its reminder email goes.
        "SUBSCRIBE_DISCOUNT_PERCENT": _int(env.get("SUBSCRIBE_DISCOUNT_PERCENT"), 15),
        "SUBSCRIPTION_REMINDER_DAYS": _int(env.get("SUBSCRIPTION_REMINDER_DAYS"), 3),
        # Newsletter (sent by the task queue: see shop/tasks.py)
        "NEWSLETTER_LIST_ID": env.get("NEWSLETTER_LIST_ID") or None,  # newsletter.<host>
        "NEWSLETTER_SENDER": env.get("NEWSLETTER_SENDER") or None,  # MAIL_DEFAULT_SENDER
        # A mailbox someone reads, offered as a second way to unsubscribe (mailto:).
        "NEWSLETTER_UNSUBSCRIBE_MAILTO": env.get("NEWSLETTER_UNSUBSCRIBE_MAILTO") or None,
        # The welcome code's percentage off, in the email after confirming (0: none).
        "NEWSLETTER_WELCOME_PERCENT": _int(env.get("NEWSLETTER_WELCOME_PERCENT"), 10),
        "NEWSLETTER_CONFIRM_MAX_AGE": _int(env.get("NEWSLETTER_CONFIRM_MAX_AGE"), 7 * 86400),
        "NEWSLETTER_MIN_FILL_SECONDS": _int(env.get("NEWSLETTER_MIN_FILL_SECONDS"), 3),
        "NEWSLETTER_FORM_MAX_AGE": _int(env.get("NEWSLETTER_FORM_MAX_AGE"), 86400),
        "NEWSLETTER_SIGNUP_IP_LIMIT": env.get("NEWSLETTER_SIGNUP_IP_LIMIT")
        or "10 per minute;60 per hour",
        "NEWSLETTER_SIGNUP_EMAIL_LIMIT": env.get("NEWSLETTER_SIGNUP_EMAIL_LIMIT") or "5 per hour",
        "NEWSLETTER_RETRY_DELAY_SECONDS": _int(env.get("NEWSLETTER_RETRY_DELAY_SECONDS"), 300),
        "NEWSLETTER_STALE_SENDING_SECONDS": _int(env.get("NEWSLETTER_STALE_SENDING_SECONDS"), 600),
        # Cookies
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # How many proxies (load balancer, nginx) stand in front of the app and set
        # X-Forwarded-For/-Proto. 0 trusts none of those headers; X-Forwarded-Host is never
        # trusted (links are built on SHOP_BASE_URL).
        "PROXY_COUNT": _int(env.get("PROXY_COUNT"), 0),
        "WTF_CSRF_TIME_LIMIT": None,
    }


def payment_provider(config) -> str:
    """The payment provider in use: PAYMENT_PROVIDER when set, else `stripe` when a Stripe
    secret key is set, else `demo`. The one place that decides."""
    chosen = config.get("PAYMENT_PROVIDER")
    if chosen:
        return chosen
    return "stripe" if config.get("STRIPE_SECRET_KEY") else "demo"


def _base_url_problem(url: str | None, production: bool) -> str | None:
    if not url:
        if production:
            return (
                "SHOP_BASE_URL must be set in production to the shop's public address "
                "(for example https://shop.example): every link in emails, feeds, the "
                "sitemap and Stripe's return pages is built on it, never on the Host "
                "header a visitor sends"
            )
        return "SHOP_BASE_URL must be set: absolute links are built on it"
    parts = urlsplit(url)
    schemes = ("https",) if production else ("http", "https")
    if (
        parts.scheme not in schemes
        or not parts.hostname
        or parts.username
        or parts.password
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        wanted = "https://host" if production else "http(s)://host"
        return (
            f"SHOP_BASE_URL must be the shop's address as {wanted}[:port], with no path, "
            f"got {url!r}"
        )
    return None


def _payment_problems(config, production: bool) -> list[str]:
    chosen = config.get("PAYMENT_PROVIDER")
    if chosen and chosen not in PAYMENT_PROVIDERS:
        return [f"PAYMENT_PROVIDER must be one of {', '.join(PAYMENT_PROVIDERS)}, got {chosen!r}"]
    if chosen == "demo":
        return []
    if not chosen and not config.get("STRIPE_SECRET_KEY"):
        if production:
            return [
                "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set in production, so "
                "orders are paid for through Stripe; for a staging or demo site where nobody "
                "pays, set PAYMENT_PROVIDER=demo instead (every page then says so)"
            ]
        return []
    problems = []
    if not config.get("STRIPE_SECRET_KEY"):
        problems.append("STRIPE_SECRET_KEY must be set when PAYMENT_PROVIDER is stripe")
    if production and not config.get("STRIPE_WEBHOOK_SECRET"):
        problems.append(
            "STRIPE_WEBHOOK_SECRET must be set in production with Stripe: without it no "
            "payment event is accepted, so orders paid by delayed methods are never marked paid"
        )
    return problems


def configuration_problems(config) -> list[str]:
    """Everything about `config` that is unsafe for its profile, one sentence each."""
    production = config.get("SHOP_ENV") == "production"
    problems = []
    if production:
        key = config.get("SECRET_KEY") or ""
        if key == DEFAULT_SECRET_KEY or len(key) < 16:
            problems.append(
                "SECRET_KEY must be set to a long random value in production "
                '(for example: python -c "import secrets; print(secrets.token_hex(32))")'
            )
    base_url = _base_url_problem(config.get("SHOP_BASE_URL"), production)
    if base_url:
        problems.append(base_url)
    problems += _payment_problems(config, production)
    if production and not config.get("REDIS_URL"):
        problems.append(
            "REDIS_URL must be set in production: rate limits (sign-in, signups, checkout), "
            "the task queue and the page cache must be shared by every worker, or each "
            "worker counts and caches on its own"
        )
    if production and not config.get("MAIL_SERVER"):
        problems.append(
            "MAIL_SERVER must be set in production: without it no order confirmation, "
            "shipping note, refund or newsletter email reaches anyone (it is only written "
            "to the instance folder)"
        )
    return problems


def demo_company_settings(config) -> list[str]:
    """The company settings still at the demo's values. Not a reason to refuse to start
    (the business's details are not a secret, and a shop may open before its VAT number
    arrives), but production logs them at start-up and the dashboard shows them to
    administrators, since customers read them in the footer, the terms and their emails."""
    return [name for name, demo in DEMO_COMPANY.items() if config.get(name) == demo]


def check_settings(config) -> None:
    """Refuse to start with settings that are unsafe for the chosen profile, naming each."""
    problems = configuration_problems(config)
    if len(problems) == 1:
        raise ConfigurationError(problems[0])
    if problems:
        raise ConfigurationError(
            "The shop cannot start with these settings:\n" + "\n".join(f"- {p}" for p in problems)
        )
