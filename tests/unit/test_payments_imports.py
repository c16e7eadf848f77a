"""The payments package has no import circles, not even through imports inside functions."""

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import oscar_backorders.payments as payments

PACKAGE = Path(payments.__file__).parent
PREFIX = "oscar_backorders.payments"


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in relative.parts if p != "__init__"]
    return ".".join([PREFIX, *parts])


def imported(tree: ast.AST, *, package: str) -> set[str]:
    """Every payments module a module imports, at any depth of its code."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}"
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return {n for n in names if n.startswith(PREFIX + ".")}


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        targets = imported(ast.parse(path.read_text()), package=package)
        edges[name] = {t for t in targets if t in modules and t != name}
    return edges


def test_payments_modules_import_each_other_without_a_circle():
    edges = graph()
    assert f"{PREFIX}.capture" in edges
    try:
        order = list(TopologicalSorter(edges).static_order())
    except CycleError as exc:  # pragma: no cover - the failure message names the circle
        raise AssertionError(f"Import circle in payments: {' -> '.join(exc.args[1])}") from exc
    # The base layer comes before the flows that use it.
    assert order.index(f"{PREFIX}.ledger") < order.index(f"{PREFIX}.capture")
    assert order.index(f"{PREFIX}.lifecycle") < order.index(f"{PREFIX}.capture")


def test_the_circle_check_finds_a_circle():
    edges = {"a": {"b"}, "b": {"a"}}
    try:
        list(TopologicalSorter(edges).static_order())
    except CycleError:
        return
    raise AssertionError("a circle went unnoticed")
