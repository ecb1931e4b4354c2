"""Fixes made real: the LibCST nodes that a finding's replacements stand for, edits and rewrites.

The analysis runs on `ast` (source.py); a fix names what it replaces by its place in the
text and how (findings.Replacement). Only when a fix is applied, or its edit is shown (JSON,
SARIF), or only LibCST can tell whether it keeps every comment, is the file parsed with
LibCST: the node at that place is found by its position (both parsers count the same
syntactic spans: an expression without its parentheses, an argument from its keyword to the
end of its value), made into its replacement, and applied by a transformer. The result is
parsed again before anyone may write it; a fix that would not parse is dropped and reported.
"""

from __future__ import annotations

from typing import Sequence

import libcst as cst

from .positions import NodePositions, walk
from ..output.findings import ASK_LIBCST, DISPLAY_ONLY, SAFE, UNSAFE, FileResult, Finding
from .edits import comments
from .parsing import parse, parse_error
from ..analysis.source import Source


class Fixer:
    """One file's LibCST tree, with its layout, where the findings' fixes are made."""

    def __init__(self, data: bytes):
        self.module = parse(data)
        self.layout = NodePositions(self.module)
        # LibCST drops a few rare spellings (e.g. the space in `except (A, B) :`); such a file
        # is still checked, but never rewritten, so that no byte outside a fix can change.
        self.round_trips = self.layout.round_trips(data)
        self._by_offset = None

    def _at(self, span: tuple[int, int, int, int], kinds: tuple[str, ...]):
        """The outermost node of one of these LibCST classes with exactly this span."""
        if self._by_offset is None:
            self._by_offset = self.layout.start_offsets()
        for node in self._by_offset.get(self.layout.offset(span[0], span[1]), ()):  # parents come first
            name = type(node).__name__
            if (name in kinds or ("BaseExpression" in kinds and isinstance(node, cst.BaseExpression))) and self.layout.span(node) == span:
                return node
        return None

    def make(self, findings: Sequence[Finding], source: Source) -> list[str]:
        """Fill each fix's (original, new) LibCST pairs; apply the comment rule LibCST must decide.

        Returns notes for fixes whose node was not found (a bug: never applied)."""
        notes = []
        for finding in findings:
            fix = finding.fix
            if fix is None or fix.nodes:
                continue
            pairs = []
            for rep in fix.replacements:
                node = self._at(source.span(rep.original), rep.kind)
                if node is None:
                    pairs = []
                    notes.append(f"fix for {finding.code} at line {finding.row} not applied: its node was not found in LibCST's tree (please report)")
                    break
                pairs.append((node, rep.make(node)))
            fix.nodes = pairs
            if pairs and fix.applicability == SAFE and any(
                    rep.comments == ASK_LIBCST and comments(old) != comments(new) for rep, (old, new) in zip(fix.replacements, pairs)):
                fix.applicability = UNSAFE
                fix.message += fix.comment_note
        return notes

    def add_edits(self, findings: Sequence[Finding]) -> None:
        self.layout.add_edits(findings)

    def apply(self, result: FileResult, allowed: set[str]) -> None:
        """Apply the allowed fixes whose edits do not overlap; keep the output only if it parses."""
        if not self.round_trips:
            if any(f.fix is not None for f in result.findings):
                result.notes.append("fixes not applied: LibCST cannot reproduce this file byte for byte (please report it)")
            return
        chosen: dict[int, tuple[cst.CSTNode, cst.CSTNode]] = {}
        taken: list[tuple] = []
        applied: list[Finding] = []
        for finding in result.findings:
            fix = finding.fix
            if fix is None or not fix.nodes or fix.applicability == DISPLAY_ONLY or fix.applicability not in allowed:
                continue
            spans = [self._span(old) for old, _ in fix.nodes]
            if any(_overlaps(s, t) for s in spans for t in taken):
                # Two findings may share one edit (same node, same new code): apply it once.
                if all(id(old) in chosen and chosen[id(old)][1].deep_equals(new) for old, new in fix.nodes):
                    applied.append(finding)
                continue  # overlapping: left for the next pass
            for (old, new), span in zip(fix.nodes, spans):
                chosen[id(old)] = (old, new)
                taken.append(span)
            applied.append(finding)
        if not chosen:
            return
        new_bytes = self.module.visit(_Replace(chosen)).bytes
        try:
            parse(new_bytes)
        except Exception as exc:  # noqa: BLE001
            result.notes.append(f"fixes dropped: the fixed code would not parse ({parse_error(exc)[0]})")
            return
        for finding in applied:
            finding.fixed = True
        result.fixed = new_bytes

    def _span(self, node: cst.CSTNode) -> tuple[tuple[int, int], tuple[int, int]]:
        line, column, end_line, end_column = self.layout.span(node)
        return (line, column), (end_line, end_column)


class _Replace(cst.CSTTransformer):
    def __init__(self, replacements: dict[int, tuple[cst.CSTNode, cst.CSTNode]]):
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node, updated_node):  # type: ignore[override]
        found = self.replacements.get(id(original_node))
        return found[1] if found is not None and found[0] is original_node else updated_node


def _overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]
