"""The layers' boundaries, read off the imports of every module of the package.

analysis/ reads Python's `ast` only: it never imports LibCST or fixes/ (a file without a fix
to apply is never given to LibCST). knowledge/ is data: it imports no analysis, fixes or
output. checks/ read call sites, not LibCST trees. And no module-level imports form a cycle:
each layer can be read, and imported, before the ones above it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "codemods"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, top_level_only: bool) -> set[str]:
    """The absolute names a module imports; with top_level_only, only those imported when the
    module itself is (not inside functions or `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    nodes = _top_level(tree.body) if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # `from . import engine`
    return found


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    out = []
    for statement in body:
        if isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(statement.test):
            continue
        if isinstance(statement, (ast.If, ast.Try)):
            out += _top_level(statement.body) + _top_level(getattr(statement, "orelse", []))
            for handler in getattr(statement, "handlers", []):
                out += _top_level(handler.body)
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            out.append(statement)
    return out


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _layer(name: str) -> str:
    return name.split(".")[1] if name.count(".") >= 1 else ""


def test_the_package_has_the_layers() -> None:
    layers = {_layer(name) for name in MODULES if name.count(".") >= 2}
    assert layers == {"analysis", "checks", "fixes", "knowledge", "output", "run", "surfaces"}


def test_analysis_never_imports_libcst_or_fixes() -> None:
    for name, path in MODULES.items():
        if _layer(name) in ("analysis", "surfaces"):
            bad = {m for m in _imports(path, top_level_only=False) if m.split(".")[0] == "libcst" or m.startswith("codemods.fixes")}
            assert not bad, f"{path}: imports {sorted(bad)}"


def test_knowledge_imports_no_layer_above_it() -> None:
    above = ("codemods.analysis", "codemods.checks", "codemods.fixes", "codemods.output")
    for name, path in MODULES.items():
        if _layer(name) == "knowledge":
            bad = {m for m in _imports(path, top_level_only=False) if m.startswith(above)}
            assert not bad, f"{path}: imports {sorted(bad)}"


def test_checks_import_libcst_only_through_fixes() -> None:
    for name, path in MODULES.items():
        if _layer(name) == "checks":
            bad = {m for m in _imports(path, top_level_only=False) if m.split(".")[0] == "libcst"}
            assert not bad, f"{path}: imports {sorted(bad)}"


def test_no_import_cycles() -> None:
    graph = {name: {m for m in _imports(path, top_level_only=True) if m in MODULES and m != name}
             for name, path in MODULES.items()}
    # a package's __init__ runs when any module of it is imported: an edge to a module is an edge to its packages too
    for name in list(graph):
        for target in list(graph[name]):
            parts = target.split(".")
            graph[name].update(".".join(parts[:i]) for i in range(2, len(parts)) if ".".join(parts[:i]) in MODULES
                               and not name.startswith(".".join(parts[:i]) + ".") and ".".join(parts[:i]) != name)
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_the_boundary_test_sees_a_cycle_and_a_libcst_import(tmp_path: Path) -> None:
    """The test itself: the import reader finds relative and `from . import x` imports, and
    leaves out those inside functions and under TYPE_CHECKING."""
    pkg = tmp_path / "codemods" / "analysis"
    pkg.mkdir(parents=True)
    module = pkg / "x.py"
    module.write_text("from typing import TYPE_CHECKING\nfrom .. import fixes\nfrom .y import z\nif TYPE_CHECKING:\n"
                      "    from ..run import engine\ndef f():\n    import libcst\n")
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path / "codemods"
    try:
        top = _imports(module, top_level_only=True)
        every = _imports(module, top_level_only=False)
    finally:
        PACKAGE = saved
    assert {"codemods.fixes", "codemods.analysis.y", "codemods.analysis.y.z"} <= top
    assert "codemods.run.engine" not in top and "libcst" not in top
    assert "libcst" in every and "codemods.run.engine" in every
