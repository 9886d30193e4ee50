"""The shop's Flask class (shop.Shop): its cheaper `ensure_sync` answers as Flask's does;
its templates read the environment's globals through a read-only live view
(shop.ShopTemplates) and call functions and macros as Jinja's own context would
(shop.ShopContext)."""

import functools
import inspect
import sys

import pytest
from flask import Flask, render_template_string
from jinja2 import DictLoader, Environment, pass_context, pass_environment, pass_eval_context
from jinja2.runtime import Context

from shop import Shop, ShopContext, ShopTemplates


class Hooks:
    def method(self):
        return "method"

    async def coroutine_method(self):
        return "coroutine method"

    def __call__(self):
        return "callable object"


def function():
    return "function"


async def coroutine_function():
    return "coroutine function"


async def coroutine_generator():
    yield "generator"


def marked():
    return "marked"


if sys.version_info >= (3, 12):
    inspect.markcoroutinefunction(marked)

KINDS = {
    "function": function,
    "method": Hooks().method,
    "callable object": Hooks(),
    "partial": functools.partial(function),
    "lambda": lambda: "lambda",
    "builtin": len,
    "async def": coroutine_function,
    "async method": Hooks().coroutine_method,
    "partial of async def": functools.partial(coroutine_function),
    "async generator": coroutine_generator,
    "marked as a coroutine function": marked,
}


def outcome(app: Flask, func):
    try:
        return "as it is" if app.ensure_sync(func) is func else "wrapped"
    except RuntimeError as error:  # no asgiref: Flask refuses async views
        return f"refused: {error}"


@pytest.mark.parametrize("kind", KINDS)
def test_ensure_sync_answers_as_flask_does(kind):
    func = KINDS[kind]
    assert outcome(Shop(__name__), func) == outcome(Flask(__name__), func)


def test_plain_functions_and_methods_come_back_as_they_are_and_coroutines_do_not():
    app = Shop(__name__)
    for func in (function, KINDS["method"], KINDS["lambda"]):
        assert app.ensure_sync(func) is func
    for func in (coroutine_function, KINDS["async method"], KINDS["partial of async def"]):
        assert outcome(app, func) != "as it is"


def test_plain_functions_and_methods_skip_flasks_own_check(monkeypatch):
    """The quick answer is what makes it cheaper: Flask's check (inspect's) runs only
    for what is not a plain function or method."""
    asked = []

    def flasks(self, func):
        asked.append(func)
        return func

    monkeypatch.setattr(Flask, "ensure_sync", flasks)
    app = Shop(__name__)
    for kind in ("function", "method", "lambda", "async def", "partial", "callable object"):
        app.ensure_sync(KINDS[kind])
    assert asked == [KINDS["async def"], KINDS["partial"], KINDS["callable object"]]


def test_the_shop_is_made_with_its_own_classes(app):
    assert isinstance(app, Shop)
    assert isinstance(app.jinja_env, ShopTemplates)


def small_app(templates: dict[str, str]) -> Shop:
    app = Shop(__name__)
    app.jinja_loader = DictLoader(templates)
    return app


def test_templates_see_the_globals_through_a_read_only_live_view():
    app = small_app(
        {
            "macros.html": "{% macro hello(name) %}Hello {{ name }}{{ mark }}{% endmacro %}",
            "page.html": '{% from "macros.html" import hello %}{{ hello(who) }} {{ later }}',
        }
    )
    env = app.jinja_env
    env.globals["mark"] = "!"
    with app.app_context():
        page = env.get_template("page.html")
        assert page.render(who="Ann") == "Hello Ann! "
        # A global added after the template was loaded shows, as through Jinja's ChainMap.
        env.globals["later"] = "(added later)"
        assert page.render(who="Bo") == "Hello Bo! (added later)"
        assert page.globals["later"] == "(added later)"
        # Nothing writes the environment's globals through a template.
        with pytest.raises(TypeError):
            page.globals["mark"] = "?"
        assert env.globals["mark"] == "!"
        assert render_template_string("{{ mark }}{{ who }}", who="Cy") == "!Cy"
        # A render's own values stay in that render.
        assert "who" not in env.globals


def test_a_template_given_globals_of_its_own_keeps_them_to_itself():
    app = small_app({"own.html": "{{ colour }} {{ shared }}", "other.html": "{{ colour }}"})
    env = app.jinja_env
    env.globals["shared"] = "shared"
    with app.app_context():
        own = env.get_template("own.html", globals={"colour": "green"})
        assert own.render() == "green shared"
        assert env.get_template("other.html").render() == ""
        assert "colour" not in env.globals


def test_the_shops_pages_render_with_the_layout_and_the_macros(client):
    response = client.get("/shop")
    assert response.status_code == 200
    assert 'class="site-footer' in response.text  # base.html's footer, from its parts
    assert 'name="csrf_token" value="' in response.text  # csrf_token(), a global called
    assert "Basket" in response.text


# Every way a template calls something, for Jinja's Context and the shop's.
CALLS = """
{%- macro box(x) %}[{{ x }}{{ caller() if caller }}]{% endmacro -%}
{{ plain(1, b=2) }} {{ box('m') }}
{%- for i in range(2) %}{% set y = i * 10 %} {{ plain(y) }} {{ sees_loop() }} {{ box(i) }}
{%- call box('c') %}{{ i }}{% endcall %}{% endfor %}
{%- block inner %}{% set y = 'b' %} {{ plain(y) }} {{ sees_loop() }}{% endblock %}
{%- set x = 'top' %} {{ sees_loop() }} {{ env_name() }} {{ eval_escape() }}
{{ obj() }} {{ marked_obj() }} {{ bound() }} {{ stops() is undefined }} {{ lam('λ') }}
"""


def plain(a, b=0):
    return f"plain{a}{b}"


@pass_context
def sees_loop(context):
    return f"y={context.get('y')},x={context.get('x')}"


@pass_environment
def env_name(environment):
    return type(environment).__name__.startswith(("Environment", "ShopTemplates"))


@pass_eval_context
def eval_escape(eval_ctx):
    return eval_ctx.autoescape


class Plain:
    def __call__(self):
        return "object"


class Marked:
    @pass_context
    def __call__(self, context):
        return f"marked:{context.get('x')}"


def stops():
    raise StopIteration


def render_calls(context_class) -> str:
    env = Environment(autoescape=True)
    env.context_class = context_class
    env.globals.update(
        plain=plain,
        sees_loop=sees_loop,
        env_name=env_name,
        eval_escape=eval_escape,
        obj=Plain(),
        marked_obj=Marked(),
        bound=Hooks().method,
        stops=stops,
        lam=lambda value: value * 2,
    )
    return env.from_string(CALLS).render()


def test_templates_call_everything_as_jinjas_context_calls_it():
    ours, jinjas = render_calls(ShopContext), render_calls(Context)
    assert ours == jinjas
    # Calls in a loop or a block that sets a variable are handed it (for functions that
    # take the context); a plain function or a macro gets its own arguments only.
    assert "plain12 [m] plain00 y=0,x=None [0][c0] plain100 y=10,x=None [1][c1]" in ours
    assert "plainb0 y=b,x=None y=None,x=top True True" in ours
    assert "object marked:top method True λλ" in ours


def test_plain_functions_and_macros_skip_jinjas_questions(monkeypatch):
    """The quick call is what makes it cheaper: Jinja's `call` (its questions about the
    context) runs only for marked functions, callable objects and methods."""
    asked = []
    jinjas_call = Context.call

    def counted(self, obj, *args, **kwargs):
        asked.append(getattr(obj, "__name__", type(obj).__name__))
        return jinjas_call(self, obj, *args, **kwargs)

    monkeypatch.setattr(Context, "call", counted)
    render_calls(ShopContext)
    assert "plain" not in asked and "box" not in asked and "<lambda>" not in asked
    assert {"sees_loop", "env_name", "eval_escape", "Plain", "Marked", "method"} <= set(asked)


def test_the_shops_templates_use_its_context(app):
    assert app.jinja_env.context_class is ShopContext
