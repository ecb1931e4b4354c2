"""The knowledge base: providers, models, API surfaces and checks, read from `rules/*.toml`.

Facts about the outside world change faster than code, so none of them live in Python:
adding a provider or a model is a TOML edit, and a team can add its own gateway through
`extra-rules` in its configuration. The rows' shapes are in schema.py, reading a file in
files.py, the safe-default formula in safe_default.py; this module indexes the rows for the
lookups the analysis makes per call.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from .files import MAX_SETTINGS_BYTES, parse_toml, read_bounded, rules_dir, _read
from .safe_default import SafeDefault, floor_pow2, safe_default
from .schema import SEVERITIES, CheckInfo, ClientRules, HttpLibrary, KnowledgeError, Model, Provider, Surface, _positive, build

__all__ = ["CheckInfo", "ClientRules", "HttpLibrary", "Knowledge", "KnowledgeError", "MAX_SETTINGS_BYTES", "Model", "Provider", "SafeDefault", "Surface",
           "floor_pow2", "load", "parse_toml", "read_bounded", "rules_dir", "safe_default"]

_DATE_SUFFIX = re.compile(r"(-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8}|-\d{4})$")



class Knowledge:
    """All facts, indexed for the lookups the analysis makes per call site."""

    def __init__(self, providers: list[Provider], models: list[Model], surfaces: list[Surface], checks: list[CheckInfo],
                 clients: ClientRules = ClientRules(), http_libraries: Iterable[HttpLibrary] = ()):
        http_libraries = tuple(http_libraries)
        from ..surfaces import call_hooks, kinds  # the kinds sit above this layer (surfaces/__init__.py)

        self.providers = {p.id: p for p in providers}
        self.kinds = kinds()  # kind name -> its module: how the finder hands a call to its door
        self.call_hooks = call_hooks()
        self.clients = clients
        self.http_functions = frozenset(n for lib in http_libraries for n in lib.functions)
        self.http_sessions = frozenset(n for lib in http_libraries for n in lib.sessions)
        self.http_body_keywords = tuple(dict.fromkeys(k for lib in http_libraries for k in lib.body_keywords))
        # SDK modules that double as a default client (`openai.chat.completions.create(...)`)
        self.module_providers = {p.module: p.id for p in providers if p.module}
        self.limit_names = _limit_names(providers, surfaces)
        # rules/models_imported.toml: (path, bytes, lower-cased bytes), searched by id on demand
        self._imported_data: list[tuple[Path, bytes, bytes]] = []
        self._imported: dict[str, tuple[Model, ...]] = {}
        self._imported_on: "Optional[str] | bool" = False  # not read yet
        self._retirements: dict[tuple[int, Optional[str]], Model] = {}  # (id of a curated row, provider) -> merged row
        self.models = models
        self.surfaces = surfaces
        # a door that is its instance's call (`llm(...)`, methods = ["__call__"]) is looked for only
        # in a module that names its SDK (`sdk_words`): every bare call would ask otherwise
        self.callable_words = tuple(sorted({w for s in surfaces if "__call__" in getattr(s.options, "methods", ())
                                            for w in getattr(s.options, "sdk_words", ())}))
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
        # Doors by the names that find them (surfaces/__init__.py): the methods by their last
        # name, since every call of a module asks, nearly all in vain; the first row wins.
        self._methods: dict[str, list[tuple[tuple[str, ...], Surface, str]]] = {}
        self._functions: dict[str, Surface] = {}
        self._paths: list[tuple[str, Surface]] = []
        for surface in surfaces:
            for method in getattr(surface.options, "methods", ()):
                parts = tuple(method.split("."))
                self._methods.setdefault(parts[-1], []).append((parts, surface, method))
            for name in getattr(surface.options, "functions", ()):
                self._functions.setdefault(name, surface)
            self._paths += [(suffix, surface) for suffix in getattr(surface.options, "paths", ())]

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
                return self._with_retirement(model, provider_id)
        for name in candidates:  # the curated rows first, whatever the spelling; then the imported ones
            model = self._lookup_imported(name.lower(), provider_id)
            if model is not None:
                return model
        return None

    def _with_retirement(self, model: Model, provider_id: Optional[str]) -> Model:
        """A curated row, with the retirement day and successor the imported row of the same id
        and provider gives where the curated one gives none: field by field for the facts no fix
        rests on. A curated row's limits stay curated whole (a fix rests on them, and one it
        leaves out, such as max_output, it leaves out on purpose). Asked at every call site:
        each (row, provider) is merged once."""
        key = (id(model), provider_id)
        merged = self._retirements.get(key)
        if merged is None:
            merged = self._retirements[key] = self._merge_retirement(model, provider_id)
        return merged

    def _merge_retirement(self, model: Model, provider_id: Optional[str]) -> Model:
        providers = (provider_id,) if provider_id else model.providers
        row = next((r for r in self._imported_rows(model.id.lower())
                    if r.deprecation_date and any(p in r.providers for p in providers)), None)
        if model.deprecation_date:
            same_day = row is not None and row.deprecation_date == model.deprecation_date
            successor = model.successor or (row.successor if same_day else "")
            if successor == model.successor and model.retirement_source:
                return model
            return replace(model, successor=successor, retirement_source=model.retirement_source or model.source)
        if row is None:
            return model
        return replace(model, deprecation_date=row.deprecation_date, successor=model.successor or row.successor,
                       deprecation_providers=tuple(p for p in model.providers if p in row.providers),
                       retirement_source=row.source)

    def _lookup_imported(self, name: str, provider_id: Optional[str]) -> Optional[Model]:
        """An imported row by its exact id: the one of this provider, or, with none known, the
        one row (or rows that agree on the limits) the id has."""
        rows = self._imported_rows(name)
        if provider_id is not None:
            return next((m for m in rows if provider_id in m.providers), None)
        if rows and len({(m.context, m.output_cap) for m in rows}) == 1:
            return rows[0]
        return None

    def imported_models(self) -> list[Model]:
        """Every imported row (for `tokenfix models`; a lookup parses only the rows it needs)."""
        found = []
        for path, data, _ in self._imported_data:
            for i, entry in enumerate(parse_toml(data).get("model", [])):
                model = self._imported_model(entry, f"{path}: model #{i + 1}")
                if model is not None:
                    found.append(model)
        return found

    def _imported_model(self, entry: object, where: str) -> Optional[Model]:
        """One imported row, marked as such; None for a row of a provider an extra-rules file
        took away, or of a self-hosted one. A row may not say whether it is imported."""
        if isinstance(entry, dict) and "imported" in entry:
            raise KnowledgeError(f"{where}: unknown key(s) imported")
        if isinstance(entry, dict) and "retirement_source" in entry:
            raise KnowledgeError(f"{where}: unknown key(s) retirement_source")
        model = replace(build(Model, entry, where, ("id", "providers", "context", "source")), imported=True)
        model = replace(model, retirement_source=model.source if model.deprecation_date else "")
        if model.providers and all(p in self.providers and not self.providers[p].self_hosted for p in model.providers):
            return model
        return None

    def imported_on(self) -> Optional[str]:
        """The day the imported rows were taken from their sources (their header says), or None."""
        if self._imported_on is False:
            self._imported_on = None
            for _, data, _ in self._imported_data:
                match = re.search(rb'^# imported_on = (\d{4}-\d{2}-\d{2})', data[:4096], re.M)
                if match:
                    self._imported_on = match.group(1).decode()
                    break
        return self._imported_on

    def _imported_rows(self, name: str) -> tuple[Model, ...]:
        """The imported rows of one id, found by a byte search of the generated file and only
        those rows parsed: parsing all of its thousand rows would cost a run 140 ms, and a
        pre-commit run over a file whose models are all curated never asks at all."""
        cached = self._imported.get(name)
        if cached is not None:
            return cached
        found: list[Model] = []
        needle = f"\nid = {json.dumps(name, ensure_ascii=False)}\n".encode()
        for path, data, lowered in self._imported_data:
            at = lowered.find(needle)
            while at != -1:
                start = data.rfind(b"[[model]]", 0, at)
                end = data.find(b"\n[[model]]", at)
                block = data[start: end if end != -1 else len(data)]
                where = f"{path}: the row of {name}"
                try:
                    entries = parse_toml(block).get("model", [])
                except ValueError as exc:
                    raise KnowledgeError(f"{where}: invalid TOML ({exc})") from None
                found += filter(None, (self._imported_model(entry, where) for entry in entries))
                at = lowered.find(needle, at + 1)
        self._imported[name] = rows = tuple(found)
        return rows

    def _lookup(self, name: str) -> Optional[Model]:
        model = self._exact.get(name)
        if model is not None:
            return model
        for pattern, candidate in self._globs:
            if fnmatch.fnmatchcase(name, pattern):
                return candidate
        return None

    # -- surfaces --------------------------------------------------------------------------
    def surface_for_method(self, chain: tuple[str, ...]) -> Optional[tuple[Surface, str]]:
        """The surface whose method is the longest suffix of an attribute chain (the first
        such, in the order of the rules, when two are as long)."""
        found = self.surfaces_for_method(chain)
        return found[0] if found else None

    def surfaces_for_method(self, chain: tuple[str, ...]) -> list[tuple[Surface, str]]:
        """Every surface one of whose methods ends the chain, the longest suffix first, then in
        the order of the rules: two SDKs may name a method alike (Ollama's and Cohere's
        `client.chat(...)`), and the receiver's SDK decides which door it is."""
        found = []
        for parts, surface, method in self._methods.get(chain[-1], ()) if chain else ():
            if len(parts) <= len(chain) and chain[len(chain) - len(parts):] == parts:
                found.append((len(parts), len(found), surface, method))
        if len(found) > 1:  # asked for every call of a module: the sort only where two doors share a name
            found.sort(key=lambda f: (-f[0], f[1]))
        return [(surface, method) for _, _, surface, method in found]

    def ends_a_method(self, name: str) -> bool:
        """Whether some door's method chain ends in `name` (`create`): asked before tracing an alias,
        so that `items.append(...)` costs nothing."""
        return name in self._methods

    def surface_for_function(self, qualified_name: str) -> Optional[Surface]:
        return self._functions.get(qualified_name)

    def surface_for_path(self, path: str) -> Optional[Surface]:
        path = path.rstrip("/")
        best: Optional[tuple[str, Surface]] = None
        for suffix, surface in self._paths:
            if path.endswith(suffix) and (best is None or len(suffix) > len(best[0])):
                best = (suffix, surface)
        return best[1] if best else None


def load(extra: Iterable[Path] = ()) -> Knowledge:
    """Read the shipped rules plus a team's own files; later files add to or override earlier ones."""
    extra = tuple(extra)
    return _load_cached(extra)


def _limit_names(providers: Iterable[Provider], surfaces: Iterable[Surface]) -> tuple[str, ...]:
    """Every name the rules give an output-token limit, in the order the rules first give it:
    the names a call site collects and the prefilter looks for."""
    names: dict[str, None] = {}
    for provider in providers:
        for name in (*provider.accepts, provider.preferred, *provider.deprecated, *provider.ignored, *provider.unknown):
            names.setdefault(name, None)
    for surface in surfaces:
        for name in (surface.limit, surface.wire_name, *surface.wrong):
            if name and name not in ("provider", "translated"):
                names.setdefault(name, None)
    return tuple(names)


_TABLES = ("provider", "model", "surface", "check", "http_library")  # arrays of tables
_SINGLE = ("clients",)  # one table per file


@lru_cache(maxsize=8)
def _load_cached(extra: tuple[Path, ...]) -> Knowledge:
    base = rules_dir()
    files = [base / "providers.toml", base / "models.toml", base / "surfaces.toml", base / "checks.toml",
             base / "clients.toml", *extra]
    providers: dict[str, Provider] = {}
    models: list[Model] = []
    surfaces: dict[str, Surface] = {}
    checks: dict[str, CheckInfo] = {}
    libraries: dict[str, HttpLibrary] = {}
    clients = ClientRules()
    contents: list[bytes] = []
    for path in files:
        data = _read(path, contents)
        unknown = sorted(set(data) - {*_TABLES, *_SINGLE})
        if unknown:
            raise KnowledgeError(f"{path}: unknown table(s) {', '.join(unknown)}; allowed: {', '.join((*_TABLES, *_SINGLE))}")
        for table in _TABLES:
            if not isinstance(data.get(table, []), list):
                raise KnowledgeError(f"{path}: {table} must be an array of tables ([[{table}]]), not {data[table]!r:.80}")
        for i, entry in enumerate(data.get("provider", [])):
            p = build(Provider, entry, f"{path}: provider #{i + 1}", ("id", "name", "source"))
            providers[p.id] = p
        for i, entry in enumerate(data.get("model", [])):
            where = f"{path}: model #{i + 1}" + (f" ({entry.get('id')})" if isinstance(entry, dict) and isinstance(entry.get("id"), str) else "")
            m = build(Model, entry, where, ("id", "providers", "context", "source"))
            models.insert(0, m) if path in extra else models.append(m)
        for i, entry in enumerate(data.get("surface", [])):
            s = _surface(entry, f"{path}: surface #{i + 1}")
            surfaces[s.id] = s
        for i, entry in enumerate(data.get("check", [])):
            where = f"{path}: check #{i + 1}"
            c = build(CheckInfo, entry, where, ("code", "name", "severity", "summary", "fix", "docs", "source"))
            if "threshold" in c.options and not _positive(c.options["threshold"]):
                raise KnowledgeError(f"{where}: options.threshold must be a positive integer, not {c.options['threshold']!r:.80}")
            for severity in (c.severity, *c.severities.values()):
                if severity not in SEVERITIES:
                    raise KnowledgeError(f"{where}: severity must be one of {', '.join(SEVERITIES)} "
                                         f"(the call fails, the limit is lost, advice), not {severity!r:.40}")
            if c.needs not in ("limit", "required-door", "words"):
                raise KnowledgeError(f"{where}: needs must be \"limit\", \"required-door\" or \"words\", not {c.needs!r:.80}")
            if c.needs == "words" and not (isinstance(c.options.get("words"), list) and c.options["words"]
                                           and all(isinstance(w, str) and w for w in c.options["words"])):
                raise KnowledgeError(f"{where}: needs = \"words\" takes a non-empty list of words in options.words")
            checks[c.code] = c
        for i, entry in enumerate(data.get("http_library", [])):
            lib = build(HttpLibrary, entry, f"{path}: http_library #{i + 1}", ("id", "source"))
            libraries[lib.id] = lib
        if "clients" in data:
            clients = build(ClientRules, data["clients"], f"{path}: [clients]", ())
    for model in models:
        for provider_id in model.providers:
            if provider_id not in providers:
                raise KnowledgeError(f"model {model.id}: unknown provider {provider_id!r}")
    for surface in surfaces.values():
        for provider_id in (surface.provider, *getattr(surface.options, "routing", {}).values()):
            if provider_id is not None and provider_id not in providers:
                raise KnowledgeError(f"surface {surface.id}: unknown provider {provider_id!r}")
    # The imported model facts (scripts/import_models.py) are read now, for the digest, and
    # parsed only when a curated row cannot answer a lookup.
    imported = base / "models_imported.toml"
    imported_data = []
    if imported.is_file():
        try:
            data = read_bounded(imported, 16 * MAX_SETTINGS_BYTES)
        except OSError as exc:
            raise KnowledgeError(f"{imported}: cannot read rules file ({exc.strerror or exc})") from None
        imported_data.append((imported, data, data.lower()))
        contents.append(data)
    knowledge = Knowledge(list(providers.values()), models, list(surfaces.values()), list(checks.values()),
                          clients, libraries.values())
    knowledge._imported_data = imported_data
    # What the cache keys on: any change to a rules file invalidates every cached result.
    knowledge.digest = hashlib.sha256(b"\0".join(contents)).hexdigest()
    return knowledge


def _surface(entry: object, where: str) -> Surface:
    """A `[[surface]]` row: the keys every surface has, and its kind's own options, each
    checked against the kind's schema (the `Options` of surfaces/<kind>.py)."""
    from ..surfaces import kinds  # the kinds sit above this layer: their modules load once the rules are read

    if not isinstance(entry, dict):
        raise KnowledgeError(f"{where}: must be a table, not {entry!r:.80}")
    missing = [key for key in ("id", "kind", "limit", "source") if key not in entry]
    if missing:
        raise KnowledgeError(f"{where}: missing key(s) {', '.join(missing)}")
    kind = kinds().get(entry.get("kind")) if isinstance(entry.get("kind"), str) else None
    if "kind" in entry and kind is None:
        raise KnowledgeError(f"{where}: unknown kind {entry['kind']!r:.40}; kinds: {', '.join(sorted(kinds()))}")
    common = set(Surface.__dataclass_fields__) - {"options"}
    own = set(kind.Options.__dataclass_fields__) if kind is not None else set()
    unknown = sorted(set(entry) - common - own)
    if unknown:
        raise KnowledgeError(f"{where}: unknown key(s) {', '.join(unknown)} for kind {entry.get('kind', '?')}; "
                             f"allowed: {', '.join(sorted(common | own))}")
    surface = build(Surface, {k: v for k, v in entry.items() if k in common}, where, ("id", "kind", "limit", "source"))
    options = build(kind.Options, {k: v for k, v in entry.items() if k in own}, where, ())
    return replace(surface, options=options)
