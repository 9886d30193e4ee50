"""Every module of the shop imports on its own, and importing a model does not import
the web.

Each module is imported in a process that has imported nothing of the shop yet (a
fork of one that loaded only the libraries the shop uses, so the check stays quick),
which is how a script, a task or a test first meets it. A module that only worked
because some other module happened to be imported first fails here.
"""

import ast
import subprocess
import sys
from pathlib import Path

import shop

SHOP = Path(shop.__file__).parent

CHECK = r"""
import importlib, os, sys

for library in (
    "flask", "flask_sqlalchemy", "flask_wtf", "wtforms", "flask_login", "flask_limiter",
    "flask_caching", "flask_mail", "flask_migrate", "sqlalchemy.orm", "huey", "redis",
    "stripe", "PIL.Image", "markdown_it", "nh3", "email_validator", "blinker",
):
    importlib.import_module(library)

for name in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(name)
        except BaseException as exc:
            print(f"{name}: {type(exc).__name__}: {exc}")
            os._exit(1)
        if name.endswith(".models"):
            # A module named views (shop.x.views, shop.x.admin.views), not a package
            # whose name merely holds the word (shop.reviews).
            views = sorted(
                m for m in sys.modules if m.startswith("shop.") and "views" in m.split(".")
            )
            if views:
                print(f"{name}: importing it loads {', '.join(views)}")
                os._exit(1)
        os._exit(0)
    os.waitpid(pid, 0)
"""


def shop_modules() -> list[str]:
    names = []
    for path in sorted(SHOP.rglob("*.py")):
        parts = path.relative_to(SHOP.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_imports_on_its_own_and_models_bring_no_views():
    modules = shop_modules()
    assert "shop.cart.models" in modules and "shop.urls" in modules
    result = subprocess.run(  # noqa: S603 - our own interpreter and module names
        [sys.executable, "-c", CHECK, *modules],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=SHOP.parent,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "", result.stdout


# How checkout, payments, orders and the basket depend on one another -----------------

LAYERED = ("shop.cart", "shop.checkout", "shop.orders", "shop.payments")
# The one import kept inside a function among them: a demo shop never loads `stripe`.
LAZY_ALLOWED = {("shop.payments.providers", "shop.payments.stripe_gateway")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def shop_imports() -> dict[str, dict[str, bool]]:
    """Each shop module's imports of shop modules (`from shop.x import y` counts as
    shop.x and, when it is a module, shop.x.y), with whether the import is made inside a
    function. Imports only for type checking are left out: they never run."""
    modules = set(shop_modules())
    graph: dict[str, dict[str, bool]] = {}
    for name in modules:
        path = SHOP.parent.joinpath(*name.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        found: dict[str, bool] = {}

        def visit(node, in_function: bool, found=found, name=name) -> None:
            if isinstance(node, ast.If) and _is_type_checking(node):
                for child in node.orelse:
                    visit(child, in_function)
                return
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                targets = []
            for target in targets:
                if target in modules and target != name:
                    found[target] = found.get(target, True) and in_function
            inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for child in ast.iter_child_nodes(node):
                visit(child, inside)

        visit(ast.parse(path.read_text()), False)
        graph[name] = found
    return graph


def _in(module: str, packages) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def test_payments_and_orders_never_import_checkout():
    graph = shop_imports()
    wrong = [
        (module, target)
        for module, targets in graph.items()
        if _in(module, ("shop.payments", "shop.orders"))
        for target in targets
        if _in(target, ("shop.checkout",))
    ]
    assert wrong == []


def test_checkout_payments_orders_and_the_basket_import_one_another_without_a_cycle():
    graph = shop_imports()
    # create_app's import of the factory, which imports everything, is the one kept
    # inside a function on purpose (see shop/__init__.py).
    graph["shop"].pop("shop.factory", None)
    lazy = {
        (module, target)
        for module, targets in graph.items()
        if _in(module, LAYERED)
        for target, in_function in targets.items()
        if in_function
    }
    assert lazy == LAZY_ALLOWED

    cycles, index, low, stack, on_stack = [], {}, {}, [], set()

    def connect(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while not component or node not in component:
                component.add(stack.pop())
            on_stack.difference_update(component)
            if len(component) > 1 and any(_in(m, LAYERED) for m in component):
                cycles.append(sorted(component))

    for module in graph:
        if module not in index:
            connect(module)
    assert cycles == []
