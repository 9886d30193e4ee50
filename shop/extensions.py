"""Extension objects, created unbound and initialised in the app factory."""

from flask_caching import Cache
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic can create, compare and drop them the
# same way on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
mail = Mail()


class RouteLimiter(Limiter):
    """Flask-Limiter, with its check before every request made only when there is
    something for it to count.

    That check looks for default, application and blueprint limits. The shop sets none:
    its limits are its routes' own (`limiter.limit` on a view), which their decorators
    check when the view runs. So on every page the page cache does not serve, the check
    found nothing to count, at about 60 us of CPU on the benchmark's machine. It now
    returns at once while there are none of those limits, and runs as before as soon
    as there are: RATELIMIT_DEFAULT or RATELIMIT_APPLICATION in settings, or a limit
    put on a blueprint, even after the app is made.

    `_check_request_limit` and the limit manager's lists are Flask-Limiter's own, not
    its public API: tests/test_rate_limits.py shows what a new version must keep (each
    kind of limit still answers 429)."""

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        if in_middleware and not self.has_limits_outside_routes():
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def has_limits_outside_routes(self) -> bool:
        """Whether any limit applies to requests beyond a route's own: defaults, the
        application's, or a blueprint's."""
        manager = self.limit_manager
        return bool(
            manager._default_limits or manager._application_limits or manager._blueprint_limits
        )


limiter = RouteLimiter(key_func=get_remote_address)
login_manager = LoginManager()
cache = Cache()  # pages and fragments; set up by shop.factory.cache_settings
compress = Compress()  # HTML, JSON, XML and SVG answers: see shop.factory.compression_settings


def database_kind() -> str:
    """The name of the shop's database ("postgresql", "sqlite"). Statements that differ
    between the two (upserts, locks, a LATERAL join) are chosen, or built once, per kind."""
    return db.session.get_bind().dialect.name
