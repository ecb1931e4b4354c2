"""Module names: what a file is imported as, what it imports, and where an imported module lives.

The client index (clientindex.py) needs these to follow `from app.llm import client` from
the importing file to the file that builds the client. They work on paths and bytes only: no
file is parsed here, so that only the modules a checked file actually imports are ever read.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional, Sequence

# `import a.b as c, d` and `from .a import (b as c, d)` statements, wherever they stand
# (indented, after a `;`). A text match, not a parse: it may find an import in a string, which
# only means one more module is looked at, and it costs microseconds where a parse costs
# milliseconds for every checked file, on every run, cached or not.
_IMPORT = re.compile(r"(?:^|;)[ \t]*(?:from[ \t]*(\.*[\w.]*)[ \t]+import[ \t]*(\([^)]*\)|[^\n;#]*)|import[ \t]+([^\n;#]*))", re.M)


def module_names(path: Path, roots: Iterable[Path]) -> list[str]:
    """Dotted names a file can be imported as: by its packages, and relative to each root."""
    path = path.resolve()
    stem = [] if path.name == "__init__.py" else [path.stem]
    names = []
    parts, folder = list(stem), path.parent
    while os.path.isfile(folder / "__init__.py"):
        parts.insert(0, folder.name)
        folder = folder.parent
    if parts:
        names.append(".".join(parts))
    for root in roots:
        root = root.resolve()
        base = root if os.path.isdir(root) else root.parent
        try:
            relative = path.relative_to(base)
        except ValueError:
            continue
        dotted = [*relative.parent.parts, *stem]
        if dotted and dotted[0] == "src":
            dotted = dotted[1:]
        if dotted:
            names.append(".".join(dotted))
    return list(dict.fromkeys(names))


def imported_modules(data: bytes, own_names: Sequence[str]) -> set[str]:
    """Every module whose top-level names this file may use: those it imports, their packages,
    and `m.x` for `from m import x` (x may be a submodule). Relative imports are made absolute
    from the file's own names, as the call-site finder resolves them."""
    text = data.decode("utf-8", "replace").replace("\\\n", " ")
    found: set[str] = set()
    for match in _IMPORT.finditer(text):
        source, names, plain = match.groups()
        if plain is not None:
            for item in plain.split(","):
                module = item.split(" as ")[0].strip()
                if _dotted(module):
                    found.update(_prefixes(module))
            continue
        for base in absolute_names(source, own_names):
            found.update(_prefixes(base))
            for item in names.strip("() \t\r\n").split(","):
                name = item.split(" as ")[0].strip()
                if name.isidentifier():
                    found.add(f"{base}.{name}")
    return found


def _dotted(name: str) -> bool:
    return bool(name) and all(part.isidentifier() for part in name.split("."))


def _prefixes(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts) + 1)]


def absolute_names(source: str, own_names: Sequence[str]) -> list[str]:
    """A dotted name, relative (`.llm.client`) or not, made absolute from the importing file's own
    module names (one for each name the file has in the run)."""
    if not source.startswith("."):
        return [source] if _dotted(source) else []
    level = len(source) - len(source.lstrip("."))
    rest = source.lstrip(".")
    found = []
    for module in own_names:
        package = module.split(".")[:-level]
        absolute = ".".join([*package, rest]) if rest else ".".join(package)
        if _dotted(absolute):
            found.append(absolute)
    return found


class ModuleFinder:
    """The files a dotted module name may be, among a run's files and on disk next to its roots.

    A run's files are matched by their own module names (a package anywhere in the tree);
    files outside the run are found where `sys.path` would find them: at a root, in its
    `src/`, or beside the importing file's top package. So a pre-commit run that passes one
    changed file still sees the client its unchanged neighbour builds.
    """

    def __init__(self, files: Sequence[Path], roots: Sequence[Path]):
        self.roots = list(roots)
        self._files = files
        self._by_last: Optional[dict[str, list[Path]]] = None
        self._bases = []
        for root in self.roots:
            base = root if os.path.isdir(root) else root.parent
            self._bases += [base, base / "src"]

    def find(self, module: str, importer: Path) -> list[Path]:
        found = dict.fromkeys(p for p in self._run_files(module) if module in self._names(p))
        parts = module.split(".")
        for base in [*self._bases, package_base(importer)]:
            for candidate in (base.joinpath(*parts).with_suffix(".py"), base.joinpath(*parts, "__init__.py")):
                if os.path.isfile(candidate):
                    found[candidate] = None
        return list(dict.fromkeys(p.resolve() for p in found))

    def _run_files(self, module: str) -> list[Path]:
        if self._by_last is None:
            self._by_last = {}
            for path in self._files:
                name = path.name
                key = path.parent.name if name == "__init__.py" else name.rsplit(".", 1)[0]
                self._by_last.setdefault(key, []).append(path)
        return self._by_last.get(module.rsplit(".", 1)[-1], [])

    def _names(self, path: Path) -> list[str]:
        return _cached_names(path, tuple(self.roots))


@lru_cache(maxsize=4096)
def _cached_names(path: Path, roots: tuple[Path, ...]) -> list[str]:
    return module_names(path, roots)


def package_base(path: Path) -> Path:
    """The folder a file's top package sits in: where `sys.path` points when it is imported."""
    folder = path.resolve().parent
    while os.path.isfile(folder / "__init__.py"):
        folder = folder.parent
    return folder
