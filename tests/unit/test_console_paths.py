"""Integrators who imported the console's names from their old paths keep working, warned."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    ("name", "new_module"),
    [
        ("payment_state", "oscar_backorders.console.payment_column"),
        ("authorisations_prefetch", "oscar_backorders.console.payment_column"),
        ("BackorderLineAdmin", "oscar_backorders.console.queue"),
        ("BackorderPolicyAdmin", "oscar_backorders.console.policies"),
    ],
)
def test_old_admin_import_path_still_works_with_a_deprecation_warning(name, new_module):
    old = importlib.import_module("oscar_backorders.admin")
    with pytest.warns(DeprecationWarning, match=f"moved to {new_module}.{name}"):
        moved = getattr(old, name)
    assert moved is getattr(importlib.import_module(new_module), name)


def test_an_unknown_admin_name_is_still_an_attribute_error():
    old = importlib.import_module("oscar_backorders.admin")
    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        old.nothing_here  # noqa: B018
