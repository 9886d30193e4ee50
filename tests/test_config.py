"""Settings come from the environment; production refuses unsafe ones."""

import pytest

from shop import create_app
from shop.config import DEFAULT_SECRET_KEY, ConfigurationError, load_settings


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
    assert settings["STRIPE_SECRET_KEY"] == "sk_test_123"


def test_development_defaults_need_nothing_installed(tmp_path):
    settings = load_settings(str(tmp_path), {})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    assert settings["MAIL_SERVER"] is None
    assert settings["STRIPE_SECRET_KEY"] is None
    assert settings["SESSION_COOKIE_SECURE"] is False


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
    monkeypatch.setenv("SHOP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a" * 64)
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
    told = load_settings(str(tmp_path), {"SHOP_ENV": "development", "PAGE_CACHE_SECONDS": "30"})
    assert cache_settings(told)["CACHE_DEFAULT_TIMEOUT"] == 30


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
