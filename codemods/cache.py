"""Results of earlier runs, so that an unchanged file is not parsed again.

An entry is keyed on everything its result depends on: the file's bytes, its path (per-file
settings), the tool's version, the rules' digest, the settings, the mode, and the clients
other modules of the run export. Entries are JSON, never pickle: the folder may be written
by anyone, so an entry is data to validate, not code to trust. Anything that does not read
back exactly (truncated, edited, another version's layout) counts as a miss and is rewritten.
Writes go through a temporary file and a rename, so two runs at once never see half an entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Optional

from . import __version__
from .findings import Edit, FileResult, Finding, Fix, SiteSummary

DEFAULT_DIR = ".tokenfix_cache"
CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by tokenfix.\n# For information about cache directory tags see https://bford.info/cachedir/\n"
LAYOUT = "1"  # bump when the entry format changes


class Cache:
    def __init__(self, folder: Path):
        self.folder = folder
        self.entries = folder / f"v{LAYOUT}"
        self.hits = self.misses = 0
        self._ready = False

    def key(self, data: bytes, *parts: str) -> str:
        digest = hashlib.blake2b(data, digest_size=20)
        for part in (__version__, LAYOUT, *parts):
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
