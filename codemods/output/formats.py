"""Machine-readable reports: JSON (ruff's shape), SARIF 2.1.0, GitHub annotations, concise lines.

Every format is built from plain data (dicts, escaped strings), so any file name or message
yields valid output.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import IO, Iterable
from urllib.parse import quote

from .. import __version__
from .findings import FileResult, Finding
from ..knowledge import Knowledge
from .report import BIDI, printable

INFORMATION_URI = "https://pypi.org/project/tokenfix/"


def finding_json(finding: Finding, filename: str, knowledge: Knowledge) -> dict:
    fix = None
    if finding.fix is not None:
        fix = {
            "applicability": finding.fix.applicability,
            "message": finding.fix.message,
            "edits": [
                {
                    "content": edit.content,
                    "location": {"row": edit.row, "column": edit.column},
                    "end_location": {"row": edit.end_row, "column": edit.end_column},
                }
                for edit in finding.edits
            ],
        }
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "severity": finding.severity,
        "filename": filename,
        "location": {"row": finding.row, "column": finding.column},
        "end_location": {"row": finding.end_row, "column": finding.end_column},
        "fix": fix,
        "cell": finding.cell,
        "evidence": [str(e) for e in finding.evidence],
    }


def _open_findings(results: Iterable[FileResult]):
    for result in results:
        for finding in result.findings:
            if not finding.fixed:
                yield result, finding


def write_json(results: Iterable[FileResult], knowledge: Knowledge, out: IO[str]) -> None:
    items = [finding_json(f, r.path, knowledge) for r, f in _open_findings(results)]
    _write_json(items, out)


def write_concise(results: Iterable[FileResult], out: IO[str]) -> None:
    for result, finding in _open_findings(results):
        cell = f"cell {finding.cell}:" if finding.cell is not None else ""
        out.write(printable(f"{result.path}:{cell}{finding.row}:{finding.column}: {finding.code} {finding.severity}: {finding.message}") + "\n")


# A severity as each consumer spells it (rules/checks.toml: error, warning, info)
GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _escape_data(text: str) -> str:
    # The Actions log obeys ANSI escapes: other control characters are made visible too.
    return printable(text, keep="\r\n").replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def write_github(results: Iterable[FileResult], knowledge: Knowledge, out: IO[str]) -> None:
    """GitHub Actions workflow commands: one annotation per finding on the PR's diff."""
    for result, finding in _open_findings(results):
        level = GITHUB_LEVELS[finding.severity]
        props = ",".join([
            f"title={_escape_property(f'tokenfix ({finding.code})')}",
            f"file={_escape_property(result.path)}",
            f"line={finding.row}", f"col={finding.column}",
            f"endLine={finding.end_row}", f"endColumn={finding.end_column}",
        ])
        out.write(f"::{level} {props}::{_escape_data(f'{finding.code} {finding.message}')}\n")


def _uri(path: str) -> str:
    return quote(Path(path).as_posix(), safe="/:")


def _region(row: int, column: int, end_row: int, end_column: int) -> dict:
    return {"startLine": row, "startColumn": column, "endLine": end_row, "endColumn": end_column}


def sarif(results: Iterable[FileResult], knowledge: Knowledge) -> dict:
    codes = sorted(knowledge.checks)
    rules = []
    for code in codes:
        info = knowledge.checks[code]
        rules.append({
            "id": code,
            "name": info.name,
            "shortDescription": {"text": info.summary},
            "fullDescription": {"text": info.docs.strip()},
            "help": {"text": info.docs.strip(), "markdown": info.docs.strip()},
            "helpUri": info.source,
            "defaultConfiguration": {"level": SARIF_LEVELS[info.severity], "enabled": info.default},
            "properties": {"fix": info.fix},
        })
    items = []
    fingerprint = _Fingerprints()
    for result, finding in _open_findings(results):
        item = {
            "ruleId": finding.code,
            "ruleIndex": codes.index(finding.code) if finding.code in codes else -1,
            "level": SARIF_LEVELS[finding.severity],
            "message": {"text": finding.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(result.path)},
                    "region": _region(finding.row, finding.column, finding.end_row, finding.end_column),
                }
            }],
            "partialFingerprints": {"tokenfixFinding/v1": fingerprint(result, finding)},
        }
        if finding.fix is not None and finding.edits:
            item["fixes"] = [{
                "description": {"text": f"{finding.fix.message} ({finding.fix.applicability})"},
                "artifactChanges": [{
                    "artifactLocation": {"uri": _uri(result.path)},
                    "replacements": [
                        {"deletedRegion": _region(e.row, e.column, e.end_row, e.end_column), "insertedContent": {"text": e.content}}
                        for e in finding.edits
                    ],
                }],
            }]
        items.append(item)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "tokenfix", "version": __version__, "informationUri": INFORMATION_URI, "rules": rules}},
            "results": items,
        }],
    }


class _Fingerprints:
    """What code scanning follows a finding by across commits: its check, its file, and the text
    of its line with the spaces around it taken off (a notebook's: its message), and which of
    the same it is in that file; not the line number, which moves when lines above it change."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.lines: tuple = (None, [])  # the last file's lines, split once for all its findings

    def __call__(self, result: FileResult, finding: Finding) -> str:
        if finding.cell is None and finding.row:
            if self.lines[0] is not result:
                self.lines = (result, result.source.split(b"\n"))
            lines = self.lines[1]
            text = lines[finding.row - 1].strip() if finding.row <= len(lines) else b""
        else:
            text = finding.message.encode("utf-8", "surrogateescape")
        digest = hashlib.sha256(b"\0".join([finding.code.encode(), result.path.encode("utf-8", "surrogateescape"), text])).hexdigest()[:32]
        self.seen[digest] = self.seen.get(digest, 0) + 1
        return f"{digest}:{self.seen[digest]}"


def _utf8(out: IO[str]) -> bool:
    """JSON is UTF-8 where the stream is; elsewhere (a C-locale pipe) \\u escapes keep it valid."""
    encoding = (getattr(out, "encoding", None) or "utf-8").lower().replace("_", "-")
    return encoding in ("utf-8", "utf8")


# C1 and bidi controls, which json.dumps leaves raw when it writes UTF-8: as \u escapes they
# are the same data, and a JSON report read on a terminal or in a CI log cannot reorder or
# take over what it shows.
_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in [*range(0x80, 0xA0), *BIDI]}


def _write_json(data, out: IO[str]) -> None:
    # In JSON text these characters can only stand inside strings, where \u is their escape.
    out.write(json.dumps(data, indent=2, ensure_ascii=not _utf8(out)).translate(_JSON_ESCAPES))
    out.write("\n")


def render(output_format: str, results: list[FileResult], knowledge: Knowledge, out: IO[str]) -> None:
    if output_format == "json":
        write_json(results, knowledge, out)
    elif output_format == "concise":
        write_concise(results, out)
    elif output_format == "github":
        write_github(results, knowledge, out)
    elif output_format == "sarif":
        _write_json(sarif(results, knowledge), out)
    else:  # pragma: no cover - click restricts the choices
        raise ValueError(output_format)
