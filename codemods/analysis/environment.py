"""What may redirect an SDK's default endpoint: environment variables set in code or in files.

Every SDK tokenfix knows reads its endpoint from the environment when the code passes none
(`OpenAI()` reads `OPENAI_BASE_URL`, `Anthropic()` `ANTHROPIC_BASE_URL`, ...). So a client
built without a base URL goes to the SDK's default endpoint only when nothing redirects it.
Two kinds of evidence are read, never run:

- writes in code: `os.environ["X"] = v`, `os.environ.setdefault("X", v)`, `os.putenv("X", v)`,
  `os.environ.update({...})` / `update(X=v)` (found by the call-site finder, per module);
- `load_dotenv(...)` / `setattr(openai, "base_url", v)` in code: a dotenv file tokenfix does
  not read (a path with a folder, absolute or not a literal, a stream) may set any variable;
  `setattr` on an SDK module is read as the assignment it is;
- dotenv-style files (`.env`, `.env.example`, `.env.local`, `prod.env`, ...) and the
  `environment:` of compose files, in the code's folder and each folder above it up to the
  project's top (the folder holding `.git`, or the highest root given on the command line).

A literal value is evidence for the provider it names; any other value (a template's empty
placeholder, `${VAR}`, a variable) means the endpoint is unknown. The scanned tree is
untrusted: only regular files are read, at most `MAX_BYTES` of each, and nothing is run.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

from ..run.reading import read_at_most

MAX_BYTES = 1024 * 1024  # a dotenv or compose file larger than this is not read
MAX_LEVELS = 40  # folders walked up from a file at most

# How a variable's value became known, weakest last: an assignment in code wins over the
# process environment; setdefault and files (python-dotenv does not override) only apply
# when the variable is not set already, so what they say is a fallback.
ASSIGNED, DEFAULTED, FILE = "assigned", "defaulted", "file"

_LINE = re.compile(r"^\s*(?:-\s*)?(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(.*?)\s*$")
_COMPOSE = re.compile(r"^(docker-)?compose([.-][^/]*)?\.ya?ml$")


@dataclass(frozen=True)
class EnvSetting:
    """One place that sets a variable: its value (None when not statically known) and where."""

    var: str
    value: Optional[str]
    kind: str  # ASSIGNED, DEFAULTED or FILE
    origin: str  # a file name, or "" for the module being analysed
    line: int
    what: str = ""  # the write itself, when no variable is named (`load_dotenv("/etc/app.env")`)

    def describe(self, origin: bool = True) -> str:
        """What the write does, and in which file when `origin` (an evidence line names its file itself)."""
        where = f" in {self.origin}" if self.origin and origin else ""
        if self.what:
            return f"{self.what}{where}"
        what = repr(self.value) if self.value is not None else "a value not statically known"
        how = {ASSIGNED: "set", DEFAULTED: "defaulted", FILE: "set"}[self.kind]
        return f"{self.var} is {how} to {what}{where}"


class Environment:
    """The settings that apply to one module: its own writes first, then files."""

    def __init__(self, writes: Sequence[EnvSetting] = (), files: Sequence[EnvSetting] = ()):
        self.writes = tuple(writes)
        self.files = tuple(files)

    def lookup(self, var: str) -> Optional[EnvSetting]:
        """The strongest setting of `var`; a write of an unknown set of variables counts for all."""
        for setting in self.writes:
            if setting.var == var or setting.var == "*":
                return setting
        for setting in self.files:
            if setting.var == var:
                return setting
        return None

    def with_writes(self, writes: Sequence[EnvSetting]) -> "Environment":
        """These writes first, then those already known (an imported module's, a notebook's magics)."""
        return Environment([*writes, *self.writes], self.files) if writes else self

    @property
    def digest(self) -> str:
        return repr((self.writes, self.files))


def read_limited(path: Path, limit: int = MAX_BYTES) -> Optional[bytes]:
    """The bytes of a regular file no larger than `limit`; None for anything else.

    The type is checked on the open descriptor (no FIFO, device or socket can block or flood
    the read), and at most limit + 1 bytes are read whatever the file claims."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        data = read_at_most(fd, limit)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def is_env_file(name: str) -> bool:
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


def parse_settings(text: str, wanted: frozenset, origin: str, compose: bool) -> list[EnvSetting]:
    """`VAR=value` lines (dotenv), or `- VAR=value` / `VAR: value` lines (a compose file)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        match = _LINE.match(line)
        if match is None or match.group(1) not in wanted:
            continue
        raw = match.group(2)
        if not compose and ":" in line.split("=", 1)[0]:
            continue  # `KEY: value` is YAML, not dotenv
        found.append(EnvSetting(match.group(1), _literal(raw), FILE, origin, number))
    return found


_MAGIC = re.compile(r"^\s*%(env|set_env)(?:\s+(.*?))?\s*$")
_MAGIC_ARGS = re.compile(r"^([^\s=]+)(?:\s*=\s*|\s+)(.*)$")


def magic_settings(lines: Iterable[tuple[int, str]], wanted: frozenset, origin: str = "") -> list[EnvSetting]:
    """IPython's `%env VAR=value`, `%env VAR value` and `%set_env VAR value` lines: each sets the
    kernel's environment as `os.environ["VAR"] = "value"` does (`%env VAR` alone only shows it).

    IPython expands `$name` and `{expr}` in a magic's arguments: such a value is unknown, and a
    variable name that is not a plain name may be any variable."""
    found = []
    for line, text in lines:
        match = _MAGIC.match(text)
        if match is None or not match.group(2):
            continue
        args = _MAGIC_ARGS.match(match.group(2))
        if args is None:
            continue  # `%env VAR`: a read
        var, value = args.group(1), args.group(2).strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
            var = "*"
        elif var not in wanted:
            continue
        known = value if value and not any(c in value for c in "${") else None
        found.append(EnvSetting(var, known, ASSIGNED, origin, line,
                                f"`%{match.group(1)} {match.group(2)}` sets {var if var != '*' else 'a variable not statically known'}"
                                if known is None else ""))
    return found


def _literal(raw: str) -> Optional[str]:
    """The value a file states, or None for an empty placeholder or an interpolation."""
    value = raw
    if value[:1] in ("'", '"'):
        quote = value[0]
        end = value.find(quote, 1)
        value = value[1:end] if end > 0 else value[1:]
    else:
        value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
    if not value or "$" in value:
        return None
    return value


class EnvironmentFiles:
    """The dotenv and compose settings of each folder, read at most once a run."""

    def __init__(self, wanted: Iterable[str], roots: Sequence[Path] = (), tree: Optional[ProjectTree] = None):
        self.wanted = frozenset(wanted)
        self.tree = tree or ProjectTree(roots)
        self._folders: dict[Path, tuple[EnvSetting, ...]] = {}
        self._chains: dict[Path, list[EnvSetting]] = {}  # a file's folder -> what applies there

    def for_file(self, path: Path) -> Environment:
        """Every setting that files in the folders above `path` make, nearest first."""
        if not self.wanted:
            return Environment()
        folder = path.parent
        found = self._chains.get(folder)
        if found is None:
            found = []
            for above in self.tree.chain(folder):
                found.extend(self._folder(above))
            self._chains[folder] = found
        return Environment(files=found)

    def _folder(self, folder: Path) -> tuple[EnvSetting, ...]:
        if folder not in self._folders:
            settings: list[EnvSetting] = []
            for name, text in self.tree.texts(folder, lambda n: bool(_COMPOSE.match(n)) or is_env_file(n), self.wanted):
                settings.extend(parse_settings(text, self.wanted, str(folder / name), bool(_COMPOSE.match(name))))
            self._folders[folder] = tuple(settings)
        return self._folders[folder]


def _may_hold_settings(name: str) -> bool:
    """A cheap first test on every entry of a folder (a folder may hold thousands)."""
    return (name.startswith((".env", "requirements")) or name.endswith((".env", ".yml", ".yaml", ".lock", ".toml", ".cfg"))
            or name == "Pipfile")


class ProjectTree:
    """The folders above a file up to the project's top, and the names of the settings files in
    each (dotenv, compose, requirements, lock files), listed once a run for every reader."""

    def __init__(self, roots: Sequence[Path] = ()):
        self.roots = [resolved(root) for root in roots]
        self._chains: dict[Path, list[Path]] = {}
        self._names: dict[Path, tuple[str, ...]] = {}

    def chain(self, folder: Path) -> list[Path]:
        found = self._chains.get(folder)
        if found is None:
            found = self._chains[folder] = self._resolved_chain(resolved(folder), MAX_LEVELS)
        return found

    def _resolved_chain(self, folder: Path, levels: int) -> list[Path]:
        """The folder and those above it, up to the project's top (the folder holding `.git`, or
        the highest root given on the command line that holds it); each folder's chain is kept
        for the files beside it and below it."""
        key = (folder, "resolved")
        found = self._chains.get(key)  # type: ignore[call-overload]
        if found is None:
            if levels <= 1 or os.path.exists(folder / ".git") or folder in self.roots_top(folder) or folder.parent == folder:
                found = [folder]
            else:
                found = [folder, *self._resolved_chain(folder.parent, levels - 1)]
            self._chains[key] = found  # type: ignore[index]
        return found

    def roots_top(self, folder: Path) -> tuple[Path, ...]:
        """The highest given root that holds `folder` (where the walk up stops without a .git)."""
        tops = [root for root in self.roots if root == folder or root in folder.parents]
        return (min(tops, key=lambda p: len(p.parts)),) if tops else ()

    def texts(self, folder: Path, accept, words: Iterable[str]):
        """(name, text) of each settings file in `folder` that `accept` takes and that mentions
        one of `words`: regular files only, at most MAX_BYTES each (read_limited)."""
        for name in self.names(folder):
            if not accept(name):
                continue
            data = read_limited(folder / name)
            if data is None:
                continue
            text = data.decode("utf-8", "replace")
            if any(word in text for word in words):
                yield name, text

    def names(self, folder: Path) -> tuple[str, ...]:
        found = self._names.get(folder)
        if found is None:
            try:
                with os.scandir(folder) as entries:
                    found = tuple(sorted(e.name for e in entries if _may_hold_settings(e.name)))
            except OSError:
                found = ()
            self._names[folder] = found
        return found


def resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
