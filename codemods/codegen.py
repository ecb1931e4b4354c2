"""One codegen pass that gives positions, the text spans fixes replace, and the round-trip check.

LibCST's PositionProvider renders the whole module to count lines; rendering it again to
compare with the file's bytes, and once more to find the text a fix replaces, cost two more
full passes per file. This pass does all three at once (a third of the analysis of a small
file was spent re-rendering it).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Optional, Sequence

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodeRange
from libcst.metadata.position_provider import PositionProvidingCodegenState

from .findings import Edit, Finding


class _Positions:
    """Stands in for the provider PositionProvidingCodegenState writes its ranges into."""

    def __init__(self) -> None:
        self._computed: dict[cst.CSTNode, CodeRange] = {}


@dataclass
class _LayoutState(PositionProvidingCodegenState):
    """PositionProvider's own codegen state, noting also each node's first and end token."""

    spans: dict = field(default_factory=dict)  # node -> (first token, end token, indentation)
    _firsts: list = field(default_factory=list)

    def before_codegen(self, node: cst.CSTNode) -> None:
        super().before_codegen(node)
        self._firsts.append(len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        super().after_codegen(node)
        # indentation is balanced within a node, so it is the same as when the node began
        self.spans[node] = (self._firsts.pop(), len(self.tokens), tuple(self.indent_tokens))


class Layout:
    """Where every node of a module is: positions as PositionProvider gives them, and text offsets."""

    def __init__(self, module: cst.Module):
        self.module = module
        positions = _Positions()
        state = _LayoutState(default_indent=module.default_indent, default_newline=module.default_newline, provider=positions)
        module._codegen(state)
        self.positions = positions._computed
        self._spans = state.spans
        self._tokens = state.tokens
        self.code = "".join(state.tokens)
        self._offsets: Optional[list[int]] = None
        self._lines: Optional[_LineIndex] = None

    def span(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        """(line, column, end line, end column) of the node's code: lines 1-based, columns 0-based."""
        pos = self.positions[node]
        return pos.start.line, pos.start.column, pos.end.line, pos.end.column

    def round_trips(self, data: bytes) -> bool:
        """Whether LibCST reproduces the file byte for byte (a few rare spellings it does not)."""
        return self.code.encode(self.module.encoding) == data

    def add_edits(self, findings: Sequence[Finding]) -> None:
        """One Edit per fix: the span from its first to its last replacement, trimmed to what differs."""
        if not any(f.fix is not None and f.fix.replacements for f in findings):
            return
        if self._offsets is None:
            self._offsets = [0, *accumulate(len(t) for t in self._tokens)]
            self._lines = _LineIndex(self.code)
        offsets, code = self._offsets, self.code
        for finding in findings:
            if finding.fix is None or not finding.fix.replacements:
                continue
            pieces = []
            for rep in finding.fix.replacements:
                first, end, indent = self._spans[rep.original]
                render = CodegenState(default_indent=self.module.default_indent, default_newline=self.module.default_newline,
                                      indent_tokens=list(indent))
                rep.new._codegen(render)
                pieces.append((offsets[first], offsets[end], "".join(render.tokens)))
            pieces.sort(key=lambda s: (s[0], -s[1]))
            start = stop = pieces[0][0]
            new: list[str] = []
            for begin, end, text in pieces:
                if begin < stop:  # inside a replacement already taken: the outer one wins, as in a transformer
                    continue
                new += [code[stop:begin], text]
                stop = end
            finding.edits.append(_trimmed(code, start, stop, "".join(new), self._lines))


def _trimmed(code: str, start: int, stop: int, new: str, lines: "_LineIndex") -> Edit:
    old = code[start:stop]
    prefix, limit = 0, min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    row, column = lines.location(start + prefix)
    end_row, end_column = lines.location(stop - suffix)
    return Edit(new[prefix:len(new) - suffix], row, column, end_row, end_column)


class _LineIndex:
    """1-based row and column of string offsets, with Python's (and LibCST's) line breaks."""

    def __init__(self, text: str):
        self.starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]

    def location(self, offset: int) -> tuple[int, int]:
        row = bisect_right(self.starts, offset)
        return row, offset - self.starts[row - 1] + 1


_NEWLINE = re.compile(r"\r\n|\r|\n")
