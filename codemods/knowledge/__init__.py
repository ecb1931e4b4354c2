"""The knowledge base: providers, models, API surfaces and checks, read from `rules/*.toml`.

Facts about the outside world change faster than code, so none of them live in Python:
adding a provider or a model is a TOML edit, and a team can add its own gateway through
`extra-rules` in its configuration.
"""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional

import tomllib

from ..run.reading import read_at_most


class KnowledgeError(Exception):
    """A rules file is missing, unreadable or malformed."""


def rules_dir() -> Path:
    """Where the shipped TOML lives: inside the package in a wheel, at the repo top when editable."""
    package = Path(__file__).resolve().parent.parent  # codemods/
    for candidate in (package / "rules", package.parent / "rules"):
        if (candidate / "providers.toml").is_file():
            return candidate
    raise KnowledgeError(f"rules/*.toml not found next to {package}; reinstall tokenfix")


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    hosts: tuple[str, ...] = ()
    ports: tuple[int, ...] = ()
    clients: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    api_version_env: str = ""
    module_env: tuple[str, ...] = ()
    accepts: tuple[str, ...] = ()
    preferred: str = "max_tokens"
    deprecated: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    errors: dict = field(default_factory=dict, hash=False, compare=False)
    # "package.keyword" -> the first release of this provider's SDK package whose method takes it
    keyword_since: dict = field(default_factory=dict, hash=False, compare=False)
    self_hosted: bool = False
    min_api_version: Optional[str] = None
    verified_ga_api_versions: tuple[str, ...] = ()
    docs: str = ""
    source: str = ""


@dataclass(frozen=True)
class Model:
    id: str
    providers: tuple[str, ...]
    context: int
    source: str
    match: tuple[str, ...] = ()
    max_output: Optional[int] = None
    reasoning: bool = False
    responses_only: bool = False
    note: str = ""

    @property
    def output_cap(self) -> int:
        """A model with no published output cap is bounded by its window."""
        return self.max_output if self.max_output is not None else self.context


@dataclass(frozen=True)
class Surface:
    id: str
    kind: str
    limit: str
    container_key: Optional[str] = None
    constructor: bool = False
    accepted: tuple[str, ...] = ()
    wire_name: Optional[str] = None
    silent_wrong: bool = False
    routing: dict = field(default_factory=dict, hash=False, compare=False)
    receivers: tuple[str, ...] = ()
    provider_keyword: Optional[str] = None
    model_keywords: tuple[str, ...] = ("model",)
    deployment_keywords: tuple[str, ...] = ()
    model_positional: bool = False
    methods: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    wrong: tuple[str, ...] = ()
    wrong_error: str = ""
    required: bool = False
    required_error: str = ""
    provider: Optional[str] = None
    sdks: tuple[str, ...] = ()
    streaming_methods: tuple[str, ...] = ()
    nonstreaming_cap: Optional[int] = None
    nonstreaming_model_caps: dict = field(default_factory=dict, hash=False, compare=False)
    source: str = ""


@dataclass(frozen=True)
class CheckInfo:
    code: str
    name: str
    severity: str
    summary: str
    fix: str
    docs: str
    source: str
    default: bool = True  # enabled unless selected otherwise
    options: dict = field(default_factory=dict, hash=False, compare=False)


_DATE_SUFFIX = re.compile(r"(-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8}|-\d{4})$")


def _tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (list, tuple)) else ()


# What a value of each annotated field type may be, as read from TOML, and how to say so.
_TYPES = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "Optional[str]": (lambda v: isinstance(v, str), "a string"),
    "int": (lambda v: _positive(v), "a positive integer"),
    "Optional[int]": (lambda v: _positive(v), "a positive integer"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "tuple[str, ...]": (lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v), "a list of strings"),
    "tuple[int, ...]": (lambda v: isinstance(v, list) and all(_positive(i) for i in v), "a list of positive integers"),
}
# The values of each table-valued field, by the code that reads them: an error text per
# parameter, a release per `package.keyword`, a provider id per routing value, a cap per model.
_TABLE_VALUES = {
    "errors": (str, "strings"),
    "keyword_since": (str, "version strings"),
    "routing": (str, "provider ids"),
    "nonstreaming_model_caps": (int, "positive integers"),
    "options": ((str, int, float, bool), "strings, numbers or booleans"),
}


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _check_value(where: str, key: str, value: Any, annotation: str) -> None:
    """A wrongly typed value in a rules file is named here: left to the lookups, `methods = 5`
    or `id = 5` would surface as a traceback far from the file that holds it."""
    if annotation == "dict":
        kind, what = _TABLE_VALUES.get(key, ((str, int, float, bool), "strings, numbers or booleans"))
        good = isinstance(value, dict) and all(
            isinstance(v, kind) and (kind is not int or _positive(v)) for v in value.values())
        if not good:
            raise KnowledgeError(f"{where}: {key} must be a table of {what}, not {value!r:.80}")
        return
    test, what = _TYPES[annotation]
    if not test(value):
        raise KnowledgeError(f"{where}: {key} must be {what}, not {value!r:.80}")


def _build(cls, entry: Any, where: str, required: Iterable[str]):
    if not isinstance(entry, dict):
        raise KnowledgeError(f"{where}: must be a table, not {entry!r:.80}")
    missing = [key for key in required if key not in entry]
    if missing:
        raise KnowledgeError(f"{where}: missing key(s) {', '.join(missing)}")
    fields = cls.__dataclass_fields__
    unknown = sorted(set(entry) - set(fields))
    if unknown:
        raise KnowledgeError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(fields))}")
    kwargs = {}
    for key, value in entry.items():
        _check_value(where, key, value, fields[key].type)
        kwargs[key] = tuple(value) if isinstance(value, list) else value
    try:
        return cls(**kwargs)
    except TypeError as exc:  # pragma: no cover - guarded by the key checks above
        raise KnowledgeError(f"{where}: {exc}") from None


MAX_SETTINGS_BYTES = 4 * 1024 * 1024  # a configuration or rules file larger than this is not read


def read_bounded(path: Path, limit: int = MAX_SETTINGS_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError (with a strerror that says
    why) for anything else.

    Settings and rules files are named by the tree being checked (`extend`, `extra-rules`), and
    the tree is untrusted: the file is opened without blocking and its type checked on the
    descriptor, so a FIFO or a device (`/dev/zero`) can neither hang nor flood the run, and at
    most limit + 1 bytes are read whatever the file claims."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except ValueError:  # a NUL byte in the name
        raise OSError(errno.EINVAL, "not a valid file name") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise OSError(errno.EISDIR, "is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        data = read_at_most(fd, limit)
        if len(data) > limit:
            raise OSError(errno.EFBIG, f"{max(info.st_size, len(data)):,} bytes, over the {limit:,}-byte limit")
        return data
    finally:
        os.close(fd)


def parse_toml(data: bytes) -> dict:
    """TOML bytes as a dict; ValueError (tomllib's, or one that says why) for anything else.

    tomllib recurses once per nesting level, so `a = [[[...]]]` 3,000 deep raises
    RecursionError; that is a malformed file like any other, not a crash."""
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8: {exc.reason} at byte {exc.start}") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _read(path: Path, contents: list[bytes]) -> dict:
    """A rules file as a dict; its bytes are appended to `contents` (what the cache keys on)."""
    try:
        data = read_bounded(path)
        contents.append(data)
        return parse_toml(data)
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot read rules file ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise KnowledgeError(f"{path}: invalid TOML ({exc})") from None


class Knowledge:
    """All facts, indexed for the lookups the analysis makes per call site."""

    def __init__(self, providers: list[Provider], models: list[Model], surfaces: list[Surface], checks: list[CheckInfo]):
        self.providers = {p.id: p for p in providers}
        self.models = models
        self.surfaces = surfaces
        self.checks = {c.code: c for c in checks}
        self.digest = ""  # set by load(): a hash of the rules files' bytes
        self._exact: dict[str, Model] = {}
        self._globs: list[tuple[str, Model]] = []
        for model in models:
            for name in (model.id, *model.match):
                if "*" in name:
                    self._globs.append((name.lower(), model))
                else:
                    self._exact.setdefault(name.lower(), model)
        self.sanity_cap = max((m.context for m in models), default=2_097_152)
        # SDK methods by their last name: every call of a module asks, nearly all in vain
        self._methods: dict[str, list[tuple[tuple[str, ...], Surface, str]]] = {}
        for surface in surfaces:
            if surface.kind == "sdk":
                for method in surface.methods:
                    parts = tuple(method.split("."))
                    self._methods.setdefault(parts[-1], []).append((parts, surface, method))

    # -- providers -------------------------------------------------------------------------
    def provider(self, provider_id: Optional[str]) -> Optional[Provider]:
        return self.providers.get(provider_id) if provider_id else None

    def provider_for_client(self, qualified_name: str) -> Optional[Provider]:
        for provider in self.providers.values():
            if qualified_name in provider.clients:
                return provider
        return None

    def provider_for_host(self, host: str, port: Optional[int] = None) -> Optional[Provider]:
        host = host.lower()
        for provider in self.providers.values():
            if any(fnmatch.fnmatchcase(host, pattern) for pattern in provider.hosts):
                if provider.ports and port is not None and port not in provider.ports and host in ("localhost", "127.0.0.1", "0.0.0.0"):
                    continue
                return provider
        if port is not None:
            for provider in self.providers.values():
                if port in provider.ports:
                    return provider
        return None

    # -- models ----------------------------------------------------------------------------
    def find_model(self, model_id: Optional[str], provider_id: Optional[str] = None) -> Optional[Model]:
        """Exact id, then without a date suffix, then without an org prefix; None when unknown.

        A model is only matched for a provider it is listed under: the same open-weight id has
        different windows on different hosts, and on self-hosted servers the window is a
        deployment setting, so there the model is unknown.
        """
        if not model_id:
            return None
        provider = self.provider(provider_id)
        if provider is not None and provider.self_hosted:
            return None
        candidates = [model_id.strip()]
        while "/" in candidates[-1]:  # openrouter/openai/gpt-4o -> openai/gpt-4o -> gpt-4o
            candidates.append(candidates[-1].split("/", 1)[1])
        for name in list(candidates):
            stripped = _DATE_SUFFIX.sub("", name)
            if stripped != name:
                candidates.append(stripped)
        for name in candidates:
            model = self._lookup(name.lower())
            if model is not None and (provider_id is None or provider_id in model.providers):
                return model
        return None

    def _lookup(self, name: str) -> Optional[Model]:
        model = self._exact.get(name)
        if model is not None:
            return model
        for pattern, candidate in self._globs:
            if fnmatch.fnmatchcase(name, pattern):
                return candidate
        return None

    def providers_of_model(self, model_id: Optional[str]) -> tuple[str, ...]:
        model = self.find_model(model_id)
        return model.providers if model else ()

    # -- surfaces --------------------------------------------------------------------------
    def surface_for_method(self, chain: tuple[str, ...]) -> Optional[tuple[Surface, str]]:
        """The surface whose method is the longest suffix of an attribute chain (the first
        such, in the order of the rules, when two are as long)."""
        best: Optional[tuple[Surface, str]] = None
        longest = 0
        for parts, surface, method in self._methods.get(chain[-1], ()) if chain else ():
            if len(parts) <= len(chain) and chain[len(chain) - len(parts):] == parts and len(parts) > longest:
                best, longest = (surface, method), len(parts)
        return best

    def surface_for_function(self, qualified_name: str) -> Optional[Surface]:
        for surface in self.surfaces:
            if qualified_name in surface.functions:
                return surface
        return None

    def surface_for_path(self, path: str) -> Optional[Surface]:
        path = path.rstrip("/")
        best: Optional[tuple[Surface, str]] = None
        for surface in self.surfaces:
            for suffix in surface.paths:
                if path.endswith(suffix) and (best is None or len(suffix) > len(best[1])):
                    best = (surface, suffix)
        return best[0] if best else None

    def surface(self, surface_id: str) -> Surface:
        for surface in self.surfaces:
            if surface.id == surface_id:
                return surface
        raise KeyError(surface_id)


def load(extra: Iterable[Path] = ()) -> Knowledge:
    """Read the shipped rules plus a team's own files; later files add to or override earlier ones."""
    extra = tuple(extra)
    return _load_cached(extra)


@lru_cache(maxsize=8)
def _load_cached(extra: tuple[Path, ...]) -> Knowledge:
    base = rules_dir()
    files = [base / "providers.toml", base / "models.toml", base / "surfaces.toml", base / "checks.toml", *extra]
    providers: dict[str, Provider] = {}
    models: list[Model] = []
    surfaces: dict[str, Surface] = {}
    checks: dict[str, CheckInfo] = {}
    contents: list[bytes] = []
    for path in files:
        data = _read(path, contents)
        unknown = sorted(set(data) - {"provider", "model", "surface", "check"})
        if unknown:
            raise KnowledgeError(f"{path}: unknown table(s) {', '.join(unknown)}; allowed: provider, model, surface, check")
        for table in ("provider", "model", "surface", "check"):
            if not isinstance(data.get(table, []), list):
                raise KnowledgeError(f"{path}: {table} must be an array of tables ([[{table}]]), not {data[table]!r:.80}")
        for i, entry in enumerate(data.get("provider", [])):
            p = _build(Provider, entry, f"{path}: provider #{i + 1}", ("id", "name", "source"))
            providers[p.id] = p
        for i, entry in enumerate(data.get("model", [])):
            where = f"{path}: model #{i + 1}" + (f" ({entry.get('id')})" if isinstance(entry, dict) and isinstance(entry.get("id"), str) else "")
            m = _build(Model, entry, where, ("id", "providers", "context", "source"))
            models.insert(0, m) if path in extra else models.append(m)
        for i, entry in enumerate(data.get("surface", [])):
            s = _build(Surface, entry, f"{path}: surface #{i + 1}", ("id", "kind", "limit", "source"))
            surfaces[s.id] = s
        for i, entry in enumerate(data.get("check", [])):
            where = f"{path}: check #{i + 1}"
            c = _build(CheckInfo, entry, where, ("code", "name", "severity", "summary", "fix", "docs", "source"))
            if "threshold" in c.options and not _positive(c.options["threshold"]):
                raise KnowledgeError(f"{where}: options.threshold must be a positive integer, not {c.options['threshold']!r:.80}")
            checks[c.code] = c
    for model in models:
        for provider_id in model.providers:
            if provider_id not in providers:
                raise KnowledgeError(f"model {model.id}: unknown provider {provider_id!r}")
    for surface in surfaces.values():
        for provider_id in (surface.provider, *surface.routing.values()):
            if provider_id is not None and provider_id not in providers:
                raise KnowledgeError(f"surface {surface.id}: unknown provider {provider_id!r}")
    knowledge = Knowledge(list(providers.values()), models, list(surfaces.values()), list(checks.values()))
    # What the cache keys on: any change to a rules file invalidates every cached result.
    knowledge.digest = hashlib.sha256(b"\0".join(contents)).hexdigest()
    return knowledge


def floor_pow2(value: int) -> int:
    """The largest power of two not above value (1 for anything below 2)."""
    return 1 << (max(int(value), 1).bit_length() - 1)


@dataclass(frozen=True)
class SafeDefault:
    value: int
    explanation: str


def safe_default(
    model: Optional[Model],
    *,
    input_reserve: int,
    buffer: int,
    default_max_tokens: int,
    surface_cap: Optional[int] = None,
    surface_cap_reason: str = "",
) -> SafeDefault:
    """DESIGN.md's formula: the largest power of two that no limit forbids."""
    if model is None:
        limits = [default_max_tokens]
        text = f"model unknown: default-max-tokens {default_max_tokens:,}"
        if surface_cap is not None and surface_cap < default_max_tokens:
            limits.append(surface_cap)
            text += f", {surface_cap_reason} {surface_cap:,}"
        value = floor_pow2(min(limits))
        return SafeDefault(value, f"{text} -> {value:,}")
    headroom = max(model.context - input_reserve - buffer, model.context // 4)
    parts = [f"max output {model.output_cap:,}", f"headroom {headroom:,} (context {model.context:,} - {input_reserve:,} input - {buffer:,} buffer)"]
    limits = [model.output_cap, headroom]
    if surface_cap is not None:
        limits.append(surface_cap)
        parts.append(f"{surface_cap_reason} {surface_cap:,}")
    value = floor_pow2(min(limits))
    return SafeDefault(value, f"{model.id}: floor_pow2(min({', '.join(parts)})) = {value:,}")
