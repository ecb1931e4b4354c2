"""Small structural tests on `ast` nodes, and one walk over a tree with parents.

The analysis reads `ast` trees (source.py says why); these are the few patterns it needs, as
plain attribute tests.
"""

from __future__ import annotations

import ast
from ast import AST
from typing import Callable, Optional, TypeVar

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


def first_argument(call: ast.Call) -> Optional[ast.expr]:
    """The call's first argument as written (LibCST's args[0]), or None for a `*`/`**` spread or none."""
    items = [*call.args, *call.keywords]
    if not items:
        return None
    first = min(items, key=lambda item: (item.lineno, item.col_offset))
    if isinstance(first, ast.Starred) or (isinstance(first, ast.keyword) and first.arg is None):
        return None
    return first.value if isinstance(first, ast.keyword) else first


# Fields that never hold a child worth walking: names and flags, and the context and operator
# singletons (one `Load()` object is shared by every Name of the tree).
_NOT_CHILDREN = frozenset(("ctx", "op", "ops", "id", "arg", "attr", "name", "asname", "rest", "kwd_attrs", "kind",
                           "type_comment", "level", "module", "is_async", "conversion", "simple", "tag"))
_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS[cls] = () if cls is ast.Constant else tuple(f for f in cls._fields if f not in _NOT_CHILDREN)
    return names


def children(node: ast.AST) -> list[ast.AST]:
    """The node's direct children, in the order of its fields (the order of the text)."""
    found: list[ast.AST] = []
    names = _FIELDS.get(type(node))
    for name in names if names is not None else _fields(type(node)):
        value = getattr(node, name)
        if type(value) is list:
            found.extend(item for item in value if isinstance(item, AST))
        elif isinstance(value, AST):
            found.append(value)
    return found


def walk(tree: ast.AST) -> list[tuple[ast.AST, Optional[ast.AST]]]:
    """Every node under tree (tree included) with its parent, parents before children."""
    found: list[tuple[ast.AST, Optional[ast.AST]]] = []
    stack: list[tuple[ast.AST, Optional[ast.AST]]] = [(tree, None)]
    fields, pop, push, keep = _FIELDS, stack.pop, stack.append, found.append
    while stack:
        item = pop()
        keep(item)
        node = item[0]
        names = fields.get(type(node))
        kids = []
        for name in names if names is not None else _fields(type(node)):
            value = getattr(node, name)
            if type(value) is list:
                kids.extend(value)
            elif value is not None:
                kids.append(value)
        for child in reversed(kids):
            if isinstance(child, AST):  # Dict keys and kw_defaults hold None, Global names are str
                push((child, node))
    return found


def find_all(tree: ast.AST, kind: "type[N] | tuple", keep: Optional[Callable[[N], bool]] = None) -> list[N]:
    """Every node of a type under tree (tree included), in text order, optionally filtered."""
    return [node for node, _ in walk(tree) if isinstance(node, kind) and (keep is None or keep(node))]


def returns(function: "ast.FunctionDef | ast.AsyncFunctionDef") -> list[ast.Return]:
    """The `return` statements of a function, not of the functions and classes nested in it."""
    found: list[ast.Return] = []
    todo = list(function.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Return):
            found.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return found
