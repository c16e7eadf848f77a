"""Every ``oscar_backorders.…`` dotted path README.md and docs/ give a shop still resolves.

A module that moves keeps its documented path working by a re-export that warns
(``DeprecationWarning``); this test finds a path that moved without one. Dotted names that are not
import paths are recognised for what they are: system check ids, permissions, Celery task names.
"""

from __future__ import annotations

import importlib
import re
import warnings
from pathlib import Path

from celery import current_app
from django.apps import apps

import oscar_backorders.tasks  # noqa: F401  (registers every task)

ROOT = Path(__file__).resolve().parents[2]
DOTTED = re.compile(r"\boscar_backorders(?:\.[A-Za-z_]\w*)+")
CHECK_ID = re.compile(r"^oscar_backorders\.[EW]\d*$")


def documented_paths() -> dict[str, str]:
    """``dotted path → first file that mentions it``."""
    found: dict[str, str] = {}
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for match in DOTTED.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(0), path.name)
    return found


def permissions() -> set[str]:
    names = set()
    for model in apps.get_app_config("oscar_backorders").get_models():
        opts = model._meta
        names |= {f"{action}_{opts.model_name}" for action in opts.default_permissions}
        names |= {codename for codename, _label in opts.permissions}
    return {f"oscar_backorders.{name}" for name in names}


def resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted``, then get the rest as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            target = getattr(target, name)
        return target
    raise ModuleNotFoundError(dotted)


def test_every_documented_dotted_path_resolves_when_a_shop_follows_the_docs():
    not_import_paths = permissions() | set(current_app.tasks)
    unresolved = {}
    for dotted, source in documented_paths().items():
        if CHECK_ID.match(dotted) or dotted in not_import_paths:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                resolve(dotted)
            except (ImportError, AttributeError) as exc:
                unresolved[dotted] = f"{source}: {exc}"
    assert unresolved == {}


def test_documented_paths_are_found_when_docs_name_them():
    paths = documented_paths()
    assert "oscar_backorders.notifications.beat" in paths
    assert "oscar_backorders.services.cancel_units" in paths
