"""Results of earlier runs, so that an unchanged file is not parsed again.

An entry is keyed on everything its result depends on: the file's bytes, its path (per-file
settings), the tool's version, the Python it runs on (what parses depends on it: a file that
needs Python 3.12 is an error under 3.11 and checked under 3.12, and pre-commit's hooks of
two Pythons share the repository's cache), the rules' digest, the settings, the mode, and the
clients other modules of the run export. Entries are JSON, never pickle: the folder may be
written by anyone, so an entry is data to validate, not code to trust. Anything that does not read
back exactly (truncated, edited, another version's layout) counts as a miss and is rewritten.
Writes go through a temporary file and a rename, so two runs at once never see half an entry.

Trust. The cache folder sits in the tree by default (`.tokenfix_cache`), and a tree can be
anybody's: a `.tokenfix_cache/` committed with it must not make tokenfix write code or hide a
finding. So:

- Every entry, and the record of ruled-out files, carries a MAC (keyed BLAKE2b) made with a
  key that is kept outside the tree: `$XDG_CACHE_HOME/tokenfix/key`, else
  `~/.cache/tokenfix/key` (a relative XDG_CACHE_HOME is ignored, as the XDG spec says), 32
  random bytes in a 0600 file in a 0700 folder of this user, created exclusively (a complete
  file linked into place: two runs at once agree on one key). The entries' file names are
  keyed too. An entry written on another machine, by another user, or forged with any
  checksum one can compute from the entry alone is a miss. A key that others may read or
  replace (not ours, group or world bits) is replaced by a new one; where no key can be kept,
  the run goes on without a cache and says so once (`no cache this run: ...`).
- The cache holds no file contents. A result that changes the file (a fix) is not stored:
  `fix` and `diff` analyse such a file again and make the fix from its bytes on disk, as
  without a cache. What is stored is the report (findings, their edits as text, errors), and a
  hit in fix mode can only ever mean "nothing to change here". The price is a warm `diff` or
  `fix` of files that still have fixes to make (they are parsed again); a warm `check`, and
  the files with nothing to fix, are served as before.
- The cache's records are read with environment.read_limited: the type is checked on the open
  descriptor (O_NOFOLLOW, O_NONBLOCK), anything but a regular file is refused unread (a FIFO
  would block the run, a link to /dev/zero would flood it), and at most a limit plus one byte
  is read. The folders inside the cache are never followed through a symbolic link when
  written, nor is the default folder itself (the one a tree can ship); a folder given with
  --cache-dir or TOKENFIX_CACHE_DIR is the user's choice and used as it is.
- The markers (`.gitignore` holding `*`, and `CACHEDIR.TAG`) are written only into a folder
  tokenfix has just created for the cache: in a folder that was there before they would hide
  the user's files from git and from backups. A cache folder that holds any of the paths being
  checked (`--cache-dir .`, `TOKENFIX_CACHE_DIR=src`) is refused before anything is read
  (for_run: a ConfigError, exit 2).

Most files of a repository have no LLM call, and a warm run would spend its time reading them
all again to find that out. The cache also remembers which files the prefilter ruled out,
by what `os.stat` says of them (device, inode, size, modification and change times, to the
nanosecond): one that has not changed since is not read again. Any write to a file changes
its change time, which no tool can set back; but file systems count time in ticks of a few
milliseconds, so two writes in one tick can leave the same stat behind. As git does with its
index ("racily clean" entries), a file changed in the last RACY_SECONDS is not remembered:
it is read again next time. The record is one JSON file, sealed, validated and rebuilt like an entry.

Its size (about 440 lines) is mostly the trust rules above, each with the code that keeps it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat as stat_module
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional, Sequence

from .. import __version__
from ..knowledge.config import ConfigError
from ..knowledge.schema import SEVERITIES
from ..analysis.environment import read_limited
from ..output.findings import Edit, FileResult, Finding, Fix, SiteSummary

DEFAULT_DIR = ".tokenfix_cache"
CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by tokenfix.\n# For information about cache directory tags see https://bford.info/cachedir/\n"
LAYOUT = "4"  # bump when the entry format changes (2: sealed with the key, no file contents; 3: a site's notebook cell; 4: a finding's severity)
PYTHON = "python%d.%d" % sys.version_info[:2]
RULED_OUT = "ruled-out.json"
RACY_SECONDS = 2.0
KEY_BYTES = 32
# The most a record may take, and so the most a run reads of it: an entry is a file's report
# (findings with their evidence); the record holds some 150 bytes a ruled-out file.
MAX_ENTRY_BYTES = 32 * 1024 * 1024
MAX_RECORD_BYTES = 256 * 1024 * 1024


def key_file() -> Optional[Path]:
    """Where the key is kept: the user's cache home, outside any tree tokenfix checks.

    None when there is no absolute place for it (no HOME): a relative one would land in the
    tree of the current folder, which is just where the key must not be."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.environ.get("HOME") or ""
        if not home:
            try:
                home = str(Path.home())
            except (RuntimeError, KeyError):
                return None
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "tokenfix" / "key"


class Cache:
    def __init__(self, folder: Path, key_file: Optional[Path] = None, *, default: bool = False):
        self.folder = folder
        self.entries = folder / f"v{LAYOUT}"
        self.hits = self.misses = 0
        self.problem: Optional[str] = None  # why the cache was not used this run: a warning line
        self._key_file = key_file
        self._default = default  # the folder is the one in the tree (DEFAULT_DIR): never a symlink
        self._key: Optional[bytes] = None
        self._key_loaded = False
        self._ready: Optional[bool] = None  # whether the folders are there to write into
        self._subfolders: set[str] = set()
        self._ruled_out: Optional[dict[str, list[int]]] = None  # path -> its stat, when last read
        self._ruled_out_changed = False

    @classmethod
    def for_run(cls, folder: Optional[Path], paths: Sequence[Path]) -> "Cache":
        """The cache of a CLI run over `paths`: `folder` (--cache-dir, TOKENFIX_CACHE_DIR) or
        the default one. A folder that holds any of the paths is refused: its entries and
        markers would go into the very tree being checked (ConfigError, exit 2)."""
        default = folder is None
        folder = Path(DEFAULT_DIR) if folder is None else folder
        where = os.path.realpath(folder)
        for path in paths:
            if str(path) == "-":
                continue
            real = os.path.realpath(path)
            if real == where or real.startswith(where.rstrip(os.sep) + os.sep):
                raise ConfigError(f"the cache folder {str(folder)!r} (--cache-dir or TOKENFIX_CACHE_DIR) holds the files being "
                                  f"checked ({str(path)!r}); put the cache in a folder of its own outside them, or use --no-cache")
        return cls(folder, default=default)

    # -- the key --------------------------------------------------------------------------------
    def _secret(self) -> Optional[bytes]:
        """The key, loaded or made on first use; None (and self.problem) where none can be kept."""
        if not self._key_loaded:
            self._key_loaded = True
            path = self._key_file or key_file()
            if path is None:
                self.problem = ("no cache this run: cannot keep the cache key (neither XDG_CACHE_HOME nor HOME is an "
                                "absolute folder); set XDG_CACHE_HOME to a folder of yours, or use --no-cache")
            else:
                try:
                    self._key = _load_key(path)
                except OSError as exc:
                    self.problem = (f"no cache this run: cannot keep the cache key {path} ({exc.strerror or exc}); "
                                    f"set XDG_CACHE_HOME to a folder of yours outside the tree, or use --no-cache")
        return self._key

    def _mac(self, name: str, body: bytes) -> Optional[str]:
        secret = self._secret()
        return None if secret is None else _mac(secret, name, body)

    def _open(self, path: Path, name: str, limit: int) -> Optional[bytes]:
        """The body of a sealed record, if it is a regular file no larger than `limit` and its MAC
        is ours; None for anything else (never blocking, never reading more than limit + 1)."""
        if self._secret() is None:
            return None
        raw = read_limited(path, limit)
        if raw is None:
            return None
        mac, _, body = raw.partition(b"\n")
        expected = self._mac(name, body)
        if expected is None or not hmac.compare_digest(mac, expected.encode("ascii")):
            return None
        return body

    # -- files without a trigger word ---------------------------------------------------------
    def _record(self) -> dict[str, list[int]]:
        if self._ruled_out is None:
            self._ruled_out = {}
            try:
                body = self._open(self.entries / RULED_OUT, RULED_OUT, MAX_RECORD_BYTES)
                if body is not None:
                    record = json.loads(body)
                    files = record["files"] if record.get("version") == __version__ else None
                    if isinstance(files, dict):  # a value that is no signature never equals one: no need to look
                        self._ruled_out = files
            except Exception:  # noqa: BLE001 - damaged: every file is read
                pass
        return self._ruled_out

    def ruled_out(self, path: str, stat: os.stat_result) -> bool:
        """Whether the prefilter ruled this file out when it last read it, and it has not changed since."""
        return self._record().get(path) == _signature(stat)

    def note_ruled_out(self, path: str, stat: os.stat_result) -> None:
        record = self._record()
        if max(stat.st_mtime_ns, stat.st_ctime_ns) > time.time_ns() - int(RACY_SECONDS * 1e9):
            self.forget(path)  # changed just now: a write in the same tick could leave this stat
            return
        signature = _signature(stat)
        if record.get(path) != signature:
            record[path] = signature
            self._ruled_out_changed = True

    def forget(self, path: str) -> None:
        """The file now passes the prefilter (or cannot be read): ask again next time."""
        if path in self._record():
            del self._ruled_out[path]
            self._ruled_out_changed = True

    def save(self) -> None:
        """Write the record of ruled-out files, if this run changed it."""
        if not self._ruled_out_changed:
            return
        self._ruled_out_changed = False
        body = json.dumps({"version": __version__, "files": self._ruled_out}, separators=(",", ":")).encode("utf-8", "surrogateescape")
        if self._secret() is None or len(body) > MAX_RECORD_BYTES - 100 or not self._prepare():
            return
        self._write(self.entries, RULED_OUT, body)

    # -- entries --------------------------------------------------------------------------------
    def key(self, data: bytes, *parts: str) -> str:
        """The entry's name: a MAC of the file and all its result depends on (unguessable
        without the key, so no entry can be planted under a name a run will look up)."""
        digest = hashlib.blake2b(data, digest_size=20, key=self._secret() or b"")
        for part in (__version__, LAYOUT, PYTHON, *parts):
            digest.update(b"\0" + part.encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def get(self, key: str, display: str, source: bytes) -> Optional[FileResult]:
        try:
            body = self._open(self.entries / key[:2] / key, key, MAX_ENTRY_BYTES)
            if body is None:
                raise ValueError("missing, not a regular file, too large, or not sealed with our key")
            entry = json.loads(body)
            if entry["key"] != key:
                raise ValueError("entry does not match its key")
            result = _load(entry["result"], display, source)
        except Exception:  # noqa: BLE001 - missing, corrupt or foreign entries are all misses
            self.misses += 1
            return None
        self.hits += 1
        return result

    def put(self, key: str, result: FileResult) -> None:
        """Store a detached result; a cache that cannot be written is simply not used.

        A result that changes the file is not stored: the cache never holds file contents,
        so a fix is always made from the file itself."""
        if result.changed or self._secret() is None:
            return
        body = json.dumps({"key": key, "result": _dump(result)}, separators=(",", ":")).encode("utf-8", "surrogateescape")
        if len(body) > MAX_ENTRY_BYTES - 100 or not self._prepare():
            return
        folder = self.entries / key[:2]
        if key[:2] not in self._subfolders:
            if not _make_folder(folder):
                return
            self._subfolders.add(key[:2])
        self._write(folder, key, body)

    def _write(self, folder: Path, name: str, body: bytes) -> None:
        payload = self._mac(name, body).encode("ascii") + b"\n" + body
        try:
            handle, temp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(payload)
                os.replace(temp, folder / name)  # replaces whatever stands there; follows no link
            except BaseException:
                os.unlink(temp)
                raise
        except OSError:
            pass

    def _prepare(self) -> bool:
        """Make the cache's folders, and the markers in a folder made just now; False when the
        cache cannot be written (it is then not used, and a symlinked default says so)."""
        if self._ready is not None:
            return self._ready
        self._ready = False
        try:
            try:
                info = os.lstat(self.folder)
            except FileNotFoundError:
                info = None
            if info is not None and self._default and stat_module.S_ISLNK(info.st_mode):
                self.problem = (f"{self.folder} is a symbolic link; the cache is not used "
                                f"(give --cache-dir to put it elsewhere, or remove the link)")
                return False
            if info is None:
                self.folder.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.mkdir(self.folder)
                except FileExistsError:
                    pass  # another run made it at this moment: that run writes the markers
                else:
                    for name, text in ((".gitignore", "# Created by tokenfix\n*\n"), ("CACHEDIR.TAG", CACHEDIR_TAG)):
                        _create(self.folder / name, text.encode("utf-8"))
            if not _make_folder(self.entries):
                self.problem = f"{self.entries} is not a folder (a symbolic link?); the cache is not used (remove it)"
                return False
        except OSError:
            return False
        self._ready = True
        return True


def _mac(secret: bytes, name: str, body: bytes) -> str:
    """The seal of a record: keyed BLAKE2b over its name and its body."""
    return hashlib.blake2b(name.encode("utf-8", "surrogateescape") + b"\n" + body, digest_size=32, key=secret).hexdigest()


def _seal(secret: bytes, name: str, body: bytes) -> bytes:
    """A record as the cache writes it: its MAC, a newline, its body."""
    return _mac(secret, name, body).encode("ascii") + b"\n" + body


def _make_folder(folder: Path) -> bool:
    """A folder of the cache, made if missing; False if what stands there is no real folder
    (a symbolic link planted to send the writes elsewhere)."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except OSError:
        return False
    try:
        return stat_module.S_ISDIR(os.lstat(folder).st_mode)
    except OSError:
        return False


def _create(path: Path, data: bytes, mode: int = 0o644) -> None:
    """A new file, never through a link and never over anything that is there."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    except OSError:
        return
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _ours(info: os.stat_result) -> bool:
    return not hasattr(os, "geteuid") or info.st_uid == os.geteuid()


def _load_key(path: Path) -> bytes:
    """The key at `path`, made if missing, remade if others may read or replace it (OSError
    when neither can be done: then there is no cache this run)."""
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(folder)
    if not stat_module.S_ISDIR(info.st_mode) or not _ours(info) or info.st_mode & 0o022:
        raise OSError(f"{folder} is not a private folder of this user")
    key = _read_key(path)
    if key is not None:
        return key
    new = secrets.token_bytes(KEY_BYTES)
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".key.", suffix=".tmp")  # 0600
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(new.hex().encode("ascii") + b"\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temp, path)  # exclusive: a key another run made at this moment is kept
            return new
        except FileExistsError:
            key = _read_key(path)
            if key is not None:
                return key
        os.replace(temp, path)  # what was there is no key of ours
        return new
    finally:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass


def _read_key(path: Path) -> Optional[bytes]:
    """The key if it is a regular file of this user that nobody else may read, else None."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat_module.S_ISREG(info.st_mode) or not _ours(info) or info.st_mode & 0o077:
        return None
    data = read_limited(path, 4 * KEY_BYTES)
    try:
        key = bytes.fromhex(data.decode("ascii").strip()) if data is not None else b""
    except ValueError:
        return None
    return key if len(key) == KEY_BYTES else None


def _signature(stat: os.stat_result) -> list[int]:
    return [stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]


def _dump(result: FileResult) -> dict:
    return {
        "findings": [
            {
                "code": f.code, "name": f.name, "message": f.message, "evidence": list(f.evidence), "severity": f.severity,
                "fix": None if f.fix is None else [f.fix.applicability, f.fix.message],
                "span": [f.row, f.column, f.end_row, f.end_column], "fixed": f.fixed, "cell": f.cell,
                "edits": [[e.content, e.row, e.column, e.end_row, e.end_column] for e in f.edits],
            }
            for f in result.findings
        ],
        "sites": [[s.line, s.headline, list(s.evidence), s.cell] for s in result.sites],
        "error": result.error, "error_line": result.error_line, "encoding": result.encoding, "notes": list(result.notes),
    }


def _load(payload: dict, display: str, source: bytes) -> FileResult:
    """A stored report; never a file's contents (`fixed` stays None: nothing to write)."""
    findings = []
    for f in payload["findings"]:
        fix = None if f["fix"] is None else Fix(_text(f["fix"][0]), _text(f["fix"][1]), [])
        row, column, end_row, end_column = (_int(n) for n in f["span"])
        finding = Finding(code=_text(f["code"]), name=_text(f["name"]), message=_text(f["message"]), node=None,
                          suppress_node=None, fix=fix, evidence=[_text(e) for e in f["evidence"]],
                          row=row, column=column, end_row=end_row, end_column=end_column,
                          edits=[Edit(_text(c), _int(r), _int(k), _int(er), _int(ek)) for c, r, k, er, ek in f["edits"]],
                          fixed=bool(f["fixed"]), cell=None if f["cell"] is None else _int(f["cell"]),
                          severity=_severity(f["severity"]))
        findings.append(finding)
    sites = [SiteSummary(_int(line), _text(head), [_text(e) for e in ev], None if cell is None else _int(cell))
             for line, head, ev, cell in payload["sites"]]
    error = payload["error"]
    return FileResult(display, source, findings=findings, sites=sites,
                      error=None if error is None else _text(error), error_line=_int(payload["error_line"]),
                      encoding=_text(payload["encoding"]), notes=[_text(n) for n in payload["notes"]])


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, found {type(value).__name__}")
    return value


def _severity(value: Any) -> str:
    if value not in SEVERITIES:  # a committed cache is the tree's, not ours: only our words are shown
        raise ValueError(f"expected a severity, found {str(value)[:20]!r}")
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected an integer, found {type(value).__name__}")
    return value
