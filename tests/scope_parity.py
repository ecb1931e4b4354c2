"""Compare scopes.py (on the `ast` tree) with LibCST's ScopeProvider on one module.

tokenfix's findings were first defined with LibCST's scope analysis; scopes.py gives the same
answers from `ast`. The questions compared are the ones the finder asks (see `asked`), on
every call:
- the qualified names of its function and of the name its attribute chain starts from
  (`openai.OpenAI`, `builtins.int`, `f.<locals>.client`);
- for those names and for names passed as arguments: the assignments they may refer to,
  and for each how many places read it (the `uses` of a constant).

The two trees are matched by position: both parsers give an expression the same span.
Two differences are Python's rules, which scopes.py follows and LibCST does not: names inside
comprehensions are left out (LibCST binds the target of a second `for` in the enclosing
function), and names are compared in NFKC form (Python reads `ｗｉｄｔｈ` as `width`).
"""

from __future__ import annotations

import ast
import unicodedata
import warnings
from typing import Iterator, Optional

import libcst as cst
from libcst.metadata import ComprehensionScope, MetadataWrapper, ScopeProvider

from codemods.analysis import nodes
from codemods.fixes.positions import NodePositions, walk
from codemods.analysis.scopes import Scopes, _dotted
from codemods.analysis.source import Source, order


def _comparable(names: set[str], dotted: str) -> set[str]:
    # LibCST names `"x".join` `None.join` and finds the builtin None in it (True and False
    # alike: Names to LibCST, constants to ast); nothing reads that.
    if dotted:
        return names
    return {n for n in names if n not in ("builtins.None", "builtins.True", "builtins.False")}


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


class AstModule:
    """The ast side: tree, source, parents and scopes, and its expressions by span."""

    def __init__(self, code: str):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.tree = ast.parse(code)
        self.source = Source(code)
        walked = list(nodes.walk(self.tree))
        self.parents = {id(node): parent for node, parent in walked if parent is not None}
        self.scopes = Scopes(self.tree, walked, self.parents, order)
        self.by_span: dict = {}
        for node, _ in walked:
            if isinstance(node, ast.expr):
                self.by_span.setdefault((self.source.span(node), type(node).__name__), node)

    def at(self, span, kind: str) -> Optional[ast.AST]:
        return self.by_span.get((span, kind))


_KINDS = {"Name": "Name", "Attribute": "Attribute", "Call": "Call", "Subscript": "Subscript"}


def differences(code: str | bytes) -> Iterator[str]:
    module = cst.parse_module(code)
    text = module.code
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    libcst_scopes = wrapper.resolve(ScopeProvider)
    layout = NodePositions(module)
    ours = AstModule(text)
    for node in asked(module):
        scope = libcst_scopes.get(node)
        if scope is None or isinstance(scope, ComprehensionScope):
            continue
        kind = _KINDS.get(type(node).__name__)
        if kind is None or (isinstance(node, cst.Name) and node.value in ("True", "False", "None")):
            continue  # ast has constants for these three
        line = layout.positions[node].start.line
        mine_node = ours.at(layout.span(node), kind)
        if mine_node is None:
            yield f"line {line}: no ast {kind} at {layout.span(node)} for {module.code_for_node(node)!r}"
            continue
        theirs = {unicodedata.normalize("NFKC", q.name) for q in scope.get_qualified_names_for(node)}
        mine = ours.scopes.qualified_names(mine_node)
        if _comparable(theirs, _dotted(mine_node)) != _comparable(mine, _dotted(mine_node)):
            yield f"line {line}: qualified names of {module.code_for_node(node)!r}: LibCST {sorted(theirs)}, scopes.py {sorted(mine)}"
        if isinstance(node, cst.Name):
            referents = set()
            for access in scope.accesses[node]:
                referents |= set(access.referents)
            if not referents and node.value in scope:
                referents = set(scope[node.value])
            their_nodes = sorted(_theirs(r.node, len(r.references), layout) for r in referents if hasattr(r, "node"))
            my_nodes = sorted(_mine(a.node, len(a.references)) for a in ours.scopes.assignments(mine_node) if type(a).__name__ != "Builtin")
            if their_nodes != my_nodes:
                yield f"line {line}: assignments of {node.value!r}: LibCST {their_nodes}, scopes.py {my_nodes}"


# What binds a name, as both sides can say it: a kind and a line. The uses are compared for
# Name assignments only: classes and imports are also read by string annotations, which LibCST
# counts and tokenfix does not (it reads uses of constants only).
def _theirs(node: cst.CSTNode, uses: int, layout: NodePositions) -> tuple[str, int, int]:
    kind = {"FunctionDef": "def", "ClassDef": "class", "Param": "param", "Import": "import", "ImportFrom": "import",
            "Name": "name"}.get(type(node).__name__, type(node).__name__)
    where = node.name if kind in ("def", "class", "param") else node
    line = layout.positions[where].start.line if where in layout.positions else 0
    return kind, line, uses if kind == "name" else -1


def _mine(node: ast.AST, uses: int) -> tuple[str, int, int]:
    kind = {"FunctionDef": "def", "AsyncFunctionDef": "def", "ClassDef": "class", "arg": "param", "Import": "import",
            "ImportFrom": "import", "Name": "name", "ExceptHandler": "name"}.get(type(node).__name__, type(node).__name__)
    line = node.type.end_lineno if isinstance(node, ast.ExceptHandler) and node.type is not None else node.lineno  # `as name` follows the type
    return kind, line, uses if kind == "name" else -1
