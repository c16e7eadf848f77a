"""A name that moved keeps its old import path, with a ``DeprecationWarning`` naming the new one."""

from __future__ import annotations

import sys
import types

import pytest

from oscar_backorders.deprecation import moved_names


@pytest.fixture
def old_module(monkeypatch):
    module = types.ModuleType("oscar_backorders.old_place")
    module.__getattr__ = moved_names(
        module.__name__, {"claim": "oscar_backorders.notifications.dispatch.claim"}
    )
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module


def test_moved_name_is_served_with_a_deprecation_warning_when_imported_from_its_old_path(
    old_module,
):
    from oscar_backorders.notifications.dispatch import claim

    with pytest.warns(DeprecationWarning, match=r"moved to oscar_backorders\.notifications\."):
        from oscar_backorders.old_place import claim as old_claim  # type: ignore[attr-defined]
    assert old_claim is claim


def test_unknown_name_is_refused_when_it_never_lived_in_the_old_module(old_module):
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        old_module.nothing  # noqa: B018
