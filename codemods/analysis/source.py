"""A module's text as the analysis needs it: `ast` positions as reports count them, and comments.

The analysis reads `ast` trees (`ast.parse` is ten times faster than LibCST's parser, which
only the files with a fix to apply or to show still go through). `ast` counts columns in
UTF-8 bytes; reports count characters, as LibCST does, so a column is converted on lines
that are not ASCII. `ast` keeps no comments: they are found by a scan for `#` that skips the
string literals of the tree.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from bisect import bisect_right
from typing import Union

from .suppression import Comments

class Source:
    """Lines, positions and comments of one parsed module."""

    def __init__(self, text: str):
        self.text = text
        # Python's line breaks only (str.splitlines would also split at \f, \x1c, ...)
        self.lines = io.StringIO(text, newline="").readlines() or [""]
        self._ascii = text.isascii()
        self.comments = Comments()
        self.comment_spans: list[tuple[int, int, int]] = []  # (line, column, end column), columns in characters
        self._comment_keys: list[tuple[int, int]] = []

    # -- positions ---------------------------------------------------------------------------
    def column(self, line: int, byte_column: int) -> int:
        """A character column (0-based) from ast's UTF-8 byte offset on that line."""
        if self._ascii or line > len(self.lines):
            return byte_column
        text = self.lines[line - 1]
        if text.isascii():
            return byte_column
        return len(text.encode("utf-8", "surrogatepass")[:byte_column].decode("utf-8", "replace"))

    def span(self, node: "ast.AST | Located") -> tuple[int, int, int, int]:
        """(line, column, end line, end column): lines 1-based, columns 0-based characters."""
        return (node.lineno, self.column(node.lineno, node.col_offset),
                node.end_lineno, self.column(node.end_lineno, node.end_col_offset))

    # -- comments ----------------------------------------------------------------------------
    def scan_comments(self, strings: list[ast.AST]) -> None:
        """Every comment with its line: a `#` outside the string literals of the module."""
        if "#" not in self.text:
            return
        inside = sorted(((s.lineno, s.col_offset), (s.end_lineno, s.end_col_offset), s) for s in strings
                        if s.lineno != s.end_lineno or "#" in self.lines[s.lineno - 1])
        starts = [item[0] for item in inside]
        retokenized: set[int] = set()
        for number, line in enumerate(self.lines, 1):
            at = line.find("#")
            ascii_line = at < 0 or line.isascii()
            seen = seen_bytes = 0  # the byte offset grows with each `#`: re-encoding the prefix for
            while at >= 0:         # every one was quadratic on a long line that is not ASCII
                if ascii_line:
                    byte_at = at
                else:
                    seen_bytes += len(line[seen:at].encode("utf-8", "surrogatepass"))
                    seen, byte_at = at, seen_bytes
                index = bisect_right(starts, (number, byte_at)) - 1
                holder = None
                # the literal starting last before the `#`, or one around it that started earlier
                for candidate in range(index, max(index - 64, -1), -1):
                    start, end, node = inside[candidate]
                    if start <= (number, byte_at) < end:
                        holder = node
                        break
                if holder is None:
                    self._add(number, at, line)
                    at = -1
                elif id(holder) not in retokenized:
                    retokenized.add(id(holder))
                    self._tokenize_comments(holder)  # `"a"  # note` + newline + `"b"` is one ast node
                    at = line.find("#", at + 1)
                else:
                    at = line.find("#", at + 1)
        self.comment_spans.sort()
        self._comment_keys = [(line, column) for line, column, _ in self.comment_spans]

    def _add(self, number: int, at: int, line: str) -> None:
        value = line[at:].rstrip("\r\n")
        self.comments.add(number, value)
        self.comment_spans.append((number, at, at + len(value)))

    def _tokenize_comments(self, node: ast.AST) -> None:
        """The real comments inside one (implicitly concatenated) string literal's span."""
        first, last = node.lineno, node.end_lineno
        start = self.column(first, node.col_offset)
        end = self.column(last, node.end_col_offset)
        lines = self.lines[first - 1:last]
        lines[-1] = lines[-1][:end]
        lines[0] = " " * start + lines[0][start:]
        tokens = []
        try:
            for token in tokenize.generate_tokens(io.StringIO("".join(lines)).readline):
                tokens.append(token)
        except (tokenize.TokenError, SyntaxError):
            pass  # the tokens before the trouble are still right
        for token in tokens:
            if token.type == tokenize.COMMENT:
                number = first + token.start[0] - 1
                self._add(number, token.start[1], self.lines[number - 1])

    def comments_between(self, start: tuple[int, int], end: tuple[int, int]) -> list[str]:
        """The comments that start inside [start, end) (lines 1-based, character columns)."""
        low = bisect_right(self._comment_keys, (start[0], start[1] - 1))
        found = []
        for line, column, stop in self.comment_spans[low:]:
            if (line, column) >= end:
                break
            found.append(self.lines[line - 1][column:stop])
        return found


class Located:
    """A span that is no single ast node (a dict entry: its key to its value)."""

    __slots__ = ("lineno", "col_offset", "end_lineno", "end_col_offset")

    def __init__(self, first: ast.AST, last: ast.AST):
        self.lineno, self.col_offset = first.lineno, first.col_offset
        self.end_lineno, self.end_col_offset = last.end_lineno, last.end_col_offset


def order(node: Union[ast.AST, Located]) -> tuple[int, int]:
    """Start and end of a node as numbers that sort as the text does."""
    return (node.lineno << 32) | node.col_offset, (node.end_lineno << 32) | node.end_col_offset


_SINGLE_STRING = re.compile(
    r"""(?is)[a-z]{0,2}(?:'''(?:[^\\]|\\.)*?'''|\"\"\"(?:[^\\]|\\.)*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")""")


def is_single_string(source: Source, node: ast.AST) -> bool:
    """A string literal written as one token (LibCST's SimpleString), not `"a" "b"`."""
    if not isinstance(node, ast.Constant) or not isinstance(node.value, (str, bytes)):
        return False
    return _SINGLE_STRING.fullmatch(segment(source, node)) is not None


def segment(source: Source, node: ast.AST) -> str:
    first, column, last, end_column = source.span(node)
    if first == last:
        return source.lines[first - 1][column:end_column]
    lines = source.lines[first - 1:last]
    return lines[0][column:] + "".join(lines[1:-1]) + lines[-1][:end_column]


def decode(data: bytes) -> tuple[str, str]:
    """The text of a module and its encoding, as Python (and LibCST) decide them."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding), encoding


def parse(data: bytes) -> tuple[ast.Module, Source, str]:
    """The tree, the Source and the encoding; raises what ast.parse or decoding raises."""
    text, encoding = decode(data)
    tree = ast.parse(text)
    return tree, Source(text), encoding
