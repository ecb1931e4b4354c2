"""Results of earlier runs, so that an unchanged file is not parsed again.

An entry is keyed on everything its result depends on: the file's bytes, its path (per-file
settings), the tool's version, the Python it runs on (what parses depends on it: a file that
needs Python 3.12 is an error under 3.11 and checked under 3.12, and pre-commit's hooks of
two Pythons share the repository's cache), the rules' digest, the settings, the mode, and the
clients other modules of the run export. Entries are JSON, never pickle: the folder may be
written by anyone, so an entry is data to validate, not code to trust. Anything that does not read
back exactly (truncated, edited, another version's layout) counts as a miss and is rewritten.
Writes go through a temporary file and a rename, so two runs at once never see half an entry.

Most files of a repository have no LLM call, and a warm run would spend its time reading them
all again to find that out. The cache also remembers which files the prefilter ruled out,
by what `os.stat` says of them (device, inode, size, modification and change times, to the
nanosecond): one that has not changed since is not read again. Any write to a file changes
its change time, which no tool can set back; but file systems count time in ticks of a few
milliseconds, so two writes in one tick can leave the same stat behind. As git does with its
index ("racily clean" entries), a file changed in the last RACY_SECONDS is not remembered:
it is read again next time. The record is one JSON file, validated and rebuilt like an entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

from . import __version__
from .findings import Edit, FileResult, Finding, Fix, SiteSummary

DEFAULT_DIR = ".tokenfix_cache"
CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by tokenfix.\n# For information about cache directory tags see https://bford.info/cachedir/\n"
LAYOUT = "1"  # bump when the entry format changes
PYTHON = "python%d.%d" % sys.version_info[:2]
RULED_OUT = "ruled-out.json"
RACY_SECONDS = 2.0


class Cache:
    def __init__(self, folder: Path):
        self.folder = folder
        self.entries = folder / f"v{LAYOUT}"
        self.hits = self.misses = 0
        self._ready = False
        self._ruled_out: Optional[dict[str, list[int]]] = None  # path -> its stat, when last read
        self._ruled_out_changed = False

    # -- files without a trigger word ---------------------------------------------------------
    def _record(self) -> dict[str, list[int]]:
        if self._ruled_out is None:
            self._ruled_out = {}
            try:  # a header line (version, checksum of the rest), then {path: signature}
                header, _, body = (self.entries / RULED_OUT).read_bytes().partition(b"\n")
                if json.loads(header) != {"version": __version__, "sum": _digest(body)}:
                    raise ValueError("another version's record, or a damaged one")
                files = json.loads(body)
                if isinstance(files, dict):  # a value that is no signature never equals one: no need to look
                    self._ruled_out = files
            except Exception:  # noqa: BLE001 - missing or damaged: every file is read
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
        body = json.dumps(self._ruled_out, separators=(",", ":")).encode("utf-8", "surrogateescape")
        payload = json.dumps({"version": __version__, "sum": _digest(body)}).encode("utf-8") + b"\n" + body
        try:
            self._prepare()
            handle, temp = tempfile.mkstemp(dir=self.entries, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(payload)
                os.replace(temp, self.entries / RULED_OUT)
            except BaseException:
                os.unlink(temp)
                raise
        except OSError:
            pass
        self._ruled_out_changed = False

    def key(self, data: bytes, *parts: str) -> str:
        digest = hashlib.blake2b(data, digest_size=20)
        for part in (__version__, LAYOUT, PYTHON, *parts):
            digest.update(b"\0" + part.encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def get(self, key: str, display: str, source: bytes) -> Optional[FileResult]:
        try:
            raw = (self.entries / key[:2] / key).read_bytes()
            entry = json.loads(raw)
            if entry["key"] != key or entry["sum"] != _checksum(entry["result"]):
                raise ValueError("entry does not match its key")
            result = _load(entry["result"], display, source)
        except Exception:  # noqa: BLE001 - missing, corrupt or foreign entries are all misses
            self.misses += 1
            return None
        self.hits += 1
        return result

    def put(self, key: str, result: FileResult) -> None:
        """Store a detached result; a cache that cannot be written is simply not used."""
        payload = _dump(result)
        entry = json.dumps({"key": key, "sum": _checksum(payload), "result": payload}, separators=(",", ":"))
        try:
            self._prepare()
            folder = self.entries / key[:2]
            folder.mkdir(exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(entry)
                os.replace(temp, folder / key)
            except BaseException:
                os.unlink(temp)
                raise
        except OSError:
            pass

    def _prepare(self) -> None:
        if self._ready:
            return
        self.entries.mkdir(parents=True, exist_ok=True)
        for name, text in ((".gitignore", "# Created by tokenfix\n*\n"), ("CACHEDIR.TAG", CACHEDIR_TAG)):
            marker = self.folder / name
            if not marker.exists():
                marker.write_text(text, encoding="utf-8")
        self._ready = True


def _signature(stat: os.stat_result) -> list[int]:
    return [stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _checksum(payload: Any) -> str:
    return hashlib.blake2b(json.dumps(payload, sort_keys=True).encode("utf-8"), digest_size=16).hexdigest()


def _dump(result: FileResult) -> dict:
    return {
        "findings": [
            {
                "code": f.code, "name": f.name, "message": f.message, "evidence": list(f.evidence),
                "fix": None if f.fix is None else [f.fix.applicability, f.fix.message],
                "span": [f.row, f.column, f.end_row, f.end_column], "fixed": f.fixed, "cell": f.cell,
                "edits": [[e.content, e.row, e.column, e.end_row, e.end_column] for e in f.edits],
            }
            for f in result.findings
        ],
        "sites": [[s.line, s.headline, list(s.evidence)] for s in result.sites],
        # latin-1 maps bytes to code points one to one: any content survives JSON unchanged
        "fixed": None if result.fixed is None else result.fixed.decode("latin-1"),
        "error": result.error, "error_line": result.error_line, "encoding": result.encoding, "notes": list(result.notes),
    }


def _load(payload: dict, display: str, source: bytes) -> FileResult:
    findings = []
    for f in payload["findings"]:
        fix = None if f["fix"] is None else Fix(_text(f["fix"][0]), _text(f["fix"][1]), [])
        row, column, end_row, end_column = (_int(n) for n in f["span"])
        finding = Finding(code=_text(f["code"]), name=_text(f["name"]), message=_text(f["message"]), node=None,
                          suppress_node=None, fix=fix, evidence=[_text(e) for e in f["evidence"]],
                          row=row, column=column, end_row=end_row, end_column=end_column,
                          edits=[Edit(_text(c), _int(r), _int(k), _int(er), _int(ek)) for c, r, k, er, ek in f["edits"]],
                          fixed=bool(f["fixed"]), cell=None if f["cell"] is None else _int(f["cell"]))
        findings.append(finding)
    sites = [SiteSummary(_int(line), _text(head), [_text(e) for e in ev]) for line, head, ev in payload["sites"]]
    fixed = payload["fixed"]
    error = payload["error"]
    return FileResult(display, source, findings=findings, sites=sites,
                      fixed=None if fixed is None else _text(fixed).encode("latin-1"),
                      error=None if error is None else _text(error), error_line=_int(payload["error_line"]),
                      encoding=_text(payload["encoding"]), notes=[_text(n) for n in payload["notes"]])


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, found {type(value).__name__}")
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected an integer, found {type(value).__name__}")
    return value
