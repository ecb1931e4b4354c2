"""Syntax newer than the Python tokenfix runs on: which construct, which version, what to do.

tokenfix reads code with the running interpreter's `ast`, so a file that uses `type X = int`
(Python 3.12) does not parse under Python 3.11, and Python's words for it ("invalid syntax")
do not say why. LibCST's parser reads the grammar of every version it supports, whatever
the interpreter: when Python rejects a file that LibCST accepts, the constructs below, each
newer than the running Python, are looked for in LibCST's tree. The first of them at or
before the line Python stopped at is what Python stumbled on; the newest of them all is the
Python to run tokenfix under.

Only the error path comes here: a file that parses costs nothing more.
"""

from __future__ import annotations

import ast
import sys
import warnings
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

import libcst as cst

from .positions import NodePositions, walk

Version = tuple[int, int]
RUNNING: Version = sys.version_info[:2]


@dataclass(frozen=True)
class Construct:
    """One use of syntax that needs a newer Python."""

    line: int
    version: Version
    pep: int
    what: str


def _fstring_needs_pep701(node: cst.FormattedString) -> bool:
    """An f-string this Python's parser rejects on its own: same quotes, backslashes, comments
    or line breaks inside its braces (PEP 701). LibCST read it, so it is valid 3.12+ code."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse("(\n" + cst.Module(body=[]).code_for_node(node) + "\n)")
        except SyntaxError:
            return True
        except (ValueError, RecursionError, MemoryError):  # pragma: no cover - NUL bytes are refused before
            return False
    return False


def _unparenthesized_types(node) -> bool:
    return isinstance(node.type, cst.Tuple) and not node.type.lpar


# (LibCST node class, test, version, PEP, what it is), oldest first; requires-python is 3.9.
RULES: tuple[tuple[type, Callable[[cst.CSTNode], bool], Version, int, str], ...] = (
    (cst.Match, lambda n: True, (3, 10), 634, "the `match` statement"),
    (cst.TryStar, lambda n: True, (3, 11), 654, "`except*`"),
    (cst.Index, lambda n: n.star is not None, (3, 11), 646, "`*` unpacking in a subscript"),
    (cst.TypeAlias, lambda n: True, (3, 12), 695, "the `type` statement"),
    (cst.TypeParameters, lambda n: True, (3, 12), 695, "type parameters"),
    (cst.FormattedString, _fstring_needs_pep701, (3, 12), 701, "quotes, backslashes or comments inside an f-string's braces"),
    (cst.TypeParam, lambda n: n.default is not None, (3, 13), 696, "a type parameter default"),
    (cst.TemplatedString, lambda n: True, (3, 14), 750, "a template string (t-string)"),
    (cst.ExceptHandler, _unparenthesized_types, (3, 14), 758, "`except` with several exception types not in parentheses"),
    (cst.ExceptStarHandler, _unparenthesized_types, (3, 14), 758, "`except*` with several exception types not in parentheses"),
)


def constructs(module: cst.Module, running: Optional[Version] = None) -> Iterator[Construct]:
    """Every construct of the module that needs a Python newer than `running`, in text order."""
    running = running or RUNNING
    rules = [rule for rule in RULES if rule[2] > running]
    if not rules:
        return
    layout = None
    for node, _ in walk(module):
        for kind, test, version, pep, what in rules:
            if isinstance(node, kind) and test(node):
                if layout is None:
                    layout = NodePositions(module)
                yield Construct(layout.span(node)[0], version, pep, what)


def explain(module: cst.Module, error_line: int, running: Optional[Version] = None, subject: str = "this file") -> Optional[tuple[str, int]]:
    """The message and line for a file Python rejected at error_line and LibCST parsed, when
    the reason is syntax newer than `running` (this Python); None when it is not (a plain
    syntax error)."""
    running = running or RUNNING
    found = sorted(set(constructs(module, running)), key=lambda c: (c.line, c.version, c.pep, c.what))
    first = next((c for c in found if not error_line or c.line <= error_line), None)
    if first is None:
        return None
    return message(first, max(c.version for c in found), found, running, subject), first.line


def _v(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def message(first: Construct, needed: Version, found: list[Construct], running: Version, subject: str = "this file") -> str:
    text = f"{subject} uses syntax from Python {_v(first.version)} (PEP {first.pep}: {first.what})"
    newest = next((c for c in found if c.version == needed), first)
    if needed > first.version:
        text += f", and from Python {_v(needed)} at line {newest.line} (PEP {newest.pep}: {newest.what})"
    return (f"{text}; tokenfix runs on Python {_v(running)} here: run it under Python {_v(needed)} or newer"
            f" (pre-commit: `language_version: python{_v(needed)}` on the hook)")
