"""A whole-run index of module-level LLM clients, so that `from app.llm import client` is traced.

Real code builds its client once (`app/llm.py: client = OpenAI(base_url=...)`) and imports it
everywhere. The index is built with the standard library's `ast`, only for files whose bytes
mention a client class, and holds what each construction says: class, base URL, api_version.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path
from typing import Iterable, Optional

from .knowledge import Knowledge
from .prefilter import may_build_client
from .targets import URL_KEYWORDS, ClientFacts

_GETENV = {"os.getenv", "os.environ.get"}


def module_names(path: Path, roots: Iterable[Path]) -> list[str]:
    """Dotted names a file can be imported as: by its packages, and relative to each root."""
    path = path.resolve()
    stem = [] if path.name == "__init__.py" else [path.stem]
    names = []
    parts, folder = list(stem), path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    if parts:
        names.append(".".join(parts))
    for root in roots:
        root = root.resolve()
        base = root if root.is_dir() else root.parent
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


class ClientIndex:
    def __init__(self) -> None:
        self.clients: dict[str, ClientFacts] = {}

    def __len__(self) -> int:
        return len(self.clients)

    def lookup(self, qualified: str) -> Optional[ClientFacts]:
        return self.clients.get(qualified)

    @property
    def digest(self) -> str:
        """What the cache keys on: a client changed in one module changes every importer's result."""
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
