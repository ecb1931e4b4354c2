"""Rendering a run for people (rich text) and unified diffs; formats.py renders for tools.

File names and messages come from the code being read; they are printed as plain text,
never interpreted as rich markup.
"""

from __future__ import annotations

import difflib
import os
import re
from typing import IO, Iterable

from rich.console import Console
from rich.text import Text

from .findings import FileResult, SiteSummary, summarize_site


# Characters a terminal or a log viewer obeys instead of showing: the C0 controls but tab and
# newline, DEL, the C1 controls (U+009B alone starts an escape sequence on many terminals),
# and the bidi controls that reorder what a line shows (Trojan Source, CVE-2021-42574).
BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0, 9), *range(10, 32), 127, *range(0x80, 0xA0)]}
_CONTROL.update({c: f"\\u{c:04x}" for c in BIDI})


def printable(text: str, keep: str = "") -> str:
    """Text from the code being read, with control characters (terminal escapes) made visible."""
    if keep:
        return text.translate({c: v for c, v in _CONTROL.items() if chr(c) not in keep})
    return text.translate(_CONTROL)


def console(file: IO[str], stderr: bool = False) -> Console:
    return Console(file=file, highlight=False, soft_wrap=True, stderr=stderr, markup=False, emoji=False)


def write_text(results: Iterable[FileResult], con: Console, show_evidence: bool = False, show_fixes: bool = True) -> None:
    """One line a finding. With `show_evidence`, every call site found (even one without a
    finding) with the lines that say what it is, each followed by its own findings: the
    evidence is printed once, under the site it describes, never under another site's."""
    # Into a pipe or a file rich writes the plain text; rendering each line through it cost
    # 0.2 ms a finding (0.4 s for a repository with 2,000). Such lines are written as they
    # are; a terminal, forced colours, or a tab (rich expands tabs) still go through rich.
    plain = not con.is_terminal and con.color_system is None
    for result in results:
        findings = [f for f in result.findings if not f.fixed]
        if not show_evidence:
            for finding in findings:
                _print(con, _finding_line(result, finding, show_fixes), plain)
            continue
        sites = [s if isinstance(s, SiteSummary) else summarize_site(s, path=result.path) for s in result.sites]
        under = _by_site(sites, findings)
        for index, site in enumerate(sites):
            cell = f"cell {site.cell}:" if site.cell is not None else ""
            _print(con, Text(printable(f"{result.path}:{cell}{site.line}: {site.headline}"), style="bold"), plain)
            for evidence in site.evidence:
                _print(con, Text(printable(f"    {evidence}"), style="dim"), plain)
            for finding in under.get(index, ()):
                _print(con, _finding_line(result, finding, show_fixes), plain)
        for finding in under.get(None, ()):  # no site of the file says why: its own evidence
            _print(con, _finding_line(result, finding, show_fixes), plain)
            for evidence in finding.evidence:
                _print(con, Text(printable(f"    {evidence}"), style="dim"), plain)


def _by_site(sites: list, findings: list) -> dict:
    """Each finding under the site it was made at: of the sites of its cell whose evidence is the
    finding's, the nearest (a limit may sit in a payload built lines above its POST); None for
    one no site explains."""
    alike: dict = {}  # (evidence, cell) -> the sites that have them, in order
    for index, site in enumerate(sites):
        alike.setdefault((tuple(site.evidence), site.cell), []).append(index)
    under: dict = {}
    for finding in findings:
        candidates = alike.get((tuple(str(e) for e in finding.evidence), finding.cell), ())
        best = min(candidates, key=lambda index: abs(sites[index].line - finding.row), default=None)
        under.setdefault(best, []).append(finding)
    return under


def _finding_line(result: FileResult, finding, show_fixes: bool) -> Text:
    line = Text()
    cell = f"cell {finding.cell}:" if finding.cell is not None else ""
    line.append(printable(f"{result.path}:{cell}{finding.row}:{finding.column}:"), style="bold")
    line.append(" ")
    line.append(finding.code, style="bold red")
    line.append(f" {finding.severity}:", style=_SEVERITY_STYLES.get(finding.severity, ""))
    line.append(" " + printable(finding.message))
    if show_fixes and finding.fix is not None:
        tag = {"safe": "fixable", "unsafe": "unsafe fix", "display-only": "suggestion"}.get(finding.fix.applicability, finding.fix.applicability)
        line.append(f" [{tag}: {finding.fix.message}]", style="cyan")
    return line


_SEVERITY_STYLES = {"error": "red", "warning": "yellow", "info": "blue"}


def _print(con: Console, line: Text, plain: bool) -> None:
    text = line.plain
    if plain and "\t" not in text:
        con.file.write(text + "\n")
    else:
        con.print(line)


def patch(result: FileResult) -> bytes:
    """The fix of one file as a unified diff that `git apply` takes, or b"" when nothing changes.

    Built from the file's bytes, never from decoded text: the hunk carries the file's own
    encoding (Latin-1, GBK, ...), and lines end at b"\\n" only, as git splits them; a form
    feed, U+2028, NEL or a lone CR in the text is not a line end to git (str.splitlines
    took them for one, and the hunk did not apply). The names are quoted as git quotes them.
    """
    if not result.changed:
        return b""
    name = _name_bytes(result).lstrip(b"/")
    # git ends a header whose name holds a space with a tab, so that patch(1) reads it whole.
    tab = b"\t" if b" " in name else b""
    hunks = difflib.diff_bytes(difflib.unified_diff, _lines(result.source), _lines(result.fixed),
                               fromfile=git_quoted(b"a/" + name) + tab, tofile=git_quoted(b"b/" + name) + tab, lineterm=b"\n")
    return b"".join(line if line.endswith(b"\n") else line + b"\n\\ No newline at end of file\n" for line in hunks)


def shown_diff(result: FileResult) -> str:
    """The patch as a terminal shows it: each line decoded in the file's encoding, with
    terminal escapes, C1 and bidi controls and a lone CR made visible (a CR moves the cursor
    back and lets the rest of a line hide what came before). Into a pipe, `patch` is written."""
    shown = []
    for line in _lines(patch(result)):
        text = line.decode(result.encoding, "surrogateescape")
        text = _UNDECODED.sub(lambda byte: f"\\x{ord(byte.group()) - 0xDC00:02x}", text)  # as \xNN
        end = "\r\n" if text.endswith("\r\n") else "\n" if text.endswith("\n") else ""
        shown.append(printable(text[:len(text) - len(end)], keep="\t") + end)
    return "".join(shown)


_UNDECODED = re.compile("[\udc80-\udcff]")  # the bytes surrogateescape could not decode


def _lines(data: bytes) -> list[bytes]:
    """data split after each b"\\n" and nowhere else, as git splits a file into lines."""
    lines = data.split(b"\n")
    return [line + b"\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def _name_bytes(result: FileResult) -> bytes:
    # The name as the file system spells it: result.path has odd bytes written as \xNN.
    return result.name if result.name is not None else os.fsencode(result.path)


_GIT_ESCAPES = {0x07: b"\\a", 0x08: b"\\b", 0x09: b"\\t", 0x0A: b"\\n", 0x0B: b"\\v", 0x0C: b"\\f", 0x0D: b"\\r",
                0x22: b'\\"', 0x5C: b"\\\\"}


def git_quoted(name: bytes) -> bytes:
    """A name as git writes it in a diff header (quote.c's quote_c_style, with core.quotePath
    on, git's default): in double quotes with C escapes, and every other control byte, DEL
    and byte from 0x80 as an octal \\ooo, whenever it holds one of those or a quote or a
    backslash; otherwise as it is. `git apply` reads a quoted name back byte for byte."""
    if not any(byte < 0x20 or byte >= 0x7F or byte in b'"\\' for byte in name):
        return name
    quoted = bytearray(b'"')
    for byte in name:
        if byte in _GIT_ESCAPES:
            quoted += _GIT_ESCAPES[byte]
        elif byte < 0x20 or byte >= 0x7F:
            quoted += b"\\%03o" % byte
        else:
            quoted.append(byte)
    return bytes(quoted + b'"')


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
