"""Settings: defaults, then the closest configuration file, then the command line.

The closest `tokenfix.toml`, `.tokenfix.toml` or `pyproject.toml` with a `[tool.tokenfix]`
table wins, as in ruff: no silent merging up the tree, but an explicit `extend = "path"`.
Unknown keys and bad values are errors that name the file, the key and what is allowed: a
typo in a configuration must not silently turn a check off.
"""

from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAMES = ("tokenfix.toml", ".tokenfix.toml", "pyproject.toml")


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and why."""


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
    "exclude": list,
    "extend-exclude": list,
    "overrides": "overrides",
    "input-reserve": int,
    "buffer": int,
    "default-max-tokens": int,
    "reasoning-reserve": int,
    "default-endpoint": str,
    "extra-rules": list,
}
DEFAULT_ENDPOINTS = ("trusted", "unknown")
_OVERRIDE_KEYS = {"paths": list, "provider": str, "model": str}


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None


def table_of(path: Path) -> Optional[dict]:
    """The tokenfix table of a configuration file; None for a pyproject.toml without one."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        return tool.get("tokenfix") if isinstance(tool, dict) and "tokenfix" in tool else None
    return data


def find_config(start: Path) -> Optional[Path]:
    """The closest configuration file at or above start (a folder, or a file's folder)."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate_folder in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            candidate = candidate_folder / name
            if candidate.is_file() and (name != "pyproject.toml" or table_of(candidate) is not None):
                return candidate
    return None


def load_settings(path: Optional[Path], _seen: tuple[Path, ...] = ()) -> Settings:
    if path is None:
        return Settings()
    path = path.resolve()
    if path in _seen:
        raise ConfigError(f"{path}: `extend` loops back to a file that extends it")
    table = table_of(path)
    if table is None:
        raise ConfigError(f"{path}: no [tool.tokenfix] table")
    base = Settings()
    if "extend" in table:
        if not isinstance(table["extend"], str):
            raise ConfigError(f"{_where(path)}: extend must be a path string, not {table['extend']!r}")
        parent = (path.parent / table["extend"]).resolve()
        if not parent.is_file():
            raise ConfigError(f"{_where(path)}: extend = {table['extend']!r}: no such file ({parent})")
        base = load_settings(parent, (*_seen, path))
    return parse_table(table, path, base)


def _where(path: Path) -> str:
    return f"{path}: [tool.tokenfix]" if path.name == "pyproject.toml" else str(path)


def _check(where: str, key: str, value: Any, kind: Any) -> None:
    if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ConfigError(f"{where}: {key} must be a non-negative integer, not {value!r}")
    if kind is str and not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string, not {value!r}")
    if kind is list and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ConfigError(f"{where}: {key} must be a list of strings, not {value!r}")
    if kind is dict and not (isinstance(value, dict) and all(isinstance(v, list) and all(isinstance(c, str) for c in v) for v in value.values())):
        raise ConfigError(f"{where}: {key} must be a table of glob = [codes], not {value!r}")


def parse_table(table: dict, path: Path, base: Optional[Settings] = None) -> Settings:
    where = _where(path)
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
        values["extra_rules"] = tuple((path.parent / p).resolve() for p in values["extra_rules"])
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
    """The settings for each file: the closest configuration (or --config), then the CLI."""

    def __init__(self, explicit: Optional[Path], cli: dict[str, Any]):
        self.cli = {k: v for k, v in cli.items() if v is not None}
        self.explicit = load_settings(explicit).with_overrides(**self.cli) if explicit else None
        self._by_config: dict[Optional[Path], Settings] = {}
        self._by_folder: dict[Path, Settings] = {}

    def for_folder(self, folder: Path) -> Settings:
        if self.explicit is not None:
            return self.explicit
        folder = folder.resolve()
        cached = self._by_folder.get(folder)
        if cached is None:
            config = find_config(folder)
            cached = self._by_config.get(config)
            if cached is None:
                cached = load_settings(config).with_overrides(**self.cli)
                self._by_config[config] = cached
            self._by_folder[folder] = cached
        return cached

    def for_path(self, path: Path) -> Settings:
        folder = path if path.is_dir() else path.parent
        return self.for_folder(folder).for_file(path)

    def all_loaded(self) -> list[Settings]:
        return [self.explicit] if self.explicit is not None else list(self._by_config.values())
