"""Compare scopes.py with LibCST's ScopeProvider on one module: the answers tokenfix relies on.

The questions compared are the ones the finder asks (see `asked`), on every call:
- the qualified names of its function and of the name its attribute chain starts from
  (`openai.OpenAI`, `builtins.int`, `f.<locals>.client`);
- for those names and for names passed as arguments: the assignments they may refer to,
  and for each how many places read it (the `uses` of a constant).

Names inside comprehensions are left out: LibCST binds the target of a second `for` in the
enclosing function, where scopes.py follows Python.
"""

from __future__ import annotations

from typing import Iterator

import libcst as cst
from libcst.metadata import ComprehensionScope, MetadataWrapper, ScopeProvider

from codemods.codegen import Layout
from codemods.nodes import walk
from codemods.scopes import Scopes, _dotted


def _comparable(names: set[str], node: cst.CSTNode) -> set[str]:
    # LibCST names `"x".join` `None.join` and finds the builtin None in it; nothing reads that.
    if _dotted(node):
        return names
    return {n for n in names if n != "builtins.None"}


def asked(module: cst.Module) -> Iterator[cst.CSTNode]:
    """The nodes the finder asks about: each call's function, the name its attribute chain
    starts from, and names passed as arguments (a limit, a model, a `**params`)."""
    for node, _ in walk(module):
        if not isinstance(node, cst.Call):
            continue
        yield node.func
        root = node.func
        while isinstance(root, (cst.Attribute, cst.Call, cst.Subscript)):
            root = root.value if not isinstance(root, cst.Call) else root.func
        if isinstance(root, cst.Name) and root is not node.func:
            yield root
        for arg in node.args:
            if isinstance(arg.value, cst.Name):
                yield arg.value


def differences(source: str | bytes) -> Iterator[str]:
    module = cst.parse_module(source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    libcst_scopes = wrapper.resolve(ScopeProvider)
    layout = Layout(module)
    walked = list(walk(module))
    parents = {id(node): parent for node, parent in walked if parent is not None}
    ours = Scopes(module, walked, parents, layout.order)
    for node in asked(module):
        scope = libcst_scopes.get(node)
        if scope is None or isinstance(scope, ComprehensionScope):
            continue
        line = layout.positions[node].start.line
        theirs = {q.name for q in scope.get_qualified_names_for(node)}
        mine = ours.qualified_names(node)
        if _comparable(theirs, node) != _comparable(mine, node):
            yield f"line {line}: qualified names of {_code(module, node)!r}: LibCST {sorted(theirs)}, scopes.py {sorted(mine)}"
        if isinstance(node, cst.Name):
            referents = set()
            for access in scope.accesses[node]:
                referents |= set(access.referents)
            if not referents and node.value in scope:
                referents = set(scope[node.value])
            their_nodes = sorted(_described(r.node, len(r.references), layout) for r in referents if hasattr(r, "node"))
            my_nodes = sorted(_described(a.node, len(a.references), layout) for a in ours.assignments(node) if type(a).__name__ != "Builtin")
            if their_nodes != my_nodes:
                yield f"line {line}: assignments of {node.value!r}: LibCST {their_nodes}, scopes.py {my_nodes}"


def _described(node: cst.CSTNode, uses: int, layout: Layout) -> tuple[str, int]:
    """The node, and the uses of a Name assignment: classes and imports are also read by string
    annotations, which LibCST counts and tokenfix does not (it reads uses of constants only)."""
    return _describe(node, layout), uses if isinstance(node, cst.Name) else -1


def _describe(node: cst.CSTNode, layout: Layout) -> str:
    pos = layout.positions.get(node)
    return f"{type(node).__name__}@{pos.start.line}:{pos.start.column}" if pos else type(node).__name__


def _code(module: cst.Module, node: cst.CSTNode) -> str:
    return module.code_for_node(node)
