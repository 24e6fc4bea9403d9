"""The import graph of `annotations/`: no cycles, and the layers point one way.

Read statically (every import statement, module- or function-level, except
under `if TYPE_CHECKING:`), so a deferred import cannot hide a cycle.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "annotations"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts
    }


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or 0) + 1))
    return lines


def _imports(path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _type_checking_lines(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            # The deepest module of the package the name refers to.
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name.startswith("annotations"):
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph = {name: _imports(path, known) for name, path in modules.items()}
    for name, targets in graph.items():
        # A package's __init__ is not an edge of its own submodules.
        targets.discard(name)
        targets -= {t for t in targets if name.startswith(t + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_annotations_has_no_import_cycle():
    assert cycles(import_graph()) == []


# Models that happen to live in an HTTP package: data, not HTTP handling.
DATA_NOT_HTTP = {"rest_framework.authtoken.models"}


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        # Pure computation: no Django, no ORM, nothing above it.
        ("annotations.metrics", ("django", "rest_framework", "annotations.")),
        # Services never speak HTTP and never import the task wrappers.
        (
            "annotations.services",
            (
                "rest_framework",
                "annotations.api",
                "annotations.web",
                "annotations.tasks",
            ),
        ),
        ("annotations.selectors", ("annotations.services", "annotations.api")),
    ],
)
def test_layers_point_one_way(layer, forbidden):
    modules = _modules()
    offenders = []
    for name, path in modules.items():
        if not (name == layer or name.startswith(layer + ".")):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [node.module]
            else:
                continue
            for target in targets:
                if target in DATA_NOT_HTTP:
                    continue
                own = target.startswith(layer)
                if not own and any(target.startswith(bad) for bad in forbidden):
                    offenders.append(f"{name} imports {target}")
    assert offenders == []
