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
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

from .clients import read_client
from .dependencies import Declared, DeclaredVersions
from .environment import Environment, EnvironmentFiles, EnvSetting, ProjectTree, read_limited
from ..knowledge import Knowledge
from .modules import ModuleFinder, imported_modules, module_names, package_base
from ..run.prefilter import for_clients
from .targets import ClientFacts

MAX_MODULE_BYTES = 10 * 1024 * 1024

@dataclass(frozen=True)
class Proxy:
    """A module-level object that forwards attribute access to a module it imports late
    (aider's `litellm = LazyLiteLLM()`): `litellm.completion` is the module's function."""

    module: str


@dataclass(frozen=True)
class ReturnedDict:
    """What a module-level helper returns from its one `return {...}`: its keys with their literal
    values (None: not a literal), and whether that is all it holds (no `**spread`)."""

    entries: tuple[tuple[str, Optional[Union[str, int]]], ...]
    complete: bool


Constant = Union[str, int, Proxy, ReturnedDict]
# What one module gives its importers: its clients, its environment writes, its constants.
ModuleFacts = tuple[dict[str, ClientFacts], list[EnvSetting], dict[str, Constant]]


class ClientIndex:
    """The clients a file imports, the model and limit constants of the modules it imports, and
    the environment settings its folder's files make."""

    def __init__(self, clients: Optional[dict[str, ClientFacts]] = None, environment: Optional[Environment] = None,
                 declared: Optional[dict[str, Declared]] = None, constants: Optional[dict[str, Constant]] = None) -> None:
        self.clients: dict[str, ClientFacts] = clients or {}
        self.environment = environment or Environment()
        self.declared: dict[str, Declared] = declared or {}  # SDK versions the project may run
        # `from app.config import MODEL`, `Config.MAX_TOKENS`: "app.config.MODEL" -> "gpt-4o"
        self.constants: dict[str, Constant] = constants or {}
        self.proxies = {name: value.module for name, value in self.constants.items() if isinstance(value, Proxy)}

    def __len__(self) -> int:
        return len(self.clients)

    def lookup(self, qualified: str) -> Optional[ClientFacts]:
        return self.clients.get(qualified)

    @property
    def digest(self) -> str:
        """What the cache keys on: a client changed in an imported module, or a changed .env, changes the result."""
        text = repr((sorted((name, repr(facts)) for name, facts in self.clients.items()), self.environment.digest,
                     sorted(self.declared.items()), sorted(self.constants.items())))
        return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()

    @classmethod
    def build(cls, files: Iterable[Path], roots: Iterable[Path], knowledge: Knowledge) -> "ClientIndex":
        def sources():
            for path in files:
                data = read_limited(path, MAX_MODULE_BYTES)
                if data is not None:
                    yield path, data

        return cls.from_sources(sources(), roots, knowledge)

    @classmethod
    def from_sources(cls, sources: Iterable[tuple[Path, bytes]], roots: Iterable[Path], knowledge: Knowledge) -> "ClientIndex":
        """The index of files already read (the runner keeps those that mention a client class)."""
        index = cls()
        roots = list(roots)
        files = EnvironmentFiles(_env_vars(knowledge), roots)
        for path, data in sources:
            found, _, constants = module_facts(data, knowledge, str(path), files.for_file(path))
            for module in module_names(path, roots) if found or constants else ():
                for name, facts in found.items():
                    index.clients[f"{module}.{name}"] = facts
                for name, value in constants.items():
                    index.constants[f"{module}.{name}"] = value
        return index


class Directory:
    """The clients each module exports, found and parsed on first use, then kept for the run."""

    def __init__(self, files: Sequence[Path], roots: Sequence[Path], knowledge: Knowledge):
        self.finder = ModuleFinder(files, roots)
        self.knowledge = knowledge
        tree = ProjectTree(roots)  # one listing of each folder for both readers
        self.environment_files = EnvironmentFiles(_env_vars(knowledge), roots, tree)
        self.declared_versions = DeclaredVersions(_sdk_packages(knowledge), roots, tree)
        self._by_module: dict[tuple[str, Path], ModuleFacts] = {}
        self._by_file: dict[Path, ModuleFacts] = {}

    def index_for(self, path: Path, data: bytes, names: Sequence[str]) -> ClientIndex:
        """The clients of every module the file at `path` (holding `data`) imports, and the
        environment its folder's files and those modules' own writes (`import settings` that
        sets `os.environ[...]`) make."""
        clients: dict[str, ClientFacts] = {}
        writes: list[EnvSetting] = []
        constants: dict[str, Constant] = {}
        base = package_base(path)
        for module in sorted(imported_modules(data, names)):
            key = (module, base)
            if key not in self._by_module:
                found: dict[str, ClientFacts] = {}
                found_writes: list[EnvSetting] = []
                found_constants: dict[str, Constant] = {}
                for source in self.finder.find(module, path):
                    module_found, module_writes, module_constants = self._file_clients(source)
                    found.update(module_found)
                    found_writes.extend(module_writes)
                    found_constants.update(module_constants)
                self._by_module[key] = (found, found_writes, found_constants)
            found, found_writes, found_constants = self._by_module[key]
            for name, facts in found.items():
                clients[f"{module}.{name}"] = facts
            for name, value in found_constants.items():
                constants[f"{module}.{name}"] = value
            writes.extend(found_writes)
        environment = self.environment_files.for_file(path)
        return ClientIndex(clients, Environment(writes, environment.files) if writes else environment,
                           self.declared_versions.for_file(path), constants)

    def _file_clients(self, path: Path) -> ModuleFacts:
        if path not in self._by_file:
            self._by_file[path] = ({}, [], {})
            data = read_limited(path, MAX_MODULE_BYTES)
            if data is not None:
                self._by_file[path] = module_facts(data, self.knowledge, str(path), self.environment_files.for_file(path))
        return self._by_file[path]


def _sdk_packages(knowledge: Knowledge) -> set[str]:
    """The SDK packages whose version decides whether a keyword exists (rules: keyword_since) or
    what a library sends for a missing limit (a surface's missing_limit_package)."""
    return ({key.split(".", 1)[0] for provider in knowledge.providers.values() for key in provider.keyword_since}
            | {surface.missing_limit_package for surface in knowledge.surfaces if surface.missing_limit_package})


def _env_vars(knowledge: Knowledge) -> set[str]:
    """Every variable some SDK reads its endpoint or api_version from."""
    found = set()
    for provider in knowledge.providers.values():
        found.update(provider.env)
        found.update(provider.module_env)
        if provider.api_version_env:
            found.add(provider.api_version_env)
    return found


def module_facts(data: bytes, knowledge: Knowledge, origin: str, environment: Environment) -> ModuleFacts:
    """The clients a module builds once at its top level (`client = OpenAI(...)`), read by clients.py
    exactly as the calls of the module itself would read them, the environment variables the
    module sets (each a fallback for its importers: the order of imports decides), and its model
    and limit constants (module_constants)."""
    builds, writes_env = for_clients(knowledge)(data), ENV_WRITE_TRIGGER.search(data) is not None
    wants_constants = (CONSTANT_TRIGGER.search(data) is not None or b"__getattr__" in data
                       or DICT_KEY_TRIGGER.search(data) is not None)
    if not (builds or writes_env or wants_constants):
        return {}, [], {}
    from .callsites import CallSiteFinder
    from ..knowledge.config import Settings
    from .source import parse

    try:
        tree, source, _ = parse(data)
        constants = module_constants(tree) if wants_constants else {}
        if not (builds or writes_env):
            return {}, [], constants
        finder = CallSiteFinder(knowledge, Settings(), None, (), source)
        finder.env = environment
        finder.prepare(tree)
    except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeError, LookupError):
        return {}, [], {}  # reported by the analysis itself, if the file is checked
    writes = [replace(w, origin=origin) for w in finder.env.writes]
    if not builds:
        return {}, writes, constants
    assigned: dict[str, int] = {}
    values: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    assigned[target.id] = assigned.get(target.id, 0) + 1
                    if node.value is not None:
                        values[target.id] = node.value
    from .receivers import returned_construction

    for node in tree.body:  # factories: `def make_client(): return OpenAI(...)` (receivers.through_factory)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            assigned[node.name] = assigned.get(node.name, 0) + 1
            returned = returned_construction(finder, node)
            if returned is not None:
                values[node.name] = returned
    found: dict[str, ClientFacts] = {}
    for name, value in values.items():
        if assigned.get(name) != 1 or not isinstance(value, ast.Call):
            continue
        facts = read_client(finder, value, finder.env)
        if facts is not None:
            facts.origin = origin
            found[name] = facts
    return found, writes, constants


# A model or a limit held in a constant another module imports (`MODEL = "gpt-4o"`,
# `DEFAULT_MAX_TOKENS = 4096`, a class's `MODEL_NAME = ...`): the name says model or tokens, the
# value is a literal. Only a module that has one is parsed for it.
CONSTANT_TRIGGER = re.compile(rb"(?im)^[ \t]*[a-z_][a-z0-9_]*(?:model|tokens)[a-z0-9_]*[ \t]*(?::[^=\n]*)?=[ \t]*[\"'0-9-]")
_CONSTANT_NAME = re.compile(r"(?i)model|tokens")
# A helper that returns request options (`def build_params(): return {"model": ..., "max_tokens": ...}`).
DICT_KEY_TRIGGER = re.compile(rb"[\"'](?:model|[a-z_]*tokens[a-z_]*|num_predict)[\"']\s*:")
_DICT_KEY = re.compile(r"model|tokens|predict")


def module_constants(tree: ast.Module) -> dict[str, Constant]:
    """The module's top-level constants, and its top-level classes' (`Config.MODEL`), whose name
    says model or tokens and that one statement binds to a string or an int literal: what
    importers read. A name bound again (twice, `global`, `Config.MODEL = ...`, `setattr`) is left
    out: its value is decided at run time."""
    bound: dict[str, int] = {}
    values: dict[str, Constant] = {}

    def bind(name: str, value: Optional[ast.expr]) -> None:
        bound[name] = bound.get(name, 0) + 1
        literal = _literal(value) if value is not None and _CONSTANT_NAME.search(name) else None
        if literal is not None:
            values[name] = literal

    for node in tree.body:
        for name, value in _bindings(node):
            bind(name, value)
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                for name, value in _bindings(statement):
                    bind(f"{node.name}.{name}", value)
    for node in ast.walk(tree):  # rebound elsewhere: `global MODEL` in a function, `Config.MODEL = ...`
        if isinstance(node, ast.Global):
            for name in node.names:
                bound[name] = 2
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    bound[f"{target.value.id}.{target.attr}"] = 2
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" \
                and node.args and isinstance(node.args[0], ast.Name):
            for name in list(values):
                if name.startswith(f"{node.args[0].id}."):
                    bound[name] = 2
    values.update((name, Proxy(module)) for name, module in module_proxies(tree).items())
    values.update(_returned_dicts(tree))
    return {name: value for name, value in values.items() if bound.get(name) == 1}


def _returned_dicts(tree: ast.Module) -> dict[str, ReturnedDict]:
    """Module-level functions whose one `return` is a dict literal naming a model or a limit: what
    an importer's `**build_params()` / `params = build_params()` holds (one level; its values are
    the helper's, so no fix in the importer edits them)."""
    found: dict[str, ReturnedDict] = {}
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        returned = [n for n in ast.walk(node) if isinstance(n, ast.Return)]
        nested = any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and n is not node for n in ast.walk(node))
        if len(returned) != 1 or nested or not isinstance(returned[0].value, ast.Dict):
            continue
        literal = returned[0].value
        entries, complete = [], True
        for key, value in zip(literal.keys, literal.values):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                complete = False  # `**base` or a computed key
                continue
            entries.append((key.value, _literal(value)))
        if any(_DICT_KEY.search(key) for key, _ in entries):
            found[node.name] = ReturnedDict(tuple(entries), complete)
    return found


def module_proxies(tree: ast.Module) -> dict[str, str]:
    """`name = Lazy()` at the top level, where the module's class `Lazy` has a `__getattr__` and
    imports one module by a literal name (`importlib.import_module("litellm")`, `import litellm`):
    name -> that module. A class that imports several is no one module's proxy."""
    classes: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "__getattr__"
                                                  for s in node.body):
            imported = set()
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and inner.args and isinstance(inner.args[0], ast.Constant) \
                        and isinstance(inner.args[0].value, str) and (
                            (isinstance(inner.func, ast.Attribute) and inner.func.attr == "import_module")
                            or (isinstance(inner.func, ast.Name) and inner.func.id in ("import_module", "__import__"))):
                    imported.add(inner.args[0].value)
                elif isinstance(inner, ast.Import):
                    imported.update(alias.name for alias in inner.names)
            if len(imported) == 1:
                classes[node.name] = imported.pop()
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name) and node.value.func.id in classes:
            found[node.targets[0].id] = classes[node.value.func.id]
    return found


def _bindings(node: ast.stmt):
    """The names a top-level statement binds, each with its value where it is an assignment."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                yield target.id, node.value if len(node.targets) == 1 else None
            else:
                for inner in ast.walk(target):
                    if isinstance(inner, ast.Name):
                        yield inner.id, None
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        yield node.target.id, node.value
    elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        yield node.target.id, None
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield node.name, None
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            yield (alias.asname or alias.name).split(".")[0], None
    elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
        for inner in ast.walk(node):  # bound in a block: which value holds is run-time
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
                yield inner.id, None


def _literal(value: ast.expr) -> Optional[Constant]:
    if isinstance(value, ast.Constant) and isinstance(value.value, (str, int)) and not isinstance(value.value, bool):
        return value.value
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub) and isinstance(value.operand, ast.Constant) \
            and type(value.operand.value) is int:
        return -value.operand.value
    return None


# What a module that sets an endpoint variable must contain, as bytes (most modules do not).
ENV_WRITE_TRIGGER = re.compile(rb"environ|putenv|\.base_url\s*=|\.api_base\s*=|setattr|load_dotenv")
