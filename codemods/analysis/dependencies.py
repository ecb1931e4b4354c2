"""Which SDK versions a project may run: its declared requirements and its lock files.

A rename is only safe if the SDK that runs the call takes the new keyword: openai-python's
`create()` has no `max_completion_tokens` before 1.45.0 and takes no `**kwargs`, so on an
older SDK the renamed call raises TypeError. Read (never run), from the code's folder up to
the project's top, as environment.py walks it: `requirements*.txt` / `*.in`, `pyproject.toml`
(PEP 621 dependencies and extras, dependency groups, Poetry), `setup.cfg`, and the pins of
`uv.lock` and `poetry.lock`. A lock pin is what gets installed; without one, the lowest floor a
declaration allows (`openai>=1.0`, `==1.30.0`, `~=1.12`, `^1.2`) is what may run. A package the
project does not declare, or declares without a floor, is taken to be a current release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

from .environment import ProjectTree

_LOCKS = ("uv.lock", "poetry.lock")
_FLOOR = re.compile(r"(?:>=|==|~=|\^|>|===)\s*v?(\d+(?:\.\d+)*)")


@dataclass(frozen=True)
class Declared:
    """The oldest version of a package the project may run, and the file that says so."""

    package: str
    version: str
    origin: str
    locked: bool


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:4])


class DeclaredVersions:
    """Per folder, read once a run: the declared floors and the lock pins of some packages."""

    def __init__(self, packages: Iterable[str], roots: Sequence[Path] = (), tree: Optional[ProjectTree] = None):
        self.packages = frozenset(packages)
        self.tree = tree or ProjectTree(roots)
        self._folders: dict[Path, tuple[list[Declared], list[Declared]]] = {}
        self._chains: dict[Path, dict[str, Declared]] = {}

    def for_file(self, path: Path) -> dict[str, Declared]:
        folder = path.parent
        found = self._chains.get(folder)
        if found is None:
            floors: dict[str, Declared] = {}
            pins: dict[str, Declared] = {}
            for above in self.tree.chain(folder):
                declared, locked = self._folder(above)
                for item in declared:
                    if item.package not in floors or version_tuple(item.version) < version_tuple(floors[item.package].version):
                        floors[item.package] = item
                for item in locked:
                    pins.setdefault(item.package, item)  # the nearest lock is the one installed
            found = {**floors, **pins}
            self._chains[folder] = found
        return found

    def _folder(self, folder: Path) -> tuple[list[Declared], list[Declared]]:
        if folder not in self._folders:
            declared: list[Declared] = []
            locked: list[Declared] = []
            for name, text in self.tree.texts(folder, _may_declare, self.packages):
                origin = str(folder / name)
                if name in _LOCKS:
                    locked += [Declared(p, v, origin, True) for p, v in _lock_pins(text, self.packages)]
                else:
                    declared += [Declared(p, v, origin, False) for p, v in _requirement_floors(text, self.packages)]
            self._folders[folder] = (declared, locked)
        return self._folders[folder]


def _may_declare(name: str) -> bool:
    return (name in _LOCKS or name in ("pyproject.toml", "setup.cfg", "Pipfile")
            or (name.startswith("requirements") and name.endswith((".txt", ".in"))))


def _requirement_floors(text: str, packages: frozenset) -> list[tuple[str, str]]:
    """(package, floor) for each requirement of these packages that states a lower bound.

    Read line by line, which covers requirements files, setup.cfg's install_requires and the
    strings and tables of pyproject.toml (`"openai>=1.0"`, `openai = "^1.2"`,
    `openai = { version = ">=1.3" }`) without interpreting TOML."""
    found = []
    names = "|".join(re.escape(p) for p in sorted(packages))
    requirement = re.compile(rf"""(?:^|["'\s])({names})(?![\w.-])(?:\[[^\]]*\])?\s*(?:=(?=\s*["'{{])\s*(?:\{{[^}}]*?version\s*=\s*)?)?["']?\s*([^"'\n#;,]*)""",
                             re.IGNORECASE)
    for line in text.splitlines():
        stripped = line.split("#", 1)[0]
        for match in requirement.finditer(stripped):
            floor = _FLOOR.search(match.group(2))
            if floor is not None:
                found.append((match.group(1).lower(), floor.group(1)))
    return found


def _lock_pins(text: str, packages: frozenset) -> list[tuple[str, str]]:
    found = []
    for match in re.finditer(r'\[\[package\]\]\s*\nname\s*=\s*"([^"]+)"\s*\nversion\s*=\s*"([^"]+)"', text):
        name = match.group(1).lower()
        if name in packages:
            found.append((name, match.group(2)))
    return found


def lacks_keyword(declared: dict[str, Declared], package: str, keyword: str, since: Optional[str]) -> Optional[str]:
    """Why the project may run `package` without `keyword`, or None when it cannot (or nothing says)."""
    item = declared.get(package)
    if since is None or item is None or version_tuple(item.version) >= version_tuple(since):
        return None
    how = f"pins {package} {item.version}" if item.locked else f"allows {package} {item.version}"
    return f"{item.origin} {how}, and {package} takes `{keyword}` only from {since} (older releases raise TypeError)"
