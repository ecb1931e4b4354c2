"""One file, bytes in and bytes out: parse, find call sites, run checks, apply fixes.

Everything here works on bytes so that what is not edited stays byte-for-byte the same
(CRLF, BOM, encoding cookie). A fix is applied through LibCST and the result is parsed again
before anyone may write it; a fix that would not parse is dropped and reported.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

import libcst as cst

from .callsites import CallSiteFinder
from .checks import Check, Context, enabled_checks
from .codegen import Layout
from .config import Settings
from .findings import DISPLAY_ONLY, SAFE, UNSAFE, FileResult, Finding, Replacement
from .knowledge import Knowledge
from .layout import comments


def _parse(data: bytes) -> cst.Module:
    return cst.parse_module(data)


def parse_error(exc: BaseException) -> tuple[str, int]:
    """A one-line reason and the line it concerns (0 when unknown)."""
    if isinstance(exc, cst.ParserSyntaxError):
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
        return f"syntax error: {message}", exc.raw_line
    if isinstance(exc, RecursionError):
        return "too deeply nested for the parser (RecursionError)", 0
    if isinstance(exc, (UnicodeDecodeError, LookupError)):
        return f"cannot decode the file: {exc}", 0
    if isinstance(exc, SyntaxError) and "encoding" in str(exc):  # how LibCST reports a bad or missing coding cookie
        return f"cannot decode the file: {exc.msg if exc.msg else exc} (it is not UTF-8; a coding declaration must name its encoding)", exc.lineno or 0
    return f"cannot parse: {type(exc).__name__}: {exc}", 0


MAX_PASSES = 8


def analyze(
    data: bytes,
    path: str,
    knowledge: Knowledge,
    settings: Settings,
    *,
    fix: bool = False,
    unsafe_fixes: bool = False,
    checks: Optional[Iterable[Check]] = None,
    index=None,
    module_names: Sequence[str] = (),
) -> FileResult:
    """Findings for one file; with fix=True also the fixed bytes (safe fixes, or all with unsafe_fixes).

    Fixing runs in passes, as ruff does: fixes whose edits overlap (a removed argument and a
    clamped value in the same call) are applied one pass after the other, until a pass
    changes nothing. The findings returned are those fixed in any pass plus those left.
    """
    checks = list(checks) if checks is not None else enabled_checks(knowledge, settings)
    first = one_pass(data, path, knowledge, settings, checks, fix, unsafe_fixes, index, module_names)
    if not (fix and first.changed):
        return first
    fixed = [f for f in first.findings if f.fixed]
    notes = list(first.notes)
    content, left = first.fixed, []
    for _ in range(MAX_PASSES - 1):
        step = one_pass(content, path, knowledge, settings, checks, fix, unsafe_fixes, index, module_names)
        notes += step.notes
        if step.error:  # pragma: no cover - every pass's output was parsed before
            notes.append(f"stopped fixing after an earlier pass: {step.error}")
            break
        fixed += [f for f in step.findings if f.fixed]
        left = [f for f in step.findings if not f.fixed]
        if not step.changed:
            break
        content = step.fixed
    else:
        notes.append(f"fixes did not settle after {MAX_PASSES} passes (please report)")
    result = FileResult(path, data, findings=fixed + left, sites=first.sites, fixed=content, encoding=first.encoding, notes=notes)
    return result


def one_pass(data: bytes, path: str, knowledge: Knowledge, settings: Settings, checks: list, fix: bool, unsafe_fixes: bool,
             index=None, module_names: Sequence[str] = ()) -> FileResult:
    """One parse, one round of checks, and (with fix) the fixes that do not overlap."""
    result = FileResult(path, data)
    if b"\0" in data:  # Python refuses such source too; say so plainly instead of a parser's riddle
        result.error = "cannot parse: the file contains a NUL byte (a binary file?)"
        result.error_line = data.count(b"\n", 0, data.index(b"\0")) + 1
        return result
    try:
        module = _parse(data)
        result.encoding = module.encoding
        layout = Layout(module)
        # LibCST drops a few rare spellings (e.g. the space in `except (A, B) :`); such a file
        # is still checked, but never rewritten, so that no byte outside a fix can change.
        round_trips = layout.round_trips(data)
    except Exception as exc:  # noqa: BLE001 - any parser failure is a per-file error, never a crash
        result.error, result.error_line = parse_error(exc)
        return result
    finder = CallSiteFinder(knowledge, settings, index, module_names, layout)
    try:
        finder.collect(module)
        ctx = Context(knowledge, settings, finder)
        for site in finder.sites:
            for check in checks:
                try:
                    found = list(check.run(site, ctx))
                except Exception as exc:  # noqa: BLE001 - a bug in one check must not stop the run
                    result.notes.append(f"internal error in {check.CODE} at line {site.line}: {type(exc).__name__}: {exc} (please report)")
                    continue
                for finding in found:
                    if _suppressed(finding, finder):
                        continue
                    _locate(finding, finder)
                    result.findings.append(finding)
        layout.add_edits(result.findings)
        result.sites = finder.sites
    except RecursionError:
        result.error = "too deeply nested to analyse (RecursionError)"
        result.findings = []
        return result
    result.findings.sort(key=lambda f: (f.row, f.column, f.code))
    if fix and not round_trips:
        if any(f.fix is not None for f in result.findings):
            result.notes.append("fixes not applied: LibCST cannot reproduce this file byte for byte (please report it)")
    elif fix:
        allowed = {SAFE, UNSAFE} if unsafe_fixes else {SAFE}
        _apply(result, module, layout, allowed)
    return result


def _suppressed(finding: Finding, finder: CallSiteFinder) -> bool:
    first, _, last, _ = finder.span(finding.suppress_node)
    return finder.comments.is_suppressed(finding.code, first, last)


def _locate(finding: Finding, finder: CallSiteFinder) -> None:
    row, col, end_row, end_col = finder.span(finding.node)
    finding.row, finding.column, finding.end_row, finding.end_column = row, col + 1, end_row, end_col + 1
    # As in ruff: a fix that would drop a comment inside its span is unsafe.
    fix = finding.fix
    if fix is not None and fix.applicability == SAFE and any(comments(r.original) != comments(r.new) for r in fix.replacements):
        fix.applicability = UNSAFE
        fix.message += " (unsafe: it would drop a comment)"


class _Replace(cst.CSTTransformer):
    def __init__(self, replacements: dict[cst.CSTNode, cst.CSTNode]):
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node, updated_node):  # type: ignore[override]
        return self.replacements.get(original_node, updated_node)


def _apply(result: FileResult, module: cst.Module, layout: Layout, allowed: set[str]) -> None:
    """Apply the allowed fixes whose edits do not overlap; keep the output only if it parses."""
    chosen: dict[cst.CSTNode, cst.CSTNode] = {}
    taken: list[tuple] = []
    applied: list[Finding] = []
    for finding in result.findings:
        fix = finding.fix
        if fix is None or fix.applicability == DISPLAY_ONLY or fix.applicability not in allowed:
            continue
        spans = [_span(layout, rep) for rep in fix.replacements]
        if any(_overlaps(s, t) for s in spans for t in taken):
            # Two findings may share one edit (same node, same new code): apply it once.
            if all(rep.original in chosen and chosen[rep.original].deep_equals(rep.new) for rep in fix.replacements):
                applied.append(finding)
            continue  # overlapping: left for the next pass
        for rep, span in zip(fix.replacements, spans):
            chosen[rep.original] = rep.new
            taken.append(span)
        applied.append(finding)
    if not chosen:
        return
    new_module = module.visit(_Replace(chosen))
    new_bytes = new_module.bytes
    try:
        _parse(new_bytes)
    except Exception as exc:  # noqa: BLE001
        result.notes.append(f"fixes dropped: the fixed code would not parse ({parse_error(exc)[0]})")
        return
    for finding in applied:
        finding.fixed = True
    result.fixed = new_bytes


def _span(layout: Layout, rep: Replacement) -> tuple[tuple[int, int], tuple[int, int]]:
    line, column, end_line, end_column = layout.span(rep.original)
    return (line, column), (end_line, end_column)


def _overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]
