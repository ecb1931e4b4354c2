"""A whole-run index of module-level LLM clients, so that `from app.llm import client` is traced.

Real code builds its client once (`app/llm.py: client = OpenAI(base_url=...)`) and imports it
everywhere. Each checked file gets an index of just the modules it imports (`Directory`):
its cache entry then depends on those clients only, and a run reads and parses (with the
standard library's `ast`) only the modules some checked file imports, each at most once.
An index holds what each construction says: class, base URL, api_version.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path
from typing import Iterable, Optional, Sequence

from .knowledge import Knowledge
from .modules import ModuleFinder, imported_modules, module_names, package_base
from .prefilter import may_build_client
from .targets import URL_KEYWORDS, ClientFacts

_GETENV = {"os.getenv", "os.environ.get"}


MAX_MODULE_BYTES = 10 * 1024 * 1024


class ClientIndex:
    def __init__(self, clients: Optional[dict[str, ClientFacts]] = None) -> None:
        self.clients: dict[str, ClientFacts] = clients or {}

    def __len__(self) -> int:
        return len(self.clients)

    def lookup(self, qualified: str) -> Optional[ClientFacts]:
        return self.clients.get(qualified)

    @property
    def digest(self) -> str:
        """What the cache keys on: a client changed in an imported module changes the importer's result."""
        text = repr(sorted((name, repr(facts)) for name, facts in self.clients.items()))
        return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()

    @classmethod
    def build(cls, files: Iterable[Path], roots: Iterable[Path], knowledge: Knowledge) -> "ClientIndex":
        def sources():
            for path in files:
                try:
                    yield path, path.read_bytes()
                except OSError:
                    continue

        return cls.from_sources(sources(), roots, knowledge)

    @classmethod
    def from_sources(cls, sources: Iterable[tuple[Path, bytes]], roots: Iterable[Path], knowledge: Knowledge) -> "ClientIndex":
        """The index of files already read (the runner keeps those that mention a client class)."""
        index = cls()
        roots = list(roots)
        for path, data in sources:
            if not may_build_client(data):
                continue
            try:
                tree = ast.parse(data)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue  # reported by the analysis itself, if the file matters
            found = _module_clients(tree, knowledge, str(path))
            if found:
                for module in module_names(path, roots):
                    for name, facts in found.items():
                        index.clients[f"{module}.{name}"] = facts
        return index


class Directory:
    """The clients each module exports, found and parsed on first use, then kept for the run."""

    def __init__(self, files: Sequence[Path], roots: Sequence[Path], knowledge: Knowledge):
        self.finder = ModuleFinder(files, roots)
        self.knowledge = knowledge
        self._by_module: dict[tuple[str, Path], dict[str, ClientFacts]] = {}
        self._by_file: dict[Path, dict[str, ClientFacts]] = {}

    def index_for(self, path: Path, data: bytes, names: Sequence[str]) -> ClientIndex:
        """The clients of every module the file at `path` (holding `data`) imports."""
        clients: dict[str, ClientFacts] = {}
        base = package_base(path)
        for module in sorted(imported_modules(data, names)):
            key = (module, base)
            if key not in self._by_module:
                found: dict[str, ClientFacts] = {}
                for source in self.finder.find(module, path):
                    found.update(self._file_clients(source))
                self._by_module[key] = found
            for name, facts in self._by_module[key].items():
                clients[f"{module}.{name}"] = facts
        return ClientIndex(clients)

    def _file_clients(self, path: Path) -> dict[str, ClientFacts]:
        if path not in self._by_file:
            self._by_file[path] = {}
            try:
                if path.stat().st_size <= MAX_MODULE_BYTES:
                    data = path.read_bytes()
                    if may_build_client(data):
                        self._by_file[path] = _module_clients(ast.parse(data), self.knowledge, str(path))
            except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
                pass  # reported by the analysis itself, if the file is checked
        return self._by_file[path]


def _module_clients(tree: ast.Module, knowledge: Knowledge, origin: str) -> dict[str, ClientFacts]:
    aliases: dict[str, str] = {}
    constants: dict[str, ast.expr] = {}
    assigned: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    assigned[target.id] = assigned.get(target.id, 0) + 1
                    if node.value is not None:
                        constants[target.id] = node.value
    found: dict[str, ClientFacts] = {}
    for name, value in constants.items():
        if assigned.get(name) != 1 or not isinstance(value, ast.Call):
            continue
        class_name = _dotted(value.func, aliases)
        if class_name is None or knowledge.provider_for_client(class_name) is None:
            continue
        facts = ClientFacts(class_name, value.lineno, origin=origin)
        keywords = {k.arg: k.value for k in value.keywords if k.arg}
        facts.url_keyword = next((k for k in URL_KEYWORDS if k in keywords), None)
        if facts.url_keyword:
            resolved = _string(keywords[facts.url_keyword], constants, aliases)
            if resolved is not None:
                facts.url, facts.url_fallback = resolved
        version = keywords.get("api_version") or keywords.get("openai_api_version")
        resolved_version = _string(version, constants, aliases) if version is not None else None
        if resolved_version is not None:
            facts.api_version = resolved_version[0]
        found[name] = facts
    return found


def _dotted(node: ast.expr, aliases: dict[str, str]) -> Optional[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None
    return ".".join([aliases[node.id], *parts])


def _string(node: ast.expr, constants: dict[str, ast.expr], aliases: dict[str, str], depth: int = 0) -> Optional[tuple[str, bool]]:
    """A string the code states (literal, constant, getenv default, `or` fallback), and whether it is a fallback."""
    if depth > 8:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, False
    if isinstance(node, ast.Name) and node.id in constants:
        return _string(constants[node.id], constants, aliases, depth + 1)
    if isinstance(node, ast.Call) and _dotted(node.func, aliases) in _GETENV and len(node.args) >= 2:
        return _string(node.args[1], constants, aliases, depth + 1)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        last = _string(node.values[-1], constants, aliases, depth + 1)
        return (last[0], True) if last is not None else None
    return None
