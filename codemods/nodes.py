"""Small structural tests on `ast` nodes, and one walk over a tree with parents.

The analysis reads `ast` trees (source.py says why); these are the few patterns it needs, as
plain attribute tests.
"""

from __future__ import annotations

import ast
from typing import Callable, Iterator, Optional, TypeVar

N = TypeVar("N", bound=ast.AST)


def is_name(node: Optional[ast.AST], value: str) -> bool:
    return isinstance(node, ast.Name) and node.id == value


def is_true(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def is_self_attribute(node: Optional[ast.AST], attr: Optional[str] = None, receivers: tuple[str, ...] = ("self", "cls")) -> bool:
    """`self.x` or `cls.x` (or `self.<attr>` when attr is given)."""
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in receivers
            and (attr is None or node.attr == attr))


def keyword(call: ast.Call, name: str) -> Optional[ast.keyword]:
    return next((k for k in call.keywords if k.arg == name), None)


def positional(call: ast.Call) -> list[ast.expr]:
    """The positional arguments that are not `*args` (as LibCST's args without a star)."""
    return [arg for arg in call.args if type(arg) is not ast.Starred]


_FIELDS: dict[type, tuple[str, ...]] = {}


def children(node: ast.AST) -> list[ast.AST]:
    """The node's direct children, in the order of its fields (the order of the text)."""
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = tuple(node._fields)
    found: list[ast.AST] = []
    for name in names:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            found.append(value)
        elif type(value) is list:
            found.extend(item for item in value if isinstance(item, ast.AST))
    return found


def walk(tree: ast.AST) -> Iterator[tuple[ast.AST, Optional[ast.AST]]]:
    """Every node under tree (tree included) with its parent, parents before children."""
    stack: list[tuple[ast.AST, Optional[ast.AST]]] = [(tree, None)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        stack.extend((child, node) for child in reversed(children(node)))


def find_all(tree: ast.AST, kind: "type[N] | tuple", keep: Optional[Callable[[N], bool]] = None) -> list[N]:
    """Every node of a type under tree (tree included), in text order, optionally filtered."""
    return [node for node, _ in walk(tree) if isinstance(node, kind) and (keep is None or keep(node))]
