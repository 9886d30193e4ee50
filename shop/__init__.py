"""The shop's application factory."""

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from shop.config import check_settings, demo_company_settings, load_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the shop: settings, extensions, blueprints, errors, commands."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(load_settings(app.instance_path))
    if test_config is not None:
        app.config.from_mapping(test_config)
    check_settings(app.config)
    if app.config["PROXY_COUNT"]:
        # Client addresses (rate limits, login throttling) and https come from the proxy.
        # X-Forwarded-Host is left alone: links are built on SHOP_BASE_URL, so nothing
        # needs the host a request names, and nobody can choose it for us.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if app.config["SHOP_ENV"] == "production" and (demo := demo_company_settings(app.config)):
        logging.getLogger(__name__).warning(
            "The footer, the terms of sale and order emails show the demo's company "
            "details: set %s",
            ", ".join(demo),
        )

    # Imported here, not at the top: this module runs first whenever any `shop.x` is
    # imported (a model in a script, a test factory), and the factory imports every
    # feature and its views. Only an app needs those.
    from shop import factory

    factory.assemble(app)
    return app
