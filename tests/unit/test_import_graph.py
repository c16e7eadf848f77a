"""The package's modules import each other without circles, and services never import tasks.

The graph is read from the source with :mod:`ast`, so nothing is imported: an edge ``a → b`` is an
``import`` or ``from … import`` statement in ``a`` that names module ``b`` of the package (``from
pkg import mod`` counts as ``pkg.mod``). Imports under ``if TYPE_CHECKING:`` never run and are
left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "oscar_backorders"

#: The only modules that may import a task module: the registry a worker autodiscovers, and the
#: app config that imports it so every process registers the tasks.
TASK_IMPORTERS = {"oscar_backorders.tasks", "oscar_backorders.apps"}


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _statements(body: list[ast.stmt], *, deferred: bool) -> Iterator[ast.stmt]:
    """The import statements that run: those at module level (including under ``if``/``try``),
    and with ``deferred`` also those inside functions and classes."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif _is_type_checking(node):
            continue
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if deferred:
                yield from _statements(node.body, deferred=deferred)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                children = getattr(node, field, None) or []
                for child in children:
                    inner = (
                        child.body
                        if isinstance(child, ast.ExceptHandler | ast.match_case)
                        else [child]
                    )
                    yield from _statements(inner, deferred=deferred)


def _targets(module: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> set[str]:
    known = modules()
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names} & known.keys()
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    targets = set()
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        targets.add(submodule if submodule in known else base)
    return targets & known.keys()


@cache
def import_graph(*, deferred: bool) -> dict[str, frozenset[str]]:
    graph = {}
    for module, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in _statements(tree.body, deferred=deferred):
            edges |= _targets(module, node, is_package)
        graph[module] = frozenset(edges - {module})
    return graph


def circles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """Every import circle, as one path ``a → … → a`` per strongly connected component."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(_path_through(graph, set(component)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _path_through(graph: dict[str, frozenset[str]], component: set[str]) -> list[str]:
    start = min(component)
    path, seen, node = [start], {start}, start
    while True:
        node = min(n for n in graph[node] if n in component)
        path.append(node)
        if node in seen:
            return path[path.index(node) :]
        seen.add(node)


def test_graph_is_read_when_the_package_imports_its_own_modules():
    graph = import_graph(deferred=False)
    assert (
        "oscar_backorders.notifications.dispatch" in graph["oscar_backorders.notifications.tasks"]
    )
    assert "oscar_backorders.notifications.scans" in graph["oscar_backorders.notifications.tasks"]


def test_circle_is_found_when_two_modules_import_each_other():
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    assert circles(graph) == [["a", "b", "c", "a"]]


def test_package_has_no_import_circle_when_counting_module_level_imports():
    assert circles(import_graph(deferred=False)) == []


def test_package_has_no_import_circle_when_counting_imports_inside_functions_too():
    # A deferred import hides a circle from Python but not from the reader: ``dispatch`` once
    # imported ``tasks`` inside ``enqueue`` while ``tasks`` imported ``dispatch``.
    assert circles(import_graph(deferred=True)) == []


def test_services_never_import_a_task_module_when_they_enqueue_work():
    tasks = {m for m in modules() if m == "oscar_backorders.tasks" or m.endswith(".tasks")}
    importers = {
        module: sorted(edges & tasks)
        for module, edges in import_graph(deferred=True).items()
        if edges & tasks and module not in TASK_IMPORTERS
    }
    assert importers == {}
