"""Static values of expressions: ints, strings and dicts that code spells out or names once.

tokenfix never runs the code it reads, so a value is known only when the source states it:
a literal, simple arithmetic on literals, a name assigned exactly once (module or function
constant, found through the scope analysis of scopes.py), or the default of `os.getenv`. Anything
else is unknown, and unknown values are left alone.

Its size (about 400 lines): ints, strings and dicts resolve through one another (a dict's
values are strings, an f-string's pieces are names) with one depth limit and one sentinel,
so they are one resolver.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field, replace
from typing import Callable, Optional, Union

from .modules import absolute_names
from .nodes import first_argument, keyword, positional, returns
from .scopes import Assignment, Builtin
from .source import Located, is_single_string
from .targets import UNKNOWN_PART

_MAX_DEPTH = 12

_INT_OPS: dict[type, Callable[[int, int], int]] = {
    ast.Mult: operator.mul,
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.FloorDiv: operator.floordiv,
    ast.LShift: operator.lshift,
    ast.Pow: operator.pow,
}

# Blocks that may not run; a statement in an `else:` is in its own block as well (LibCST's Else).
_BRANCHES = (ast.If, ast.Try, ast.ExceptHandler, ast.For, ast.AsyncFor, ast.While, ast.Match, ast.match_case, ast.IfExp)
_ELSE_OWNERS = (ast.If, ast.Try, ast.For, ast.AsyncFor, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module, ast.Lambda)

_LIMIT_KEYS = ("max_tokens", "max_completion_tokens", "max_output_tokens", "num_predict")
# Dict methods that add keys we cannot see, or read and remove keys by name.
_KEY_USERS = ("update", "setdefault", "__setitem__", "pop", "get", "popitem", "__getitem__", "__delitem__", "copy", "clear")

_GETENV = {"os.getenv", "os.environ.get", "os.environ.setdefault"}


# The SDKs' "not given" values: an argument holding one is left out of the request
# (openai-python and anthropic-sdk-python: NOT_GIVEN / NotGiven(), omit / Omit(), not_given).
SENTINELS = frozenset({"NOT_GIVEN", "NotGiven", "NOTGIVEN", "not_given", "omit", "Omit", "OMIT", "OMITTED", "UNSET", "Unset"})


def is_sentinel(expr: ast.expr) -> bool:
    """`None`, or a sentinel by its last name (`openai.NOT_GIVEN`, `NotGiven()`, `omit`)."""
    kind = type(expr)
    if kind is ast.Constant:
        return expr.value is None
    if kind is ast.Call and not expr.args and not expr.keywords:
        expr, kind = expr.func, type(expr.func)
    if kind is ast.Name:
        return expr.id in SENTINELS
    if kind is ast.Attribute:
        return expr.attr in SENTINELS
    return False


@dataclass
class IntValue:
    """An int and where it is written: the node a fix replaces, and who else shares it."""

    value: int
    node: ast.expr  # the expression at the use site
    definition: Optional[ast.expr] = None  # the constant's value expression, if named
    definition_name: str = ""
    uses: int = 1  # how many places read the constant
    shared: bool = False  # written in a helper's dict that other calls may use (DictValue.shared)
    elsewhere: bool = False  # written in another module: nothing here to edit


@dataclass
class StrValue:
    value: str
    evidence: list = field(default_factory=list)  # (node, text) pairs: how the value was found
    fallback: bool = False  # only the fallback of an `or` chain: other values are likely

    @property
    def complete(self) -> bool:
        return UNKNOWN_PART not in self.value


class DictItem(Located):
    """One `key: value` element of a dict literal: its key to its value, and its place."""

    __slots__ = ("key", "value", "container", "index")

    def __init__(self, key: ast.expr, value: ast.expr, container: ast.Dict, index: int):
        super().__init__(key, value)
        self.key, self.value, self.container, self.index = key, value, container, index


@dataclass
class DictEntry:
    """One key of a dict that code builds: a literal element, a keyword, or a `d["key"] = value` statement."""

    key: str
    key_node: Union[ast.expr, ast.keyword]  # the string literal, or the keyword, that carries the key
    value: ast.expr
    owner: Union[DictItem, ast.keyword, ast.Assign]  # what a diagnostic points at
    conditional: bool = False  # set in a branch the dict's creation is not in (`if reasoning: d["k"] = v`)
    elsewhere: Optional[int] = None  # an int written in another module's helper (key_node, value: this call's helper call)


@dataclass
class DictValue:
    entries: list[DictEntry]
    literal: Optional[ast.Dict]  # the dict literal, when there is exactly one
    complete: bool  # False when the dict also takes keys we cannot see (**spread, .update())
    shared: bool = False  # built by a helper function other calls may use too: an edit there is not this call's alone


def _blocks(node: ast.AST) -> list[list[ast.stmt]]:
    """The statement lists a compound statement (or handler, or case) holds."""
    return [value for field in ("body", "orelse", "finalbody") if isinstance(value := getattr(node, field, None), list)]


def _binds(node: ast.AST, name: str, skip: Optional[ast.AST] = None) -> bool:
    """Whether anything inside node may bind `name` (a store, a def, an import, a walrus)."""
    for inner in ast.walk(node):
        if inner is skip:
            continue
        if type(inner) is ast.Name and inner.id == name and type(inner.ctx) is not ast.Load:
            return True
        if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and inner.name == name and inner is not node:
            return True
        if isinstance(inner, (ast.Import, ast.ImportFrom)) and any((a.asname or a.name).split(".")[0] == name for a in inner.names):
            return True
        if type(inner) is ast.ExceptHandler and inner.name == name:
            return True
    return False


class Resolver:
    """Answers value questions for one module, from the scopes and parents of the finder that owns it."""

    def __init__(self, visitor):
        self._v = visitor
        self._attributes: dict[tuple[int, str], Optional[tuple[ast.expr, bool]]] = {}  # instance_attribute, per class and name

    # -- metadata helpers ------------------------------------------------------------------
    def parent(self, node: ast.AST) -> Optional[ast.AST]:
        return self._v.parents.get(id(node))

    def qualified_names(self, node: ast.AST) -> set[str]:
        """The dotted names a name or attribute stands for (`openai.OpenAI`), from scopes.py, and
        through a module proxy (`litellm = LazyLiteLLM()`, here or imported) the module's own."""
        scopes = self._v.scopes
        names = scopes.qualified_names(node) if scopes is not None else set()
        if names and (getattr(self._v, "proxies", None) or getattr(getattr(self._v, "index", None), "proxies", None)):
            names = self._through_proxy(node, names)
        return names

    def _base_binding(self, expr: ast.AST) -> tuple[Optional[ast.Name], Optional[ast.AST]]:
        """The name an attribute chain starts from (`cfg` of `cfg.Config.MODEL`), and the node its
        one binding is (an import's alias, an assignment's target), or None for either."""
        base = expr
        while type(base) is ast.Attribute:
            base = base.value
        if type(base) is not ast.Name:
            return None, None
        return base, getattr(self.single_assignment(base), "node", None)

    def _through_proxy(self, node: ast.AST, names: set[str]) -> set[str]:
        base, bound = self._base_binding(node)
        if base is None:
            return names
        local = getattr(self._v, "proxies", {})
        statement = self.parent(bound) if type(bound) is ast.Name else None
        if base.id in local and type(statement) is ast.Assign and type(self.parent(statement)) is ast.Module:
            rest = [n[len(base.id):] for n in names if n == base.id or n.startswith(base.id + ".")]
            return names | {local[base.id] + r for r in rest}
        proxies = getattr(getattr(self._v, "index", None), "proxies", None)
        if not proxies or not isinstance(bound, (ast.alias, ast.Import, ast.ImportFrom)):
            return names
        found = set(names)
        for name in names:
            parts = name.split(".")
            for at in range(len(parts), 0, -1):
                for absolute in absolute_names(".".join(parts[:at]), self._v.module_names):
                    if absolute in proxies:
                        found.add(".".join([proxies[absolute], *parts[at:]]))
        return found

    def assignments(self, name: ast.Name) -> list[Assignment]:
        """Every assignment a name may refer to at this point."""
        scopes = self._v.scopes
        return scopes.assignments(name) if scopes is not None else []

    def single_assignment(self, name: ast.Name) -> Optional[Assignment]:
        """The one assignment a name refers to, or None if there are several or none."""
        referents = self.assignments(name)
        if len(referents) != 1:
            return None
        return None if isinstance(referents[0], Builtin) else referents[0]

    def reaching_assignment(self, name: ast.Name) -> Optional[Assignment]:
        """Of several bindings of a name, the one that reaches this use in straight-line code: the
        nearest `name = ...` before it in its block or an enclosing one, with nothing between that
        may bind the name (a branch, a loop, a `try`, a walrus). In `if a: client = OpenAI(); use
        (client) elif b: client = Groq(); ...` each use has its own. None when no such binding."""
        candidates = self.assignments(name)
        if len(candidates) == 1:
            return None if isinstance(candidates[0], Builtin) else candidates[0]
        if len({id(getattr(a, "scope", None)) for a in candidates}) != 1:
            return None  # bound in another scope too (`global client` in a function): any call may rebind it
        by_statement = {}
        for assignment in candidates:
            node = getattr(assignment, "node", None)
            statement = self.parent(node) if type(node) is ast.Name else None
            if (type(statement) is ast.Assign and any(t is node for t in statement.targets)) or \
                    (type(statement) is ast.AnnAssign and statement.target is node and statement.value is not None):
                by_statement[id(statement)] = assignment
        child: ast.AST = name
        while not isinstance(child, ast.stmt):
            child = self.parent(child)
            if child is None:
                return None
        while True:
            holder = self.parent(child)
            if holder is None:
                return None
            if isinstance(holder, (ast.For, ast.AsyncFor, ast.While)) and _binds(holder, name.id, skip=child):
                return None  # a later pass of the loop may have rebound it
            block = next((b for b in _blocks(holder) if any(s is child for s in b)), None)
            if block is not None:
                at = next(i for i, s in enumerate(block) if s is child)
                for statement in reversed(block[:at]):
                    if id(statement) in by_statement:
                        return by_statement[id(statement)]
                    if _binds(statement, name.id):
                        return None
            if isinstance(holder, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module, ast.Lambda)):
                return None  # the function or module begins: what it binds before is not in sight
            child = holder
            while not isinstance(child, ast.stmt):  # an `except` handler, a `case`: up to its statement
                child = self.parent(child)
                if child is None:
                    return None

    def assigned_value(self, name: ast.Name) -> Optional[tuple[ast.expr, Assignment]]:
        """The right-hand side of `name = value` when that is the name's only assignment."""
        assignment = self.single_assignment(name)
        if assignment is None or type(assignment.node) is not ast.Name:
            return None
        statement = self.parent(assignment.node)
        if type(statement) is ast.Assign and len(statement.targets) == 1 and statement.targets[0] is assignment.node:
            return statement.value, assignment
        if type(statement) is ast.AnnAssign and statement.value is not None and statement.target is assignment.node:
            return statement.value, assignment
        return None

    # -- ints ------------------------------------------------------------------------------
    def class_constant(self, expr: ast.expr) -> Optional[ast.expr]:
        """`Config.MODEL` where `class Config:` of this module binds `MODEL = <value>` once in its
        body and nothing in the module assigns `Config.MODEL` again: that value."""
        if type(expr) is not ast.Attribute or type(expr.value) is not ast.Name:
            return None
        assignment = self.single_assignment(expr.value)
        owner = getattr(assignment, "node", None)
        if not isinstance(owner, ast.ClassDef):
            return None
        found = []
        for statement in owner.body:
            if type(statement) is ast.Assign and len(statement.targets) == 1 and type(statement.targets[0]) is ast.Name \
                    and statement.targets[0].id == expr.attr:
                found.append(statement.value)
            elif type(statement) is ast.AnnAssign and type(statement.target) is ast.Name and statement.target.id == expr.attr:
                found.append(statement.value)
        if len(found) != 1 or found[0] is None:
            return None
        owners = {expr.value.id, "cls"}  # `Config.MODEL = ...`, or `cls.MODEL = ...` in one of its classmethods
        for other in getattr(self._v, "assigns", ()):
            for target in other.targets:
                if type(target) is ast.Attribute and target.attr == expr.attr and type(target.value) is ast.Name \
                        and target.value.id in owners and (target.value.id != "cls" or self._enclosing_class(other) is owner):
                    return None
        for call in getattr(self._v, "calls", ()):  # setattr(Config, ...)
            if type(call.func) is ast.Name and call.func.id == "setattr" and call.args and type(call.args[0]) is ast.Name \
                    and call.args[0].id in owners:
                return None
        return found[0]

    def instance_attribute(self, expr: ast.expr) -> Optional[tuple[ast.expr, bool]]:
        """`self.model` where one statement of the class assigns it, `self.model = <value>`: that
        value, and whether it is a parameter's default (`self.model = model` with `model="gpt-4o"`,
        a constructor default a caller may replace). Either is what the call sends unless code
        elsewhere sets the attribute: the readers treat it as a default, never as seen."""
        if type(expr) is not ast.Attribute or type(expr.value) is not ast.Name or expr.value.id != "self":
            return None
        owner = self._enclosing_class(expr)
        if owner is None:
            return None
        key = (id(owner), expr.attr)
        if key not in self._attributes:  # asked for each `self.x` a call reads, as a string and as an int
            self._attributes[key] = self._instance_attribute(owner, expr.attr)
        return self._attributes[key]

    def _instance_attribute(self, owner: ast.ClassDef, attr: str) -> Optional[tuple[ast.expr, bool]]:
        found = []
        for other in getattr(self._v, "assigns", ()):
            for target in other.targets:
                if type(target) is ast.Attribute and target.attr == attr and type(target.value) is ast.Name \
                        and target.value.id == "self" and self._enclosing_class(other) is owner:
                    found.append(other)
        if len(found) != 1 or len(found[0].targets) != 1:
            return None  # assigned in several places (or `a = self.x = ...`): which one holds is run-time
        for call in getattr(self._v, "calls", ()):  # setattr(self, ...)
            if type(call.func) is ast.Name and call.func.id == "setattr" and call.args and type(call.args[0]) is ast.Name \
                    and call.args[0].id == "self":
                return None
        value = found[0].value
        if type(value) is ast.Name:
            referents = self.assignments(value)
            node = getattr(referents[0], "node", None) if len(referents) == 1 else None
            if type(node) is ast.arg:
                default = self._bound_value(node)
                return (default, True) if default is not None else None
        return value, False

    def imported_constant(self, expr: ast.expr) -> Optional[tuple[str, Union[str, int]]]:
        """`MODEL` of `from app.config import MODEL`, `Config.MAX_TOKENS` of `from app.config import
        Config`, `cfg.MODEL` of `import app.config as cfg`: the literal the imported module binds
        once (clientindex.module_constants), with its dotted name. The name must be bound here
        by its import alone."""
        index = getattr(self._v, "index", None)
        constants = getattr(index, "constants", None)
        if not constants:
            return None
        _, bound = self._base_binding(expr)
        if not isinstance(bound, (ast.alias, ast.Import, ast.ImportFrom)):
            return None
        for name in sorted(self.qualified_names(expr)):
            for absolute in absolute_names(name, self._v.module_names):
                if absolute in constants:
                    return absolute, constants[absolute]
        return None

    def _enclosing_class(self, node: ast.AST) -> Optional[ast.ClassDef]:
        current = self.parent(node)
        while current is not None and not isinstance(current, ast.ClassDef):
            current = self.parent(current)
        return current

    def int_value(self, expr: ast.expr) -> Optional[IntValue]:
        if type(expr) is ast.Attribute and type(expr.value) is ast.Name and expr.value.id == "self":
            found = self.instance_attribute(expr)
            value = self._int(found[0], 0) if found is not None else None
            if value is None:
                return None
            # set in the constructor, read where the code likes, maybe replaced by a caller: not this call's alone
            return IntValue(value, expr, definition=found[0], definition_name=f"self.{expr.attr}", uses=2)
        imported = self._imported_int(expr)
        if imported is not None:
            return imported
        if type(expr) is ast.Attribute:
            constant = self.class_constant(expr)
            value = self._int(constant, 0) if constant is not None else None
            if value is None:
                return None
            # read through the class wherever the code likes: an edit there is not this call's alone
            return IntValue(value, expr, definition=constant, definition_name=f"{expr.value.id}.{expr.attr}", uses=2)
        if type(expr) is ast.Name:
            found = self.assigned_value(expr)
            if found is None:
                return None
            value_expr, assignment = found
            value = self._int(value_expr, 0)
            if value is None:
                return None
            return IntValue(value, expr, definition=value_expr, definition_name=expr.id, uses=len(assignment.references))
        value = self._int(expr, 0)
        return IntValue(value, expr) if value is not None else None

    def _imported_int(self, expr: ast.expr) -> Optional[IntValue]:
        """An int constant of another module: edited there it would change every importer's
        calls, so a fix passes its value at this call (value_fix: a definition read elsewhere)."""
        if type(expr) not in (ast.Name, ast.Attribute):
            return None
        found = self.imported_constant(expr)
        if found is None or type(found[1]) is not int:
            return None
        return IntValue(found[1], expr, definition=expr, definition_name=found[0], uses=2)

    def _int(self, expr: ast.expr, depth: int) -> Optional[int]:
        if depth > _MAX_DEPTH:
            return None
        kind = type(expr)
        if kind is ast.Constant:
            value = expr.value
            return value if type(value) is int else None
        if kind is ast.UnaryOp and type(expr.op) is ast.USub:
            inner = self._int(expr.operand, depth + 1)
            return -inner if inner is not None else None
        if kind is ast.BinOp:
            op = _INT_OPS.get(type(expr.op))
            if op is None:
                return None
            left = self._int(expr.left, depth + 1)
            right = self._int(expr.right, depth + 1)
            if left is None or right is None:
                return None
            if type(expr.op) in (ast.Pow, ast.LShift) and (right > 64 or right < 0):
                return None
            if type(expr.op) is ast.FloorDiv and right == 0:
                return None
            return op(left, right)
        if kind is ast.Name:
            found = self.assigned_value(expr)
            if found is None:
                imported = self.imported_constant(expr)
                return imported[1] if imported is not None and type(imported[1]) is int else None
            return self._int(found[0], depth + 1)
        if kind is ast.Attribute:
            constant = self.class_constant(expr)
            if constant is None:
                imported = self.imported_constant(expr)
                return imported[1] if imported is not None and type(imported[1]) is int else None
            return self._int(constant, depth + 1)
        if kind is ast.Call and self._is_int_call(expr) and len(expr.args) + len(expr.keywords) == 1 and expr.args \
                and type(expr.args[0]) is not ast.Starred:
            return self._int(expr.args[0], depth + 1)
        return None

    def _is_int_call(self, call: ast.Call) -> bool:
        return "builtins.int" in self.qualified_names(call.func)

    # -- strings ---------------------------------------------------------------------------
    def str_value(self, expr: Optional[ast.expr], depth: int = 0) -> Optional[StrValue]:
        """A string, possibly partial: unresolved f-string fields become UNKNOWN_PART."""
        if expr is None or depth > _MAX_DEPTH:
            return None
        kind = type(expr)
        if kind is ast.Constant:
            value = expr.value
            if isinstance(value, str):
                return StrValue(value)
            if isinstance(value, bytes):
                return StrValue(value.decode("latin-1"))
            return None
        if kind is ast.JoinedStr:
            pieces, evidence = [], []
            for part in expr.values:
                if type(part) is ast.Constant:
                    pieces.append(part.value)
                elif type(part) is ast.FormattedValue:
                    inner = self.str_value(part.value, depth + 1) if part.format_spec is None and part.conversion == -1 else None
                    if inner is None:
                        pieces.append(UNKNOWN_PART)
                    else:
                        pieces.append(inner.value)
                        evidence += inner.evidence
            return StrValue("".join(pieces), evidence)
        if kind is ast.BinOp and type(expr.op) is ast.Add:
            left = self.str_value(expr.left, depth + 1)
            right = self.str_value(expr.right, depth + 1)
            if left is None and right is None:
                return None
            left = left or StrValue(UNKNOWN_PART)
            right = right or StrValue(UNKNOWN_PART)
            return StrValue(left.value + right.value, left.evidence + right.evidence)
        if kind is ast.Name:
            found = self.assigned_value(expr)
            if found is None:
                return self._imported_str(expr)
            inner = self.str_value(found[0], depth + 1)
            if inner is None:
                return None
            return StrValue(inner.value, [(found[0], f"{expr.id} = {inner.value!r}")] + inner.evidence, inner.fallback)
        if kind is ast.Attribute:
            attribute = self.instance_attribute(expr)
            if attribute is not None:
                inner = self.str_value(attribute[0], depth + 1)
                if inner is None:
                    return None
                said = f"self.{expr.attr} defaults to {inner.value!r}" if attribute[1] else f"self.{expr.attr} = {inner.value!r}"
                # code outside the class may set the attribute (`bot.model = ...`), unseen: a default either way
                return StrValue(inner.value, [(attribute[0], said)] + inner.evidence, fallback=True)
            constant = self.class_constant(expr)
            if constant is None:
                return self._imported_str(expr)
            inner = self.str_value(constant, depth + 1)
            if inner is None:
                return None
            return StrValue(inner.value, [(constant, f"{expr.value.id}.{expr.attr} = {inner.value!r}")] + inner.evidence, inner.fallback)
        if kind is ast.Call:
            return self._getenv_default(expr, depth)
        if kind is ast.BoolOp and type(expr.op) is ast.Or:
            # `cfg.url or os.getenv("X") or "https://..."`: the literal is the code's default.
            return self._or_default(expr, expr.values, depth)
        return None

    def _imported_str(self, expr: ast.expr) -> Optional[StrValue]:
        found = self.imported_constant(expr)
        if found is None or type(found[1]) is not str:
            return None
        return StrValue(found[1], [(expr, f"{found[0]} = {found[1]!r} (the imported module's constant)")])

    def _or_default(self, expr: ast.BoolOp, values: list, depth: int) -> Optional[StrValue]:
        """`a or b or c` read as LibCST's left-nested `(a or b) or c`."""
        right = self.str_value(values[-1], depth + 1)
        if right is not None and right.complete and right.value:
            rest = values[:-1]
            left = self.str_value(rest[0], depth + 1) if len(rest) == 1 else self._or_default(expr, rest, depth + 1)
            if left is not None and left.complete and left.value:
                return left
            return StrValue(right.value, [(expr, f"falls back to {right.value!r}")] + right.evidence, fallback=True)
        return None

    def _getenv_default(self, call: ast.Call, depth: int) -> Optional[StrValue]:
        if not (self.qualified_names(call.func) & _GETENV):
            return None
        plain = positional(call)
        given = keyword(call, "default")
        default = given.value if given is not None else None
        if default is None and len(plain) >= 2:
            default = plain[1]
        var = self.str_value(plain[0], depth + 1) if plain else None
        value = self.str_value(default, depth + 1)
        if value is None:
            return None
        var_name = var.value if var else "?"
        # Only a default: the variable, when set, says otherwise; fixes resting on it are unsafe.
        return StrValue(value.value, [(call, f"environment variable {var_name} defaults to {value.value!r}")] + value.evidence,
                        fallback=True)

    # -- "not given" sentinels -----------------------------------------------------------
    def may_be_absent(self, expr: ast.expr, depth: int = 0) -> bool:
        """Whether the SDK may leave this argument out of the request: a "not given" sentinel
        (`NOT_GIVEN`, `NotGiven()`, `omit`, `None`, ...), a conditional with one as an arm, or a
        name that one of its assignments (a parameter's default included) binds to such a value."""
        if depth > _MAX_DEPTH:
            return False
        kind = type(expr)
        if is_sentinel(expr):
            return True
        if kind is ast.IfExp:
            return self.may_be_absent(expr.body, depth + 1) or self.may_be_absent(expr.orelse, depth + 1)
        if kind is ast.BoolOp:
            return any(self.may_be_absent(value, depth + 1) for value in expr.values[-1:])
        if kind is ast.Name:
            for assignment in self.assignments(expr):
                node = getattr(assignment, "node", None)
                value = self._bound_value(node)
                if value is not None and value is not expr and self.may_be_absent(value, depth + 1):
                    return True
        return False

    def _bound_value(self, node) -> Optional[ast.expr]:
        """What an assignment binds: the right-hand side, or a parameter's default."""
        parent = self.parent(node) if node is not None else None
        if type(parent) is ast.Assign and any(t is node for t in parent.targets):
            return parent.value
        if type(parent) is ast.AnnAssign and parent.target is node:
            return parent.value
        if type(node) is ast.arg and type(parent) is ast.arguments:
            positional_args = [*parent.posonlyargs, *parent.args]
            if node in positional_args:
                at = positional_args.index(node) - (len(positional_args) - len(parent.defaults))
                return parent.defaults[at] if at >= 0 else None
            if node in parent.kwonlyargs:
                return parent.kw_defaults[parent.kwonlyargs.index(node)]
        return None

    # -- dicts -----------------------------------------------------------------------------
    def dict_value(self, expr: ast.expr, depth: int = 0) -> Optional[DictValue]:
        """A dict literal, or a name bound once to one plus `name["k"] = v` in the same scope."""
        if depth > _MAX_DEPTH:
            return None
        kind = type(expr)
        if kind is ast.Dict:
            return self._dict_literal(expr, depth)
        if kind is ast.Call and "builtins.dict" in self.qualified_names(expr.func):
            entries = [DictEntry(k.arg, k, k.value, k) for k in expr.keywords if k.arg is not None]
            complete = not expr.args and all(k.arg is not None for k in expr.keywords)
            return DictValue(entries, None, complete)
        if kind is ast.Call:
            return self._returned_dict(expr, depth)
        if kind is ast.DictComp:
            return self._filtered(expr, depth)
        if kind is ast.BinOp and type(expr.op) is ast.BitOr:  # `base | {"max_tokens": 512}`
            return self._merged([self.dict_value(expr.left, depth + 1), self.dict_value(expr.right, depth + 1)])
        if kind is ast.Name:
            found = self.assigned_value(expr)
            if found is None:
                return None
            value_expr, assignment = found
            base = self.dict_value(value_expr, depth + 1)
            if base is None:
                return None
            entries = list(base.entries)
            complete = base.complete
            for ref in assignment.references:
                node = ref.node
                parent = self.parent(node)
                if type(parent) is ast.Subscript and parent.value is node:
                    key = self._subscript_key(parent)
                    holder = self.parent(parent)
                    assigned = type(holder) is ast.Assign and any(t is parent for t in holder.targets)
                    if key is not None and assigned:
                        conditional = bool(self._branches(holder) - self._branches(value_expr))
                        entries.append(DictEntry(key[0], key[1], holder.value, holder, conditional))
                    elif assigned or (type(holder) is ast.AugAssign and holder.target is parent):
                        complete = False
                    elif key is None or key[0] in _LIMIT_KEYS:
                        complete = False  # a limit read or deleted by name (`del d["max_tokens"]`): a rename would break it
                elif type(parent) is ast.Attribute and parent.value is node and parent.attr == "update" \
                        and type(holder := self.parent(parent)) is ast.Call and holder.func is parent:
                    added = self._update(holder, depth)  # `params.update({"max_tokens": 512})`, `params.update(max_tokens=512)`
                    conditional = bool(self._branches(holder) - self._branches(value_expr))
                    entries.extend(replace(entry, conditional=entry.conditional or conditional) for entry in added.entries)
                    complete = complete and added.complete
                elif type(parent) is ast.Attribute and parent.value is node and parent.attr in _KEY_USERS:
                    complete = False  # keys added, or read and removed by name: a renamed key would break it
            return DictValue(entries, base.literal, complete, base.shared)
        return None

    def _filtered(self, comp: ast.DictComp, depth: int) -> Optional[DictValue]:
        """`{k: v for k, v in params.items() if v is not None}`: the keys of `params`, whatever a filter
        that reads only the value drops (a `None` limit is not sent, as an SDK's sentinel is not)."""
        if len(comp.generators) != 1:
            return None
        loop = comp.generators[0]
        target, source = loop.target, loop.iter
        if not (type(target) is ast.Tuple and len(target.elts) == 2 and all(type(e) is ast.Name for e in target.elts)):
            return None
        key, value = (e.id for e in target.elts)
        if not (type(comp.key) is ast.Name and comp.key.id == key and type(comp.value) is ast.Name and comp.value.id == value):
            return None
        if not (type(source) is ast.Call and type(source.func) is ast.Attribute and source.func.attr == "items"
                and not source.args and not source.keywords) or loop.is_async:
            return None
        for condition in loop.ifs:
            if any(type(n) is ast.Name and n.id != value for n in ast.walk(condition)):
                return None  # the filter reads more than the value: which keys survive is not seen
        base = self.dict_value(source.func.value, depth + 1)
        if base is None:
            return None
        return DictValue(list(base.entries), None, base.complete, base.shared)

    def _update(self, call: ast.Call, depth: int) -> DictValue:
        """The keys `d.update(...)` adds: of a dict it is given, and its keywords."""
        parts = [self.dict_value(arg, depth + 1) if type(arg) is not ast.Starred else None for arg in call.args]
        keywords = [k for k in call.keywords if k.arg is not None]
        parts.append(DictValue([DictEntry(k.arg, k, k.value, k) for k in keywords], None, len(keywords) == len(call.keywords)))
        return self._merged(parts) or DictValue([], None, False)

    @staticmethod
    def _merged(parts: list) -> Optional[DictValue]:
        """Dicts merged in order (`a | b`, `update`): a key a later one sets again is that one's."""
        known = [part for part in parts if part is not None]
        if not known:
            return None
        entries: list[DictEntry] = []
        for part in known:
            keys = {entry.key for entry in part.entries}
            entries = [entry for entry in entries if entry.key not in keys] + list(part.entries)
        complete = len(known) == len(parts) and all(part.complete for part in known)
        return DictValue(entries, None, complete, any(part.shared for part in known))

    def json_document(self, expr: Optional[ast.expr]) -> Optional[DictValue]:
        """The dict a JSON text is made from: `json.dumps({...})` (its `.encode()` too), or a name
        bound once to one. A request body given as text (a raw POST's `data=`, boto3's
        `invoke_model(body=...)`) is read through it."""
        if type(expr) is ast.Name:
            found = self.assigned_value(expr)
            expr = found[0] if found is not None else None
        if (type(expr) is ast.Call and type(expr.func) is ast.Attribute and expr.func.attr == "encode"
                and type(expr.func.value) is ast.Call):
            expr = expr.func.value
        if type(expr) is not ast.Call or "json.dumps" not in self.qualified_names(expr.func):
            return None
        first = first_argument(expr)
        return self.dict_value(first) if first is not None else None

    def _returned_dict(self, call: ast.Call, depth: int) -> Optional[DictValue]:
        """`**self._params()`, `params = build_params(...)`: the dict a function of this module (or
        a method of the call's class) returns from its one `return`, one level deep. Its keys may
        be read, but it is never complete (the helper may serve other calls, whose targets
        differ: a rename there is not this call's), and its values are shared."""
        function = self.local_function(call)
        if function is None and depth <= 1:
            return self._imported_dict(call)
        if function is None or depth > 1:
            return None
        found_returns = returns(function)
        if len(found_returns) != 1 or found_returns[0].value is None:
            return None
        found = self.dict_value(found_returns[0].value, depth + 1)
        if found is None:
            return None
        return DictValue(found.entries, found.literal, False, True)

    def _imported_dict(self, call: ast.Call) -> Optional[DictValue]:
        """`**build_params()` of `from app.params import build_params`: the keys its module's
        summary gives (clientindex.ReturnedDict). They point at this call, whose text holds none
        of them: a key is reported here, never renamed or set here."""
        index = getattr(self._v, "index", None)
        constants = getattr(index, "constants", None)
        if not constants or type(call.func) not in (ast.Name, ast.Attribute):
            return None
        from .clientindex import ReturnedDict  # the index's own type; the index imports this module's users

        for name in sorted(self.qualified_names(call.func)):
            for absolute in absolute_names(name, self._v.module_names):
                summary = constants.get(absolute)
                if not isinstance(summary, ReturnedDict):
                    continue
                entries = []
                for key, value in summary.entries:
                    shown = ast.copy_location(ast.Constant(value=value), call) if isinstance(value, str) else call
                    entries.append(DictEntry(key, call, shown, call, elsewhere=value if type(value) is int else None))
                return DictValue(entries, None, False, True)
        return None

    def local_function(self, call: ast.Call):
        """The `def` a call names: a function of this module, or `self.method` of the call's class."""
        func = call.func
        if type(func) is ast.Name:
            assignment = self.single_assignment(func)
            node = getattr(assignment, "node", None)
            return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
        if (type(func) is ast.Attribute and type(func.value) is ast.Name and func.value.id == "self"):
            owner = self._v.class_of(call) if hasattr(self._v, "class_of") else None
            if owner is not None:
                return next((s for s in owner.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == func.attr), None)
        return None

    def config_value(self, expr: ast.expr) -> Optional[DictValue]:
        """A dict, or a config object built with keywords (`types.GenerateContentConfig(...)`)."""
        if type(expr) is ast.Name:
            found = self.assigned_value(expr)
            if found is not None and type(found[0]) is ast.Call:
                expr = found[0]
        if type(expr) is ast.Call and type(expr.func) in (ast.Name, ast.Attribute):
            name = expr.func.id if type(expr.func) is ast.Name else expr.func.attr
            if name.endswith(("Config", "Options")):
                entries = [DictEntry(k.arg, k, k.value, k) for k in expr.keywords if k.arg is not None]
                complete = not expr.args
                for k in expr.keywords:
                    if k.arg is None:
                        spread = self.dict_value(k.value)
                        complete = complete and spread is not None and spread.complete
                        entries.extend(spread.entries if spread else ())
                return DictValue(entries, None, complete)
        return self.dict_value(expr)

    def _branches(self, node: ast.AST) -> set:
        """The conditional blocks (if/else, try, loops, match) around a node, up to its function."""
        found: set = set()
        child, current = node, self.parent(node)
        while current is not None and not isinstance(current, _SCOPES):
            if isinstance(current, _BRANCHES):
                found.add(id(current))
                if isinstance(current, _ELSE_OWNERS) and any(s is child for s in current.orelse):
                    found.add((id(current), "else"))
            child, current = current, self.parent(current)
        return found

    def _dict_literal(self, node: ast.Dict, depth: int) -> DictValue:
        entries = []
        complete = True
        source = self._v.source
        for index, (key, value) in enumerate(zip(node.keys, node.values)):
            if key is None:  # `**spread`
                inner = self.dict_value(value, depth + 1)
                if inner is None:
                    complete = False
                else:
                    entries.extend(inner.entries)
                    complete = complete and inner.complete
                continue
            # Only string literals: a key held in a variable cannot be renamed in place.
            single = is_single_string(source, key)
            if single and isinstance(key.value, str):
                entries.append(DictEntry(key.value, key, value, DictItem(key, value, node, index)))
            else:
                complete = complete and single
        return DictValue(entries, node, complete)

    def _subscript_key(self, subscript: ast.Subscript) -> Optional[tuple[str, ast.expr]]:
        key_node = subscript.slice
        if is_single_string(self._v.source, key_node) and isinstance(key_node.value, str):
            return key_node.value, key_node
        return None
