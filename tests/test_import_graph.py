"""The package's import graph: no cycle, and only the entry points import ``camdigit.cli``.

The graph is read from the source (ast), not by importing: every ``import camdigit.x`` and
``from camdigit.x import y`` (or relative), at module level or inside a function, is an edge.
Imports under ``if TYPE_CHECKING:`` never run and are left out. Importing a submodule runs its
parent package's ``__init__`` too; that implicit edge is not counted (every module would
otherwise "import" ``camdigit/__init__.py``, which re-exports the pipeline).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "camdigit"


def module_names() -> dict[str, Path]:
    """``camdigit.x.y`` -> its file, for every module and package of camdigit."""
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for child in node.body:
                    skipped.update(id(n) for n in ast.walk(child))
    return skipped


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The camdigit modules ``name`` imports, anywhere in its file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skipped = _type_checking_nodes(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if submodule in modules:  # from camdigit.commands import run
                    found.add(submodule)
                elif target in modules:  # from camdigit.io.images import read_image
                    found.add(target)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = module_names()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle (its modules, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_graph_is_read():
    graph = import_graph()
    assert "camdigit.commands.options" in graph["camdigit.commands.run"]
    assert "camdigit.commands.run" in graph["camdigit.cli"]  # from camdigit.commands import run
    assert "camdigit.cli" in graph["camdigit.__main__"]
    # a function-level import counts too
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_only_the_entry_point_imports_the_command_line():
    importers = sorted(
        name for name, targets in import_graph().items() if "camdigit.cli" in targets
    )
    assert importers == ["camdigit.__main__"]


def test_the_core_imports_no_input_output():
    """A frame's trip stays in camdigit.core: it needs nothing of io, commands, web or cli."""
    outside = (
        "camdigit.io",
        "camdigit.commands",
        "camdigit.web",
        "camdigit.cli",
        "camdigit.data",
        "camdigit.training",
    )
    found = sorted(
        (name, target)
        for name, targets in import_graph().items()
        if name.startswith("camdigit.core")
        for target in targets
        if target.startswith(outside)
    )
    assert found == []


MAX_MODULE_LINES = 360
"""A module holds one job: past about 350 lines it holds two (the layout issue's bound)."""


def test_no_module_is_over_its_bound():
    sizes = {name: len(path.read_text().splitlines()) for name, path in module_names().items()}
    assert len(sizes) > 50  # the walk found the package
    over = {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not over, f"modules over {MAX_MODULE_LINES} lines: {over}"
