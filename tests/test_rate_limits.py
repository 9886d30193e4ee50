"""The rate limiter counts what it counted before, without its check before every request
while only routes carry limits (shop.extensions.RouteLimiter).

The shop's own routes' limits are tested where their features are (codes sent, contact
messages, stock alerts...). Here: the limiter class itself on a small app of its own,
since a default limit set on the shop's limiter would stay on it for every later app of
the test run."""

import pytest
from flask import Blueprint, Flask
from flask_limiter.util import get_remote_address

from shop.extensions import RouteLimiter, limiter


def small_app(**limiter_options) -> tuple[Flask, RouteLimiter]:
    app = Flask(__name__)
    app.config.update(RATELIMIT_STORAGE_URI="memory://", RATELIMIT_HEADERS_ENABLED=True)
    route_limiter = RouteLimiter(key_func=get_remote_address, **limiter_options)

    @app.get("/limited")
    @route_limiter.limit("2 per minute")
    def limited():
        return "limited"

    @app.get("/open")
    def open_page():
        return "open"

    return app, route_limiter


def statuses(client, path: str, times: int) -> list[int]:
    return [client.get(path).status_code for _ in range(times)]


def test_the_shop_sets_limits_on_routes_only(app):
    """So the check before each request returns at once on the shop (settings that add a
    default limit would bring it back, and the check with it)."""
    with app.app_context():
        assert not limiter.has_limits_outside_routes()
        assert limiter.limit_manager._decorated_limits  # the routes' own are there


def test_a_route_limit_is_counted_and_other_pages_are_not():
    app, route_limiter = small_app()
    route_limiter.init_app(app)
    client = app.test_client()
    assert not route_limiter.has_limits_outside_routes()
    assert statuses(client, "/limited", 3) == [200, 200, 429]
    assert statuses(client, "/open", 5) == [200] * 5
    response = client.get("/limited")
    assert response.status_code == 429
    assert response.headers["X-RateLimit-Limit"] == "2"  # headers as before


@pytest.mark.parametrize("where", ["constructor", "settings"])
def test_default_limits_still_apply_to_every_route(where):
    if where == "constructor":
        app, route_limiter = small_app(default_limits=["3 per minute"])
    else:
        app, route_limiter = small_app()
        app.config["RATELIMIT_DEFAULT"] = "3 per minute"
    route_limiter.init_app(app)
    client = app.test_client()
    assert route_limiter.has_limits_outside_routes()
    assert statuses(client, "/open", 4) == [200, 200, 200, 429]
    assert statuses(client, "/limited", 3) == [200, 200, 429]  # the route's own limit


def test_application_limits_still_apply():
    app, route_limiter = small_app()
    app.config["RATELIMIT_APPLICATION"] = "3 per minute"
    route_limiter.init_app(app)
    client = app.test_client()
    assert statuses(client, "/open", 2) + statuses(client, "/limited", 2) == [200, 200, 200, 429]


def test_a_blueprint_limit_added_after_the_limiter_is_set_up_applies():
    app, route_limiter = small_app()
    route_limiter.init_app(app)
    assert not route_limiter.has_limits_outside_routes()

    shelf = Blueprint("shelf", __name__)

    @shelf.get("/shelf")
    def shelf_page():
        return "shelf"

    route_limiter.limit("2 per minute")(shelf)
    app.register_blueprint(shelf)
    assert route_limiter.has_limits_outside_routes()
    client = app.test_client()
    assert statuses(client, "/shelf", 3) == [200, 200, 429]
    assert statuses(client, "/open", 3) == [200, 200, 200]
