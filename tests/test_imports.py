"""Every module of the shop imports on its own, and importing a model does not import
the web.

Each module is imported in a process that has imported nothing of the shop yet (a
fork of one that loaded only the libraries the shop uses, so the check stays quick),
which is how a script, a task or a test first meets it. A module that only worked
because some other module happened to be imported first fails here.
"""

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
            views = sorted(m for m in sys.modules if m.startswith("shop.") and "views" in m)
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
