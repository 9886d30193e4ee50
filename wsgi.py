"""Entry point for gunicorn: `gunicorn wsgi:app`. Runs the production profile by default."""

import os

os.environ.setdefault("SHOP_ENV", "production")

from shop import create_app  # noqa: E402

app = create_app()
