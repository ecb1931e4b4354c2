"""Rendering a run for people (rich text) and unified diffs; formats.py renders for tools.

File names and messages come from the code being read; they are printed as plain text,
never interpreted as rich markup.
"""

from __future__ import annotations

import difflib
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
    # Into a pipe or a file rich writes the plain text; rendering each line through it cost
    # 0.2 ms a finding (0.4 s for a repository with 2,000). Such lines are written as they
    # are; a terminal, forced colours, or a tab (rich expands tabs) still go through rich.
    plain = not con.is_terminal and con.color_system is None
    for result in results:
        for finding in result.findings:
            if finding.fixed:
                continue
            line = Text()
            cell = f"cell {finding.cell}:" if finding.cell is not None else ""
            line.append(printable(f"{result.path}:{cell}{finding.row}:{finding.column}:"), style="bold")
            line.append(" ")
            line.append(finding.code, style="bold red")
            line.append(" " + printable(finding.message))
            if show_fixes and finding.fix is not None:
                tag = {"safe": "fixable", "unsafe": "unsafe fix", "display-only": "suggestion"}.get(finding.fix.applicability, finding.fix.applicability)
                line.append(f" [{tag}: {finding.fix.message}]", style="cyan")
            _print(con, line, plain)
            if show_evidence:
                for evidence in finding.evidence:
                    _print(con, Text(printable(f"    {evidence}"), style="dim"), plain)


def _print(con: Console, line: Text, plain: bool) -> None:
    text = line.plain
    if plain and "\t" not in text:
        con.file.write(text + "\n")
    else:
        con.print(line)


def write_sites(results: Iterable[FileResult], con: Console) -> None:
    """--show-evidence: every call site found, even those without findings, and why."""
    for result in results:
        for site in result.sites:
            site = site if isinstance(site, SiteSummary) else summarize_site(site)
            con.print(Text(printable(f"{result.path}:{site.line}: {site.headline}"), style="bold"))
            for evidence in site.evidence:
                con.print(Text(printable(f"    {evidence}"), style="dim"))


def unified_diff(result: FileResult) -> str:
    if not result.changed:
        return ""
    old = result.source.decode(result.encoding, errors="surrogateescape").splitlines(keepends=True)
    new = result.fixed.decode(result.encoding, errors="surrogateescape").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, fromfile="a/" + result.path.lstrip("/"), tofile="b/" + result.path.lstrip("/"))
    text = ""
    for line in lines:
        text += line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
    return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
