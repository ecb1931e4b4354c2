"""One file, bytes in and bytes out: parse, find call sites, run checks, apply fixes.

The analysis reads the standard library's `ast` tree (source.py: ten times faster to build
than LibCST's). LibCST, which keeps every byte, is used for what changes code (fixes/apply.py):
a fix is made and applied on its tree, so that what is not edited stays byte-for-byte the
same (CRLF, BOM, encoding cookie), and the result is parsed again before anyone may write it.
"""

from __future__ import annotations

import warnings
from typing import Iterable, Optional, Sequence

from ..analysis.callsites import CallSiteFinder
from ..checks import Check, Context, enabled_checks
from ..knowledge.config import Settings
from ..output.findings import ASK_LIBCST, SAFE, SCAN, UNSAFE, FileResult, Finding
from ..knowledge import Knowledge
from ..analysis.source import Source, parse as parse_source
from .since import carried, touches


def _parse(data: bytes) -> tuple:
    """The ast tree, its Source and the encoding (source.parse): every file's one parse."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning for `"\d"` and the like: not ours to print
        return parse_source(data)


def _unparsable(data: bytes, exc: BaseException) -> tuple[str, int]:
    """Why a file does not parse, in LibCST's words when it agrees (its messages are the ones
    users have seen), else in Python's, unless what Python rejects is syntax of a newer Python
    (newer_syntax.py): then which one, and what to do. Code nested too deep for Python's parser
    is said so at once: LibCST's parser would take minutes on it, or crash."""
    if isinstance(exc, (RecursionError, MemoryError)):
        return "too deeply nested for the parser (RecursionError)", 0
    try:
        from ..fixes.parsing import parse

        module = parse(data)
    except Exception as libcst_exc:  # noqa: BLE001 - any parser failure is a per-file error
        from ..fixes.parsing import parse_error

        return parse_error(libcst_exc)
    if isinstance(exc, SyntaxError):  # LibCST reads it and Python does not: syntax of a newer Python?
        from ..fixes.newer_syntax import explain

        try:
            newer = explain(module, exc.lineno or 0)
        except RecursionError:  # pragma: no cover - LibCST's tree was built; walking it is iterative
            newer = None
        if newer is not None:
            return newer
    from ..fixes.parsing import parse_error

    return parse_error(exc)


# Each pass applies the fixes whose edits do not overlap; a fix that adds an argument to a call
# holding another call to fix waits for the inner one, so N nested calls take N passes. Ruff
# stops at 100 passes too; a pass that changes nothing ends the loop long before.
MAX_PASSES = 100


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
    edits: bool = False,
    lines=None,
) -> FileResult:
    """Findings for one file; with fix=True also the fixed bytes (safe fixes, or all with unsafe_fixes).

    With edits=True each fix also gets its text edit (for JSON and SARIF): that, like fixing,
    takes a LibCST parse of the file, which checking alone does without.

    Fixing runs in passes, as ruff does: fixes whose edits overlap (a removed argument and a
    clamped value in the same call) are applied one pass after the other, until a pass
    changes nothing. The findings returned are those fixed in any pass plus those left.

    `lines` (--since): only findings on these rows are reported or fixed; a later pass reads
    them as rows of the text the earlier ones fixed (since.carried).
    """
    checks = list(checks) if checks is not None else enabled_checks(knowledge, settings)
    first = one_pass(data, path, knowledge, settings, checks, fix, unsafe_fixes, index, module_names, edits, lines)
    if not (fix and first.changed):
        return first
    fixed = [f for f in first.findings if f.fixed]
    notes = list(first.notes)
    content, left = first.fixed, []
    for _ in range(MAX_PASSES - 1):
        step_lines = carried(lines, data, content) if lines is not None else None
        step = one_pass(content, path, knowledge, settings, checks, fix, unsafe_fixes, index, module_names, lines=step_lines)
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
             index=None, module_names: Sequence[str] = (), edits: bool = False, lines=None) -> FileResult:
    """One parse, one round of checks, and (with fix) the fixes that do not overlap."""
    result = FileResult(path, data)
    if b"\0" in data:  # Python refuses such source too; say so plainly instead of a parser's riddle
        result.error = "cannot parse: the file contains a NUL byte (a binary file?)"
        result.error_line = data.count(b"\n", 0, data.index(b"\0")) + 1
        return result
    try:
        tree, source, result.encoding = _parse(data)
    except Exception as exc:  # noqa: BLE001 - any parser failure is a per-file error, never a crash
        result.error, result.error_line = _unparsable(data, exc)
        return result
    finder = CallSiteFinder(knowledge, settings, index, module_names, source)
    try:
        finder.collect(tree)
        ctx = Context(knowledge, settings, getattr(index, "declared", None) or {})
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
                    _locate(finding, source)
                    if lines is not None and not touches(lines, finding.row, finding.end_row):
                        continue  # --since: not on a line changed since the ref
                    result.findings.append(finding)
        result.sites = finder.sites
    except RecursionError:
        result.error = "too deeply nested to analyse (RecursionError)"
        result.findings = []
        return result
    result.findings.sort(key=lambda f: (f.row, f.column, f.code))
    if _needs_libcst(result.findings, fix, edits):
        _apply_fixes(result, data, source, fix, unsafe_fixes, edits)
    return result


def _needs_libcst(findings: list[Finding], fix: bool, edits: bool) -> bool:
    """Whether any fix must be made on LibCST's tree: to apply it, show its edit, or judge it."""
    fixes = [f.fix for f in findings if f.fix is not None]
    if fix or edits:
        return bool(fixes)
    return any(x.applicability == SAFE and any(r.comments == ASK_LIBCST for r in x.replacements) for x in fixes)


def _apply_fixes(result: FileResult, data: bytes, source: Source, fix: bool, unsafe_fixes: bool, edits: bool) -> None:
    from ..fixes.apply import Fixer
    from ..fixes.parsing import parse_error

    try:
        fixer = Fixer(data)
    except Exception as exc:  # noqa: BLE001 - Python parses it, LibCST does not
        reason = parse_error(exc)[0]
        for finding in result.findings:
            if finding.fix is not None and finding.fix.applicability == SAFE and any(r.comments == ASK_LIBCST for r in finding.fix.replacements):
                finding.fix.applicability = UNSAFE  # nobody can say it keeps every comment
        result.notes.append(f"fixes not made: LibCST cannot parse this file ({reason})")
        return
    result.notes += fixer.make(result.findings, source)
    if edits or fix:  # the tree is there: a fixing run reports its edits too
        fixer.add_edits(result.findings)
    if fix:
        fixer.apply(result, {SAFE, UNSAFE} if unsafe_fixes else {SAFE})


def _suppressed(finding: Finding, finder: CallSiteFinder) -> bool:
    first, _, last, _ = finder.span(finding.suppress_node)
    return finder.comments.is_suppressed(finding.code, first, last)


def _locate(finding: Finding, source: Source) -> None:
    row, col, end_row, end_col = source.span(finding.node)
    finding.row, finding.column, finding.end_row, finding.end_column = row, col + 1, end_row, end_col + 1
    # As in ruff: a fix that would drop a comment inside its span is unsafe.
    fix = finding.fix
    if fix is not None and fix.applicability == SAFE and any(r.comments == SCAN and _has_comment(source, r.original) for r in fix.replacements):
        fix.applicability = UNSAFE
        fix.message += fix.comment_note


def _has_comment(source: Source, node) -> bool:
    line, column, end_line, end_column = source.span(node)
    return bool(source.comments_between((line, column), (end_line, end_column)))
