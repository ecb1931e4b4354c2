"""One codegen pass that gives positions, the text spans fixes replace, and the round-trip check.

LibCST's PositionProvider renders the whole module to count lines; rendering it again to
compare with the file's bytes, and once more to find the text a fix replaces, cost two more
full passes per file. This pass does all three at once (a third of the analysis of a small
file was spent re-rendering it).

It also keeps less than the provider while rendering: for each node only the indices of the
tokens where its range starts and ends (the same ranges PositionProvider computes: syntactic,
hoisted from child nodes where LibCST says so). Lines and columns are worked out from those
indices only for the nodes someone asks about, a few hundred of the thousands in a module.
"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Iterator, Optional, Sequence

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange

from ..output.findings import Edit, Finding


class _Recording:
    """`with state.record_syntactic_position(...)`, without a generator per node."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state: "_LayoutState", node, start_node, end_node) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.start = len(self.state.tokens)

    def __exit__(self, *exc) -> None:
        ranges = self.state.ranges
        start = ranges[id(self.start_node)][0] if self.start_node is not None else self.start
        end = ranges[id(self.end_node)][1] if self.end_node is not None else len(self.state.tokens)
        ranges[id(self.node)] = (start, end)


@dataclass
class _LayoutState(CodegenState):
    """Codegen that notes each node's token range (as PositionProvider would) and its whole span."""

    # Keyed by id(node): a LibCST node's __hash__ is a Python function, called for every lookup.
    ranges: dict = field(default_factory=dict)  # id(node) -> (first token, end token), syntactic
    spans: dict = field(default_factory=dict)  # id(node) -> (first token, end token, indentation), whole node
    _firsts: list = field(default_factory=list)

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):  # type: ignore[override]
        return _Recording(self, node, start_node, end_node)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._firsts.append(len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        first, end = self._firsts.pop(), len(self.tokens)
        key = id(node)
        if key not in self.ranges:  # a syntactic range, recorded inside, wins (as in PositionProvider)
            self.ranges[key] = (first, end)
        # indentation is balanced within a node, so it is the same as when the node began
        self.spans[key] = (first, end, tuple(self.indent_tokens))


class _Positions:
    """node -> CodeRange, as PositionProvider gives it, computed when first asked for."""

    def __init__(self, layout: "NodePositions") -> None:
        self._layout = layout
        self._done: dict[int, CodeRange] = {}

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        found = self._done.get(id(node))
        if found is None:
            start, end = self._layout.ranges[id(node)]
            found = self._done[id(node)] = CodeRange(self._layout.position(start), self._layout.position(end))
        return found

    def get(self, node: cst.CSTNode, default=None):
        return self[node] if id(node) in self._layout.ranges else default

    def __contains__(self, node: object) -> bool:
        return id(node) in self._layout.ranges


class NodePositions:
    """Where every node of a module is: positions as PositionProvider gives them, and text offsets."""

    def __init__(self, module: cst.Module):
        self.module = module
        state = _LayoutState(default_indent=module.default_indent, default_newline=module.default_newline)
        module._codegen(state)
        self.ranges = state.ranges
        self._spans = state.spans
        self._tokens = state.tokens
        self.code = "".join(state.tokens)
        self._offsets = [0, *accumulate(len(t) for t in self._tokens)]
        self._lines = _LineIndex(self.code)
        self.positions = _Positions(self)

    def position(self, token: int) -> CodePosition:
        """Line (1-based) and column (0-based) where a token index falls."""
        row, column = self._lines.location(self._offsets[token])
        return CodePosition(row, column - 1)

    def offset(self, line: int, column: int) -> int:
        """The text offset of a (1-based line, 0-based column) position."""
        starts = self._lines.starts
        return (starts[line - 1] if line <= len(starts) else len(self.code)) + column

    def start_offsets(self) -> dict[int, list[cst.CSTNode]]:
        """Nodes by the text offset where their range starts, for finding a node by position
        without working out a position for each."""
        by_offset: dict[int, list[cst.CSTNode]] = {}
        offsets, ranges = self._offsets, self.ranges
        for node, _ in walk(self.module):
            found = ranges.get(id(node))
            if found is not None:
                by_offset.setdefault(offsets[found[0]], []).append(node)
        return by_offset

    def span(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        """(line, column, end line, end column) of the node's code: lines 1-based, columns 0-based."""
        pos = self.positions[node]
        return pos.start.line, pos.start.column, pos.end.line, pos.end.column

    def round_trips(self, data: bytes) -> bool:
        """Whether LibCST reproduces the file byte for byte (a few rare spellings it does not)."""
        return self.code.encode(self.module.encoding) == data

    def add_edits(self, findings: Sequence[Finding]) -> None:
        """One Edit per fix: the span from its first to its last replacement, trimmed to what differs."""
        if not any(f.fix is not None and f.fix.nodes for f in findings):
            return
        offsets, code = self._offsets, self.code
        for finding in findings:
            if finding.fix is None or not finding.fix.nodes:
                continue
            pieces = []
            for original, new in finding.fix.nodes:
                first, end, indent = self._spans[id(original)]
                render = CodegenState(default_indent=self.module.default_indent, default_newline=self.module.default_newline,
                                      indent_tokens=list(indent))
                new._codegen(render)
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


# -- a read-only walk over a LibCST tree ------------------------------------------------------
# `CSTNode.visit` serves transformers too: it builds a new copy of every node it passes (and
# validates it), even for a visitor that changes nothing. Finding the nodes fixes replace
# only reads the tree, so it goes through the nodes' dataclass fields instead.

_FIELDS: dict[type, tuple[str, ...]] = {}
# What a field value is, by its type: 1 a node, 2 a sequence, 0 neither. Asked once per type:
# LibCST's node classes are ABCs, and isinstance on an ABC costs a call into abc per value.
_KIND: dict[type, int] = {}


def _kind(cls: type) -> int:
    kind = _KIND[cls] = 1 if issubclass(cls, cst.CSTNode) else 2 if issubclass(cls, (tuple, list)) else 0
    return kind


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The node's direct children, in the order its fields are declared."""
    cls = type(node)
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    kinds = _KIND
    found: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        kind = kinds.get(type(value))
        if kind is None:
            kind = _kind(type(value))
        if kind == 1:
            found.append(value)
        elif kind == 2:
            for item in value:
                item_kind = kinds.get(type(item))
                if (item_kind if item_kind is not None else _kind(type(item))) == 1:
                    found.append(item)
    return found


def walk(tree: cst.CSTNode) -> Iterator[tuple[cst.CSTNode, Optional[cst.CSTNode]]]:
    """Every node under tree (tree included) with its parent, parents before children."""
    stack: list[tuple[cst.CSTNode, Optional[cst.CSTNode]]] = [(tree, None)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        stack.extend((child, node) for child in reversed(children(node)))
