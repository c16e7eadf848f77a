"""A successor can read any module of the plugin in one sitting: none grows past ~400 lines."""

from __future__ import annotations

from pathlib import Path

import oscar_backorders

PACKAGE = Path(oscar_backorders.__file__).parent
MOST_LINES = 400


def test_every_module_stays_under_400_lines_when_the_plugin_grows():
    too_long = {
        str(path.relative_to(PACKAGE)): lines
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MOST_LINES
    }
    assert too_long == {}, f"split these modules by what they do: {too_long}"
