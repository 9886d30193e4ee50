"""The shop's application factory."""

import logging
from inspect import CO_COROUTINE
from pathlib import Path
from types import FunctionType, MappingProxyType, MethodType

from flask import Flask
from flask.templating import Environment
from jinja2.runtime import Context, Macro
from werkzeug.middleware.proxy_fix import ProxyFix

from shop.config import check_settings, demo_company_settings, load_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ShopContext(Context):
    """Jinja's template context, with a shorter way to call a plain function or macro.

    A template calls every global function and macro through `Context.call`, which first
    asks the callable, and its `__call__`, whether it wants the context, the evaluation
    context or the environment passed in (`pass_context` and its kin mark a function so),
    in Python, on every call: about 2 us a call on this machine, and a listing makes a
    hundred such calls (links, pictures, cards). A plain function without the mark, or a
    macro (neither ever takes one), is called here as Jinja would call it, without
    asking; anything else (a marked function, a callable object, a method) goes through
    Jinja's own `call`."""

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        if __debug__:
            __traceback_hide__ = True  # noqa: F841 (hides this frame in template tracebacks)
        kind = type(__obj)
        if kind is Macro or (kind is FunctionType and "jinja_pass_arg" not in __obj.__dict__):
            if kwargs:  # what Jinja hands a call only for functions that take the context
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception"
                )
        return super().call(__obj, *args, **kwargs)


class ShopTemplates(Environment):
    """Flask's Jinja environment, whose templates read its globals through a read-only
    view of them instead of a ChainMap over them.

    Jinja gives each template a ChainMap of its own globals (none, for every template
    the shop loads) over the environment's, so that changing a template's globals leaves
    the others alone. A ChainMap is Python code, and Jinja goes through every key of it
    for each `{% from ... import %}` (45 us each on this machine: a product page has two,
    an article three) and copies it key by key into each render's and include's context.
    A template without globals of its own gets `MappingProxyType(self.globals)` instead:
    as live as the ChainMap (a global added later shows), as safe (it cannot be written
    through: that raises), and read in C. One with globals of its own (`get_template(name,
    globals=...)`, which the shop never calls) keeps Jinja's ChainMap.

    Its templates' contexts are ShopContext."""

    context_class = ShopContext

    def make_globals(self, d):
        if not d:
            return MappingProxyType(self.globals)
        return super().make_globals(d)


class Shop(Flask):
    """Flask, with a cheaper look at whether a view or hook is `async def`, and the
    shop's Jinja environment (ShopTemplates).

    Flask asks `ensure_sync` that of every view, hook and teardown function it calls,
    about fifteen times a request, cached pages included, and inspect's
    `iscoroutinefunction` took 0.5 us a time (8 us of a request served from the cache, 2%
    of it). A plain function or method whose code is not a coroutine's is returned as it
    is, as Flask would; anything else (a partial, a callable object, an `async def`, a
    function marked as a coroutine function) goes to Flask's own check."""

    jinja_environment = ShopTemplates

    def ensure_sync(self, func):
        plain = func.__func__ if type(func) is MethodType else func
        if (
            type(plain) is FunctionType
            and not plain.__code__.co_flags & CO_COROUTINE
            and "_is_coroutine_marker" not in plain.__dict__  # inspect.markcoroutinefunction
        ):
            return func
        return super().ensure_sync(func)


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the shop: settings, extensions, blueprints, errors, commands."""
    app = Shop(
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
