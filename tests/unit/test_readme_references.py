"""README's and the docs' claims name the tests that prove them: every test file and test they
name exists, so a renamed or deleted test cannot leave a guarantee proven by nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: ``tests/…/name.py`` or a bare ``test_name.py``, optionally ``::test_function``.
REFERENCE = re.compile(r"`((?:tests/[\w/]+/)?(?:test_\w+|\w+)\.py)(?:::(\w+))?`")


def _resolve(name: str) -> list[Path]:
    if "/" in name:
        path = ROOT / name
        return [path] if path.exists() else []
    return sorted((ROOT / "tests").rglob(name))


def _references() -> list[tuple[str, str, str | None]]:
    found = []
    for document in DOCUMENTS:
        for match in REFERENCE.finditer(document.read_text(encoding="utf-8")):
            name, function = match.group(1), match.group(2)
            if name.startswith("tests/") or name.startswith("test_"):
                found.append((document.name, name, function))
    return found


def test_readme_and_docs_name_tests_that_exist():
    missing = []
    for document, name, function in _references():
        paths = _resolve(name)
        if not paths:
            missing.append(f"{document}: {name}")
            continue
        if function and not any(
            re.search(rf"^\s*(?:async )?def {re.escape(function)}\b", p.read_text(), re.M)
            for p in paths
        ):
            missing.append(f"{document}: {name}::{function}")
    assert not missing, "named but not found:\n" + "\n".join(missing)


@pytest.mark.parametrize("document", ["README.md"])
def test_readme_names_tests_at_all(document):
    assert any(doc == document for doc, _name, _function in _references())
