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
limiter = Limiter(key_func=get_remote_address)
login_manager = LoginManager()
cache = Cache()  # pages and fragments; set up by shop.factory.cache_settings
compress = Compress()  # HTML, JSON, XML and SVG answers: see shop.factory.compression_settings


def database_kind() -> str:
    """The name of the shop's database ("postgresql", "sqlite"). Statements that differ
    between the two (upserts, locks, a LATERAL join) are chosen, or built once, per kind."""
    return db.session.get_bind().dialect.name
