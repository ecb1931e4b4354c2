"""Which assignment a name refers to, and the qualified names of calls: scope analysis.

The answers are LibCST's ScopeProvider's (tokenfix's findings were first defined by them, and
tests/scope_parity.py holds this module to them), worked out on the `ast` tree from the
nodes and parents of the finder's one walk:

- scopes: the module, each function and lambda (parameters and body), each class body, each
  comprehension (all but its first iterable); a class body is not visible from the functions
  inside it;
- assignments: `=`, `:=`, augmented and annotated assignments, `for`/`with`/`except` targets,
  imports (`import a.b` binds `a.b` and `a`), functions, classes, parameters (not `match`
  captures, which LibCST reads as accesses); `global` and `nonlocal` send a name to another
  scope;
- an access sees the assignments of its scope that come before it (after the whole statement
  that assigns; a comprehension's `for` targets everywhere in it), or, if there is none, what
  its parent scope sees; names bound nowhere are builtins when Python has such a builtin.

Flow inside a scope is not followed beyond that: every earlier assignment counts, as in LibCST.

Its size (about 450 lines) is one algorithm over one walk: scopes, bindings and accesses share
every private structure, and scope_parity.py checks them as one.
"""

from __future__ import annotations

import ast
import builtins
from typing import Callable, Iterable, Optional

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Nodes whose end makes the names they assign visible (LibCST's assignment-like nodes).
_ASSIGNING = (ast.AnnAssign, ast.Assign, ast.AugAssign, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef,
              ast.Import, ast.ImportFrom, ast.NamedExpr, ast.withitem, ast.arguments, ast.ExceptHandler)
# Parents under which a child may be in another scope than its parent (see _scope_for).
_OPENING = frozenset((ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp,
                      ast.DictComp, ast.GeneratorExp, ast.comprehension, ast.arguments, ast.arg))
_TARGET_WRAPPERS = (ast.Tuple, ast.List, ast.Starred)
_BINDING = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.comprehension, ast.NamedExpr, ast.withitem)


class Scope:
    __slots__ = ("node", "parent", "kind", "assignments", "overwrites", "accesses", "prefix")

    def __init__(self, node: ast.AST, parent: Optional["Scope"], kind: str):
        self.node, self.parent, self.kind = node, parent, kind
        self.prefix = _prefix(node, parent, kind)  # how LibCST spells names local to this scope
        self.assignments: dict[str, list[Assignment]] = {}
        self.overwrites: dict[str, str] = {}  # name -> "global" or "nonlocal"
        self.accesses: dict[str, list[Access]] = {}

    def visible_parent(self) -> "Scope":
        """The next enclosing scope whose names code in this one can see (class bodies are skipped)."""
        parent = self.parent if self.parent is not None else self
        while parent.kind == "class" and parent.parent is not None:
            parent = parent.parent
        return parent


class Assignment:
    """One binding of a name: the node that binds it, and the accesses that read it.

    node is the Name of `x = ...` (and of for/with/walrus targets), the `arg`, the def, the
    except handler, or the import statement (with alias, the `ast.alias` it binds)."""

    __slots__ = ("name", "scope", "node", "alias", "after", "references")

    def __init__(self, name: str, scope: Scope, node: ast.AST, after: int, alias: Optional[ast.alias] = None):
        self.name, self.scope, self.node, self.alias, self.after = name, scope, node, alias, after
        self.references: list[Access] = []

    def qualified_names(self, full_name: str) -> set[str]:
        if self.alias is None:
            return {f"{self.scope.prefix}.{full_name}" if self.scope.prefix else full_name}
        return _imported_names(self.node, full_name)


class Builtin(Assignment):
    """A name Python provides (`int`, `dict`, `print`): no node binds it."""

    def qualified_names(self, full_name: str) -> set[str]:
        return {f"builtins.{self.name}"}


class Access:
    __slots__ = ("node", "name", "scope", "at", "referents")

    def __init__(self, node: ast.AST, name: str, scope: Scope, at: int):
        self.node, self.name, self.scope, self.at = node, name, scope, at
        self.referents: list[Assignment] = []


class Scopes:
    """The scopes of one module, its assignments and its accesses, resolved."""

    def __init__(self, module: ast.Module, walked: Iterable[tuple[ast.AST, Optional[ast.AST]]],
                 parents: dict, order: Callable[[ast.AST], tuple[int, int]]):
        """order gives a node's start and end as numbers that sort as the text does (source.order)."""
        self._parents, self._order = parents, order
        self._builtins: dict[str, Builtin] = {}
        self.module_scope = Scope(module, None, "module")
        self.scope_of: dict[int, Scope] = {id(module): self.module_scope}
        self._accesses: dict[int, Access] = {}
        self._inner_scopes: dict[int, Scope] = {}
        self._dotted_accesses: list = []
        names: list[tuple[ast.AST, ast.AST]] = []
        scope_of, opening = self.scope_of, _OPENING
        for node, parent in walked:
            if parent is None:
                continue
            scope = self._scope_for(node, parent) if type(parent) in opening else scope_of[id(parent)]
            scope_of[id(node)] = scope
            kind = type(node)
            if kind is ast.Name:
                names.append((node, parent))
            elif kind is ast.Import or kind is ast.ImportFrom:
                self._import(node, scope)
            elif kind is ast.Global or kind is ast.Nonlocal:
                for item in node.names:
                    scope.overwrites[item] = "global" if kind is ast.Global else "nonlocal"
            elif kind in _DEFS:
                names.append((node, parent))  # its name, bound once the walk has seen the body's globals
            elif kind is ast.arg:
                names.append((node, parent))
            elif kind is ast.ExceptHandler:
                if node.name:
                    names.append((node, parent))
            elif kind is ast.MatchAs or kind is ast.MatchStar or kind is ast.MatchMapping:
                if (node.rest if kind is ast.MatchMapping else node.name):
                    names.append((node, parent))
        for name, parent in names:
            self._name(name, parent)
        for access, parent in self._dotted_accesses:  # once every import is known
            self._dotted_access(access, parent)
        self._resolve()

    # -- building ----------------------------------------------------------------------------
    def _scope_for(self, node: ast.AST, parent: ast.AST) -> Scope:
        outer = self.scope_of[id(parent)]
        kind = type(parent)
        if kind is ast.Lambda:
            return self._inner(parent, outer, "function") if (node is parent.body or node is parent.args) else outer
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            inside = node is parent.args or isinstance(node, ast.stmt)
            return self._inner(parent, outer, "function") if inside else outer
        if kind is ast.ClassDef:
            return self._inner(parent, outer, "class") if isinstance(node, ast.stmt) else outer
        if kind in (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp):
            return self._inner(parent, outer, "comprehension")
        if kind is ast.comprehension:
            if node is parent.iter:
                holder = self._parents.get(id(parent))
                if holder is not None and holder.generators[0] is parent:
                    return self.scope_of[id(holder)]  # the first iterable is evaluated outside the comprehension
            return outer
        if kind is ast.arguments:
            if type(node) is ast.arg:
                return outer
            function = self._parents.get(id(parent))
            return self.scope_of.get(id(function), outer)  # defaults belong to the enclosing scope
        if kind is ast.arg:  # its annotation
            function = self._parents.get(id(self._parents.get(id(parent))))
            return self.scope_of.get(id(function), outer)
        return outer

    def _inner(self, node: ast.AST, outer: Scope, kind: str) -> Scope:
        scope = self._inner_scopes.get(id(node))
        if scope is None:
            scope = self._inner_scopes[id(node)] = Scope(node, outer, kind)
        return scope

    def _end(self, node: ast.AST) -> int:
        kind = type(node)
        if kind is ast.withitem:
            return self._order(node.optional_vars if node.optional_vars is not None else node.context_expr)[1]
        if kind is ast.arguments:
            return -1  # every access in a function's own scope follows its parameters
        if kind is ast.ExceptHandler:
            return self._order(node.type)[1] if node.type is not None else self._order(node)[0]
        return self._order(node)[1]

    def _start(self, node: ast.AST) -> int:
        return self._order(node)[0]

    def _after(self, node: ast.AST) -> int:
        """Where the assignment a node makes takes effect: the end of the assigning node around it."""
        current: Optional[ast.AST] = node
        while current is not None and not isinstance(current, _ASSIGNING):
            if isinstance(current, ast.stmt):
                return self._end(current)
            parent = self._parents.get(id(current))
            if isinstance(parent, (ast.For, ast.AsyncFor)) and current is parent.target:
                return self._end(current)  # a loop's names count from its target on
            if isinstance(parent, ast.comprehension) and current is parent.target:
                # A comprehension runs its `for` clauses before its element and conditions:
                # their names are bound wherever they are read in it.
                return -1
            current = parent
        return self._end(current if current is not None else node)

    def _bind(self, name: str, scope: Scope, node: ast.AST, where: ast.AST, alias: Optional[ast.alias] = None) -> None:
        target = self._target_scope(name, scope)
        target.assignments.setdefault(name, []).append(Assignment(name, target, node, self._after(where), alias))

    def _target_scope(self, name: str, scope: Scope) -> Scope:
        overwrite = scope.overwrites.get(name)
        if overwrite == "global":
            return self.module_scope
        if overwrite == "nonlocal":
            return self._target_scope(name, scope.visible_parent())
        return scope

    def _import(self, node: "ast.Import | ast.ImportFrom", scope: Scope) -> None:
        for alias in node.names:
            if alias.name == "*":
                return
            if alias.asname is not None:
                names = [alias.asname]
            else:
                parts = alias.name.split(".")
                names = [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
            for name in names:
                self._bind(name, scope, node, node, alias)

    def _name(self, name: ast.AST, parent: ast.AST) -> None:
        """Decide what a name does where it stands: assigns, reads, or both."""
        scope = self.scope_of[id(name)]
        kind = type(name)
        if kind in _DEFS:
            self._bind(name.name, scope, name, name)
            return
        if kind is ast.arg:
            self._bind(name.arg, scope, name, parent)
            return
        if kind is ast.ExceptHandler:
            self._bind(name.name, scope, name, name)
            return
        if kind is not ast.Name:
            # a `match` capture: LibCST reads it as an access of the name, where it is written
            captured = name.rest if kind is ast.MatchMapping else name.name
            at = self._order(name)[1] - (0 if kind is ast.MatchMapping else len(captured))
            self._record(Access(name, captured, scope, at))
            return
        if type(name.ctx) is ast.Store and self._assignment_target(name, parent) is not None:
            # `x += 1` assigns x (it reads it too, but LibCST, whose answers these are, does not
            # count that). A `:=` in a comprehension stays in the comprehension, as in LibCST.
            self._bind(name.id, scope, name, name)
            return
        access = Access(name, name.id, scope, self._start(name))
        if type(parent) is ast.Attribute:
            self._dotted_accesses.append((access, parent))
        else:
            self._record(access)

    def _record(self, access: "Access") -> None:
        self._accesses[id(access.node)] = access
        access.scope.accesses.setdefault(access.name, []).append(access)

    def _dotted_access(self, access: "Access", parent: ast.Attribute) -> None:
        """`urllib.parse.quote` after `import urllib.parse` reads the name `urllib.parse`: the
        longest dotted name along the attribute chain that the scope has (LibCST's rule)."""
        chain = [parent]
        while True:
            above = self._parents.get(id(chain[-1]))
            if not (type(above) is ast.Attribute and above.value is chain[-1]):
                break
            chain.append(above)
        for node in reversed(chain):
            dotted = _dotted(node)
            if self._lookup(access.scope, dotted):
                access.name, access.node = dotted, node
                break
        self._record(access)

    def _assignment_target(self, name: ast.Name, parent: ast.AST) -> Optional[ast.AST]:
        """The statement or clause that assigns this Name, when the Name is (inside) its target."""
        child: ast.AST = name
        while isinstance(parent, _TARGET_WRAPPERS):
            child, parent = parent, self._parents.get(id(parent))
        if isinstance(parent, ast.Assign):
            return parent if any(t is child for t in parent.targets) else None
        if isinstance(parent, ast.withitem):
            return parent if parent.optional_vars is child else None
        if isinstance(parent, _BINDING) and getattr(parent, "target", None) is child:
            return parent
        return None

    # -- resolving ---------------------------------------------------------------------------
    def _lookup(self, scope: Scope, name: str) -> list[Assignment]:
        """The assignments a name in scope may mean, before looking at order (LibCST's resolution)."""
        while True:
            if scope.kind == "module":
                found = scope.assignments.get(name)
                return list(found) if found else self._builtin(name)
            overwrite = scope.overwrites.get(name)
            if overwrite == "global":
                scope = self.module_scope
                continue
            if overwrite == "nonlocal":
                scope = scope.visible_parent()
                continue
            found = scope.assignments.get(name)
            if found:
                return list(found)
            scope = scope.visible_parent()

    def _builtin(self, name: str) -> list[Assignment]:
        if not hasattr(builtins, name):
            return []
        if name not in self._builtins:
            self._builtins[name] = Builtin(name, self.module_scope, self.module_scope.node, 0)
        return [self._builtins[name]]

    def _resolve(self) -> None:
        """Referents of each access, then references of each assignment, by LibCST's rules: an
        assignment is referenced by the accesses of its name that come after it; an access
        that comes before it counts for the assignments of the enclosing scope instead."""
        groups: dict[tuple[int, str], list[Access]] = {}
        for access in self._accesses.values():
            name = access.name
            candidates = self._lookup(access.scope, name)
            earlier = [a for a in candidates if a.scope is not access.scope or a.after <= access.at]
            if not earlier and candidates:
                # read before its scope assigns it: what the enclosing scope (or Python) provides
                parent = access.scope.parent
                earlier = self._lookup(parent, name) if parent is not None else self._builtin(name)
            access.referents = earlier
            groups.setdefault((id(access.scope), name), []).append(access)
        for accesses in groups.values():
            for assignment in self._lookup(accesses[0].scope, accesses[0].name):
                self._attach(assignment, accesses)
        for assignment in self._all_assignments():
            assignment.references.sort(key=lambda access: access.at)

    def _attach(self, assignment: Assignment, accesses: list[Access]) -> None:
        later, earlier = [], []
        for access in accesses:
            (later if assignment.scope is not access.scope or assignment.after <= access.at else earlier).append(access)
        seen = {id(a) for a in assignment.references}
        assignment.references += [a for a in later if id(a) not in seen]
        if earlier and assignment.scope.kind != "builtin":
            parent = assignment.scope.parent
            for shadowed in (self._lookup(parent, assignment.name) if parent is not None else self._builtin(assignment.name)):
                if shadowed is not assignment:
                    self._attach(shadowed, earlier)

    def _all_assignments(self):
        yield from self._builtins.values()
        for scope in (self.module_scope, *self._inner_scopes.values()):
            for found in scope.assignments.values():
                yield from found

    # -- questions ---------------------------------------------------------------------------
    def assignments(self, name: ast.Name) -> list[Assignment]:
        """What a name may refer to where it is read: every access of that name in its scope
        counts (as `scope.accesses[name]` does in LibCST), else every assignment it could see."""
        scope = self.scope_of.get(id(name))
        if scope is None:
            return []
        found: dict[int, Assignment] = {}
        for access in scope.accesses.get(name.id, ()):
            for referent in access.referents:
                found[id(referent)] = referent
        if not found:
            return self._lookup(scope, name.id)
        return list(found.values())

    def qualified_names(self, node: ast.AST) -> set[str]:
        """`openai.OpenAI` for `OpenAI` after `from openai import OpenAI`, `builtins.int` for
        `int`, a local name for anything else; empty when the node names nothing."""
        access = self._accesses.get(id(node)) if type(node) is ast.Name else None
        if access is not None:
            return {q for referent in access.referents for q in referent.qualified_names(referent.name)}
        full = _dotted(node)
        scope = self.scope_of.get(id(node))
        if not full or scope is None:
            return set()
        prefix: Optional[str] = full
        found: list[Assignment] = []
        while prefix:
            found = self._lookup(scope, prefix)
            if found:
                break
            cut = prefix.rfind(".")
            prefix = prefix[:cut] if cut > 0 else None
        for assignment in found:
            if assignment.node is node:
                return assignment.qualified_names(full)  # the node is this assignment's own target
        return {q for assignment in found for q in assignment.qualified_names(full)}


def _dotted(node: ast.AST) -> str:
    """`a.b.c` for `a.b.c`, and also for `a.b().c` and `a[0].b.c`: calls and subscripts in the
    chain are skipped, as LibCST's get_full_name_for_node skips them; "" when no Name starts it."""
    parts: list[str] = []
    while True:
        kind = type(node)
        if kind is ast.Attribute:
            parts.append(node.attr)
            node = node.value
        elif kind is ast.Call:
            node = node.func
        elif kind is ast.Subscript:
            node = node.value
        else:
            break
    if type(node) is not ast.Name:
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def _prefix(node: ast.AST, parent: Optional[Scope], kind: str) -> str:
    outer = parent.prefix if parent is not None else ""
    if kind == "function":
        name = node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else ""
        return ".".join(p for p in (outer, name, "<locals>") if p)
    if kind == "class":
        return ".".join(p for p in (outer, node.name) if p)
    if kind == "comprehension":
        return ".".join(p for p in (outer, "<comprehension>") if p)
    return ""


def _imported_names(statement: ast.AST, full_name: str) -> set[str]:
    """The real names `full_name` stands for after this import statement (LibCST's rules)."""
    module = ""
    if isinstance(statement, ast.ImportFrom):
        module = "." * statement.level + (statement.module or "")
    results: set[str] = set()
    for alias in statement.names:
        real = alias.name
        if not real or real == "*":
            continue
        parts = real.split(".")
        for size in range(len(parts), 0, -1):
            real_name = as_name = ".".join(parts[:size])
            if module.endswith("."):
                real_name = f"{module}{real_name}"
            elif module:
                real_name = f"{module}.{real_name}"
            if alias.asname is not None:
                as_name = alias.asname
            if full_name.startswith(as_name):
                rest = full_name.split(as_name, 1)[1]
                if rest and not rest.startswith("."):
                    continue
                rest = rest.lstrip(".")
                results.add(f"{real_name}.{rest}" if rest else real_name)
                break
    return results
