"""System check ids: each means one thing, is listed in docs/settings.md, and docs name no other.

Ids are read from the source (every quoted ``"oscar_backorders.E…"``), so a check added anywhere
is covered without registering it here. An id written in two modules is two checks sharing an
id, as ``E101`` once was for the payment gateway and the supply service level.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "oscar_backorders"
QUOTED_ID = re.compile(r"""["'](oscar_backorders\.[CEWI]\d{3})["']""")
TABLE_ROW_ID = re.compile(r"^\| `(oscar_backorders\.[CEWI]\d{3})` \|", re.MULTILINE)
MENTIONED_ID = re.compile(r"\b(?:oscar_backorders\.)?([CEWI]\d{3})\b")


def ids_in_code() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        for check_id in QUOTED_ID.findall(path.read_text(encoding="utf-8")):
            found[check_id].add(path.relative_to(ROOT).as_posix())
    return found


def settings_doc() -> str:
    return (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")


def ids_in_table() -> list[str]:
    return TABLE_ROW_ID.findall(settings_doc().split("### Retired ids")[0])


def retired_ids() -> set[str]:
    """Ids docs/settings.md lists as retired (``- `W101`: …``): never given to another check."""
    section = settings_doc().split("### Retired ids")[1]
    heads = [line.split(":")[0] for line in section.splitlines() if line.startswith("- ")]
    return {check_id for head in heads for check_id in MENTIONED_ID.findall(head)}


def test_each_check_id_is_used_by_one_module_only():
    shared = {
        check_id: sorted(paths) for check_id, paths in ids_in_code().items() if len(paths) > 1
    }
    assert shared == {}


def test_every_check_id_is_listed_once_in_the_docs_table():
    table = ids_in_table()
    assert len(table) == len(set(table)), sorted(i for i in table if table.count(i) > 1)
    assert set(table) == set(ids_in_code())


def test_retired_ids_are_not_given_to_another_check():
    in_use = {check_id.removeprefix("oscar_backorders.") for check_id in ids_in_code()}
    assert {"W101", "E102", "E103"} <= retired_ids()
    assert retired_ids() & in_use == set()


def test_docs_mention_no_check_id_that_does_not_exist():
    known = {check_id.removeprefix("oscar_backorders.") for check_id in ids_in_code()}
    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        text = path.read_text(encoding="utf-8")
        if path.name == "settings.md":
            text = text.split("### Retired ids")[0]
        mentioned = {m for m in MENTIONED_ID.findall(text) if m[0] in "EW"}
        assert mentioned <= known, (path.name, sorted(mentioned - known))


def test_every_setting_has_a_row_in_the_docs_naming_its_check():
    from oscar_backorders.app_settings import DEFAULTS, PREFIX, RULES

    rows = {
        line.split("|")[1].strip().strip("`"): line
        for line in settings_doc().splitlines()
        if line.startswith(f"| `{PREFIX}")
    }
    assert set(rows) == {PREFIX + key for key in DEFAULTS}
    for key, rule in RULES.items():
        if rule is not None:
            short_id = rule.check_id.removeprefix("oscar_backorders.")
            assert f"`{short_id}`" in rows[PREFIX + key], key
