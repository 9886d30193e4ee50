"""Settings come from the environment; production refuses unsafe ones."""

import pytest

import shop.tasks  # noqa: F401 - built from the environment now, before tests here change it
from shop import create_app
from shop.config import (
    DEFAULT_SECRET_KEY,
    ConfigurationError,
    check_settings,
    load_settings,
    payment_provider,
)

# Everything production needs, as an operator would set it (nothing here is contacted
# when the app is created).
PRODUCTION = {
    "SHOP_ENV": "production",
    "SECRET_KEY": "a" * 64,
    "SHOP_BASE_URL": "https://shop.example",
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "MAIL_SERVER": "smtp.example",
    "STRIPE_SECRET_KEY": "sk_live_123",
    "STRIPE_WEBHOOK_SECRET": "whsec_123",
}


def test_settings_are_read_from_the_environment(tmp_path):
    settings = load_settings(
        str(tmp_path),
        {
            "SHOP_ENV": "testing",
            "DATABASE_URL": "postgres://shop:pw@db.internal/shop",
            "SHOP_BASE_URL": "https://shop.example/",
            "MAIL_SERVER": "smtp.example",
            "MAIL_PORT": "587",
            "MAIL_USE_TLS": "true",
            "REDIS_URL": "redis://cache:6379/0",
            "STRIPE_SECRET_KEY": "sk_test_123",
        },
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://shop:pw@db.internal/shop"
    assert settings["SHOP_BASE_URL"] == "https://shop.example"
    assert settings["MAIL_PORT"] == 587 and settings["MAIL_USE_TLS"] is True
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    # Redis away: limits are counted in each process's memory until it answers.
    assert settings["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True
    assert settings["STRIPE_SECRET_KEY"] == "sk_test_123"


def test_development_defaults_need_nothing_installed(tmp_path):
    settings = load_settings(str(tmp_path), {})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    assert settings["MAIL_SERVER"] is None
    assert settings["STRIPE_SECRET_KEY"] is None
    assert settings["SESSION_COOKIE_SECURE"] is False
    # Links point at what `make run` serves, never at the request's Host.
    assert settings["SHOP_BASE_URL"] == "http://127.0.0.1:5000"
    assert payment_provider(settings) == "demo"
    assert settings["STAFF_IDLE_MINUTES"] == 30 and settings["STAFF_SESSION_HOURS"] == 12
    check_settings(settings)


def test_bad_numbers_are_reported_clearly(tmp_path):
    with pytest.raises(ConfigurationError, match="whole number"):
        load_settings(str(tmp_path), {"MAIL_PORT": "twenty-five"})


@pytest.mark.parametrize("secret", [None, DEFAULT_SECRET_KEY, "short"])
def test_production_refuses_a_default_or_weak_secret_key(monkeypatch, tmp_path, secret):
    monkeypatch.setenv("SHOP_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite3'}")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_a_real_secret_and_secure_cookies(monkeypatch, tmp_path):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite3'}")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["PREFERRED_URL_SCHEME"] == "https"


def test_pages_are_cached_in_production_only_unless_told(tmp_path):
    from shop.factory import cache_settings

    production = load_settings(str(tmp_path), {"SHOP_ENV": "production"})
    development = load_settings(str(tmp_path), {"SHOP_ENV": "development"})
    assert production["PAGE_CACHE_SECONDS"] == 60
    assert development["PAGE_CACHE_SECONDS"] == 0
    assert cache_settings(development)["CACHE_TYPE"] == "NullCache"
    # One machine's workers share files; with Redis every machine shares one cache.
    assert cache_settings(production)["CACHE_TYPE"] == "FileSystemCache"
    assert cache_settings(production)["CACHE_DIR"] == str(tmp_path / "cache")
    shared = load_settings(
        str(tmp_path), {"SHOP_ENV": "production", "REDIS_URL": "redis://cache:6379/0"}
    )
    assert cache_settings(shared)["CACHE_TYPE"] == "RedisCache"
    assert cache_settings(shared)["CACHE_REDIS_URL"] == "redis://cache:6379/0"
    # A Redis that hangs costs a request about a second at most, never redis-py's retries.
    options = cache_settings(shared)["CACHE_OPTIONS"]
    assert options["socket_connect_timeout"] <= 0.5 and options["socket_timeout"] <= 0.5
    assert options["retry"].get_retries() <= 1
    told = load_settings(str(tmp_path), {"SHOP_ENV": "development", "PAGE_CACHE_SECONDS": "30"})
    assert cache_settings(told)["CACHE_DEFAULT_TIMEOUT"] == 30


# Production fails closed -------------------------------------------------------------


def production_settings(tmp_path, **changes) -> dict:
    """load_settings for PRODUCTION with `changes` (None leaves a variable unset)."""
    environ = {k: v for k, v in (PRODUCTION | changes).items() if v is not None}
    return load_settings(str(tmp_path), environ)


def refusal(settings) -> str:
    with pytest.raises(ConfigurationError) as raised:
        check_settings(settings)
    return str(raised.value)


def test_production_with_every_setting_uses_stripe(tmp_path):
    settings = production_settings(tmp_path)
    check_settings(settings)
    assert payment_provider(settings) == "stripe"


@pytest.mark.parametrize(
    ("unset", "named", "why"),
    [
        ("SHOP_BASE_URL", "SHOP_BASE_URL", "never on the Host header"),
        ("REDIS_URL", "REDIS_URL", "shared by every worker"),
        ("MAIL_SERVER", "MAIL_SERVER", "no order confirmation"),
        ("STRIPE_SECRET_KEY", "STRIPE_SECRET_KEY", "PAYMENT_PROVIDER=demo"),
    ],
)
def test_production_refuses_to_start_without_each_setting(tmp_path, unset, named, why):
    message = refusal(production_settings(tmp_path, **{unset: None}))
    assert named in message and why in message


def test_production_names_every_missing_setting_at_once(tmp_path):
    message = refusal(load_settings(str(tmp_path), {"SHOP_ENV": "production"}))
    names = ("SECRET_KEY", "SHOP_BASE_URL", "STRIPE_SECRET_KEY and", "REDIS_URL", "MAIL_SERVER")
    for start in names:
        assert f"- {start}" in message, start


def test_a_misspelt_stripe_key_does_not_turn_production_into_a_demo(tmp_path):
    settings = production_settings(tmp_path, STRIPE_SECRET_KEY=None, STRIPE_SECRET="sk_live_1")
    assert "STRIPE_SECRET_KEY" in refusal(settings)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"PAYMENT_PROVIDER": "stripe", "STRIPE_SECRET_KEY": None}, "STRIPE_SECRET_KEY"),
        ({"PAYMENT_PROVIDER": "stripe", "STRIPE_WEBHOOK_SECRET": None}, "STRIPE_WEBHOOK_SECRET"),
        ({"STRIPE_WEBHOOK_SECRET": None}, "STRIPE_WEBHOOK_SECRET"),
        ({"PAYMENT_PROVIDER": "paypal"}, "PAYMENT_PROVIDER must be one of stripe, demo"),
        ({"SHOP_BASE_URL": "http://shop.example"}, "https://host"),
        ({"SHOP_BASE_URL": "shop.example"}, "https://host"),
        ({"SHOP_BASE_URL": "https://shop.example/shop"}, "no path"),
    ],
)
def test_production_refuses_unsafe_payment_and_address_settings(tmp_path, changes, named):
    assert named in refusal(production_settings(tmp_path, **changes))


def test_production_takes_demo_payments_only_when_told(tmp_path):
    settings = production_settings(
        tmp_path, PAYMENT_PROVIDER="demo", STRIPE_SECRET_KEY=None, STRIPE_WEBHOOK_SECRET=None
    )
    check_settings(settings)
    assert payment_provider(settings) == "demo"
    # Told demo, it stays demo even with Stripe keys about.
    assert payment_provider(production_settings(tmp_path, PAYMENT_PROVIDER="Demo")) == "demo"


def test_development_refuses_only_what_cannot_work(tmp_path):
    # An unknown provider, or Stripe chosen without a key, fails in any profile ...
    for changes in ({"PAYMENT_PROVIDER": "paypal"}, {"PAYMENT_PROVIDER": "stripe"}):
        with pytest.raises(ConfigurationError, match="PAYMENT_PROVIDER|STRIPE_SECRET_KEY"):
            check_settings(load_settings(str(tmp_path), changes))
    # ... while a key alone means Stripe, and a webhook secret can wait.
    settings = load_settings(str(tmp_path), {"STRIPE_SECRET_KEY": "sk_test_1"})
    check_settings(settings)
    assert payment_provider(settings) == "stripe"


def test_the_app_refuses_a_base_url_taken_away(app_factory):
    with pytest.raises(ConfigurationError, match="SHOP_BASE_URL must be set"):
        app_factory(SHOP_BASE_URL=None)


def test_mail_settings_have_defaults_and_are_read_from_the_environment(tmp_path):
    defaults = load_settings(str(tmp_path), {})
    assert defaults["MAIL_TIMEOUT"] == 10
    assert defaults["MAIL_KEEP_DAYS"] == 30
    assert defaults["NEWSLETTER_UNSUBSCRIBE_MAILTO"] is None
    settings = load_settings(
        str(tmp_path),
        {
            "MAIL_TIMEOUT": "3",
            "MAIL_KEEP_DAYS": "0",
            "NEWSLETTER_UNSUBSCRIBE_MAILTO": "leave@shop.example",
        },
    )
    assert settings["MAIL_TIMEOUT"] == 3
    assert settings["MAIL_KEEP_DAYS"] == 0
    assert settings["NEWSLETTER_UNSUBSCRIBE_MAILTO"] == "leave@shop.example"


def test_production_warns_at_start_up_while_the_company_details_are_the_demo_s(
    monkeypatch, tmp_path, caplog
):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite3'}")
    with caplog.at_level("WARNING", logger="shop"):
        create_app()
    assert "COMPANY_NUMBER" in caplog.text and "CONTACT_EMAIL" in caplog.text

    caplog.clear()
    for name, value in {
        "COMPANY_LEGAL_NAME": "Flora and Barrier Limited",
        "COMPANY_ADDRESS": "2 Real Street|Leeds|LS1 1AA",
        "COMPANY_NUMBER": "12345678",
        "COMPANY_VAT_NUMBER": "GB 987 6543 21",
        "CONTACT_EMAIL": "help@floraandbarrier.co.uk",
    }.items():
        monkeypatch.setenv(name, value)
    with caplog.at_level("WARNING", logger="shop"):
        create_app()
    assert "company details" not in caplog.text


def test_the_wsgi_entry_point_freezes_what_starting_up_made(tmp_path):
    """gunicorn's `wsgi:app` leaves what start-up made out of the garbage collector's
    full collections (gc.freeze): every worker walks only what requests made."""
    import subprocess
    import sys
    from pathlib import Path

    env = {
        **PRODUCTION,
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shop.sqlite3'}",
    }
    code = "import gc, wsgi; print(gc.get_freeze_count(), wsgi.app.name)"
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    frozen, name = done.stdout.split()
    assert name == "shop" and int(frozen) > 50_000
