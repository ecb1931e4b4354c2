"""Small structural tests on LibCST nodes, written out instead of using libcst.matchers.

`libcst.matchers` builds a dataclass for every node type when it is imported: 0.4-0.6 s on
this machine, more than analysing a typical file, paid again by every pool worker. The few
patterns tokenfix needs are plain attribute tests.
"""

from __future__ import annotations

from typing import Callable, Optional, TypeVar

import libcst as cst

N = TypeVar("N", bound=cst.CSTNode)


def is_name(node: Optional[cst.CSTNode], value: str) -> bool:
    return isinstance(node, cst.Name) and node.value == value


def is_self_attribute(node: Optional[cst.CSTNode], attr: Optional[str] = None, receivers: tuple[str, ...] = ("self", "cls")) -> bool:
    """`self.x` or `cls.x` (or `self.<attr>` when attr is given)."""
    return (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value in receivers
            and (attr is None or node.attr.value == attr))


class _Collector(cst.CSTVisitor):
    def __init__(self, kind: type, keep: Optional[Callable]) -> None:
        super().__init__()
        self.kind, self.keep, self.found = kind, keep, []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, self.kind) and (self.keep is None or self.keep(node)):
            self.found.append(node)
        return True


def find_all(tree: cst.CSTNode, kind: type[N], keep: Optional[Callable[[N], bool]] = None) -> list[N]:
    """Every node of a type under tree (tree included), in source order, optionally filtered."""
    collector = _Collector(kind, keep)
    tree.visit(collector)
    return collector.found
