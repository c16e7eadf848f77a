"""Old import paths that keep working, with a warning, after a name moved to another module.

A module whose documented names moved ends with::

    __getattr__ = moved_names(__name__, {"payment_state": "oscar_backorders.console.payment_state"})

and ``from old.module import payment_state`` keeps working, imports the new module only then (so
no import circle comes back through the old path), and warns with ``DeprecationWarning`` naming
the new path. ``tests/integration/test_documented_paths.py`` finds a documented path that moved
without one.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any


def moved_names(module_name: str, moves: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` (PEP 562) serving each name of ``moves`` from its new dotted
    path, with a ``DeprecationWarning``; any other name raises ``AttributeError`` as usual."""

    def __getattr__(name: str) -> Any:
        try:
            target = moves[name]
        except KeyError:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}") from None
        new_module, _, attribute = target.rpartition(".")
        warnings.warn(
            f"{module_name}.{name} moved to {target}; import it from there "
            f"(the old path will be removed in a future release).",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(new_module), attribute)

    return __getattr__


__all__ = ["moved_names"]
