"""Small structural tests on LibCST nodes, and a read-only walk over a tree.

`libcst.matchers` builds a dataclass for every node type when it is imported: 0.4-0.6 s on
this machine, more than analysing a typical file, paid again by every pool worker. The few
patterns tokenfix needs are plain attribute tests.

`CSTNode.visit` serves transformers too: it builds a new copy of every node it passes (and
validates it), even for a visitor that changes nothing. On a file full of LLM calls that
copying was a third of the analysis. tokenfix only reads its trees, so it walks them through
their dataclass fields instead: the same nodes, no copies.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterator, Optional, TypeVar

import libcst as cst

N = TypeVar("N", bound=cst.CSTNode)


def is_name(node: Optional[cst.CSTNode], value: str) -> bool:
    return isinstance(node, cst.Name) and node.value == value


def is_self_attribute(node: Optional[cst.CSTNode], attr: Optional[str] = None, receivers: tuple[str, ...] = ("self", "cls")) -> bool:
    """`self.x` or `cls.x` (or `self.<attr>` when attr is given)."""
    return (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value in receivers
            and (attr is None or node.attr.value == attr))


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


def find_all(tree: cst.CSTNode, kind: type[N], keep: Optional[Callable[[N], bool]] = None) -> list[N]:
    """Every node of a type under tree (tree included), in field order, optionally filtered."""
    return [node for node, _ in walk(tree) if isinstance(node, kind) and (keep is None or keep(node))]
