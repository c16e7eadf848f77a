"""A shop without Django REST framework: the plugin never imports it outside its API package,
and the sandbox shop starts, routes and passes its checks with it missing."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import oscar_backorders

PACKAGE = Path(oscar_backorders.__file__).parent
API_ONLY = ("rest_framework", "drf_spectacular", "oscarapi")


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_module_outside_the_api_package_imports_the_api_libraries():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if (PACKAGE / "api") in path.parents:
            continue
        for name in imported_names(path):
            if name.split(".")[0] in API_ONLY:
                offenders.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert not offenders


CHECK = """
import importlib, pkgutil, sys
for name in ("rest_framework", "drf_spectacular", "oscarapi"):
    sys.modules[name] = None  # importing it now raises ImportError
import django
django.setup()
import oscar_backorders
for info in pkgutil.walk_packages(oscar_backorders.__path__, "oscar_backorders."):
    if ".api" in info.name or info.name.endswith(".management.commands") or ".migrations." in info.name:
        continue
    importlib.import_module(info.name)
from django.core.management import call_command
from django.urls import reverse
call_command("check")
reverse("oscar_backorders:ships-later")
print("ok")
"""


def test_the_shop_starts_and_routes_without_rest_framework():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    root = PACKAGE.parent
    env["PYTHONPATH"] = os.pathsep.join([str(root), str(root / "sandbox")])
    result = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
