"""Sizes a reader can hold: no module of `annotations/` over 400 lines, no
function over 60 (migrations aside).

A function is measured from its first decorator to its last line; methods and
nested functions count on their own, named by their qualified name. Each
exception names its reason, and an exception that is no longer needed fails
too, so the list only shrinks.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "annotations"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

# "path" exempts a module's length, "path::qualified.name" one function's.
EXCEPTIONS: dict[str, str] = {}


def _functions(tree: ast.AST) -> list[tuple[str, int]]:
    """(qualified name, lines) of every function and method in the tree."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + child.name
                first = min([d.lineno for d in child.decorator_list] + [child.lineno])
                found.append((name, child.end_lineno - first + 1))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def oversized(package: Path = PACKAGE) -> dict[str, int]:
    """Every module or function over its limit: {key: lines}."""
    found: dict[str, int] = {}
    for path in sorted(package.rglob("*.py")):
        if "migrations" in path.relative_to(package).parts:
            continue
        key = path.relative_to(ROOT).as_posix()
        source = path.read_text()
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            found[key] = lines
        for name, length in _functions(ast.parse(source, filename=str(path))):
            if length > MAX_FUNCTION_LINES:
                found[f"{key}::{name}"] = length
    return found


def test_the_measure_counts_decorators_methods_and_nested_functions():
    tree = ast.parse(
        "@decorated\n"
        "def outer():\n"
        "    def inner():\n"
        "        return 1\n"
        "    return inner\n"
        "class Thing:\n"
        "    def method(self):\n"
        "        pass\n"
    )
    assert _functions(tree) == [
        ("outer", 5),
        ("outer.inner", 2),
        ("Thing.method", 2),
    ]


def test_no_module_or_function_is_too_long():
    over = {key: n for key, n in oversized().items() if key not in EXCEPTIONS}
    assert over == {}, (
        f"over {MAX_MODULE_LINES} lines a module or {MAX_FUNCTION_LINES} a "
        f"function (split it by sub-domain, or list it with a reason): {over}"
    )


def test_every_exception_is_still_needed():
    over = oversized()
    stale = sorted(key for key in EXCEPTIONS if key not in over)
    assert stale == [], f"no longer too long, remove from EXCEPTIONS: {stale}"


def test_every_exception_gives_its_reason():
    assert all(isinstance(r, str) and r.strip() for r in EXCEPTIONS.values())
