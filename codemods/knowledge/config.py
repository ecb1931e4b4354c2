"""Settings: defaults, then the closest configuration file, then the command line.

The closest `tokenfix.toml`, `.tokenfix.toml` or `pyproject.toml` with a `[tool.tokenfix]`
table wins, as in ruff: no silent merging up the tree, but an explicit `extend = "path"`.
Unknown keys and bad values are errors that name the file, the key and what is allowed: a
typo in a configuration must not silently turn a check off.

A configuration found in the tree costs at most the files it governs: when it cannot be used
(a bad key, invalid TOML, an unknown provider, a broken `extend` or `extra-rules`), the run
goes on, its files are skipped, and one error line says which file and why (exit 2). A
`pyproject.toml` is only parsed when its bytes mention `tokenfix`: most hold no tokenfix
settings, some are templates that are not TOML at all (`{{cookiecutter.project_slug}}/…`),
and some are large. One that mentions tokenfix but cannot be parsed, and shows no
`tool.tokenfix` key, is reported and its folder takes the settings above it.

Its size (about 480 lines): the settings' schema and the resolver that finds a file's
configuration are read together, since every error names a key of the one and a file of the
other.
"""

from __future__ import annotations

import bisect
import errno
import fnmatch
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Optional

from . import KnowledgeError, parse_toml, read_bounded

CONFIG_NAMES = ("tokenfix.toml", ".tokenfix.toml", "pyproject.toml")
MAX_EXTEND = 64  # files in one `extend` chain at most
# A key path that may reach [tool.tokenfix]: `[tool.tokenfix]`, `[tool."tokenfix"]`, a dotted
# `tool.tokenfix.x = ...`, inside an inline table `tool = { tokenfix = ... }`, or at the start of
# a line a `tokenfix.x = ...` / `tokenfix = { ... }`, which counts only under a `[tool]` header
# (`_shows_table`). Not a `tokenfix>=1.0`, `tokenfix = "^1"` or Poetry's `tokenfix = { version
# = "^1" }` dependency.
_TABLE_MARK = re.compile(rb"""tool["']?[ \t]*\.[ \t]*["']?tokenfix|[{,][ \t]*["']?tokenfix["']?[ \t]*(?:\.|=[ \t]*\{)""")
_LINE_MARK = re.compile(rb"""^[ \t]*["']?tokenfix["']?[ \t]*(?:\.|=[ \t]*\{)""", re.MULTILINE)
_HEADER = re.compile(rb"""^[ \t]*\[([^\]\n]*)\]""", re.MULTILINE)


def _shows_table(raw: bytes) -> bool:
    """Whether a pyproject.toml that cannot be parsed shows a [tool.tokenfix] table."""
    if _TABLE_MARK.search(raw):
        return True
    headers = [(m.start(), re.sub(rb"""[ \t"']""", b"", m.group(1)) == b"tool") for m in _HEADER.finditer(raw)]
    starts = [start for start, _ in headers]
    for mark in _LINE_MARK.finditer(raw):
        at = bisect.bisect_right(starts, mark.start()) - 1  # the header in force at the mark
        if at >= 0 and headers[at][1]:
            return True
    return False


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and why."""


class NotSettings(Exception):
    """A pyproject.toml that cannot be read as TOML and shows no tokenfix table: not a
    configuration error, but its folders fall back to the settings above it (and it is said)."""


@dataclass(frozen=True)
class Override:
    """`[[tool.tokenfix.overrides]]`: what the code under some paths cannot say itself."""

    paths: tuple[str, ...]
    provider: Optional[str] = None
    model: Optional[str] = None


@dataclass(frozen=True)
class Settings:
    provider: Optional[str] = None  # default target when the code does not say
    model: Optional[str] = None  # default model when the code does not say (overrides only)
    select: Optional[tuple[str, ...]] = None  # None: every check that is on by default
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: Optional[tuple[str, ...]] = None  # None: the default excludes
    extend_exclude: tuple[str, ...] = ()
    overrides: tuple[Override, ...] = ()
    input_reserve: int = 10_000
    buffer: int = 10_000
    default_max_tokens: int = 4_096
    # "trusted": a client built without a base URL, with no environment setting in sight, goes to
    # its SDK's default endpoint; "unknown": the environment outside the repository may redirect it.
    default_endpoint: str = "trusted"
    reasoning_reserve: Optional[int] = None  # TOK008's threshold; None: the value in checks.toml
    extra_rules: tuple[Path, ...] = ()
    source: Optional[Path] = None  # the file the settings came from
    # Why the configuration that governs these files cannot be used (then the rest are the
    # defaults, good for walking the tree only): the files are skipped, not checked with them.
    unusable: Optional[str] = None
    root: Optional[Path] = None  # the folder relative globs are matched from
    file_ignores: tuple[str, ...] = field(default=(), compare=False)  # per-file ignores for_file() chose

    def enabled(self, code: str, default: bool = True) -> bool:
        """Ignored wins; then an explicit selection; else the check's own default."""
        if any(code.startswith(prefix) for prefix in (*self.ignore, *self.file_ignores)):
            return False
        if any(code.startswith(prefix) or prefix == "ALL" for prefix in self.extend_select):
            return True
        if self.select is None:
            return default
        return any(code.startswith(prefix) or prefix == "ALL" for prefix in self.select)

    def with_overrides(self, **changes: Any) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def for_file(self, path: Path) -> "Settings":
        """These settings as they apply to one file: per-file ignores and path overrides."""
        if not self.per_file_ignores and not self.overrides:
            return self
        changes: dict[str, Any] = {}
        ignores = [code for pattern, codes in self.per_file_ignores if self.matches(path, pattern) for code in codes]
        if ignores:
            changes["file_ignores"] = tuple(ignores)
        for override in self.overrides:
            if any(self.matches(path, pattern) for pattern in override.paths):
                if override.provider:
                    changes["provider"] = override.provider
                if override.model:
                    changes["model"] = override.model
        return replace(self, **changes) if changes else self

    def matches(self, path: Path, pattern: str) -> bool:
        """A glob against the path relative to the configuration's folder, or its file name."""
        candidates = [path.name, path.as_posix()]
        if self.root is not None:
            try:
                candidates.append(path.resolve().relative_to(self.root.resolve()).as_posix())
            except ValueError:
                pass
        return any(fnmatch.fnmatchcase(c, pattern) or PurePosixPath(c).match(pattern) for c in candidates)


_KEYS = {
    "extend": str,
    "provider": str,
    "select": list,
    "extend-select": list,
    "ignore": list,
    "per-file-ignores": dict,
    "exclude": "globs",
    "extend-exclude": "globs",
    "overrides": "overrides",
    "input-reserve": int,
    "buffer": int,
    "default-max-tokens": int,
    "reasoning-reserve": int,
    "default-endpoint": str,
    "extra-rules": list,
}
DEFAULT_ENDPOINTS = ("trusted", "unknown")
_OVERRIDE_KEYS = {"paths": "globs", "provider": str, "model": str}


def _read_toml(path: Path) -> dict:
    try:
        return parse_toml(read_bounded(path))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None


def _mentions(path: Path, word: bytes, chunk: int = 1 << 20) -> bool:
    """Whether a file's bytes hold `word`, read a chunk at a time: the test for a pyproject.toml
    too large to parse, which most often says nothing of tokenfix at all."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):
        return True  # unreadable: it may hold settings
    try:
        tail = b""
        while True:
            data = os.read(fd, chunk)
            if not data:
                return False
            if word in tail + data:
                return True
            tail = data[-len(word) + 1:]
    except OSError:
        return True
    finally:
        os.close(fd)


def table_of(path: Path) -> Optional[dict]:
    """The tokenfix table of a configuration file; None for a pyproject.toml without one.

    A pyproject.toml is parsed only when its bytes mention tokenfix. One that does but cannot
    be parsed raises ConfigError when it shows a tokenfix table (`_shows_table`), or cannot be
    read at all; NotSettings otherwise."""
    if path.name != "pyproject.toml":
        return _read_toml(path)
    try:
        raw = read_bounded(path)
    except OSError as exc:
        if exc.errno == errno.EFBIG and not _mentions(path, b"tokenfix"):
            return None
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc}), and it may hold [tool.tokenfix] settings") from None
    if b"tokenfix" not in raw:
        return None
    try:
        data = parse_toml(raw)
    except ValueError as exc:
        if _shows_table(raw):
            raise ConfigError(f"{path}: invalid TOML ({exc})") from None
        raise NotSettings(f"{path}: cannot read as TOML ({exc}); it shows no [tool.tokenfix] table, "
                          "so the files under it were checked with the settings above it") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict) or "tokenfix" not in tool:
        return None
    if not isinstance(tool["tokenfix"], dict):
        raise ConfigError(f"{path}: tool.tokenfix must be a table ([tool.tokenfix]), not {tool['tokenfix']!r:.80}")
    return tool["tokenfix"]


def _own_config(folder: Path, problems: Optional[list[str]] = None) -> Optional[Path]:
    """The configuration file in this folder itself, if any (tokenfix.toml first)."""
    for name in CONFIG_NAMES:
        candidate = folder / name
        if candidate.is_file():
            if name != "pyproject.toml":
                return candidate
            try:
                if table_of(candidate) is not None:
                    return candidate
            except NotSettings as exc:
                if problems is not None:
                    problems.append(str(exc))
            except ConfigError:
                return candidate  # a tokenfix configuration, broken: load_settings says why
    return None


def find_config(start: Path, problems: Optional[list[str]] = None) -> Optional[Path]:
    """The closest configuration file at or above start (a folder, or a file's folder).

    A pyproject.toml that is not TOML and shows no tokenfix table is passed over; what is
    wrong with it goes to `problems`."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate_folder in (folder, *folder.parents):
        found = _own_config(candidate_folder, problems)
        if found is not None:
            return found
    return None


def load_settings(path: Optional[Path]) -> Settings:
    """The settings of one configuration file, with those of the files it extends under them.

    The `extend` chain is followed in a loop, not by recursion, and is bounded: a chain of
    thousands of files (made by accident, or by a hostile tree) is an error, not a crash."""
    if path is None:
        return Settings()
    chain: list[tuple[Path, dict]] = []
    path = path.resolve()
    while True:
        if any(path == seen for seen, _ in chain):
            raise ConfigError(f"{path}: `extend` loops back to a file that extends it")
        if len(chain) == MAX_EXTEND:
            raise ConfigError(f"{chain[0][0]}: `extend` goes through more than {MAX_EXTEND} files (up to {path}); "
                              "extend a file that holds the settings instead")
        try:
            table = table_of(path)
        except NotSettings as exc:
            raise ConfigError(str(exc).split(";", 1)[0]) from None
        if table is None:
            raise ConfigError(f"{path}: no [tool.tokenfix] table")
        chain.append((path, table))
        if "extend" not in table:
            break
        extend = table["extend"]
        if not isinstance(extend, str):
            raise ConfigError(f"{_where(path)}: extend must be a path string, not {extend!r:.80}")
        try:
            parent = (path.parent / extend).resolve()
            found = parent.is_file()
        except (OSError, ValueError, RuntimeError):
            parent, found = path.parent / extend, False
        if not found:
            raise ConfigError(f"{_where(path)}: extend = {extend!r}: no such file ({parent})")
        path = parent
    settings = Settings()
    for file, table in reversed(chain):
        settings = parse_table(table, file, settings)
    return settings


def _where(path: Path) -> str:
    return f"{path}: [tool.tokenfix]" if path.name == "pyproject.toml" else str(path)


def _check(where: str, key: str, value: Any, kind: Any) -> None:
    if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ConfigError(f"{where}: {key} must be a non-negative integer, not {value!r:.80}")
    if kind is str and not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string, not {value!r:.80}")
    if kind is list and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ConfigError(f"{where}: {key} must be a list of strings, not {value!r:.80}")
    if kind is dict and not (isinstance(value, dict) and all(isinstance(v, list) and all(isinstance(c, str) for c in v) for v in value.values())):
        raise ConfigError(f"{where}: {key} must be a table of glob = [codes], not {value!r:.80}")
    if kind == "globs" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ConfigError(f"{where}: {key} must be a list of globs (strings), not {value!r:.80}")
    for glob in (value if kind == "globs" else value.keys() if kind is dict else ()):
        _check_glob(where, key, glob)


def _check_glob(where: str, key: str, glob: str) -> None:
    """A glob that matches nothing is a mistake to name, not one to crash on later:
    pathlib's match() raises on an empty pattern (`""`, `"."`) when the first file is tried."""
    try:
        PurePosixPath("x").match(glob)
        ok = bool(glob.strip())
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError(f"{where}: {key}: {glob!r} is an empty glob, which matches no path; remove it or write a pattern such as 'tests/*'")


def parse_table(table: dict, path: Path, base: Optional[Settings] = None) -> Settings:
    where = _where(path)
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table, not {table!r:.80}")
    values: dict[str, Any] = {}
    for key, value in table.items():
        kind = _KEYS.get(key)
        if kind is None:
            raise ConfigError(f"{where}: unknown key {key!r}; allowed: {', '.join(sorted(_KEYS))}")
        if kind == "overrides":
            values["overrides"] = _overrides(value, where)
            continue
        _check(where, key, value, kind)
        values[key.replace("-", "_")] = value
    values.pop("extend", None)
    if values.get("default_endpoint", "trusted") not in DEFAULT_ENDPOINTS:
        raise ConfigError(f"{where}: default-endpoint must be one of {', '.join(map(repr, DEFAULT_ENDPOINTS))}, "
                          f"not {values['default_endpoint']!r}")
    for key in ("select", "extend_select", "ignore"):
        if key in values:
            values[key] = tuple(v.upper() for v in values[key])
    for key in ("exclude", "extend_exclude"):
        if key in values:
            values[key] = tuple(values[key])
    if "per_file_ignores" in values:
        values["per_file_ignores"] = tuple((glob, tuple(c.upper() for c in codes)) for glob, codes in values["per_file_ignores"].items())
    if "extra_rules" in values:
        values["extra_rules"] = tuple(_resolved(path.parent / p) for p in values["extra_rules"])
    return replace(base or Settings(), source=path, root=path.parent, **values)


def _overrides(value: Any, where: str) -> tuple[Override, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{where}: overrides must be an array of tables ([[tool.tokenfix.overrides]])")
    found = []
    for i, entry in enumerate(value, 1):
        for key, item in entry.items():
            kind = _OVERRIDE_KEYS.get(key)
            if kind is None:
                raise ConfigError(f"{where}: overrides #{i}: unknown key {key!r}; allowed: {', '.join(sorted(_OVERRIDE_KEYS))}")
            _check(f"{where}: overrides #{i}", key, item, kind)
        if not entry.get("paths"):
            raise ConfigError(f"{where}: overrides #{i}: `paths` (a list of globs) is required")
        found.append(Override(tuple(entry["paths"]), entry.get("provider"), entry.get("model")))
    return tuple(found)


class SettingsResolver:
    """The settings for each file: the closest configuration (or --config), then the CLI.

    A configuration found in the tree that cannot be used costs the files it governs, not the
    run: its folders get settings marked `unusable`, the runner skips their files (skip()),
    and problems() has one line for it saying why and how many. With `validate` (the runner's
    knowledge_for), a configuration that names an unknown provider or check, or whose
    extra-rules are broken, is unusable the same way. A bad command-line value, or a bad
    --config, which governs every file, is still raised at once."""

    def __init__(self, explicit: Optional[Path], cli: dict[str, Any], validate: Optional[Callable[[Settings], object]] = None):
        self.cli = {k: v for k, v in cli.items() if v is not None}
        self.validate = validate
        if validate is not None:
            validate(Settings().with_overrides(**self.cli))  # a bad flag is the command line's own error
        self.explicit = load_settings(explicit).with_overrides(**self.cli) if explicit else None
        if self.explicit is not None and validate is not None:
            validate(self.explicit)
        self._by_config: dict[Optional[Path], Settings] = {}
        self._config_of: dict[Path, Optional[Path]] = {}  # a resolved folder -> the configuration that governs it
        self._by_folder: dict[str, Settings] = {}  # a folder as given (strings: a Path's hash is slow)
        self._notes: list[str] = []  # pyproject.toml files passed over, in the order met
        self._skipped: dict[Path, int] = {}  # an unusable configuration -> the files skipped for it

    def for_folder(self, folder: Path, strict: bool = False) -> Settings:
        """The settings that govern a folder.

        Looking for its configuration can fail (EACCES on a folder that cannot be entered, a
        path over PATH_MAX). The walk asks strictly and names that folder; a file named on
        the command line inside it gets the settings of the closest folder above that can be
        searched, so that the read which follows names the file in one line."""
        if self.explicit is not None:
            return self.explicit
        key = str(folder)
        cached = self._by_folder.get(key)
        if cached is None:
            try:
                config = self._config_for(_resolved(folder))
            except OSError:
                if strict or folder.parent == folder:
                    raise
                return self.for_folder(folder.parent)
            cached = self._by_config.get(config)
            if cached is None:
                cached = self._by_config[config] = self._load(config)
            self._by_folder[key] = cached
        return cached

    def _config_for(self, folder: Path) -> Optional[Path]:
        """The closest configuration, each folder's own files looked at once a run: the folders
        of a tree share the walk up (a pyproject.toml at the top is read once, not per folder)."""
        walked = []
        here = folder
        while True:
            if here in self._config_of:
                found = self._config_of[here]
                break
            found = _own_config(here, self._notes)
            walked.append(here)
            if found is not None or here.parent == here:
                break
            here = here.parent
        for each in walked:
            self._config_of[each] = found
        return found

    def _load(self, config: Optional[Path]) -> Settings:
        if config is None:
            return Settings().with_overrides(**self.cli)
        try:
            settings = load_settings(config).with_overrides(**self.cli)
            if self.validate is not None:
                self.validate(settings)
            return settings
        except (ConfigError, KnowledgeError) as exc:
            # A rules file's message names the rules file; the line must name the configuration too.
            why = f"{_where(config)}: extra-rules: {exc}" if isinstance(exc, KnowledgeError) else str(exc)
            self._skipped[config] = 0
            return replace(Settings().with_overrides(**self.cli), source=config, root=config.parent, unusable=why)

    def for_path(self, path: Path) -> Settings:
        try:
            folder = path if path.is_dir() else path.parent
        except OSError:  # inside a folder that cannot be entered: for_folder looks above it
            folder = path.parent
        return self.for_folder(folder).for_file(path)

    def skip(self, path: Path) -> bool:
        """Whether a file is governed by a configuration that cannot be used: then it is not
        checked (its settings are unknown), and counted for problems()."""
        settings = self.for_folder(path.parent)
        if settings.unusable is None:
            return False
        self._skipped[settings.source] += 1
        return True

    def problems(self) -> list[str]:
        """One error line for each configuration that could not be used (and the number of files
        skipped for it), and for each pyproject.toml passed over."""
        lines = list(self._notes)
        for settings in self._by_config.values():
            if settings.unusable is not None:
                count = self._skipped.get(settings.source, 0)
                skipped = f"; {count} file{'s' if count != 1 else ''} under it not checked until it is fixed" if count else ""
                lines.append(f"{settings.unusable}{skipped}")
        return lines


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return path.absolute()
